//! Reading container images: references, registries, OCI layouts and archives, and the
//! layer streams inside them.

mod reference;
pub mod registry;

pub use reference::{Reference, ReferenceError};
