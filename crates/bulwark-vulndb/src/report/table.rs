//! The human-readable table: findings grouped by package and layer.

use std::collections::BTreeMap;
use std::io::Write;

use bulwark_types::{Finding, FixState};

use super::ScanReport;

/// One block per package (and the layer it came from), one line per finding, then the
/// summary and a warning per expired ignore rule.
pub fn write(report: &ScanReport, out: &mut dyn Write) -> std::io::Result<()> {
    let mut groups: BTreeMap<(String, String, String), Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
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
    let by: Vec<String> = report
        .summary
        .by_severity
        .iter()
        .rev()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    writeln!(
        out,
        "{} vulnerabilities{}{}",
        report.summary.total,
        if by.is_empty() {
            String::new()
        } else {
            format!(" ({})", by.join(", "))
        },
        if report.summary.suppressed > 0 {
            format!("; {} suppressed", report.summary.suppressed)
        } else {
            String::new()
        }
    )?;
    for rule in &report.expired_rules {
        writeln!(
            out,
            "warning: {} ({}); it no longer suppresses {}",
            rule.message,
            rule.file,
            rule.would_match.join(", ")
        )?;
    }
    Ok(())
}

pub(crate) fn suppression_text(s: &bulwark_types::Suppression) -> String {
    match s {
        bulwark_types::Suppression::Ignored { reason, .. } => format!("ignored: {reason}"),
        bulwark_types::Suppression::Vex { status, .. } => format!("VEX {status}"),
    }
}
