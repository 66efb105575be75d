//! Finds packages in images and root filesystems.
//!
//! The [`walker`] streams every layer of an image once, hands each file that some
//! [`Cataloger`] wants to it, and merges the per-layer results through the image's
//! whiteouts into the final package list.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod cataloger;
pub mod catalogers;
pub mod gobuildinfo;
mod java;
pub mod rpm;
#[cfg(test)]
mod test_support;
mod util;
pub mod walk;

pub use cataloger::{CatalogError, Cataloger, FileInput, FileMeta, Output};
pub use walk::{Limits, WalkError, WalkOptions, catalog_dir, catalog_image};
