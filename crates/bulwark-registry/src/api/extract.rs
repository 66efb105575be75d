//! Request extractors for the management API. Their rejections are [`ApiError`]s, so a
//! malformed body or query gets the same JSON error shape as everything else.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::access::{self, Identity};
use crate::error::ApiError;
use crate::state::AppState;

use super::bad_request;

/// Largest JSON body a management call accepts.
const MAX_BODY: usize = 64 * 1024;

/// The authenticated caller. Bad credentials are rejected with 401, never downgraded.
pub struct Caller(pub Identity);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        access::identify(state, &parts.headers, client)
            .await
            .map(Caller)
    }
}

/// A JSON request body, at most [`MAX_BODY`] bytes.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|_| {
                bad_request(format!(
                    "request body is larger than {} KiB",
                    MAX_BODY / 1024
                ))
            })?;
        if bytes.is_empty() {
            return Err(bad_request("request body is empty; expected a JSON object"));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| bad_request(format!("invalid request body: {e}")))
    }
}

/// Query-string parameters.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|q| Params(q.0))
            .map_err(|e| bad_request(format!("invalid query string: {}", e.body_text())))
    }
}
