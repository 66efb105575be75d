//! SPDX 2.3 JSON: a document describing one root package (the image or directory) that
//! CONTAINS the operating system and every package found.
//!
//! SPDX has no free-form properties, so Bulwark's extra data (see the crate documentation)
//! rides in one package annotation per package whose comment is a JSON object of
//! `bulwark:` names to values.

use bulwark_types::{Distro, Package, Sbom, Target, purl_for};
use serde::{Deserialize, Serialize};

use crate::Stamp;
use crate::license::{LicenseRefs, sanitize_id};
use crate::props::{self, Props};

mod reader;
pub(crate) use reader::to_sbom;

const NOASSERTION: &str = "NOASSERTION";
const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";
const ROOT_ID: &str = "SPDXRef-Root";
/// Base of `documentNamespace`; `.invalid` can never resolve or belong to anyone.
const NAMESPACE_BASE: &str = "https://bulwark.invalid/spdx";

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Document {
    #[serde(default)]
    pub(crate) spdx_version: String,
    #[serde(default)]
    data_license: String,
    #[serde(rename = "SPDXID", default)]
    spdx_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    document_namespace: String,
    #[serde(default)]
    creation_info: CreationInfo,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    document_describes: Vec<String>,
    #[serde(default)]
    packages: Vec<SpdxPackage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicense>,
    #[serde(default)]
    relationships: Vec<Relationship>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    license_list_version: Option<String>,
    #[serde(default)]
    creators: Vec<String>,
    #[serde(default)]
    created: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    #[serde(default)]
    name: String,
    #[serde(rename = "SPDXID", default)]
    spdx_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    supplier: Option<String>,
    #[serde(default)]
    download_location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    files_analyzed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    license_concluded: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    license_declared: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    copyright_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    primary_package_purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    #[serde(default)]
    reference_category: String,
    #[serde(default)]
    reference_type: String,
    #[serde(default)]
    reference_locator: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Annotation {
    #[serde(default)]
    annotation_date: String,
    #[serde(default)]
    annotation_type: String,
    #[serde(default)]
    annotator: String,
    #[serde(default)]
    comment: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicense {
    #[serde(default)]
    license_id: String,
    #[serde(default)]
    extracted_text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    #[serde(default)]
    spdx_element_id: String,
    #[serde(default)]
    relationship_type: String,
    #[serde(default)]
    related_spdx_element: String,
}

fn annotation(props: Props, stamp: &Stamp) -> Vec<Annotation> {
    if props.is_empty() {
        return Vec::new();
    }
    let map: serde_json::Map<String, serde_json::Value> = props
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    vec![Annotation {
        annotation_date: stamp.time.clone(),
        annotation_type: "OTHER".to_string(),
        annotator: format!("Tool: bulwark-{}", stamp.tool_version),
        comment: serde_json::Value::Object(map).to_string(),
    }]
}

fn source_info(pkg: &Package) -> Option<String> {
    let loc = pkg.locations.first()?;
    let by = if pkg.found_by.is_empty() {
        String::new()
    } else {
        format!(" by {}", pkg.found_by)
    };
    let layer = match &loc.layer {
        Some(l) => match l.diff_id.as_ref().or(l.digest.as_ref()) {
            Some(d) => format!(" in layer {} ({d})", l.index),
            None => format!(" in layer {}", l.index),
        },
        None => String::new(),
    };
    Some(format!("found{by} in {}{layer}", loc.path))
}

fn base_package(spdx_id: String, name: String, version: Option<String>) -> SpdxPackage {
    SpdxPackage {
        name,
        spdx_id,
        version_info: version,
        supplier: Some(NOASSERTION.to_string()),
        download_location: NOASSERTION.to_string(),
        files_analyzed: Some(false),
        license_concluded: Some(NOASSERTION.to_string()),
        license_declared: Some(NOASSERTION.to_string()),
        copyright_text: Some(NOASSERTION.to_string()),
        ..SpdxPackage::default()
    }
}

fn root_package(target: &Target, warnings: &[String], stamp: &Stamp) -> SpdxPackage {
    let version = target.manifest_digest.as_ref().map(ToString::to_string);
    let mut p = base_package(ROOT_ID.to_string(), target.name.clone(), version);
    p.primary_package_purpose = Some(
        if target.kind == "dir" {
            "FILE"
        } else {
            "CONTAINER"
        }
        .to_string(),
    );
    p.annotations = annotation(props::target_props(target, warnings), stamp);
    p
}

fn distro_package(d: &Distro, stamp: &Stamp) -> SpdxPackage {
    let id = format!(
        "SPDXRef-OperatingSystem-{}",
        sanitize_id(&d.purl_qualifier())
    );
    let mut p = base_package(id, d.id.clone(), d.version_id.clone());
    p.description = d.pretty_name.clone();
    p.primary_package_purpose = Some("OPERATING_SYSTEM".to_string());
    p.annotations = annotation(props::distro_props(d), stamp);
    p
}

pub(crate) fn build(sbom: &Sbom, stamp: &Stamp) -> Document {
    let mut refs = LicenseRefs::default();
    let mut packages = vec![root_package(&sbom.target, &sbom.warnings, stamp)];
    packages.extend(sbom.distro.iter().map(|d| distro_package(d, stamp)));
    for (n, pkg) in sbom.packages.iter().enumerate() {
        let id = format!(
            "SPDXRef-Package-{}-{}-{}",
            pkg.ecosystem,
            sanitize_id(&pkg.name),
            n + 1
        );
        let version = (!pkg.version.is_empty()).then(|| pkg.version.clone());
        let mut p = base_package(id, pkg.name.clone(), version);
        let purl = if pkg.purl.is_empty() {
            purl_for(pkg, sbom.distro.as_ref())
        } else {
            pkg.purl.clone()
        };
        p.external_refs = vec![ExternalRef {
            reference_category: "PACKAGE-MANAGER".to_string(),
            reference_type: "purl".to_string(),
            reference_locator: purl,
        }];
        if let Some(expr) = refs.expression(&pkg.licenses) {
            p.license_declared = Some(expr);
        }
        p.source_info = source_info(pkg);
        p.primary_package_purpose = Some(
            if pkg.ecosystem.is_os() {
                "INSTALL"
            } else {
                "LIBRARY"
            }
            .to_string(),
        );
        let mut extra = props::package_props(pkg);
        extra.extend(props::license_props(pkg));
        p.annotations = annotation(extra, stamp);
        packages.push(p);
    }
    let relationships = std::iter::once(Relationship {
        spdx_element_id: DOCUMENT_ID.to_string(),
        relationship_type: "DESCRIBES".to_string(),
        related_spdx_element: ROOT_ID.to_string(),
    })
    .chain(packages.iter().skip(1).map(|p| Relationship {
        spdx_element_id: ROOT_ID.to_string(),
        relationship_type: "CONTAINS".to_string(),
        related_spdx_element: p.spdx_id.clone(),
    }))
    .collect();
    let extracted = refs
        .entries()
        .map(|(id, text)| ExtractedLicense {
            license_id: id.clone(),
            extracted_text: text
                .cloned()
                .unwrap_or_else(|| format!("{id} (text not available to Bulwark)")),
            name: text.cloned(),
        })
        .collect();
    Document {
        spdx_version: "SPDX-2.3".to_string(),
        data_license: "CC0-1.0".to_string(),
        spdx_id: DOCUMENT_ID.to_string(),
        name: sbom.target.name.clone(),
        document_namespace: format!(
            "{NAMESPACE_BASE}/{}-{}",
            sanitize_id(&sbom.target.name),
            stamp.uuid
        ),
        creation_info: CreationInfo {
            license_list_version: Some(spdx_list_version()),
            creators: vec![format!("Tool: bulwark-{}", stamp.tool_version)],
            created: stamp.time.clone(),
        },
        document_describes: Vec::new(),
        packages,
        has_extracted_licensing_infos: extracted,
        relationships,
    }
}

/// `3.29` from the licence list version the `spdx` crate carries (`3.29.0`).
fn spdx_list_version() -> String {
    let v = spdx::license_version();
    let mut parts = v.split('.');
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => format!("{major}.{minor}"),
        _ => v.to_string(),
    }
}
