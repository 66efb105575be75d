//! A small synchronous OCI Distribution client over HTTP(S), with anonymous, basic and
//! Docker token (bearer) authentication: it reads manifests, blobs, tags and referrers,
//! and writes blobs (monolithic upload) and manifests.
//!
//! Every byte is checked: manifests against the digest they were asked for (or the
//! `Docker-Content-Digest` the registry announced), blobs against their digest while they
//! stream into the caller's sink, pushed content against the digest the registry reports.
//! Credentials come from [`ClientOptions::credentials`] or the Docker config file; they
//! and any tokens never reach an error message or a log. Reads ask for `pull` tokens and
//! writes for `pull,push` ones, cached apart, so a pull token is never sent with a push.
//!
//! Inside: `client.rs` holds the agent, URLs, the authenticate-and-retry loop shared by
//! every method and bounded reads; `auth.rs` parses `WWW-Authenticate` and runs the token
//! flow; `push.rs` uploads blobs and manifests; `referrers.rs` lists referrers;
//! `docker_config.rs` reads `~/.docker/config.json`; `verify.rs` hashes content as it
//! streams.

mod auth;
mod client;
mod docker_config;
mod error;
mod push;
mod referrers;
mod verify;

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::sync::Mutex;

use bulwark_types::Digest;
use serde::Deserialize;
use ureq::Agent;

use crate::Reference;
use auth::CachedAuth;
use client::{Access, AuthKey, HttpResponse, Outgoing, content_length, read_error, read_limited};
use docker_config::StoredCredential;
use verify::ContentHasher;

pub use docker_config::DOCKER_CONFIG_ENV;
pub use error::{OciErrorInfo, RegistryError};
pub use referrers::Descriptor;

/// Largest manifest or index accepted (the limit registries commonly enforce).
pub const MAX_MANIFEST_SIZE: u64 = 4 * 1024 * 1024;
/// Largest `tags/list` page accepted.
const MAX_TAGS_PAGE: u64 = 16 * 1024 * 1024;
/// Most `tags/list` pages followed.
const MAX_TAGS_PAGES: usize = 1000;

/// OCI image index.
pub const MEDIA_TYPE_OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image manifest.
pub const MEDIA_TYPE_OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker manifest list.
pub const MEDIA_TYPE_DOCKER_LIST: &str =
    "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker image manifest, schema 2.
pub const MEDIA_TYPE_DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker image manifest, schema 1 (only recognised, for a clear error upstream).
const MEDIA_TYPE_DOCKER_V1: &str = "application/vnd.docker.distribution.manifest.v1+json";

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
    /// also used, without this flag, for `localhost`, `127.0.0.1` and `[::1]`.
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
    /// From `Content-Type`, or from the JSON `mediaType` field (or the document's shape)
    /// when the header is missing or generic.
    pub media_type: String,
    /// The requested digest when fetched by digest, else the sha256 of `bytes`.
    pub digest: Digest,
}

/// A client for one or more registries. Cheap to share between threads: tokens and
/// credentials are cached per registry and repository (and, for tokens, per pull or push).
pub struct RegistryClient {
    options: ClientOptions,
    agent: Agent,
    /// `Authorization` values per (registry, repository, access).
    auth_cache: Mutex<HashMap<AuthKey, CachedAuth>>,
    /// Docker config lookups per registry.
    credential_cache: Mutex<HashMap<String, Option<StoredCredential>>>,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl RegistryClient {
    pub fn new(options: ClientOptions) -> Self {
        Self {
            agent: client::build_agent(&options),
            options,
            auth_cache: Mutex::default(),
            credential_cache: Mutex::default(),
        }
    }

    /// Fetches a manifest (or index) by the reference's digest, else its tag. When fetched
    /// by digest the content is verified against it; when fetched by tag it is verified
    /// against the `Docker-Content-Digest` header if the registry sent one.
    pub fn manifest(&self, reference: &Reference) -> Result<FetchedManifest, RegistryError> {
        let url = self.manifest_url(reference)?;
        let accept = manifest_accept();
        let response = self.request(reference, &Outgoing::get(&url, &[("Accept", &accept)]))?;
        read_manifest(reference, &url, response)
    }

    /// Like [`manifest`](Self::manifest), but `Ok(None)` when the registry answers 404
    /// without an error code, or with `MANIFEST_UNKNOWN`, `NAME_UNKNOWN` or `NOT_FOUND`.
    pub fn manifest_if_exists(
        &self,
        reference: &Reference,
    ) -> Result<Option<FetchedManifest>, RegistryError> {
        let url = self.manifest_url(reference)?;
        let accept = manifest_accept();
        let response = self.send(reference, &Outgoing::get(&url, &[("Accept", &accept)]))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return read_manifest(reference, &url, response).map(Some);
        }
        match self.failure(reference, Access::Pull, &url, status, response) {
            RegistryError::Http {
                status: 404,
                errors,
                ..
            } if errors.is_empty()
                || errors.iter().any(|e| {
                    matches!(
                        e.code.as_str(),
                        "MANIFEST_UNKNOWN" | "NAME_UNKNOWN" | "NOT_FOUND"
                    )
                }) =>
            {
                tracing::debug!(url, "no such manifest");
                Ok(None)
            }
            error => Err(error),
        }
    }

    fn manifest_url(&self, reference: &Reference) -> Result<String, RegistryError> {
        Ok(format!(
            "{}manifests/{}",
            self.repository_url(reference)?,
            reference.tag_or_digest()
        ))
    }
}

/// Every manifest type we read, for `Accept`.
fn manifest_accept() -> String {
    [
        MEDIA_TYPE_OCI_INDEX,
        MEDIA_TYPE_OCI_MANIFEST,
        MEDIA_TYPE_DOCKER_LIST,
        MEDIA_TYPE_DOCKER_MANIFEST,
    ]
    .join(", ")
}

/// Reads a manifest response and verifies it: against the reference's digest, else against
/// the `Docker-Content-Digest` header when the registry sent one.
fn read_manifest(
    reference: &Reference,
    url: &str,
    response: HttpResponse,
) -> Result<FetchedManifest, RegistryError> {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header("content-type");
    let announced = header("docker-content-digest");
    let bytes = read_limited(response, url, MAX_MANIFEST_SIZE)?;

    let mismatch = |expected: &Digest, actual: Digest| RegistryError::DigestMismatch {
        url: url.to_string(),
        expected: expected.clone(),
        actual,
    };
    let digest_failed = || RegistryError::InvalidResponse {
        url: url.to_string(),
        reason: "could not compute the manifest digest".into(),
    };
    let digest = match &reference.digest {
        Some(expected) => {
            let actual = verify::digest_like(expected, &bytes).ok_or_else(digest_failed)?;
            if &actual != expected {
                return Err(mismatch(expected, actual));
            }
            expected.clone()
        }
        None => {
            let computed = verify::sha256(&bytes).ok_or_else(digest_failed)?;
            match announced
                .as_deref()
                .map(str::trim)
                .map(str::parse::<Digest>)
            {
                Some(Ok(expected)) => {
                    let actual =
                        verify::digest_like(&expected, &bytes).ok_or_else(digest_failed)?;
                    if actual != expected {
                        return Err(mismatch(&expected, actual));
                    }
                }
                Some(Err(e)) => {
                    tracing::debug!(url, error = %e, "ignoring an unusable Docker-Content-Digest header");
                }
                None => {}
            }
            computed
        }
    };
    let media_type = media_type_of(content_type.as_deref(), &bytes);
    tracing::debug!(url, %digest, media_type, size = bytes.len(), "fetched manifest");
    Ok(FetchedManifest {
        bytes,
        media_type,
        digest,
    })
}

impl RegistryClient {
    /// Streams a blob into `sink`, verifying its digest; returns the byte count. On an
    /// error the sink may hold partial or wrong content: the caller discards it.
    pub fn blob(
        &self,
        reference: &Reference,
        digest: &Digest,
        sink: &mut dyn Write,
    ) -> Result<u64, RegistryError> {
        self.blob_with_size(reference, digest, None, sink)
    }

    /// Like [`blob`](Self::blob), also enforcing the size from the blob's descriptor, so a
    /// registry cannot stream more (or less) than the manifest promised.
    pub fn blob_with_size(
        &self,
        reference: &Reference,
        digest: &Digest,
        expected_size: Option<u64>,
        sink: &mut dyn Write,
    ) -> Result<u64, RegistryError> {
        let url = format!("{}blobs/{digest}", self.repository_url(reference)?);
        let mut hasher =
            ContentHasher::for_digest(digest).ok_or_else(|| RegistryError::InvalidResponse {
                url: url.clone(),
                reason: format!("cannot verify digests of algorithm {}", digest.algorithm()),
            })?;
        // Blobs are hashed as stored: ask for them without transfer compression.
        let response = self.get(reference, &url, &[("Accept-Encoding", "identity")])?;
        let announced = content_length(&response);
        let too_large = |limit: u64| RegistryError::TooLarge {
            url: url.clone(),
            limit,
        };
        if let (Some(size), Some(announced)) = (expected_size, announced)
            && announced > size
        {
            return Err(too_large(size));
        }

        let mut reader = response.into_body().into_reader();
        let mut buffer = vec![0u8; 256 * 1024];
        let mut received: u64 = 0;
        loop {
            let n = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(read_error(&url, announced.or(expected_size), received, e)),
            };
            received += n as u64;
            if let Some(size) = expected_size.filter(|size| received > *size) {
                return Err(too_large(size));
            }
            let chunk = buffer.get(..n).unwrap_or_default();
            hasher.update(chunk);
            sink.write_all(chunk)
                .map_err(|source| RegistryError::Sink {
                    digest: digest.clone(),
                    source,
                })?;
        }
        // More than expected was refused above, so a difference means the body ended early.
        if let Some(expected) = expected_size.or(announced).filter(|n| *n != received) {
            return Err(RegistryError::Truncated {
                url,
                expected,
                received,
            });
        }
        let actual = hasher
            .finish()
            .ok_or_else(|| RegistryError::InvalidResponse {
                url: url.clone(),
                reason: "could not compute the blob digest".into(),
            })?;
        if &actual != digest {
            return Err(RegistryError::DigestMismatch {
                url,
                expected: digest.clone(),
                actual,
            });
        }
        sink.flush().map_err(|source| RegistryError::Sink {
            digest: digest.clone(),
            source,
        })?;
        tracing::debug!(url, size = received, "fetched blob");
        Ok(received)
    }

    /// Fetches a whole small blob (a signature, an attestation) into memory, verified
    /// against its digest; more than `max` bytes is [`RegistryError::TooLarge`].
    pub fn blob_bytes(
        &self,
        reference: &Reference,
        digest: &Digest,
        max: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        let url = format!("{}blobs/{digest}", self.repository_url(reference)?);
        // Blobs are hashed as stored: ask for them without transfer compression.
        let response = self.get(reference, &url, &[("Accept-Encoding", "identity")])?;
        let bytes = read_limited(response, &url, max)?;
        let actual =
            verify::digest_like(digest, &bytes).ok_or_else(|| RegistryError::InvalidResponse {
                url: url.clone(),
                reason: format!("cannot verify digests of algorithm {}", digest.algorithm()),
            })?;
        if &actual != digest {
            return Err(RegistryError::DigestMismatch {
                url,
                expected: digest.clone(),
                actual,
            });
        }
        tracing::debug!(url, size = bytes.len(), "fetched blob");
        Ok(bytes)
    }

    /// Lists the repository's tags (the reference's tag and digest are ignored), following
    /// `Link: <..>; rel="next"` pages.
    pub fn tags(&self, repo_ref: &Reference) -> Result<Vec<String>, RegistryError> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let base = self.origin(repo_ref)?;
        let mut url = format!("{}tags/list", self.repository_url(repo_ref)?);
        let mut tags = Vec::new();
        for _ in 0..MAX_TAGS_PAGES {
            let response = self.get(repo_ref, &url, &[("Accept", "application/json")])?;
            let next = client::next_link(&response, &base).map_err(|reason| {
                RegistryError::InvalidResponse {
                    url: url.clone(),
                    reason,
                }
            })?;
            let body = read_limited(response, &url, MAX_TAGS_PAGE)?;
            let page: Page =
                serde_json::from_slice(&body).map_err(|e| RegistryError::InvalidResponse {
                    url: url.clone(),
                    reason: format!(
                        "tag list is not valid JSON ({})",
                        error::json_error_summary(&e)
                    ),
                })?;
            tags.extend(page.tags.unwrap_or_default());
            match next {
                Some(next) => url = next,
                None => return Ok(tags),
            }
        }
        Err(RegistryError::InvalidResponse {
            url,
            reason: format!("more than {MAX_TAGS_PAGES} pages of tags"),
        })
    }
}

/// The manifest's media type: the `Content-Type` header unless it is missing or generic,
/// then the JSON `mediaType` field, then a guess from the document's shape.
fn media_type_of(content_type: Option<&str>, bytes: &[u8]) -> String {
    let header = content_type
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty());
    let generic = |v: &str| {
        matches!(
            v,
            "application/json" | "text/plain" | "application/octet-stream" | "binary/octet-stream"
        )
    };
    if let Some(header) = header.as_deref().filter(|h| !generic(h)) {
        return header.to_string();
    }

    #[derive(Deserialize)]
    struct Shape {
        #[serde(default, rename = "mediaType")]
        media_type: Option<String>,
        #[serde(default, rename = "schemaVersion")]
        schema_version: Option<u64>,
        #[serde(default)]
        manifests: Option<serde_json::Value>,
        #[serde(default)]
        config: Option<serde_json::Value>,
        #[serde(default, rename = "fsLayers")]
        fs_layers: Option<serde_json::Value>,
    }
    let fallback = header.unwrap_or_else(|| "application/octet-stream".to_string());
    let Ok(shape) = serde_json::from_slice::<Shape>(bytes) else {
        return fallback;
    };
    if let Some(media_type) = shape.media_type.filter(|m| !m.is_empty()) {
        return media_type;
    }
    // OCI documents may omit `mediaType` (podman pushes them so).
    if shape.manifests.is_some() {
        MEDIA_TYPE_OCI_INDEX.to_string()
    } else if shape.config.is_some() {
        MEDIA_TYPE_OCI_MANIFEST.to_string()
    } else if shape.schema_version == Some(1) || shape.fs_layers.is_some() {
        MEDIA_TYPE_DOCKER_V1.to_string()
    } else {
        fallback
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_from_header_body_or_shape() {
        let docker = br#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{}}"#;
        let bare_oci = br#"{"schemaVersion":2,"config":{},"layers":[]}"#;
        let bare_index = br#"{"schemaVersion":2,"manifests":[]}"#;
        let cases: &[(Option<&str>, &[u8], &str)] = &[
            (
                Some("application/vnd.oci.image.manifest.v1+json"),
                bare_oci,
                MEDIA_TYPE_OCI_MANIFEST,
            ),
            (
                Some("Application/VND.oci.image.index.v1+json; charset=utf-8"),
                bare_oci,
                MEDIA_TYPE_OCI_INDEX,
            ),
            (None, docker, MEDIA_TYPE_DOCKER_MANIFEST),
            (
                Some("application/json; charset=utf-8"),
                docker,
                MEDIA_TYPE_DOCKER_MANIFEST,
            ),
            (Some("text/plain"), bare_oci, MEDIA_TYPE_OCI_MANIFEST),
            (None, bare_index, MEDIA_TYPE_OCI_INDEX),
            (
                None,
                br#"{"schemaVersion":1,"fsLayers":[]}"#,
                MEDIA_TYPE_DOCKER_V1,
            ),
            (Some("application/json"), b"not json", "application/json"),
            (None, b"{}", "application/octet-stream"),
        ];
        for (header, body, expected) in cases {
            assert_eq!(media_type_of(*header, body), *expected, "{header:?}");
        }
    }

    #[test]
    fn debug_output_hides_credentials() {
        let client = RegistryClient::new(ClientOptions {
            credentials: Some(Credentials {
                username: "u".into(),
                password: "hunter2".into(),
            }),
            ..ClientOptions::default()
        });
        let debug = format!("{client:?}");
        assert!(debug.contains("<redacted>"));
        assert!(!debug.contains("hunter2"));
    }
}
