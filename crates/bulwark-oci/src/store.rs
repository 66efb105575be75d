//! Local blob stores: an OCI layout directory, or the members of a tar archive (an OCI
//! archive or `docker save` output), read in place without extracting.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use bulwark_types::Digest;

use crate::OciError;
use crate::layer::BlobLocation;

/// Largest JSON document (index, manifest, config) Bulwark will read.
pub const MAX_JSON: u64 = 16 * 1024 * 1024;

/// Named files of an image on local disk.
pub enum Store {
    /// An OCI layout directory.
    Dir(PathBuf),
    /// An uncompressed tar archive and its members' byte ranges.
    Tar {
        path: PathBuf,
        members: HashMap<String, BlobLocation>,
    },
}

impl Store {
    /// Indexes a tar archive's regular-file members by reading only their headers.
    /// Member names are normalized (`./` and leading `/` dropped); names with `..` are
    /// ignored, so nothing in the archive can name a file outside it.
    pub fn tar(path: &Path) -> Result<Self, OciError> {
        let file = File::open(path).map_err(|e| OciError::io(path, e))?;
        let mut archive = tar::Archive::new(BufReader::new(file));
        let mut members = HashMap::new();
        let entries = archive
            .entries_with_seek()
            .map_err(|e| OciError::io(path, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| corrupt(path, e))?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = match entry.path() {
                Ok(p) => p.to_string_lossy().into_owned(),
                Err(_) => continue,
            };
            let Some(name) = normalize_member(&name) else {
                tracing::warn!(archive = %path.display(), member = %name, "ignoring archive member with an unsafe path");
                continue;
            };
            let len = entry.header().size().map_err(|e| corrupt(path, e))?;
            let offset = entry.raw_file_position();
            members.insert(
                name,
                BlobLocation {
                    path: path.to_path_buf(),
                    offset,
                    len,
                },
            );
        }
        let actual_len = std::fs::metadata(path)
            .map_err(|e| OciError::io(path, e))?
            .len();
        for (name, loc) in &members {
            if loc.offset.saturating_add(loc.len) > actual_len {
                return Err(OciError::invalid(
                    path.display().to_string(),
                    format!("archive is truncated: member {name} runs past the end of the file"),
                ));
            }
        }
        Ok(Store::Tar {
            path: path.to_path_buf(),
            members,
        })
    }

    /// Human-readable name of the store for messages.
    pub fn describe(&self) -> String {
        match self {
            Store::Dir(p) | Store::Tar { path: p, .. } => p.display().to_string(),
        }
    }

    /// Location of a named file (`index.json`, `manifest.json`, `blobs/sha256/...`).
    pub fn locate(&self, name: &str) -> Result<BlobLocation, OciError> {
        match self {
            Store::Dir(dir) => {
                let path = dir.join(name);
                let len = std::fs::metadata(&path)
                    .map_err(|e| OciError::io(&path, e))?
                    .len();
                Ok(BlobLocation {
                    path,
                    offset: 0,
                    len,
                })
            }
            Store::Tar { members, path } => {
                let key = normalize_member(name).unwrap_or_default();
                members.get(&key).cloned().ok_or_else(|| OciError::Missing {
                    location: path.display().to_string(),
                    what: format!("member {name}"),
                })
            }
        }
    }

    /// Does the store hold this file?
    pub fn has(&self, name: &str) -> bool {
        match self {
            Store::Dir(dir) => dir.join(name).is_file(),
            Store::Tar { members, .. } => normalize_member(name)
                .map(|k| members.contains_key(&k))
                .unwrap_or(false),
        }
    }

    /// Reads a small file completely (bounded by [`MAX_JSON`]).
    pub fn read_small(&self, name: &str) -> Result<Vec<u8>, OciError> {
        let loc = self.locate(name)?;
        read_location(&loc, MAX_JSON, name)
    }

    /// Reads a blob by digest and checks its content against the digest.
    pub fn read_blob(&self, digest: &Digest) -> Result<Vec<u8>, OciError> {
        let name = blob_path(digest);
        let bytes = self.read_small(&name)?;
        crate::layer::verify_bytes(&bytes, digest).map_err(|actual| OciError::DigestMismatch {
            location: self.describe(),
            digest: digest.clone(),
            actual,
        })?;
        Ok(bytes)
    }
}

/// `blobs/<alg>/<hex>`; safe to join to a directory because both parts are validated.
pub fn blob_path(digest: &Digest) -> String {
    format!("blobs/{}/{}", digest.algorithm(), digest.hex())
}

/// Reads a byte range completely, refusing more than `limit` bytes.
pub fn read_location(loc: &BlobLocation, limit: u64, what: &str) -> Result<Vec<u8>, OciError> {
    if loc.len > limit {
        return Err(OciError::TooLarge {
            what: what.to_string(),
            size: loc.len,
            limit,
        });
    }
    let mut file = File::open(&loc.path).map_err(|e| OciError::io(&loc.path, e))?;
    file.seek(SeekFrom::Start(loc.offset))
        .map_err(|e| OciError::io(&loc.path, e))?;
    let mut buf = Vec::with_capacity(usize::try_from(loc.len).unwrap_or(0));
    file.take(loc.len)
        .read_to_end(&mut buf)
        .map_err(|e| OciError::io(&loc.path, e))?;
    if (buf.len() as u64) < loc.len {
        return Err(OciError::invalid(
            loc.path.display().to_string(),
            format!("{what} is truncated ({} of {} bytes)", buf.len(), loc.len),
        ));
    }
    Ok(buf)
}

fn normalize_member(name: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn corrupt(path: &Path, e: io::Error) -> OciError {
    OciError::invalid(
        path.display().to_string(),
        format!("not a readable tar archive: {e}"),
    )
}
