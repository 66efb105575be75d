//! An in-process registry for management API tests: a fresh data directory, the router
//! driven with `tower::ServiceExt::oneshot`, a client address in every request (handlers
//! read `ConnectInfo`), and helpers to seed accounts and push content.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use base64::Engine as _;
use bulwark_auth::role::{Action, Role};
use bulwark_registry::config::TlsConfig;
use bulwark_registry::store::{NewUser, Robot};
use bulwark_registry::{AppState, Config};
use serde_json::Value;
use sha2::Digest as _;
use tower::ServiceExt;

pub const ADMIN_PW: &str = "adminpw";
/// The address every test request comes from.
pub const CLIENT_IP: &str = "192.0.2.7";

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Basic(String, String),
    Bearer(String),
}

impl Auth {
    pub fn basic(user: &str, password: &str) -> Self {
        Self::Basic(user.into(), password.into())
    }

    pub fn admin() -> Self {
        Self::basic("admin", ADMIN_PW)
    }
}

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first error message of a JSON error body.
    pub fn message(&self) -> String {
        self.json()["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

pub struct Api {
    pub state: AppState,
    app: Router,
    _dir: tempfile::TempDir,
}

impl Api {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().join("data"),
            tls: TlsConfig {
                insecure_http: true,
                ..TlsConfig::default()
            },
            ..Config::default()
        };
        let opened = bulwark_registry::open(config, Some(ADMIN_PW.into()))
            .await
            .unwrap();
        let app = bulwark_registry::app(opened.state.clone());
        Self {
            state: opened.state,
            app,
            _dir: dir,
        }
    }

    /// Sends a request; `body` is sent as given (so tests can send malformed JSON).
    pub async fn raw(&self, method: Method, uri: &str, auth: &Auth, body: &[u8]) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "registry.test");
        match auth {
            Auth::None => {}
            Auth::Basic(u, p) => {
                let v = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
                req = req.header("authorization", format!("Basic {v}"));
            }
            Auth::Bearer(t) => req = req.header("authorization", format!("Bearer {t}")),
        }
        if !body.is_empty() {
            req = req.header("content-type", "application/json");
        }
        let mut req = req.body(Body::from(body.to_vec())).unwrap();
        let addr: SocketAddr = format!("{CLIENT_IP}:40000").parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Resp { status, body }
    }

    /// Sends a request with an optional JSON body.
    pub async fn call(&self, method: Method, uri: &str, auth: &Auth, body: Option<Value>) -> Resp {
        let bytes = body
            .map(|b| serde_json::to_vec(&b).unwrap())
            .unwrap_or_default();
        self.raw(method, uri, auth, &bytes).await
    }

    pub async fn get(&self, uri: &str, auth: &Auth) -> Resp {
        self.call(Method::GET, uri, auth, None).await
    }

    /// Adds a user directly to the store (no API call, no audit event).
    pub async fn seed_user(&self, name: &str, password_hash: &str, sysadmin: bool) {
        let user = NewUser {
            name: name.into(),
            password_hash: password_hash.into(),
            sysadmin,
        };
        self.state.meta.create_user(user).await.unwrap();
    }

    pub async fn seed_project(&self, name: &str, public: bool) {
        self.state.meta.create_project(name, public).await.unwrap();
    }

    pub async fn seed_member(&self, project: &str, user: &str, role: Role) {
        self.state
            .meta
            .set_member(project, user, role)
            .await
            .unwrap();
    }

    /// Adds robot `robot$<project>+<name>` with `secret`; returns its full name.
    pub async fn seed_robot(
        &self,
        project: &str,
        name: &str,
        secret: &str,
        expires_at: Option<i64>,
    ) -> String {
        let full = format!("robot${project}+{name}");
        let robot = Robot {
            name: full.clone(),
            project: project.into(),
            actions: vec![Action::Pull, Action::Push, Action::Delete],
            secret_digest: bulwark_auth::secret::digest(secret),
            expires_at,
            created_at: 0,
            description: String::new(),
        };
        self.state.meta.create_robot(robot).await.unwrap();
        full
    }

    async fn push_blob(&self, repo: &str, data: &[u8], auth: &Auth) -> String {
        let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(data)));
        let uri = format!("/v2/{repo}/blobs/uploads/?digest={digest}");
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(&uri)
            .header("host", "registry.test");
        if let Auth::Basic(u, p) = auth {
            let v = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
            req = req.header("authorization", format!("Basic {v}"));
        }
        let req = req
            .header("content-type", "application/octet-stream")
            .header("content-length", data.len())
            .body(Body::from(data.to_vec()))
            .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::CREATED,
            "monolithic upload to {repo}"
        );
        digest
    }

    /// Pushes a small one-layer image to `repo:tag`.
    pub async fn push_image(&self, repo: &str, tag: &str, auth: &Auth) {
        let status = self
            .try_push_image(repo, tag, &format!("layer of {repo}:{tag}"), auth)
            .await;
        assert_eq!(status, StatusCode::CREATED, "manifest push to {repo}:{tag}");
    }

    /// Pushes a one-layer image whose layer holds `layer`; returns the manifest PUT's status.
    pub async fn try_push_image(
        &self,
        repo: &str,
        tag: &str,
        layer: &str,
        auth: &Auth,
    ) -> StatusCode {
        let config =
            br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
        let layer = layer.as_bytes().to_vec();
        let config_digest = self.push_blob(repo, config, auth).await;
        let layer_digest = self.push_blob(repo, &layer, auth).await;
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer.len()}],
        });
        let uri = format!("/v2/{repo}/manifests/{tag}");
        let mut req = Request::builder()
            .method(Method::PUT)
            .uri(&uri)
            .header("host", "registry.test");
        if let Auth::Basic(u, p) = auth {
            let v = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
            req = req.header("authorization", format!("Basic {v}"));
        }
        let body = serde_json::to_vec(&manifest).unwrap();
        let req = req
            .header("content-type", "application/vnd.oci.image.manifest.v1+json")
            .body(Body::from(body))
            .unwrap();
        self.app.clone().oneshot(req).await.unwrap().status()
    }

    /// Audit events matching `query` (a query string), once the writer has caught up:
    /// polls until `until` holds for the result or two seconds pass.
    pub async fn audit_until(&self, query: &str, until: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let mut events = Vec::new();
        for _ in 0..200 {
            let r = self
                .get(&format!("/api/v1/audit?{query}"), &Auth::admin())
                .await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "audit query {query}: {}",
                r.text()
            );
            events = r.json().as_array().cloned().unwrap_or_default();
            if until(&events) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        events
    }
}
