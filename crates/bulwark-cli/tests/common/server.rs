//! A real `bulwark serve` on a free loopback port, for tests that drive it with real
//! clients (skopeo, buildah, podman, oras, `bulwark sbom`) or plain HTTP.
//!
//! ```ignore
//! let server = BulwarkServer::start(ServerOptions::default());
//! skopeo copy ... docker://{server.host()}/library/app:1 --dest-creds {server.admin_creds()}
//! ```
//!
//! The server gets a fresh temporary data directory (so the `admin` account and the
//! `library` project are created by this start) and is killed when the value is dropped.
//! Its log goes to a file; [`BulwarkServer::log`] returns it for failure messages.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How to start the server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Serve TLS with the self-signed certificate the server generates into
    /// `DATA/tls/cert.pem` (otherwise `--http`).
    pub tls: bool,
    /// Password of the `admin` system administrator (`BULWARK_ADMIN_PASSWORD`).
    pub admin_password: String,
    /// Contents of a TOML file passed as `--config`, if any.
    pub config_toml: Option<String>,
    /// More arguments for `bulwark serve`.
    pub extra_args: Vec<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            tls: false,
            admin_password: "bulwark-test-admin-pw".into(),
            config_toml: None,
            extra_args: Vec::new(),
        }
    }
}

/// A running `bulwark serve`, killed on drop.
pub struct BulwarkServer {
    child: Child,
    port: u16,
    tls: bool,
    admin_password: String,
    log_path: PathBuf,
    data_dir: PathBuf,
    agent: ureq::Agent,
    // Last: removed after the child is killed in `drop`.
    dir: tempfile::TempDir,
}

/// A port that was free a moment ago (the server may still lose a race for it: `start`
/// retries with another one).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind 127.0.0.1:0")
        .local_addr()
        .expect("local address")
        .port()
}

impl BulwarkServer {
    /// Starts the binary under test and waits until `GET /healthz` answers 200.
    pub fn start(opts: ServerOptions) -> Self {
        let mut last_log = String::new();
        for _attempt in 0..3 {
            match Self::try_start(&opts) {
                Ok(server) => return server,
                // Lost the race for the port: try another one.
                Err(log) if log.contains("cannot listen") || log.contains("in use") => {
                    last_log = log;
                }
                Err(log) => panic!("bulwark serve did not come up:\n{log}"),
            }
        }
        panic!("bulwark serve could not get a port:\n{last_log}")
    }

    fn try_start(opts: &ServerOptions) -> Result<Self, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let data_dir = dir.path().join("data");
        let log_path = dir.path().join("server.log");
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bulwark"));
        cmd.arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(&data_dir);
        if !opts.tls {
            cmd.arg("--http");
        }
        if let Some(toml) = &opts.config_toml {
            let path = dir.path().join("bulwark.toml");
            std::fs::write(&path, toml).expect("write config");
            cmd.arg("--config").arg(path);
        }
        cmd.args(&opts.extra_args);
        let log = std::fs::File::create(&log_path).expect("create server log");
        let child = cmd
            .env("BULWARK_ADMIN_PASSWORD", &opts.admin_password)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log handle"))
            .stderr(log)
            .spawn()
            .expect("start bulwark serve");
        // Built now so that Drop kills the child if anything below fails.
        let mut server = Self {
            child,
            port,
            tls: opts.tls,
            admin_password: opts.admin_password.clone(),
            log_path,
            data_dir,
            agent: plain_agent(),
            dir,
        };
        // In TLS mode the agent can only be built once the certificate is on disk (the
        // server writes it before it listens).
        let mut agent_ready = !opts.tls;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("exited with {status}:\n{}", server.log()));
            }
            if !agent_ready
                && let Some(agent) = std::fs::read(server.cert_pem())
                    .ok()
                    .and_then(|pem| agent_trusting(&pem))
            {
                server.agent = agent;
                agent_ready = true;
            }
            if agent_ready && server.healthy() {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "no 200 from /healthz within 60 s:\n{}",
                    server.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn healthy(&self) -> bool {
        self.agent
            .get(format!("{}/healthz", self.url()))
            .call()
            .is_ok_and(|r| r.status() == 200)
    }

    /// `127.0.0.1:PORT`, as clients write it in image references.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// `http://127.0.0.1:PORT` or `https://...`.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.host())
    }

    pub fn admin_password(&self) -> &str {
        &self.admin_password
    }

    /// `admin:PASSWORD`, as skopeo's `--creds` and buildah's `--creds` take it.
    pub fn admin_creds(&self) -> String {
        format!("admin:{}", self.admin_password)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A scratch directory that lives as long as the server.
    pub fn scratch(&self) -> &Path {
        self.dir.path()
    }

    /// The generated self-signed certificate (TLS mode).
    pub fn cert_pem(&self) -> PathBuf {
        self.data_dir.join("tls/cert.pem")
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// An HTTP client for this server: statuses are not errors, and in TLS mode it trusts
    /// only the server's generated certificate.
    pub fn agent(&self) -> &ureq::Agent {
        &self.agent
    }

    /// A Docker registry token from `/service/token` for `scope` (e.g.
    /// `repository:library/app:pull`), as `user`/`password` or anonymously.
    pub fn token(&self, scope: &str, creds: Option<(&str, &str)>) -> String {
        let url = format!("{}/service/token?service=bulwark&scope={scope}", self.url());
        let mut req = self.agent.get(&url);
        if let Some((user, password)) = creds {
            req = req.header("Authorization", basic_auth(user, password));
        }
        let mut resp = req.call().expect("token request");
        assert_eq!(resp.status(), 200, "token for {scope}");
        let body: serde_json::Value = resp.body_mut().read_json().expect("token JSON");
        body["token"].as_str().expect("token field").to_string()
    }
}

impl Drop for BulwarkServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn plain_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .new_agent()
}

/// A client that trusts only the certificate in `pem`; `None` while the file is incomplete.
fn agent_trusting(pem: &[u8]) -> Option<ureq::Agent> {
    let cert = ureq::tls::Certificate::from_pem(pem).ok()?;
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![cert])))
        .build();
    Some(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .tls_config(tls)
            .build()
            .new_agent(),
    )
}

/// An `Authorization: Basic ...` header value.
pub fn basic_auth(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}").into_bytes();
    let mut out = String::from("Basic ");
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
