#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The suite against a real peer: the CNCF distribution registry 2.8 (`docker-registry`,
//! Debian package), anonymous and with htpasswd basic auth, with deletion on and off.
//!
//! docker-registry 2.8 predates distribution-spec 1.1 and deviates from it in known ways.
//! Each deviation is listed below with its reason, and the tests assert that exactly those
//! checks fail: the suite passes a conforming registry's behaviour and is shown to catch the
//! rest.
//!
//! `docker-registry` is required: `apt-get install -y docker-registry`.

use std::collections::BTreeSet;

use bulwark_conformance::{Auth, Features, Outcome, Report, Target};
use bulwark_testkit::{DockerRegistry, Options};

/// Checks docker-registry 2.8 fails, and why.
const KNOWN_DEVIATIONS: &[(&str, &str)] = &[
    (
        "blob_chunk_out_of_order",
        "PATCH ignores Content-Range and appends at the upload's offset: 202, not 416",
    ),
    (
        "tags_list",
        "tags come in storage (directory) order, not lexical order",
    ),
    ("tags_list_n", "`n` is ignored: every tag is returned"),
    ("tags_list_n_last", "`n` and `last` are ignored"),
    ("tags_list_last", "`last` is ignored"),
    ("tags_list_n_zero", "n=0 returns every tag instead of none"),
    ("tags_list_paginate", "pages are not limited to `n` tags"),
    (
        "delete_tag",
        "tag deletion is refused with 400 DIGEST_INVALID (the tag is parsed as a digest), \
         not UNSUPPORTED",
    ),
];

/// The referrers API (distribution-spec 1.1) does not exist in 2.8: `/referrers/` is 404.
const REFERRERS_CHECKS: &[&str] = &[
    "referrers_subject_header",
    "referrers_list",
    "referrers_artifact_type_from_config",
    "referrers_filter",
    "referrers_unknown_digest",
    "referrers_invalid_digest",
];

/// What docker-registry 2.8 offers with `storage.delete.enabled`: manifest and blob
/// deletion, SHA-512 blobs; no tag deletion, no referrers, no mount without `from`.
fn features(delete_enabled: bool) -> Features {
    Features {
        delete_manifests: delete_enabled,
        delete_blobs: delete_enabled,
        delete_tags: false,
        referrers: false,
        sha512: true,
        mount_without_from: false,
    }
}

fn target(registry: &DockerRegistry, auth: Auth, features: Features) -> Target {
    Target {
        base_url: registry.base_url(),
        repo: "conformance/app".to_owned(),
        mount_source_repo: "conformance/base".to_owned(),
        auth,
        features,
    }
}

fn failed(report: &Report) -> BTreeSet<&'static str> {
    report.failures().iter().map(|check| check.name).collect()
}

fn known(extra: &[&'static str]) -> BTreeSet<&'static str> {
    KNOWN_DEVIATIONS
        .iter()
        .map(|(name, _)| *name)
        .chain(extra.iter().copied())
        .collect()
}

fn assert_fails_exactly(report: &Report, expected: &BTreeSet<&'static str>) {
    assert_eq!(&failed(report), expected, "unexpected outcome:\n{report}");
}

#[test]
fn docker_registry_passes_all_but_its_known_deviations() {
    let storage = tempfile::tempdir().unwrap();
    let options = Options {
        delete_enabled: true,
        ..Options::default()
    };
    let registry = DockerRegistry::start(storage.path(), options);
    let report = bulwark_conformance::run(&target(&registry, Auth::Anonymous, features(true)));
    println!("{report}");
    assert_fails_exactly(&report, &known(&[]));

    let (passed, failed_count, skipped) = report.counts();
    let skipped_names: BTreeSet<_> = report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Skip(_)))
        .map(|c| c.name)
        .collect();
    let mut expected_skips: BTreeSet<_> = REFERRERS_CHECKS.iter().copied().collect();
    expected_skips.insert("blob_mount_without_from");
    assert_eq!(skipped_names, expected_skips, "{report}");
    assert_eq!(skipped, expected_skips.len());
    assert_eq!(passed + failed_count + skipped, report.checks.len());
}

#[test]
fn claiming_referrers_on_docker_registry_fails_the_referrers_checks() {
    let storage = tempfile::tempdir().unwrap();
    let registry = DockerRegistry::start(storage.path(), Options::default());
    let features = Features {
        referrers: true,
        ..features(false)
    };
    let report = bulwark_conformance::run(&target(&registry, Auth::Anonymous, features));
    let mut expected = known(REFERRERS_CHECKS);
    // With deletion off, the tag delete is refused properly (405 UNSUPPORTED).
    expected.remove("delete_tag");
    assert_fails_exactly(&report, &expected);
}

#[test]
fn docker_registry_without_delete_refuses_deletes_with_unsupported() {
    let storage = tempfile::tempdir().unwrap();
    let registry = DockerRegistry::start(storage.path(), Options::default());
    let report = bulwark_conformance::run(&target(&registry, Auth::Anonymous, features(false)));
    // With deletion off, even tag deletes are refused with 405 UNSUPPORTED.
    let mut expected = known(&[]);
    expected.remove("delete_tag");
    assert_fails_exactly(&report, &expected);
    for name in ["delete_manifest", "delete_tag", "delete_blob"] {
        let check = report.get(name).unwrap();
        assert_eq!(check.outcome, Outcome::Pass, "{check}");
        assert!(check.requirement.contains("refused"), "{check}");
    }
    for name in ["delete_manifest_unknown_repo", "delete_blob_unknown"] {
        let check = report.get(name).unwrap();
        assert!(matches!(check.outcome, Outcome::Skip(_)), "{check}");
    }

    // Claiming deletion the registry does not offer is caught.
    let claimed = Features {
        delete_manifests: true,
        delete_blobs: true,
        ..features(false)
    };
    let report = bulwark_conformance::run(&target(&registry, Auth::Anonymous, claimed));
    let mut expected = known(&["delete_manifest", "delete_manifest_unknown_repo"]);
    expected.extend(["delete_blob", "delete_blob_unknown"]);
    expected.remove("delete_tag");
    assert_fails_exactly(&report, &expected);
}

#[test]
fn docker_registry_with_basic_auth() {
    let storage = tempfile::tempdir().unwrap();
    // bcrypt of "conformance-pass", made for this test with Python's crypt module.
    let htpasswd = "conformance:$2b$05$CFiAEe8vG/tzEJOqvZNPwuQkjwumJ6rT7L/WIofzd7EmeDhKYKJGe";
    let options = Options {
        htpasswd: Some(htpasswd.to_owned()),
        delete_enabled: true,
    };
    let registry = DockerRegistry::start(storage.path(), options);
    let auth = Auth::Basic {
        username: "conformance".to_owned(),
        password: "conformance-pass".to_owned(),
    };
    let report = bulwark_conformance::run(&target(&registry, auth, features(true)));
    assert_fails_exactly(&report, &known(&[]));

    let wrong = Auth::Basic {
        username: "conformance".to_owned(),
        password: "wrong".to_owned(),
    };
    let report = bulwark_conformance::run(&target(&registry, wrong, features(true)));
    let api_version = report.get("api_version").unwrap();
    assert!(
        matches!(&api_version.outcome, Outcome::Fail(reason) if reason.contains("401")),
        "{api_version}"
    );
}
