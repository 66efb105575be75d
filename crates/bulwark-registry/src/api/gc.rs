//! `POST /api/v1/gc`: one garbage collection pass, now (system administrators).

use axum::Json;
use axum::extract::State;

use crate::access::require_sysadmin;
use crate::error::{ApiError, ApiResult};
use crate::gc::GcReport;
use crate::state::AppState;

use super::extract::Caller;
use super::record::{Mutation, record};

/// Runs [`crate::gc::run`] and answers its report.
pub async fn run(State(state): State<AppState>, Caller(who): Caller) -> ApiResult<Json<GcReport>> {
    let result = async {
        require_sysadmin(&who)?;
        crate::gc::run(&state).await.map_err(ApiError::internal)
    }
    .await;
    let detail = result
        .as_ref()
        .ok()
        .and_then(|r| serde_json::to_string(r).ok());
    record(
        &state,
        &who,
        Mutation {
            action: "gc",
            resource: "registry",
            project: None,
            detail,
        },
        &result,
    );
    result.map(Json)
}
