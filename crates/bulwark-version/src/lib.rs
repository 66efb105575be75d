//! Version ordering per ecosystem, and evaluation of OSV ranges.
//!
//! Each ecosystem's ordering is one [`VersionScheme`] in its own file: `dpkg`, `rpm`, `apk`,
//! `semver` (npm, crates.io), `go`, `pep440` (PyPI), `maven`, `rubygems`, `nuget` and
//! `composer`. Every scheme is written here from its specification, and every `compare` is a
//! total preorder that never panics: strings a scheme cannot parse still order
//! deterministically, by a rule each scheme documents (usually "before every valid version,
//! then byte-wise among themselves").
//!
//! [`in_range`] evaluates OSV `introduced`/`fixed`/`last_affected`/`limit` events with any
//! scheme, as the OSV schema's evaluation pseudocode specifies.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use std::cmp::Ordering;

pub use bulwark_types::{Ecosystem, Event};

mod apk;
mod composer;
mod dpkg;
mod go;
mod maven;
mod nuget;
mod num;
mod pep440;
mod range;
mod rpm;
mod rubygems;
mod semver;

#[cfg(test)]
mod testutil;

pub use apk::Apk;
pub use composer::Composer;
pub use dpkg::Dpkg;
pub use go::{Go, pseudo_version_parts};
pub use maven::Maven;
pub use nuget::NuGet;
pub use pep440::Pep440;
pub use range::{affects, fixed_versions, in_range};
pub use rpm::Rpm;
pub use rubygems::RubyGems;
pub use semver::Semver;

/// One version scheme: a total order over the version strings of an ecosystem.
pub trait VersionScheme: Send + Sync {
    /// Short name: `dpkg`, `rpm`, `apk`, `semver`, `go`, `pep440`, `maven`, `rubygems`,
    /// `nuget`, `composer`.
    fn name(&self) -> &'static str;
    /// Compares two versions. Total and panic-free for any input; versions the scheme
    /// cannot parse still order deterministically (documented per scheme).
    fn compare(&self, a: &str, b: &str) -> Ordering;
    /// Does the scheme accept this version string?
    fn is_valid(&self, v: &str) -> bool;
}

/// Every scheme this crate implements, once each.
pub const SCHEMES: [&'static dyn VersionScheme; 10] = [
    &Dpkg, &Rpm, &Apk, &Semver, &Go, &Pep440, &Maven, &RubyGems, &NuGet, &Composer,
];

/// The scheme of an ecosystem.
pub fn for_ecosystem(ecosystem: Ecosystem) -> &'static dyn VersionScheme {
    match ecosystem {
        Ecosystem::Deb => &Dpkg,
        Ecosystem::Rpm => &Rpm,
        Ecosystem::Apk => &Apk,
        Ecosystem::Npm | Ecosystem::Cargo => &Semver,
        Ecosystem::Golang => &Go,
        Ecosystem::Pypi => &Pep440,
        Ecosystem::Maven => &Maven,
        Ecosystem::Gem => &RubyGems,
        Ecosystem::Nuget => &NuGet,
        Ecosystem::Composer => &Composer,
    }
}

/// The scheme with this [`VersionScheme::name`], if any.
pub fn by_name(name: &str) -> Option<&'static dyn VersionScheme> {
    SCHEMES.into_iter().find(|s| s.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ecosystem_has_the_documented_scheme() {
        let expected = [
            (Ecosystem::Deb, "dpkg"),
            (Ecosystem::Rpm, "rpm"),
            (Ecosystem::Apk, "apk"),
            (Ecosystem::Npm, "semver"),
            (Ecosystem::Cargo, "semver"),
            (Ecosystem::Golang, "go"),
            (Ecosystem::Pypi, "pep440"),
            (Ecosystem::Maven, "maven"),
            (Ecosystem::Gem, "rubygems"),
            (Ecosystem::Nuget, "nuget"),
            (Ecosystem::Composer, "composer"),
        ];
        assert_eq!(expected.len(), Ecosystem::ALL.len());
        for (eco, name) in expected {
            assert_eq!(for_ecosystem(eco).name(), name, "{eco}");
            assert_eq!(by_name(name).map(|s| s.name()), Some(name));
        }
        assert!(by_name("lexical").is_none());
    }
}
