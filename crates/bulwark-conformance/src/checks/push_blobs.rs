//! Push of whole blobs: POST then PUT, a single POST, digest checking, cross-repository
//! mounts and SHA-512 digests.

use ureq::http::Method;

use super::{Stop, Suite, Verdict, ensure, expect};
use crate::content::Blob;
use crate::http::{Req, url};
use crate::report::Category::Push;

pub(crate) fn run(suite: &mut Suite<'_>) {
    suite.check(
        Push,
        "blob_post_then_put",
        "POST /blobs/uploads/ answers 202 with Location; PUT <location>?digest= answers 201 with \
         Location of the blob, which is then pullable",
        |s| {
            let blob = s.content.blob(2048);
            let upload = s.start_upload(&s.target.repo)?;
            let response = s.finish_upload(&upload, &blob)?;
            expect::status(&response, &[201])?;
            expect::digest_header(&response, &blob.digest, &blob.bytes, false)?;
            s.blob_at(&expect::location(&response)?, &blob)
        },
    );
    suite.check(
        Push,
        "blob_single_post",
        "POST /blobs/uploads/?digest= with the blob answers 201 with Location, or 202 with \
         Location to finish by PUT",
        |s| {
            let blob = s.content.blob(1500);
            let url = url::with_query(&s.repo_url("blobs/uploads/"), "digest", &blob.digest);
            let response = s.send(
                &Req::new(Method::POST, url)
                    .header("Content-Type", "application/octet-stream")
                    .body(blob.bytes.clone()),
            )?;
            expect::status(&response, &[201, 202])?;
            let location = expect::location(&response)?;
            let blob_location = if response.status == 202 {
                let finished = s.finish_upload(&location, &blob)?;
                expect::status(&finished, &[201])?;
                expect::location(&finished)?
            } else {
                location
            };
            s.blob_at(&blob_location, &blob)
        },
    );
    suite.check(
        Push,
        "blob_put_digest_mismatch",
        "PUT of an upload whose digest does not match the bytes answers 400 with DIGEST_INVALID",
        |s| {
            let blob = s.content.blob(512);
            let wrong = Blob {
                digest: crate::content::sha256(b"not these bytes"),
                ..blob
            };
            let upload = s.start_upload(&s.target.repo)?;
            let response = s.finish_upload(&upload, &wrong)?;
            expect::status(&response, &[400])?;
            expect::error_code(&response, &["DIGEST_INVALID"])
        },
    );
    suite.check(
        Push,
        "blob_mount_from",
        "POST /blobs/uploads/?mount=<digest>&from=<repo> answers 201 with Location (or 202 with \
         Location when the registry does not mount)",
        |s| mount(s, true),
    );
    suite.check(
        Push,
        "blob_mount_without_from",
        "POST /blobs/uploads/?mount=<digest> without from mounts a blob found elsewhere: 201",
        |s| {
            if !s.target.features.mount_without_from {
                return Err(Stop::Skip(
                    "mounts without `from` are not claimed".to_owned(),
                ));
            }
            mount(s, false)
        },
    );
    suite.check(
        Push,
        "blob_sha512",
        "a blob pushed with a sha512 digest answers 201 and is pullable by that digest",
        |s| {
            if !s.target.features.sha512 {
                return Err(Stop::Skip("sha512 digests are not claimed".to_owned()));
            }
            let blob = s.content.blob(1024).with_sha512();
            let upload = s.start_upload(&s.target.repo)?;
            let response = s.finish_upload(&upload, &blob)?;
            expect::status(&response, &[201])?;
            let head = s.fetch_blob(Method::HEAD, &blob.digest)?;
            expect::status(&head, &[200])?;
            expect::content_length(&head, blob.bytes.len())?;
            expect::digest_header(&head, &blob.digest, &blob.bytes, false)?;
            s.blob_at(&s.repo_url(&format!("blobs/{}", blob.digest)), &blob)
        },
    );
}

/// Pushes a blob into the mount source repository, then mounts it into the target one.
/// With `from`, a 202 (no mount, an upload session instead) is allowed; without, a
/// registry claiming the feature must mount.
fn mount(suite: &Suite<'_>, with_from: bool) -> Verdict {
    let target = suite.target;
    let blob = suite.content.blob(777);
    suite.push_blob(&target.mount_source_repo, &blob)?;
    let mut url = url::with_query(&suite.repo_url("blobs/uploads/"), "mount", &blob.digest);
    if with_from {
        url = url::with_query(&url, "from", &target.mount_source_repo);
    }
    let response = suite.send(&Req::new(Method::POST, url).body(Vec::new()))?;
    let allowed: &[u16] = if with_from { &[201, 202] } else { &[201] };
    expect::status(&response, allowed)?;
    let location = expect::location(&response)?;
    if response.status == 202 {
        // An upload session was opened instead; finishing it must work as any other.
        let finished = suite.finish_upload(&location, &blob)?;
        return expect::status(&finished, &[201]);
    }
    expect::digest_header(&response, &blob.digest, &blob.bytes, false)?;
    let head = suite.fetch_blob(Method::HEAD, &blob.digest)?;
    ensure!(
        head.status == 200,
        "after the mount answered 201, {} answered {}",
        head.describe(),
        head.status
    );
    suite.blob_at(&location, &blob)
}
