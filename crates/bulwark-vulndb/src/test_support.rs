//! Helpers shared by the crate's tests: where the real test data lives, and running an
//! importer into a vector.

use std::path::{Path, PathBuf};

use bulwark_types::Advisory;

use crate::import::{ImportReport, Importer};

/// The shared test data folder: `$BULWARK_TESTDATA`, else `../shared/testdata` beside the
/// repository.
pub fn testdata() -> PathBuf {
    match std::env::var_os("BULWARK_TESTDATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/testdata"
        )),
    }
}

/// A path under `testdata/vulndata/`.
pub fn vulndata(relative: &str) -> PathBuf {
    testdata().join("vulndata").join(relative)
}

/// Runs `importer` on `path`, returning every advisory and the report. Panics if the
/// importer refuses the path altogether.
pub fn import(importer: &dyn Importer, path: &Path) -> (Vec<Advisory>, ImportReport) {
    let mut advisories = Vec::new();
    let mut report = ImportReport::default();
    importer
        .import(path, &mut |a| advisories.push(a), &mut report)
        .unwrap_or_else(|e| {
            panic!(
                "{} import of {} failed: {e}",
                importer.kind(),
                path.display()
            )
        });
    (advisories, report)
}

/// `(file name, reason)` of every skipped file, sorted by file name.
pub fn skipped_by_file(report: &ImportReport) -> Vec<(&str, &str)> {
    let mut v: Vec<_> = report
        .skipped
        .iter()
        .map(|s| {
            let name = Path::new(&s.file)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(&s.file);
            (name, s.reason.as_str())
        })
        .collect();
    v.sort();
    v
}

/// An OS affected entry fixed in `version`: `[Introduced("0"), Fixed(version)]`.
pub fn fixed_in(
    ecosystem: bulwark_types::Ecosystem,
    distro: &str,
    package: &str,
    version: &str,
) -> bulwark_types::Affected {
    use bulwark_types::{Affected, Event};
    Affected {
        ecosystem: Some(ecosystem),
        distro: Some(distro.to_owned()),
        package: package.to_owned(),
        ranges: vec![vec![
            Event::Introduced("0".into()),
            Event::Fixed(version.into()),
        ]],
        ..Affected::default()
    }
}
