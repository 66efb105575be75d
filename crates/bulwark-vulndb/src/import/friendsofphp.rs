//! FriendsOfPHP security-advisories: `<vendor>/<package>/<name>.yaml`, one advisory per
//! file. The package is the `reference` (`composer://vendor/package`).
//!
//! - id: the `cve` when there is one, else the file stem when it is a GHSA id, else
//!   `<vendor>/<package>/<stem>` (the feed has no ids of its own; stems such as
//!   `2018-03-30-1` repeat across packages).
//! - Each branch is one range, its constraints read directly: `>= x` -> `introduced: x`,
//!   `< x` -> `fixed: x`, `<= x` -> `last_affected: x`, no lower bound -> `introduced:
//!   "0"`, `= x` -> an affected version. `> x` has no exact counterpart (events start
//!   inclusively and Composer has no smallest version above `x`): it starts at `x`
//!   padded to three components plus `.1` (`> 3.2` -> `3.2.0.1`), the first release
//!   Composer's four-component versions allow after it.
//! - published: the earliest branch `time`.

use std::collections::BTreeMap;
use std::path::Path;

use bulwark_types::{Advisory, Affected, Ecosystem, Event};
use serde::Deserialize;

use super::distro::{feed_files, has_suffix, skip};
use super::requirements::{Op, split_op};
use super::{ImportError, ImportReport, Importer};

/// FriendsOfPHP security-advisories YAML.
#[derive(Debug, Default, Clone, Copy)]
pub struct FriendsOfPhp;

#[derive(Deserialize)]
struct File {
    title: String,
    link: Option<String>,
    cve: Option<String>,
    branches: BTreeMap<String, Branch>,
    reference: String,
}

#[derive(Deserialize)]
struct Branch {
    time: Option<String>,
    versions: Vec<String>,
}

impl Importer for FriendsOfPhp {
    fn kind(&self) -> &'static str {
        "friendsofphp"
    }

    fn import(
        &self,
        path: &Path,
        sink: &mut dyn FnMut(Advisory),
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        // Not `.github/` and the like: only advisories live outside hidden folders.
        let hidden = |p: &Path| {
            p.strip_prefix(path)
                .unwrap_or(p)
                .components()
                .any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with('.')))
        };
        let wanted = |p: &Path| has_suffix(p, &[".yaml", ".yml"]) && !hidden(p);
        for file in feed_files(path, &wanted, report)? {
            report.files += 1;
            let parsed = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read: {e}"))
                .and_then(|text| parse(&text, &file));
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

fn parse(text: &str, file: &Path) -> Result<Advisory, String> {
    let f: File = serde_norway::from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
    let package = f
        .reference
        .strip_prefix("composer://")
        .filter(|p| p.contains('/'))
        .ok_or_else(|| {
            format!(
                "reference {:?} is not composer://vendor/package",
                f.reference
            )
        })?
        .to_owned();
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let cve = f.cve.filter(|c| !c.trim().is_empty());
    let ghsa = stem.starts_with("GHSA-").then(|| stem.to_owned());
    let id = match (&cve, &ghsa) {
        (Some(cve), _) => cve.trim().to_owned(),
        (None, Some(ghsa)) => ghsa.clone(),
        (None, None) => format!("{package}/{stem}"),
    };
    let mut ranges = Vec::new();
    let mut versions = Vec::new();
    for (name, branch) in &f.branches {
        let (events, exact) =
            branch_events(&branch.versions).map_err(|e| format!("branch {name}: {e}"))?;
        ranges.extend(events);
        versions.extend(exact);
    }
    if ranges.is_empty() && versions.is_empty() {
        return Err("no affected versions".to_owned());
    }
    Ok(Advisory {
        aliases: ghsa.into_iter().filter(|g| *g != id).collect(),
        id,
        source: "friendsofphp".to_owned(),
        summary: Some(f.title.trim().to_owned()),
        references: f.link.into_iter().collect(),
        published: f.branches.values().filter_map(|b| b.time.clone()).min(),
        affected: vec![Affected {
            ecosystem: Some(Ecosystem::Composer),
            package,
            ranges,
            versions,
            ..Affected::default()
        }],
        ..Advisory::default()
    })
}

/// One branch's constraints (`['>=2.7.0', '<2.7.51']`) as a range, or as single versions
/// when it lists only `= x`.
fn branch_events(constraints: &[String]) -> Result<(Option<Vec<Event>>, Vec<String>), String> {
    let mut lower = None;
    let mut upper = None;
    let mut exact = Vec::new();
    for constraint in constraints.iter().flat_map(|c| c.split(',')) {
        let (op, version) = split_op(constraint);
        if version.is_empty() || version.contains(char::is_whitespace) {
            return Err(format!("{constraint:?} is not a version constraint"));
        }
        let slot = match op.unwrap_or(Op::Eq) {
            Op::Ge => (&mut lower, Event::Introduced(version.to_owned())),
            Op::Gt => (&mut lower, Event::Introduced(successor(version))),
            Op::Lt => (&mut upper, Event::Fixed(version.to_owned())),
            Op::Le => (&mut upper, Event::LastAffected(version.to_owned())),
            Op::Eq => {
                exact.push(version.to_owned());
                continue;
            }
            Op::Tilde | Op::Caret | Op::Pessimistic => {
                return Err(format!("{constraint:?}: unsupported operator"));
            }
        };
        if slot.0.replace(slot.1).is_some() {
            return Err(format!("{constraints:?} has two bounds on one side"));
        }
    }
    if lower.is_none() && upper.is_none() {
        return Ok((None, exact));
    }
    let introduced = lower.unwrap_or_else(|| Event::Introduced("0".to_owned()));
    Ok((
        Some(std::iter::once(introduced).chain(upper).collect()),
        exact,
    ))
}

/// The first Composer release after `version`: `3.2` -> `3.2.0.1`, `8.7.3` -> `8.7.3.1`,
/// `1.2.3.4` -> `1.2.3.5`. A version with a suffix (`1.0.0-beta1`) is returned unchanged,
/// counting it as affected too.
fn successor(version: &str) -> String {
    let core = version.strip_prefix(['v', 'V']).unwrap_or(version);
    let Ok(mut parts) = core
        .split('.')
        .map(str::parse::<u64>)
        .collect::<Result<Vec<_>, _>>()
    else {
        return version.to_owned();
    };
    if parts.len() >= 4 {
        if let Some(last) = parts.last_mut() {
            *last = last.saturating_add(1);
        }
    } else {
        parts.resize(3, 0);
        parts.push(1);
    }
    let parts: Vec<String> = parts.iter().map(u64::to_string).collect();
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use bulwark_types::Event::{Fixed, Introduced, LastAffected};

    use super::*;
    use crate::test_support::{import, vulndata};

    fn range(from: &str, to: &str) -> Vec<Event> {
        vec![Introduced(from.to_owned()), Fixed(to.to_owned())]
    }

    #[test]
    fn imports_every_advisory_of_the_real_database() {
        let (all, report) = import(&FriendsOfPhp, &vulndata("php-security-advisories"));
        // python3 + PyYAML over */*/*.yaml: 1592 files with 5682 branches; 1160 have a
        // cve, 12 more are named by a GHSA id. `.github/workflows/php.yaml` is not read.
        assert_eq!(report.files, 1592);
        assert!(report.skipped.is_empty(), "{:?}", report.skipped.first());
        assert_eq!((all.len(), report.advisories), (1592, 1592));
        let branches: usize = all.iter().map(|a| a.affected[0].ranges.len()).sum();
        assert_eq!(branches, 5682);
        assert_eq!(
            all.iter().filter(|a| a.id.starts_with("CVE-")).count(),
            1160
        );
        assert_eq!(all.iter().filter(|a| a.id.starts_with("GHSA-")).count(), 12);
    }

    #[test]
    fn symfony_advisory_field_by_field() {
        let (all, _) = import(
            &FriendsOfPhp,
            &vulndata("php-security-advisories/symfony/symfony"),
        );
        let a = all.iter().find(|a| a.id == "CVE-2019-10909").unwrap();
        assert_eq!(a.source, "friendsofphp");
        assert_eq!(
            a.summary.as_deref(),
            Some("CVE-2019-10909: Escape validation messages in the PHP templating engine")
        );
        assert_eq!(a.references, ["https://symfony.com/cve-2019-10909"]);
        assert_eq!(a.published.as_deref(), Some("2019-04-16 11:40:42"));
        let affected = &a.affected[0];
        assert_eq!(affected.ecosystem, Some(Ecosystem::Composer));
        assert_eq!(affected.package, "symfony/symfony");
        assert_eq!(affected.ranges.len(), 10);
        assert_eq!(affected.ranges[0], range("2.7.0", "2.7.51"));
        assert_eq!(affected.ranges[9], range("4.2.0", "4.2.7"));
        let stem = all
            .iter()
            .find(|a| a.id == "symfony/symfony/2011-11-16")
            .unwrap();
        assert!(stem.aliases.is_empty());
    }

    #[test]
    fn exclusive_and_inclusive_bounds() {
        let (all, _) = import(&FriendsOfPhp, &vulndata("php-security-advisories/amphp"));
        let artax = all.iter().find(|a| a.id == "CVE-2016-5385").unwrap();
        // 1.x: ['>0.7.1', '<1.0.4'], master: ['>=2', '<2.0.4']
        assert_eq!(
            artax.affected[0].ranges,
            [range("0.7.1.1", "1.0.4"), range("2", "2.0.4")]
        );
        let http = all.iter().find(|a| a.id == "CVE-2024-2653").unwrap();
        // 1.x: ['<=1.7.2'], 2.x: ['>=2.0.0', '<=2.1.0']
        let last =
            |from: &str, to: &str| vec![Introduced(from.to_owned()), LastAffected(to.to_owned())];
        assert_eq!(
            http.affected[0].ranges,
            [last("0", "1.7.2"), last("2.0.0", "2.1.0")]
        );
        assert_eq!(successor("3.2"), "3.2.0.1");
        assert_eq!(successor("1.2.3.4"), "1.2.3.5");
        assert_eq!(successor("1.0.0-beta1"), "1.0.0-beta1");
    }

    #[test]
    fn malformed_files_are_skipped_and_the_rest_imported() {
        let real = vulndata("php-security-advisories/symfony/symfony/CVE-2019-10909.yaml");
        let text = std::fs::read_to_string(real).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("symfony/symfony");
        std::fs::create_dir_all(&pkg).unwrap();
        let write = |name: &str, body: &str| std::fs::write(pkg.join(name), body).unwrap();
        write("CVE-2019-10909.yaml", &text);
        write("truncated.yaml", &text[..text.find("reference:").unwrap()]);
        write("garbage.yaml", "\u{0}\u{1}: [");
        write("badop.yaml", &text.replace("'<2.7.51'", "'^2.7.51'"));
        write("noref.yaml", &text.replace("composer://", "https://"));
        let (all, report) = import(&FriendsOfPhp, dir.path());
        assert_eq!((all.len(), report.files), (1, 5));
        let skipped = crate::test_support::skipped_by_file(&report);
        assert_eq!(skipped.len(), 4);
        assert_eq!(skipped[0].0, "badop.yaml");
        assert!(
            skipped[0]
                .1
                .contains("branch 2.7.x: \"^2.7.51\": unsupported operator")
        );
        assert_eq!(skipped[1].0, "garbage.yaml");
        assert!(skipped[1].1.starts_with("invalid YAML"));
        assert_eq!(skipped[2].0, "noref.yaml");
        assert!(skipped[2].1.contains("is not composer://vendor/package"));
        assert_eq!(skipped[3].0, "truncated.yaml");
        assert!(
            skipped[3].1.contains("missing field `reference`"),
            "{}",
            skipped[3].1
        );
    }
}
