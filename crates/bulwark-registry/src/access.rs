//! Who is calling, and may they do this? Every endpoint goes through [`identify`] and then
//! [`require`] (registry actions) or [`require_project`] (management actions).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use bulwark_auth::challenge::{self, Credentials};
use bulwark_auth::policy::{self, ProjectAccess, Subject};
use bulwark_auth::role::Action;
use bulwark_auth::scope::Scope;
use bulwark_auth::token::Claims;
use bulwark_auth::{password, secret};
use sha2::Digest as _;

use crate::clock::now;
use crate::error::{ApiError, ApiResult, Code};
use crate::names::project_of;
use crate::state::AppState;

/// How long a verified password or token is remembered (argon2 is deliberately slow).
const CACHE_TTL: Duration = Duration::from_secs(60);
const CACHE_MAX: usize = 10_000;

/// The caller of a request.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: Subject,
    /// Set when the request carried a bearer token: its grants are the whole authority.
    pub claims: Option<Claims>,
    /// Client address, for the audit log.
    pub client: Option<String>,
}

impl Identity {
    /// Name for logs and the audit trail.
    pub fn name(&self) -> &str {
        match &self.subject {
            Subject::Anonymous => "anonymous",
            Subject::User { name, .. } | Subject::Robot { name, .. } => name,
        }
    }

    pub fn is_anonymous(&self) -> bool {
        matches!(self.subject, Subject::Anonymous)
    }

    pub fn is_sysadmin(&self) -> bool {
        matches!(self.subject, Subject::User { sysadmin: true, .. })
    }
}

/// Remembers recently verified credentials, keyed by a hash of them.
#[derive(Default)]
pub struct CredentialCache {
    entries: Mutex<HashMap<[u8; 32], (Instant, Identity)>>,
}

impl CredentialCache {
    fn key(kind: &str, parts: &[&str]) -> [u8; 32] {
        let mut h = sha2::Sha256::new();
        h.update(kind.as_bytes());
        for p in parts {
            h.update([0u8]);
            h.update(p.as_bytes());
        }
        h.finalize().into()
    }

    fn get(&self, key: &[u8; 32]) -> Option<Identity> {
        let map = self.entries.lock().ok()?;
        map.get(key)
            .filter(|(t, _)| t.elapsed() < CACHE_TTL)
            .map(|(_, i)| i.clone())
    }

    fn put(&self, key: [u8; 32], identity: Identity) {
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= CACHE_MAX {
                map.retain(|_, (t, _)| t.elapsed() < CACHE_TTL);
                if map.len() >= CACHE_MAX {
                    map.clear();
                }
            }
            map.insert(key, (Instant::now(), identity));
        }
    }

    /// Forgets everything (after a password, role or robot change).
    pub fn clear(&self) {
        if let Ok(mut map) = self.entries.lock() {
            map.clear();
        }
    }
}

/// The `WWW-Authenticate` challenge for a registry request.
pub fn challenge(
    state: &AppState,
    headers: &HeaderMap,
    scopes: &[Scope],
    error: Option<&str>,
) -> String {
    challenge::bearer(
        &realm(state, headers),
        &state.config.auth.service,
        scopes,
        error,
    )
}

/// The token endpoint's absolute URL, as the client reached us.
pub fn realm(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.auth.external_url {
        return format!("{}/service/token", url.trim_end_matches('/'));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.config.tls.insecure_http {
        "http"
    } else {
        "https"
    };
    format!("{scheme}://{host}/service/token")
}

fn unauthorized(state: &AppState, headers: &HeaderMap, message: &str) -> ApiError {
    ApiError::new(Code::Unauthorized, message).with_header(
        header::WWW_AUTHENTICATE,
        challenge(state, headers, &[], None),
    )
}

/// Checks a user's or robot's password. `Ok(None)` means wrong credentials.
pub async fn check_password(
    state: &AppState,
    username: &str,
    password_text: &str,
) -> ApiResult<Option<Subject>> {
    let key = CredentialCache::key("basic", &[username, password_text]);
    if let Some(hit) = state.credentials.get(&key) {
        if let Subject::Robot {
            expires_at: Some(exp),
            ..
        } = hit.subject
            && exp <= now()
        {
            return Ok(None);
        }
        return Ok(Some(hit.subject));
    }
    let subject = if username.starts_with("robot$") {
        let Some(robot) = state.meta.robot(username).await? else {
            return Ok(None);
        };
        if !secret::matches(password_text, &robot.secret_digest)
            || robot.expires_at.is_some_and(|e| e <= now())
        {
            return Ok(None);
        }
        Subject::Robot {
            name: robot.name,
            project: robot.project,
            actions: robot.actions,
            expires_at: robot.expires_at,
        }
    } else {
        let Some(user) = state.meta.user(username).await? else {
            // Spend the same time as a real check so user names can't be probed by timing.
            let given = password_text.to_string();
            let _ =
                tokio::task::spawn_blocking(move || password::verify(&given, dummy_hash())).await;
            return Ok(None);
        };
        let hash = user.password_hash.clone();
        let given = password_text.to_string();
        let ok = tokio::task::spawn_blocking(move || password::verify(&given, &hash))
            .await
            .map_err(ApiError::internal)?;
        if !ok {
            return Ok(None);
        }
        Subject::User {
            name: user.name,
            sysadmin: user.sysadmin,
        }
    };
    state.credentials.put(
        key,
        Identity {
            subject: subject.clone(),
            claims: None,
            client: None,
        },
    );
    Ok(Some(subject))
}

/// A real argon2id hash of a random secret, so that unknown user names cost as much as
/// wrong passwords.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| password::hash(&secret::generate()).unwrap_or_default())
}

/// Authenticates the request: anonymous, HTTP basic (user or robot) or a bearer token.
/// Bad credentials are an error, never a silent downgrade to anonymous.
pub async fn identify(
    state: &AppState,
    headers: &HeaderMap,
    client: Option<String>,
) -> ApiResult<Identity> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Identity {
            subject: Subject::Anonymous,
            claims: None,
            client,
        });
    };
    let creds = value.to_str().ok().and_then(challenge::parse_authorization);
    match creds {
        None => Err(unauthorized(
            state,
            headers,
            "malformed Authorization header",
        )),
        Some(Credentials::Basic { username, password }) => {
            match check_password(state, &username, password.expose()).await? {
                Some(subject) => Ok(Identity {
                    subject,
                    claims: None,
                    client,
                }),
                None => Err(unauthorized(state, headers, "invalid username or password")),
            }
        }
        Some(Credentials::Bearer(token)) => {
            let key = CredentialCache::key("bearer", &[token.expose()]);
            if let Some(mut hit) = state.credentials.get(&key)
                && hit
                    .claims
                    .as_ref()
                    .is_some_and(|c| i64::try_from(c.exp).unwrap_or(0) > now())
            {
                hit.client = client;
                return Ok(hit);
            }
            let claims = state
                .tokens
                .verify(token.expose())
                .map_err(|e| unauthorized(state, headers, &format!("invalid token: {e}")))?;
            let subject = subject_of_token(state, &claims.sub).await?;
            let identity = Identity {
                subject,
                claims: Some(claims),
                client,
            };
            state.credentials.put(key, identity.clone());
            Ok(identity)
        }
    }
}

/// The subject a token was issued to, as it stands now (a deleted user's tokens stop working).
async fn subject_of_token(state: &AppState, sub: &str) -> ApiResult<Subject> {
    if sub.is_empty() || sub == "anonymous" {
        return Ok(Subject::Anonymous);
    }
    if sub.starts_with("robot$") {
        let robot =
            state.meta.robot(sub).await?.ok_or_else(|| {
                ApiError::new(Code::Unauthorized, "token subject no longer exists")
            })?;
        return Ok(Subject::Robot {
            name: robot.name,
            project: robot.project,
            actions: robot.actions,
            expires_at: robot.expires_at,
        });
    }
    let user = state
        .meta
        .user(sub)
        .await?
        .ok_or_else(|| ApiError::new(Code::Unauthorized, "token subject no longer exists"))?;
    Ok(Subject::User {
        name: user.name,
        sysadmin: user.sysadmin,
    })
}

/// Whether `subject` may do `action` in `project` (by stored roles, not by token).
pub async fn permitted(
    state: &AppState,
    subject: &Subject,
    project: &str,
    action: Action,
) -> ApiResult<bool> {
    let Some(p) = state.meta.project(project).await? else {
        return Ok(matches!(subject, Subject::User { sysadmin: true, .. }));
    };
    let role = match subject {
        Subject::User {
            name,
            sysadmin: false,
        } => state.meta.member_role(project, name).await?,
        _ => None,
    };
    let access = ProjectAccess {
        name: p.name,
        public: p.public,
        role,
    };
    Ok(policy::allowed(subject, &access, action, now()))
}

fn registry_action(action: Action) -> &'static str {
    match action {
        Action::Push => "push",
        Action::Delete => "delete",
        _ => "pull",
    }
}

/// Enforces a registry action on a repository. Anonymous callers and tokens lacking the
/// scope get a 401 challenge naming the scope (so clients fetch a fitting token);
/// authenticated callers without the right get 403 `DENIED`.
pub async fn require(
    state: &AppState,
    headers: &HeaderMap,
    who: &Identity,
    repo: &str,
    action: Action,
) -> ApiResult<()> {
    let needed = registry_action(action);
    let allowed = match &who.claims {
        Some(claims) => claims.allows("repository", repo, needed),
        None => permitted(state, &who.subject, project_of(repo), action).await?,
    };
    if allowed {
        return Ok(());
    }
    let actions: Vec<String> = if action == Action::Pull {
        vec!["pull".into()]
    } else {
        vec!["pull".into(), needed.to_string()]
    };
    let scope = Scope {
        kind: "repository".into(),
        name: repo.to_string(),
        actions,
    };
    if who.is_anonymous() || who.claims.is_some() {
        let error = who.claims.is_some().then_some("insufficient_scope");
        return Err(
            ApiError::new(Code::Unauthorized, "authentication required").with_header(
                header::WWW_AUTHENTICATE,
                challenge(state, headers, &[scope], error),
            ),
        );
    }
    Err(ApiError::new(
        Code::Denied,
        format!("{} may not {needed} {repo}", who.name()),
    ))
}

/// Enforces a management action on a project (API endpoints).
pub async fn require_project(
    state: &AppState,
    who: &Identity,
    project: &str,
    action: Action,
) -> ApiResult<()> {
    if who.is_anonymous() && !matches!(action, Action::ViewProject | Action::Pull) {
        return Err(ApiError::new(Code::Unauthorized, "authentication required"));
    }
    if permitted(state, &who.subject, project, action).await? {
        return Ok(());
    }
    if who.is_anonymous() {
        return Err(ApiError::new(Code::Unauthorized, "authentication required"));
    }
    Err(ApiError::new(
        Code::Denied,
        format!("{} may not {action} in project {project}", who.name()),
    ))
}

/// Enforces system administrator rights.
pub fn require_sysadmin(who: &Identity) -> ApiResult<()> {
    if who.is_sysadmin() {
        Ok(())
    } else if who.is_anonymous() {
        Err(ApiError::new(Code::Unauthorized, "authentication required"))
    } else {
        Err(ApiError::new(
            Code::Denied,
            "system administrator rights required",
        ))
    }
}
