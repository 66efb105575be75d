//! The management commands against a real `bulwark serve`: each test starts the binary
//! on a free loopback port with a fresh data directory, runs `bulwark project|user|...`
//! as separate processes and checks their effect through the registry itself.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write as _;
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

const ADMIN_PW: &str = "cli-admin-password";
const BIN: &str = env!("CARGO_BIN_EXE_bulwark");

/// A running `bulwark serve`, killed on drop.
struct Server {
    child: Child,
    url: String,
    agent: ureq::Agent,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(tls: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new(BIN);
        cmd.args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir.path().join("data"))
        .env("BULWARK_ADMIN_PASSWORD", ADMIN_PW)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        if !tls {
            cmd.arg("--http");
        }
        let child = cmd.spawn().unwrap();
        let scheme = if tls { "https" } else { "http" };
        let tls_config = ureq::tls::TlsConfig::builder()
            .disable_verification(true)
            .build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls_config)
            .build()
            .new_agent();
        let mut server = Self {
            child,
            url: format!("{scheme}://127.0.0.1:{port}"),
            agent,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let health = server.agent.get(format!("{}/healthz", server.url)).call();
            if health.is_ok_and(|r| r.status() == 200) {
                break;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("bulwark serve exited early: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "bulwark serve did not become healthy"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Runs `bulwark ARGS` against this server as `who` (user, password), feeding `stdin`.
    fn cli(&self, who: Option<(&str, &str)>, args: &[&str], stdin: &str) -> Output {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("BULWARK_SERVER", &self.url)
            .env_remove("BULWARK_USERNAME")
            .env_remove("BULWARK_PASSWORD")
            .env_remove("BULWARK_NEW_PASSWORD")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some((user, password)) = who {
            cmd.env("BULWARK_USERNAME", user)
                .env("BULWARK_PASSWORD", password);
        }
        let mut child = cmd.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs a command as admin that must succeed; returns its stdout.
    fn admin(&self, args: &[&str]) -> String {
        ok(&self.cli(Some(("admin", ADMIN_PW)), args, ""), args)
    }

    /// Runs a command as admin with `--json`; returns the parsed answer.
    fn admin_json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        serde_json::from_str(&self.admin(&args)).unwrap()
    }

    /// `GET /service/token` with basic credentials; returns the status.
    fn token_status(&self, user: &str, password: &str, scope: &str) -> u16 {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let url = format!("{}/service/token?service=bulwark&scope={scope}", self.url);
        self.agent
            .get(url)
            .header("authorization", format!("Basic {basic}"))
            .call()
            .unwrap()
            .status()
            .as_u16()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ok(out: &Output, args: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bulwark {args:?} failed: {stderr}");
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn failed(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected failure, got {:?}",
        out.status
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn cli_manages_projects_users_members_and_robots() {
    let server = Server::start(false);
    assert!(
        server
            .admin(&["project", "create", "dev"])
            .contains("created private project dev")
    );
    assert!(names(&server.admin_json(&["project", "list"]), "name").contains(&"dev".to_string()));

    // A user added via the CLI appears in `user list --json`.
    let add = server.cli(
        Some(("admin", ADMIN_PW)),
        &["user", "add", "alice", "--new-password-stdin"],
        "alice-password-1\n",
    );
    ok(&add, &["user", "add"]);
    assert!(names(&server.admin_json(&["user", "list"]), "name").contains(&"alice".to_string()));
    server.admin(&["member", "set", "dev", "alice", "--role", "developer"]);
    let members = server.admin_json(&["member", "list", "dev"]);
    assert_eq!(
        members,
        serde_json::json!([{"user": "alice", "role": "developer"}])
    );

    // A robot created via the CLI can get a token; its secret is printed once.
    let robot = server.admin_json(&[
        "robot",
        "create",
        "dev",
        "ci",
        "--actions",
        "pull,push",
        "--expires-in-days",
        "7",
    ]);
    assert_eq!(robot["name"], "robot$dev+ci");
    let secret = robot["secret"].as_str().unwrap().to_string();
    assert_eq!(
        server.token_status("robot$dev+ci", &secret, "repository:dev/app:pull,push"),
        200
    );
    assert_eq!(
        server.token_status("robot$dev+ci", "wrong", "repository:dev/app:pull"),
        401
    );
    let text = server.admin(&["robot", "create", "dev", "ci2", "--actions", "pull"]);
    assert!(
        text.contains("created robot$dev+ci2 (pull)") && text.contains("secret:  "),
        "{text}"
    );
    let listed = server.admin(&["robot", "list", "dev", "--json"]);
    assert!(
        !listed.contains(&secret) && !listed.contains("\"secret\""),
        "{listed}"
    );
    assert!(
        server
            .admin(&["robot", "list", "dev"])
            .contains("robot$dev+ci2")
    );

    // Alice changes her own password (current one first on stdin, then the new one).
    let passwd = server.cli(
        Some(("alice", "")),
        &[
            "user",
            "passwd",
            "alice",
            "--username",
            "alice",
            "--password-stdin",
            "--new-password-stdin",
        ],
        "alice-password-1\nalice-password-2\n",
    );
    ok(&passwd, &["user", "passwd"]);
    let as_alice = server.cli(
        Some(("alice", "alice-password-2")),
        &["project", "show", "dev", "--json"],
        "",
    );
    assert_eq!(
        serde_json::from_str::<Value>(&ok(&as_alice, &["project", "show"])).unwrap()["name"],
        "dev"
    );
    let stale = server.cli(
        Some(("alice", "alice-password-1")),
        &["project", "list"],
        "",
    );
    assert!(failed(&stale).contains("not signed in or wrong credentials"));
    let denied = server.cli(Some(("alice", "alice-password-2")), &["user", "list"], "");
    assert!(failed(&denied).contains("permission denied"));

    server.admin(&["immutability", "set", "dev", "v*", "release-*"]);
    assert_eq!(
        server.admin_json(&["immutability", "show", "dev"])["rules"],
        serde_json::json!(["v*", "release-*"])
    );
    assert!(
        server
            .admin(&["project", "set-public", "dev"])
            .contains("project dev is now public")
    );
    assert_eq!(
        server.admin_json(&["project", "show", "dev"])["public"],
        true
    );
    server.admin(&["project", "set-public", "dev", "false"]);

    let audit = server.admin_json(&["audit", "--action", "robot-create"]);
    assert_eq!(names(&audit, "resource"), ["robot$dev+ci2", "robot$dev+ci"]);
    assert!(
        server
            .admin(&["audit", "--project", "dev", "--limit", "5"])
            .starts_with("TIME")
    );
    assert!(server.admin_json(&["gc"])["blobs_deleted"].is_u64());

    server.admin(&["robot", "delete", "dev", "ci"]);
    assert_eq!(
        server.token_status("robot$dev+ci", &secret, "repository:dev/app:pull"),
        401
    );
    server.admin(&["member", "remove", "dev", "alice"]);
    server.admin(&["user", "delete", "alice"]);
    assert!(!names(&server.admin_json(&["user", "list"]), "name").contains(&"alice".to_string()));
    server.admin(&["project", "delete", "dev"]);

    let bad = server.cli(
        Some(("admin", ADMIN_PW)),
        &["project", "create", "Bad Name"],
        "",
    );
    assert!(failed(&bad).contains("invalid project name"));
    let anonymous = server.cli(None, &["user", "list"], "");
    assert!(failed(&anonymous).contains("not signed in"));
    let no_password = server.cli(None, &["user", "list", "--username", "admin"], "");
    assert!(failed(&no_password).contains("BULWARK_PASSWORD"));
}

#[test]
fn cli_reaches_a_self_signed_tls_registry_with_insecure() {
    let server = Server::start(true);
    assert!(server.url.starts_with("https://"));
    let refused = server.cli(Some(("admin", ADMIN_PW)), &["project", "list"], "");
    assert!(failed(&refused).contains("--insecure"));
    let out = server.cli(
        Some(("admin", ADMIN_PW)),
        &["project", "list", "--insecure", "--json"],
        "",
    );
    let list: Value = serde_json::from_str(&ok(&out, &["project", "list", "--insecure"])).unwrap();
    assert_eq!(names(&list, "name"), ["library"]);
}
