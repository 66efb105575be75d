//! RPM packages from the SQLite, BerkeleyDB and NDB rpm databases.
//!
//! The container is recognised by its magic bytes (see [`crate::rpm`]), so a database is
//! read correctly whichever of the three names it has. Each header becomes a package:
//! version `VERSION-RELEASE`, epoch apart, the source package from `SOURCERPM`, the licence
//! as an SPDX expression where it maps. `gpg-pubkey` entries (imported signing keys, not
//! software) are left out.

use bulwark_types::{Ecosystem, Package, SourcePackage};

use crate::rpm::{RpmHeader, parse_database, parse_header};
use crate::util::to_spdx;
use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Directories rpm keeps its database in: the classic one, the `/usr` one of newer
/// Fedora/SUSE, and the one some minimal images use.
const DIRS: [&str; 3] = ["/var/lib/rpm/", "/usr/lib/sysimage/rpm/", "/usr/share/rpm/"];
const NAMES: [&str; 3] = ["Packages", "Packages.db", "rpmdb.sqlite"];

/// RPM packages from the SQLite, BerkeleyDB and NDB rpm databases.
#[derive(Debug, Default, Clone, Copy)]
pub struct Rpm;

impl Cataloger for Rpm {
    fn name(&self) -> &'static str {
        "rpm"
    }

    fn wants(&self, path: &str, _meta: &FileMeta) -> bool {
        DIRS.iter()
            .filter_map(|dir| path.strip_prefix(dir))
            .any(|name| NAMES.contains(&name))
    }

    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        if file.data.is_empty() {
            return Ok(()); // an empty placeholder, no database yet
        }
        let db = parse_database(file.data)?;
        let mut problems = db.skipped;
        let mut found = 0usize;
        for blob in &db.blobs {
            match parse_header(blob) {
                Ok(h) => {
                    found += 1;
                    if h.name != "gpg-pubkey" {
                        out.packages.push(package(h));
                    }
                }
                Err(e) => problems.push(format!("unreadable package header: {e}")),
            }
        }
        if found == 0 && !problems.is_empty() {
            return Err(CatalogError::malformed(
                "rpm database",
                format!(
                    "no package could be read ({} failed; first: {})",
                    problems.len(),
                    problems.join("; ")
                ),
            ));
        }
        out.warnings.extend(
            problems
                .into_iter()
                .map(|p| format!("skipped an rpm record: {p}")),
        );
        Ok(())
    }
}

fn package(h: RpmHeader) -> Package {
    let version = match &h.release {
        Some(release) => format!("{}-{release}", h.version),
        None => h.version.clone(),
    };
    let mut pkg = Package::new(Ecosystem::Rpm, h.name, version);
    pkg.epoch = h.epoch;
    pkg.arch = h.arch.filter(|a| !a.is_empty() && a != "(none)");
    pkg.licenses = h
        .license
        .map(|l| to_spdx(&l))
        .filter(|l| !l.is_empty())
        .into_iter()
        .collect();
    pkg.source = h
        .source_rpm
        .as_deref()
        .and_then(source_package)
        .map(|(name, v)| SourcePackage {
            name,
            // Absent when equal to the binary version, as `SourcePackage` documents.
            version: (v != pkg.version).then_some(v),
        });
    pkg
}

/// `name-version-release.src.rpm` (or `.nosrc.rpm`) into (name, `version-release`).
fn source_package(file: &str) -> Option<(String, String)> {
    let stem = file
        .strip_suffix(".src.rpm")
        .or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name.to_string(), format!("{version}-{release}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    fn catalog(rel: &str, path: &str) -> Result<Output, CatalogError> {
        let data = std::fs::read(testdata().join("fixtures").join(rel)).unwrap();
        let file = FileInput {
            path,
            meta: FileMeta {
                size: data.len() as u64,
                mode: 0o644,
            },
            data: &data,
        };
        let mut out = Output::default();
        Rpm.catalog(&file, &mut out).map(|()| out)
    }

    fn find<'a>(out: &'a Output, name: &str) -> &'a Package {
        out.packages
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} missing"))
    }

    #[test]
    fn wants_database_paths_only() {
        let meta = FileMeta {
            size: 1,
            mode: 0o644,
        };
        for p in [
            "/var/lib/rpm/Packages",
            "/usr/lib/sysimage/rpm/rpmdb.sqlite",
            "/usr/share/rpm/Packages.db",
        ] {
            assert!(Rpm.wants(p, &meta), "{p}");
        }
        for p in [
            "/var/lib/rpm/Name",
            "/var/lib/rpm/rpmdb.sqlite-wal",
            "/opt/var/lib/rpm/Packages",
            "/var/lib/rpm",
        ] {
            assert!(!Rpm.wants(p, &meta), "{p}");
        }
    }

    #[test]
    fn sqlite_cbl_mariner() {
        let out = catalog(
            "rpmroots/cbl-mariner-2.0/var/lib/rpm/rpmdb.sqlite",
            "/var/lib/rpm/rpmdb.sqlite",
        )
        .unwrap();
        // `rpm -qa --dbpath` (rpm 4.18) lists 129 headers, none of them gpg-pubkey.
        assert_eq!(out.packages.len(), 129);
        assert!(out.warnings.is_empty());
        // go-rpmdb's cbl-mariner-2.0/curl.json.
        let curl = find(&out, "curl");
        assert_eq!(curl.version, "7.76.0-6.cm2");
        assert_eq!(curl.epoch, None);
        assert_eq!(curl.arch.as_deref(), Some("x86_64"));
        assert_eq!(curl.licenses, ["MIT"]);
        assert_eq!(curl.ecosystem, Ecosystem::Rpm);
        assert_eq!(
            curl.source,
            Some(SourcePackage {
                name: "curl".into(),
                version: None
            })
        );
        // rpm -qa: ca-certificates-tools|1|2.0.0|1.cm2|noarch|ca-certificates-2.0.0-1.cm2.src.rpm|MPLv2.0
        let ca = find(&out, "ca-certificates-tools");
        assert_eq!((ca.version.as_str(), ca.epoch), ("2.0.0-1.cm2", Some(1)));
        assert_eq!(ca.arch.as_deref(), Some("noarch"));
        assert_eq!(
            ca.source,
            Some(SourcePackage {
                name: "ca-certificates".into(),
                version: None
            })
        );
        assert_eq!(ca.licenses, ["MPL-2.0"]);
        // rpm -qa: bash|(none)|5.1.8|1.cm2|x86_64|bash-5.1.8-1.cm2.src.rpm|GPLv3
        assert_eq!(find(&out, "bash").licenses, ["GPL-3.0-only"]);
    }

    #[test]
    fn ndb_sle15() {
        // Expected values: go-rpmdb's SLE15WithNDB list (pkg/rpmdb_testcase.go, from
        // `rpm -qa` in registry.suse.com/bci/minimal:15.3), which this Packages.db matches.
        let out = catalog(
            "rpmroots/sle15-bci/var/lib/rpm/Packages.db",
            "/var/lib/rpm/Packages.db",
        )
        .unwrap();
        assert_eq!(out.packages.len(), 35);
        assert!(out.warnings.is_empty());
        assert_eq!(
            out.packages.first().map(|p| p.name.as_str()),
            Some("system-user-root")
        );
        assert_eq!(
            out.packages.last().map(|p| p.version.as_str()),
            Some("4.14.3-40.1")
        );
        let glibc = find(&out, "glibc");
        assert_eq!((glibc.version.as_str(), glibc.epoch), ("2.31-9.3.2", None));
        assert_eq!(glibc.arch.as_deref(), Some("x86_64"));
        assert_eq!(
            glibc.licenses,
            ["LGPL-2.1-or-later AND LGPL-2.1-or-later WITH GCC-exception-2.0 AND GPL-2.0-or-later"]
        );
        // {0, "libgcc_s1", "11.2.1+git610", "1.3.9", "x86_64", "gcc11-11.2.1+git610-1.3.9.src.rpm", ...}
        let libgcc = find(&out, "libgcc_s1");
        assert_eq!(libgcc.version, "11.2.1+git610-1.3.9");
        assert_eq!(
            libgcc.source,
            Some(SourcePackage {
                name: "gcc11".into(),
                version: None
            })
        );
        // {0, "libreadline7", "7.0", "19.6.1", ..., "bash-4.4-19.6.1.src.rpm", ...}
        let readline = find(&out, "libreadline7");
        assert_eq!(readline.version, "7.0-19.6.1");
        assert_eq!(
            readline.source,
            Some(SourcePackage {
                name: "bash".into(),
                version: Some("4.4-19.6.1".into())
            })
        );
        // Licences that are not SPDX as written map where they can.
        assert_eq!(
            find(&out, "libacl1").licenses,
            ["GPL-2.0-or-later AND LGPL-2.1-or-later"]
        ); // "GPL-2.0+ and LGPL-2.1+"
        assert_eq!(
            find(&out, "perl-base").licenses,
            ["Artistic-1.0 OR GPL-2.0-or-later"]
        ); // "Artistic-1.0 or GPL-2.0+"
        assert_eq!(
            find(&out, "libdw1").licenses,
            ["SUSE-GPL-2.0-with-OSI-exception"]
        ); // not SPDX: as written
        assert_eq!(
            find(&out, "system-user-root").arch.as_deref(),
            Some("noarch")
        );
    }

    #[test]
    fn bdb_libuuid_and_epoch() {
        // Checked with `rpm -qa --dbpath DIR --define '_db_backend bdb_ro'` (rpm 4.18):
        // libuuid|(none)|2.32.1|42.el8_8|x86_64|util-linux-2.32.1-42.el8_8.src.rpm|BSD
        let out = catalog(
            "rpmroots/libuuid/var/lib/rpm/Packages",
            "/var/lib/rpm/Packages",
        )
        .unwrap();
        assert_eq!(out.packages.len(), 1);
        let p = &out.packages[0];
        assert_eq!(
            (p.name.as_str(), p.version.as_str(), p.epoch),
            ("libuuid", "2.32.1-42.el8_8", None)
        );
        assert_eq!(
            p.source,
            Some(SourcePackage {
                name: "util-linux".into(),
                version: None
            })
        );
        assert_eq!(p.licenses, ["BSD"]); // which BSD is not said: kept as written

        // hello|1|0.0.1|rls|x86_64|hello-0.0.1-rls.src.rpm|GPL
        let out = catalog(
            "osv-scalibr/extractor/filesystem/os/rpm/testdata/Packages_epoch",
            "/var/lib/rpm/Packages",
        )
        .unwrap();
        let p = &out.packages[0];
        assert_eq!(
            (p.name.as_str(), p.version.as_str(), p.epoch),
            ("hello", "0.0.1-rls", Some(1))
        );
    }

    #[test]
    fn empty_and_bogus_files() {
        let glob = "syft/syft/pkg/cataloger/redhat/testdata/glob-paths";
        let out = catalog(
            &format!("{glob}/usr/lib/sysimage/rpm/Packages"),
            "/usr/lib/sysimage/rpm/Packages",
        )
        .unwrap();
        assert!(out.packages.is_empty());
        assert!(
            catalog(
                &format!("{glob}/var/lib/rpm/rpmdb.sqlite"),
                "/var/lib/rpm/rpmdb.sqlite"
            )
            .is_err()
        );
        assert!(
            catalog(
                "osv-scalibr/extractor/filesystem/os/rpm/testdata/invalid",
                "/var/lib/rpm/Packages"
            )
            .is_err()
        );
    }

    #[test]
    fn corrupted_databases_are_errors_not_panics() {
        let go = testdata().join("fixtures/go-rpmdb/pkg/testdata");
        for rel in [
            "libuuid/Packages",
            "sle15-bci/Packages.db",
            "cbl-mariner-2.0/rpmdb.sqlite",
        ] {
            let data = std::fs::read(go.join(rel)).unwrap();
            let cut = &data[..data.len() / 3];
            let file = FileInput {
                path: "/var/lib/rpm/Packages",
                meta: FileMeta { size: 0, mode: 0 },
                data: cut,
            };
            assert!(Rpm.catalog(&file, &mut Output::default()).is_err(), "{rel}");
            // Pseudo-random byte damage: any result is fine, a panic is not. A smoke test:
            // the fuzz targets in fuzz/ do this at scale.
            let rounds = if rel.ends_with(".sqlite") { 5 } else { 30 };
            let mut seed = 0x2545_f491_4f6c_dd1du64;
            for _ in 0..rounds {
                let mut bad = data.clone();
                for _ in 0..8 {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let at = (seed % bad.len() as u64) as usize;
                    bad[at] = (seed >> 32) as u8;
                }
                let file = FileInput { data: &bad, ..file };
                let _ = Rpm.catalog(&file, &mut Output::default());
            }
        }
    }

    #[test]
    fn source_rpm_names() {
        assert_eq!(
            source_package("util-linux-2.32.1-42.el8_8.src.rpm"),
            Some(("util-linux".into(), "2.32.1-42.el8_8".into()))
        );
        assert_eq!(
            source_package("a-1-2.nosrc.rpm"),
            Some(("a".into(), "1-2".into()))
        );
        assert_eq!(source_package("nodash.src.rpm"), None);
        assert_eq!(source_package("x-1-2.rpm"), None);
    }
}
