//! Version ordering per ecosystem. STUB: to be written (versions helper).

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

use bulwark_types::{Ecosystem, Event};

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

/// The scheme of an ecosystem.
pub fn for_ecosystem(ecosystem: Ecosystem) -> &'static dyn VersionScheme {
    let _ = ecosystem;
    unimplemented_scheme()
}

fn unimplemented_scheme() -> &'static dyn VersionScheme {
    struct Lexical;
    impl VersionScheme for Lexical {
        fn name(&self) -> &'static str {
            "lexical"
        }
        fn compare(&self, a: &str, b: &str) -> Ordering {
            a.cmp(b)
        }
        fn is_valid(&self, _v: &str) -> bool {
            true
        }
    }
    &Lexical
}

/// Is `version` inside the OSV range given by `events` (introduced / fixed /
/// last_affected / limit, evaluated as the OSV schema specifies)?
pub fn in_range(scheme: &dyn VersionScheme, version: &str, events: &[Event]) -> bool {
    let _ = (scheme, version, events);
    false
}
