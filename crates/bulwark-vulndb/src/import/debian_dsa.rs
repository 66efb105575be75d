//! Debian security tracker advisory lists: `data/DSA/list` and `data/DLA/list`.
//!
//! Each advisory is a block of lines:
//!
//! ```text
//! [17 Mar 2023] DSA-5375-1 thunderbird - security update
//!     {CVE-2023-25751 CVE-2023-25752}
//!     [bullseye] - thunderbird 1:102.9.0-1~deb11u1
//!     NOTE: ...
//! ```
//!
//! and becomes one advisory: id `DSA-5375-1`, the CVEs as aliases, the header text as
//! summary, the date as `published` (`2023-03-17`), and per `[release] - source version`
//! line an affected entry for the source package in that release (`debian:11`) with
//! `[Introduced("0"), Fixed(version)]`. A trailing `(...; medium)` note gives the entry's
//! severity. Tags instead of a version: `<unfixed>` is affected with no fix;
//! `<not-affected>` makes no entry; `<end-of-life>` (support ended, not a flaw with a
//! fixed version) and other tags make no entry either. `NOTE:` lines are commentary and
//! are not read. A block with neither a CVE nor an affected entry (key changes,
//! end-of-life notices) yields no advisory.
//!
//! The path is a `list` file, or a directory holding `DSA/list` and `DLA/list` (also
//! under `data/`, as in a checkout of the tracker).

use std::path::{Path, PathBuf};

use bulwark_types::{Advisory, Affected, Ecosystem, Event, Severity};

use super::distro::{debian_distro, skip};
use super::{ImportError, ImportReport, Importer};

/// Debian security tracker advisory lists: `data/DSA/list` and `data/DLA/list`.
#[derive(Debug, Default, Clone, Copy)]
pub struct DebianDsa;

impl Importer for DebianDsa {
    fn kind(&self) -> &'static str {
        "debian-dsa"
    }

    fn import(
        &self,
        path: &Path,
        sink: &mut dyn FnMut(Advisory),
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        for file in list_files(path)? {
            report.files += 1;
            let text = match std::fs::read(&file) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(e) => {
                    skip(report, &file, format!("cannot read: {e}"));
                    continue;
                }
            };
            let parsed = parse_list(&text);
            if parsed.advisories.is_empty() {
                skip(report, &file, "no `[date] DSA-...` advisory blocks found");
                continue;
            }
            if parsed.unreadable_lines > 0 {
                tracing::warn!(file = %file.display(), lines = parsed.unreadable_lines, "advisory list lines not understood");
            }
            for advisory in parsed.advisories {
                report.advisories += 1;
                sink(advisory);
            }
        }
        Ok(())
    }
}

/// The list files under `path`.
fn list_files(path: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let meta = std::fs::metadata(path).map_err(|source| ImportError::Io {
        path: path.display().to_string(),
        source,
    })?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let candidates = ["DSA/list", "DLA/list", "data/DSA/list", "data/DLA/list"];
    let found: Vec<PathBuf> = candidates
        .iter()
        .map(|c| path.join(c))
        .filter(|p| p.is_file())
        .collect();
    if found.is_empty() {
        return Err(ImportError::NotThisFormat {
            path: path.display().to_string(),
            kind: "debian-dsa",
            reason: "no DSA/list or DLA/list in this directory".to_owned(),
        });
    }
    Ok(found)
}

#[derive(Default)]
struct Parsed {
    advisories: Vec<Advisory>,
    unreadable_lines: usize,
}

fn parse_list(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut current: Option<Advisory> = None;
    for line in text.lines() {
        if line.starts_with('[') {
            parsed
                .advisories
                .extend(current.take().filter(worth_keeping));
            current = header(line);
            parsed.unreadable_lines += usize::from(current.is_none());
            continue;
        }
        let line = line.trim();
        let Some(advisory) = current.as_mut() else {
            parsed.unreadable_lines += usize::from(!line.is_empty());
            continue;
        };
        if let Some(ids) = line.strip_prefix('{') {
            for id in ids.trim_end_matches('}').split_whitespace() {
                if id.starts_with("CVE-") && !advisory.aliases.iter().any(|a| a == id) {
                    advisory.aliases.push(id.to_owned());
                }
            }
        } else if line.starts_with('[') {
            match release_line(line) {
                Some(Some(affected)) if !advisory.affected.contains(&affected) => {
                    advisory.affected.push(affected);
                }
                Some(_) => {}
                None => parsed.unreadable_lines += 1,
            }
        } else if !line.is_empty() && !line.starts_with("NOTE:") {
            parsed.unreadable_lines += 1;
        }
    }
    parsed.advisories.extend(current.filter(worth_keeping));
    parsed
}

fn worth_keeping(advisory: &Advisory) -> bool {
    !advisory.aliases.is_empty() || !advisory.affected.is_empty()
}

/// `[18 Mar 2023] DSA-5375-1 thunderbird - security update`.
fn header(line: &str) -> Option<Advisory> {
    let (date, rest) = line.strip_prefix('[')?.split_once(']')?;
    let rest = rest.trim();
    let (id, summary) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if !(id.starts_with("DSA-") || id.starts_with("DLA-") || id.starts_with("DTSA-")) {
        return None;
    }
    let summary = summary.trim();
    Some(Advisory {
        id: id.to_owned(),
        source: "debian-dsa".to_owned(),
        summary: (!summary.is_empty()).then(|| summary.to_owned()),
        published: iso_date(date),
        references: vec![format!("https://security-tracker.debian.org/tracker/{id}")],
        ..Advisory::default()
    })
}

/// `18 Mar 2023` -> `2023-03-18`.
fn iso_date(date: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut parts = date.split_whitespace();
    let day: u8 = parts.next()?.parse().ok()?;
    let month = parts.next()?;
    let year: u16 = parts.next()?.parse().ok()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? + 1;
    Some(format!("{year:04}-{month:02}-{day:02}"))
}

/// `[bullseye] - thunderbird 1:102.9.0-1~deb11u1 (bug #1; medium)`: `None` when the
/// line cannot be read, `Some(None)` when it is understood but makes no entry.
fn release_line(line: &str) -> Option<Option<Affected>> {
    let (codename, rest) = line.strip_prefix('[')?.split_once(']')?;
    let rest = rest.trim_start().strip_prefix('-')?;
    let mut words = rest.split_whitespace();
    let package = words.next()?;
    let version = words.next()?;
    let Some(distro) = debian_distro(codename) else {
        tracing::debug!(codename, "unknown Debian codename in advisory list");
        return Some(None);
    };
    let introduced = Event::Introduced("0".to_owned());
    let range = match version {
        "<unfixed>" => vec![introduced],
        v if v.starts_with('<') => return Some(None),
        v => vec![introduced, Event::Fixed(v.to_owned())],
    };
    let notes = rest
        .split_once('(')
        .map(|(_, notes)| notes.trim_end().trim_end_matches(')'));
    let severity = notes.and_then(|n| n.split(';').find_map(Severity::from_word));
    Some(Some(Affected {
        ecosystem: Some(Ecosystem::Deb),
        distro: Some(distro),
        package: package.to_owned(),
        ranges: vec![range],
        severity,
        ..Affected::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{import, vulndata};

    const TRACKER: &str = "debian-security-tracker-2023/data";

    fn fixed(distro: &str, package: &str, version: &str) -> Affected {
        crate::test_support::fixed_in(Ecosystem::Deb, distro, package, version)
    }

    // Counts from a Python reading of both lists with the same rules: 5,406 DSA and 3,534
    // DLA blocks, of which 5,387 and 3,529 name a CVE or a fixed package; 6,929 + 3,534
    // affected entries; 18,128 + 11,002 CVE aliases.
    #[test]
    fn dsa_and_dla_lists_2023() {
        let (advisories, report) = import(&DebianDsa, &vulndata(TRACKER));
        assert_eq!(report.files, 2);
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        assert_eq!(advisories.len(), 5387 + 3529);
        let dsa = advisories
            .iter()
            .filter(|a| a.id.starts_with("DSA-"))
            .count();
        assert_eq!(dsa, 5387);
        let affected: usize = advisories.iter().map(|a| a.affected.len()).sum();
        assert_eq!(affected, 6929 + 3534);
        let aliases: usize = advisories.iter().map(|a| a.aliases.len()).sum();
        assert_eq!(aliases, 18128 + 11002);

        let tb = advisories.iter().find(|a| a.id == "DSA-5375-1").unwrap();
        assert_eq!(tb.source, "debian-dsa");
        assert_eq!(tb.summary.as_deref(), Some("thunderbird - security update"));
        assert_eq!(tb.published.as_deref(), Some("2023-03-17"));
        assert_eq!(
            tb.aliases,
            [
                "CVE-2023-25751",
                "CVE-2023-25752",
                "CVE-2023-28162",
                "CVE-2023-28164",
                "CVE-2023-28176"
            ]
        );
        assert_eq!(
            tb.affected,
            [fixed("debian:11", "thunderbird", "1:102.9.0-1~deb11u1")]
        );

        let libpng = advisories.iter().find(|a| a.id == "DSA-140").unwrap();
        assert_eq!(
            libpng.affected,
            [
                fixed("debian:3.0", "libpng", "1.0.12-3.woody.2"),
                fixed("debian:3.0", "libpng3", "1.2.1-1.1.woody.2")
            ]
        );
        let firmware = advisories.iter().find(|a| a.id == "DLA-3380-1").unwrap();
        assert_eq!(firmware.aliases.len(), 11);
        assert_eq!(firmware.affected[0].distro.as_deref(), Some("debian:10"));
        // Only NOTE lines under it: the CVE link stays, no affected entry.
        let glibc = advisories.iter().find(|a| a.id == "DSA-1605-1").unwrap();
        assert_eq!((glibc.aliases.len(), glibc.affected.len()), (1, 0));
        // Key-change notices name nothing.
        assert!(!advisories.iter().any(|a| a.id == "DSA-3281-1"));
    }

    /// vunnel's DSA fixture: regression updates without CVEs, notices, indentation.
    #[test]
    fn vunnel_fixture_list() {
        let path = vulndata("vunnel-fixtures/tests/unit/providers/debian/test-fixtures/input/DSA");
        let (advisories, report) = import(&DebianDsa, &path);
        assert!(report.skipped.is_empty());
        let ids: Vec<_> = advisories.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "DSA-141",
                "DSA-140",
                "DSA-139",
                "DSA-138",
                "DSA-2808-2",
                "DSA-4323-1",
                "DSA-5970-1"
            ]
        );
        let sope = advisories.last().unwrap();
        assert_eq!(
            sope.affected,
            [fixed("debian:12", "sope", "5.8.0-1+deb12u1")]
        );
        assert_eq!(advisories[4].affected.len(), 2);
    }

    #[test]
    fn release_line_tags_and_notes() {
        let line = |s| release_line(s).unwrap();
        assert_eq!(
            line("[lenny] - vlc <not-affected> (Vulnerable code not present)"),
            None
        );
        assert_eq!(line("[jessie] - virtualbox <end-of-life>"), None);
        let unfixed = line("[buster] - glibc <unfixed>").unwrap();
        assert_eq!(unfixed.ranges, [vec![Event::Introduced("0".into())]]);
        let noted =
            line("[sarge] - awstats 6.4-1sarge1 (bug #322591; bug #334833; medium)").unwrap();
        assert_eq!(noted.severity, Some(Severity::Medium));
        assert_eq!(noted.distro.as_deref(), Some("debian:3.1"));
        assert_eq!(line("[hurd] - pkg 1.0"), None);
        assert!(release_line("[bullseye] thunderbird").is_none());
        assert_eq!(iso_date("01 Aug 2002").as_deref(), Some("2002-08-01"));
        assert_eq!(iso_date("32 Foo 2002"), None);
    }

    #[test]
    fn broken_lists_are_skipped_and_the_rest_imported() {
        let dir = tempfile::tempdir().unwrap();
        let real = std::fs::read(vulndata(&format!("{TRACKER}/DSA/list"))).unwrap();
        std::fs::create_dir_all(dir.path().join("DSA")).unwrap();
        std::fs::create_dir_all(dir.path().join("DLA")).unwrap();
        // Cut mid-block and mid-character: what is there is still read.
        std::fs::write(dir.path().join("DSA/list"), &real[..2001]).unwrap();
        std::fs::write(
            dir.path().join("DLA/list"),
            b"\x7fELF\x00\x01garbage\n\tnot a list\n",
        )
        .unwrap();
        let (advisories, report) = import(&DebianDsa, dir.path());
        assert_eq!(report.files, 2);
        assert_eq!(report.skipped.len(), 1);
        assert!(report.skipped[0].file.ends_with("DLA/list"));
        assert!(report.skipped[0].reason.contains("no `[date] DSA-...`"));
        assert_eq!(advisories[0].id, "DSA-5380-1");
        assert_eq!(advisories.len(), 11);

        let empty = tempfile::tempdir().unwrap();
        let mut report = ImportReport::default();
        let err = DebianDsa.import(empty.path(), &mut |_| {}, &mut report);
        assert!(matches!(err, Err(ImportError::NotThisFormat { .. })));
    }
}
