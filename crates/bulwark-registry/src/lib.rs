//! Bulwark's OCI Distribution v1.1 registry: the HTTP API (`/v2/`), the Docker token
//! endpoint, projects, roles and robots, the management API, audit, GC and metrics.
//! Storage is behind two traits: [`store::MetaStore`] (SQLite today) and
//! [`blob::BlobStore`] (local disk today).
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod access;
pub mod api;
pub mod audit;
pub mod blob;
pub mod clock;
pub mod config;
pub mod dist;
pub mod error;
pub mod gc;
pub mod manifest;
pub mod metrics;
pub mod names;
pub mod server;
pub mod state;
pub mod store;
pub mod tls;
pub mod token;

pub use config::Config;
pub use server::{Opened, StartError, app, open, serve};
pub use state::AppState;
