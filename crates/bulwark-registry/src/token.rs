//! The Docker token endpoint (`/service/token`): authenticates the caller (basic auth or
//! anonymous), intersects the requested scopes with what the caller may do, and issues a
//! short-lived ES256 JWT naming exactly the granted actions.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use bulwark_auth::challenge::{self, Credentials};
use bulwark_auth::policy::Subject;
use bulwark_auth::role::Action;
use bulwark_auth::scope;
use bulwark_auth::token::Access;
use serde_json::json;

use crate::access::{self, permitted};
use crate::dist::parse_query;
use crate::error::{ApiError, ApiResult, Code};
use crate::names::{project_of, valid_repo};
use crate::state::AppState;

/// `GET /service/token?service=..&scope=..` (Docker) and `POST` with an OAuth2 password
/// grant form (`grant_type=password&username=..&password=..&scope=..`).
pub async fn handler(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let client = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let Ok(body) = axum::body::to_bytes(body, 64 * 1024).await else {
        return ApiError::new(Code::BadRequest, "token request body too large").into_response();
    };
    match issue(
        &state,
        &parts.method,
        &parts.uri,
        &parts.headers,
        &body,
        client,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn issue(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    client: Option<String>,
) -> ApiResult<Response> {
    let mut params = parse_query(uri.query().unwrap_or(""));
    let mut creds = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            challenge::parse_authorization(v)
                .ok_or_else(|| ApiError::new(Code::Unauthorized, "malformed Authorization header"))
        })
        .transpose()?;
    if method == Method::POST {
        params.extend(parse_query(&String::from_utf8_lossy(body)));
        let grant = params
            .iter()
            .find(|(k, _)| k == "grant_type")
            .map(|(_, v)| v.as_str());
        if grant == Some("password") {
            let get = |name: &str| {
                params
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            creds = Some(Credentials::Basic {
                username: get("username"),
                password: bulwark_auth::Secret::new(get("password")),
            });
        } else if grant.is_some() {
            return Err(ApiError::new(
                Code::Unsupported,
                "only the password grant is supported",
            ));
        }
    }
    let subject = match creds {
        None => Subject::Anonymous,
        Some(Credentials::Bearer(_)) => {
            return Err(ApiError::new(
                Code::Unauthorized,
                "use basic credentials to obtain a token",
            ));
        }
        Some(Credentials::Basic { username, password }) => {
            match access::check_password(state, &username, password.expose()).await? {
                Some(s) => s,
                None => {
                    audit_login(state, &username, "failed", client);
                    return Err(
                        ApiError::new(Code::Unauthorized, "invalid username or password")
                            .with_header(
                                header::WWW_AUTHENTICATE,
                                challenge::basic(&state.config.auth.service),
                            ),
                    );
                }
            }
        }
    };
    if let Some(service) = params.iter().find(|(k, _)| k == "service").map(|(_, v)| v)
        && *service != state.config.auth.service
    {
        return Err(ApiError::new(
            Code::BadRequest,
            format!("unknown service {service:?}"),
        ));
    }
    let mut granted = Vec::new();
    for (_, text) in params.iter().filter(|(k, _)| k == "scope") {
        for sc in
            scope::parse_many(text).map_err(|e| ApiError::new(Code::BadRequest, e.to_string()))?
        {
            if let Some(access) = grant(state, &subject, &sc).await? {
                granted.push(access);
            }
        }
    }
    let name = match &subject {
        Subject::Anonymous => String::new(),
        Subject::User { name, .. } | Subject::Robot { name, .. } => name.clone(),
    };
    if !name.is_empty() {
        let scopes: Vec<String> = granted
            .iter()
            .map(|a| format!("{}:{}:{}", a.kind, a.name, a.actions.join(",")))
            .collect();
        audit_login(state, &name, "ok", client);
        tracing::debug!(subject = %name, granted = ?scopes, "token issued");
    }
    let token = state
        .tokens
        .issue(if name.is_empty() { "anonymous" } else { &name }, granted)
        .map_err(ApiError::internal)?;
    let body = json!({
        "token": token.token,
        "access_token": token.token,
        "expires_in": token.expires_in,
        "issued_at": token.issued_at,
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response())
}

fn audit_login(state: &AppState, actor: &str, outcome: &str, client: Option<String>) {
    state.audit.record(crate::audit::Entry {
        actor,
        action: "login",
        resource: "token",
        project: None,
        outcome,
        client,
        detail: None,
    });
}

/// The part of one requested scope the subject may have.
async fn grant(
    state: &AppState,
    subject: &Subject,
    sc: &scope::Scope,
) -> ApiResult<Option<Access>> {
    match sc.kind.as_str() {
        "repository" => {
            if !valid_repo(&sc.name) {
                return Ok(None);
            }
            let mut actions = Vec::new();
            for (word, action) in [
                ("pull", Action::Pull),
                ("push", Action::Push),
                ("delete", Action::Delete),
            ] {
                let asked = sc.actions.iter().any(|a| a == word || a == "*");
                if asked && permitted(state, subject, project_of(&sc.name), action).await? {
                    actions.push(word.to_string());
                }
            }
            Ok((!actions.is_empty()).then(|| Access {
                kind: sc.kind.clone(),
                name: sc.name.clone(),
                actions,
            }))
        }
        "registry" if sc.name == "catalog" && !matches!(subject, Subject::Anonymous) => {
            Ok(Some(Access {
                kind: "registry".into(),
                name: "catalog".into(),
                actions: vec!["*".into()],
            }))
        }
        _ => Ok(None),
    }
}
