//! Go modules and the Go toolchain version from build info in ELF/PE/Mach-O binaries.
//!
//! STUB: to be written.

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Go modules and the Go toolchain version from build info in ELF/PE/Mach-O binaries.
#[derive(Debug, Default, Clone, Copy)]
pub struct GoBinary;

impl Cataloger for GoBinary {
    fn name(&self) -> &'static str {
        "go-binary"
    }

    fn wants(&self, _path: &str, _meta: &FileMeta) -> bool {
        false
    }

    fn catalog(&self, _file: &FileInput<'_>, _out: &mut Output) -> Result<(), CatalogError> {
        Ok(())
    }
}
