//! Feed importers: one file per source format, each turning its files into [`Advisory`]s.
//!
//! Adding a feed: write `<format>.rs` implementing [`Importer`] and add one line to [`all`].

mod alpine_secdb;
mod debian_dsa;
mod debian_tracker;
mod distro;
mod friendsofphp;
mod nodejs_wg;
mod nvd;
mod osv;
mod oval;
mod requirements;
mod rhel_oval;
mod rubysec;
mod rustsec;
mod ubuntu_oval;

pub use alpine_secdb::AlpineSecdb;
pub use debian_dsa::DebianDsa;
pub use debian_tracker::DebianTracker;
pub use friendsofphp::FriendsOfPhp;
pub use nodejs_wg::NodejsWg;
pub use nvd::Nvd;
pub use osv::Osv;
pub use rhel_oval::RhelOval;
pub use rubysec::RubySec;
pub use rustsec::RustSec;
pub use ubuntu_oval::UbuntuOval;

use std::path::Path;

use bulwark_types::Advisory;

/// A file (or entry of a zip) that could not be imported, and why. Importers skip it and
/// go on: one malformed advisory never aborts a database build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Path of the file, or `archive.zip!/entry.json` for zip entries.
    pub file: String,
    pub reason: String,
}

/// What an import run did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Files read.
    pub files: usize,
    /// Advisories produced.
    pub advisories: usize,
    pub skipped: Vec<Skipped>,
}

/// Errors that stop an importer altogether (the path does not exist, is unreadable).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a {kind} source: {reason}")]
    NotThisFormat {
        path: String,
        kind: &'static str,
        reason: String,
    },
}

/// One feed format.
pub trait Importer: Send + Sync {
    /// The source kind named on the command line (`--source KIND:PATH`): `osv`,
    /// `rustsec`, `rubysec`, `friendsofphp`, `nodejs-wg`, `alpine-secdb`,
    /// `debian-tracker`, `debian-dsa`, `ubuntu-oval`, `rhel-oval`, `nvd`.
    fn kind(&self) -> &'static str;

    /// Reads every advisory under `path` (a directory tree, a single file, or a zip where
    /// the format has one), handing each to `sink`. Bad files go to `report.skipped` with
    /// the file name and reason.
    fn import(
        &self,
        path: &Path,
        sink: &mut dyn FnMut(Advisory),
        report: &mut ImportReport,
    ) -> Result<(), ImportError>;
}

/// Every importer, by kind.
pub fn all() -> Vec<Box<dyn Importer>> {
    vec![
        Box::new(Osv),
        Box::new(RustSec),
        Box::new(RubySec),
        Box::new(FriendsOfPhp),
        Box::new(NodejsWg),
        Box::new(AlpineSecdb),
        Box::new(DebianTracker),
        Box::new(DebianDsa),
        Box::new(UbuntuOval),
        Box::new(RhelOval),
        Box::new(Nvd),
    ]
}

/// The importer for a source kind.
pub fn by_kind(kind: &str) -> Option<Box<dyn Importer>> {
    all().into_iter().find(|i| i.kind() == kind)
}
