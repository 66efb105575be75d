//! The JSON management API under `/api/v1/`, described by `/api/v1/openapi.json`.
//!
//! Every endpoint is one row of [`ENDPOINTS`]: the router is built from that table and a
//! test checks the table against the OpenAPI document, so neither can drift from the other.
//! Callers authenticate like on `/v2/` (HTTP basic for users and robots, or a bearer token
//! from `/service/token`); each handler then asks [`crate::access`] for the right it needs.
//!
//! Repository names contain slashes and axum wildcards must come last, so repositories are
//! addressed as `/api/v1/repositories/{*repo}` (`GET` lists its tags, `DELETE` removes it);
//! clients may send the slashes as they are or percent-encoded (`dev%2Fapp`).

mod audit_log;
mod extract;
mod gc;
mod immutability;
mod members;
mod openapi;
mod projects;
mod record;
mod repositories;
mod robots;
mod users;
mod whoami;

use axum::Router;
use axum::routing::{MethodFilter, MethodRouter, on};
use bulwark_auth::role::Action;

use crate::access::{Identity, require_project};
use crate::error::{ApiError, ApiResult, Code};
use crate::state::AppState;
use crate::store::Project;

pub use openapi::DOCUMENT as OPENAPI_DOCUMENT;

/// An HTTP method the management API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Verb {
    /// The lowercase name, as OpenAPI spells it (`get`, `post`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Post => "post",
            Verb::Put => "put",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Put => MethodFilter::PUT,
            Verb::Patch => MethodFilter::PATCH,
            Verb::Delete => MethodFilter::DELETE,
        }
    }
}

/// One management endpoint: method, axum path and handler.
pub struct Endpoint {
    pub verb: Verb,
    /// The axum route (`{param}`, `{*wildcard}`).
    pub path: &'static str,
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
}

impl Endpoint {
    /// The path as OpenAPI writes it (`{*repo}` becomes `{repo}`).
    pub fn openapi_path(&self) -> String {
        self.path.replace("{*", "{")
    }
}

const fn ep(
    verb: Verb,
    path: &'static str,
    handler: fn(MethodFilter) -> MethodRouter<AppState>,
) -> Endpoint {
    Endpoint {
        verb,
        path,
        handler,
    }
}

/// Every management endpoint.
#[rustfmt::skip]
pub const ENDPOINTS: &[Endpoint] = &[
    ep(Verb::Get,    "/api/v1/openapi.json",                      |m| on(m, openapi::get)),
    ep(Verb::Get,    "/api/v1/whoami",                            |m| on(m, whoami::get)),
    ep(Verb::Get,    "/api/v1/projects",                          |m| on(m, projects::list)),
    ep(Verb::Post,   "/api/v1/projects",                          |m| on(m, projects::create)),
    ep(Verb::Get,    "/api/v1/projects/{project}",                |m| on(m, projects::show)),
    ep(Verb::Patch,  "/api/v1/projects/{project}",                |m| on(m, projects::update)),
    ep(Verb::Delete, "/api/v1/projects/{project}",                |m| on(m, projects::delete)),
    ep(Verb::Get,    "/api/v1/projects/{project}/members",        |m| on(m, members::list)),
    ep(Verb::Put,    "/api/v1/projects/{project}/members/{user}", |m| on(m, members::set)),
    ep(Verb::Delete, "/api/v1/projects/{project}/members/{user}", |m| on(m, members::remove)),
    ep(Verb::Get,    "/api/v1/projects/{project}/robots",         |m| on(m, robots::list)),
    ep(Verb::Post,   "/api/v1/projects/{project}/robots",         |m| on(m, robots::create)),
    ep(Verb::Delete, "/api/v1/projects/{project}/robots/{name}",  |m| on(m, robots::delete)),
    ep(Verb::Get,    "/api/v1/projects/{project}/repositories",   |m| on(m, repositories::list)),
    ep(Verb::Get,    "/api/v1/projects/{project}/immutability",   |m| on(m, immutability::get)),
    ep(Verb::Put,    "/api/v1/projects/{project}/immutability",   |m| on(m, immutability::set)),
    ep(Verb::Get,    "/api/v1/repositories/{*repo}",              |m| on(m, repositories::tags)),
    ep(Verb::Delete, "/api/v1/repositories/{*repo}",              |m| on(m, repositories::delete)),
    ep(Verb::Get,    "/api/v1/users",                             |m| on(m, users::list)),
    ep(Verb::Post,   "/api/v1/users",                             |m| on(m, users::create)),
    ep(Verb::Delete, "/api/v1/users/{user}",                      |m| on(m, users::delete)),
    ep(Verb::Put,    "/api/v1/users/{user}/password",             |m| on(m, users::set_password)),
    ep(Verb::Get,    "/api/v1/audit",                             |m| on(m, audit_log::query)),
    ep(Verb::Post,   "/api/v1/gc",                                |m| on(m, gc::run)),
];

/// Management routes, built from [`ENDPOINTS`].
pub fn router() -> Router<AppState> {
    ENDPOINTS.iter().fold(Router::new(), |router, e| {
        router.route(e.path, (e.handler)(e.verb.filter()))
    })
}

/// A 400 answer with a message saying what was wrong.
fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(Code::BadRequest, message)
}

/// The project, or 404. Call after authorization so that existence is not leaked.
async fn project_or_404(state: &AppState, name: &str) -> ApiResult<Project> {
    state
        .meta
        .project(name)
        .await?
        .ok_or_else(|| ApiError::new(Code::NotFound, format!("project {name} not found")))
}

/// Passes if the caller holds any of `actions` on `project`; else the last refusal.
async fn require_any(
    state: &AppState,
    who: &Identity,
    project: &str,
    actions: &[Action],
) -> ApiResult<()> {
    let mut refusal = ApiError::new(
        Code::Denied,
        format!("{} may not access project {project}", who.name()),
    );
    for action in actions {
        match require_project(state, who, project, *action).await {
            Ok(()) => return Ok(()),
            Err(e) => refusal = e,
        }
    }
    Err(refusal)
}

/// The 401 for anonymous callers of endpoints that need a signed-in caller.
fn login_required() -> ApiError {
    ApiError::new(Code::Unauthorized, "authentication required")
}
