//! OS package matching on the real distro feeds (Debian DSA list, Ubuntu jammy OVAL,
//! Rocky 9 OVAL). The packages are written in the test (no real bullseye, jammy or
//! Rocky image is in the test data); the advisories and fixed versions are the feeds'.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use bulwark_types::{Distro, Ecosystem, Finding, FixState, Package, SourcePackage};
use bulwark_vulndb::db::{Builder, Database};
use bulwark_vulndb::import;
use bulwark_vulndb::matcher::{Matcher, release_key};

fn testdata() -> PathBuf {
    std::env::var_os("BULWARK_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/testdata"
            ))
        })
}

fn database() -> (tempfile::TempDir, Database) {
    let v = testdata().join("vulndata");
    let mut b = Builder::default();
    for (kind, path) in [
        ("debian-dsa", v.join("debian-security-tracker-2023/data")),
        (
            "ubuntu-oval",
            v.join("ubuntu-oval/com.ubuntu.jammy.usn.oval.2023-10-09.xml"),
        ),
        ("rhel-oval", v.join("rocky-oval/org.rockylinux.rlsa-9.xml")),
    ] {
        b.import(import::by_kind(kind).unwrap().as_ref(), &path)
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("os.db");
    b.write(&path, "test".into()).unwrap();
    let db = Database::open(&path).unwrap();
    (dir, db)
}

fn distro(id: &str, version: &str) -> Distro {
    Distro {
        id: id.into(),
        version_id: Some(version.into()),
        ..Distro::default()
    }
}

fn pkg(eco: Ecosystem, name: &str, version: &str, source: Option<(&str, Option<&str>)>) -> Package {
    let mut p = Package::new(eco, name, version);
    p.source = source.map(|(n, v)| SourcePackage {
        name: n.into(),
        version: v.map(str::to_string),
    });
    p
}

fn ids(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .flat_map(|f| std::iter::once(f.id.clone()).chain(f.aliases.iter().cloned()))
        .collect()
}

#[test]
fn debian_matches_by_source_package_and_release_fix() {
    let (_d, db) = database();
    let mut m = Matcher::new(&db);
    let bullseye = release_key(&distro("debian", "11")).unwrap();
    assert_eq!(bullseye, "debian:11");

    // Binary package libssl1.1 is built from openssl: matched by the source package.
    let old = pkg(
        Ecosystem::Deb,
        "libssl1.1",
        "1.1.1n-0+deb11u3",
        Some(("openssl", None)),
    );
    let found = m.match_package(&old, Some(&bullseye)).unwrap();
    let all = ids(&found);
    assert!(all.contains(&"DSA-5343-1".to_string()), "{all:?}");
    let f = found.iter().find(|f| f.id == "CVE-2023-0286").unwrap();
    assert_eq!(f.fixed_versions, ["1.1.1n-0+deb11u4"]);
    assert_eq!(f.fix_state, FixState::Fixed);
    assert_eq!(f.package.source.as_deref(), Some("openssl"));
    // One finding per CVE although the DSA names five: aliases are per flaw.
    assert_eq!(found.iter().filter(|f| f.id == "CVE-2023-0286").count(), 1);

    // At the fixed version (a backport: not the upstream fix) the DSA no longer applies.
    let fixed = pkg(
        Ecosystem::Deb,
        "libssl1.1",
        "1.1.1n-0+deb11u4",
        Some(("openssl", None)),
    );
    assert!(
        !ids(&m.match_package(&fixed, Some(&bullseye)).unwrap())
            .contains(&"DSA-5343-1".to_string())
    );

    // Epochs count: thunderbird 1:102.8 is older than 1:102.9.
    let tb = pkg(Ecosystem::Deb, "thunderbird", "1:102.8.0-1~deb11u1", None);
    assert!(
        ids(&m.match_package(&tb, Some(&bullseye)).unwrap()).contains(&"DSA-5375-1".to_string())
    );
    let tb = pkg(Ecosystem::Deb, "thunderbird", "1:102.9.0-1~deb11u1", None);
    assert!(
        !ids(&m.match_package(&tb, Some(&bullseye)).unwrap()).contains(&"DSA-5375-1".to_string())
    );

    // A binNMU rebuild matches on its source version.
    let binnmu = pkg(
        Ecosystem::Deb,
        "libssl1.1",
        "1.1.1n-0+deb11u3+b1",
        Some(("openssl", Some("1.1.1n-0+deb11u3"))),
    );
    assert!(
        ids(&m.match_package(&binnmu, Some(&bullseye)).unwrap())
            .contains(&"DSA-5343-1".to_string())
    );

    // Another release's fix data never applies.
    let buster = release_key(&distro("debian", "10")).unwrap();
    let found = m.match_package(&old, Some(&buster)).unwrap();
    assert!(!ids(&found).contains(&"DSA-5343-1".to_string()));
}

#[test]
fn ubuntu_matches_binary_package_names() {
    let (_d, db) = database();
    let mut m = Matcher::new(&db);
    let jammy = release_key(&distro("ubuntu", "22.04")).unwrap();
    let old = pkg(
        Ecosystem::Deb,
        "libssl3",
        "3.0.2-0ubuntu1.4",
        Some(("openssl", None)),
    );
    let found = m.match_package(&old, Some(&jammy)).unwrap();
    let f = found
        .iter()
        .find(|f| f.id == "CVE-2022-2068")
        .expect("USN-5488-1");
    assert!(f.aliases.contains(&"USN-5488-1".to_string()));
    assert!(f.fixed_versions.contains(&"3.0.2-0ubuntu1.5".to_string()));
    let new = pkg(
        Ecosystem::Deb,
        "libssl3",
        "3.0.2-0ubuntu1.5",
        Some(("openssl", None)),
    );
    assert!(
        !ids(&m.match_package(&new, Some(&jammy)).unwrap()).contains(&"USN-5488-1".to_string())
    );
}

#[test]
fn rocky_matches_rpm_versions_with_release() {
    let (_d, db) = database();
    let mut m = Matcher::new(&db);
    let rocky = release_key(&distro("rocky", "9.1")).unwrap();
    assert_eq!(rocky, "rocky:9");
    let old = pkg(
        Ecosystem::Rpm,
        "sudo",
        "1.9.5p2-7.el9",
        Some(("sudo", None)),
    );
    let found = m.match_package(&old, Some(&rocky)).unwrap();
    let f = found
        .iter()
        .find(|f| f.id == "CVE-2023-22809")
        .expect("RLSA-2023:0282");
    assert!(f.aliases.contains(&"RLSA-2023:0282".to_string()));
    assert!(f.fixed_versions.contains(&"1.9.5p2-7.el9_1.1".to_string()));
    let new = pkg(
        Ecosystem::Rpm,
        "sudo",
        "1.9.5p2-7.el9_1.1",
        Some(("sudo", None)),
    );
    assert!(
        !ids(&m.match_package(&new, Some(&rocky)).unwrap()).contains(&"RLSA-2023:0282".to_string())
    );
    // Without a known distro, OS packages cannot be matched (and are not guessed).
    assert!(m.match_package(&old, None).unwrap().is_empty());
}

#[test]
fn cached_results_keep_each_package_s_own_location() {
    let (_d, db) = database();
    let mut m = Matcher::new(&db);
    let bullseye = release_key(&distro("debian", "11")).unwrap();
    let mut a = pkg(
        Ecosystem::Deb,
        "libssl1.1",
        "1.1.1n-0+deb11u3",
        Some(("openssl", None)),
    );
    a.purl = "pkg:deb/debian/libssl1.1@a".into();
    a.locations.push(bulwark_types::Location {
        path: "/first/status".into(),
        layer: None,
    });
    let mut b = a.clone();
    b.purl = "pkg:deb/debian/libssl1.1@b".into();
    b.locations[0].path = "/second/status".into();
    let first = m.match_package(&a, Some(&bullseye)).unwrap();
    let second = m.match_package(&b, Some(&bullseye)).unwrap();
    assert_eq!(first.len(), second.len());
    assert!(!first.is_empty());
    for (x, y) in first.iter().zip(&second) {
        assert_eq!(x.id, y.id);
        assert_eq!(x.package.path.as_deref(), Some("/first/status"));
        assert_eq!(y.package.path.as_deref(), Some("/second/status"));
        assert_eq!(y.package.purl, "pkg:deb/debian/libssl1.1@b");
        assert_eq!(y.package.source.as_deref(), Some("openssl"));
    }
}
