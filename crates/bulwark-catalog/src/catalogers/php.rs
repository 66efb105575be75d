//! PHP packages from vendor/composer/installed.json and composer.lock.
//!
//! STUB: to be written.

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// PHP packages from vendor/composer/installed.json and composer.lock.
#[derive(Debug, Default, Clone, Copy)]
pub struct Php;

impl Cataloger for Php {
    fn name(&self) -> &'static str {
        "php"
    }

    fn wants(&self, _path: &str, _meta: &FileMeta) -> bool {
        false
    }

    fn catalog(&self, _file: &FileInput<'_>, _out: &mut Output) -> Result<(), CatalogError> {
        Ok(())
    }
}
