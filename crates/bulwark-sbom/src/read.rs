//! Reading an SBOM back: format detection and the package mapping CycloneDX and SPDX share.

use bulwark_types::{Distro, LayerRef, Package, Sbom};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{SbomError, cyclonedx, json, props, purl, spdx};

/// Reads a CycloneDX JSON (1.x), SPDX JSON (2.x) or Bulwark JSON SBOM, telling them apart by
/// their `bomFormat`, `spdxVersion` or `schema` field.
///
/// Components without a purl, or with a purl of a type Bulwark does not know, are skipped
/// with a message in [`Sbom::warnings`]; only a document that is not an SBOM at all fails.
/// The target's `kind` is `sbom` unless the document was written by Bulwark.
pub fn read(bytes: &[u8]) -> Result<Sbom, SbomError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.trim_ascii_start().starts_with(b"<") {
        return Err(SbomError::Xml);
    }
    let value: Value = serde_json::from_slice(bytes).map_err(SbomError::NotJson)?;
    let Some(obj) = value.as_object() else {
        return Err(SbomError::UnknownDocument);
    };
    if let Some(format) = obj.get("bomFormat") {
        if format.as_str() != Some("CycloneDX") {
            return Err(SbomError::UnknownDocument);
        }
        let bom: cyclonedx::Bom = parse(value, "CycloneDX")?;
        if !bom.spec_version.starts_with("1.") {
            return Err(SbomError::UnsupportedVersion {
                format: "CycloneDX",
                version: bom.spec_version,
                supported: "1.x JSON",
            });
        }
        return Ok(cyclonedx::to_sbom(bom));
    }
    if obj.contains_key("spdxVersion") {
        let doc: spdx::Document = parse(value, "SPDX")?;
        if !doc.spdx_version.starts_with("SPDX-2.") {
            return Err(SbomError::UnsupportedVersion {
                format: "SPDX",
                version: doc.spdx_version,
                supported: "SPDX-2.x JSON",
            });
        }
        return Ok(spdx::to_sbom(doc));
    }
    if obj.contains_key("@context") && value.to_string().contains("spdx.org/rdf/3") {
        return Err(SbomError::UnsupportedVersion {
            format: "SPDX",
            version: "3 (JSON-LD)".to_string(),
            supported: "SPDX-2.x JSON",
        });
    }
    if obj.contains_key("schema") {
        return json::from_value(value);
    }
    Err(SbomError::UnknownDocument)
}

pub(crate) fn parse<T: DeserializeOwned>(
    value: Value,
    format: &'static str,
) -> Result<T, SbomError> {
    serde_json::from_value(value).map_err(|source| SbomError::Malformed { format, source })
}

/// Collects packages from purls plus `bulwark:` properties, for both standard formats.
pub(crate) struct PackageReader {
    layers: Vec<LayerRef>,
    packages: Vec<Package>,
    purl_distro: Option<Distro>,
}

impl PackageReader {
    /// `layers` are the target's layers, to place syft's layer ids.
    pub(crate) fn new(layers: Vec<LayerRef>) -> Self {
        Self {
            layers,
            packages: Vec::new(),
            purl_distro: None,
        }
    }

    /// The package a purl describes, or `None` with a warning.
    pub(crate) fn package(
        &mut self,
        purl: &str,
        display_name: Option<&str>,
        what: &str,
        warnings: &mut Vec<String>,
    ) -> Option<Package> {
        match purl::package_from_purl(purl, display_name) {
            Ok(found) => {
                if self.purl_distro.is_none() {
                    self.purl_distro = found.distro;
                }
                Some(found.package)
            }
            Err(e) => {
                warnings.push(format!("{what}: {e}: skipped"));
                None
            }
        }
    }

    /// Applies the `bulwark:` (or syft) properties and keeps the package.
    pub(crate) fn finish(
        &mut self,
        mut pkg: Package,
        props: &[(String, String)],
        what: &str,
        warnings: &mut Vec<String>,
    ) {
        props::apply_package(&mut pkg, props, &self.layers, what, warnings);
        self.packages.push(pkg);
    }

    /// Moves the packages into `sbom`, and the distro named by a purl when the document had
    /// no operating-system entry.
    pub(crate) fn into_sbom(self, sbom: &mut Sbom) {
        sbom.packages = self.packages;
        if sbom.distro.is_none() {
            sbom.distro = self.purl_distro;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_an_sbom() {
        assert!(matches!(
            read(b"<?xml version=\"1.0\"?><bom/>"),
            Err(SbomError::Xml)
        ));
        assert!(matches!(read(b"{not json"), Err(SbomError::NotJson(_))));
        assert!(matches!(read(b"[1,2]"), Err(SbomError::UnknownDocument)));
        let e = read(br#"{"hello": "world"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "not a CycloneDX, SPDX or Bulwark SBOM: missing bomFormat/spdxVersion/schema"
        );
        assert!(matches!(
            read(br#"{"bomFormat": "CycloneDX", "specVersion": "2.0"}"#),
            Err(SbomError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            read(br#"{"spdxVersion": "SPDX-2.3", "packages": 7}"#),
            Err(SbomError::Malformed { format: "SPDX", .. })
        ));
        assert!(matches!(
            read(br#"{"schema": "bulwark-sbom/9"}"#),
            Err(SbomError::UnsupportedVersion { .. })
        ));
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(read(deep.as_bytes()).is_err());
    }

    #[test]
    fn minimal_cyclonedx_with_odd_components() {
        let doc = br#"{
          "bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
          "metadata": {"tools": [{"vendor": "x", "name": "y"}]},
          "components": [
            {"type": "library", "name": "nopurl"},
            {"type": "library", "name": "base", "purl": "pkg:hackage/base@4.0"},
            {"type": "library", "name": "bad", "purl": "pkg:"},
            {"type": "library", "name": "lodash", "version": "4.17.21", "purl": "pkg:npm/lodash@4.17.21",
             "licenses": [{"license": {"id": "MIT"}}],
             "components": [{"type": "library", "name": "inner", "purl": "pkg:cargo/inner@1.0.0"}]}
          ]
        }"#;
        let sbom = read(doc).unwrap();
        let names: Vec<_> = sbom.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["lodash", "inner"]);
        assert_eq!(sbom.packages[0].licenses, ["MIT"]);
        assert_eq!(sbom.warnings.len(), 3, "{:?}", sbom.warnings);
        assert_eq!(sbom.target.kind, "sbom");
    }
}
