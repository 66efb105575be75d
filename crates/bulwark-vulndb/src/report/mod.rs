//! A scan's result: the target, the database used and the findings, written as
//! Bulwark's own JSON, a table grouped by package and layer ([`table`]), SARIF 2.1.0
//! ([`sarif`]) or CycloneDX 1.6 JSON with vulnerabilities ([`cyclonedx`]).

use std::collections::BTreeMap;
use std::io::Write;

use bulwark_types::{Finding, Severity, Target};
use serde::Serialize;

use crate::db::Meta;
use crate::suppress::ExpiredRule;

pub mod cyclonedx;
pub mod sarif;
pub mod table;

/// Everything `bulwark scan` reports.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub schema: &'static str,
    pub target: Target,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distro: Option<bulwark_types::Distro>,
    pub database: DatabaseInfo,
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Ignore rules that would have suppressed findings but have expired.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expired_rules: Vec<ExpiredRule>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatabaseInfo {
    pub path: String,
    pub built_at: String,
    pub checksum: String,
}

/// Counts of findings that are not suppressed, by severity.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub total: usize,
    pub suppressed: usize,
    pub by_severity: BTreeMap<String, usize>,
}

impl ScanReport {
    pub fn new(
        target: Target,
        distro: Option<bulwark_types::Distro>,
        db_path: &str,
        meta: &Meta,
        mut findings: Vec<Finding>,
    ) -> Self {
        findings.sort_by(|a, b| {
            (b.severity, &a.package.name, &a.package.version, &a.id).cmp(&(
                a.severity,
                &b.package.name,
                &b.package.version,
                &b.id,
            ))
        });
        let mut summary = Summary::default();
        for f in &findings {
            if f.suppressed.is_some() {
                summary.suppressed += 1;
            } else {
                summary.total += 1;
                *summary
                    .by_severity
                    .entry(f.severity.to_string())
                    .or_default() += 1;
            }
        }
        Self {
            schema: "bulwark-scan/1",
            target,
            distro,
            database: DatabaseInfo {
                path: db_path.to_string(),
                built_at: meta.built_at.clone(),
                checksum: meta.checksum.clone(),
            },
            findings,
            summary,
            expired_rules: Vec::new(),
        }
    }

    /// The highest severity among findings that are not suppressed.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .map(|f| f.severity)
            .max()
    }

    pub fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

    /// One block per package and layer, one line per finding (see [`table`]).
    pub fn write_table(&self, out: &mut dyn Write) -> std::io::Result<()> {
        table::write(self, out)
    }

    /// A SARIF 2.1.0 log (see [`sarif`]).
    pub fn write_sarif(&self, out: &mut dyn Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &sarif::log(self))?;
        writeln!(out)
    }

    /// A CycloneDX 1.6 BOM of the affected components and their vulnerabilities (see
    /// [`cyclonedx`]).
    pub fn write_cyclonedx(&self, out: &mut dyn Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &cyclonedx::bom(self))?;
        writeln!(out)
    }
}
