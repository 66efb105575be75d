//! `/api/v1/projects/{project}/robots`: robot accounts, named `robot$<project>+<name>`,
//! limited to pull/push/delete in their project. The secret is returned once, at creation;
//! only its digest is stored.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bulwark_auth::role::Action;
use bulwark_auth::secret;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::require_project;
use crate::clock::now;
use crate::error::{ApiError, ApiResult, Code};
use crate::names::valid_project;
use crate::state::AppState;
use crate::store::Robot;

use super::extract::{Caller, JsonBody};
use super::record::{Mutation, record};
use super::{bad_request, project_or_404};

const MAX_DESCRIPTION: usize = 1024;
const SECONDS_PER_DAY: i64 = 86_400;

/// `POST /api/v1/projects/{project}/robots` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRobot {
    /// Short name; the account is `robot$<project>+<name>`.
    name: String,
    /// `pull`, `push`, `delete` or `*` (all three).
    actions: Vec<String>,
    expires_in_days: Option<u32>,
    /// Unix seconds.
    expires_at: Option<i64>,
    #[serde(default)]
    description: String,
}

/// A created robot, with its secret (shown only in this answer).
#[derive(Debug, Serialize)]
pub struct CreatedRobot {
    #[serde(flatten)]
    robot: Robot,
    secret: String,
}

/// The stored name of robot `name` in `project`; `name` may already be the full name.
fn full_name(project: &str, name: &str) -> String {
    if name.starts_with("robot$") {
        name.to_string()
    } else {
        format!("robot${project}+{name}")
    }
}

fn parse_actions(words: &[String]) -> Result<Vec<Action>, String> {
    let mut actions = Vec::new();
    for word in words {
        let parsed = Action::from_registry(word).ok_or_else(|| {
            format!("robot action {word:?} is not allowed; use pull, push, delete or *")
        })?;
        for a in parsed {
            if !actions.contains(a) {
                actions.push(*a);
            }
        }
    }
    if actions.is_empty() {
        return Err("a robot needs at least one action (pull, push, delete)".into());
    }
    Ok(actions)
}

fn expiry(body: &NewRobot) -> Result<Option<i64>, String> {
    match (body.expires_in_days, body.expires_at) {
        (Some(_), Some(_)) => Err("give expires_in_days or expires_at, not both".into()),
        (Some(0), None) => Err("expires_in_days must be at least 1".into()),
        (Some(days), None) => Ok(Some(now() + i64::from(days) * SECONDS_PER_DAY)),
        (None, Some(at)) if at <= now() => Err("expires_at must be in the future".into()),
        (None, at) => Ok(at),
    }
}

fn validate(body: &NewRobot) -> Result<(Vec<Action>, Option<i64>), String> {
    if !valid_project(&body.name) {
        return Err(format!(
            "invalid robot name {:?}: use 1-64 lowercase letters and digits, separated by '.', '_' or '-'",
            body.name
        ));
    }
    if body.description.len() > MAX_DESCRIPTION {
        return Err(format!(
            "description is longer than {MAX_DESCRIPTION} bytes"
        ));
    }
    Ok((parse_actions(&body.actions)?, expiry(body)?))
}

/// `POST /api/v1/projects/{project}/robots`.
pub async fn create(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(project): Path<String>,
    JsonBody(body): JsonBody<NewRobot>,
) -> ApiResult<(StatusCode, Json<CreatedRobot>)> {
    let name = full_name(&project, &body.name);
    let result = async {
        require_project(&state, &who, &project, Action::ManageRobots).await?;
        project_or_404(&state, &project).await?;
        let (actions, expires_at) = validate(&body).map_err(bad_request)?;
        let secret = secret::try_generate().map_err(ApiError::internal)?;
        let robot = Robot {
            name: name.clone(),
            project: project.clone(),
            actions,
            secret_digest: secret::digest(&secret),
            expires_at,
            created_at: now(),
            description: body.description.clone(),
        };
        state.meta.create_robot(robot.clone()).await?;
        state.credentials.clear();
        Ok(CreatedRobot { robot, secret })
    }
    .await;
    let detail = match &result {
        Ok(c) => json!({"actions": c.robot.actions, "expires_at": c.robot.expires_at}),
        Err(_) => json!({"actions": body.actions}),
    };
    let m = Mutation {
        action: "robot-create",
        resource: &name,
        project: Some(&project),
        detail: Some(detail.to_string()),
    };
    record(&state, &who, m, &result);
    Ok((StatusCode::CREATED, Json(result?)))
}

/// `GET /api/v1/projects/{project}/robots` (no secrets; project administrators).
pub async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(project): Path<String>,
) -> ApiResult<Json<Vec<Robot>>> {
    require_project(&state, &who, &project, Action::ManageRobots).await?;
    project_or_404(&state, &project).await?;
    Ok(Json(state.meta.robots(&project).await?))
}

/// `DELETE /api/v1/projects/{project}/robots/{name}` (short or full name).
pub async fn delete(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((project, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let name = full_name(&project, &name);
    let result = async {
        require_project(&state, &who, &project, Action::ManageRobots).await?;
        project_or_404(&state, &project).await?;
        match state.meta.robot(&name).await? {
            Some(robot) if robot.project == project => {}
            _ => {
                return Err(ApiError::new(
                    Code::NotFound,
                    format!("robot {name} not found in project {project}"),
                ));
            }
        }
        state.meta.delete_robot(&name).await?;
        state.credentials.clear();
        Ok(StatusCode::NO_CONTENT)
    }
    .await;
    let m = Mutation {
        action: "robot-delete",
        resource: &name,
        project: Some(&project),
        detail: None,
    };
    record(&state, &who, m, &result);
    result
}
