//! Content management: deleting manifests, tags and blobs, or refusing to when the
//! registry does not offer deletion.

use ureq::http::Method;

use super::{Stop, Suite, Verdict, expect};
use crate::content::{self, Manifest, OCI_MANIFEST};
use crate::http::Req;
use crate::report::Category::ContentManagement;

pub(crate) fn run(suite: &mut Suite<'_>) {
    let features = suite.target.features;
    let not_claimed = |what: &str| Err(Stop::Skip(format!("{what} deletion is not claimed")));

    suite.check(
        ContentManagement,
        "delete_manifest",
        if features.delete_manifests {
            "DELETE /manifests/<digest> answers 202; the manifest and its tags then answer 404"
        } else {
            "without manifest deletion, DELETE /manifests/<digest> is refused (400 or 405, \
             UNSUPPORTED) and the manifest stays"
        },
        |s| {
            let tag = format!("delete-manifest-{}", s.content.run_id());
            let manifest = fresh_image(s, &tag)?;
            let response = delete(s, &format!("manifests/{}", manifest.digest))?;
            if !features.delete_manifests {
                expect::refused(&response)?;
                return still_there(s, &format!("manifests/{}", manifest.digest));
            }
            expect::status(&response, &[202])?;
            for reference in [&manifest.digest, &tag] {
                let after = s.fetch_manifest(Method::GET, reference)?;
                expect::status(&after, &[404])?;
            }
            Ok(())
        },
    );
    suite.check(
        ContentManagement,
        "delete_manifest_unknown_repo",
        "DELETE of a manifest in a repository that does not exist answers 404",
        |s| {
            if !features.delete_manifests {
                return not_claimed("manifest");
            }
            let absent = content::sha256(b"no such manifest");
            let url = s.url_in(&s.missing_repo(), &format!("manifests/{absent}"));
            let response = s.send(&Req::new(Method::DELETE, url))?;
            expect::status(&response, &[404])
        },
    );
    suite.check(
        ContentManagement,
        "delete_tag",
        if features.delete_tags {
            "DELETE /manifests/<tag> answers 202 and the tag then answers 404"
        } else {
            "without tag deletion, DELETE /manifests/<tag> is refused (400 or 405, UNSUPPORTED) \
             and the tag stays"
        },
        |s| {
            let tag = format!("delete-tag-{}", s.content.run_id());
            fresh_image(s, &tag)?;
            let response = delete(s, &format!("manifests/{tag}"))?;
            if !features.delete_tags {
                expect::refused(&response)?;
                return still_there(s, &format!("manifests/{tag}"));
            }
            expect::status(&response, &[202])?;
            let after = s.fetch_manifest(Method::GET, &tag)?;
            expect::status(&after, &[404])
        },
    );
    suite.check(
        ContentManagement,
        "delete_blob",
        if features.delete_blobs {
            "DELETE /blobs/<digest> answers 202 and the blob then answers 404"
        } else {
            "without blob deletion, DELETE /blobs/<digest> is refused (400 or 405, UNSUPPORTED) \
             and the blob stays"
        },
        |s| {
            let blob = s.content.blob(600);
            s.push_blob(&s.target.repo, &blob)?;
            let path = format!("blobs/{}", blob.digest);
            let response = delete(s, &path)?;
            if !features.delete_blobs {
                expect::refused(&response)?;
                return still_there(s, &path);
            }
            expect::status(&response, &[202])?;
            let head = s.fetch_blob(Method::HEAD, &blob.digest)?;
            expect::status(&head, &[404])?;
            let get = s.fetch_blob(Method::GET, &blob.digest)?;
            expect::status(&get, &[404])?;
            expect::error_code(&get, &["BLOB_UNKNOWN"])
        },
    );
    suite.check(
        ContentManagement,
        "delete_blob_unknown",
        "DELETE of a blob that is not there answers 404 with BLOB_UNKNOWN",
        |s| {
            if !features.delete_blobs {
                return not_claimed("blob");
            }
            let absent = content::sha256(format!("never pushed {}", s.content.run_id()).as_bytes());
            let response = delete(s, &format!("blobs/{absent}"))?;
            expect::status(&response, &[404])?;
            expect::error_code(&response, &["BLOB_UNKNOWN"])
        },
    );
}

fn delete(suite: &Suite<'_>, path: &str) -> Result<crate::http::Response, Stop> {
    suite.send(&Req::new(Method::DELETE, suite.repo_url(path)))
}

/// Pushes a layer, a config and a manifest of them tagged `tag`.
fn fresh_image(suite: &Suite<'_>, tag: &str) -> Result<Manifest, Stop> {
    let repo = &suite.target.repo;
    let layer = suite.content.blob(900);
    let config = suite.content.config(&layer);
    suite.push_blob(repo, &layer)?;
    suite.push_blob(repo, &config)?;
    let manifest = Manifest::new(&content::oci_image(&config, &[&layer]), OCI_MANIFEST);
    suite.push_manifest(tag, &manifest)?;
    Ok(manifest)
}

/// After a refused delete, `GET` of `path` still answers 200.
fn still_there(suite: &Suite<'_>, path: &str) -> Verdict {
    let response = suite.send(
        &Req::new(Method::GET, suite.repo_url(path)).header("Accept", super::ops::ACCEPT_MANIFESTS),
    )?;
    expect::status(&response, &[200])
}
