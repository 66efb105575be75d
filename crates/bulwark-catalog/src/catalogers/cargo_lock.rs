//! Rust crates from Cargo.lock.
//!
//! STUB: to be written.

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Rust crates from Cargo.lock.
#[derive(Debug, Default, Clone, Copy)]
pub struct CargoLock;

impl Cataloger for CargoLock {
    fn name(&self) -> &'static str {
        "cargo-lock"
    }

    fn wants(&self, _path: &str, _meta: &FileMeta) -> bool {
        false
    }

    fn catalog(&self, _file: &FileInput<'_>, _out: &mut Output) -> Result<(), CatalogError> {
        Ok(())
    }
}
