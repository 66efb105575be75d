//! Cataloging a root filesystem on disk (`dir:PATH`, `dir:/` for this machine).

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use bulwark_types::{Sbom, Target};
use rayon::prelude::*;

use super::layer::run_catalogers;
use super::path::join;
use super::{FileResult, WalkOptions};
use crate::{Cataloger, FileInput, FileMeta};

/// Pseudo-filesystems never worth reading (and some never end).
const SKIP_AT_ROOT: &[&str] = &["/proc", "/sys", "/dev", "/run"];

/// Catalogs a directory tree as the root of a filesystem. Symlinks are not followed, so
/// nothing outside `root` is read.
pub fn catalog_dir(
    root: &Path,
    catalogers: &[Box<dyn Cataloger>],
    options: &WalkOptions,
    target: Target,
) -> std::io::Result<Sbom> {
    let meta = fs::symlink_metadata(root)?;
    if !meta.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a directory", root.display()),
        ));
    }
    let mut wanted = Vec::new();
    let mut warnings = Vec::new();
    walk(root, "/", catalogers, &mut wanted, &mut warnings);
    let describe = format!("directory {}", root.display());
    let limit = options.limits.max_file_size;
    let mut files: Vec<FileResult> = wanted
        .par_iter()
        .filter_map(|(disk, path, meta)| {
            let chosen: Vec<&dyn Cataloger> = catalogers
                .iter()
                .map(|c| c.as_ref())
                .filter(|c| c.wants(path, meta))
                .collect();
            let mut data = Vec::new();
            let read = fs::File::open(disk).and_then(|f| f.take(limit).read_to_end(&mut data));
            if let Err(e) = read {
                return Some(FileResult {
                    path: path.clone(),
                    warnings: vec![format!("{path} in {describe}: cannot read: {e}")],
                    ..FileResult::default()
                });
            }
            let input = FileInput {
                path,
                meta: *meta,
                data: &data,
            };
            Some(run_catalogers(&chosen, &input, &describe))
        })
        .collect();
    if let Some(first) = files.first_mut() {
        first.warnings.extend(warnings);
    }
    Ok(super::finish_plain(target, files))
}

fn walk(
    disk: &Path,
    path: &str,
    catalogers: &[Box<dyn Cataloger>],
    wanted: &mut Vec<(PathBuf, String, FileMeta)>,
    warnings: &mut Vec<String>,
) {
    let entries = match fs::read_dir(disk) {
        Ok(e) => e,
        Err(e) => {
            warnings.push(format!("cannot list {}: {e}", disk.display()));
            return;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let child = join(path, &name);
        if SKIP_AT_ROOT.contains(&child.as_str()) {
            continue;
        }
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            walk(&entry.path(), &child, catalogers, wanted, warnings);
        } else if ft.is_file() {
            let Ok(m) = entry.metadata() else { continue };
            let meta = FileMeta {
                size: m.len(),
                mode: m.permissions().mode(),
            };
            if catalogers.iter().any(|c| c.wants(&child, &meta)) {
                if meta.size > 512 * 1024 * 1024 {
                    warnings.push(format!(
                        "{child}: {} bytes, too large to catalog; skipped",
                        meta.size
                    ));
                    continue;
                }
                wanted.push((entry.path(), child, meta));
            }
        }
    }
}
