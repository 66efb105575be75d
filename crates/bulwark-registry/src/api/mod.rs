//! The JSON management API under `/api/v1/`, described by `/api/v1/openapi.json`.

use axum::Router;

use crate::state::AppState;

/// Management routes.
pub fn router() -> Router<AppState> {
    Router::new()
}
