//! CycloneDX 1.x JSON documents, ours or another tool's, mapped back into Bulwark's model.

use bulwark_types::{Distro, Ecosystem, Sbom};

use super::{Bom, Component, LicenseChoice, Property};
use crate::props::{self, Props};
use crate::read;

fn pairs(props: &[Property]) -> Props {
    props
        .iter()
        .filter_map(|p| Some((p.name.clone(), p.value.clone()?)))
        .collect()
}

fn flatten(components: Vec<Component>, out: &mut Vec<Component>) {
    for mut c in components {
        let children = std::mem::take(&mut c.components);
        out.push(c);
        flatten(children, out);
    }
}

fn license_strings(choices: &[LicenseChoice]) -> Vec<String> {
    choices
        .iter()
        .filter_map(|c| match (&c.expression, &c.license) {
            (Some(e), _) => Some(e.clone()),
            (None, Some(l)) => l.id.clone().or_else(|| l.name.clone()),
            (None, None) => None,
        })
        .collect()
}

/// Maps a parsed CycloneDX document (any 1.x version) into Bulwark's model.
pub(crate) fn to_sbom(bom: Bom) -> Sbom {
    let mut sbom = Sbom::default();
    let mut warnings = Vec::new();
    let meta = bom.metadata.unwrap_or_default();
    sbom.target.kind = "sbom".to_string();
    if let Some(root) = meta.component {
        sbom.target.name = root.name.clone();
        sbom.target.manifest_digest = root.version.as_deref().and_then(|v| v.parse().ok());
        sbom.warnings =
            props::apply_target(&mut sbom.target, &pairs(&root.properties), &mut warnings);
    }
    let mut all = Vec::new();
    flatten(bom.components, &mut all);
    let mut reader = read::PackageReader::new(sbom.target.layers.clone());
    let mut files = 0usize;
    for c in all {
        let what = format!("component {:?}", c.bom_ref.as_deref().unwrap_or(&c.name));
        if c.kind == "operating-system" {
            let mut d = Distro {
                id: c.name.to_ascii_lowercase(),
                version_id: c.version.clone(),
                pretty_name: c.description.clone(),
                ..Distro::default()
            };
            props::apply_distro(&mut d, &pairs(&c.properties));
            sbom.distro.get_or_insert(d);
            continue;
        }
        let Some(purl) = c.purl.as_deref() else {
            if c.kind == "file" {
                files += 1;
                continue;
            }
            warnings.push(format!(
                "{what} ({} {}) has no purl: skipped",
                c.name,
                c.version.as_deref().unwrap_or("")
            ));
            continue;
        };
        let Some(mut pkg) = reader.package(purl, Some(&c.name), &what, &mut warnings) else {
            continue;
        };
        if pkg.namespace.is_none() && pkg.ecosystem == Ecosystem::Maven {
            pkg.namespace = c.group.clone();
        }
        pkg.licenses = license_strings(&c.licenses);
        reader.finish(pkg, &pairs(&c.properties), &what, &mut warnings);
    }
    if files > 0 {
        warnings.push(format!(
            "skipped {files} file components without a purl (files, not packages)"
        ));
    }
    reader.into_sbom(&mut sbom);
    sbom.warnings.extend(warnings);
    sbom
}
