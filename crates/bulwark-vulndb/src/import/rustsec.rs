//! RustSec advisories: `crates/<crate>/RUSTSEC-YYYY-NNNN.md`, a ```` ```toml ```` front
//! block (`[advisory]`, `[versions]`, `[affected]`) followed by markdown whose `# title`
//! becomes the summary and whose body becomes the details.
//!
//! - Only the `crates/` collection is read when `path` has one: `rust/` holds toolchain
//!   advisories (std, cargo, rustdoc), which no Cargo.lock names.
//! - Informational advisories (`informational = "unmaintained"`, `"unsound"`, `"notice"`)
//!   are not imported: cargo-audit reports them as warnings, not vulnerabilities, and an
//!   [`Advisory`] has no place for the difference. Each is listed in `report.skipped` with
//!   its kind, so a run shows how many there were.
//! - `[versions] patched` and `unaffected` are Cargo requirements; the affected versions
//!   are those in neither, as cargo-audit decides it, turned into ranges as
//!   [`requirements`](super::requirements) describes. A bare version (`"0.54.2"`) means
//!   `^0.54.2`, as in Cargo.toml; `patched = []` leaves every version affected.
//! - `[affected]` (functions, os, arch) is not used: matching is by package version.

use std::path::Path;

use bulwark_types::{Advisory, Affected, Ecosystem};
use serde::Deserialize;

use super::distro::{feed_files, skip};
use super::requirements::{Interval, Op, complement, semver_requirement, to_events};
use super::{ImportError, ImportReport, Importer};

/// RustSec advisory markdown with a TOML front block.
#[derive(Debug, Default, Clone, Copy)]
pub struct RustSec;

#[derive(Deserialize)]
struct Front {
    advisory: Meta,
    versions: Versions,
}

#[derive(Deserialize)]
struct Meta {
    id: String,
    package: String,
    date: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    cvss: Option<String>,
    url: Option<String>,
    #[serde(default)]
    references: Vec<String>,
    informational: Option<String>,
    withdrawn: Option<String>,
}

#[derive(Deserialize)]
struct Versions {
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

impl Importer for RustSec {
    fn kind(&self) -> &'static str {
        "rustsec"
    }

    fn import(
        &self,
        path: &Path,
        sink: &mut dyn FnMut(Advisory),
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        let crates = path.join("crates");
        let root = if crates.is_dir() {
            crates
        } else {
            path.to_path_buf()
        };
        let wanted = |p: &Path| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("RUSTSEC-") && n.ends_with(".md"))
        };
        for file in feed_files(&root, &wanted, report)? {
            report.files += 1;
            let parsed = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read: {e}"))
                .and_then(|text| parse(&text));
            match parsed {
                Ok(Parsed::Advisory(advisory)) => {
                    report.advisories += 1;
                    sink(*advisory);
                }
                Ok(Parsed::Informational(kind)) => skip(
                    report,
                    &file,
                    format!("informational advisory ({kind}), not a vulnerability"),
                ),
                Err(reason) => skip(report, &file, reason),
            }
        }
        Ok(())
    }
}

enum Parsed {
    Advisory(Box<Advisory>),
    Informational(String),
}

/// Parses one advisory file.
fn parse(text: &str) -> Result<Parsed, String> {
    let (front, body) = split_front(text).ok_or("no ```toml front block")?;
    let front: Front = toml::from_str(front).map_err(|e| format!("invalid front block: {e}"))?;
    let meta = front.advisory;
    if let Some(kind) = meta.informational {
        return Ok(Parsed::Informational(kind));
    }
    let mut safe = Vec::new();
    for req in front
        .versions
        .patched
        .iter()
        .chain(&front.versions.unaffected)
    {
        safe.push(cargo_requirement(req)?);
    }
    let (ranges, versions) = to_events(&complement(safe));
    let (summary, details) = title_and_body(body);
    let mut references: Vec<String> = meta.url.into_iter().collect();
    for r in meta.references {
        if !references.contains(&r) {
            references.push(r);
        }
    }
    Ok(Parsed::Advisory(Box::new(Advisory {
        id: meta.id,
        aliases: meta.aliases,
        source: "rustsec".to_owned(),
        summary,
        details,
        cvss: meta
            .cvss
            .as_deref()
            .and_then(crate::cvss::from_vector)
            .into_iter()
            .collect(),
        references,
        published: meta.date,
        withdrawn: meta.withdrawn,
        affected: vec![Affected {
            ecosystem: Some(Ecosystem::Cargo),
            package: meta.package,
            ranges,
            versions,
            ..Affected::default()
        }],
        ..Advisory::default()
    })))
}

/// A Cargo version requirement; a bare version means `^version`.
fn cargo_requirement(text: &str) -> Result<Interval<super::requirements::Semver>, String> {
    semver_requirement(text, Op::Caret)
}

/// The TOML between the opening ```` ```toml ```` line and the closing fence, and the
/// markdown after it.
fn split_front(text: &str) -> Option<(&str, &str)> {
    let rest = text
        .trim_start_matches('\u{feff}')
        .strip_prefix("```toml")?;
    let end = rest.find("\n```")?;
    let body = rest.get(end + 4..)?;
    Some((
        rest.get(..end)?,
        body.split_once('\n').map_or("", |(_, b)| b),
    ))
}

/// The first `# ` heading, and the text after it.
fn title_and_body(markdown: &str) -> (Option<String>, Option<String>) {
    let markdown = markdown.trim();
    let (title, body) = match markdown.strip_prefix("# ") {
        Some(rest) => match rest.split_once('\n') {
            Some((title, body)) => (Some(title.trim().to_owned()), body),
            None => (Some(rest.trim().to_owned()), ""),
        },
        None => (None, markdown),
    };
    let body = body.trim();
    (title, (!body.is_empty()).then(|| body.to_owned()))
}

#[cfg(test)]
mod tests {
    use bulwark_types::Event::{Fixed, Introduced};

    use super::*;
    use crate::test_support::{import, vulndata};

    fn find<'a>(all: &'a [Advisory], id: &str) -> &'a Advisory {
        all.iter().find(|a| a.id == id).unwrap()
    }

    fn range(from: &str, to: &str) -> Vec<bulwark_types::Event> {
        vec![Introduced(from.to_owned()), Fixed(to.to_owned())]
    }

    #[test]
    fn imports_every_vulnerability_of_the_real_database() {
        let (all, report) = import(&RustSec, &vulndata("rustsec-advisory-db"));
        // Counted independently with python's tomllib over crates/**/RUSTSEC-*.md: 1205
        // files, 476 of them informational (267 unmaintained, 203 unsound, 6 notice), 3
        // of the others withdrawn. The 20 toolchain advisories under rust/ are not read.
        assert_eq!(report.files, 1205);
        assert_eq!((all.len(), report.advisories), (729, 729));
        assert_eq!(report.skipped.len(), 476);
        assert!(
            report
                .skipped
                .iter()
                .all(|s| s.reason.starts_with("informational"))
        );
        assert_eq!(all.iter().filter(|a| a.withdrawn.is_some()).count(), 3);
        assert!(
            all.iter()
                .all(|a| a.source == "rustsec" && a.affected.len() == 1)
        );
    }

    #[test]
    fn smallvec_double_free_field_by_field() {
        let (all, _) = import(&RustSec, &vulndata("rustsec-advisory-db/crates/smallvec"));
        let a = find(&all, "RUSTSEC-2019-0009");
        assert_eq!(a.aliases, ["CVE-2019-15551", "GHSA-mm7v-vpv8-xfc3"]);
        assert_eq!(
            a.summary.as_deref(),
            Some("Double-free and use-after-free in SmallVec::grow()")
        );
        assert!(
            a.details
                .as_deref()
                .unwrap()
                .starts_with("Attempting to call `grow`")
        );
        assert_eq!(a.published.as_deref(), Some("2019-06-06"));
        assert_eq!(
            a.references,
            ["https://github.com/servo/rust-smallvec/issues/148"]
        );
        assert_eq!(a.cvss.len(), 1);
        assert_eq!(a.cvss[0].version, "3.0");
        assert_eq!(a.cvss[0].score, Some(9.8));
        let affected = &a.affected[0];
        assert_eq!(affected.ecosystem, Some(Ecosystem::Cargo));
        assert_eq!(affected.package, "smallvec");
        // patched >= 0.6.10, unaffected < 0.6.5
        assert_eq!(affected.ranges, [range("0.6.5", "0.6.10")]);
    }

    /// Several patched lines: the same ranges GitHub's advisory GHSA-2grh-hm3w-w7hv gives.
    #[test]
    fn tokio_patched_lines_become_one_range_per_gap() {
        let (all, _) = import(&RustSec, &vulndata("rustsec-advisory-db/crates/tokio"));
        let a = find(&all, "RUSTSEC-2021-0072");
        assert_eq!(
            a.affected[0].ranges,
            [
                range("0.3.0", "1.5.1"),
                range("1.6.0", "1.6.3"),
                range("1.7.0", "1.7.2"),
                range("1.8.0", "1.8.1"),
            ]
        );
    }

    #[test]
    fn caret_and_bare_requirements_cover_their_release_line() {
        let (all, _) = import(
            &RustSec,
            &vulndata("rustsec-advisory-db/crates/quinn-proto"),
        );
        // patched = ["^0.9.5", ">= 0.10.5"]
        let a = find(&all, "RUSTSEC-2023-0063");
        assert_eq!(
            a.affected[0].ranges,
            [range("0", "0.9.5"), range("0.10.0-0", "0.10.5")]
        );
        // patched = [">= 0.55.1", "0.54.2", ..., "0.3.1", "0.2.1"]: a bare version is `^`.
        let (all, _) = import(&RustSec, &vulndata("rustsec-advisory-db/crates/aws-sigv4"));
        let ranges = &find(&all, "RUSTSEC-2023-0125").affected[0].ranges;
        assert_eq!(ranges.len(), 23);
        assert_eq!(ranges[0], range("0", "0.2.1"));
        assert_eq!(ranges[1], range("0.3.0-0", "0.3.1"));
        assert_eq!(ranges[2], range("0.4.0-0", "0.5.3"));
        assert_eq!(ranges[22], range("0.55.0-0", "0.55.1"));
    }

    #[test]
    fn exact_unaffected_versions_leave_only_their_neighbours_affected() {
        let (all, _) = import(&RustSec, &vulndata("rustsec-advisory-db/crates/time"));
        // patched >= 0.2.23; unaffected =0.2.0 ... =0.2.6
        let ranges = &find(&all, "RUSTSEC-2020-0071").affected[0].ranges;
        assert_eq!(ranges.first(), Some(&range("0", "0.2.0")));
        assert_eq!(ranges.last(), Some(&range("0.2.7-0", "0.2.23")));
        // Between two exact versions only pre-releases remain (0.2.1-alpha matches no
        // `=0.2.x`).
        assert_eq!(ranges[1], range("0.2.1-0", "0.2.1"));
        assert_eq!(ranges.len(), 8);
    }

    #[test]
    fn malformed_files_are_skipped_and_the_rest_imported() {
        let real = vulndata("rustsec-advisory-db/crates/smallvec/RUSTSEC-2019-0009.md");
        let text = std::fs::read_to_string(real).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let crate_dir = dir.path().join("crates/smallvec");
        std::fs::create_dir_all(&crate_dir).unwrap();
        let write = |name: &str, body: &str| std::fs::write(crate_dir.join(name), body).unwrap();
        write("RUSTSEC-2019-0009.md", &text);
        write("RUSTSEC-0000-0001.md", &text[..120]);
        write("RUSTSEC-0000-0002.md", "\u{0}\u{1}garbage");
        write(
            "RUSTSEC-0000-0003.md",
            &text.replace(">= 0.6.10", ">= zero"),
        );
        write(
            "RUSTSEC-0000-0004.md",
            &text.replace("package = ", "pkg = "),
        );
        write("README.md", "not an advisory");
        let (all, report) = import(&RustSec, dir.path());
        assert_eq!(all.len(), 1);
        assert_eq!(report.files, 5);
        let skipped = crate::test_support::skipped_by_file(&report);
        assert_eq!(skipped.len(), 4, "{skipped:?}");
        assert_eq!(skipped[0].0, "RUSTSEC-0000-0001.md");
        assert_eq!(skipped[0].1, "no ```toml front block");
        assert_eq!(skipped[1].1, "no ```toml front block");
        assert!(
            skipped[2].1.contains("\"zero\" is not a version"),
            "{:?}",
            skipped[2]
        );
        assert!(
            skipped[3].1.contains("missing field `package`"),
            "{:?}",
            skipped[3]
        );
    }

    #[test]
    fn a_missing_path_stops_the_import() {
        let mut report = ImportReport::default();
        let missing = Path::new("/nonexistent/rustsec");
        assert!(RustSec.import(missing, &mut |_| {}, &mut report).is_err());
    }
}
