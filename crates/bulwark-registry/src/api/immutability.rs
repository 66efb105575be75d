//! `/api/v1/projects/{project}/immutability`: tag patterns whose tags never move once set.

use axum::Json;
use axum::extract::{Path, State};
use bulwark_auth::role::Action;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::require_project;
use crate::error::ApiResult;
use crate::state::AppState;

use super::extract::{Caller, JsonBody};
use super::record::{Mutation, record};
use super::{bad_request, project_or_404};

const MAX_RULES: usize = 100;
const MAX_RULE_LEN: usize = 128;

/// The rules of one project (request and answer body).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Tag globs: `*` matches any run of characters, `?` one character.
    rules: Vec<String>,
}

fn validate(rules: &[String]) -> Result<(), String> {
    if rules.len() > MAX_RULES {
        return Err(format!(
            "at most {MAX_RULES} immutability rules per project"
        ));
    }
    for rule in rules {
        let ok = !rule.is_empty()
            && rule.len() <= MAX_RULE_LEN
            && rule.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'*' | b'?')
            });
        if !ok {
            return Err(format!(
                "invalid immutability rule {rule:?}: use tag characters (a-z, A-Z, 0-9, '_', '.', '-') and the globs '*' and '?'"
            ));
        }
    }
    Ok(())
}

/// `GET /api/v1/projects/{project}/immutability`.
pub async fn get(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(project): Path<String>,
) -> ApiResult<Json<Rules>> {
    require_project(&state, &who, &project, Action::ViewProject).await?;
    let p = project_or_404(&state, &project).await?;
    Ok(Json(Rules {
        rules: p.immutable_tags,
    }))
}

/// `PUT /api/v1/projects/{project}/immutability`: replaces the rules.
pub async fn set(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(project): Path<String>,
    JsonBody(body): JsonBody<Rules>,
) -> ApiResult<Json<Rules>> {
    let result = async {
        require_project(&state, &who, &project, Action::ManageImmutability).await?;
        project_or_404(&state, &project).await?;
        validate(&body.rules).map_err(bad_request)?;
        let mut rules = body.rules.clone();
        rules.dedup();
        state
            .meta
            .set_immutable_rules(&project, rules.clone())
            .await?;
        Ok(Rules { rules })
    }
    .await;
    let detail = json!({"rules": body.rules}).to_string();
    let m = Mutation {
        action: "immutability-set",
        resource: &project,
        project: Some(&project),
        detail: Some(detail),
    };
    record(&state, &who, m, &result);
    result.map(Json)
}
