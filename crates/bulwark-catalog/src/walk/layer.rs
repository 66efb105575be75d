//! Reading one layer's tar stream: which paths it adds, deletes (whiteouts) or hides
//! (opaque directories), and what the catalogers find in the files they want.

use std::collections::HashMap;
use std::io::Read;

use super::path::{EntryPath, join, normalize, parent};
use super::{FileResult, Limits};
use crate::{Cataloger, FileInput, FileMeta, Output};

/// Kind of an entry, as far as the whiteout merge cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dir,
    /// Anything that is not a directory: file, symlink, device, ...
    NonDir,
}

/// What one layer contributes.
#[derive(Debug, Default)]
pub struct LayerScan {
    /// Every path the layer puts in place.
    pub entries: HashMap<String, Kind>,
    /// Paths deleted by `.wh.<name>` files.
    pub whiteouts: Vec<String>,
    /// Directories whose lower-layer content is hidden by `.wh..wh..opq`.
    pub opaque: Vec<String>,
    /// Results per cataloged file.
    pub files: Vec<FileResult>,
    /// Problems with single entries (unsafe names, oversized files, bad links).
    pub warnings: Vec<String>,
}

const WHITEOUT: &str = ".wh.";
const OPAQUE: &str = ".wh..wh..opq";

/// Reads every entry of an uncompressed layer tar. `describe` names the layer in
/// messages. Errors here (corrupt tar, digest mismatch) are fatal for the layer.
pub fn scan<R: Read>(
    reader: R,
    catalogers: &[Box<dyn Cataloger>],
    limits: &Limits,
    describe: &str,
) -> std::io::Result<(LayerScan, R)> {
    let mut reader = reader;
    let scan = scan_ref(&mut reader, catalogers, limits, describe)?;
    Ok((scan, reader))
}

/// Like [`scan`], borrowing the reader so the caller can still drain it after an error.
pub fn scan_ref<R: Read>(
    reader: &mut R,
    catalogers: &[Box<dyn Cataloger>],
    limits: &Limits,
    describe: &str,
) -> std::io::Result<LayerScan> {
    let mut scan = LayerScan::default();
    let mut archive = tar::Archive::new(reader);
    let mut wanted: Vec<&dyn Cataloger> = Vec::new();
    let mut buf = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        if scan.entries.len() >= limits.max_entries {
            scan.warnings.push(format!(
                "{describe}: more than {} entries; the rest of the layer is not cataloged",
                limits.max_entries
            ));
            break;
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let path = match normalize(&raw) {
            EntryPath::Path(p) => p,
            EntryPath::Root => continue,
            EntryPath::Escapes => {
                scan.warnings.push(format!(
                    "{describe}: entry {raw:?} has a `..` path that escapes the image root; skipped"
                ));
                continue;
            }
        };
        let name = path.rsplit('/').next().unwrap_or_default();
        if name == OPAQUE {
            scan.opaque.push(parent(&path).to_string());
            continue;
        }
        if let Some(hidden) = name.strip_prefix(WHITEOUT) {
            if !hidden.is_empty() {
                scan.whiteouts.push(join(parent(&path), hidden));
            }
            continue;
        }
        let header = entry.header();
        let ty = header.entry_type();
        let mode = header.mode().unwrap_or(0);
        if ty.is_dir() {
            scan.entries.insert(path, Kind::Dir);
            continue;
        }
        scan.entries.insert(path.clone(), Kind::NonDir);
        if ty.is_hard_link() {
            link_result(&mut scan, &entry, &path, describe);
            continue;
        }
        if !(ty.is_file() || ty == tar::EntryType::Continuous) {
            continue;
        }
        let size = entry.size();
        let meta = FileMeta { size, mode };
        wanted.clear();
        wanted.extend(
            catalogers
                .iter()
                .map(|c| c.as_ref())
                .filter(|c| c.wants(&path, &meta)),
        );
        if wanted.is_empty() {
            continue;
        }
        if size > limits.max_file_size {
            scan.warnings.push(format!(
                "{describe}: {path} is {size} bytes, over the {} byte limit for cataloged files; skipped",
                limits.max_file_size
            ));
            continue;
        }
        buf.clear();
        (&mut entry).take(size).read_to_end(&mut buf)?;
        let input = FileInput {
            path: &path,
            meta,
            data: &buf,
        };
        scan.files.push(run_catalogers(&wanted, &input, describe));
    }
    Ok(scan)
}

/// Runs the catalogers that want a file and collects what they say.
pub fn run_catalogers(
    wanted: &[&dyn Cataloger],
    input: &FileInput<'_>,
    describe: &str,
) -> FileResult {
    let mut result = FileResult {
        path: input.path.to_string(),
        ..FileResult::default()
    };
    for cataloger in wanted {
        let mut out = Output::default();
        let outcome = cataloger.catalog(input, &mut out);
        for mut p in out.packages {
            if p.found_by.is_empty() {
                p.found_by = cataloger.name().to_string();
            }
            result.packages.push(p);
        }
        if out.distro.is_some() {
            result.distro = out.distro;
        }
        for w in out.warnings {
            result
                .warnings
                .push(one_line(&format!("{} in {describe}: {w}", input.path)));
        }
        if let Err(e) = outcome {
            result.warnings.push(one_line(&format!(
                "{} in {describe}: {} cataloger: {e}",
                input.path,
                cataloger.name()
            )));
        }
    }
    result
}

/// A hard link shares its target's content: reuse the target's results when the target
/// was cataloged earlier in this layer. A link to a path the layer does not hold is an
/// escape attempt (or a broken archive) and is reported.
fn link_result<R: Read>(
    scan: &mut LayerScan,
    entry: &tar::Entry<'_, R>,
    path: &str,
    describe: &str,
) {
    let target = entry
        .link_name_bytes()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let target = match normalize(&target) {
        EntryPath::Path(p) => p,
        _ => {
            scan.warnings.push(format!(
                "{describe}: hard link {path} points to {target:?}, outside the image root; ignored"
            ));
            return;
        }
    };
    if !scan.entries.contains_key(&target) {
        scan.warnings.push(format!(
            "{describe}: hard link {path} points to {target}, which is not earlier in the layer; ignored"
        ));
        return;
    }
    if let Some(found) = scan.files.iter().find(|f| f.path == target) {
        let mut copy = found.clone();
        copy.path = path.to_string();
        scan.files.push(copy);
    }
}

/// Warnings are printed one per line; parser messages sometimes span several.
fn one_line(s: &str) -> String {
    s.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}
