//! `/api/v1/projects/{project}/members`: who holds which role in a project.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bulwark_auth::role::{Action, Role};
use serde::Deserialize;
use serde_json::json;

use crate::access::require_project;
use crate::error::{ApiError, ApiResult, Code};
use crate::state::AppState;
use crate::store::Member;

use super::extract::{Caller, JsonBody};
use super::record::{Mutation, record};
use super::{login_required, project_or_404};

/// `PUT /api/v1/projects/{project}/members/{user}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRole {
    role: Role,
}

/// `GET /api/v1/projects/{project}/members`: signed-in callers who may view the project
/// (anonymous callers never see account names, even of public projects).
pub async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(project): Path<String>,
) -> ApiResult<Json<Vec<Member>>> {
    if who.is_anonymous() {
        return Err(login_required());
    }
    require_project(&state, &who, &project, Action::ViewProject).await?;
    project_or_404(&state, &project).await?;
    Ok(Json(state.meta.members(&project).await?))
}

/// `PUT /api/v1/projects/{project}/members/{user}`: add a member or change their role.
pub async fn set(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((project, user)): Path<(String, String)>,
    JsonBody(body): JsonBody<MemberRole>,
) -> ApiResult<Json<Member>> {
    let result = async {
        require_project(&state, &who, &project, Action::ManageMembers).await?;
        project_or_404(&state, &project).await?;
        if state.meta.user(&user).await?.is_none() {
            return Err(ApiError::new(
                Code::NotFound,
                format!("user {user} not found"),
            ));
        }
        state.meta.set_member(&project, &user, body.role).await?;
        state.credentials.clear();
        Ok(Member {
            user: user.clone(),
            role: body.role,
        })
    }
    .await;
    let detail = json!({"role": body.role}).to_string();
    let m = Mutation {
        action: "member-set",
        resource: &user,
        project: Some(&project),
        detail: Some(detail),
    };
    record(&state, &who, m, &result);
    result.map(Json)
}

/// `DELETE /api/v1/projects/{project}/members/{user}`.
pub async fn remove(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((project, user)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let result = async {
        require_project(&state, &who, &project, Action::ManageMembers).await?;
        project_or_404(&state, &project).await?;
        if state.meta.member_role(&project, &user).await?.is_none() {
            return Err(ApiError::new(
                Code::NotFound,
                format!("{user} is not a member of project {project}"),
            ));
        }
        state.meta.remove_member(&project, &user).await?;
        state.credentials.clear();
        Ok(StatusCode::NO_CONTENT)
    }
    .await;
    let m = Mutation {
        action: "member-remove",
        resource: &user,
        project: Some(&project),
        detail: None,
    };
    record(&state, &who, m, &result);
    result
}
