//! .NET packages from *.deps.json.
//!
//! STUB: to be written.

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// .NET packages from *.deps.json.
#[derive(Debug, Default, Clone, Copy)]
pub struct Dotnet;

impl Cataloger for Dotnet {
    fn name(&self) -> &'static str {
        "dotnet"
    }

    fn wants(&self, _path: &str, _meta: &FileMeta) -> bool {
        false
    }

    fn catalog(&self, _file: &FileInput<'_>, _out: &mut Output) -> Result<(), CatalogError> {
        Ok(())
    }
}
