//! Vulnerability advisories in one model, whatever feed they came from, and the findings
//! produced by matching packages against them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Ecosystem;

/// How bad a vulnerability is. Ordered: `Unknown < Negligible < ... < Critical`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Unknown,
    Negligible,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Maps a CVSS base score to the qualitative rating (CVSS v3/v4 bands).
    pub fn from_cvss_score(score: f32) -> Self {
        match score {
            s if s >= 9.0 => Severity::Critical,
            s if s >= 7.0 => Severity::High,
            s if s >= 4.0 => Severity::Medium,
            s if s > 0.0 => Severity::Low,
            _ => Severity::Negligible,
        }
    }

    /// Parses the words feeds use (`CRITICAL`, `important`, `moderate`, `unimportant`, ...).
    pub fn from_word(word: &str) -> Option<Self> {
        Some(match word.trim().to_ascii_lowercase().as_str() {
            "critical" => Severity::Critical,
            "high" | "important" => Severity::High,
            "medium" | "moderate" => Severity::Medium,
            "low" => Severity::Low,
            "negligible" | "unimportant" | "none" => Severity::Negligible,
            "unknown" | "not yet assigned" | "untriaged" => Severity::Unknown,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Unknown => "unknown",
            Severity::Negligible => "negligible",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        })
    }
}

/// One CVSS score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    /// `2.0`, `3.0`, `3.1`, `4.0`.
    pub version: String,
    /// The vector string, e.g. `CVSS:3.1/AV:N/AC:L/...`.
    pub vector: String,
    /// Base score when the feed gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
}

/// An OSV-style range event. Versions are strings in the ecosystem's own scheme; `"0"`
/// as `Introduced` means "from the first version".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

/// The packages (and versions) one advisory affects in one ecosystem.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Affected {
    pub ecosystem: Option<Ecosystem>,
    /// For OS packages: the release the fix data applies to, as `<distro id>:<release>`,
    /// e.g. `debian:12`, `alpine:3.10`, `ubuntu:22.04`, `rocky:9`. Debian and Ubuntu
    /// advisories name the *source* package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro: Option<String>,
    /// Package name as the ecosystem's advisories spell it (Maven `group:artifact`).
    pub package: String,
    /// Ranges of events; a version is affected when any range says so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Vec<Event>>,
    /// Versions listed explicitly as affected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// The distro's own rating for this package, when it has one (Debian urgency,
    /// Ubuntu priority, Red Hat severity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
}

/// A vulnerability advisory from any feed, in Bulwark's model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Advisory {
    /// The feed's id: `GHSA-...`, `CVE-...`, `RUSTSEC-...`, `PYSEC-...`, `DSA-...`.
    pub id: String,
    /// Other ids for the same flaw.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Which importer produced it: `osv`, `rustsec`, `rubysec`, `friendsofphp`,
    /// `nodejs-wg`, `alpine-secdb`, `debian-tracker`, `ubuntu-oval`, `rhel-oval`, `nvd`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// The feed's own overall rating, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cvss: Vec<Cvss>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// RFC 3339 timestamps or dates as the feed gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Empty for enrichment-only records (NVD): they add scores, CWEs and text to
    /// advisories with the same id or alias.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
}
