//! Errors reading images.

use std::path::PathBuf;

use bulwark_types::Digest;

use crate::registry::RegistryError;

/// Everything that can go wrong opening an image or reading its layers.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{what} in {location} is not valid JSON")]
    BadJson {
        what: &'static str,
        location: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{location}: {reason}")]
    Invalid { location: String, reason: String },
    #[error("{location} has no {what}")]
    Missing { location: String, what: String },
    #[error("blob {digest} in {location} does not match its digest (content hashes to {actual})")]
    DigestMismatch {
        location: String,
        digest: Digest,
        actual: Digest,
    },
    #[error("{what} is {size} bytes, over the limit of {limit}")]
    TooLarge { what: String, size: u64, limit: u64 },
    #[error("no image for platform {wanted} in {location}; available: {available}")]
    NoPlatform {
        wanted: String,
        location: String,
        available: String,
    },
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Reference(#[from] crate::ReferenceError),
    #[error("unknown source {input:?}: {reason}")]
    BadSource { input: String, reason: String },
}

impl OciError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        OciError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn invalid(location: impl Into<String>, reason: impl Into<String>) -> Self {
        OciError::Invalid {
            location: location.into(),
            reason: reason.into(),
        }
    }
}
