//! Database round trips. The advisories here are written in the test (small and exact);
//! the importers' tests and the CLI's end-to-end tests use the real feeds.

use bulwark_types::{Advisory, Affected, Ecosystem, Event};

use super::{Builder, Database, DbError};

fn adv(id: &str, eco: Ecosystem, distro: Option<&str>, pkg: &str, fixed: &str) -> Advisory {
    Advisory {
        id: id.into(),
        source: "osv".into(),
        aliases: vec![format!("ALIAS-{id}")],
        summary: Some(format!("summary of {id}")),
        affected: vec![Affected {
            ecosystem: Some(eco),
            distro: distro.map(str::to_string),
            package: pkg.into(),
            ranges: vec![vec![
                Event::Introduced("0".into()),
                Event::Fixed(fixed.into()),
            ]],
            ..Affected::default()
        }],
        ..Advisory::default()
    }
}

fn build(advs: Vec<Advisory>) -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    let mut b = Builder::default();
    for a in advs {
        b.add(a);
    }
    b.write(&path, "2026-01-01T00:00:00Z".into()).unwrap();
    let db = Database::open(&path).unwrap();
    (dir, db)
}

#[test]
fn lookups_find_exactly_what_was_stored() {
    let (_d, db) = build(vec![
        adv("GHSA-1", Ecosystem::Pypi, None, "Django", "3.2.1"),
        adv("GHSA-2", Ecosystem::Pypi, None, "django", "3.2.5"),
        adv(
            "CVE-1",
            Ecosystem::Deb,
            Some("debian:12"),
            "openssl",
            "3.0.11-1~deb12u1",
        ),
    ]);
    db.verify().unwrap();
    // PyPI names are normalized on both sides.
    let hits = db.affected(Ecosystem::Pypi, "", "DJANGO").unwrap();
    assert_eq!(hits.len(), 2);
    assert!(
        db.affected(Ecosystem::Pypi, "", "flask")
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        db.affected(Ecosystem::Deb, "debian:12", "openssl").unwrap()[0].id,
        "CVE-1"
    );
    assert!(
        db.affected(Ecosystem::Deb, "debian:11", "openssl")
            .unwrap()
            .is_empty()
    );
    let rec = db.advisory("osv", "GHSA-1").unwrap().unwrap();
    assert_eq!(rec.aliases, vec!["ALIAS-GHSA-1"]);
    assert!(
        rec.affected.is_empty(),
        "affected entries live under package keys"
    );
    assert_eq!(db.meta().advisories, 3);
}

#[test]
fn corrupt_files_are_refused_with_a_reason() {
    let (dir, db) = build(vec![adv(
        "GHSA-1",
        Ecosystem::Npm,
        None,
        "lodash",
        "4.17.21",
    )]);
    let path = dir.path().join("v.db");
    let good = std::fs::read(&path).unwrap();
    drop(db);

    let mut flipped = good.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 0x55;
    std::fs::write(&path, &flipped).unwrap();
    let db = Database::open(&path).unwrap();
    assert!(matches!(db.verify(), Err(DbError::Corrupt { .. })));

    for cut in [0, 7, 12, 20, good.len() / 2] {
        std::fs::write(&path, &good[..cut]).unwrap();
        match Database::open(&path) {
            Err(DbError::Format { reason, .. }) => assert!(!reason.is_empty()),
            Ok(db) => assert!(db.verify().is_err(), "cut at {cut}"),
            Err(e) => panic!("cut at {cut}: {e}"),
        }
    }
    std::fs::write(&path, b"PK\x03\x04 not a database").unwrap();
    assert!(matches!(Database::open(&path), Err(DbError::Format { .. })));
}

#[test]
fn withdrawn_advisories_match_nothing() {
    let mut gone = adv(
        "RUSTSEC-2023-0002",
        Ecosystem::Cargo,
        None,
        "git2",
        "0.16.0",
    );
    gone.withdrawn = Some("2023-01-13".into());
    let (_d, db) = build(vec![
        gone,
        adv("RUSTSEC-1", Ecosystem::Cargo, None, "git2", "0.9.0"),
    ]);
    let hits = db.affected(Ecosystem::Cargo, "", "git2").unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, "RUSTSEC-1");
    // The record itself is kept.
    assert!(
        db.advisory("osv", "RUSTSEC-2023-0002")
            .unwrap()
            .unwrap()
            .withdrawn
            .is_some()
    );
}
