//! SPDX 2.x JSON documents, ours or another tool's, mapped back into Bulwark's model.

use std::collections::{BTreeMap, HashSet};

use bulwark_types::{Distro, Sbom};

use super::{Annotation, Document, ExtractedLicense, SpdxPackage};
use crate::license::is_placeholder;
use crate::props::{self, Props};
use crate::read;

/// Reads back what `super::annotation` wrote; other tools' annotations are ignored.
fn annotation_props(annotations: &[Annotation]) -> Props {
    annotations
        .iter()
        .filter(|a| a.annotator.starts_with("Tool: bulwark"))
        .filter_map(|a| {
            serde_json::from_str::<BTreeMap<String, serde_json::Value>>(&a.comment).ok()
        })
        .flat_map(|m| m.into_iter())
        .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
        .collect()
}

/// The licences of a package from another tool's document: the declared (else concluded)
/// expression, with a lone `LicenseRef-` replaced by the text it stands for.
fn declared(p: &SpdxPackage, extracted: &BTreeMap<&str, &ExtractedLicense>) -> Vec<String> {
    let expr = p
        .license_declared
        .as_deref()
        .filter(|e| !is_placeholder(e))
        .or(p.license_concluded.as_deref());
    match expr.map(str::trim) {
        None => Vec::new(),
        Some(e) if is_placeholder(e) => Vec::new(),
        Some(e) => match extracted.get(e) {
            Some(x) => vec![x.name.clone().unwrap_or_else(|| x.extracted_text.clone())],
            None => vec![e.to_string()],
        },
    }
}

fn purl_of(p: &SpdxPackage) -> Option<&str> {
    p.external_refs
        .iter()
        .find(|r| {
            matches!(
                r.reference_category.as_str(),
                "PACKAGE-MANAGER" | "PACKAGE_MANAGER"
            ) && r.reference_type == "purl"
        })
        .map(|r| r.reference_locator.as_str())
}

/// Maps a parsed SPDX 2.x document into Bulwark's model.
pub(crate) fn to_sbom(doc: Document) -> Sbom {
    let mut sbom = Sbom::default();
    let mut warnings = Vec::new();
    let mut roots: HashSet<&str> = doc.document_describes.iter().map(String::as_str).collect();
    for r in &doc.relationships {
        match r.relationship_type.as_str() {
            "DESCRIBES" if r.spdx_element_id == doc.spdx_id => {
                roots.insert(r.related_spdx_element.as_str())
            }
            "DESCRIBED_BY" if r.related_spdx_element == doc.spdx_id => {
                roots.insert(r.spdx_element_id.as_str())
            }
            _ => false,
        };
    }
    let extracted: BTreeMap<&str, &ExtractedLicense> = doc
        .has_extracted_licensing_infos
        .iter()
        .map(|x| (x.license_id.as_str(), x))
        .collect();
    sbom.target.kind = "sbom".to_string();
    sbom.target.name = doc.name.clone();
    if let Some(root) = doc
        .packages
        .iter()
        .find(|p| roots.contains(p.spdx_id.as_str()))
    {
        sbom.target.name = root.name.clone();
        sbom.target.manifest_digest = root.version_info.as_deref().and_then(|v| v.parse().ok());
        let props = annotation_props(&root.annotations);
        sbom.warnings = props::apply_target(&mut sbom.target, &props, &mut warnings);
    }
    let mut reader = read::PackageReader::new(sbom.target.layers.clone());
    for p in &doc.packages {
        let purpose = p.primary_package_purpose.as_deref().unwrap_or_default();
        if matches!(purpose, "OPERATING_SYSTEM" | "OPERATING-SYSTEM") {
            let mut d = Distro {
                id: p.name.to_ascii_lowercase(),
                version_id: p.version_info.clone(),
                pretty_name: p.description.clone(),
                ..Distro::default()
            };
            props::apply_distro(&mut d, &annotation_props(&p.annotations));
            sbom.distro.get_or_insert(d);
            continue;
        }
        if roots.contains(p.spdx_id.as_str()) {
            continue;
        }
        let what = format!("package {:?}", p.spdx_id);
        let Some(purl) = purl_of(p) else {
            warnings.push(format!(
                "{what} ({} {}) has no purl: skipped",
                p.name,
                p.version_info.as_deref().unwrap_or("")
            ));
            continue;
        };
        let Some(mut pkg) = reader.package(purl, Some(&p.name), &what, &mut warnings) else {
            continue;
        };
        pkg.licenses = declared(p, &extracted);
        reader.finish(pkg, &annotation_props(&p.annotations), &what, &mut warnings);
    }
    reader.into_sbom(&mut sbom);
    sbom.warnings.extend(warnings);
    sbom
}
