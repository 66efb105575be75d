//! Suppressing findings: ignore files (`--ignore-file`) and OpenVEX documents (`--vex`).
//!
//! A suppressed finding is still reported, marked with [`Suppression`]; it is left out of
//! the summary's counts and of `--fail-on`. VEX statements are applied first: they are
//! the supplier's statement about the product, and an ignore rule only marks findings no
//! statement covers. Expired ignore rules suppress nothing and are reported as
//! [`ExpiredRule`]s so they get renewed or removed.

use std::path::PathBuf;

use bulwark_types::{Finding, Suppression};
use serde::Serialize;

pub mod ignore;
mod purl;
pub mod vex;

pub use ignore::{IgnoreFile, IgnoreRule};
pub use vex::VexDocument;

/// A file given to `--ignore-file` or `--vex` that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SuppressError {
    #[error("cannot read {kind} {}", path.display())]
    Read {
        kind: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid ignore file {}{}: {message}", path.display(), at_line(*line))]
    Ignore {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    #[error("invalid OpenVEX document {}{}: {message}", path.display(), at_line(*line))]
    Vex {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!(" at line {l}")).unwrap_or_default()
}

/// An ignore rule that matched findings but whose `expires` date has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiredRule {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// `YYYY-MM-DD`.
    pub expired_on: String,
    /// The ignore file it is in.
    pub file: String,
    /// `name version` of each package it would have matched.
    pub would_match: Vec<String>,
    /// One line for people: `ignore rule for CVE-... expired on 2026-01-01`.
    pub message: String,
}

/// Marks `findings` from the VEX documents, then from the ignore files (see the module
/// docs for the order); returns the expired ignore rules that would have matched.
/// `today` decides expiry (a rule applies up to and including its `expires` date).
pub fn apply(
    findings: &mut [Finding],
    vex: &[VexDocument],
    ignore: &[IgnoreFile],
    today: time::Date,
) -> Vec<ExpiredRule> {
    for f in findings.iter_mut() {
        if f.suppressed.is_some() {
            continue;
        }
        // Later documents, and later statements within one, override earlier ones.
        let mut verdict: Option<Option<Suppression>> = None;
        for doc in vex {
            if let Some(v) = doc.verdict(f) {
                verdict = Some(v);
            }
        }
        if let Some(Some(s)) = verdict {
            f.suppressed = Some(s);
        }
    }
    let mut expired = Vec::new();
    for file in ignore {
        expired.extend(file.apply(findings, today));
    }
    expired
}

/// Today's date in UTC, for [`apply`].
pub fn today_utc() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// An invented finding for unit tests (no real feed record has every shape these need).
#[cfg(test)]
pub(crate) fn test_finding(id: &str, name: &str, version: &str) -> Finding {
    Finding {
        id: id.to_string(),
        aliases: Vec::new(),
        package: bulwark_types::FindingPackage {
            name: name.to_string(),
            version: version.to_string(),
            ecosystem: bulwark_types::Ecosystem::Apk,
            purl: format!("pkg:apk/alpine/{name}@{version}?arch=x86_64"),
            source: None,
            layer: None,
            path: Some("/lib/apk/db/installed".to_string()),
        },
        fixed_versions: vec!["9.9".to_string()],
        fix_state: bulwark_types::FixState::Fixed,
        severity: bulwark_types::Severity::High,
        cvss: Vec::new(),
        title: format!("{id} in {name}"),
        description: None,
        cwes: Vec::new(),
        references: Vec::new(),
        sources: vec!["alpine-secdb".to_string()],
        suppressed: None,
    }
}
