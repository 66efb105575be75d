//! NVD CVE JSON 1.1 feeds, NVD API 2.0 records and CVE 5.x records (enrichment).
//!
//! STUB: to be written.

use std::path::Path;

use bulwark_types::Advisory;

use super::{ImportError, ImportReport, Importer};

/// NVD CVE JSON 1.1 feeds, NVD API 2.0 records and CVE 5.x records (enrichment).
#[derive(Debug, Default, Clone, Copy)]
pub struct Nvd;

impl Importer for Nvd {
    fn kind(&self) -> &'static str {
        "nvd"
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
