//! A conformance suite for the [OCI Distribution Specification] v1.1, written from the
//! specification and runnable against any registry: Bulwark's own, or a peer.
//!
//! [`run`] pushes fresh content (unique per run, so runs never collide) into the target's
//! repositories and checks every requirement of the four workflow categories -- pull, push,
//! content discovery and content management -- returning one [`Check`] per requirement.
//! Optional parts (deletion, referrers, SHA-512, mounts without `from`) follow the
//! [`Features`] the registry claims; unclaimed deletion must be refused, and that is
//! checked too.
//!
//! ```no_run
//! use bulwark_conformance::{Auth, Features, Target};
//!
//! let report = bulwark_conformance::run(&Target {
//!     base_url: "http://127.0.0.1:5000".to_owned(),
//!     repo: "conformance/app".to_owned(),
//!     mount_source_repo: "conformance/base".to_owned(),
//!     auth: Auth::Anonymous,
//!     features: Features::all(),
//! });
//! print!("{report}");
//! assert!(report.failures().is_empty());
//! ```
//!
//! [OCI Distribution Specification]: https://github.com/opencontainers/distribution-spec

// Unit tests may unwrap; the library itself may not (checked in non-test builds).
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod checks;
mod content;
mod http;
mod oci_error;
mod report;
mod target;

pub use report::{Category, Check, Outcome, Report};
pub use target::{Auth, Features, Target};

/// Runs the whole suite against `target`. Failures are results, not errors: a registry
/// that cannot be reached fails every check that needed it.
pub fn run(target: &Target) -> Report {
    checks::run(target)
}
