//! The server's one error type. OCI error codes are mapped to HTTP statuses here and
//! nowhere else; clients get a short message, logs get the detail.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Error codes from the OCI Distribution Specification, plus the registry's own
/// `TAG_IMMUTABLE` (reported with status 409 like Harbor does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    BlobUnknown,
    BlobUploadInvalid,
    BlobUploadUnknown,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestUnknown,
    NameInvalid,
    NameUnknown,
    SizeInvalid,
    Unauthorized,
    Denied,
    Unsupported,
    RangeInvalid,
    TagImmutable,
    Conflict,
    NotFound,
    BadRequest,
    Internal,
}

impl Code {
    /// The code string used in JSON error bodies.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BlobUnknown => "BLOB_UNKNOWN",
            Self::BlobUploadInvalid => "BLOB_UPLOAD_INVALID",
            Self::BlobUploadUnknown => "BLOB_UPLOAD_UNKNOWN",
            Self::DigestInvalid => "DIGEST_INVALID",
            Self::ManifestBlobUnknown => "MANIFEST_BLOB_UNKNOWN",
            Self::ManifestInvalid => "MANIFEST_INVALID",
            Self::ManifestUnknown => "MANIFEST_UNKNOWN",
            Self::NameInvalid => "NAME_INVALID",
            Self::NameUnknown => "NAME_UNKNOWN",
            Self::SizeInvalid => "SIZE_INVALID",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::Denied => "DENIED",
            Self::Unsupported => "UNSUPPORTED",
            Self::RangeInvalid => "BLOB_UPLOAD_INVALID",
            Self::TagImmutable => "TAG_IMMUTABLE",
            Self::Conflict => "CONFLICT",
            Self::NotFound => "NOT_FOUND",
            Self::BadRequest => "BAD_REQUEST",
            Self::Internal => "INTERNAL_ERROR",
        }
    }

    /// The HTTP status the code is answered with.
    pub fn status(self) -> StatusCode {
        match self {
            Self::BlobUnknown
            | Self::BlobUploadUnknown
            | Self::ManifestUnknown
            | Self::NameUnknown
            | Self::NotFound => StatusCode::NOT_FOUND,
            Self::BlobUploadInvalid
            | Self::DigestInvalid
            | Self::ManifestBlobUnknown
            | Self::ManifestInvalid
            | Self::NameInvalid
            | Self::SizeInvalid
            | Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Denied => StatusCode::FORBIDDEN,
            Self::Unsupported => StatusCode::METHOD_NOT_ALLOWED,
            Self::RangeInvalid => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::TagImmutable | Self::Conflict => StatusCode::CONFLICT,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error answered to a client.
#[derive(Debug, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    pub code: Code,
    /// Short, client-safe message.
    pub message: String,
    /// Extra response headers (e.g. `WWW-Authenticate`, `Range`).
    pub headers: Vec<(header::HeaderName, String)>,
    /// Optional structured detail for the JSON body.
    pub detail: Option<Box<serde_json::Value>>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            headers: Vec::new(),
            detail: None,
        }
    }

    pub fn with_header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(Box::new(detail));
        self
    }

    /// An internal failure: the detail is logged, the client sees a generic message.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(Code::Internal, "internal server error")
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError as E;
        match e {
            E::NotFound(what) => Self::new(Code::NotFound, what),
            E::Conflict(what) => Self::new(Code::Conflict, what),
            E::Invalid(what) => Self::new(Code::BadRequest, what),
            E::TagImmutable { tag, rule } => Self::new(
                Code::TagImmutable,
                format!("tag {tag} is immutable (rule {rule:?})"),
            ),
            E::MissingReferences(missing) => Self::new(
                Code::ManifestBlobUnknown,
                format!(
                    "manifest references unknown content: {}",
                    missing.join(", ")
                ),
            )
            .with_detail(json!(missing)),
            other => Self::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({"code": self.code.as_str(), "message": self.message});
        if let (Some(detail), Some(obj)) = (self.detail, error.as_object_mut()) {
            obj.insert("detail".into(), *detail);
        }
        let body = json!({ "errors": [error] }).to_string();
        let mut resp = (self.code.status(), body).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.append(name, v);
            }
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<crate::blob::BlobError> for ApiError {
    fn from(e: crate::blob::BlobError) -> Self {
        use crate::blob::BlobError as E;
        match e {
            E::UploadUnknown(_) => Self::new(Code::BlobUploadUnknown, "upload unknown"),
            E::WrongOffset { size, offset, .. } => Self::new(
                Code::RangeInvalid,
                format!("upload is at offset {size}, chunk starts at {offset}"),
            ),
            E::UploadBusy(_) => Self::new(
                Code::BlobUploadInvalid,
                "upload is being written by another request",
            ),
            E::DigestMismatch { expected, actual } => Self::new(
                Code::DigestInvalid,
                format!("content digest {actual} does not match {expected}"),
            ),
            E::SizeMismatch { expected, actual } => Self::new(
                Code::SizeInvalid,
                format!("content is {actual} bytes, expected {expected}"),
            ),
            E::Body(err) => Self::new(
                Code::BlobUploadInvalid,
                format!("request body failed: {err}"),
            ),
            other => Self::internal(other),
        }
    }
}
