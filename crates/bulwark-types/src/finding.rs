//! The result of matching one package against one vulnerability.

use serde::{Deserialize, Serialize};

use crate::{Cvss, Ecosystem, LayerRef, Severity};

/// Whether a fix exists for the installed package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixState {
    /// A fixed version exists (see `fixed_versions`).
    Fixed,
    /// Affected, and no fixed version is known (for OS packages: none in this release).
    NotFixed,
    /// The distro decided not to fix it in this release.
    WontFix,
}

/// Why a finding is not counted against the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Suppression {
    /// An entry of the ignore file.
    Ignored {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires: Option<String>,
    },
    /// An OpenVEX statement (`not_affected` or `fixed`).
    Vex {
        status: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        statement: Option<String>,
        /// The VEX document it came from.
        document: String,
    },
}

/// The package a finding is about, as found in the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingPackage {
    pub name: String,
    pub version: String,
    pub ecosystem: Ecosystem,
    pub purl: String,
    /// Source package name, for OS packages (what the advisory matched on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// One vulnerability in one package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The preferred id (CVE when one exists, else the advisory's own).
    pub id: String,
    /// Every other id of the same flaw (GHSA, PYSEC, RUSTSEC, DSA, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub package: FindingPackage,
    /// Versions that fix it (in the package's ecosystem or distro release).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed_versions: Vec<String>,
    pub fix_state: FixState,
    /// Distro rating, else NVD CVSS, else the advisory's own.
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cvss: Vec<Cvss>,
    /// One line for tables.
    #[serde(default)]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Which feeds said so (`osv`, `debian-tracker`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Set when an ignore rule or VEX statement applies; such findings are still reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}
