//! A small synchronous OCI Distribution client: manifests and blobs over HTTP(S), with
//! anonymous, basic and Docker token (bearer) authentication.
//!
//! STUB: to be written (registry helper).

use std::io::Write;

use bulwark_types::Digest;

use crate::Reference;

/// Username and password (or identity token) for one registry.
#[derive(Clone, Default)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// How to talk to registries.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Use plain HTTP and accept invalid TLS certificates for every registry. Plain HTTP is
    /// also used, without this flag, for `localhost` and `127.0.0.1`.
    pub insecure: bool,
    /// Explicit credentials; when absent they come from the Docker config file.
    pub credentials: Option<Credentials>,
    /// Docker config file to read credentials from (default `~/.docker/config.json`, or
    /// `$DOCKER_CONFIG/config.json`).
    pub docker_config: Option<std::path::PathBuf>,
}

/// A manifest as the registry served it: raw bytes (hash these, never re-serialize),
/// its media type from `Content-Type`, and its digest.
#[derive(Debug, Clone)]
pub struct FetchedManifest {
    pub bytes: Vec<u8>,
    pub media_type: String,
    pub digest: Digest,
}

/// Errors talking to a registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("request to {url} failed: {reason}")]
    Http { url: String, reason: String },
}

/// A client for one or more registries.
#[derive(Debug)]
pub struct RegistryClient {
    _options: ClientOptions,
}

impl RegistryClient {
    pub fn new(options: ClientOptions) -> Self {
        Self { _options: options }
    }

    /// Fetches a manifest (or index) by the reference's digest, else its tag. When fetched
    /// by digest the content is verified against it.
    pub fn manifest(&self, reference: &Reference) -> Result<FetchedManifest, RegistryError> {
        let _ = reference;
        Err(RegistryError::Http {
            url: String::new(),
            reason: "not implemented".into(),
        })
    }

    /// Streams a blob into `sink`, verifying its digest; returns the byte count.
    pub fn blob(
        &self,
        reference: &Reference,
        digest: &Digest,
        sink: &mut dyn Write,
    ) -> Result<u64, RegistryError> {
        let _ = (reference, digest, sink);
        Err(RegistryError::Http {
            url: String::new(),
            reason: "not implemented".into(),
        })
    }
}
