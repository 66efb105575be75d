//! `bulwark scan` of the real alpine:3.10 image against the real 2024 Alpine secdb. The
//! expected findings are computed here, independently of the matcher, straight from the
//! secdb file: a package is affected by a CVE when its installed version is below a
//! version the v3.10 secdb lists as fixing it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::BTreeSet;

use bulwark_version::VersionScheme;
use common::*;

#[test]
fn alpine_310_findings_equal_the_secdb_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    let db = alpine_db(tmp.path());
    let feed = testdata().join("vulndata/alpine-secdb-json-2024");
    let image = alpine_image();
    let sbom = sbom_json(&image);
    let report = scan_json(&image, &db, &[]);
    let got: BTreeSet<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["package"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();

    // Independent expectation from the secdb JSON.
    let apk = bulwark_version::Apk;
    let mut expected = BTreeSet::new();
    for repo in ["main", "community"] {
        let path = feed.join(format!("alpine/v3.10/{repo}.json"));
        let secdb: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for entry in secdb["packages"].as_array().unwrap() {
            let origin = entry["pkg"]["name"].as_str().unwrap();
            let Some(fixes) = entry["pkg"]["secfixes"].as_object() else {
                continue;
            };
            for p in sbom["packages"].as_array().unwrap() {
                let src = p["source"]["name"]
                    .as_str()
                    .unwrap_or(p["name"].as_str().unwrap());
                if src != origin && p["name"] != origin {
                    continue;
                }
                let installed = p["version"].as_str().unwrap();
                for (fixed, ids) in fixes {
                    if fixed == "0" || apk.compare(installed, fixed) != std::cmp::Ordering::Less {
                        continue;
                    }
                    for line in ids.as_array().unwrap() {
                        for id in line
                            .as_str()
                            .unwrap()
                            .split_whitespace()
                            .filter(|i| i.starts_with("CVE-"))
                        {
                            expected
                                .insert((id.to_string(), p["name"].as_str().unwrap().to_string()));
                        }
                    }
                }
            }
        }
    }
    assert!(
        expected.len() >= 15,
        "the old image must have known fixes: {expected:?}"
    );
    assert_eq!(got, expected);
    assert!(got.contains(&("CVE-2020-1967".to_string(), "libssl1.1".to_string())));
    // Every finding names its fixed version and the layer it is in.
    for f in report["findings"].as_array().unwrap() {
        assert_eq!(f["fix_state"], "fixed", "{f}");
        assert!(
            f["package"]["layer"]["diff_id"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
    }

    // --fail-on: exit 1 when met, 0 when not; --ignore-unfixed keeps fixed ones.
    let fail = bulwark(&[
        "scan",
        &image,
        "--db",
        db.to_str().unwrap(),
        "--fail-on",
        "unknown",
        "-q",
    ]);
    assert_eq!(fail.status.code(), Some(1));
    let pass = bulwark(&[
        "scan",
        &image,
        "--db",
        db.to_str().unwrap(),
        "--fail-on",
        "critical",
        "-q",
    ]);
    assert_eq!(
        pass.status.code(),
        Some(0),
        "no critical ratings without NVD data"
    );
    let missing = bulwark(&["scan", &image, "--db", "/nonexistent.db", "-q"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("hint: build one"));
}
