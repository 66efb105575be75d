//! Debian security tracker JSON (source package -> CVE -> release status).
//!
//! STUB: to be written.

use std::path::Path;

use bulwark_types::Advisory;

use super::{ImportError, ImportReport, Importer};

/// Debian security tracker JSON (source package -> CVE -> release status).
#[derive(Debug, Default, Clone, Copy)]
pub struct DebianTracker;

impl Importer for DebianTracker {
    fn kind(&self) -> &'static str {
        "debian-tracker"
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
