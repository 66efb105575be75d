//! Alpine secdb JSON and YAML (`secfixes`).
//!
//! One file per release and repository (`v3.10/main.json`): `distroversion: v3.10` and
//! `packages[].pkg` with a `name` and `secfixes`, a map from fixed version to the ids it
//! fixes (`"1.1.1d-r0": ["CVE-2019-1547", "CVE-2019-1549 CVE-2019-1563"]`).
//!
//! The whole tree is read before anything is emitted, so each id yields one advisory whose
//! affected entries cover every release and package that names it (`alpine:3.10`,
//! `alpine:edge`), each with `[Introduced("0"), Fixed(version)]`. Decisions:
//! - Fixed version `"0"` means "never affected in this release": no entry is made.
//! - An entry line may hold several ids (`CVE-2019-1547 CVE-2019-1563`) and comments in
//!   parentheses. Every CVE on a line is an advisory of its own; other ids on the same line
//!   (`XSA-254`, `VSV00010`) become its aliases; a line without a CVE makes each other id
//!   (`XSA-312`, `ALPINE-13661`, `GHSA-...`) an advisory. Misspelt CVEs are repaired when
//!   the id is still certain (`CVE_2019-2426`, `CVE-2017-17434-2`, `CVE-2021-35940.patch`);
//!   placeholders and words (`CVE-????-?????`, `CVE N/A`, `XPTI`) are dropped.
//! - A package naming one id under several fixed versions gets one range per version (a
//!   version below any of them is affected: the highest fix wins).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use bulwark_types::{Advisory, Affected, Ecosystem, Event};
use serde_json::Value;

use super::distro::{feed_files, has_suffix, skip};
use super::{ImportError, ImportReport, Importer};

/// Alpine secdb JSON and YAML (`secfixes`).
#[derive(Debug, Default, Clone, Copy)]
pub struct AlpineSecdb;

impl Importer for AlpineSecdb {
    fn kind(&self) -> &'static str {
        "alpine-secdb"
    }

    fn import(
        &self,
        path: &Path,
        sink: &mut dyn FnMut(Advisory),
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        let wanted = |p: &Path| has_suffix(p, &[".json", ".yaml", ".yml"]);
        let mut tree = Tree::default();
        for file in feed_files(path, &wanted, report)? {
            report.files += 1;
            if let Err(reason) = read_file(&file, &mut tree) {
                skip(report, &file, reason);
            }
        }
        for advisory in tree.into_advisories() {
            report.advisories += 1;
            sink(advisory);
        }
        Ok(())
    }
}

/// Everything read so far: id -> what is known about it.
#[derive(Default)]
struct Tree {
    ids: BTreeMap<String, Collected>,
}

#[derive(Default)]
struct Collected {
    aliases: BTreeSet<String>,
    /// (distro, package) -> fixed versions, in the order first seen.
    fixes: BTreeMap<(String, String), Vec<String>>,
}

impl Tree {
    fn add(&mut self, id: &str, aliases: &[String], distro: &str, package: &str, fixed: &str) {
        let entry = self.ids.entry(id.to_owned()).or_default();
        entry
            .aliases
            .extend(aliases.iter().filter(|a| *a != id).cloned());
        let versions = entry
            .fixes
            .entry((distro.to_owned(), package.to_owned()))
            .or_default();
        if !versions.iter().any(|v| v == fixed) {
            versions.push(fixed.to_owned());
        }
    }

    fn into_advisories(self) -> impl Iterator<Item = Advisory> {
        self.ids.into_iter().map(|(id, collected)| Advisory {
            id,
            aliases: collected.aliases.into_iter().collect(),
            source: "alpine-secdb".to_owned(),
            affected: collected
                .fixes
                .into_iter()
                .map(|((distro, package), versions)| Affected {
                    ecosystem: Some(Ecosystem::Apk),
                    distro: Some(distro),
                    package,
                    ranges: versions
                        .into_iter()
                        .map(|v| vec![Event::Introduced("0".to_owned()), Event::Fixed(v)])
                        .collect(),
                    ..Affected::default()
                })
                .collect(),
            ..Advisory::default()
        })
    }
}

/// Reads one secdb file into `tree`; `Err` holds why the file was skipped.
fn read_file(file: &Path, tree: &mut Tree) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read: {e}"))?;
    let doc: Value = if has_suffix(file, &[".json"]) {
        serde_json::from_str(&text).map_err(|e| format!("invalid JSON: {e}"))?
    } else {
        serde_norway::from_str(&text).map_err(|e| format!("invalid YAML: {e}"))?
    };
    // `packages:` with nothing under it (a release without fixes) is YAML null.
    let packages = match doc.get("packages") {
        Some(Value::Array(packages)) => packages.as_slice(),
        Some(Value::Null) => &[],
        _ => return Err("not a secdb file: no `packages` list".to_owned()),
    };
    let release = match doc.get("distroversion").and_then(Value::as_str) {
        Some(v) => v.trim().trim_start_matches('v').to_owned(),
        None => return Err("not a secdb file: no `distroversion`".to_owned()),
    };
    let distro = format!("alpine:{release}");
    let mut unusable = 0usize;
    for package in packages {
        let pkg = package.get("pkg");
        let name = pkg.and_then(|p| p.get("name")).and_then(Value::as_str);
        let fixes = pkg.and_then(|p| p.get("secfixes"));
        let (Some(name), Some(fixes)) = (name, fixes) else {
            unusable += 1;
            continue;
        };
        let Some(fixes) = fixes.as_object() else {
            // `secfixes:` left empty in YAML is null: nothing fixed yet.
            unusable += usize::from(!fixes.is_null());
            continue;
        };
        for (fixed, lines) in fixes {
            let fixed = fixed.trim();
            if fixed == "0" || fixed.is_empty() {
                continue;
            }
            for line in lines_of(lines) {
                let (cves, others) = ids_in(line);
                if cves.is_empty() {
                    for id in &others {
                        tree.add(id, &[], &distro, name, fixed);
                    }
                }
                for cve in &cves {
                    tree.add(cve, &others, &distro, name, fixed);
                }
            }
        }
    }
    if unusable > 0 {
        tracing::warn!(file = %file.display(), unusable, "secdb package entries without a name or secfixes map ignored");
    }
    Ok(())
}

/// The entry lines under one fixed version: a list of strings, or a single string.
fn lines_of(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Splits one entry line into its CVE ids and its other advisory ids.
fn ids_in(line: &str) -> (Vec<String>, Vec<String>) {
    let mut cves = Vec::new();
    let mut others = Vec::new();
    for token in without_comments(line).split(|c: char| c.is_whitespace() || c == ',') {
        if token
            .get(..3)
            .is_some_and(|p| p.eq_ignore_ascii_case("CVE"))
        {
            cves.extend(repaired_cve(token));
        } else if is_advisory_id(token) {
            others.push(token.to_owned());
        }
    }
    (cves, others)
}

/// The line with parenthesised remarks removed (an unclosed one runs to the end).
fn without_comments(line: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// `CVE-YYYY-NNNN...`, also from `CVE_YYYY-NNNN` and with trailing junk after the digits.
fn repaired_cve(token: &str) -> Option<String> {
    let rest = token.get(3..)?;
    let rest = rest.strip_prefix(['-', '_'])?;
    let (year, number) = rest.split_once('-')?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: String = number.chars().take_while(char::is_ascii_digit).collect();
    (digits.len() >= 4).then(|| format!("CVE-{year}-{digits}"))
}

/// An id of another tracker: starts with a letter, holds a digit, no spaces or slashes.
fn is_advisory_id(token: &str) -> bool {
    token.len() >= 3
        && token.starts_with(|c: char| c.is_ascii_alphabetic())
        && token.chars().any(|c| c.is_ascii_digit())
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{import, vulndata};

    fn by_id<'a>(advisories: &'a [Advisory], id: &str) -> &'a Advisory {
        let found = advisories.iter().find(|a| a.id == id);
        found.unwrap_or_else(|| panic!("no advisory {id}"))
    }

    /// The fixed versions of `package` in `distro`.
    fn fix(a: &Advisory, distro: &str, package: &str) -> Vec<String> {
        let entry = a.affected.iter();
        let entry = entry.filter(|x| x.distro.as_deref() == Some(distro) && x.package == package);
        let events = entry.flat_map(|x| x.ranges.iter().flatten());
        let fixed = events.filter_map(|e| match e {
            Event::Fixed(v) => Some(v.clone()),
            _ => None,
        });
        fixed.collect()
    }

    /// (ids, (release, package) pairs, ranges), checking every range's shape on the way.
    fn totals(advisories: &[Advisory]) -> (usize, usize, usize) {
        let entries = || advisories.iter().flat_map(|a| &a.affected);
        for range in entries().flat_map(|x| &x.ranges) {
            assert!(
                matches!(range.as_slice(), [Event::Introduced(z), Event::Fixed(_)] if z == "0")
            );
        }
        let ranges = entries().map(|x| x.ranges.len()).sum();
        (advisories.len(), entries().count(), ranges)
    }

    // Counts cross-checked with a Python reading of the same files (same tokenising rules).
    #[test]
    fn json_tree_2024() {
        let (advisories, report) = import(&AlpineSecdb, &vulndata("alpine-secdb-json-2024/alpine"));
        assert_eq!((report.files, report.advisories), (41, 7646));
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        assert_eq!(totals(&advisories), (7646, 84456, 84728));
        let cves = advisories.iter().filter(|a| a.id.starts_with("CVE-"));
        assert_eq!(cves.count(), 7592);
        assert!(advisories.iter().all(|a| !a.id.contains('?')));

        let cve = by_id(&advisories, "CVE-2019-1547");
        assert_eq!(
            (cve.source.as_str(), cve.affected.len()),
            ("alpine-secdb", 20)
        );
        assert_eq!(cve.affected[0].ecosystem, Some(Ecosystem::Apk));
        assert_eq!(fix(cve, "alpine:3.10", "openssl"), ["1.1.1d-r0"]);
        assert_eq!(fix(cve, "alpine:3.8", "openssl"), ["1.0.2t-r0"]);
        assert_eq!(fix(cve, "alpine:edge", "openssl"), ["1.1.1d-r1"]);

        // Several ids on one line; comments in parentheses; non-CVE ids as aliases.
        let spectre = by_id(&advisories, "CVE-2017-5753");
        assert!(spectre.aliases.contains(&"XSA-254".to_owned()));
        assert_eq!(fix(spectre, "alpine:3.7", "xen"), ["4.9.1-r3"]);
        assert_eq!(by_id(&advisories, "CVE-2022-45059").aliases, ["VSV00010"]);
        let tcpdump = by_id(&advisories, "CVE-2018-10103");
        assert_eq!(fix(tcpdump, "alpine:3.11", "tcpdump"), ["4.9.3-r0"]);
        // `CVE-????-????? XSA-312`: the XSA stands alone.
        assert_eq!(
            fix(by_id(&advisories, "XSA-312"), "alpine:3.11", "xen"),
            ["4.13.1-r0"]
        );
        by_id(&advisories, "ALPINE-13661");
        // Misspelt ids repaired: `CVE_2019-2426`, `CVE-2017-17434-2`.
        by_id(&advisories, "CVE-2019-2426");
        by_id(&advisories, "CVE-2017-17434");
        // Fixed version "0": bind was never affected by CVE-2019-6470, dhcp was.
        let dhcp = by_id(&advisories, "CVE-2019-6470");
        assert!(fix(dhcp, "alpine:3.11", "bind").is_empty());
        assert_eq!(fix(dhcp, "alpine:3.11", "dhcp"), ["4.4.1-r0"]);
        // Listed only under "0" (jansson, everywhere): no advisory at all.
        assert!(!advisories.iter().any(|a| a.id == "CVE-2020-36325"));
        // Fixed twice in one release: both versions are kept.
        assert_eq!(
            fix(by_id(&advisories, "CVE-2023-27561"), "alpine:edge", "runc").len(),
            2
        );
    }

    /// osv.dev's own Alpine record for CVE-2012-2812 agrees with what we read.
    #[test]
    fn agrees_with_osv_dev_for_libexif() {
        let (advisories, _) = import(&AlpineSecdb, &vulndata("alpine-secdb-json-2024/alpine"));
        let ours = by_id(&advisories, "CVE-2012-2812");
        let path = vulndata("osv.dev-testdata/vulnfeeds/test_data/CVE-2012-2812.json");
        let osv: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let theirs = osv["affected"].as_array().unwrap();
        assert_eq!(theirs.len(), 5);
        for entry in theirs {
            let release = entry["package"]["ecosystem"].as_str().unwrap();
            let distro = release.replace("Alpine:v", "alpine:");
            let fixed = entry["ranges"][0]["events"][1]["fixed"].as_str().unwrap();
            assert_eq!(fix(ours, &distro, "libexif"), [fixed], "{distro}");
        }
    }

    #[test]
    fn yaml_tree_2020() {
        let (advisories, report) = import(&AlpineSecdb, &vulndata("alpine-secdb"));
        assert_eq!(report.files, 18);
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        assert_eq!(totals(&advisories), (2468, 11875, 11999));
        let cve = by_id(&advisories, "CVE-2019-1547");
        assert_eq!(cve.affected.len(), 5);
        assert_eq!(fix(cve, "alpine:3.10", "openssl"), ["1.1.1d-r0"]);
        assert_eq!(fix(cve, "alpine:3.11", "openssl"), ["1.1.1d-r1"]);
    }

    #[test]
    fn broken_files_are_skipped_and_the_rest_imported() {
        let dir = tempfile::tempdir().unwrap();
        let write =
            |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
        let real =
            std::fs::read(vulndata("alpine-secdb-json-2024/alpine/v3.10/main.json")).unwrap();
        write("a-truncated.json", &real[..real.len() / 2]);
        write("b-garbage.yaml", b"packages: [\n  - {pkg: ");
        write("c-other.json", br#"{"packages": []}"#);
        write(
            "d-v3.9.yaml",
            &std::fs::read(vulndata("alpine-secdb/v3.9/main.yaml")).unwrap(),
        );
        let (advisories, report) = import(&AlpineSecdb, dir.path());
        assert_eq!(report.files, 4);
        let skipped = crate::test_support::skipped_by_file(&report);
        assert_eq!(skipped.len(), 3, "{skipped:?}");
        assert_eq!(skipped[0].0, "a-truncated.json");
        assert!(skipped[0].1.starts_with("invalid JSON"), "{}", skipped[0].1);
        assert_eq!(skipped[1].0, "b-garbage.yaml");
        assert!(skipped[1].1.starts_with("invalid YAML"), "{}", skipped[1].1);
        assert_eq!(
            skipped[2],
            ("c-other.json", "not a secdb file: no `distroversion`")
        );
        let cve = by_id(&advisories, "CVE-2019-1547");
        assert_eq!(fix(cve, "alpine:3.9", "openssl"), ["1.1.1d-r0"]);
    }

    #[test]
    fn entry_lines_split_into_ids() {
        let cves = |s| ids_in(s).0;
        assert_eq!(
            cves("CVE-2019-1547 CVE-2019-1563"),
            ["CVE-2019-1547", "CVE-2019-1563"]
        );
        assert_eq!(
            ids_in("CVE N/A ZBX-11023"),
            (vec![], vec!["ZBX-11023".to_owned()])
        );
        let (found, others) = ids_in("CVE-2017-5753 CVE-2017-5715 XSA-254 XPTI");
        assert_eq!((found.len(), others), (2, vec!["XSA-254".to_owned()]));
        assert_eq!(
            cves("CVE-2018-10103 (SMB - partially fixed)"),
            ["CVE-2018-10103"]
        );
        assert!(cves("CVE-2022-????? XSA-398").is_empty());
        assert!(cves("CVE-46838").is_empty());
        assert_eq!(cves("cve-2021-35940.patch"), ["CVE-2021-35940"]);
    }
}
