//! RustSec advisory markdown with a TOML front block.
//!
//! STUB: to be written.

use std::path::Path;

use bulwark_types::Advisory;

use super::{ImportError, ImportReport, Importer};

/// RustSec advisory markdown with a TOML front block.
#[derive(Debug, Default, Clone, Copy)]
pub struct RustSec;

impl Importer for RustSec {
    fn kind(&self) -> &'static str {
        "rustsec"
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
