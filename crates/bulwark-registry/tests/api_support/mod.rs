//! An in-process registry for management API tests: the registry test harness
//! (`tests/support`: a fresh data directory, the router driven with
//! `tower::ServiceExt::oneshot`, a client address in every request) plus JSON calls and
//! helpers to seed accounts and push content.
#![allow(dead_code)]

use std::time::Duration;

use axum::http::{Method, StatusCode};
use bulwark_auth::role::{Action, Role};
use bulwark_registry::AppState;
use bulwark_registry::store::{NewUser, Robot};
use serde_json::Value;

#[path = "../support/mod.rs"]
mod registry;

// Not every test binary uses every name (the same reason as `dead_code` above).
#[allow(unused_imports)]
pub use registry::{ADMIN_PW, Auth, CLIENT_IP, Resp};

pub struct Api {
    pub state: AppState,
    registry: registry::Registry,
}

impl Api {
    pub async fn start() -> Self {
        let registry = registry::Registry::start().await;
        Self {
            state: registry.state.clone(),
            registry,
        }
    }

    /// Sends a request; `body` is sent as given (so tests can send malformed JSON).
    pub async fn raw(&self, method: Method, uri: &str, auth: &Auth, body: &[u8]) -> Resp {
        let json: &[(&str, &str)] = if body.is_empty() {
            &[]
        } else {
            &[("content-type", "application/json")]
        };
        self.registry
            .call(method, uri, auth, body.to_vec(), json)
            .await
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
        let reg = &self.registry;
        let config_digest = reg.push_blob(repo, config, auth).await;
        let layer_digest = reg.push_blob(repo, layer.as_bytes(), auth).await;
        let manifest = registry::image_manifest(
            &config_digest,
            config.len(),
            &layer_digest,
            layer.len(),
            None,
        );
        reg.put_manifest(repo, tag, &manifest, auth).await.status
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
