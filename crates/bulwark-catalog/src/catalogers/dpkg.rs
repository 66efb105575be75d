//! Debian packages from /var/lib/dpkg/status and distroless /var/lib/dpkg/status.d/.
//!
//! STUB: to be written.

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Debian packages from /var/lib/dpkg/status and distroless /var/lib/dpkg/status.d/.
#[derive(Debug, Default, Clone, Copy)]
pub struct Dpkg;

impl Cataloger for Dpkg {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn wants(&self, _path: &str, _meta: &FileMeta) -> bool {
        false
    }

    fn catalog(&self, _file: &FileInput<'_>, _out: &mut Output) -> Result<(), CatalogError> {
        Ok(())
    }
}
