//! Debian DSA/DLA text lists.
//!
//! STUB: to be written.

use std::path::Path;

use bulwark_types::Advisory;

use super::{ImportError, ImportReport, Importer};

/// Debian DSA/DLA text lists.
#[derive(Debug, Default, Clone, Copy)]
pub struct DebianDsa;

impl Importer for DebianDsa {
    fn kind(&self) -> &'static str {
        "debian-dsa"
    }

    fn import(
        &self,
        _path: &Path,
        _sink: &mut dyn FnMut(Advisory),
        _report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        Ok(())
    }
}
