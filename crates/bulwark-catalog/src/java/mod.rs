//! Reading Java archives: the zip walk with its limits ([`archive`]), and what the files
//! inside say about the packages ([`manifest`], [`pom`], [`identify`], [`license`]).

mod archive;
mod identify;
mod license;
mod manifest;
mod pom;

pub(crate) use archive::{ArchiveLimits, scan};

/// File name extensions of Java archives (zip files) worth opening, lower case.
pub(crate) const ARCHIVE_EXTENSIONS: &[&str] = &[
    "jar", "war", "ear", "jpi", "hpi", "par", "sar", "nar", "kar",
];

/// Whether a path names a Java archive, by its extension (case-insensitive).
pub(crate) fn is_archive_name(path: &str) -> bool {
    path.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && !stem.ends_with('/')
            && ARCHIVE_EXTENSIONS
                .iter()
                .any(|e| e.eq_ignore_ascii_case(ext))
    })
}
