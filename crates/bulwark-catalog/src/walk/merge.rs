//! Applying whiteouts: which cataloged files survive into the final filesystem, and in
//! which layer each surviving package first appeared.

use std::collections::{HashMap, HashSet};

use bulwark_types::{LayerRef, Location, Package};

use super::Merged;
use super::layer::{Kind, LayerScan};
use super::path::ancestors;

/// Merges per-layer scans (base layer first) into the final view.
pub fn merge(scans: &[LayerScan], layers: &[LayerRef]) -> Merged {
    let mut merged = Merged::default();
    let deletions: Vec<Deletions<'_>> = scans.iter().map(Deletions::new).collect();
    // Every version of each cataloged path, by layer: for finding where a package came in.
    let mut history: HashMap<&str, Vec<(usize, HashSet<Key>)>> = HashMap::new();
    for (i, scan) in scans.iter().enumerate() {
        merged.warnings.extend(scan.warnings.iter().cloned());
        for f in &scan.files {
            let keys = f.packages.iter().map(key).collect();
            history.entry(f.path.as_str()).or_default().push((i, keys));
        }
    }
    let mut best_distro = 0;
    for (i, scan) in scans.iter().enumerate() {
        for f in &scan.files {
            let survives = deletions
                .get(i + 1..)
                .unwrap_or_default()
                .iter()
                .all(|d| !d.removes(&f.path));
            if !survives {
                continue;
            }
            merged.warnings.extend(f.warnings.iter().cloned());
            if let Some(d) = &f.distro {
                let rank = distro_rank(&f.path);
                if rank > best_distro {
                    best_distro = rank;
                    merged.distro = Some(d.clone());
                }
            }
            let versions = history
                .get(f.path.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default();
            for p in &f.packages {
                let introduced = introduced_in(versions, i, &key(p));
                let mut p = p.clone();
                locate(&mut p, &f.path, layers.get(introduced).cloned());
                merged.packages.push(p);
            }
        }
    }
    merged
}

/// Rank of the file a distro was read from; the highest wins.
pub fn distro_rank(path: &str) -> u8 {
    crate::catalogers::OsRelease::priority(path)
}

/// Gives a package its file location(s) and layer: the file itself first (unless the
/// cataloger already named a nested location), and the layer on every location.
pub fn locate(p: &mut Package, path: &str, layer: Option<LayerRef>) {
    if p.locations.is_empty() {
        p.locations.push(Location {
            path: path.to_string(),
            layer: None,
        });
    }
    for loc in &mut p.locations {
        if loc.layer.is_none() {
            loc.layer = layer.clone();
        }
    }
}

type Key = (String, String, Option<String>);

fn key(p: &Package) -> Key {
    (p.name.clone(), p.version.clone(), p.arch.clone())
}

/// The earliest layer from which every version of the file up to layer `at` listed the
/// package: a package database rewritten by a later layer keeps the package's origin.
fn introduced_in(versions: &[(usize, HashSet<Key>)], at: usize, k: &Key) -> usize {
    let mut first = at;
    for (layer, keys) in versions.iter().rev() {
        if *layer > at {
            continue;
        }
        if keys.contains(k) {
            first = *layer;
        } else {
            break;
        }
    }
    first
}

/// What one layer does to lower layers' paths.
struct Deletions<'a> {
    entries: &'a HashMap<String, Kind>,
    whiteouts: HashSet<&'a str>,
    opaque: HashSet<&'a str>,
}

impl<'a> Deletions<'a> {
    fn new(scan: &'a LayerScan) -> Self {
        Self {
            entries: &scan.entries,
            whiteouts: scan.whiteouts.iter().map(String::as_str).collect(),
            opaque: scan.opaque.iter().map(String::as_str).collect(),
        }
    }

    /// Does this layer replace, delete or hide a lower layer's file at `path`?
    fn removes(&self, path: &str) -> bool {
        if self.entries.contains_key(path) || self.whiteouts.contains(path) {
            return true;
        }
        ancestors(path).any(|dir| {
            self.whiteouts.contains(dir)
                || self.opaque.contains(dir)
                || self.entries.get(dir) == Some(&Kind::NonDir)
        })
    }
}
