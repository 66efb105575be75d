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
//! Crash tests [`BulwarkServer::kill_hard`] it and [`BulwarkServer::restart`] it on the same
//! data directory and port.

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
    /// The server's `RUST_LOG` (default `info`).
    pub log_filter: String,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            tls: false,
            admin_password: "bulwark-test-admin-pw".into(),
            config_toml: None,
            extra_args: Vec::new(),
            log_filter: "info".into(),
        }
    }
}

/// A running `bulwark serve`, killed on drop.
pub struct BulwarkServer {
    child: Child,
    port: u16,
    opts: ServerOptions,
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
        if let Some(toml) = &opts.config_toml {
            std::fs::write(config_path(dir.path()), toml).expect("write config");
        }
        let port = free_port();
        // Built now so that Drop kills the child if anything below fails.
        let mut server = Self {
            child: spawn(opts, dir.path(), port),
            port,
            opts: opts.clone(),
            log_path: dir.path().join(LOG),
            data_dir: dir.path().join(DATA),
            agent: plain_agent(),
            dir,
        };
        server.wait_ready()?;
        Ok(server)
    }

    /// Waits until the child answers `GET /healthz` with 200; `Err(log)` if it exits or
    /// takes longer than a minute.
    fn wait_ready(&mut self) -> Result<(), String> {
        // In TLS mode the agent can only be built once the certificate is on disk (the
        // server writes it before it listens).
        let mut agent_ready = !self.opts.tls;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}:\n{}", self.log()));
            }
            if !agent_ready
                && let Some(agent) = std::fs::read(self.cert_pem())
                    .ok()
                    .and_then(|pem| agent_trusting(&pem))
            {
                self.agent = agent;
                agent_ready = true;
            }
            if agent_ready && self.healthy() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("no 200 from /healthz within 60 s:\n{}", self.log()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server with SIGKILL, as a crash or the OOM killer would: no shutdown code
    /// runs. Waits until the process is gone. Panics if it had already exited by itself.
    pub fn kill_hard(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "bulwark serve had already exited with {status}:\n{}",
                self.log()
            );
        }
        // `Child::kill` is SIGKILL on Unix.
        self.child.kill().expect("SIGKILL bulwark serve");
        self.child.wait().expect("reap bulwark serve");
    }

    /// Starts the binary again with the same data directory, port and options (a running
    /// instance is killed hard first) and waits until it is healthy. Its log is appended
    /// to the same file.
    pub fn restart(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill_hard();
        }
        self.child = spawn(&self.opts, self.dir.path(), self.port);
        if let Err(log) = self.wait_ready() {
            panic!(
                "bulwark serve did not come back on port {}:\n{log}",
                self.port
            );
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
        self.opts.tls
    }

    /// `http://127.0.0.1:PORT` or `https://...`.
    pub fn url(&self) -> String {
        let scheme = if self.opts.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.host())
    }

    pub fn admin_password(&self) -> &str {
        &self.opts.admin_password
    }

    /// `admin:PASSWORD`, as skopeo's `--creds` and buildah's `--creds` take it.
    pub fn admin_creds(&self) -> String {
        format!("admin:{}", self.opts.admin_password)
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

/// Names inside the server's scratch directory.
const DATA: &str = "data";
const LOG: &str = "server.log";

fn config_path(scratch: &Path) -> PathBuf {
    scratch.join("bulwark.toml")
}

/// Spawns `bulwark serve` on `port` with `scratch`'s data directory and config file,
/// appending its output to `scratch`'s log.
fn spawn(opts: &ServerOptions, scratch: &Path, port: u16) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    cmd.arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(scratch.join(DATA));
    if !opts.tls {
        cmd.arg("--http");
    }
    if opts.config_toml.is_some() {
        cmd.arg("--config").arg(config_path(scratch));
    }
    cmd.args(&opts.extra_args);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(scratch.join(LOG))
        .expect("open server log");
    cmd.env("BULWARK_ADMIN_PASSWORD", &opts.admin_password)
        .env("RUST_LOG", &opts.log_filter)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("clone log handle"))
        .stderr(log)
        .spawn()
        .expect("start bulwark serve")
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
