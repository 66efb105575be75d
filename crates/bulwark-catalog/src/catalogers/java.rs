//! Java archives (jar/war/ear, nested) via pom.properties and MANIFEST.MF.
//!
//! STUB: to be written.

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Java archives (jar/war/ear, nested) via pom.properties and MANIFEST.MF.
#[derive(Debug, Default, Clone, Copy)]
pub struct Java;

impl Cataloger for Java {
    fn name(&self) -> &'static str {
        "java"
    }

    fn wants(&self, _path: &str, _meta: &FileMeta) -> bool {
        false
    }

    fn catalog(&self, _file: &FileInput<'_>, _out: &mut Output) -> Result<(), CatalogError> {
        Ok(())
    }
}
