//! The one trait every ecosystem cataloger implements.

use bulwark_types::{Distro, Package};

/// What the walker knows about a file before reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    /// Size in bytes.
    pub size: u64,
    /// Unix permission bits (`0o755`); 0 when unknown.
    pub mode: u32,
}

impl FileMeta {
    /// Any of the execute bits set.
    pub fn is_executable(&self) -> bool {
        self.mode & 0o111 != 0
    }
}

/// One file handed to a cataloger: its absolute, normalized path inside the image
/// (always starting with `/`, no `.` or `..` components) and its whole content.
#[derive(Debug, Clone, Copy)]
pub struct FileInput<'a> {
    pub path: &'a str,
    pub meta: FileMeta,
    pub data: &'a [u8],
}

/// What catalogers produce from one file.
#[derive(Debug, Default)]
pub struct Output {
    /// Packages found. Leave `locations` empty for packages described by the file itself:
    /// the walker adds the file's path and layer. For content nested inside the file (a jar
    /// inside a war) push a location whose path is `<file path>!/<inner path>` and no layer;
    /// the walker fills in the layer. Leave `found_by` and `purl` empty: the walker sets them.
    pub packages: Vec<Package>,
    /// Set by the os-release cataloger only.
    pub distro: Option<Distro>,
    /// Non-fatal problems worth telling the user (a skipped entry inside a database, a
    /// nested archive over the size limit). The walker prefixes them with file and layer.
    pub warnings: Vec<String>,
}

/// Why a cataloger could not read a file at all. The walker reports it as a warning that
/// names the file and layer, and goes on with the rest of the image.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The file is not in the format the cataloger expects, or is corrupt.
    #[error("malformed {format}: {reason}")]
    Malformed {
        format: &'static str,
        reason: String,
    },
    /// A size or depth limit was hit (zip bomb, absurd record count, ...).
    #[error("{what} exceeds the limit of {limit}")]
    LimitExceeded { what: String, limit: u64 },
    /// Reading from an embedded database or archive failed.
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl CatalogError {
    /// Shorthand for [`CatalogError::Malformed`].
    pub fn malformed(format: &'static str, reason: impl Into<String>) -> Self {
        CatalogError::Malformed {
            format,
            reason: reason.into(),
        }
    }
}

/// A cataloger finds the packages of one ecosystem (or the distro) in the files it asks for.
///
/// Implementations are stateless and cheap; one value is shared by all walker threads.
pub trait Cataloger: Send + Sync {
    /// Short stable name, recorded as a package's `found_by` (e.g. `dpkg`, `python`).
    fn name(&self) -> &'static str;

    /// Should the walker read this file and call [`Cataloger::catalog`] on it? Decided from
    /// the path and metadata only; must be fast, it is called for every file in the image.
    fn wants(&self, path: &str, meta: &FileMeta) -> bool;

    /// Parses one file. Must never panic, whatever the bytes.
    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError>;
}
