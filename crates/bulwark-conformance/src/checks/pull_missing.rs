//! Pull of what is not there: 404, with the specification's error body.

use ureq::http::Method;

use super::{Suite, expect};
use crate::content::sha256;
use crate::report::Category::Pull;

pub(crate) fn run(suite: &mut Suite<'_>) {
    let absent_digest = sha256(format!("absent {}", suite.content.run_id()).as_bytes());
    let absent_tag = format!("absent-{}", suite.content.run_id());

    suite.check(
        Pull,
        "manifest_get_unknown_tag",
        "GET of an unknown tag answers 404 with error code MANIFEST_UNKNOWN",
        |s| {
            let response = s.fetch_manifest(Method::GET, &absent_tag)?;
            expect::status(&response, &[404])?;
            expect::error_code(&response, &["MANIFEST_UNKNOWN"])
        },
    );
    suite.check(
        Pull,
        "manifest_get_unknown_digest",
        "GET of an unknown manifest digest answers 404 with error code MANIFEST_UNKNOWN",
        |s| {
            let response = s.fetch_manifest(Method::GET, &absent_digest)?;
            expect::status(&response, &[404])?;
            expect::error_code(&response, &["MANIFEST_UNKNOWN"])
        },
    );
    suite.check(
        Pull,
        "manifest_head_unknown",
        "HEAD of an unknown manifest answers 404",
        |s| {
            let response = s.fetch_manifest(Method::HEAD, &absent_tag)?;
            expect::status(&response, &[404])
        },
    );
    suite.check(
        Pull,
        "manifest_get_unknown_repo",
        "GET of a manifest in a repository that does not exist answers 404 (NAME_UNKNOWN or MANIFEST_UNKNOWN)",
        |s| {
            let url = s.url_in(&s.missing_repo(), "manifests/latest");
            let response = s.send(&crate::http::Req::new(Method::GET, url))?;
            expect::status(&response, &[404])?;
            expect::error_code(&response, &["NAME_UNKNOWN", "MANIFEST_UNKNOWN"])
        },
    );
    suite.check(
        Pull,
        "blob_get_unknown",
        "GET of an unknown blob answers 404 with error code BLOB_UNKNOWN",
        |s| {
            let response = s.fetch_blob(Method::GET, &absent_digest)?;
            expect::status(&response, &[404])?;
            expect::error_code(&response, &["BLOB_UNKNOWN"])
        },
    );
    suite.check(
        Pull,
        "blob_head_unknown",
        "HEAD of an unknown blob answers 404",
        |s| {
            let response = s.fetch_blob(Method::HEAD, &absent_digest)?;
            expect::status(&response, &[404])
        },
    );
}
