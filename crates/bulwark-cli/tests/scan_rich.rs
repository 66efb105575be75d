//! `bulwark scan` of the real debian-rich image against the real language feeds: its
//! pinned old versions must produce their published advisories, and packages at fixed
//! versions must produce none.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;

fn language_db(dir: &std::path::Path) -> std::path::PathBuf {
    let v = testdata().join("vulndata");
    let sources = [
        format!("osv:{}", v.join("pypa-advisory-database/vulns").display()),
        format!("osv:{}", v.join("ghsa-subset").display()),
        format!("osv:{}", v.join("golang-vulndb/data/osv").display()),
        format!("rustsec:{}", v.join("rustsec-advisory-db/crates").display()),
        format!("rubysec:{}", v.join("ruby-advisory-db/gems").display()),
        format!(
            "friendsofphp:{}",
            v.join("php-security-advisories").display()
        ),
        format!(
            "nodejs-wg:{}",
            v.join("nodejs-security-wg/vuln/npm").display()
        ),
    ];
    let db = build_db(dir, "lang.db", &sources);
    let status = bulwark(&["db", "status", "--db", db.to_str().unwrap(), "--json"]);
    assert!(status.status.success());
    let meta: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(meta["sources"].as_array().unwrap().len(), 7);
    db
}

/// Every id (primary and aliases) reported per package name.
fn ids_by_package(report: &serde_json::Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        let set = by
            .entry(f["package"]["name"].as_str().unwrap().to_string())
            .or_default();
        set.insert(f["id"].as_str().unwrap().to_string());
        for a in f["aliases"].as_array().into_iter().flatten() {
            set.insert(a.as_str().unwrap().to_string());
        }
    }
    by
}

#[test]
fn pinned_old_versions_produce_their_known_advisories() {
    let tmp = tempfile::tempdir().unwrap();
    let db = language_db(tmp.path());
    let image = format!("oci:{}:1", images().join("debian-rich.oci").display());
    let report = scan_json(&image, &db, &[]);
    let by = ids_by_package(&report);
    // Published advisories for the versions the image pins (ids from the advisories
    // themselves: PyPA, GHSA, nodejs-wg).
    let known = [
        ("Django", "CVE-2021-31542"),   // path traversal, fixed 3.2.1
        ("Django", "CVE-2021-33203"),   // admindocs traversal, fixed 3.2.4
        ("urllib3", "CVE-2021-33503"),  // ReDoS, fixed 1.26.5
        ("requests", "CVE-2023-32681"), // Proxy-Authorization leak, fixed 2.31.0
        ("Jinja2", "CVE-2020-28493"),   // ReDoS in urlize, fixed 2.11.3
        ("lodash", "CVE-2020-8203"),    // prototype pollution, fixed 4.17.19
        ("lodash", "CVE-2021-23337"),   // command injection, fixed 4.17.21
        ("minimist", "CVE-2020-7598"),  // prototype pollution, fixed 1.2.2
        ("jquery", "CVE-2020-11022"),   // XSS, fixed 3.5.0
        ("sqlparse", "CVE-2021-32839"), // ReDoS, fixed 0.4.2
        ("stdlib", "CVE-2021-3114"),    // Go 1.15.2 crypto/elliptic, fixed 1.15.7
    ];
    for (pkg, id) in known {
        let ids = by
            .get(pkg)
            .unwrap_or_else(|| panic!("no findings for {pkg}"));
        assert!(ids.contains(id), "{pkg} should have {id}: {ids:?}");
    }
    // PyYAML 6.0 and MarkupSafe 2.1.2 are past every fix in the feeds.
    assert!(!by.contains_key("PyYAML"), "{:?}", by.get("PyYAML"));
    assert!(!by.contains_key("MarkupSafe"), "{:?}", by.get("MarkupSafe"));
    // Aliases of one flaw are one finding (the GHSA and PYSEC records of a Django CVE).
    let django: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["package"]["name"] == "Django" && f["id"] == "CVE-2021-31542")
        .collect();
    assert_eq!(django.len(), 1);
    assert!(!django[0]["sources"].as_array().unwrap().is_empty());
    assert!(
        django[0]["fixed_versions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "3.2.1")
    );

    // --severity filters; the table groups by package and layer.
    let table = bulwark(&[
        "scan",
        &image,
        "--db",
        db.to_str().unwrap(),
        "-q",
        "--severity",
        "critical",
    ]);
    assert!(table.status.success());
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.lines()
            .filter(|l| l.starts_with("  "))
            .all(|l| l.trim_start().starts_with("CRITICAL")),
        "{text}"
    );
    assert!(text.contains("(pypi) layer 2"), "{text}");
}
