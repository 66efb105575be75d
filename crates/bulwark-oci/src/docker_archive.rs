//! `docker save` archives: `manifest.json` naming a config and uncompressed layer tars.

use std::sync::Arc;

use bulwark_types::{LayerRef, Target};
use serde::Deserialize;

use crate::OciError;
use crate::image::{Image, parse_json};
use crate::layer::{LayerBlob, Verify, sha256_digest};
use crate::manifest::ImageConfig;
use crate::store::Store;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    #[serde(default)]
    layers: Vec<String>,
}

/// Opens the first image of a `docker save` archive. Layers are checked against the
/// config's diff IDs as they are read (their stored form is the uncompressed tar).
pub(crate) fn open(
    store: &Store,
    mut target: Target,
    temp: Option<Arc<tempfile::TempDir>>,
) -> Result<Image, OciError> {
    let location = store.describe();
    let bytes = store.read_small("manifest.json")?;
    let entries: Vec<Entry> = parse_json(&bytes, "manifest.json", &location)?;
    let entry = entries
        .into_iter()
        .next()
        .ok_or_else(|| OciError::Missing {
            location: location.clone(),
            what: "images in manifest.json".into(),
        })?;
    let config_bytes = store.read_small(&entry.config)?;
    let config_digest = sha256_digest(&config_bytes);
    // The config's file name is its digest in every docker save layout; check it when so.
    let stem = entry
        .config
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches(".json");
    if stem.len() == 64
        && stem.bytes().all(|b| b.is_ascii_hexdigit())
        && stem != config_digest.hex()
    {
        return Err(OciError::DigestMismatch {
            location,
            digest: bulwark_types::Digest::sha256_hex(stem)
                .map_err(|e| OciError::invalid(entry.config.clone(), e.to_string()))?,
            actual: config_digest,
        });
    }
    let config: ImageConfig = parse_json(&config_bytes, "image config", &location)?;
    let diff_ids = &config.rootfs.diff_ids;
    if diff_ids.len() != entry.layers.len() {
        return Err(OciError::invalid(
            location,
            format!(
                "manifest.json lists {} layers but the config has {} diff IDs",
                entry.layers.len(),
                diff_ids.len()
            ),
        ));
    }
    let mut layers = Vec::with_capacity(entry.layers.len());
    for (index, (name, diff_id)) in entry.layers.iter().zip(diff_ids).enumerate() {
        let loc = store.locate(name)?;
        layers.push(LayerBlob {
            layer: LayerRef {
                index,
                digest: None,
                diff_id: Some(diff_id.clone()),
            },
            media_type: "application/vnd.docker.image.rootfs.diff.tar".into(),
            size: loc.len,
            location: loc,
            verify: Verify::Uncompressed(diff_id.clone()),
        });
    }
    target.tags = entry.repo_tags.unwrap_or_default();
    target.config_digest = Some(config_digest);
    Ok(Image::assemble(target, config, config_bytes, layers, temp))
}
