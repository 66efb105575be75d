//! Reading container images: references, registries, OCI layouts and archives, and the
//! layer streams inside them.
//!
//! [`Source`] parses what the user typed; [`open_images`] turns an image source into
//! [`Image`]s whose manifests and configs have been read and digest-checked; each
//! [`LayerBlob`] then opens as an uncompressed tar stream that checks its own digest.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod docker_archive;
mod error;
mod image;
mod layer;
pub mod manifest;
mod pull;
mod reference;
pub mod registry;
mod source;
mod store;

pub use error::OciError;
pub use image::{Image, PlatformChoice, open_images};
pub use layer::{BlobLocation, LayerBlob, LayerStream, Verify, sha256_digest, verify_bytes};
pub use manifest::Platform;
pub use reference::{Reference, ReferenceError};
pub use source::Source;
