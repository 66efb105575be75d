//! The rubysec ruby-advisory-db YAML.
//!
//! STUB: to be written.

use std::path::Path;

use bulwark_types::Advisory;

use super::{ImportError, ImportReport, Importer};

/// The rubysec ruby-advisory-db YAML.
#[derive(Debug, Default, Clone, Copy)]
pub struct RubySec;

impl Importer for RubySec {
    fn kind(&self) -> &'static str {
        "rubysec"
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
