//! Alpine packages from /lib/apk/db/installed.
//!
//! STUB: to be written.

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Alpine packages from /lib/apk/db/installed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Apk;

impl Cataloger for Apk {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn wants(&self, _path: &str, _meta: &FileMeta) -> bool {
        false
    }

    fn catalog(&self, _file: &FileInput<'_>, _out: &mut Output) -> Result<(), CatalogError> {
        Ok(())
    }
}
