//! `/api/v1/projects`: create, list, show, change visibility, delete.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bulwark_auth::role::Action;
use serde::Deserialize;
use serde_json::json;

use crate::access::{permitted, require_project, require_sysadmin};
use crate::error::{ApiError, ApiResult, Code};
use crate::names::valid_project;
use crate::state::AppState;
use crate::store::Project;

use super::extract::{Caller, JsonBody, Params};
use super::record::{Mutation, record};
use super::{bad_request, project_or_404};

/// `POST /api/v1/projects` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    name: String,
    #[serde(default)]
    public: bool,
}

/// `PATCH /api/v1/projects/{project}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectUpdate {
    public: bool,
}

/// `DELETE /api/v1/projects/{project}` query.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteQuery {
    /// Delete even though the project still holds repositories.
    #[serde(default)]
    force: bool,
}

/// `POST /api/v1/projects` (system administrators).
pub async fn create(
    State(state): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody<NewProject>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    let result = async {
        require_sysadmin(&who)?;
        if !valid_project(&body.name) {
            return Err(bad_request(format!(
                "invalid project name {:?}: use 1-64 lowercase letters and digits, separated by '.', '_' or '-'",
                body.name
            )));
        }
        state.meta.create_project(&body.name, body.public).await?;
        project_or_404(&state, &body.name).await
    }
    .await;
    let detail = json!({"public": body.public}).to_string();
    let m = Mutation {
        action: "project-create",
        resource: &body.name,
        project: Some(&body.name),
        detail: Some(detail),
    };
    record(&state, &who, m, &result);
    Ok((StatusCode::CREATED, Json(result?)))
}

/// `GET /api/v1/projects`: the projects the caller may view.
pub async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> ApiResult<Json<Vec<Project>>> {
    let mut visible = Vec::new();
    for project in state.meta.projects().await? {
        if permitted(&state, &who.subject, &project.name, Action::ViewProject).await? {
            visible.push(project);
        }
    }
    Ok(Json(visible))
}

/// `GET /api/v1/projects/{project}`.
pub async fn show(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(project): Path<String>,
) -> ApiResult<Json<Project>> {
    require_project(&state, &who, &project, Action::ViewProject).await?;
    project_or_404(&state, &project).await.map(Json)
}

/// `PATCH /api/v1/projects/{project}`: change visibility.
pub async fn update(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(project): Path<String>,
    JsonBody(body): JsonBody<ProjectUpdate>,
) -> ApiResult<Json<Project>> {
    let result = async {
        require_project(&state, &who, &project, Action::ManageProject).await?;
        project_or_404(&state, &project).await?;
        state.meta.set_project_public(&project, body.public).await?;
        project_or_404(&state, &project).await
    }
    .await;
    let detail = json!({"public": body.public}).to_string();
    let m = Mutation {
        action: "project-update",
        resource: &project,
        project: Some(&project),
        detail: Some(detail),
    };
    record(&state, &who, m, &result);
    result.map(Json)
}

/// `DELETE /api/v1/projects/{project}[?force=true]` (system administrators). Refuses
/// while the project holds repositories unless forced; members and robots go with it.
pub async fn delete(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(project): Path<String>,
    Params(query): Params<DeleteQuery>,
) -> ApiResult<StatusCode> {
    let result = async {
        require_project(&state, &who, &project, Action::DeleteProject).await?;
        project_or_404(&state, &project).await?;
        let repositories = state.meta.repository_summaries(&project).await?;
        if !repositories.is_empty() && !query.force {
            return Err(ApiError::new(
                Code::Conflict,
                format!(
                    "project {project} still has {} repositories; delete them first or pass force=true",
                    repositories.len()
                ),
            ));
        }
        state.meta.delete_project(&project).await?;
        state.credentials.clear();
        Ok(repositories.len())
    }
    .await;
    let detail = match &result {
        Ok(n) => json!({"force": query.force, "repositories_deleted": n}),
        Err(_) => json!({"force": query.force}),
    };
    let m = Mutation {
        action: "project-delete",
        resource: &project,
        project: Some(&project),
        detail: Some(detail.to_string()),
    };
    record(&state, &who, m, &result);
    result.map(|_| StatusCode::NO_CONTENT)
}
