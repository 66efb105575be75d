//! Repositories: `GET /api/v1/projects/{project}/repositories` lists a project's,
//! `GET /api/v1/repositories/{*repo}` shows one with its tags, `DELETE` removes it (its
//! blobs are reclaimed by the next garbage collection).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bulwark_auth::role::Action;
use serde::Serialize;

use crate::access::require_project;
use crate::error::{ApiError, ApiResult, Code};
use crate::names::{project_of, valid_repo};
use crate::state::AppState;
use crate::store::{RepoSummary, TagInfo};

use super::extract::Caller;
use super::record::{Mutation, record};
use super::{bad_request, project_or_404, require_any};

/// Who may read repositories: project viewers, and robots allowed to pull.
const READ: [Action; 2] = [Action::ViewProject, Action::Pull];

/// One repository and its tags.
#[derive(Debug, Serialize)]
pub struct RepositoryDetail {
    #[serde(flatten)]
    summary: RepoSummary,
    project: String,
    tag_details: Vec<TagInfo>,
}

/// The repository name without a leading slash, or why it is not one.
fn checked_name(repo: &str) -> Result<&str, String> {
    let repo = repo.trim_start_matches('/');
    if valid_repo(repo) {
        Ok(repo)
    } else {
        Err(format!(
            "invalid repository name {repo:?}: expected <project>/<name>"
        ))
    }
}

async fn summary_or_404(state: &AppState, repo: &str) -> ApiResult<RepoSummary> {
    state
        .meta
        .repository_summaries(project_of(repo))
        .await?
        .into_iter()
        .find(|r| r.name == repo)
        .ok_or_else(|| ApiError::new(Code::NotFound, format!("repository {repo} not found")))
}

/// `GET /api/v1/projects/{project}/repositories`.
pub async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(project): Path<String>,
) -> ApiResult<Json<Vec<RepoSummary>>> {
    require_any(&state, &who, &project, &READ).await?;
    project_or_404(&state, &project).await?;
    Ok(Json(state.meta.repository_summaries(&project).await?))
}

/// `GET /api/v1/repositories/{*repo}`: the repository and its tags.
pub async fn tags(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(repo): Path<String>,
) -> ApiResult<Json<RepositoryDetail>> {
    let repo = checked_name(&repo).map_err(bad_request)?;
    let project = project_of(repo);
    require_any(&state, &who, project, &READ).await?;
    let summary = summary_or_404(&state, repo).await?;
    let tag_details = state.meta.tag_details(repo).await?;
    Ok(Json(RepositoryDetail {
        summary,
        project: project.to_string(),
        tag_details,
    }))
}

/// `DELETE /api/v1/repositories/{*repo}` (needs the delete right in its project).
pub async fn delete(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(repo): Path<String>,
) -> ApiResult<StatusCode> {
    let name = repo.trim_start_matches('/').to_string();
    let project = project_of(&name).to_string();
    let result = async {
        let repo = checked_name(&name).map_err(bad_request)?;
        require_project(&state, &who, &project, Action::Delete).await?;
        summary_or_404(&state, repo).await?;
        state.meta.delete_repository(repo).await?;
        Ok(StatusCode::NO_CONTENT)
    }
    .await;
    let m = Mutation {
        action: "repository-delete",
        resource: &name,
        project: Some(&project),
        detail: None,
    };
    record(&state, &who, m, &result);
    result
}
