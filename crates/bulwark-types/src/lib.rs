//! Plain data types shared by every Bulwark crate.
//!
//! Nothing in this crate does file or network I/O: it describes packages, the
//! layers and files they were found in, the operating system of an image, and
//! how to spell a package as a [package URL](https://github.com/package-url/purl-spec).

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod digest;
mod distro;
mod ecosystem;
mod finding;
mod package;
mod purl;
mod sbom;
mod vuln;

pub use digest::{Digest, DigestError};
pub use distro::Distro;
pub use ecosystem::Ecosystem;
pub use finding::{Finding, FindingPackage, FixState, Suppression};
pub use package::{LayerRef, Location, Package, SourcePackage};
pub use purl::purl_for;
pub use sbom::{Sbom, Target};
pub use vuln::{Advisory, Affected, Cvss, Event, Severity};
