//! Helpers shared by the tests of every Bulwark crate.
//!
//! - [`free_port`] and [`require_tool`] for tests that start real programs;
//! - [`DockerRegistry`], a real CNCF distribution registry (`docker-registry`) on a loopback
//!   port, stopped when dropped;
//! - [`testdata_dir`] and [`test_images_dir`], where the shared real-world test files live.
//!
//! This crate is only ever a dev-dependency: a missing tool or a registry that does not come
//! up is a broken test environment, so these helpers panic with a hint instead of returning
//! errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod paths;
mod registry;
mod tools;

pub use paths::{test_images_dir, testdata_dir, workspace_root};
pub use registry::{DockerRegistry, Options};
pub use tools::{free_port, require_tool};
