//! Ruby gems from specifications/*.gemspec.
//!
//! STUB: to be written.

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Ruby gems from specifications/*.gemspec.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ruby;

impl Cataloger for Ruby {
    fn name(&self) -> &'static str {
        "ruby"
    }

    fn wants(&self, _path: &str, _meta: &FileMeta) -> bool {
        false
    }

    fn catalog(&self, _file: &FileInput<'_>, _out: &mut Output) -> Result<(), CatalogError> {
        Ok(())
    }
}
