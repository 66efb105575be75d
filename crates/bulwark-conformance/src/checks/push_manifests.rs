//! Push of manifests: by tag and by digest, without a `mediaType` field, image indexes,
//! Docker schema 2, OCI artifacts, missing blobs and unknown subjects.

use serde_json::{Value, json};
use ureq::http::Method;

use super::seed::{Seed, SeedRef, need};
use super::{Stop, Suite, Verdict, ensure, expect};
use crate::content::{self, Blob, Manifest, OCI_INDEX, OCI_MANIFEST};
use crate::http::{Req, Response};
use crate::report::Category::Push;

pub(crate) fn run(suite: &mut Suite<'_>, seed: SeedRef<'_>) {
    suite.check(
        Push,
        "manifest_put_by_tag",
        "PUT of a manifest by tag answers 201 with Location and Docker-Content-Digest of the bytes; \
         the manifest is then pullable",
        |s| {
            let manifest = image(s, need(seed)?, "by-tag");
            let tag = format!("by-tag-{}", s.content.run_id());
            let response = s.push_manifest(&tag, &manifest)?;
            created(s, &response, &manifest)?;
            s.manifest_round_trip(&tag, &manifest)
        },
    );
    suite.check(
        Push,
        "manifest_put_by_digest",
        "PUT of a manifest by its digest answers 201 with Location and Docker-Content-Digest",
        |s| {
            let manifest = image(s, need(seed)?, "by-digest");
            let response = s.push_manifest(&manifest.digest, &manifest)?;
            created(s, &response, &manifest)?;
            s.manifest_round_trip(&manifest.digest, &manifest)
        },
    );
    suite.check(
        Push,
        "manifest_put_without_media_type",
        "a manifest without a mediaType field is accepted by its Content-Type (201) and served \
         back with that Content-Type",
        |s| {
            let seed = need(seed)?;
            let mut value = content::oci_image(&seed.config, &[&seed.layer]);
            annotate(&mut value, s, "no-media-type");
            if let Some(object) = value.as_object_mut() {
                object.remove("mediaType");
            }
            let manifest = Manifest::new(&value, OCI_MANIFEST);
            let response = s.push_manifest(&manifest.digest, &manifest)?;
            created(s, &response, &manifest)?;
            s.manifest_round_trip(&manifest.digest, &manifest)
        },
    );
    suite.check(
        Push,
        "manifest_put_index",
        "an image index of pushed manifests is accepted (201) and served back as an index",
        |s| {
            let seed = need(seed)?;
            let amd64 = image(s, seed, "index-amd64");
            let arm64 = image(s, seed, "index-arm64");
            for child in [&amd64, &arm64] {
                s.push_manifest(&child.digest, child)?;
            }
            let index = Manifest::new(&content::oci_index(&[&amd64, &arm64]), OCI_INDEX);
            let tag = format!("index-{}", s.content.run_id());
            let response = s.push_manifest(&tag, &index)?;
            created(s, &response, &index)?;
            s.manifest_round_trip(&tag, &index)
        },
    );
    suite.check(
        Push,
        "manifest_put_docker_v2",
        "a Docker image manifest v2 schema 2 is accepted (201) and served back with its media type",
        |s| {
            let seed = need(seed)?;
            let mut value = content::docker_image(&seed.config, &[&seed.layer]);
            annotate(&mut value, s, "docker-v2");
            let manifest = Manifest::new(&value, content::DOCKER_MANIFEST);
            let response = s.push_manifest(&manifest.digest, &manifest)?;
            created(s, &response, &manifest)?;
            s.manifest_round_trip(&manifest.digest, &manifest)
        },
    );
    suite.check(
        Push,
        "manifest_put_artifact",
        "an OCI artifact (artifactType, empty config {} of type application/vnd.oci.empty.v1+json) \
         is accepted (201) and served back unchanged",
        |s| {
            let layer = s.content.blob(300);
            s.push_blob(&s.target.repo, &Blob::empty_json())?;
            s.push_blob(&s.target.repo, &layer)?;
            let value = content::oci_artifact(
                "application/vnd.dev.bulwark.conformance.test.v1",
                &layer,
                "application/vnd.dev.bulwark.conformance.data.v1",
            );
            let manifest = Manifest::new(&value, OCI_MANIFEST);
            let response = s.push_manifest(&manifest.digest, &manifest)?;
            created(s, &response, &manifest)?;
            s.manifest_round_trip(&manifest.digest, &manifest)
        },
    );
    suite.check(
        Push,
        "manifest_put_missing_blob",
        "a manifest naming a blob the repository lacks is accepted, or rejected with \
         MANIFEST_BLOB_UNKNOWN",
        |s| {
            let seed = need(seed)?;
            let absent = s.content.blob(64);
            let value = content::oci_image(&seed.config, &[&seed.layer, &absent]);
            let manifest = Manifest::new(&value, OCI_MANIFEST);
            let response = s.put_manifest(&s.target.repo, &manifest.digest, &manifest)?;
            if response.status == 201 {
                return Ok(());
            }
            ensure!(
                (400..500).contains(&response.status),
                "{} answered {}, expected 201 or a 4xx refusal",
                response.describe(),
                response.status
            );
            expect::error_code(&response, &["MANIFEST_BLOB_UNKNOWN"])
        },
    );
    suite.check(
        Push,
        "manifest_put_subject_unknown",
        "a manifest whose subject names a manifest not (yet) in the repository is accepted (201)",
        |s| {
            let seed = need(seed)?;
            let absent = Manifest::new(&json!({ "absent": s.content.run_id() }), OCI_MANIFEST);
            let mut value = content::oci_image(&seed.config, &[&seed.layer]);
            annotate(&mut value, s, "unknown-subject");
            if let Some(object) = value.as_object_mut() {
                object.insert("subject".to_owned(), absent.descriptor());
            }
            let manifest = Manifest::new(&value, OCI_MANIFEST);
            let response = s.push_manifest(&manifest.digest, &manifest)?;
            created(s, &response, &manifest)
        },
    );
}

/// A new image manifest of the seed's blobs, made unique by an annotation naming `what`.
pub(crate) fn image(suite: &Suite<'_>, seed: &Seed, what: &str) -> Manifest {
    let mut value = content::oci_image(&seed.config, &[&seed.layer]);
    annotate(&mut value, suite, what);
    Manifest::new(&value, OCI_MANIFEST)
}

/// Adds an annotation that makes the manifest unique to this run and check.
pub(crate) fn annotate(value: &mut Value, suite: &Suite<'_>, what: &str) {
    if let Some(object) = value.as_object_mut() {
        let annotations = json!({
            "dev.bulwark.conformance.check": what,
            "dev.bulwark.conformance.run": suite.content.run_id(),
        });
        object.insert("annotations".to_owned(), annotations);
    }
}

/// A 201 answer to a manifest PUT: a pullable Location and the manifest's digest in
/// Docker-Content-Digest.
fn created(suite: &Suite<'_>, response: &Response, manifest: &Manifest) -> Verdict {
    expect::digest_header(response, &manifest.digest, &manifest.bytes, true)?;
    let location = expect::location(response)?;
    let pulled = suite
        .send(&Req::new(Method::GET, location).header("Accept", super::ops::ACCEPT_MANIFESTS))?;
    if pulled.status != 200 {
        return Err(Stop::Fail(format!(
            "the Location of the pushed manifest is not pullable: {} answered {}",
            pulled.describe(),
            pulled.status
        )));
    }
    expect::body(&pulled, &manifest.bytes)
}
