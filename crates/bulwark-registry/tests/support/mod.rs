//! In-process registry for tests: a fresh data directory, the router driven with
//! `tower::ServiceExt::oneshot`, and helpers to push content.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use base64::Engine;
use bulwark_registry::store::NewUser;
use bulwark_registry::{AppState, Config};
use sha2::Digest as _;
use tower::ServiceExt;

pub const ADMIN_PW: &str = "admin-password";
/// The address every test request comes from (handlers read `ConnectInfo`).
pub const CLIENT_IP: &str = "192.0.2.7";

pub struct Registry {
    pub state: AppState,
    pub app: Router,
    _dir: tempfile::TempDir,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
    pub fn error_code(&self) -> Option<String> {
        self.json()["errors"][0]["code"]
            .as_str()
            .map(str::to_string)
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

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Basic(String, String),
    Bearer(String),
}

impl Auth {
    pub fn basic(u: &str, p: &str) -> Self {
        Self::Basic(u.into(), p.into())
    }

    pub fn admin() -> Self {
        Self::basic("admin", ADMIN_PW)
    }
}

pub fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(data)))
}

impl Registry {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            data_dir: dir.path().join("data"),
            ..Config::default()
        };
        config.tls.insecure_http = true;
        tweak(&mut config);
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

    pub fn data_dir(&self) -> std::path::PathBuf {
        self.state.config.data_dir.clone()
    }

    pub async fn add_user(&self, name: &str, password: &str, sysadmin: bool) {
        let hash = bulwark_auth::password::hash(password).unwrap();
        self.state
            .meta
            .create_user(NewUser {
                name: name.into(),
                password_hash: hash,
                sysadmin,
            })
            .await
            .unwrap();
    }

    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        auth: &Auth,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Resp {
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
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut req = req
            .header("content-length", body.len())
            .body(Body::from(body))
            .unwrap();
        let addr: std::net::SocketAddr = format!("{CLIENT_IP}:40000").parse().unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str, auth: &Auth) -> Resp {
        self.call(Method::GET, uri, auth, Vec::new(), &[]).await
    }

    /// Monolithic upload (POST then PUT); returns the digest.
    pub async fn push_blob(&self, repo: &str, data: &[u8], auth: &Auth) -> String {
        let digest = sha256(data);
        let r = self
            .call(
                Method::POST,
                &format!("/v2/{repo}/blobs/uploads/"),
                auth,
                Vec::new(),
                &[],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::ACCEPTED,
            "start upload to {repo}: {:?}",
            String::from_utf8_lossy(&r.body)
        );
        let loc = r.header("location").unwrap();
        let sep = if loc.contains('?') { '&' } else { '?' };
        let r = self
            .call(
                Method::PUT,
                &format!("{loc}{sep}digest={digest}"),
                auth,
                data.to_vec(),
                &[("content-type", "application/octet-stream")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "finish upload: {}",
            String::from_utf8_lossy(&r.body)
        );
        digest
    }

    /// Pushes a one-layer OCI image with a unique layer; returns the manifest digest.
    pub async fn push_image(&self, repo: &str, tag: &str, auth: &Auth) -> String {
        let config =
            br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
        let layer = format!("layer of {repo}:{tag} {}", uuid_like()).into_bytes();
        let cd = self.push_blob(repo, config, auth).await;
        let ld = self.push_blob(repo, &layer, auth).await;
        let manifest = image_manifest(&cd, config.len(), &ld, layer.len(), None);
        self.push_manifest(repo, tag, &manifest, auth).await
    }

    pub async fn push_manifest(
        &self,
        repo: &str,
        reference: &str,
        manifest: &[u8],
        auth: &Auth,
    ) -> String {
        let r = self.put_manifest(repo, reference, manifest, auth).await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "manifest push: {}",
            String::from_utf8_lossy(&r.body)
        );
        sha256(manifest)
    }

    pub async fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        manifest: &[u8],
        auth: &Auth,
    ) -> Resp {
        self.call(
            Method::PUT,
            &format!("/v2/{repo}/manifests/{reference}"),
            auth,
            manifest.to_vec(),
            &[("content-type", "application/vnd.oci.image.manifest.v1+json")],
        )
        .await
    }
}

pub fn image_manifest(
    config: &str,
    config_size: usize,
    layer: &str,
    layer_size: usize,
    subject: Option<(&str, usize)>,
) -> Vec<u8> {
    let mut m = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": layer_size}],
    });
    if let Some((d, size)) = subject {
        m["subject"] = serde_json::json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": size});
    }
    serde_json::to_vec(&m).unwrap()
}

pub fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{t}-{}", N.fetch_add(1, Ordering::Relaxed))
}
