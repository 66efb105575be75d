//! Writing to a registry: blobs by monolithic upload (`HEAD`, then `POST` and
//! `PUT ?digest=`) and manifests by `PUT`. Every request here asks for `pull,push` access.

use bulwark_types::Digest;
use ureq::http::Method;
use ureq::http::header::LOCATION;

use super::client::{Access, HttpResponse, Outgoing, resolve_location, with_query};
use super::error::RegistryError;
use super::{RegistryClient, verify};
use crate::Reference;

impl RegistryClient {
    /// Pushes `bytes` as a blob of `reference`'s repository unless the registry already has
    /// it (`HEAD` first), by one `POST` and one `PUT ?digest=`. Returns the sha256 digest.
    pub fn push_blob(&self, reference: &Reference, bytes: &[u8]) -> Result<Digest, RegistryError> {
        let repository_url = self.repository_url(reference)?;
        let digest = crate::sha256_digest(bytes);
        let blob_url = format!("{repository_url}blobs/{digest}");
        let head = self.send(reference, &push(Method::HEAD, &blob_url, &[], None))?;
        let status = head.status().as_u16();
        if (200..300).contains(&status) {
            tracing::debug!(url = blob_url, "blob already present, upload skipped");
            return Ok(digest);
        }
        if status != 404 {
            return Err(self.failure(reference, Access::Push, &blob_url, status, head));
        }

        let start_url = format!("{repository_url}blobs/uploads/");
        let started = self.request(reference, &push(Method::POST, &start_url, &[], Some(&[])))?;
        let invalid = |url: &str, reason: String| RegistryError::InvalidResponse {
            url: url.to_string(),
            reason,
        };
        let location = header(&started, LOCATION.as_str())
            .ok_or_else(|| invalid(&start_url, "the upload has no Location header".into()))?;
        let upload_url = resolve_location(&location, &self.origin(reference)?, &start_url)
            .map_err(|reason| invalid(&start_url, reason))?;
        let put_url = with_query(&upload_url, "digest", &digest.to_string());
        let headers = [("Content-Type", "application/octet-stream")];
        let finished = self.request(
            reference,
            &push(Method::PUT, &put_url, &headers, Some(bytes)),
        )?;
        check_announced(&finished, &upload_url, &digest, bytes)?;
        tracing::debug!(url = blob_url, size = bytes.len(), "pushed blob");
        Ok(digest)
    }

    /// `PUT`s a manifest under the reference's tag (or its digest when it has no tag) with
    /// `media_type` as `Content-Type`. A digest in the reference must match `bytes`; the
    /// registry's `Docker-Content-Digest`, when present, must too. Returns the digest (in
    /// the reference digest's algorithm, else sha256).
    pub fn push_manifest(
        &self,
        reference: &Reference,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Digest, RegistryError> {
        let digest = match &reference.digest {
            Some(expected) => {
                let actual = verify::digest_like(expected, bytes).ok_or_else(|| {
                    RegistryError::InvalidResponse {
                        url: reference.to_string(),
                        reason: format!(
                            "cannot compute digests of algorithm {}",
                            expected.algorithm()
                        ),
                    }
                })?;
                if &actual != expected {
                    return Err(RegistryError::ReferenceDigestMismatch {
                        expected: expected.clone(),
                        actual,
                    });
                }
                actual
            }
            None => crate::sha256_digest(bytes),
        };
        let target = match (&reference.tag, &reference.digest) {
            (Some(tag), _) => tag.clone(),
            (None, Some(digest)) => digest.to_string(),
            (None, None) => "latest".to_string(),
        };
        let url = format!("{}manifests/{target}", self.repository_url(reference)?);
        let headers = [("Content-Type", media_type)];
        let response = self.request(reference, &push(Method::PUT, &url, &headers, Some(bytes)))?;
        check_announced(&response, &url, &digest, bytes)?;
        tracing::debug!(url, %digest, media_type, size = bytes.len(), "pushed manifest");
        Ok(digest)
    }
}

fn push<'a>(
    method: Method,
    url: &'a str,
    headers: &'a [(&'a str, &'a str)],
    body: Option<&'a [u8]>,
) -> Outgoing<'a> {
    Outgoing {
        method,
        url,
        headers,
        body,
        access: Access::Push,
    }
}

fn header(response: &HttpResponse, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Checks the `Docker-Content-Digest` the registry answered a write with, when it sent a
/// usable one, against the content: in that digest's algorithm.
fn check_announced(
    response: &HttpResponse,
    url: &str,
    expected: &Digest,
    bytes: &[u8],
) -> Result<(), RegistryError> {
    let Some(text) = header(response, "docker-content-digest") else {
        return Ok(());
    };
    let announced = match text.parse::<Digest>() {
        Ok(announced) => announced,
        Err(e) => {
            tracing::debug!(url, error = %e, "ignoring an unusable Docker-Content-Digest header");
            return Ok(());
        }
    };
    let ours = if announced.algorithm() == expected.algorithm() {
        Some(expected.clone())
    } else {
        verify::digest_like(&announced, bytes)
    };
    if ours.as_ref() == Some(&announced) {
        return Ok(());
    }
    Err(RegistryError::PushDigestMismatch {
        url: url.to_string(),
        expected: expected.clone(),
        announced: announced.to_string(),
    })
}
