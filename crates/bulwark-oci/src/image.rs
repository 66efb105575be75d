//! An image ready to be read layer by layer, from any of the image sources.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use bulwark_types::{Digest, LayerRef, Target};

use crate::layer::{LayerBlob, Verify};
use crate::manifest::{AnyManifest, Descriptor, ImageConfig, Platform};
use crate::store::{Store, blob_path};
use crate::{OciError, Source};

/// Which image(s) of a multi-platform index to open.
#[derive(Debug, Clone, Default)]
pub struct PlatformChoice {
    /// The wanted platform; `None` means the host's.
    pub platform: Option<Platform>,
    /// Open every platform of an index.
    pub all: bool,
}

/// An image whose manifest and config have been read and checked; its layers are opened
/// on demand.
#[derive(Debug, Clone)]
pub struct Image {
    pub target: Target,
    pub config: ImageConfig,
    /// The config blob as stored.
    pub config_bytes: Vec<u8>,
    pub layers: Vec<LayerBlob>,
    /// Keeps downloaded or decompressed files alive as long as the image is.
    pub(crate) _temp: Option<Arc<tempfile::TempDir>>,
}

impl Image {
    /// Assembles an image, filling the target's platform and layer list from the config
    /// and layers so every source describes its image the same way.
    pub(crate) fn assemble(
        mut target: Target,
        config: ImageConfig,
        config_bytes: Vec<u8>,
        layers: Vec<LayerBlob>,
        temp: Option<Arc<tempfile::TempDir>>,
    ) -> Self {
        target.platform = config.platform().map(|p| p.to_string());
        target.layers = layers.iter().map(|l| l.layer.clone()).collect();
        Image {
            target,
            config,
            config_bytes,
            layers,
            _temp: temp,
        }
    }
}

/// Opens the image(s) a source names. `dir:` and `sbom:` sources are not images and give
/// an error here.
pub fn open_images(
    source: &Source,
    name: &str,
    choice: &PlatformChoice,
    client: &crate::registry::ClientOptions,
) -> Result<Vec<Image>, OciError> {
    let mut target = Target {
        kind: source.kind().to_string(),
        name: name.to_string(),
        ..Target::default()
    };
    match source {
        Source::OciLayout { dir, tag } => {
            let store = Store::Dir(dir.clone());
            if !store.has("index.json") {
                return Err(OciError::Missing {
                    location: dir.display().to_string(),
                    what: "index.json (not an OCI image layout)".into(),
                });
            }
            open_oci(&store, tag.as_deref(), choice, target, None)
        }
        Source::OciArchive(path) => {
            let (store, temp) = archive_store(path)?;
            open_oci(&store, None, choice, target, temp)
        }
        Source::DockerArchive(path) => {
            let (store, temp) = archive_store(path)?;
            if store.has("manifest.json") {
                crate::docker_archive::open(&store, target, temp).map(|i| vec![i])
            } else if store.has("index.json") {
                open_oci(&store, None, choice, target, temp)
            } else {
                Err(OciError::Missing {
                    location: path.display().to_string(),
                    what: "manifest.json (not a docker save archive)".into(),
                })
            }
        }
        Source::Registry(reference) => crate::pull::open(reference, choice, client, target),
        Source::Dir(_) | Source::Sbom(_) => {
            target.kind.clear();
            Err(OciError::BadSource {
                input: name.to_string(),
                reason: "not an image source".into(),
            })
        }
    }
}

/// Opens an archive in place, or decompresses a gzip-compressed one into a private temp
/// dir first (a compressed tar cannot be read at random offsets).
fn archive_store(path: &Path) -> Result<(Store, Option<Arc<tempfile::TempDir>>), OciError> {
    let mut file = File::open(path).map_err(|e| OciError::io(path, e))?;
    let mut magic = [0u8; 2];
    let n = file.read(&mut magic).map_err(|e| OciError::io(path, e))?;
    if n == 2 && magic == [0x1f, 0x8b] {
        let temp = tempfile::Builder::new()
            .prefix("bulwark-")
            .tempdir()
            .map_err(|e| OciError::io(std::env::temp_dir(), e))?;
        let out_path = temp.path().join("archive.tar");
        let src = File::open(path).map_err(|e| OciError::io(path, e))?;
        let mut decoder = flate2::read::MultiGzDecoder::new(BufReader::new(src));
        let mut out = File::create(&out_path).map_err(|e| OciError::io(&out_path, e))?;
        io::copy(&mut decoder, &mut out).map_err(|e| {
            OciError::invalid(
                path.display().to_string(),
                format!("gzip stream is corrupt or truncated: {e}"),
            )
        })?;
        let store = Store::tar(&out_path)?;
        Ok((store, Some(Arc::new(temp))))
    } else {
        Ok((Store::tar(path)?, None))
    }
}

/// Opens the image(s) of an OCI layout held by `store`.
fn open_oci(
    store: &Store,
    tag: Option<&str>,
    choice: &PlatformChoice,
    target: Target,
    temp: Option<Arc<tempfile::TempDir>>,
) -> Result<Vec<Image>, OciError> {
    let location = store.describe();
    let index_bytes = store.read_small("index.json")?;
    let index: AnyManifest = parse_json(&index_bytes, "index.json", &location)?;
    let roots = index.manifests.unwrap_or_default();
    let root = pick_tagged(&roots, tag, &location)?;
    let manifests = resolve_platforms(root, choice, &location, &mut |d: &Descriptor| {
        let bytes = store.read_blob(&d.digest)?;
        Ok(bytes)
    })?;
    let mut images = Vec::new();
    for (desc, bytes) in manifests {
        let mut t = target.clone();
        if let Some(name) = desc.annotations.get("org.opencontainers.image.ref.name") {
            t.tags.push(name.clone());
        } else if let Some(name) = root.annotations.get("org.opencontainers.image.ref.name") {
            t.tags.push(name.clone());
        }
        images.push(image_from_manifest(
            store,
            &bytes,
            desc.digest.clone(),
            t,
            temp.clone(),
        )?);
    }
    Ok(images)
}

/// Picks the entry of `index.json` the user asked for.
fn pick_tagged<'a>(
    roots: &'a [Descriptor],
    tag: Option<&str>,
    location: &str,
) -> Result<&'a Descriptor, OciError> {
    let name_of = |d: &Descriptor| {
        d.annotations
            .get("org.opencontainers.image.ref.name")
            .cloned()
    };
    match tag {
        Some(tag) => roots
            .iter()
            .find(|d| name_of(d).as_deref() == Some(tag))
            .ok_or_else(|| OciError::Missing {
                location: location.to_string(),
                what: format!(
                    "image tagged {tag:?} (tags: {})",
                    roots
                        .iter()
                        .filter_map(name_of)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        None => match roots {
            [] => Err(OciError::Missing {
                location: location.to_string(),
                what: "manifests in index.json".into(),
            }),
            [only] => Ok(only),
            [first, ..] => {
                tracing::info!(%location, "index.json lists several images; using the first (pass oci:DIR:TAG to choose)");
                Ok(first)
            }
        },
    }
}

/// Follows indexes down to image manifests for the chosen platform(s). Returns each
/// manifest's descriptor and bytes (already digest-checked by `fetch`).
pub(crate) fn resolve_platforms(
    root: &Descriptor,
    choice: &PlatformChoice,
    location: &str,
    fetch: &mut dyn FnMut(&Descriptor) -> Result<Vec<u8>, OciError>,
) -> Result<Vec<(Descriptor, Vec<u8>)>, OciError> {
    let mut current = root.clone();
    for _depth in 0..4 {
        check_media_type(&current, location)?;
        let bytes = fetch(&current)?;
        let parsed: AnyManifest = parse_json(&bytes, "manifest", location)?;
        if !parsed.is_index() {
            return Ok(vec![(current, bytes)]);
        }
        let children: Vec<Descriptor> = parsed
            .manifests
            .unwrap_or_default()
            .into_iter()
            .filter(|d| {
                // Skip attestation manifests (platform unknown/unknown).
                d.platform.as_ref().is_none_or(|p| p.os != "unknown")
            })
            .collect();
        if choice.all {
            let mut out = Vec::new();
            for child in &children {
                let bytes = fetch(child)?;
                let parsed: AnyManifest = parse_json(&bytes, "manifest", location)?;
                if !parsed.is_index() {
                    out.push((child.clone(), bytes));
                }
            }
            return Ok(out);
        }
        let wanted = choice.platform.clone().unwrap_or_else(Platform::host);
        let pick = children
            .iter()
            .find(|d| d.platform.as_ref().is_some_and(|p| wanted.accepts(p)))
            .or_else(|| match children.as_slice() {
                [only] if only.platform.is_none() => Some(only),
                _ => None,
            });
        match pick {
            Some(d) => current = d.clone(),
            None => {
                return Err(OciError::NoPlatform {
                    wanted: wanted.to_string(),
                    location: location.to_string(),
                    available: children
                        .iter()
                        .filter_map(|d| d.platform.as_ref().map(ToString::to_string))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
    }
    Err(OciError::invalid(
        location,
        "indexes nested more than 4 deep",
    ))
}

/// Refuses descriptors whose media type says they are not an image manifest or index
/// (an empty media type is allowed: some tools omit it).
fn check_media_type(d: &Descriptor, location: &str) -> Result<(), OciError> {
    use crate::manifest::{DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
    match d.media_type.as_str() {
        "" | OCI_INDEX | OCI_MANIFEST | DOCKER_LIST | DOCKER_MANIFEST => Ok(()),
        other => Err(OciError::invalid(
            location,
            format!(
                "{} has media type {other}, which is not an image manifest or index",
                d.digest
            ),
        )),
    }
}

fn image_from_manifest(
    store: &Store,
    manifest_bytes: &[u8],
    manifest_digest: Digest,
    mut target: Target,
    temp: Option<Arc<tempfile::TempDir>>,
) -> Result<Image, OciError> {
    let location = store.describe();
    let manifest: AnyManifest = parse_json(manifest_bytes, "manifest", &location)?;
    let config_desc = manifest.config.ok_or_else(|| OciError::Missing {
        location: format!("manifest {manifest_digest}"),
        what: "config".into(),
    })?;
    let config_bytes = store.read_blob(&config_desc.digest)?;
    let config: ImageConfig = parse_json(&config_bytes, "image config", &location)?;
    let descs = manifest.layers.unwrap_or_default();
    let diff_ids = &config.rootfs.diff_ids;
    if !diff_ids.is_empty() && diff_ids.len() != descs.len() {
        return Err(OciError::invalid(
            location,
            format!(
                "manifest lists {} layers but the config has {} diff IDs",
                descs.len(),
                diff_ids.len()
            ),
        ));
    }
    let mut layers = Vec::with_capacity(descs.len());
    for (index, d) in descs.iter().enumerate() {
        let loc = store.locate(&blob_path(&d.digest))?;
        layers.push(LayerBlob {
            layer: LayerRef {
                index,
                digest: Some(d.digest.clone()),
                diff_id: diff_ids.get(index).cloned(),
            },
            media_type: d.media_type.clone(),
            size: loc.len,
            location: loc,
            verify: Verify::Stored(d.digest.clone()),
        });
    }
    target.manifest_digest = Some(manifest_digest);
    target.config_digest = Some(config_desc.digest);
    Ok(Image::assemble(target, config, config_bytes, layers, temp))
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &'static str,
    location: &str,
) -> Result<T, OciError> {
    serde_json::from_slice(bytes).map_err(|source| OciError::BadJson {
        what,
        location: location.to_string(),
        source,
    })
}
