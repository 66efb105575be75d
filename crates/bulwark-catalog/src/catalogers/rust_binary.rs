//! Rust crates embedded by cargo-auditable in compiled binaries.
//!
//! STUB: to be written.

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Rust crates embedded by cargo-auditable in compiled binaries.
#[derive(Debug, Default, Clone, Copy)]
pub struct RustBinary;

impl Cataloger for RustBinary {
    fn name(&self) -> &'static str {
        "rust-binary"
    }

    fn wants(&self, _path: &str, _meta: &FileMeta) -> bool {
        false
    }

    fn catalog(&self, _file: &FileInput<'_>, _out: &mut Output) -> Result<(), CatalogError> {
        Ok(())
    }
}
