//! FriendsOfPHP security-advisories YAML.
//!
//! STUB: to be written.

use std::path::Path;

use bulwark_types::Advisory;

use super::{ImportError, ImportReport, Importer};

/// FriendsOfPHP security-advisories YAML.
#[derive(Debug, Default, Clone, Copy)]
pub struct FriendsOfPhp;

impl Importer for FriendsOfPhp {
    fn kind(&self) -> &'static str {
        "friendsofphp"
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
