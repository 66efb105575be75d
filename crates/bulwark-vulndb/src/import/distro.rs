//! What the distribution feed importers share: release codename tables, finding the files
//! of a feed, and recording a file that could not be imported.
//!
//! Release ids follow os-release `VERSION_ID` as the matcher sees it in an image: Debian
//! majors (`12`; `3.0`/`3.1` for woody/sarge, which share a major), Ubuntu `YY.MM`, and
//! `unstable` for Debian sid.

use std::path::{Path, PathBuf};

use super::{ImportError, ImportReport, Skipped};

/// Debian codename -> release id.
const DEBIAN: &[(&str, &str)] = &[
    ("buzz", "1.1"),
    ("rex", "1.2"),
    ("bo", "1.3"),
    ("hamm", "2.0"),
    ("slink", "2.1"),
    ("potato", "2.2"),
    ("woody", "3.0"),
    ("sarge", "3.1"),
    ("etch", "4"),
    ("lenny", "5"),
    ("squeeze", "6"),
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
    ("sid", "unstable"),
];

/// Ubuntu codename -> release id.
const UBUNTU: &[(&str, &str)] = &[
    ("precise", "12.04"),
    ("quantal", "12.10"),
    ("raring", "13.04"),
    ("saucy", "13.10"),
    ("trusty", "14.04"),
    ("utopic", "14.10"),
    ("vivid", "15.04"),
    ("wily", "15.10"),
    ("xenial", "16.04"),
    ("yakkety", "16.10"),
    ("zesty", "17.04"),
    ("artful", "17.10"),
    ("bionic", "18.04"),
    ("cosmic", "18.10"),
    ("disco", "19.04"),
    ("eoan", "19.10"),
    ("focal", "20.04"),
    ("groovy", "20.10"),
    ("hirsute", "21.04"),
    ("impish", "21.10"),
    ("jammy", "22.04"),
    ("kinetic", "22.10"),
    ("lunar", "23.04"),
    ("mantic", "23.10"),
    ("noble", "24.04"),
    ("oracular", "24.10"),
    ("plucky", "25.04"),
    ("questing", "25.10"),
];

fn lookup(table: &[(&str, &'static str)], codename: &str) -> Option<&'static str> {
    let codename = codename.trim().to_ascii_lowercase();
    table
        .iter()
        .find(|(name, _)| *name == codename)
        .map(|(_, release)| *release)
}

/// `bookworm` -> `debian:12`, `sid` -> `debian:unstable`.
pub(super) fn debian_distro(codename: &str) -> Option<String> {
    lookup(DEBIAN, codename).map(|release| format!("debian:{release}"))
}

/// `jammy` -> `22.04`.
pub(super) fn ubuntu_release(codename: &str) -> Option<&'static str> {
    lookup(UBUNTU, codename)
}

/// Drops a `0:` epoch (`0:1.2-3` -> `1.2-3`), which dpkg and rpm treat as no epoch and
/// which the package databases of an image do not spell out. Other epochs stay.
pub(super) fn without_zero_epoch(evr: &str) -> &str {
    evr.strip_prefix("0:").unwrap_or(evr)
}

/// Records `path` as skipped for `reason`.
pub(super) fn skip(report: &mut ImportReport, path: &Path, reason: impl Into<String>) {
    report.skipped.push(Skipped {
        file: path.display().to_string(),
        reason: reason.into(),
    });
}

/// The files of a feed: `root` itself when it is a file, else every file under it whose
/// name `wanted` accepts (hidden ones aside), sorted so imports are reproducible. A
/// subdirectory that cannot be read is skipped; an unreadable `root` stops the import.
pub(super) fn feed_files(
    root: &Path,
    wanted: &dyn Fn(&Path) -> bool,
    report: &mut ImportReport,
) -> Result<Vec<PathBuf>, ImportError> {
    let meta = std::fs::metadata(root).map_err(|source| ImportError::Io {
        path: root.display().to_string(),
        source,
    })?;
    if meta.is_file() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if dir == root => {
                return Err(ImportError::Io {
                    path: root.display().to_string(),
                    source: e,
                });
            }
            Err(e) => {
                skip(report, &dir, format!("cannot list directory: {e}"));
                continue;
            }
        };
        for entry in entries.flatten() {
            // `.git`, `.gitlab-ci.yml` and the like are never feed data.
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => dirs.push(path),
                Ok(_) if wanted(&path) => files.push(path),
                _ => {}
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Whether `path`'s name ends with one of `suffixes`.
pub(super) fn has_suffix(path: &Path, suffixes: &[&str]) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|name| suffixes.iter().any(|s| name.ends_with(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codenames_map_to_release_ids() {
        assert_eq!(debian_distro("bookworm").as_deref(), Some("debian:12"));
        assert_eq!(debian_distro("Buster").as_deref(), Some("debian:10"));
        assert_eq!(debian_distro("sid").as_deref(), Some("debian:unstable"));
        assert_eq!(debian_distro("sarge").as_deref(), Some("debian:3.1"));
        assert_eq!(debian_distro("jammy"), None);
        assert_eq!(ubuntu_release("jammy"), Some("22.04"));
        assert_eq!(ubuntu_release("oracular"), Some("24.10"));
        assert_eq!(ubuntu_release("bookworm"), None);
    }

    #[test]
    fn only_a_zero_epoch_is_dropped() {
        assert_eq!(without_zero_epoch("0:1.10-9.el9_0"), "1.10-9.el9_0");
        assert_eq!(without_zero_epoch("1:102.9.0-1"), "1:102.9.0-1");
        assert_eq!(without_zero_epoch("2.4.56-1"), "2.4.56-1");
    }

    #[test]
    fn feed_files_are_sorted_and_hidden_ones_left_out() {
        let dir = tempfile::tempdir().unwrap();
        for name in [".git/x.json", "b.json", "a/c.json", "d.txt", ".hidden.json"] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"{}").unwrap();
        }
        let mut report = ImportReport::default();
        let files = feed_files(dir.path(), &|p| has_suffix(p, &[".json"]), &mut report);
        let files: Vec<_> = files
            .unwrap()
            .into_iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().to_owned())
            .collect();
        assert_eq!(files, [Path::new("a/c.json"), Path::new("b.json")]);
    }

    #[test]
    fn a_missing_root_stops_the_import() {
        let mut report = ImportReport::default();
        let err = feed_files(Path::new("/nonexistent/feed"), &|_| true, &mut report);
        assert!(matches!(err, Err(ImportError::Io { .. })));
    }
}
