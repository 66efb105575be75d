//! Pull: the version check, and manifests and blobs fetched by `GET` and `HEAD`.

use ureq::http::Method;

use super::seed::{SeedRef, need};
use super::{Stop, Suite, ensure, expect};
use crate::http::Req;
use crate::report::Category::Pull;

/// `GET /v2/`: 200, or 401 before authenticating.
pub(crate) fn api_version(suite: &mut Suite<'_>) {
    suite.check(
        Pull,
        "api_version",
        "GET /v2/ answers 200 (401 without credentials is allowed), and 200 once authenticated",
        |s| {
            let req = Req::new(Method::GET, s.client.url("/v2/"));
            let anonymous = s.client.send_anonymous(&req)?;
            expect::status(&anonymous, &[200, 401])?;
            let authenticated = s.send(&req)?;
            expect::status(&authenticated, &[200])
        },
    );
}

pub(crate) fn run(suite: &mut Suite<'_>, seed: SeedRef<'_>) {
    suite.check(
        Pull,
        "manifest_get_by_tag",
        "GET of a manifest by tag answers 200 with the pushed bytes, its Content-Type and digest",
        |s| {
            let seed = need(seed)?;
            let response = s.fetch_manifest(Method::GET, &seed.tag)?;
            expect::status(&response, &[200])?;
            expect::body(&response, &seed.manifest.bytes)?;
            expect::content_type(&response, seed.manifest.media_type)?;
            expect::digest_header(&response, &seed.manifest.digest, &seed.manifest.bytes, true)
        },
    );
    suite.check(
        Pull,
        "manifest_get_by_digest",
        "GET of a manifest by digest answers 200 with the pushed bytes, its Content-Type and digest",
        |s| {
            let seed = need(seed)?;
            let response = s.fetch_manifest(Method::GET, &seed.manifest.digest)?;
            expect::status(&response, &[200])?;
            expect::body(&response, &seed.manifest.bytes)?;
            expect::content_type(&response, seed.manifest.media_type)?;
            expect::digest_header(&response, &seed.manifest.digest, &seed.manifest.bytes, true)
        },
    );
    for (name, by_digest) in [
        ("manifest_head_by_tag", false),
        ("manifest_head_by_digest", true),
    ] {
        suite.check(
            Pull,
            name,
            "HEAD of a manifest answers 200 with Content-Length, Docker-Content-Digest and no body",
            |s| {
                let seed = need(seed)?;
                let reference = if by_digest {
                    &seed.manifest.digest
                } else {
                    &seed.tag
                };
                let response = s.fetch_manifest(Method::HEAD, reference)?;
                expect::status(&response, &[200])?;
                expect::content_length(&response, seed.manifest.bytes.len())?;
                expect::digest_header(&response, &seed.manifest.digest, &seed.manifest.bytes, true)
            },
        );
    }
    suite.check(
        Pull,
        "blob_get",
        "GET of a blob answers 200 with its bytes; Docker-Content-Digest, if sent, matches them",
        |s| {
            let seed = need(seed)?;
            let response = s.fetch_blob(Method::GET, &seed.layer.digest)?;
            expect::status(&response, &[200])?;
            expect::body(&response, &seed.layer.bytes)?;
            expect::digest_header(&response, &seed.layer.digest, &seed.layer.bytes, false)
        },
    );
    suite.check(
        Pull,
        "blob_head",
        "HEAD of a blob answers 200 with Content-Length, Docker-Content-Digest and no body",
        |s| {
            let seed = need(seed)?;
            let response = s.fetch_blob(Method::HEAD, &seed.layer.digest)?;
            expect::status(&response, &[200])?;
            expect::content_length(&response, seed.layer.bytes.len())?;
            expect::digest_header(&response, &seed.layer.digest, &seed.layer.bytes, true)
        },
    );
    suite.check(
        Pull,
        "blob_get_range",
        "(SHOULD) GET of a blob with Range: bytes=a-b answers 206 with Content-Range and those bytes",
        |s| {
            let seed = need(seed)?;
            let (start, end) = (100_usize, 1123_usize);
            let total = seed.layer.bytes.len();
            let wanted = seed.layer.bytes.get(start..=end).ok_or_else(|| {
                Stop::Fail(format!("the seed layer is only {total} bytes"))
            })?;
            let response = s.send(
                &Req::new(Method::GET, s.repo_url(&format!("blobs/{}", seed.layer.digest)))
                    .header("Range", format!("bytes={start}-{end}")),
            )?;
            expect::status(&response, &[206])?;
            let range = expect::header(&response, "content-range")?;
            ensure!(
                range.trim() == format!("bytes {start}-{end}/{total}"),
                "{} answered Content-Range {range}, expected bytes {start}-{end}/{total}",
                response.describe()
            );
            expect::body(&response, wanted)
        },
    );
}
