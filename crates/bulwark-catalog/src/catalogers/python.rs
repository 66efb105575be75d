//! Python packages from *.dist-info, *.egg-info and .egg.
//!
//! STUB: to be written.

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Python packages from *.dist-info, *.egg-info and .egg.
#[derive(Debug, Default, Clone, Copy)]
pub struct Python;

impl Cataloger for Python {
    fn name(&self) -> &'static str {
        "python"
    }

    fn wants(&self, _path: &str, _meta: &FileMeta) -> bool {
        false
    }

    fn catalog(&self, _file: &FileInput<'_>, _out: &mut Output) -> Result<(), CatalogError> {
        Ok(())
    }
}
