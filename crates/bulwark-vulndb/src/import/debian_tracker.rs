//! Debian security tracker JSON (source package -> CVE -> release status).
//!
//! The tracker's `json` export maps each *source* package to the issues that touch it, and
//! each issue to its state per release:
//!
//! ```json
//! { "openssl": { "CVE-2023-0286": { "description": "...", "debianbug": 1031446,
//!     "releases": { "bookworm": { "status": "resolved", "fixed_version": "3.0.8-1",
//!                                 "urgency": "high", "repositories": {...} } } } } }
//! ```
//!
//! The export is large (tens of MB), so it is read one package at a time. Each issue
//! (CVE or Debian `TEMP-` id) becomes one advisory, merged across the source packages
//! that name it, with an affected entry per package and release (`debian:12`; `sid` is
//! `debian:unstable`). Statuses:
//! - `resolved` with `fixed_version` `0`: the release never had the flaw; no entry.
//! - `resolved` with a version: `[Introduced("0"), Fixed(version)]`.
//! - `open`: `[Introduced("0")]`, affected with no fix (including `no-dsa` and releases
//!   whose urgency is `end-of-life`).
//! - `undetermined`, unknown statuses and unknown codenames: no entry.
//!
//! The urgency becomes the entry's severity (`unimportant` -> negligible, `high**` ->
//! high; `not yet assigned` -> unknown; `end-of-life` -> none). The tracker has no overall
//! rating, so `Advisory::severity` stays empty. An issue left with no affected entry
//! (every release unaffected or undetermined) yields no advisory.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use bulwark_types::{Advisory, Affected, Ecosystem, Event, Severity};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::distro::{debian_distro, feed_files, has_suffix, skip};
use super::{ImportError, ImportReport, Importer};

/// Debian security tracker JSON (source package -> CVE -> release status).
#[derive(Debug, Default, Clone, Copy)]
pub struct DebianTracker;

impl Importer for DebianTracker {
    fn kind(&self) -> &'static str {
        "debian-tracker"
    }

    fn import(
        &self,
        path: &Path,
        sink: &mut dyn FnMut(Advisory),
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        for file in feed_files(path, &|p| has_suffix(p, &[".json"]), report)? {
            report.files += 1;
            match read_tracker(&file) {
                Ok(issues) => {
                    for advisory in issues.into_advisories() {
                        report.advisories += 1;
                        sink(advisory);
                    }
                }
                Err(reason) => skip(report, &file, reason),
            }
        }
        Ok(())
    }
}

/// Issues read from one tracker file.
#[derive(Default)]
struct Issues {
    by_id: BTreeMap<String, Issue>,
    /// Issue records seen, whether or not they had a `releases` map.
    records: usize,
    with_releases: usize,
}

#[derive(Default)]
struct Issue {
    description: Option<String>,
    bugs: Vec<u64>,
    affected: Vec<Affected>,
}

fn read_tracker(file: &Path) -> Result<Issues, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read: {e}"))?;
    let mut issues = Issues::default();
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    de.deserialize_map(PackagesVisitor(&mut issues))
        .and_then(|()| de.end())
        .map_err(|e| format!("invalid tracker JSON: {e}"))?;
    if issues.records > 0 && issues.with_releases == 0 {
        return Err("not a Debian tracker file: no issue has a `releases` map".to_owned());
    }
    Ok(issues)
}

/// Walks the top-level object one source package at a time.
struct PackagesVisitor<'a>(&'a mut Issues);

impl<'de> Visitor<'de> for PackagesVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of source packages")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(package) = map.next_key::<String>()? {
            let issues: Value = map.next_value()?;
            if let Value::Object(issues) = issues {
                for (id, issue) in &issues {
                    self.0.add(&package, id, issue);
                }
            }
        }
        Ok(())
    }
}

impl Issues {
    fn add(&mut self, package: &str, id: &str, record: &Value) {
        self.records += 1;
        let Some(releases) = record.get("releases") else {
            return;
        };
        self.with_releases += 1;
        let issue = self.by_id.entry(id.to_owned()).or_default();
        if issue.description.is_none() {
            issue.description = record
                .get("description")
                .and_then(Value::as_str)
                .filter(|d| !d.trim().is_empty())
                .map(str::to_owned);
        }
        if let Some(bug) = record.get("debianbug").and_then(Value::as_u64)
            && !issue.bugs.contains(&bug)
        {
            issue.bugs.push(bug);
        }
        // `releases` is an object; the tracker writes `[]` when it has none.
        let Some(releases) = releases.as_object() else {
            return;
        };
        for (codename, state) in releases {
            let Some(distro) = debian_distro(codename) else {
                tracing::debug!(codename, id, "unknown Debian codename");
                continue;
            };
            let Some(range) = range_of(state) else {
                continue;
            };
            issue.affected.push(Affected {
                ecosystem: Some(Ecosystem::Deb),
                distro: Some(distro),
                package: package.to_owned(),
                ranges: vec![range],
                severity: state
                    .get("urgency")
                    .and_then(Value::as_str)
                    .and_then(urgency),
                ..Affected::default()
            });
        }
    }

    fn into_advisories(self) -> impl Iterator<Item = Advisory> {
        self.by_id
            .into_iter()
            .filter(|(_, issue)| !issue.affected.is_empty())
            .map(|(id, issue)| {
                let mut references =
                    vec![format!("https://security-tracker.debian.org/tracker/{id}")];
                references.extend(
                    issue
                        .bugs
                        .iter()
                        .map(|b| format!("https://bugs.debian.org/{b}")),
                );
                Advisory {
                    id,
                    source: "debian-tracker".to_owned(),
                    details: issue.description,
                    references,
                    affected: issue.affected,
                    ..Advisory::default()
                }
            })
    }
}

/// The affected range for one release's state, or `None` when it is not affected or
/// not known to be.
fn range_of(state: &Value) -> Option<Vec<Event>> {
    let introduced = Event::Introduced("0".to_owned());
    match state.get("status").and_then(Value::as_str)? {
        "resolved" => {
            let fixed = state.get("fixed_version").and_then(Value::as_str)?.trim();
            if fixed.is_empty() || fixed == "0" {
                return None;
            }
            Some(vec![introduced, Event::Fixed(fixed.to_owned())])
        }
        "open" => Some(vec![introduced]),
        _ => None,
    }
}

/// Tracker urgency -> severity; `**` marks an urgency taken from NVD and is dropped.
fn urgency(word: &str) -> Option<Severity> {
    Severity::from_word(word.trim_end_matches('*'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{import, vulndata};

    const VUNNEL: &str = "vunnel-fixtures/tests/unit/providers/debian/test-fixtures";
    const OSV_DEV: &str = "osv.dev-testdata/vulnfeeds/test_data";

    fn entry<'a>(a: &'a [Advisory], id: &str, distro: &str, package: &str) -> Option<&'a Affected> {
        a.iter()
            .find(|x| x.id == id)?
            .affected
            .iter()
            .find(|x| x.distro.as_deref() == Some(distro) && x.package == package)
    }

    fn fixed(a: &Affected) -> Option<&str> {
        a.ranges[0].iter().find_map(|e| match e {
            Event::Fixed(v) => Some(v.as_str()),
            _ => None,
        })
    }

    /// vunnel's fixture folder holds the tracker JSON, a legacy vunnel array (not ours)
    /// and a DSA list (not JSON). Counts by a Python reading of `debian.json`: 5 issues
    /// with 21 affected (package, release) pairs; CVE-2007-2383 is fixed in `0`
    /// everywhere and CVE-2022-0358 has `"releases": []`.
    #[test]
    fn vunnel_fixture_folder() {
        let (advisories, report) = import(&DebianTracker, &vulndata(&format!("{VUNNEL}/input")));
        assert_eq!((report.files, report.skipped.len()), (2, 1));
        let skipped = &report.skipped[0];
        assert!(skipped.file.ends_with("vulnerabilities-debian:7-0.json"));
        assert!(skipped.reason.contains("invalid tracker JSON"));
        let pairs: usize = advisories.iter().map(|a| a.affected.len()).sum();
        assert_eq!((advisories.len(), pairs), (5, 21));
        let ids: Vec<_> = advisories.iter().map(|a| a.id.as_str()).collect();
        assert!(!ids.contains(&"CVE-2007-2383") && !ids.contains(&"CVE-2022-0358"));

        let chromium = advisories.iter().find(|a| a.id == "CVE-2022-0456").unwrap();
        assert_eq!(chromium.source, "debian-tracker");
        assert_eq!(chromium.details, None);
        let buster = entry(&advisories, "CVE-2022-0456", "debian:10", "chromium").unwrap();
        assert_eq!(buster.ranges, vec![vec![Event::Introduced("0".into())]]);
        assert_eq!(buster.severity, None, "end-of-life is no rating");
        let bullseye = entry(&advisories, "CVE-2022-0456", "debian:11", "chromium").unwrap();
        assert_eq!(fixed(bullseye), Some("98.0.4758.80-1~deb11u1"));
        assert_eq!(bullseye.severity, Some(Severity::Unknown));
        assert_eq!(bullseye.ecosystem, Some(Ecosystem::Deb));

        let proto = advisories.iter().find(|a| a.id == "CVE-2008-7220").unwrap();
        assert_eq!(
            proto.references,
            [
                "https://security-tracker.debian.org/tracker/CVE-2008-7220",
                "https://bugs.debian.org/555217"
            ]
        );
        assert!(
            proto
                .details
                .as_ref()
                .unwrap()
                .starts_with("Unspecified vulnerability")
        );
        let sid = entry(
            &advisories,
            "CVE-2008-7220",
            "debian:unstable",
            "prototypejs",
        );
        let sid = sid.unwrap();
        assert_eq!(sid.severity, Some(Severity::High), "`high**` is high");
    }

    /// vunnel's expected output for the same input, release by release (its legacy
    /// debian:7 records excepted): a fixed version `0` is "not affected" here, so those
    /// records must have no entry; `None` is an open issue.
    #[test]
    fn agrees_with_vunnel_snapshots() {
        let (advisories, _) = import(
            &DebianTracker,
            &vulndata(&format!("{VUNNEL}/input/debian.json")),
        );
        let snapshots = vulndata(&format!("{VUNNEL}/snapshots"));
        let mut checked = 0;
        for dir in std::fs::read_dir(snapshots).unwrap() {
            let dir = dir.unwrap().path();
            if dir.ends_with("debian:7") {
                continue;
            }
            for file in std::fs::read_dir(&dir).unwrap() {
                let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
                let record: Value = serde_json::from_str(&text).unwrap();
                let vuln = &record["item"]["Vulnerability"];
                for fix in vuln["FixedIn"].as_array().unwrap() {
                    let (name, ns) = (
                        fix["Name"].as_str().unwrap(),
                        fix["NamespaceName"].as_str().unwrap(),
                    );
                    let id = vuln["Name"].as_str().unwrap();
                    let ours = entry(&advisories, id, ns, name);
                    match fix["Version"].as_str().unwrap() {
                        "0" => assert!(ours.is_none(), "{id} {ns}"),
                        "None" => assert_eq!(ours.map(fixed), Some(None), "{id} {ns}"),
                        v if name == "389_directory_server" => assert!(ours.is_none(), "{v}"),
                        v => assert_eq!(ours.and_then(fixed), Some(v), "{id} {ns}"),
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 26);
    }

    /// osv.dev's mock tracker file and osv.dev's own conversion of CVE-2016-1585.
    #[test]
    fn agrees_with_osv_dev_conversion() {
        let path = vulndata(&format!(
            "{OSV_DEV}/debian/debian_security_tracker_mock.json"
        ));
        let (advisories, report) = import(&DebianTracker, &path);
        assert!(report.skipped.is_empty());
        // CVE-2014-1424 is fixed in `0` everywhere; the other two affect 5 releases each.
        assert_eq!(
            advisories.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
            ["CVE-2016-1585", "CVE-2017-6507"]
        );
        let text = std::fs::read_to_string(vulndata(&format!(
            "{OSV_DEV}/parts/debian/CVE-2016-1585.debian.json"
        )))
        .unwrap();
        let parts: Vec<Value> = serde_json::from_str(&text).unwrap();
        for part in &parts {
            let distro = part["ecosystem"]
                .as_str()
                .unwrap()
                .replace("Debian:", "debian:");
            let ours = entry(&advisories, "CVE-2016-1585", &distro, "apparmor").unwrap();
            let events = part["fixed_version"]["affected_versions"]
                .as_array()
                .unwrap();
            assert_eq!(
                fixed(ours),
                events.iter().find_map(|e| e["fixed"].as_str()),
                "{distro}"
            );
            assert_eq!(ours.severity, Some(Severity::Negligible));
        }
        let sid = entry(&advisories, "CVE-2016-1585", "debian:unstable", "apparmor").unwrap();
        assert_eq!(fixed(sid), Some("3.0.12-1"));
    }

    #[test]
    fn broken_files_are_skipped_and_the_rest_imported() {
        let dir = tempfile::tempdir().unwrap();
        let real = std::fs::read(vulndata(&format!("{VUNNEL}/input/debian.json"))).unwrap();
        let write =
            |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
        write("a-truncated.json", &real[..real.len() / 3]);
        write("b-garbage.json", b"\x00\xffnot json");
        write("c-other.json", br#"{"pkg": {"CVE-1": {"x": 1}}}"#);
        write("d-real.json", &real);
        let (advisories, report) = import(&DebianTracker, dir.path());
        assert_eq!(report.files, 4);
        let names: Vec<_> = report
            .skipped
            .iter()
            .map(|s| s.file.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(
            names,
            ["a-truncated.json", "b-garbage.json", "c-other.json"]
        );
        let reasons: Vec<_> = report.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert!(reasons[0].contains("EOF"), "{}", reasons[0]);
        assert!(reasons[2].contains("no issue has a `releases` map"));
        assert_eq!(advisories.len(), 5);
    }
}
