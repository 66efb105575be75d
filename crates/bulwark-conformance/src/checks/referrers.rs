//! Content discovery of referrers: the `OCI-Subject` header, the referrers index, the
//! `artifactType` filter. Only for registries claiming the referrers API.

use serde_json::{Value, json};
use ureq::http::Method;

use super::seed::{SeedRef, need};
use super::{Stop, Suite, Verdict, ensure, expect};
use crate::content::{self, Blob, Manifest, OCI_INDEX, OCI_MANIFEST};
use crate::http::{Req, url};
use crate::report::Category::ContentDiscovery;

const SBOM_TYPE: &str = "application/vnd.dev.bulwark.conformance.sbom.v1+json";
const CONFIG_TYPE: &str = "application/vnd.dev.bulwark.conformance.config.v1+json";

/// The two referrers pushed: an artifact with `artifactType`, and an image manifest
/// without one whose config media type stands in for it.
struct Referrers {
    artifact: Manifest,
    image: Manifest,
}

pub(crate) fn run(suite: &mut Suite<'_>, seed: SeedRef<'_>) {
    let skip = (!suite.target.features.referrers)
        .then(|| Stop::Skip("the referrers API is not claimed".to_owned()));
    let gate = || skip.clone().map_or(Ok(()), Err);
    let mut pushed: Option<Referrers> = None;
    suite.check(
        ContentDiscovery,
        "referrers_subject_header",
        "a manifest pushed with a subject answers 201 with OCI-Subject: <subject digest>",
        |s| {
            gate()?;
            let subject = &need(seed)?.manifest;
            let referrers = push_referrers(s, subject)?;
            pushed = Some(referrers);
            Ok(())
        },
    );
    let pushed = pushed.ok_or_else(|| {
        skip.clone()
            .unwrap_or_else(|| Stop::Fail("the referrers could not be pushed".to_owned()))
    });
    suite.check(
        ContentDiscovery,
        "referrers_list",
        "GET /referrers/<digest> answers 200 with an image index listing every referrer with its \
         artifactType and annotations",
        |s| {
            gate()?;
            let (seed, pushed) = (need(seed)?, pushed.as_ref().map_err(Clone::clone)?);
            let listed = list(s, &seed.manifest.digest, None)?;
            ensure!(
                listed.len() == 2,
                "expected 2 referrers, the index lists {}",
                listed.len()
            );
            listed_with(&listed, &pushed.artifact, SBOM_TYPE)
        },
    );
    suite.check(
        ContentDiscovery,
        "referrers_artifact_type_from_config",
        "a referrer without artifactType is listed with its config's mediaType as artifactType",
        |s| {
            gate()?;
            let (seed, pushed) = (need(seed)?, pushed.as_ref().map_err(Clone::clone)?);
            let listed = list(s, &seed.manifest.digest, None)?;
            listed_with(&listed, &pushed.image, CONFIG_TYPE)
        },
    );
    suite.check(
        ContentDiscovery,
        "referrers_filter",
        "GET /referrers/<digest>?artifactType= lists only that type and answers \
         OCI-Filters-Applied: artifactType",
        |s| {
            gate()?;
            let (seed, pushed) = (need(seed)?, pushed.as_ref().map_err(Clone::clone)?);
            let listed = list(s, &seed.manifest.digest, Some(SBOM_TYPE))?;
            ensure!(
                listed.len() == 1,
                "the filtered index lists {} referrers, expected 1",
                listed.len()
            );
            listed_with(&listed, &pushed.artifact, SBOM_TYPE)
        },
    );
    suite.check(
        ContentDiscovery,
        "referrers_unknown_digest",
        "GET /referrers/<digest> of a digest nothing refers to answers 200 with an empty index",
        |s| {
            gate()?;
            let absent = content::sha256(format!("nothing {}", s.content.run_id()).as_bytes());
            let listed = list(s, &absent, None)?;
            ensure!(
                listed.is_empty(),
                "the index lists {} referrers, expected none",
                listed.len()
            );
            Ok(())
        },
    );
    suite.check(
        ContentDiscovery,
        "referrers_invalid_digest",
        "GET /referrers/<digest> with a malformed digest answers 400",
        |s| {
            gate()?;
            let response = s.send(&Req::new(
                Method::GET,
                s.repo_url("referrers/sha256:not-hex"),
            ))?;
            expect::status(&response, &[400])
        },
    );
}

/// Pushes the two referrers of `subject`, checking `OCI-Subject` on both answers.
fn push_referrers(suite: &Suite<'_>, subject: &Manifest) -> Result<Referrers, Stop> {
    let repo = &suite.target.repo;
    let layer = suite.content.blob(200);
    let config = Blob::new(format!("{{\"run\":\"{}\"}}", suite.content.run_id()).into_bytes());
    for blob in [&Blob::empty_json(), &layer, &config] {
        suite.push_blob(repo, blob)?;
    }
    let mut artifact = content::oci_artifact(SBOM_TYPE, &layer, "application/spdx+json");
    let mut image = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config.descriptor(CONFIG_TYPE),
        "layers": [layer.descriptor(content::OCI_LAYER)],
    });
    let mut out = Vec::new();
    for (value, kind) in [(&mut artifact, "sbom"), (&mut image, "config-typed")] {
        if let Some(object) = value.as_object_mut() {
            object.insert("subject".to_owned(), subject.descriptor());
            object.insert(
                "annotations".to_owned(),
                json!({ "dev.bulwark.conformance.referrer": kind, "dev.bulwark.conformance.run": suite.content.run_id() }),
            );
        }
        let manifest = Manifest::new(value, OCI_MANIFEST);
        let response = suite.push_manifest(&manifest.digest, &manifest)?;
        let header = expect::header(&response, "oci-subject")?;
        ensure!(
            header.trim() == subject.digest,
            "{} answered OCI-Subject {header}, expected {}",
            response.describe(),
            subject.digest
        );
        out.push(manifest);
    }
    let image = out
        .pop()
        .ok_or_else(|| Stop::Fail("no referrer pushed".to_owned()))?;
    let artifact = out
        .pop()
        .ok_or_else(|| Stop::Fail("no referrer pushed".to_owned()))?;
    Ok(Referrers { artifact, image })
}

/// The descriptors of the referrers index of `digest`, optionally filtered; with a filter,
/// the answer must announce it.
fn list(suite: &Suite<'_>, digest: &str, artifact_type: Option<&str>) -> Result<Vec<Value>, Stop> {
    let mut target = suite.repo_url(&format!("referrers/{digest}"));
    if let Some(artifact_type) = artifact_type {
        target = url::with_query(&target, "artifactType", artifact_type);
    }
    let response = suite.send(&Req::new(Method::GET, target))?;
    expect::status(&response, &[200])?;
    expect::content_type(&response, OCI_INDEX)?;
    if artifact_type.is_some() {
        let applied = expect::header(&response, "oci-filters-applied")?;
        ensure!(
            applied.split(',').any(|f| f.trim() == "artifactType"),
            "{} answered OCI-Filters-Applied {applied}, expected artifactType",
            response.describe()
        );
    }
    let index: Value = serde_json::from_slice(&response.body).map_err(|e| {
        Stop::Fail(format!(
            "{} answered invalid JSON: {e}",
            response.describe()
        ))
    })?;
    ensure!(
        index.get("schemaVersion") == Some(&json!(2))
            && index.get("mediaType").and_then(Value::as_str) == Some(OCI_INDEX),
        "{} answered something other than an image index",
        response.describe()
    );
    index
        .get("manifests")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| {
            Stop::Fail(format!(
                "{} answered an index without manifests",
                response.describe()
            ))
        })
}

/// `listed` holds a descriptor of `manifest` with `artifact_type` and its annotations.
fn listed_with(listed: &[Value], manifest: &Manifest, artifact_type: &str) -> Verdict {
    let descriptor = listed
        .iter()
        .find(|d| d.get("digest").and_then(Value::as_str) == Some(manifest.digest.as_str()))
        .ok_or_else(|| Stop::Fail(format!("the index does not list {}", manifest.digest)))?;
    let pushed: Value = serde_json::from_slice(&manifest.bytes).unwrap_or_default();
    let expected = [
        ("mediaType", json!(manifest.media_type)),
        ("size", json!(manifest.bytes.len())),
        ("artifactType", json!(artifact_type)),
        (
            "annotations",
            pushed.get("annotations").cloned().unwrap_or_default(),
        ),
    ];
    for (field, value) in expected {
        let found = descriptor.get(field);
        ensure!(
            found == Some(&value),
            "the descriptor of {} has {field} {found:?}, expected {value}",
            manifest.digest
        );
    }
    Ok(())
}
