//! Image references: `HOST[:PORT]/REPO[:TAG][@DIGEST]`, with Docker Hub defaults.
//!
//! STUB: to be written (registry helper).

use bulwark_types::Digest;

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry host and optional port, e.g. `127.0.0.1:5000`, `registry-1.docker.io`.
    pub registry: String,
    /// Repository path, e.g. `library/alpine`, `dev/app`.
    pub repository: String,
    /// Tag, if given (defaults to `latest` when neither tag nor digest is given).
    pub tag: Option<String>,
    /// Digest, if given; takes precedence over the tag when pulling.
    pub digest: Option<Digest>,
}

/// Why a reference string cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid image reference {input:?}: {reason}")]
pub struct ReferenceError {
    pub input: String,
    pub reason: String,
}

impl std::str::FromStr for Reference {
    type Err = ReferenceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Err(ReferenceError {
            input: s.to_string(),
            reason: "not implemented".into(),
        })
    }
}
