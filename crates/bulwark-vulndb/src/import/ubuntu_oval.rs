//! Ubuntu OVAL XML.
//!
//! STUB: to be written.

use std::path::Path;

use bulwark_types::Advisory;

use super::{ImportError, ImportReport, Importer};

/// Ubuntu OVAL XML.
#[derive(Debug, Default, Clone, Copy)]
pub struct UbuntuOval;

impl Importer for UbuntuOval {
    fn kind(&self) -> &'static str {
        "ubuntu-oval"
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
