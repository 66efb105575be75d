//! RPM packages from the SQLite, BerkeleyDB and NDB rpm databases.
//!
//! STUB: to be written.

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// RPM packages from the SQLite, BerkeleyDB and NDB rpm databases.
#[derive(Debug, Default, Clone, Copy)]
pub struct Rpm;

impl Cataloger for Rpm {
    fn name(&self) -> &'static str {
        "rpm"
    }

    fn wants(&self, _path: &str, _meta: &FileMeta) -> bool {
        false
    }

    fn catalog(&self, _file: &FileInput<'_>, _out: &mut Output) -> Result<(), CatalogError> {
        Ok(())
    }
}
