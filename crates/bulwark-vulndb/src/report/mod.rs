//! A scan's result: the target, the database used and the findings, in JSON or as a
//! table grouped by package and layer.

use std::collections::BTreeMap;
use std::io::Write;

use bulwark_types::{Finding, FixState, Severity, Target};
use serde::Serialize;

use crate::db::Meta;

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

    /// One block per package (and the layer it came from), one line per finding.
    pub fn write_table(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut groups: BTreeMap<(String, String, String), Vec<&Finding>> = BTreeMap::new();
        for f in &self.findings {
            let layer = f
                .package
                .layer
                .as_ref()
                .map(|l| {
                    l.diff_id
                        .as_ref()
                        .or(l.digest.as_ref())
                        .map(|d| format!("layer {} {}", l.index, d.short()))
                        .unwrap_or_else(|| format!("layer {}", l.index))
                })
                .unwrap_or_default();
            let key = (
                format!("{} {}", f.package.name, f.package.version),
                f.package.ecosystem.to_string(),
                layer,
            );
            groups.entry(key).or_default().push(f);
        }
        for ((pkg, eco, layer), fs) in &groups {
            writeln!(out, "{pkg} ({eco}) {layer}")?;
            for f in fs {
                let fixed = match f.fix_state {
                    FixState::Fixed => format!("fixed in {}", f.fixed_versions.join(", ")),
                    FixState::NotFixed => "affected, no fix".to_string(),
                    FixState::WontFix => "won't fix".to_string(),
                };
                let note = match &f.suppressed {
                    Some(s) => format!(" [suppressed: {}]", suppression_text(s)),
                    None => String::new(),
                };
                writeln!(
                    out,
                    "  {:<10} {:<20} {:<28} {}{note}",
                    f.severity.to_string().to_uppercase(),
                    f.id,
                    fixed,
                    f.title
                )?;
            }
        }
        let by: Vec<String> = self
            .summary
            .by_severity
            .iter()
            .rev()
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        writeln!(
            out,
            "{} vulnerabilities{}{}",
            self.summary.total,
            if by.is_empty() {
                String::new()
            } else {
                format!(" ({})", by.join(", "))
            },
            if self.summary.suppressed > 0 {
                format!("; {} suppressed", self.summary.suppressed)
            } else {
                String::new()
            }
        )
    }
}

fn suppression_text(s: &bulwark_types::Suppression) -> String {
    match s {
        bulwark_types::Suppression::Ignored { reason, .. } => format!("ignored: {reason}"),
        bulwark_types::Suppression::Vex { status, .. } => format!("VEX {status}"),
    }
}
