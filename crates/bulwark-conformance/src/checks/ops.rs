//! Protocol operations the checks build on: start an upload, push a blob, push and fetch
//! a manifest. They fail with the same messages as the checks.

use ureq::http::Method;

use super::{Stop, Suite, expect};
use crate::content::{Blob, Manifest};
use crate::http::{Req, Response, url};

/// Every manifest media type the suite pushes, for `Accept`.
pub(crate) const ACCEPT_MANIFESTS: &str = "application/vnd.oci.image.manifest.v1+json, \
     application/vnd.oci.image.index.v1+json, \
     application/vnd.docker.distribution.manifest.v2+json, \
     application/vnd.docker.distribution.manifest.list.v2+json";

impl Suite<'_> {
    pub(crate) fn send(&self, req: &Req) -> Result<Response, Stop> {
        Ok(self.client.send(req)?)
    }

    /// `POST /v2/<repo>/blobs/uploads/` with `Content-Length: 0`: 202 and the upload URL.
    pub(crate) fn start_upload(&self, repo: &str) -> Result<String, Stop> {
        let response = self
            .send(&Req::new(Method::POST, self.url_in(repo, "blobs/uploads/")).body(Vec::new()))?;
        expect::status(&response, &[202])?;
        expect::location(&response)
    }

    /// `PUT <upload>?digest=` with the whole blob: the answer, unchecked.
    pub(crate) fn finish_upload(&self, upload: &str, blob: &Blob) -> Result<Response, Stop> {
        self.send(
            &Req::new(Method::PUT, url::with_query(upload, "digest", &blob.digest))
                .header("Content-Type", "application/octet-stream")
                .body(blob.bytes.clone()),
        )
    }

    /// Pushes `blob` to `repo` by POST then PUT, requiring 201.
    pub(crate) fn push_blob(&self, repo: &str, blob: &Blob) -> Result<(), Stop> {
        let upload = self.start_upload(repo)?;
        let response = self.finish_upload(&upload, blob)?;
        expect::status(&response, &[201])
    }

    /// `PUT /v2/<repo>/manifests/<reference>` with the manifest's media type: the answer,
    /// unchecked.
    pub(crate) fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        manifest: &Manifest,
    ) -> Result<Response, Stop> {
        self.send(
            &Req::new(
                Method::PUT,
                self.url_in(repo, &format!("manifests/{reference}")),
            )
            .header("Content-Type", manifest.media_type)
            .body(manifest.bytes.clone()),
        )
    }

    /// Pushes `manifest` to the target repository under `reference`, requiring 201.
    pub(crate) fn push_manifest(
        &self,
        reference: &str,
        manifest: &Manifest,
    ) -> Result<Response, Stop> {
        let response = self.put_manifest(&self.target.repo, reference, manifest)?;
        expect::status(&response, &[201])?;
        Ok(response)
    }

    /// `GET` or `HEAD` of `/v2/<repo>/manifests/<reference>` accepting every type pushed.
    pub(crate) fn fetch_manifest(&self, method: Method, reference: &str) -> Result<Response, Stop> {
        self.send(
            &Req::new(method, self.repo_url(&format!("manifests/{reference}")))
                .header("Accept", ACCEPT_MANIFESTS),
        )
    }

    /// `GET <location>` answers 200 with the blob's bytes.
    pub(crate) fn blob_at(&self, location: &str, blob: &Blob) -> Result<(), Stop> {
        let response = self.send(&Req::new(Method::GET, location))?;
        expect::status(&response, &[200])?;
        expect::body(&response, &blob.bytes)?;
        expect::digest_header(&response, &blob.digest, &blob.bytes, false)
    }

    /// `GET` or `HEAD` of `/v2/<repo>/blobs/<digest>` in the target repository.
    pub(crate) fn fetch_blob(&self, method: Method, digest: &str) -> Result<Response, Stop> {
        self.send(&Req::new(method, self.repo_url(&format!("blobs/{digest}"))))
    }

    /// The manifest pulled by `reference` is byte-identical to `manifest`, with its
    /// `Content-Type` and, when present, its digest.
    pub(crate) fn manifest_round_trip(
        &self,
        reference: &str,
        manifest: &Manifest,
    ) -> Result<(), Stop> {
        let response = self.fetch_manifest(Method::GET, reference)?;
        expect::status(&response, &[200])?;
        expect::body(&response, &manifest.bytes)?;
        expect::content_type(&response, manifest.media_type)?;
        expect::digest_header(&response, &manifest.digest, &manifest.bytes, false)
    }
}
