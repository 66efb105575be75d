//! The walker: streams every layer of an image (in parallel, one pass each), hands the
//! files catalogers want to them, then merges the layers through their whiteouts into
//! the packages of the final filesystem.

mod dir;
mod finalize;
mod layer;
mod merge;
pub mod path;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use bulwark_oci::Image;
use bulwark_types::{Distro, Package, Sbom, Target};
use rayon::prelude::*;

use crate::Cataloger;

pub use dir::catalog_dir;
pub use layer::{LayerScan, scan as scan_layer};

/// Bounds that keep a hostile image from exhausting memory.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest single file read into memory for a cataloger.
    pub max_file_size: u64,
    /// Most entries read from one layer.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_size: 512 * 1024 * 1024,
            max_entries: 5_000_000,
        }
    }
}

/// How to walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    pub limits: Limits,
    /// Counts stored (compressed) layer bytes read, for progress display.
    pub progress: Option<Arc<AtomicU64>>,
}

/// What the catalogers found in one file.
#[derive(Debug, Clone, Default)]
pub struct FileResult {
    pub path: String,
    pub packages: Vec<Package>,
    pub distro: Option<Distro>,
    pub warnings: Vec<String>,
}

/// A layer that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {layer} of {image}")]
pub struct WalkError {
    pub image: String,
    pub layer: String,
    #[source]
    pub source: std::io::Error,
}

/// Catalogs every layer of an image and returns its SBOM.
pub fn catalog_image(
    image: &Image,
    catalogers: &[Box<dyn Cataloger>],
    options: &WalkOptions,
) -> Result<Sbom, WalkError> {
    let scans: Vec<Result<LayerScan, WalkError>> = image
        .layers
        .par_iter()
        .map(|blob| {
            let describe = blob.describe();
            let fail = |source| WalkError {
                image: image.target.name.clone(),
                layer: describe.clone(),
                source,
            };
            let mut stream = blob.open(options.progress.clone()).map_err(fail)?;
            let scanned = layer::scan_ref(&mut stream, catalogers, &options.limits, &describe)
                .and_then(|scan| stream.finish().map(|()| scan));
            scanned.map_err(|e| {
                // A digest mismatch explains a corrupt layer better than the tar or gzip
                // error it caused, so check the digest on its own and prefer that.
                match blob.check_digest() {
                    Err(mismatch) if mismatch.kind() == std::io::ErrorKind::InvalidData => {
                        fail(mismatch)
                    }
                    _ => fail(e),
                }
            })
        })
        .collect();
    let scans = scans.into_iter().collect::<Result<Vec<_>, _>>()?;
    let layers: Vec<_> = image.layers.iter().map(|l| l.layer.clone()).collect();
    let merged = merge::merge(&scans, &layers);
    Ok(finalize::finish(image.target.clone(), merged))
}

/// The merged view before packages are deduplicated and given purls.
#[derive(Debug, Default)]
pub struct Merged {
    pub packages: Vec<Package>,
    pub distro: Option<Distro>,
    pub warnings: Vec<String>,
}

/// Builds an SBOM from files cataloged outside an image (a directory).
pub(crate) fn finish_plain(target: Target, files: Vec<FileResult>) -> Sbom {
    let mut merged = Merged::default();
    let mut best = 0;
    for f in files {
        merged.warnings.extend(f.warnings);
        if let Some(d) = f.distro {
            let rank = merge::distro_rank(&f.path);
            if rank > best {
                best = rank;
                merged.distro = Some(d);
            }
        }
        for mut p in f.packages {
            merge::locate(&mut p, &f.path, None);
            merged.packages.push(p);
        }
    }
    finalize::finish(target, merged)
}
