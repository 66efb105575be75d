//! Bulwark's own data as `bulwark:` name/value pairs.
//!
//! CycloneDX carries them as component/metadata `properties`; SPDX carries them as a JSON
//! object in a package annotation. The names are listed in the crate documentation.

use std::collections::BTreeMap;

use bulwark_types::{Digest, Distro, LayerRef, Location, Package, SourcePackage, Target};

/// Name/value pairs, in the order they are written.
pub(crate) type Props = Vec<(String, String)>;

pub(crate) const FOUND_BY: &str = "bulwark:found-by";
pub(crate) const EPOCH: &str = "bulwark:epoch";
pub(crate) const ARCH: &str = "bulwark:arch";
pub(crate) const SOURCE_NAME: &str = "bulwark:source:name";
pub(crate) const SOURCE_VERSION: &str = "bulwark:source:version";
const LOCATION: &str = "bulwark:location";
const LICENSE: &str = "bulwark:license";
const TARGET_KIND: &str = "bulwark:target:kind";
const TARGET_CONFIG: &str = "bulwark:target:config-digest";
const TARGET_PLATFORM: &str = "bulwark:target:platform";
const TARGET_TAG: &str = "bulwark:target:tag";
const TARGET_LAYER: &str = "bulwark:target:layer";
const WARNING: &str = "bulwark:warning";
const DISTRO_CODENAME: &str = "bulwark:distro:codename";
const DISTRO_PRETTY: &str = "bulwark:distro:pretty-name";
const DISTRO_ID_LIKE: &str = "bulwark:distro:id-like";
/// Syft's names for the same facts, read from SBOMs that syft wrote.
const SYFT_FOUND_BY: &str = "syft:package:foundBy";
const SYFT_LOCATION: &str = "syft:location";

fn push(props: &mut Props, name: impl Into<String>, value: impl Into<String>) {
    props.push((name.into(), value.into()));
}

fn layer_props(props: &mut Props, prefix: &str, layer: &LayerRef) {
    push(props, format!("{prefix}:index"), layer.index.to_string());
    if let Some(d) = &layer.digest {
        push(props, format!("{prefix}:digest"), d.to_string());
    }
    if let Some(d) = &layer.diff_id {
        push(props, format!("{prefix}:diffID"), d.to_string());
    }
}

/// Properties of a package that the purl and the standard fields do not carry exactly.
pub(crate) fn package_props(pkg: &Package) -> Props {
    let mut props = Props::new();
    if !pkg.found_by.is_empty() {
        push(&mut props, FOUND_BY, pkg.found_by.as_str());
    }
    if let Some(epoch) = pkg.epoch {
        push(&mut props, EPOCH, epoch.to_string());
    }
    if let Some(arch) = &pkg.arch {
        push(&mut props, ARCH, arch.as_str());
    }
    if let Some(src) = &pkg.source {
        push(&mut props, SOURCE_NAME, src.name.as_str());
        if let Some(v) = &src.version {
            push(&mut props, SOURCE_VERSION, v.as_str());
        }
    }
    for (n, loc) in pkg.locations.iter().enumerate() {
        push(
            &mut props,
            format!("{LOCATION}:{n}:path"),
            loc.path.as_str(),
        );
        if let Some(layer) = &loc.layer {
            layer_props(&mut props, &format!("{LOCATION}:{n}:layer"), layer);
        }
    }
    props
}

/// The declared licences one by one (SPDX can only say them as one expression).
pub(crate) fn license_props(pkg: &Package) -> Props {
    let mut props = Props::new();
    for (n, l) in pkg.licenses.iter().enumerate() {
        push(&mut props, format!("{LICENSE}:{n}"), l.as_str());
    }
    props
}

pub(crate) fn target_props(target: &Target, warnings: &[String]) -> Props {
    let mut props = Props::new();
    push(&mut props, TARGET_KIND, target.kind.as_str());
    if let Some(d) = &target.config_digest {
        push(&mut props, TARGET_CONFIG, d.to_string());
    }
    if let Some(p) = &target.platform {
        push(&mut props, TARGET_PLATFORM, p.as_str());
    }
    for (n, tag) in target.tags.iter().enumerate() {
        push(&mut props, format!("{TARGET_TAG}:{n}"), tag.as_str());
    }
    for (n, layer) in target.layers.iter().enumerate() {
        layer_props(&mut props, &format!("{TARGET_LAYER}:{n}"), layer);
    }
    for (n, w) in warnings.iter().enumerate() {
        push(&mut props, format!("{WARNING}:{n}"), w.as_str());
    }
    props
}

pub(crate) fn distro_props(distro: &Distro) -> Props {
    let mut props = Props::new();
    if let Some(c) = &distro.codename {
        push(&mut props, DISTRO_CODENAME, c.as_str());
    }
    if let Some(p) = &distro.pretty_name {
        push(&mut props, DISTRO_PRETTY, p.as_str());
    }
    if !distro.id_like.is_empty() {
        push(&mut props, DISTRO_ID_LIKE, distro.id_like.join(" "));
    }
    props
}

/// Splits `prefix:<n>:rest` into `(n, rest)`.
fn indexed<'a>(name: &'a str, prefix: &str) -> Option<(usize, &'a str)> {
    let rest = name.strip_prefix(prefix)?.strip_prefix(':')?;
    let (n, field) = rest.split_once(':').unwrap_or((rest, ""));
    Some((n.parse().ok()?, field))
}

fn digest(value: &str, what: &str, warnings: &mut Vec<String>) -> Option<Digest> {
    match value.parse() {
        Ok(d) => Some(d),
        Err(e) => {
            warnings.push(format!("{what}: ignoring invalid digest: {e}"));
            None
        }
    }
}

#[derive(Default)]
struct LayerBuild {
    index: Option<usize>,
    digest: Option<Digest>,
    diff_id: Option<Digest>,
}

impl LayerBuild {
    /// Sets one `index`/`digest`/`diffID` field; false when `field` is none of them.
    fn set(&mut self, field: &str, value: &str, what: &str, warnings: &mut Vec<String>) -> bool {
        match field {
            "index" => self.index = value.parse().ok(),
            "digest" => self.digest = digest(value, what, warnings),
            "diffID" | "layerID" => self.diff_id = digest(value, what, warnings),
            _ => return false,
        }
        true
    }

    /// The layer, with its index taken from `known` when the SBOM did not say it.
    fn build(self, known: &[LayerRef]) -> Option<LayerRef> {
        let found = known.iter().find(|l| {
            (self.diff_id.is_some() && l.diff_id == self.diff_id)
                || (self.digest.is_some() && l.digest == self.digest)
        });
        match (self.index, found) {
            (Some(index), _) => Some(LayerRef {
                index,
                digest: self.digest,
                diff_id: self.diff_id,
            }),
            (None, Some(l)) => Some(l.clone()),
            (None, None) => None,
        }
    }
}

#[derive(Default)]
struct LocBuild {
    path: Option<String>,
    layer: LayerBuild,
}

/// Restores what [`package_props`] and [`license_props`] wrote (and syft's equivalents).
/// `what` names the package in warnings; `known` are the target's layers.
pub(crate) fn apply_package(
    pkg: &mut Package,
    props: &[(String, String)],
    known: &[LayerRef],
    what: &str,
    warnings: &mut Vec<String>,
) {
    let mut locs: BTreeMap<usize, LocBuild> = BTreeMap::new();
    let mut syft_locs: BTreeMap<usize, LocBuild> = BTreeMap::new();
    let mut licenses: BTreeMap<usize, String> = BTreeMap::new();
    let mut source_name = None;
    let mut source_version = None;
    let mut found_by = None;
    let mut syft_found_by = None;
    for (name, value) in props {
        match name.as_str() {
            FOUND_BY => found_by = Some(value.clone()),
            SYFT_FOUND_BY => syft_found_by = Some(value.clone()),
            EPOCH => match value.parse() {
                Ok(e) => pkg.epoch = Some(e),
                Err(_) => warnings.push(format!("{what}: ignoring invalid epoch {value:?}")),
            },
            ARCH => pkg.arch = Some(value.clone()),
            SOURCE_NAME => source_name = Some(value.clone()),
            SOURCE_VERSION => source_version = Some(value.clone()),
            _ => {
                let (map, (n, field)) = if let Some(i) = indexed(name, LOCATION) {
                    (&mut locs, i)
                } else if let Some(i) = indexed(name, SYFT_LOCATION) {
                    (&mut syft_locs, i)
                } else {
                    if let Some((n, "")) = indexed(name, LICENSE) {
                        licenses.insert(n, value.clone());
                    }
                    continue;
                };
                let loc = map.entry(n).or_default();
                match field {
                    "path" => loc.path = Some(value.clone()),
                    f => {
                        let f = f.strip_prefix("layer:").unwrap_or(f);
                        loc.layer.set(f, value, what, warnings);
                    }
                }
            }
        }
    }
    if let Some(f) = found_by.or(syft_found_by) {
        pkg.found_by = f;
    }
    if let Some(name) = source_name {
        pkg.source = Some(SourcePackage {
            name,
            version: source_version,
        });
    }
    let locs = if locs.is_empty() { syft_locs } else { locs };
    if !locs.is_empty() {
        pkg.locations = locs
            .into_values()
            .filter_map(|l| {
                Some(Location {
                    path: l.path?,
                    layer: l.layer.build(known),
                })
            })
            .collect();
    }
    if !licenses.is_empty() {
        pkg.licenses = licenses.into_values().collect();
    }
}

/// Restores what [`target_props`] wrote; returns the SBOM warnings it carried.
pub(crate) fn apply_target(
    target: &mut Target,
    props: &[(String, String)],
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let mut layers: BTreeMap<usize, LayerBuild> = BTreeMap::new();
    let mut tags: BTreeMap<usize, String> = BTreeMap::new();
    let mut carried: BTreeMap<usize, String> = BTreeMap::new();
    for (name, value) in props {
        match name.as_str() {
            TARGET_KIND => target.kind = value.clone(),
            TARGET_CONFIG => target.config_digest = digest(value, "target config digest", warnings),
            TARGET_PLATFORM => target.platform = Some(value.clone()),
            _ => {
                if let Some((n, "")) = indexed(name, TARGET_TAG) {
                    tags.insert(n, value.clone());
                } else if let Some((n, "")) = indexed(name, WARNING) {
                    carried.insert(n, value.clone());
                } else if let Some((n, field)) = indexed(name, TARGET_LAYER) {
                    layers
                        .entry(n)
                        .or_default()
                        .set(field, value, "target layer", warnings);
                }
            }
        }
    }
    if !tags.is_empty() {
        target.tags = tags.into_values().collect();
    }
    if !layers.is_empty() {
        target.layers = layers.into_values().filter_map(|l| l.build(&[])).collect();
    }
    carried.into_values().collect()
}

pub(crate) fn apply_distro(distro: &mut Distro, props: &[(String, String)]) {
    for (name, value) in props {
        match name.as_str() {
            DISTRO_CODENAME => distro.codename = Some(value.clone()),
            DISTRO_PRETTY => distro.pretty_name = Some(value.clone()),
            DISTRO_ID_LIKE => {
                distro.id_like = value.split_whitespace().map(str::to_string).collect()
            }
            _ => {}
        }
    }
}
