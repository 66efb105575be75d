//! The rubysec ruby-advisory-db: `gems/<gem>/<id>.yml`, one advisory per file (the
//! `rubies/` advisories about Ruby interpreters are not read when `path` has `gems/`).
//!
//! - id: `CVE-<cve>` when the file has one, else `GHSA-<ghsa>`, else `OSVDB-<osvdb>`,
//!   else the file stem; the other ids become aliases.
//! - `patched_versions` and `unaffected_versions` are RubyGems requirements
//!   (`"~> 5.2.4, >= 5.2.4.3"`: comma-separated comparators that must all hold); the
//!   affected versions are those in neither, as bundler-audit decides it, turned into
//!   ranges as [`requirements`](super::requirements) describes. `~> 5.2.4` is
//!   `>= 5.2.4` and below `5.3.a`, the first pre-release of `5.3`, because RubyGems
//!   checks `~>` on the release part (`5.3.0.beta1` does not satisfy `~> 5.2.4`).
//!   RubyGems has no smallest version above `x`: an exclusive lower bound (after
//!   `<= 2.0.3` unaffected) starts at `x.1` (`2.0.3.1`), missing only versions such as
//!   `2.0.3.0.1` and `2.0.3.1.rc1`.
//! - `cvss_v2`, `cvss_v3` and `cvss_v4` are scores without vectors: they become [`Cvss`]
//!   entries with an empty vector, versions `2.0`, `3.1` (the feed does not say which
//!   3.x) and `4.0`.

use std::cmp::Ordering;
use std::fmt;
use std::path::Path;

use bulwark_types::{Advisory, Affected, Cvss, Ecosystem};
use bulwark_version::{RubyGems, VersionScheme};
use serde::Deserialize;

use super::distro::{feed_files, has_suffix, skip};
use super::requirements::{Interval, Op, Point, complement, split_op, to_events};
use super::{ImportError, ImportReport, Importer};

/// The rubysec ruby-advisory-db YAML.
#[derive(Debug, Default, Clone, Copy)]
pub struct RubySec;

#[derive(Deserialize)]
struct File {
    gem: String,
    cve: Option<String>,
    ghsa: Option<String>,
    osvdb: Option<String>,
    // Required by the database's schema: a file cut short fails here instead of
    // becoming an advisory that affects every version.
    url: String,
    title: String,
    date: String,
    description: String,
    cvss_v2: Option<f32>,
    cvss_v3: Option<f32>,
    cvss_v4: Option<f32>,
    #[serde(default)]
    patched_versions: Vec<String>,
    #[serde(default)]
    unaffected_versions: Vec<String>,
    related: Option<Related>,
}

#[derive(Deserialize)]
struct Related {
    #[serde(default)]
    url: Vec<String>,
}

impl Importer for RubySec {
    fn kind(&self) -> &'static str {
        "rubysec"
    }

    fn import(
        &self,
        path: &Path,
        sink: &mut dyn FnMut(Advisory),
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        let gems = path.join("gems");
        let root = if gems.is_dir() {
            gems
        } else {
            path.to_path_buf()
        };
        let wanted = |p: &Path| has_suffix(p, &[".yml", ".yaml"]);
        for file in feed_files(&root, &wanted, report)? {
            report.files += 1;
            let stem = file
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            let parsed = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read: {e}"))
                .and_then(|text| parse(&text, stem));
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

fn parse(text: &str, stem: &str) -> Result<Advisory, String> {
    let f: File = serde_norway::from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
    let mut safe = Vec::new();
    for req in f.patched_versions.iter().chain(&f.unaffected_versions) {
        safe.push(gem_requirement(req)?);
    }
    let (ranges, versions) = to_events(&complement(safe));
    let mut ids: Vec<String> = [
        f.cve.map(|c| format!("CVE-{c}")),
        f.ghsa.map(|g| format!("GHSA-{g}")),
        f.osvdb.map(|o| format!("OSVDB-{o}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if ids.is_empty() {
        ids.push(stem.to_owned());
    }
    let id = ids.remove(0);
    let score = |version: &str, score: Option<f32>| {
        score.map(|s| Cvss {
            version: version.to_owned(),
            vector: String::new(),
            score: Some(s),
        })
    };
    let mut references = vec![f.url];
    for url in f.related.map(|r| r.url).unwrap_or_default() {
        if !references.contains(&url) {
            references.push(url);
        }
    }
    Ok(Advisory {
        aliases: ids.into_iter().filter(|a| *a != id).collect(),
        id,
        source: "rubysec".to_owned(),
        summary: Some(f.title.trim().to_owned()),
        details: Some(f.description.trim().to_owned()),
        cvss: [
            score("2.0", f.cvss_v2),
            score("3.1", f.cvss_v3),
            score("4.0", f.cvss_v4),
        ]
        .into_iter()
        .flatten()
        .collect(),
        references,
        published: Some(f.date),
        affected: vec![Affected {
            ecosystem: Some(Ecosystem::Gem),
            package: f.gem,
            ranges,
            versions,
            ..Affected::default()
        }],
        ..Advisory::default()
    })
}

/// A RubyGems requirement: comma-separated comparators, all of which must hold; a bare
/// version means `=`.
fn gem_requirement(text: &str) -> Result<Interval<GemVersion>, String> {
    let mut interval = Interval::all();
    for comparator in text.split(',') {
        let (op, version) = split_op(comparator);
        let v = GemVersion::parse(version).ok_or_else(|| format!("{text:?}: bad version"))?;
        interval = interval.intersect(match op.unwrap_or(Op::Eq) {
            Op::Eq => Interval::exactly(v),
            Op::Gt => Interval::above(v, false),
            Op::Ge => Interval::above(v, true),
            Op::Lt => Interval::below(v, false),
            Op::Le => Interval::below(v, true),
            Op::Pessimistic => {
                let end = GemVersion::parse(&format!("{}.a", v.bump()))
                    .ok_or_else(|| format!("{text:?}: bad version"))?;
                Interval::half_open(v, end)
            }
            Op::Tilde | Op::Caret => return Err(format!("{text:?}: not a RubyGems operator")),
        });
    }
    Ok(interval)
}

/// A RubyGems version, ordered by [`bulwark_version::RubyGems`] as the matcher orders
/// them (`1.0 == 1.0.0`, `1.0.a < 1.0`, `-` reads as `.pre.`).
#[derive(Debug, Clone)]
struct GemVersion(String);

impl GemVersion {
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        RubyGems.is_valid(text).then(|| Self(text.to_owned()))
    }

    /// `Gem::Version#bump`: the release numbers without the last one, the new last one
    /// plus one (`5.2.4` -> `5.3`, `5` -> `6`, `2.0.0.beta` -> `2.1`).
    fn bump(&self) -> String {
        let release = self.0.split('-').next().unwrap_or_default();
        let mut nums: Vec<u64> = Vec::new();
        for part in release.split('.') {
            let (digits, rest) = part.split_at(
                part.find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(part.len()),
            );
            match digits.parse() {
                Ok(n) => nums.push(n),
                Err(_) => break,
            }
            if !rest.is_empty() {
                break;
            }
        }
        if nums.len() > 1 {
            nums.pop();
        }
        if let Some(last) = nums.last_mut() {
            *last = last.saturating_add(1);
        }
        let parts: Vec<String> = nums.iter().map(u64::to_string).collect();
        parts.join(".")
    }
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        RubyGems.compare(&self.0, &other.0)
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GemVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GemVersion {}

impl fmt::Display for GemVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Point for GemVersion {
    fn successor(&self) -> String {
        format!("{}.1", self.0)
    }
}

#[cfg(test)]
mod tests {
    use bulwark_types::Event::{Fixed, Introduced};

    use super::*;
    use crate::test_support::{import, vulndata};

    fn range(from: &str, to: &str) -> Vec<bulwark_types::Event> {
        vec![Introduced(from.to_owned()), Fixed(to.to_owned())]
    }

    fn v(text: &str) -> GemVersion {
        GemVersion::parse(text).unwrap()
    }

    #[test]
    fn gem_versions_order_as_rubygems_does() {
        assert_eq!(v("1.0"), v("1.0.0"));
        for (lower, higher) in [
            ("1.0.a", "1.0"),
            ("1.0.0.rc1", "1.0.0"),
            ("2.0.0-alpha", "2.0.0"),
            ("1.9", "1.10"),
            ("5.3.a", "5.3.0.beta1"),
            ("5.2.4.2", "5.2.4.3"),
            ("2.0.3", "2.0.3.1"),
            ("1.0.0.beta", "1.0.0.rc"),
        ] {
            assert!(v(lower) < v(higher), "{lower} < {higher}");
        }
        assert_eq!(v("5.2.4").bump(), "5.3");
        assert_eq!(v("5").bump(), "6");
        assert_eq!(v("2.0.0.beta").bump(), "2.1");
        for bad in ["", "a1", "1..2", "1.2.", "1,2", "1 2"] {
            assert!(GemVersion::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn imports_every_advisory_of_the_real_database() {
        let (all, report) = import(&RubySec, &vulndata("ruby-advisory-db"));
        // python3 + PyYAML over gems/*/*.yml: 1234 files; 1107 have a cve, 58 neither cve
        // nor ghsa. The 147 interpreter advisories under rubies/ are not read.
        assert_eq!(report.files, 1234);
        assert!(report.skipped.is_empty(), "{:?}", report.skipped.first());
        assert_eq!((all.len(), report.advisories), (1234, 1234));
        assert_eq!(
            all.iter().filter(|a| a.id.starts_with("CVE-")).count(),
            1107
        );
        assert_eq!(
            all.iter().filter(|a| a.id.starts_with("OSVDB-")).count(),
            58
        );
    }

    #[test]
    fn rack_multipart_dos_field_by_field() {
        let (all, _) = import(&RubySec, &vulndata("ruby-advisory-db/gems/rack"));
        let a = all.iter().find(|a| a.id == "CVE-2018-16470").unwrap();
        assert_eq!(a.aliases, ["GHSA-hg78-4f6x-99wq"]);
        assert_eq!(a.source, "rubysec");
        assert_eq!(
            a.summary.as_deref(),
            Some("Possible DoS vulnerability in Rack")
        );
        assert!(
            a.details
                .as_deref()
                .unwrap()
                .contains("Versions Affected:  2.0.4, 2.0.5")
        );
        assert_eq!(a.published.as_deref(), Some("2018-11-05"));
        assert_eq!(
            a.references,
            ["https://groups.google.com/forum/#!topic/ruby-security-ann/Dz4sRl-ktKk"]
        );
        assert_eq!(a.cvss.len(), 1);
        assert_eq!(
            (a.cvss[0].version.as_str(), a.cvss[0].score),
            ("3.1", Some(7.5))
        );
        assert_eq!(a.affected[0].ecosystem, Some(Ecosystem::Gem));
        assert_eq!(a.affected[0].package, "rack");
        // unaffected <= 2.0.3, patched >= 2.0.6: "Versions Affected: 2.0.4, 2.0.5".
        assert_eq!(a.affected[0].ranges, [range("2.0.3.1", "2.0.6")]);
    }

    #[test]
    fn pessimistic_requirements_keep_their_line() {
        let (all, _) = import(&RubySec, &vulndata("ruby-advisory-db/gems/actionpack"));
        let a = all.iter().find(|a| a.id == "CVE-2020-8164").unwrap();
        // unaffected < 4.0.0; patched "~> 5.2.4, >= 5.2.4.3" and ">= 6.0.3.1"
        assert_eq!(
            a.affected[0].ranges,
            [range("4.0.0", "5.2.4.3"), range("5.3.a", "6.0.3.1")]
        );
        let (all, _) = import(&RubySec, &vulndata("ruby-advisory-db/gems/as"));
        assert_eq!(all[0].id, "OSVDB-112683");
        assert!(all[0].aliases.is_empty());
    }

    #[test]
    fn malformed_files_are_skipped_and_the_rest_imported() {
        let real = vulndata("ruby-advisory-db/gems/rack/CVE-2018-16470.yml");
        let text = std::fs::read_to_string(real).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let gem_dir = dir.path().join("gems/rack");
        std::fs::create_dir_all(&gem_dir).unwrap();
        let write = |name: &str, body: &str| std::fs::write(gem_dir.join(name), body).unwrap();
        write("CVE-2018-16470.yml", &text);
        write("truncated.yml", &text[..40]);
        write("garbage.yml", "{ [ not yaml");
        write("badreq.yml", &text.replace("\">= 2.0.6\"", "\">= two\""));
        let (all, report) = import(&RubySec, dir.path());
        assert_eq!((all.len(), report.files), (1, 4));
        let skipped = crate::test_support::skipped_by_file(&report);
        assert_eq!(skipped.len(), 3);
        assert_eq!(skipped[0].0, "badreq.yml");
        assert!(skipped[0].1.contains("\">= two\": bad version"));
        assert_eq!(skipped[1].0, "garbage.yml");
        assert!(skipped[1].1.starts_with("invalid YAML"));
        assert_eq!(skipped[2].0, "truncated.yml");
        assert!(skipped[2].1.contains("missing field"), "{}", skipped[2].1);
    }
}
