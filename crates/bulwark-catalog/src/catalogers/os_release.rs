//! Identifies the operating system from /etc/os-release, /usr/lib/os-release and friends.
//!
//! STUB: to be written.

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Identifies the operating system from /etc/os-release, /usr/lib/os-release and friends.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRelease;

impl Cataloger for OsRelease {
    fn name(&self) -> &'static str {
        "os-release"
    }

    fn wants(&self, _path: &str, _meta: &FileMeta) -> bool {
        false
    }

    fn catalog(&self, _file: &FileInput<'_>, _out: &mut Output) -> Result<(), CatalogError> {
        Ok(())
    }
}
