//! CycloneDX 1.6 JSON: the subset of the schema Bulwark writes and reads.
//!
//! Written with our own serde types (no CycloneDX crate covers 1.6). Unknown fields are
//! ignored when reading, so documents from other tools and older spec versions parse.

use std::collections::{HashMap, HashSet};

use bulwark_types::{Distro, Package, Sbom, Target, purl_for};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::Stamp;
use crate::license::{self, License};
use crate::props::{self, Props};

mod reader;
pub(crate) use reader::to_sbom;

pub(crate) const SPEC_VERSION: &str = "1.6";
const SCHEMA_URL: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Bom {
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    schema: Option<String>,
    #[serde(default)]
    pub(crate) bom_format: String,
    #[serde(default)]
    pub(crate) spec_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    serial_number: Option<String>,
    #[serde(default)]
    version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metadata: Option<Metadata>,
    #[serde(default)]
    components: Vec<Component>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<Dependency>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Metadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    /// Written as the 1.5+ object form; not read (older documents use an array).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    tools: Option<Tools>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    component: Option<Component>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Debug, Default, Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Component {
    #[serde(rename = "bom-ref", default, skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
    /// Sub-components; read (and flattened), never written.
    #[serde(default, skip_serializing)]
    components: Vec<Component>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct LicenseChoice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    license: Option<LicenseName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expression: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct LicenseName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Property {
    #[serde(default)]
    name: String,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref", default)]
    reference: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
}

fn properties(props: Props) -> Vec<Property> {
    props
        .into_iter()
        .map(|(name, value)| Property {
            name,
            value: Some(value),
        })
        .collect()
}

/// One licence list per the schema: either licences by id/name, or exactly one expression.
fn licenses(declared: &[String]) -> Vec<LicenseChoice> {
    let kinds: Vec<License> = declared
        .iter()
        .filter(|l| !license::is_placeholder(l))
        .map(|l| match license::classify(l) {
            License::Id(id) if license::UNKNOWN_TO_CYCLONEDX_1_6.contains(&id.as_str()) => {
                License::Other(id)
            }
            kind => kind,
        })
        .collect();
    let any_expr = kinds.iter().any(|k| matches!(k, License::Expression(_)));
    let any_other = kinds.iter().any(|k| matches!(k, License::Other(_)));
    if any_expr && !any_other {
        let many = kinds.len() > 1;
        let parts: Vec<String> = kinds
            .into_iter()
            .map(|k| match k {
                License::Expression(e) if many => format!("({e})"),
                License::Id(s) | License::Expression(s) | License::Other(s) => s,
            })
            .collect();
        let choice = LicenseChoice {
            expression: Some(parts.join(" AND ")),
            ..LicenseChoice::default()
        };
        return vec![choice];
    }
    kinds
        .into_iter()
        .map(|k| {
            let license = match k {
                License::Id(id) => LicenseName {
                    id: Some(id),
                    name: None,
                },
                License::Other(s) | License::Expression(s) => LicenseName {
                    id: None,
                    name: Some(s),
                },
            };
            LicenseChoice {
                license: Some(license),
                expression: None,
            }
        })
        .collect()
}

/// Unique bom-refs: the purl, plus a short hash of the first location when the purl repeats.
fn bom_refs(purls: &[String], packages: &[Package]) -> Vec<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for p in purls {
        *counts.entry(p.as_str()).or_default() += 1;
    }
    let mut used = HashSet::new();
    purls
        .iter()
        .zip(packages)
        .map(|(purl, pkg)| {
            let mut base = purl.clone();
            if counts.get(purl.as_str()).copied().unwrap_or(0) > 1 {
                let mut h = Sha256::new();
                if let Some(loc) = pkg.locations.first() {
                    h.update(loc.path.as_bytes());
                    if let Some(l) = &loc.layer {
                        h.update(l.index.to_string().as_bytes());
                    }
                }
                let hex = hex::encode(h.finalize());
                base = format!("{purl}#{}", hex.get(..12).unwrap_or(&hex));
            }
            let mut r = base.clone();
            let mut n = 2;
            while !used.insert(r.clone()) {
                r = format!("{base}-{n}");
                n += 1;
            }
            r
        })
        .collect()
}

fn target_component(target: &Target, warnings: &[String]) -> Component {
    let bom_ref = match &target.manifest_digest {
        Some(d) => format!("target:{d}"),
        None => format!("target:{}", target.name),
    };
    Component {
        bom_ref: Some(bom_ref),
        kind: if target.kind == "dir" {
            "file"
        } else {
            "container"
        }
        .to_string(),
        name: target.name.clone(),
        version: target.manifest_digest.as_ref().map(ToString::to_string),
        properties: properties(props::target_props(target, warnings)),
        ..Component::default()
    }
}

fn distro_component(d: &Distro) -> Component {
    Component {
        bom_ref: Some(format!("os:{}", d.purl_qualifier())),
        kind: "operating-system".to_string(),
        name: d.id.clone(),
        version: d.version_id.clone(),
        description: d.pretty_name.clone(),
        properties: properties(props::distro_props(d)),
        ..Component::default()
    }
}

pub(crate) fn build(sbom: &Sbom, stamp: &Stamp) -> Bom {
    let purls: Vec<String> = sbom
        .packages
        .iter()
        .map(|p| {
            if p.purl.is_empty() {
                purl_for(p, sbom.distro.as_ref())
            } else {
                p.purl.clone()
            }
        })
        .collect();
    let refs = bom_refs(&purls, &sbom.packages);
    let mut components: Vec<Component> = sbom.distro.iter().map(distro_component).collect();
    for ((pkg, purl), bom_ref) in sbom.packages.iter().zip(purls).zip(refs) {
        components.push(Component {
            bom_ref: Some(bom_ref),
            kind: "library".to_string(),
            group: pkg.namespace.clone(),
            name: pkg.name.clone(),
            version: (!pkg.version.is_empty()).then(|| pkg.version.clone()),
            licenses: licenses(&pkg.licenses),
            purl: Some(purl),
            properties: properties(props::package_props(pkg)),
            ..Component::default()
        });
    }
    let root = target_component(&sbom.target, &sbom.warnings);
    let dependencies = vec![Dependency {
        reference: root.bom_ref.clone().unwrap_or_default(),
        depends_on: components
            .iter()
            .filter_map(|c| c.bom_ref.clone())
            .collect(),
    }];
    let tool = Component {
        kind: "application".to_string(),
        name: "bulwark".to_string(),
        version: Some(stamp.tool_version.clone()),
        ..Component::default()
    };
    Bom {
        schema: Some(SCHEMA_URL.to_string()),
        bom_format: "CycloneDX".to_string(),
        spec_version: SPEC_VERSION.to_string(),
        serial_number: Some(format!("urn:uuid:{}", stamp.uuid)),
        version: 1,
        metadata: Some(Metadata {
            timestamp: Some(stamp.time.clone()),
            tools: Some(Tools {
                components: vec![tool],
            }),
            component: Some(root),
            properties: Vec::new(),
        }),
        components,
        dependencies,
    }
}
