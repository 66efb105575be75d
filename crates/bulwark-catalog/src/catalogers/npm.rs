//! npm packages from node_modules/**/package.json and package-lock.json.
//!
//! STUB: to be written.

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// npm packages from node_modules/**/package.json and package-lock.json.
#[derive(Debug, Default, Clone, Copy)]
pub struct Npm;

impl Cataloger for Npm {
    fn name(&self) -> &'static str {
        "npm"
    }

    fn wants(&self, _path: &str, _meta: &FileMeta) -> bool {
        false
    }

    fn catalog(&self, _file: &FileInput<'_>, _out: &mut Output) -> Result<(), CatalogError> {
        Ok(())
    }
}
