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

pub mod cvss;
pub mod db;
pub mod import;
pub mod matcher;
pub mod report;
pub mod suppress;
#[cfg(test)]
mod test_support;
pub mod update;
