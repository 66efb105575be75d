//! OSV JSON and YAML: directories, single files, and osv.dev `all.zip` exports.
//!
//! STUB: to be written.

use std::path::Path;

use bulwark_types::Advisory;

use super::{ImportError, ImportReport, Importer};

/// OSV JSON and YAML: directories, single files, and osv.dev `all.zip` exports.
#[derive(Debug, Default, Clone, Copy)]
pub struct Osv;

impl Importer for Osv {
    fn kind(&self) -> &'static str {
        "osv"
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
