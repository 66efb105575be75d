//! `GET /api/v1/audit`: the audit log, newest first. System administrators see every
//! event; a project's maintainers and administrators may read that project's events.

use axum::Json;
use axum::extract::State;
use bulwark_auth::role::Action;
use serde::Deserialize;

use crate::access::require_project;
use crate::error::{ApiError, ApiResult, Code};
use crate::state::AppState;
use crate::store::{AuditEvent, AuditQuery};

use super::extract::{Caller, Params};
use super::login_required;

/// Most events one query returns.
const MAX_LIMIT: usize = 1000;
const DEFAULT_LIMIT: usize = 100;

/// Query parameters of `GET /api/v1/audit`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    project: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    /// Unix milliseconds, inclusive.
    since: Option<i64>,
    /// Only events with an id below this (paging backwards).
    before: Option<i64>,
    limit: Option<usize>,
}

/// `GET /api/v1/audit?project=&actor=&action=&since=&before=&limit=`.
pub async fn query(
    State(state): State<AppState>,
    Caller(who): Caller,
    Params(filter): Params<Filter>,
) -> ApiResult<Json<Vec<AuditEvent>>> {
    if who.is_anonymous() {
        return Err(login_required());
    }
    if !who.is_sysadmin() {
        let Some(project) = &filter.project else {
            return Err(ApiError::new(
                Code::Denied,
                "only system administrators may read the whole audit log; pass project=<name>",
            ));
        };
        require_project(&state, &who, project, Action::ViewAudit).await?;
    }
    let query = AuditQuery {
        project: filter.project,
        actor: filter.actor,
        action: filter.action,
        since: filter.since,
        before: filter.before,
        limit: Some(filter.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT)),
    };
    Ok(Json(state.meta.audit(query).await?))
}
