//! Python distributions from their core metadata: `*.dist-info/METADATA` (wheels, pip),
//! `*.egg-info/PKG-INFO` and `EGG-INFO/PKG-INFO` (setuptools), `*.egg-info` files (old
//! distutils installs, e.g. Debian's `python2.7`), and zipped `*.egg` files.
//!
//! The metadata is a block of RFC 822 style headers. The name is kept as written
//! (`Jinja2`); purls normalise it. Licences come from `License-Expression`, else a short
//! `License` field, else the `License :: ...` trove classifiers.

use std::io::{Cursor, Read};

use bulwark_types::{Ecosystem, Package};

use crate::util::rfc822::Headers;
use crate::util::to_spdx_all;
use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Largest metadata file read out of a zipped egg.
const MAX_PKG_INFO: u64 = 4 * 1024 * 1024;
/// A `License` field longer than this is the licence text itself, not its name.
const MAX_LICENSE_NAME: usize = 100;

const FORMAT: &str = "python metadata";

/// Python distributions from their installed core metadata.
#[derive(Debug, Default, Clone, Copy)]
pub struct Python;

impl Cataloger for Python {
    fn name(&self) -> &'static str {
        "python"
    }

    fn wants(&self, path: &str, _meta: &FileMeta) -> bool {
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
        let parent = dir.rsplit('/').next().unwrap_or("");
        match file {
            "METADATA" => ends_with_ci(parent, ".dist-info"),
            "PKG-INFO" => ends_with_ci(parent, ".egg-info") || parent == "EGG-INFO",
            _ => ends_with_ci(file, ".egg-info") || file.ends_with(".egg"),
        }
    }

    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        if file.path.ends_with(".egg") {
            return catalog_zipped_egg(file.data, out);
        }
        if let Some(pkg) = parse_metadata(file.data, out)? {
            out.packages.push(pkg);
        }
        Ok(())
    }
}

fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() > suffix.len()
        && s.get(s.len() - suffix.len()..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
}

/// A zipped egg holds its metadata at `EGG-INFO/PKG-INFO`.
fn catalog_zipped_egg(data: &[u8], out: &mut Output) -> Result<(), CatalogError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(data))
        .map_err(|e| CatalogError::malformed("python egg", format!("not a zip archive: {e}")))?;
    let mut entry = match zip.by_name("EGG-INFO/PKG-INFO") {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => {
            out.warnings
                .push("egg has no EGG-INFO/PKG-INFO".to_string());
            return Ok(());
        }
        Err(e) => return Err(CatalogError::malformed("python egg", e.to_string())),
    };
    if entry.size() > MAX_PKG_INFO {
        return Err(CatalogError::LimitExceeded {
            what: "EGG-INFO/PKG-INFO in egg".to_string(),
            limit: MAX_PKG_INFO,
        });
    }
    let mut buf = Vec::new();
    (&mut entry)
        .take(MAX_PKG_INFO)
        .read_to_end(&mut buf)
        .map_err(|e| {
            CatalogError::malformed("python egg", format!("reading EGG-INFO/PKG-INFO: {e}"))
        })?;
    if let Some(pkg) = parse_metadata(&buf, out)? {
        out.packages.push(pkg);
    }
    Ok(())
}

/// Parses one metadata file. `Ok(None)` when it names a distribution but no version.
fn parse_metadata(data: &[u8], out: &mut Output) -> Result<Option<Package>, CatalogError> {
    if data.contains(&0) {
        return Err(CatalogError::malformed(FORMAT, "binary content"));
    }
    let text = String::from_utf8_lossy(data);
    let headers = Headers::parse(&text);
    let Some(name) = headers.get("Name") else {
        return Err(CatalogError::malformed(FORMAT, "no Name header"));
    };
    let Some(version) = headers.get("Version") else {
        out.warnings.push(format!(
            "python distribution {name} has no Version; skipped"
        ));
        return Ok(None);
    };
    let mut pkg = Package::new(Ecosystem::Pypi, name, version);
    pkg.licenses = licenses(&headers);
    Ok(Some(pkg))
}

/// `License-Expression` (PEP 639), else a `License` name, else the licence classifiers.
fn licenses(headers: &Headers) -> Vec<String> {
    if let Some(expr) = headers.get("License-Expression") {
        return to_spdx_all([expr]);
    }
    if let Some(license) = headers.get("License")
        && !license.eq_ignore_ascii_case("UNKNOWN")
        && license.len() <= MAX_LICENSE_NAME
        && !license.contains('\n')
    {
        return to_spdx_all([license]);
    }
    // `License :: OSI Approved :: MIT License` -> `MIT License`; `License :: OSI Approved`
    // alone says nothing about which licence.
    let classified = headers
        .get_all("Classifier")
        .filter_map(|c| c.strip_prefix("License ::"))
        .filter_map(|c| c.rsplit("::").next())
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "OSI Approved");
    to_spdx_all(classified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    fn run(rel: &str) -> Result<Output, CatalogError> {
        let path = testdata().join("fixtures").join(rel);
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut out = Output::default();
        let image_path = format!("/{rel}");
        let input = FileInput {
            path: &image_path,
            meta: FileMeta {
                size: data.len() as u64,
                mode: 0o644,
            },
            data: &data,
        };
        Python.catalog(&input, &mut out).map(|()| out)
    }

    /// (name, version, licences) of the single package found in `rel`.
    fn one(rel: &str) -> (String, String, Vec<String>) {
        let out = run(rel).unwrap();
        assert_eq!(out.packages.len(), 1, "{rel}: {:?}", out.packages);
        let p = &out.packages[0];
        assert_eq!(p.ecosystem, Ecosystem::Pypi);
        (p.name.clone(), p.version.clone(), p.licenses.clone())
    }

    const TRIVY: &str = "trivy/pkg/fanal/analyzer/language/python/packaging/testdata";
    const TRIVY_PARSER: &str = "trivy/pkg/dependency/parser/python/packaging/testdata";
    const SCALIBR: &str = "osv-scalibr/extractor/filesystem/language/python/wheelegg/testdata";
    const SYFT: &str = "syft/syft/pkg/cataloger/python/testdata";

    #[test]
    fn wants_metadata_locations() {
        let m = FileMeta {
            size: 10,
            mode: 0o644,
        };
        for yes in [
            "/usr/lib/python3/dist-packages/Jinja2-2.11.2.dist-info/METADATA",
            "/usr/lib/python3/dist-packages/distlib-0.3.1.egg-info/PKG-INFO",
            "/usr/lib/python2.7/lib-dynload/Python-2.7.egg-info",
            "/site-packages/kitchen-1.2.6-py2.7.egg/EGG-INFO/PKG-INFO",
            "/site-packages/kitchen-1.2.6-py2.7.egg",
        ] {
            assert!(Python.wants(yes, &m), "{yes}");
        }
        for no in [
            "/src/METADATA",
            "/src/PKG-INFO",
            "/x.dist-info/RECORD",
            "/.dist-info/METADATA",
        ] {
            assert!(!Python.wants(no, &m), "{no}");
        }
    }

    #[test]
    fn dist_info_with_classifier_and_license_field() {
        let (name, version, lic) = one(&format!(
            "{TRIVY}/happy-dist/distlib-0.3.1.dist-info/METADATA"
        ));
        assert_eq!((name.as_str(), version.as_str()), ("distlib", "0.3.1"));
        assert_eq!(
            lic,
            ["Python license"],
            "no SPDX id for this name: kept as written"
        );
        let (_, _, lic) = one(&format!(
            "{TRIVY}/classifier-license-dist/setuptools-51.3.3.dist-info/METADATA"
        ));
        assert_eq!(lic, ["MIT"]);
        let (_, _, lic) = one(&format!("{SCALIBR}/pyopenssl-26.0.0.dist-info"));
        assert_eq!(lic, ["Apache-2.0"]);
    }

    #[test]
    fn license_expression_wins_and_classifiers_map() {
        assert_eq!(
            one(&format!("{TRIVY_PARSER}/iniconfig-2.0.0.METADATA")).2,
            ["MIT"]
        );
        let (_, _, lic) = one(&format!("{TRIVY_PARSER}/pyphen-0.14.0.METADATA"));
        assert_eq!(lic, ["GPL-2.0-or-later", "LGPL-2.0-or-later", "MPL-1.1"]);
        // `License: UNKNOWN` falls back to the classifier.
        assert_eq!(one(&format!("{SCALIBR}/egginfo_pkginfo")).2, ["MIT"]);
        assert_eq!(one(&format!("{SCALIBR}/egginfo")).2, ["GPL-2.0-or-later"]);
        // Only `License :: OSI Approved` and a licence file: nothing to report.
        assert!(
            one(&format!("{TRIVY_PARSER}/networkx-3.0.METADATA"))
                .2
                .is_empty()
        );
    }

    #[test]
    fn egg_info_forms() {
        let (name, version, lic) = one(&format!("{SYFT}/Python-2.7.egg-info"));
        assert_eq!((name.as_str(), version.as_str()), ("Python", "2.7.13"));
        assert_eq!(lic, ["PSF-2.0"]);
        let (name, version, lic) = one(&format!("{SYFT}/site-packages/test/test.egg-info"));
        assert_eq!(
            (name.as_str(), version.as_str(), lic),
            ("requests", "2.22.0", vec!["Apache-2.0".to_string()])
        );
        let (name, _, _) = one(&format!(
            "{TRIVY}/happy-egg/distlib-0.3.1.egg-info/PKG-INFO"
        ));
        assert_eq!(name, "distlib");
    }

    #[test]
    fn odd_headers() {
        // Lower-case keys, a name with dots and underscores, repeated Version (first wins),
        // trailing whitespace.
        assert_eq!(one(&format!("{SCALIBR}/mixed_case")).0, "httplib2");
        let (name, version, _) = one(&format!("{SCALIBR}/special_chars"));
        assert_eq!(
            (name.as_str(), version.as_str()),
            ("backports.ssl_match_hostname", "3.5.0.1")
        );
        assert_eq!(one(&format!("{SCALIBR}/repeated_pkginfo")).1, "1.0.0");
        assert_eq!(
            one(&format!("{TRIVY_PARSER}/simple-0.1.0.METADATA")).0,
            "simple"
        );
        let (name, version, lic) = one(&format!("{SCALIBR}/malformed_pkginfo"));
        assert_eq!(
            (name.as_str(), version.as_str(), lic),
            ("passlib", "1.7.4", vec!["BSD".to_string()])
        );
    }

    #[test]
    fn zipped_eggs() {
        let (name, version, lic) = one(&format!("{TRIVY}/egg-zip/kitchen-1.2.6-py2.7.egg"));
        assert_eq!((name.as_str(), version.as_str()), ("kitchen", "1.2.6"));
        assert_eq!(lic, ["LGPL-2.0-or-later"]);
        let (name, version, lic) = one(&format!("{SCALIBR}/monotonic-1.6-py3.10.egg"));
        assert_eq!(
            (name.as_str(), version.as_str(), lic),
            ("monotonic", "1.6", vec!["Apache-2.0".to_string()])
        );
        let out = run(&format!("{SCALIBR}/monotonic_no_pkginfo-1.6-py3.10.egg")).unwrap();
        assert!(out.packages.is_empty());
        assert_eq!(out.warnings.len(), 1);
    }

    #[test]
    fn missing_fields_and_garbage() {
        let out = run(&format!(
            "{SYFT}/site-packages/no-version/no-version-py3.8.egg-info"
        ))
        .unwrap();
        assert!(out.packages.is_empty());
        assert_eq!(out.warnings.len(), 1);
        for bad in [
            format!("{SYFT}/empty-1.0.0-py3.8.egg-info"),
            format!("{SCALIBR}/empty"),
        ] {
            assert!(
                matches!(run(&bad), Err(CatalogError::Malformed { .. })),
                "{bad}"
            );
        }
        // A wheel is a zip too, but not an egg's layout; as METADATA it is binary garbage.
        let whl = testdata()
            .join("fixtures")
            .join(SCALIBR)
            .join("monotonic-1.6-py2.py3-none-any.whl");
        let data = std::fs::read(whl).unwrap();
        let mut out = Output::default();
        let input = FileInput {
            path: "/x.dist-info/METADATA",
            meta: FileMeta { size: 1, mode: 0 },
            data: &data,
        };
        assert!(matches!(
            Python.catalog(&input, &mut out),
            Err(CatalogError::Malformed { .. })
        ));
        let truncated = FileInput {
            path: "/x.egg",
            meta: FileMeta { size: 1, mode: 0 },
            data: data.get(..data.len() / 2).unwrap(),
        };
        assert!(matches!(
            Python.catalog(&truncated, &mut out),
            Err(CatalogError::Malformed { .. })
        ));
    }
}
