//! Rust crates from Cargo.lock.
//!
//! All four lock file versions share the `[[package]]` array (`name`, `version`,
//! `source`, `checksum`, `dependencies`). They differ in details this cataloger reads
//! around: v1 has no `version` key, may carry the root crate in a `[root]` table, and keeps
//! checksums in a `[metadata]` table keyed `"checksum <name> <version> (<source>)"`; v2
//! moved checksums into the packages; v3 and v4 are marked `version = 3` / `4` and change
//! only how dependencies and git sources are written.

use std::collections::HashMap;

use bulwark_types::{Ecosystem, Package};
use serde::Deserialize;

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Newest lock file format known; newer ones are read as this one, with a warning.
const NEWEST_VERSION: u32 = 4;

/// Rust crates from Cargo.lock.
///
/// Reports the crates whose `source` is a registry: crates.io or another registry, git
/// (`registry+`) or sparse (`sparse+`) protocol. Skipped, on purpose: packages without a
/// source (the workspace members and path dependencies, the project itself rather than a
/// published release; their names may collide with unrelated crates.io crates) and `git+`
/// sources (a checkout's declared version does not say which code it is, so registry
/// advisories cannot be matched against it).
#[derive(Debug, Default, Clone, Copy)]
pub struct CargoLock;

#[derive(Debug, Deserialize)]
struct Lockfile {
    version: Option<u32>,
    #[serde(default)]
    package: Vec<LockedPackage>,
    /// Checksums of v1 lock files; other keys are ignored.
    #[serde(default)]
    metadata: toml::Table,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
}

impl LockedPackage {
    fn is_from_registry(&self) -> bool {
        self.source
            .as_deref()
            .is_some_and(|s| s.starts_with("registry+") || s.starts_with("sparse+"))
    }
}

impl Cataloger for CargoLock {
    fn name(&self) -> &'static str {
        "cargo-lock"
    }

    fn wants(&self, path: &str, _meta: &FileMeta) -> bool {
        path.rsplit('/').next() == Some("Cargo.lock")
    }

    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        let lock = parse(file.data)?;
        if let Some(v) = lock.version.filter(|v| *v > NEWEST_VERSION) {
            out.warnings.push(format!(
                "Cargo.lock version {v} is newer than the newest known ({NEWEST_VERSION}); read as version {NEWEST_VERSION}"
            ));
        }
        out.packages.extend(
            lock.package
                .into_iter()
                .filter(|p| p.is_from_registry() && !p.name.is_empty() && !p.version.is_empty())
                .map(|p| Package::new(Ecosystem::Cargo, p.name, p.version)),
        );
        Ok(())
    }
}

/// Parses a lock file, moving v1 `[metadata]` checksums into their packages.
fn parse(data: &[u8]) -> Result<Lockfile, CatalogError> {
    let text = std::str::from_utf8(data)
        .map_err(|e| CatalogError::malformed("Cargo.lock", e.to_string()))?;
    let mut lock: Lockfile =
        toml::from_str(text).map_err(|e| CatalogError::malformed("Cargo.lock", e.to_string()))?;
    let checksums: HashMap<&str, &str> = lock
        .metadata
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("checksum ")?, v.as_str()?)))
        .collect();
    if checksums.is_empty() {
        return Ok(lock);
    }
    let found: Vec<Option<String>> = lock
        .package
        .iter()
        .map(|p| {
            let source = p.source.as_deref()?;
            let key = format!("{} {} ({source})", p.name, p.version);
            checksums.get(key.as_str()).map(|c| c.to_string())
        })
        .collect();
    for (p, checksum) in lock.package.iter_mut().zip(found) {
        if p.checksum.is_none() {
            p.checksum = checksum;
        }
    }
    Ok(lock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    fn lockfile(name: &str) -> Vec<u8> {
        std::fs::read(testdata().join("lockfiles/cargo").join(name)).unwrap()
    }

    fn run(data: &[u8]) -> Result<Output, CatalogError> {
        let input = FileInput {
            path: "/src/app/Cargo.lock",
            meta: FileMeta {
                size: data.len() as u64,
                mode: 0o644,
            },
            data,
        };
        let mut out = Output::default();
        CargoLock.catalog(&input, &mut out)?;
        assert!(
            out.packages
                .iter()
                .all(|p| p.ecosystem == Ecosystem::Cargo && p.locations.is_empty())
        );
        Ok(out)
    }

    // Counts cross-checked with Python's tomllib: `[[package]]` entries whose `source`
    // starts with `registry+` or `sparse+`, and `[metadata]` keys starting `checksum `.
    #[test]
    fn counts_match_an_independent_toml_reader() {
        let cases = [
            // (file, lock version, registry packages, v1 metadata checksums)
            ("11Takanori__example__e522723.lock", None, 5, 5), // v1 with [root]
            ("AngleOSaxon__NodeSSPI__f3ba283.lock", None, 61, 61), // v1 with [root]
            (
                "AWildDevAppears__react-text-based-adventure-mk2__c3978a0.lock",
                None,
                18,
                18,
            ),
            ("GDGVIT__rust-rocket-template__8f25343.lock", None, 168, 0), // v2
            ("000Sanya__heroku_bot__064f44d.lock", None, 209, 0),         // v2, one git crate
            (
                "00shiki__godot-rust-helloworld__97ee071.lock",
                Some(3),
                20,
                0,
            ), // ten git crates
            ("n8henrie__advent2018-rust__8562498.lock", Some(3), 3, 0),   // 25 workspace members
            ("00-KAMIDUKI__udiskr__eaf32b7.lock", Some(4), 97, 0),
            ("Knight-Ops__hn-api-wasm__965eb38.lock", Some(4), 55, 0), // one sparse registry
        ];
        for (name, version, registry, v1_checksums) in cases {
            let data = lockfile(name);
            let lock = parse(&data).unwrap();
            assert_eq!(lock.version, version, "{name}");
            let out = run(&data).unwrap();
            assert_eq!(out.packages.len(), registry, "{name}");
            assert!(out.warnings.is_empty());
            if v1_checksums > 0 {
                // Every registry package got its checksum from [metadata].
                let with = lock
                    .package
                    .iter()
                    .filter(|p| p.is_from_registry() && p.checksum.is_some())
                    .count();
                assert_eq!(with, v1_checksums, "{name}");
            }
        }
    }

    #[test]
    fn every_real_lock_file_parses_and_the_total_matches() {
        let mut files = 0;
        let mut total = 0;
        for entry in std::fs::read_dir(testdata().join("lockfiles/cargo")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "lock") {
                let out =
                    run(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{path:?}: {e}"));
                files += 1;
                total += out.packages.len();
            }
        }
        // Independent count (tomllib) over the same 81 files.
        assert_eq!((files, total), (81, 2911));
    }

    #[test]
    fn exact_packages_and_skipped_sources() {
        let out = run(&lockfile("11Takanori__example__e522723.lock")).unwrap();
        let got: Vec<(&str, &str)> = out
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("byteorder", "0.5.3"),
                ("csv", "0.14.7"),
                ("either", "1.0.2"),
                ("itertools", "0.5.8"),
                ("rustc-serialize", "0.3.22")
            ]
        );
        let syft = testdata().join("fixtures/syft/syft/pkg/cataloger/rust/testdata");
        // Path dependencies (`app`, `telemetry`) are skipped.
        let out = run(&std::fs::read(syft.join("path-deps/Cargo.lock")).unwrap()).unwrap();
        let names: Vec<&str> = out.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["memchr"]);
        // regex, regex-automata and regex-syntax appear twice, from crates.io and from git;
        // the git copies and the root are skipped: 12 packages, 8 from crates.io.
        let out = run(&std::fs::read(syft.join("Cargo.lock-with-git-deps")).unwrap()).unwrap();
        assert_eq!(out.packages.len(), 8);
        assert_eq!(
            out.packages
                .iter()
                .filter(|p| p.name.starts_with("regex"))
                .count(),
            3
        );
    }

    #[test]
    fn malformed_and_future_files() {
        // A real file cut short by syft's test suite: invalid TOML.
        let syft = testdata().join("fixtures/syft/syft/pkg/cataloger/rust/testdata");
        let broken = std::fs::read(syft.join("glob-paths/src/Cargo.lock")).unwrap();
        assert!(matches!(run(&broken), Err(CatalogError::Malformed { .. })));
        let data = lockfile("00-KAMIDUKI__udiskr__eaf32b7.lock");
        assert!(
            run(&data[..data.len() / 2]).is_err()
                || run(&data[..data.len() / 2]).unwrap().packages.len() < 97
        );
        assert!(run(&[0xff, 0xfe, 0x00]).is_err());
        assert!(run(b"[[package]]\nname = 3\n").is_err());
        let future = String::from_utf8(data)
            .unwrap()
            .replace("version = 4", "version = 9");
        let out = run(future.as_bytes()).unwrap();
        assert_eq!(out.packages.len(), 97);
        assert_eq!(out.warnings.len(), 1);
    }

    #[test]
    fn wants_only_cargo_lock() {
        let meta = FileMeta {
            size: 100,
            mode: 0o644,
        };
        assert!(CargoLock.wants("/src/Cargo.lock", &meta));
        assert!(CargoLock.wants("/Cargo.lock", &meta));
        assert!(!CargoLock.wants("/src/Cargo.lock.bak", &meta));
        assert!(!CargoLock.wants("/src/cargo.lock", &meta));
        assert!(!CargoLock.wants("/src/Cargo.toml", &meta));
    }
}
