//! Authentication and authorization logic for the Bulwark registry.
//!
//! Pure logic, no HTTP server: password hashing ([`password`]), robot secrets
//! ([`secret`]), Docker token scopes ([`scope`]), project roles ([`role`]), the single
//! authorization decision ([`policy`]), ES256 bearer tokens ([`token`]) and the
//! `WWW-Authenticate` / `Authorization` header formats ([`challenge`]).
//!
//! Anything that holds a credential is wrapped in [`Secret`], whose `Debug` and
//! `Display` print `[redacted]`, so a stray `tracing` field cannot leak it.
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod challenge;
mod error;
pub mod password;
pub mod policy;
mod redact;
pub mod role;
pub mod scope;
pub mod secret;
pub mod token;

pub use error::AuthError;
pub use redact::Secret;
