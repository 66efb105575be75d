//! Alpine secdb JSON and YAML (`secfixes`).
//!
//! STUB: to be written.

use std::path::Path;

use bulwark_types::Advisory;

use super::{ImportError, ImportReport, Importer};

/// Alpine secdb JSON and YAML (`secfixes`).
#[derive(Debug, Default, Clone, Copy)]
pub struct AlpineSecdb;

impl Importer for AlpineSecdb {
    fn kind(&self) -> &'static str {
        "alpine-secdb"
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
