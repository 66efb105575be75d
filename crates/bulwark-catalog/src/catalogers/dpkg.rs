//! Debian packages from /var/lib/dpkg/status and distroless /var/lib/dpkg/status.d/.
//!
//! Both are Debian control files: paragraphs of `Field: value` lines separated by blank
//! lines, long values continued on lines that start with a space. `status` lists every
//! package dpkg knows, including removed ones that left configuration files behind, so
//! only packages whose `Status` is installed count. Distroless images write one file per
//! package into `status.d/` (beside a `.md5sums` file) without a `Status` field; a
//! paragraph without `Status` counts as installed.

use bulwark_types::{Ecosystem, Package, SourcePackage};

use crate::util::rfc822::{Headers, paragraphs};
use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

const FORMAT: &str = "dpkg status";
const STATUS: &str = "/var/lib/dpkg/status";
const STATUS_DIR: &str = "/var/lib/dpkg/status.d/";

/// Files in `status.d/` that are not package paragraphs.
const NOT_CONTROL: [&str; 6] = [
    ".md5sums",
    ".preinst",
    ".postinst",
    ".prerm",
    ".postrm",
    ".conffiles",
];

/// Package states whose files are on disk and configured (the third word of `Status`).
const INSTALLED: [&str; 3] = ["installed", "triggers-pending", "triggers-awaited"];

/// Debian packages from /var/lib/dpkg/status and distroless /var/lib/dpkg/status.d/.
#[derive(Debug, Default, Clone, Copy)]
pub struct Dpkg;

impl Cataloger for Dpkg {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn wants(&self, path: &str, _meta: &FileMeta) -> bool {
        path == STATUS
            || path.strip_prefix(STATUS_DIR).is_some_and(|name| {
                !name.is_empty()
                    && !name.contains('/')
                    && !NOT_CONTROL.iter().any(|s| name.ends_with(s))
            })
    }

    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        let text = String::from_utf8_lossy(file.data);
        if text.trim().is_empty() {
            return Ok(());
        }
        let mut paragraphs_seen = 0usize;
        for para in paragraphs(&text) {
            paragraphs_seen += 1;
            match package(&para) {
                Ok(Some(pkg)) => out.packages.push(pkg),
                Ok(None) => {}
                Err(problem) => out
                    .warnings
                    .push(format!("skipped paragraph {paragraphs_seen}: {problem}")),
            }
        }
        if paragraphs_seen == 0 {
            return Err(CatalogError::malformed(
                FORMAT,
                "no `Field: value` paragraphs",
            ));
        }
        Ok(())
    }
}

/// The package a paragraph describes; `None` when it is not installed.
fn package(para: &Headers) -> Result<Option<Package>, String> {
    let name = para.get("Package").ok_or("no Package field")?;
    if let Some(status) = para.get("Status") {
        let state = status.split_whitespace().nth(2).unwrap_or_default();
        if !INSTALLED.contains(&state) {
            return Ok(None);
        }
    }
    let version = para
        .get("Version")
        .ok_or_else(|| format!("package {name} has no Version field"))?;
    let mut pkg = Package::new(Ecosystem::Deb, name, version);
    pkg.epoch = version.split_once(':').and_then(|(e, _)| e.parse().ok());
    pkg.arch = para.get("Architecture").map(str::to_string);
    pkg.source = para.get("Source").and_then(|s| source(s, version));
    Ok(Some(pkg))
}

/// `Source: name` or `Source: name (version)`; dpkg gives the version only when it differs
/// from the binary package's.
fn source(field: &str, binary_version: &str) -> Option<SourcePackage> {
    let (name, version) = match field.split_once('(') {
        Some((name, rest)) => (name, rest.split(')').next().map(str::trim)),
        None => (field, None),
    };
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let version = version
        .filter(|v| !v.is_empty() && *v != binary_version)
        .map(str::to_string);
    Some(SourcePackage {
        name: name.to_string(),
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    fn catalog_file(rel: &str, path: &str) -> Result<Output, CatalogError> {
        let data = std::fs::read(testdata().join("fixtures").join(rel)).unwrap();
        let mut out = Output::default();
        let file = FileInput {
            path,
            meta: FileMeta {
                size: data.len() as u64,
                mode: 0o644,
            },
            data: &data,
        };
        Dpkg.catalog(&file, &mut out).map(|()| out)
    }

    fn names(out: &Output) -> Vec<&str> {
        out.packages.iter().map(|p| p.name.as_str()).collect()
    }

    const SCALIBR: &str = "osv-scalibr/extractor/filesystem/os/dpkg/testdata/dpkg";
    const SYFT: &str = "syft/syft/pkg/cataloger/debian/testdata";

    #[test]
    fn wants() {
        let meta = FileMeta {
            size: 1,
            mode: 0o644,
        };
        assert!(Dpkg.wants("/var/lib/dpkg/status", &meta));
        assert!(Dpkg.wants("/var/lib/dpkg/status.d/libssl3", &meta));
        assert!(Dpkg.wants("/var/lib/dpkg/status.d/libpython3.11-minimal", &meta));
        for p in [
            "/var/lib/dpkg/status.d/libssl3.md5sums",
            "/var/lib/dpkg/status-old",
            "/var/lib/dpkg/status.d/",
        ] {
            assert!(!Dpkg.wants(p, &meta), "{p}");
        }
    }

    /// The `var/lib/dpkg/status` section of one of trivy's txtar archives.
    fn trivy_status(name: &str) -> Vec<u8> {
        let path = testdata()
            .join("fixtures/trivy/pkg/fanal/analyzer/pkg/dpkg/testdata")
            .join(name);
        let text = std::fs::read_to_string(path).unwrap();
        let (_, rest) = text.split_once("-- var/lib/dpkg/status --\n").unwrap();
        rest.split("\n-- ").next().unwrap().as_bytes().to_vec()
    }

    #[test]
    fn status_with_many_packages() {
        // An Ubuntu 18.04 status file: 90 installed packages and git with config files only.
        let data = trivy_status("valid.txtar");
        let mut out = Output::default();
        Dpkg.catalog(
            &FileInput {
                path: STATUS,
                meta: FileMeta {
                    size: 0,
                    mode: 0o644,
                },
                data: &data,
            },
            &mut out,
        )
        .unwrap();
        assert_eq!(out.packages.len(), 90);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert!(
            out.packages
                .iter()
                .all(|p| p.name != "git" && p.ecosystem == Ecosystem::Deb)
        );
        let bsdutils = out.packages.iter().find(|p| p.name == "bsdutils").unwrap();
        assert_eq!(
            (bsdutils.version.as_str(), bsdutils.epoch),
            ("1:2.31.1-0.4ubuntu3.1", Some(1))
        );
        assert_eq!(bsdutils.arch.as_deref(), Some("amd64"));
        assert_eq!(
            bsdutils.source,
            Some(SourcePackage {
                name: "util-linux".into(),
                version: Some("2.31.1-0.4ubuntu3.1".into())
            })
        );
        let libc = out.packages.iter().find(|p| p.name == "libc6").unwrap();
        assert_eq!((libc.version.as_str(), libc.epoch), ("2.27-3ubuntu1", None));
        assert_eq!(
            libc.source,
            Some(SourcePackage {
                name: "glibc".into(),
                version: None
            })
        );
        assert!(libc.licenses.is_empty());
    }

    #[test]
    fn installed_states_only() {
        let out = catalog_file(&format!("{SCALIBR}/statusfield"), STATUS).unwrap();
        assert_eq!(
            names(&out),
            [
                "wantinstall_installed",
                "wantdeinstall_installed",
                "wantpurge_installed",
                "wantnostatus"
            ]
        );
        let out = catalog_file(
            &format!("{SYFT}/var/lib/dpkg/status.d/deinstall"),
            "/var/lib/dpkg/status.d/deinstall",
        )
        .unwrap();
        assert_eq!(out.packages.len(), 1);
    }

    #[test]
    fn epoch_and_source() {
        // git-core 1:2.14.2-1, Source: git.
        let out = catalog_file(&format!("{SCALIBR}/transitional_dummy"), STATUS).unwrap();
        let git = &out.packages[0];
        assert_eq!(
            (git.name.as_str(), git.version.as_str(), git.epoch),
            ("git-core", "1:2.14.2-1", Some(1))
        );
        assert_eq!(git.arch.as_deref(), Some("all"));
        assert_eq!(
            git.source,
            Some(SourcePackage {
                name: "git".into(),
                version: None
            })
        );
        // syft's coreutils-relationships: `Source: libselinux (3.4-1)` on libselinux1 3.4-1+b6.
        let rel = format!("{SYFT}/var/lib/dpkg/status.d/coreutils-relationships");
        let out = catalog_file(&rel, "/var/lib/dpkg/status.d/coreutils-relationships").unwrap();
        let se = out
            .packages
            .iter()
            .find(|p| p.name == "libselinux1")
            .unwrap();
        assert_eq!(se.version, "3.4-1+b6");
        assert_eq!(
            se.source,
            Some(SourcePackage {
                name: "libselinux".into(),
                version: Some("3.4-1".into())
            })
        );
    }

    #[test]
    fn empty_package_and_missing_version_are_skipped() {
        let rel = format!("{SYFT}/var/lib/dpkg/status.d/multiple");
        let out = catalog_file(&rel, "/var/lib/dpkg/status.d/multiple").unwrap();
        assert_eq!(names(&out), ["tzdata", "util-linux"]);
        assert_eq!(
            out.packages[0].source.as_ref().map(|s| s.name.as_str()),
            Some("tzdata-dev")
        );
        assert_eq!(out.warnings.len(), 2, "{:?}", out.warnings);
    }

    #[test]
    fn distroless_status_d() {
        let rel = format!("{SYFT}/image-distroless-deb/var/lib/dpkg/status.d/libsqlite3-0");
        let out = catalog_file(&rel, "/var/lib/dpkg/status.d/libsqlite3-0").unwrap();
        assert_eq!(names(&out), ["libsqlite3-0"]);
        assert_eq!(
            out.packages[0].source.as_ref().map(|s| s.name.as_str()),
            Some("sqlite3")
        );
        // scalibr's status.d/foo: foo has no Status (installed), bar is config-files only.
        let out = catalog_file(
            &format!("{SCALIBR}/status.d/foo"),
            "/var/lib/dpkg/status.d/foo",
        )
        .unwrap();
        assert_eq!(names(&out), ["foo"]);
        assert_eq!(out.packages[0].version, "1.2.3");
    }

    #[test]
    fn missing_fields_warn_and_garbage_fails() {
        let out = catalog_file(&format!("{SCALIBR}/nopackage"), STATUS).unwrap();
        assert_eq!(names(&out), ["foo", "bar"]);
        assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
        let out = catalog_file(&format!("{SCALIBR}/noversion"), STATUS).unwrap();
        assert_eq!(names(&out), ["foo", "bar"]);
        assert!(out.warnings[0].contains("acl"), "{:?}", out.warnings);
        assert!(
            catalog_file(&format!("{SCALIBR}/empty"), STATUS)
                .unwrap()
                .packages
                .is_empty()
        );
        assert_eq!(
            catalog_file(&format!("{SCALIBR}/trailingnewlines"), STATUS)
                .unwrap()
                .packages
                .len(),
            1
        );
        assert!(catalog_file(&format!("{SCALIBR}/invalid"), STATUS).is_err());
        assert!(catalog_file(&format!("{SCALIBR}/status.d/foo.md5sums"), STATUS).is_err());
    }

    #[test]
    fn source_field_forms() {
        let s = |f, v| source(f, v);
        assert_eq!(
            s("util-linux (2.38.1-5)", "1:2.38.1-5"),
            Some(SourcePackage {
                name: "util-linux".into(),
                version: Some("2.38.1-5".into())
            })
        );
        assert_eq!(
            s("acl", "2.3.1-3"),
            Some(SourcePackage {
                name: "acl".into(),
                version: None
            })
        );
        assert_eq!(
            s("acl (2.3.1-3)", "2.3.1-3"),
            Some(SourcePackage {
                name: "acl".into(),
                version: None
            })
        );
        assert_eq!(s(" (1.0)", "1.0"), None);
    }
}
