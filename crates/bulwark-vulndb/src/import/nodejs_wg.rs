//! The Node.js security working group's npm advisories: `vuln/npm/<n>.json`, one advisory
//! per file. `vuln/core` (Node.js itself, not an npm package), `vuln/deps` and the
//! `index.json` that repeats every advisory are not read.
//!
//! - id: `NSWG-ECO-<id>`, as the working group cites them; the CVEs are aliases.
//! - `vulnerable_versions` is an npm range (`>=1.0.0 <1.2.3 || >=2.0.0 <2.0.1`): each
//!   `||` alternative is one interval, turned into one range as
//!   [`requirements`](super::requirements) describes, with node-semver's meaning of
//!   partial versions, `^`, `~`, x-ranges and hyphen ranges (`1.2.3 - 2.3`). A bare
//!   version is that version alone. When `vulnerable_versions` is missing, the affected
//!   versions are those outside `patched_versions`.
//! - published: `publish_date` (the disclosure), else `created_at`; modified:
//!   `updated_at`. details: the overview, then the recommendation.
//! - CVSS: the vector with the feed's score (computed when the feed has none); the
//!   feed's `-1` placeholder without a vector is dropped.

use std::path::Path;

use bulwark_types::{Advisory, Affected, Ecosystem};
use serde::Deserialize;

use super::distro::{feed_files, has_suffix, skip};
use super::requirements::{
    Interval, Op, Partial, Semver, complement, semver_interval, semver_requirement, to_events,
};
use super::{ImportError, ImportReport, Importer};

/// nodejs security-wg npm advisories JSON.
#[derive(Debug, Default, Clone, Copy)]
pub struct NodejsWg;

#[derive(Deserialize)]
struct File {
    id: u64,
    title: Option<String>,
    module_name: String,
    created_at: Option<String>,
    updated_at: Option<String>,
    publish_date: Option<String>,
    cves: Option<Vec<String>>,
    vulnerable_versions: Option<String>,
    patched_versions: Option<String>,
    overview: Option<String>,
    recommendation: Option<String>,
    references: Option<Vec<String>>,
    cvss_vector: Option<String>,
    cvss_score: Option<f32>,
}

impl Importer for NodejsWg {
    fn kind(&self) -> &'static str {
        "nodejs-wg"
    }

    fn import(
        &self,
        path: &Path,
        sink: &mut dyn FnMut(Advisory),
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        let root = [path.join("vuln/npm"), path.join("npm")]
            .into_iter()
            .find(|p| p.is_dir())
            .unwrap_or_else(|| path.to_path_buf());
        let wanted = |p: &Path| {
            has_suffix(p, &[".json"]) && p.file_name().is_some_and(|n| n != "index.json")
        };
        for file in feed_files(&root, &wanted, report)? {
            report.files += 1;
            let parsed = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read: {e}"))
                .and_then(|text| parse(&text));
            match parsed {
                Ok(advisory) => {
                    report.advisories += 1;
                    sink(advisory);
                }
                Err(reason) => skip(report, &file, reason),
            }
        }
        Ok(())
    }
}

fn parse(text: &str) -> Result<Advisory, String> {
    let f: File = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    fn given(s: &Option<String>) -> Option<&str> {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let affected = match (given(&f.vulnerable_versions), given(&f.patched_versions)) {
        (Some(vulnerable), _) => npm_range(vulnerable)?,
        (None, Some(patched)) => complement(npm_range(patched)?),
        (None, None) => return Err("neither vulnerable_versions nor patched_versions".into()),
    };
    let (ranges, versions) = to_events(&affected);
    let details = [f.overview, f.recommendation]
        .into_iter()
        .flatten()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let cvss = f
        .cvss_vector
        .as_deref()
        .and_then(crate::cvss::from_vector)
        .map(|mut c| {
            c.score = f.cvss_score.filter(|s| *s >= 0.0).or(c.score);
            c
        });
    Ok(Advisory {
        id: format!("NSWG-ECO-{}", f.id),
        aliases: f.cves.unwrap_or_default(),
        source: "nodejs-wg".to_owned(),
        summary: f.title.map(|t| t.trim().to_owned()),
        details: (!details.is_empty()).then_some(details),
        cvss: cvss.into_iter().collect(),
        references: f.references.unwrap_or_default(),
        published: f.publish_date.or(f.created_at),
        modified: f.updated_at,
        affected: vec![Affected {
            ecosystem: Some(Ecosystem::Npm),
            package: f.module_name,
            ranges,
            versions,
            ..Affected::default()
        }],
        ..Advisory::default()
    })
}

/// An npm range: `||`-separated alternatives, each a hyphen range or space-separated
/// comparators that must all hold.
fn npm_range(text: &str) -> Result<Vec<Interval<Semver>>, String> {
    let mut intervals = Vec::new();
    for alternative in text.split("||").map(str::trim) {
        intervals.push(match alternative.split_once(" - ") {
            _ if alternative.is_empty() => Interval::all(),
            Some((from, to)) => {
                let from = Partial::parse(from)?;
                let to = Partial::parse(to)?;
                semver_interval(Op::Ge, &from).intersect(semver_interval(Op::Le, &to))
            }
            None => semver_requirement(alternative, Op::Eq)?,
        });
    }
    Ok(intervals)
}

#[cfg(test)]
mod tests {
    use bulwark_types::Event::{self, Fixed, Introduced, LastAffected};

    use super::*;
    use crate::test_support::{import, vulndata};

    fn events(from: &str, to: Option<Event>) -> Vec<Event> {
        std::iter::once(Introduced(from.to_owned()))
            .chain(to)
            .collect()
    }

    fn fixed(v: &str) -> Option<Event> {
        Some(Fixed(v.to_owned()))
    }

    fn last(v: &str) -> Option<Event> {
        Some(LastAffected(v.to_owned()))
    }

    #[test]
    fn imports_every_npm_advisory_of_the_real_feed() {
        let (all, report) = import(&NodejsWg, &vulndata("nodejs-security-wg"));
        // python3 over vuln/npm/*.json without index.json: 467 advisories, 176 CVEs, 458
        // CVSS vectors (all 3.0); the 172 core and 6 deps advisories are not read.
        assert_eq!(report.files, 467);
        assert!(report.skipped.is_empty(), "{:?}", report.skipped.first());
        assert_eq!((all.len(), report.advisories), (467, 467));
        assert_eq!(all.iter().map(|a| a.aliases.len()).sum::<usize>(), 176);
        let cvss: Vec<_> = all.iter().flat_map(|a| &a.cvss).collect();
        assert_eq!(cvss.len(), 458);
        assert!(cvss.iter().all(|c| c.version == "3.0" && c.score.is_some()));
        // The feed's own scores are kept. 23 disagree with their vectors: e.g. 9.3 for
        // AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N, which NVD's own sample (see cvss.rs)
        // scores 7.5, and one vector has an invalid `I:U`.
        let disagree: Vec<_> = cvss
            .iter()
            .filter(|c| crate::cvss::base_score(&c.vector) != c.score)
            .map(|c| (c.vector.as_str(), c.score))
            .collect();
        assert_eq!(disagree.len(), DISAGREE, "{disagree:?}");
    }

    const DISAGREE: usize = 23;

    #[test]
    fn lodash_prototype_pollution_field_by_field() {
        let (all, _) = import(&NodejsWg, &vulndata("nodejs-security-wg/vuln/npm/368.json"));
        let a = &all[0];
        assert_eq!(a.id, "NSWG-ECO-368");
        assert_eq!(a.aliases, ["CVE-2018-3721"]);
        assert_eq!(a.source, "nodejs-wg");
        assert_eq!(a.summary.as_deref(), Some("lodash prototype pollution"));
        let details = a.details.as_deref().unwrap();
        assert!(details.starts_with("lodash node module before 4.17.5 suffers"));
        assert!(details.ends_with("\n\nUpdate module to 4.17.5 or higher"));
        assert_eq!(a.references, ["https://hackerone.com/reports/310443"]);
        assert_eq!(a.published.as_deref(), Some("2018-02-12"));
        assert_eq!(
            a.cvss[0].vector,
            "CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:L"
        );
        assert_eq!(a.cvss[0].score, Some(2.5));
        assert_eq!(a.affected[0].ecosystem, Some(Ecosystem::Npm));
        assert_eq!(a.affected[0].package, "lodash");
        // "<4.17.5"
        assert_eq!(a.affected[0].ranges, [events("0", fixed("4.17.5"))]);
    }

    #[test]
    fn npm_ranges_become_one_range_per_alternative() {
        let one = |n: u32| {
            let path = vulndata(&format!("nodejs-security-wg/vuln/npm/{n}.json"));
            import(&NodejsWg, &path).0.remove(0).affected.remove(0)
        };
        // "2.0.x || 2.1.x"
        assert_eq!(
            one(11).ranges,
            [
                events("2.0.0", fixed("2.1.0-0")),
                events("2.1.0", fixed("2.2.0-0"))
            ]
        );
        // "2.1.0-M1 || 2.1.0-M2": single versions
        let swagger = one(137);
        assert!(swagger.ranges.is_empty());
        assert_eq!(swagger.versions, ["2.1.0-M1", "2.1.0-M2"]);
        // ">= 0.2.0 <= 0.9.6 || ~0.8.0-pre"
        assert_eq!(
            one(305).ranges,
            [
                events("0.2.0", last("0.9.6")),
                events("0.8.0-pre", fixed("0.9.0-0"))
            ]
        );
        // ">=2.2.6 <2.47.0 || >2.51.0 <=2.67.0": `>` starts just above 2.51.0
        assert_eq!(
            one(309).ranges,
            [
                events("2.2.6", fixed("2.47.0")),
                events("2.51.1-0", last("2.67.0"))
            ]
        );
    }

    #[test]
    fn patched_versions_stand_in_for_missing_vulnerable_versions() {
        let affected = complement(npm_range("~1.6.5 || >=1.7.2").unwrap());
        let (ranges, _) = to_events(&affected);
        assert_eq!(
            ranges,
            [
                events("0", fixed("1.6.5")),
                events("1.7.0-0", fixed("1.7.2"))
            ]
        );
        let hyphen = npm_range("1.2.3 - 2.3").unwrap();
        assert_eq!(to_events(&hyphen).0, [events("1.2.3", fixed("2.4.0-0"))]);
    }

    #[test]
    fn malformed_files_are_skipped_and_the_rest_imported() {
        let real = vulndata("nodejs-security-wg/vuln/npm/368.json");
        let text = std::fs::read_to_string(real).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let npm = dir.path().join("vuln/npm");
        std::fs::create_dir_all(&npm).unwrap();
        std::fs::create_dir_all(dir.path().join("vuln/core")).unwrap();
        let write = |name: &str, body: &str| std::fs::write(npm.join(name), body).unwrap();
        write("368.json", &text);
        write("index.json", "{}");
        write("1.json", &text[..text.len() / 2]);
        write("2.json", "garbage");
        write("3.json", &text.replace("<4.17.5", "<four"));
        let core = dir.path().join("vuln/core/1.json");
        std::fs::write(core, "{}").unwrap();
        let (all, report) = import(&NodejsWg, dir.path());
        assert_eq!((all.len(), report.files), (1, 4));
        let skipped = crate::test_support::skipped_by_file(&report);
        assert_eq!(skipped.len(), 3);
        assert_eq!(skipped[0].0, "1.json");
        assert!(
            skipped[0].1.starts_with("invalid JSON: EOF"),
            "{}",
            skipped[0].1
        );
        assert_eq!(skipped[1].0, "2.json");
        assert_eq!(skipped[2].0, "3.json");
        assert!(
            skipped[2].1.contains("\"four\" is not a version"),
            "{}",
            skipped[2].1
        );
    }
}
