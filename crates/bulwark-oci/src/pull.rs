//! Pulling an image from a registry into a private temp dir, then reading it like a
//! local one. Every blob is digest-checked by the registry client as it downloads.

use std::fs::File;
use std::io::BufWriter;
use std::sync::Arc;

use bulwark_types::{LayerRef, Target};

use crate::image::{Image, PlatformChoice, parse_json, resolve_platforms};
use crate::layer::{BlobLocation, LayerBlob, Verify};
use crate::manifest::{AnyManifest, Descriptor, ImageConfig};
use crate::registry::{ClientOptions, RegistryClient};
use crate::store::MAX_JSON;
use crate::{OciError, Reference};

pub(crate) fn open(
    reference: &Reference,
    choice: &PlatformChoice,
    options: &ClientOptions,
    target: Target,
) -> Result<Vec<Image>, OciError> {
    let client = RegistryClient::new(options.clone());
    let location = reference.to_string();
    let top = client.manifest(reference)?;
    let root = Descriptor {
        media_type: top.media_type.clone(),
        digest: top.digest.clone(),
        size: top.bytes.len() as u64,
        platform: None,
        annotations: Default::default(),
    };
    let mut first = Some(top);
    let manifests = resolve_platforms(&root, choice, &location, &mut |d: &Descriptor| {
        if let Some(m) = first.take().filter(|m| m.digest == d.digest) {
            return Ok(m.bytes);
        }
        let by_digest = Reference {
            digest: Some(d.digest.clone()),
            ..reference.clone()
        };
        Ok(client.manifest(&by_digest)?.bytes)
    })?;
    let temp = Arc::new(
        tempfile::Builder::new()
            .prefix("bulwark-pull-")
            .tempdir()
            .map_err(|e| OciError::io(std::env::temp_dir(), e))?,
    );
    let mut images = Vec::new();
    for (desc, bytes) in manifests {
        let manifest: AnyManifest = parse_json(&bytes, "manifest", &location)?;
        let config_desc = manifest.config.ok_or_else(|| OciError::Missing {
            location: location.clone(),
            what: "config in manifest".into(),
        })?;
        if config_desc.size > MAX_JSON {
            return Err(OciError::TooLarge {
                what: "image config".into(),
                size: config_desc.size,
                limit: MAX_JSON,
            });
        }
        let mut config_bytes = Vec::new();
        client.blob_with_size(
            reference,
            &config_desc.digest,
            Some(config_desc.size).filter(|s| *s > 0),
            &mut config_bytes,
        )?;
        let config: ImageConfig = parse_json(&config_bytes, "image config", &location)?;
        let descs = manifest.layers.unwrap_or_default();
        let mut layers = Vec::with_capacity(descs.len());
        for (index, d) in descs.iter().enumerate() {
            let path = temp.path().join(d.digest.hex());
            if !path.exists() {
                let file = File::create(&path).map_err(|e| OciError::io(&path, e))?;
                let mut sink = BufWriter::new(file);
                let result = client.blob_with_size(
                    reference,
                    &d.digest,
                    Some(d.size).filter(|s| *s > 0),
                    &mut sink,
                );
                if let Err(e) = result {
                    let _ = std::fs::remove_file(&path);
                    return Err(e.into());
                }
                std::io::Write::flush(&mut sink).map_err(|e| OciError::io(&path, e))?;
            }
            let len = std::fs::metadata(&path)
                .map_err(|e| OciError::io(&path, e))?
                .len();
            layers.push(LayerBlob {
                layer: LayerRef {
                    index,
                    digest: Some(d.digest.clone()),
                    diff_id: config.rootfs.diff_ids.get(index).cloned(),
                },
                media_type: d.media_type.clone(),
                size: len,
                location: BlobLocation {
                    path,
                    offset: 0,
                    len,
                },
                verify: Verify::Done,
            });
        }
        let mut t = target.clone();
        t.manifest_digest = Some(desc.digest.clone());
        t.config_digest = Some(config_desc.digest.clone());
        if let Some(tag) = &reference.tag {
            t.tags.push(format!(
                "{}/{}:{tag}",
                reference.registry, reference.repository
            ));
        }
        images.push(Image::assemble(
            t,
            config,
            config_bytes,
            layers,
            Some(temp.clone()),
        ));
    }
    Ok(images)
}
