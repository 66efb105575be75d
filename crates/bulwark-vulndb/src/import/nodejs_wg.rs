//! nodejs security-wg npm advisories JSON.
//!
//! STUB: to be written.

use std::path::Path;

use bulwark_types::Advisory;

use super::{ImportError, ImportReport, Importer};

/// nodejs security-wg npm advisories JSON.
#[derive(Debug, Default, Clone, Copy)]
pub struct NodejsWg;

impl Importer for NodejsWg {
    fn kind(&self) -> &'static str {
        "nodejs-wg"
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
