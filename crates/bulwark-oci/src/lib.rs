//! Reading container images: references, registries, OCI layouts and archives, and the
//! layer streams inside them.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic))]

mod reference;
pub mod registry;

pub use reference::{Reference, ReferenceError};
