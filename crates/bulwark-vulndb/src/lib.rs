//! The vulnerability database: feed importers, a compact on-disk database that opens
//! without parsing, and the matcher that turns packages into findings.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod import;
