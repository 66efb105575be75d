//! The compact local vulnerability database: [`build`] writes it from imported
//! advisories, [`Database::open`] reads it back without parsing, [`Database::affected`]
//! and friends look records up by key.

mod build;
pub mod format;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use bulwark_types::{Advisory, Affected, Ecosystem};
use serde::{Deserialize, Serialize};

pub use build::{BuildSource, Builder};
use format::{ENTRY_LEN, FORMAT_VERSION, MAGIC};
pub use format::{Meta, SourceMeta};

/// An affected entry with the advisory it belongs to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AffectedRef {
    /// Importer kind of the advisory (`osv`, `debian-tracker`, ...).
    pub source: String,
    /// Advisory id.
    pub id: String,
    pub affected: Affected,
}

/// Errors opening or reading a database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot read vulnerability database {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a Bulwark vulnerability database: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("vulnerability database {path} is corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },
}

/// An opened database: the file's bytes and its header.
pub struct Database {
    path: PathBuf,
    bytes: Vec<u8>,
    meta: Meta,
    count: usize,
    table_start: usize,
    blob_start: usize,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("path", &self.path)
            .field("keys", &self.count)
            .finish()
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

impl Database {
    /// Opens a database file: reads it and checks the header, parses nothing else.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let bytes = std::fs::read(path).map_err(|source| DbError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let format = |reason: &str| DbError::Format {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        if bytes.get(..8) != Some(&MAGIC[..]) {
            return Err(format("wrong magic bytes"));
        }
        let version = u32_at(&bytes, 8).ok_or_else(|| format("truncated header"))?;
        if version != FORMAT_VERSION {
            return Err(format(&std::format!(
                "format version {version}, this Bulwark reads {FORMAT_VERSION}; rebuild it with `bulwark db build`"
            )));
        }
        let meta_len = u32_at(&bytes, 12).ok_or_else(|| format("truncated header"))? as usize;
        let meta_end = 16usize.saturating_add(meta_len);
        let meta_bytes = bytes
            .get(16..meta_end)
            .ok_or_else(|| format("truncated metadata"))?;
        let meta: Meta = serde_json::from_slice(meta_bytes).map_err(|e| format(&e.to_string()))?;
        let count = u32_at(&bytes, meta_end).ok_or_else(|| format("truncated key count"))? as usize;
        let table_start = meta_end + 4;
        let blob_start = count
            .checked_mul(ENTRY_LEN)
            .and_then(|n| n.checked_add(table_start))
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| format("key table runs past the end of the file"))?;
        Ok(Self {
            path: path.to_path_buf(),
            bytes,
            meta,
            count,
            table_start,
            blob_start,
        })
    }

    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Recomputes the checksum over table and blob and compares it with the header's.
    pub fn verify(&self) -> Result<(), DbError> {
        use sha2::Digest as _;
        let body = self.bytes.get(self.table_start - 4..).unwrap_or_default();
        let actual = hex::encode(sha2::Sha256::digest(body));
        if actual == self.meta.checksum {
            Ok(())
        } else {
            Err(DbError::Corrupt {
                path: self.path.clone(),
                reason: std::format!(
                    "checksum {actual} does not match the recorded {}",
                    self.meta.checksum
                ),
            })
        }
    }

    fn entry(&self, i: usize) -> Option<(&[u8], &[u8])> {
        let at = self.table_start + i * ENTRY_LEN;
        let field = |n: usize| u32_at(&self.bytes, at + n * 4).map(|v| v as usize);
        let (ko, kl, vo, vl) = (field(0)?, field(1)?, field(2)?, field(3)?);
        let blob = self.bytes.get(self.blob_start..)?;
        let key = blob.get(ko..ko.checked_add(kl)?)?;
        let val = blob.get(vo..vo.checked_add(vl)?)?;
        Some((key, val))
    }

    /// The raw value stored under `key`.
    fn get(&self, key: &str) -> Option<&[u8]> {
        let (mut lo, mut hi) = (0usize, self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (k, v) = self.entry(mid)?;
            match k.cmp(key.as_bytes()) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Some(v),
            }
        }
        None
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>, DbError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => serde_json::from_slice(v)
                .map(Some)
                .map_err(|e| DbError::Corrupt {
                    path: self.path.clone(),
                    reason: std::format!("record {:?}: {e}", key.replace('\0', "/")),
                }),
        }
    }

    /// Affected entries for a package. `distro` is `""` for language ecosystems.
    pub fn affected(
        &self,
        ecosystem: Ecosystem,
        distro: &str,
        package: &str,
    ) -> Result<Vec<AffectedRef>, DbError> {
        let key = format::affected_key(
            ecosystem.purl_type(),
            distro,
            &normalize_name(ecosystem, package),
        );
        Ok(self.decode(&key)?.unwrap_or_default())
    }

    /// An advisory's record (its `affected` list is empty: see [`Database::affected`]).
    pub fn advisory(&self, source: &str, id: &str) -> Result<Option<Advisory>, DbError> {
        self.decode(&format::advisory_key(&std::format!("{source}\0{id}")))
    }

    /// Enrichment (NVD) data for a CVE id.
    pub fn enrichment(&self, id: &str) -> Result<Option<Advisory>, DbError> {
        self.decode(&format::enrichment_key(id))
    }
}

/// The spelling a package name is stored and looked up under: PyPI names normalized per
/// PEP 503, Composer and NuGet lowercased; others as they are.
pub fn normalize_name(ecosystem: Ecosystem, name: &str) -> String {
    match ecosystem {
        Ecosystem::Pypi => {
            let mut out = String::with_capacity(name.len());
            let mut sep = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    sep = true;
                } else {
                    if sep && !out.is_empty() {
                        out.push('-');
                    }
                    sep = false;
                    out.push(c.to_ascii_lowercase());
                }
            }
            out
        }
        Ecosystem::Composer | Ecosystem::Nuget => name.to_ascii_lowercase(),
        _ => name.to_string(),
    }
}
