//! The on-disk layout of a Bulwark vulnerability database.
//!
//! ```text
//! magic      8 bytes  "BWVULNDB"
//! version    u32 LE   FORMAT_VERSION
//! meta_len   u32 LE   then meta_len bytes of JSON (`Meta`)
//! count      u32 LE   number of keys
//! table      count x (key_off u32, key_len u32, val_off u32, val_len u32), sorted by key
//! blob       the rest: keys and values referenced by the table (offsets from blob start)
//! ```
//!
//! Opening reads the file and the header only; a lookup binary-searches the table and
//! decodes just that key's value (JSON). Nothing is parsed up front, so opening costs the
//! read of the file, not the size of the data set.

use serde::{Deserialize, Serialize};

pub const MAGIC: &[u8; 8] = b"BWVULNDB";
pub const FORMAT_VERSION: u32 = 1;
pub const ENTRY_LEN: usize = 16;

/// What the database holds; shown by `bulwark db status`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Meta {
    /// When it was built (RFC 3339).
    pub built_at: String,
    /// Bulwark version that built it.
    pub built_by: String,
    /// One entry per `--source`.
    pub sources: Vec<SourceMeta>,
    /// Number of advisories (after merging) and of lookup keys.
    pub advisories: usize,
    pub keys: usize,
    /// sha256 of everything after the header (table and blob), hex.
    pub checksum: String,
}

/// One imported source.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SourceMeta {
    pub kind: String,
    pub path: String,
    pub files: usize,
    pub advisories: usize,
    pub skipped: usize,
}

/// Key spaces: `a\0<ecosystem>\0<distro>\0<package>` for affected entries, `v\0<id>` for
/// advisory records, `e\0<id>` for enrichment (NVD) records.
pub fn affected_key(ecosystem: &str, distro: &str, package: &str) -> String {
    format!("a\0{ecosystem}\0{distro}\0{package}")
}

pub fn advisory_key(id: &str) -> String {
    format!("v\0{id}")
}

pub fn enrichment_key(id: &str) -> String {
    format!("e\0{id}")
}
