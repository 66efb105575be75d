//! Alpine packages from /lib/apk/db/installed.
//!
//! The database is a list of records separated by blank lines; each line is a one-letter
//! key, a colon and a value (`P:musl`, `V:1.1.22-r3`). We read `P` (name), `V` (version),
//! `A` (architecture), `L` (licence) and `o` (origin: the aport the package was built
//! from, i.e. its source package). Other keys (file lists, checksums) are skipped.

use bulwark_types::{Ecosystem, Package, SourcePackage};

use crate::util::to_spdx;
use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

const FORMAT: &str = "apk installed database";

/// Where apk keeps its database; newer systems may move it under `/usr`.
const PATHS: [&str; 2] = ["/lib/apk/db/installed", "/usr/lib/apk/db/installed"];

/// Alpine packages from /lib/apk/db/installed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Apk;

impl Cataloger for Apk {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn wants(&self, path: &str, _meta: &FileMeta) -> bool {
        PATHS.contains(&path)
    }

    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        let text = String::from_utf8_lossy(file.data);
        let mut record = Record::default();
        let mut bad_lines = 0usize;
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                record.finish(out);
                continue;
            }
            match line.as_bytes() {
                [key, b':', ..] => record.set(*key, line.get(2..).unwrap_or_default()),
                _ => bad_lines += 1,
            }
        }
        record.finish(out);
        if bad_lines > 0 {
            if out.packages.is_empty() {
                return Err(CatalogError::malformed(
                    FORMAT,
                    "no `P:name` records, and lines that are not `X:value`",
                ));
            }
            out.warnings
                .push(format!("ignored {bad_lines} lines that are not `X:value`"));
        }
        Ok(())
    }
}

/// The fields of the record being read; the first value of a key wins.
#[derive(Default)]
struct Record {
    started: bool,
    name: Option<String>,
    version: Option<String>,
    arch: Option<String>,
    license: Option<String>,
    origin: Option<String>,
}

impl Record {
    fn set(&mut self, key: u8, value: &str) {
        self.started = true;
        let slot = match key {
            b'P' => &mut self.name,
            b'V' => &mut self.version,
            b'A' => &mut self.arch,
            b'L' => &mut self.license,
            b'o' => &mut self.origin,
            _ => return,
        };
        let value = value.trim();
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value.to_string());
        }
    }

    /// Turns the record into a package and starts a new one.
    fn finish(&mut self, out: &mut Output) {
        let r = std::mem::take(self);
        if !r.started {
            return;
        }
        let (Some(name), Some(version)) = (r.name, r.version) else {
            out.warnings
                .push("skipped an apk record without P: (name) or V: (version)".to_string());
            return;
        };
        let mut pkg = Package::new(Ecosystem::Apk, name, version);
        pkg.arch = r.arch;
        pkg.licenses = r.license.map(|l| to_spdx(&l)).into_iter().collect();
        // The origin's version is the package's own: an aport builds all its subpackages.
        pkg.source = r.origin.map(|name| SourcePackage {
            name,
            version: None,
        });
        out.packages.push(pkg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    fn catalog_bytes(data: &[u8]) -> Result<Output, CatalogError> {
        let file = FileInput {
            path: PATHS[0],
            meta: FileMeta {
                size: data.len() as u64,
                mode: 0o644,
            },
            data,
        };
        let mut out = Output::default();
        Apk.catalog(&file, &mut out).map(|()| out)
    }

    fn catalog(rel: &str) -> Result<Output, CatalogError> {
        catalog_bytes(&std::fs::read(testdata().join("fixtures").join(rel)).unwrap())
    }

    fn find<'a>(out: &'a Output, name: &str) -> &'a Package {
        out.packages
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} missing"))
    }

    const SCALIBR: &str = "osv-scalibr/extractor/filesystem/os/apk/testdata";

    #[test]
    fn wants_the_database_only() {
        let meta = FileMeta {
            size: 1,
            mode: 0o644,
        };
        assert!(Apk.wants("/lib/apk/db/installed", &meta));
        assert!(!Apk.wants("/lib/apk/db/triggers", &meta));
        assert!(!Apk.wants("/x/lib/apk/db/installed", &meta));
    }

    #[test]
    fn alpine_310_image() {
        // The installed database of the real alpine:3.10 image: 14 packages.
        let archive = testdata().join("images/alpine-310.docker.tar");
        let data = crate::test_support::docker_archive_file(&archive, "lib/apk/db/installed");
        let out = catalog_bytes(&data).unwrap();
        assert_eq!(out.packages.len(), 14);
        assert!(out.warnings.is_empty());
        let musl = find(&out, "musl");
        assert_eq!(musl.version, "1.1.22-r3");
        assert_eq!(musl.arch.as_deref(), Some("x86_64"));
        assert_eq!(musl.licenses, ["MIT"]);
        assert_eq!(musl.ecosystem, Ecosystem::Apk);
        assert_eq!(musl.epoch, None);
        // libcrypto1.1 is built from the openssl aport.
        let crypto = find(&out, "libcrypto1.1");
        assert_eq!(
            crypto.source,
            Some(SourcePackage {
                name: "openssl".into(),
                version: None
            })
        );
    }

    #[test]
    fn scalibr_installed() {
        let out = catalog(&format!("{SCALIBR}/installed")).unwrap();
        let text =
            std::fs::read_to_string(testdata().join("fixtures").join(SCALIBR).join("installed"))
                .unwrap();
        assert_eq!(
            out.packages.len(),
            text.lines().filter(|l| l.starts_with("P:")).count()
        );
        assert!(out.packages.len() > 10);
        for p in &out.packages {
            assert!(!p.version.is_empty() && p.source.is_some(), "{p:?}");
        }
    }

    #[test]
    fn licences_become_spdx_where_they_map() {
        let out = catalog("trivy/pkg/fanal/analyzer/pkg/apk/testdata/apk").unwrap();
        let licences = |name| find(&out, name).licenses.clone();
        assert_eq!(licences("busybox"), ["GPL-2.0-only"]); // L:GPL2
        assert_eq!(licences("zlib"), ["Zlib"]); // L:zlib
        assert_eq!(licences("ada-libs"), ["(Apache-2.0 OR MIT) AND MPL-2.0"]);
        // Too vague, or no operators between the names: kept as written.
        assert_eq!(licences("alpine-keys"), ["GPL"]);
        assert_eq!(licences("musl-utils"), ["MIT BSD GPL2+"]);
        assert_eq!(licences("sqlite-libs"), ["Public-Domain"]);
        // The record without V: is skipped with a warning.
        assert!(
            out.packages
                .iter()
                .all(|p| p.name != "invalidPackageWithoutAVersion")
        );
        assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    }

    #[test]
    fn missing_origin_and_bad_input() {
        let out = catalog(&format!("{SCALIBR}/no-origin")).unwrap();
        assert_eq!(out.packages.len(), 1);
        assert_eq!(out.packages[0].name, "pkgname");
        assert_eq!(out.packages[0].source, None);
        assert_eq!(out.packages[0].licenses, ["GPL-2.0-only"]);
        assert!(
            catalog(&format!("{SCALIBR}/empty"))
                .unwrap()
                .packages
                .is_empty()
        );
        assert!(catalog(&format!("{SCALIBR}/invalid")).is_err());
        // syft's corrupt database: a garbage line before good records.
        let out = catalog("syft/syft/pkg/cataloger/alpine/testdata/corrupt/lib/apk/db/installed")
            .unwrap();
        assert!(!out.packages.is_empty());
        assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    }
}
