//! Red Hat / Rocky Linux OVAL XML.
//!
//! STUB: to be written.

use std::path::Path;

use bulwark_types::Advisory;

use super::{ImportError, ImportReport, Importer};

/// Red Hat / Rocky Linux OVAL XML.
#[derive(Debug, Default, Clone, Copy)]
pub struct RhelOval;

impl Importer for RhelOval {
    fn kind(&self) -> &'static str {
        "rhel-oval"
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
