//! SARIF 2.1.0 (OASIS), the format code-scanning dashboards read.
//!
//! One run; one rule per vulnerability id, one result per finding. A result's physical
//! location is the file the package was read from (relative to the image root) and its
//! logical location is the package URL. Severity is carried twice: as the result `level`
//! (critical/high: `error`, medium: `warning`, everything else: `note`) and as the rule's
//! `security-severity` property (the highest CVSS base score, else 9.5 / 8.0 / 5.5 / 2.0
//! for critical / high / medium / low). Suppressed findings stay in the log with an
//! `external` suppression whose justification says which ignore rule or VEX statement.

use std::collections::BTreeMap;

use bulwark_types::{Finding, FixState, Severity, Suppression};
use serde_json::{Value, json};

use super::ScanReport;

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json";
/// The project's home, as in the workspace manifest.
const INFORMATION_URI: &str = "https://example.invalid/bulwark";

/// The whole SARIF log for `report`.
pub fn log(report: &ScanReport) -> Value {
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rules: Vec<Value> = Vec::new();
    for f in &report.findings {
        if !rule_index.contains_key(f.id.as_str()) {
            rule_index.insert(&f.id, rules.len());
            rules.push(rule(f));
        }
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            result(
                f,
                rule_index.get(f.id.as_str()).copied().unwrap_or_default(),
            )
        })
        .collect();
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "bulwark",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "results": results,
        "properties": {
            "target": report.target.name,
            "databaseBuiltAt": report.database.built_at,
        },
    });
    // Expired ignore rules are configuration problems the user should act on.
    if let (false, Some(r)) = (report.expired_rules.is_empty(), run.as_object_mut()) {
        let notes: Vec<Value> = report
            .expired_rules
            .iter()
            .map(|e| {
                json!({
                    "level": "warning",
                    "descriptor": { "id": "expired-ignore-rule" },
                    "message": { "text": format!("{} ({})", e.message, e.file) },
                })
            })
            .collect();
        r.insert(
            "invocations".into(),
            json!([{ "executionSuccessful": true, "toolConfigurationNotifications": notes }]),
        );
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    })
}

pub(crate) fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Negligible | Severity::Unknown => "note",
    }
}

/// The `security-severity` score: the highest CVSS base score, else one from the rating.
pub(crate) fn security_severity(f: &Finding) -> Option<f32> {
    let scored = f
        .cvss
        .iter()
        .filter_map(|c| c.score)
        .fold(None, |m: Option<f32>, s| Some(m.map_or(s, |m| m.max(s))));
    scored.or(match f.severity {
        Severity::Critical => Some(9.5),
        Severity::High => Some(8.0),
        Severity::Medium => Some(5.5),
        Severity::Low => Some(2.0),
        Severity::Negligible | Severity::Unknown => None,
    })
}

fn rule(f: &Finding) -> Value {
    let short = if f.title.is_empty() {
        f.id.clone()
    } else {
        f.title.clone()
    };
    let full = f.description.clone().unwrap_or_else(|| short.clone());
    let mut tags = vec![
        "security".to_string(),
        "vulnerability".to_string(),
        f.severity.to_string(),
    ];
    tags.extend(f.cwes.iter().cloned());
    let mut properties = json!({ "tags": tags });
    if let (Some(score), Some(p)) = (security_severity(f), properties.as_object_mut()) {
        p.insert("security-severity".into(), json!(format!("{score:.1}")));
    }
    let mut help = full.clone();
    if !f.references.is_empty() {
        help.push_str("\n\nReferences:\n");
        help.push_str(&f.references.join("\n"));
    }
    let mut rule = json!({
        "id": f.id,
        "shortDescription": { "text": short },
        "fullDescription": { "text": full },
        "help": { "text": help },
        "defaultConfiguration": { "level": level(f.severity) },
        "properties": properties,
    });
    if let (Some(uri), Some(r)) = (
        f.references
            .iter()
            .find(|r| r.starts_with("https://") || r.starts_with("http://")),
        rule.as_object_mut(),
    ) {
        r.insert("helpUri".into(), json!(uri));
    }
    rule
}

/// `<pkg> <version> is affected by <id>; fixed in ...`.
pub(crate) fn message(f: &Finding) -> String {
    let fix = match f.fix_state {
        FixState::Fixed if !f.fixed_versions.is_empty() => {
            format!("fixed in {}", f.fixed_versions.join(", "))
        }
        FixState::Fixed => "a fix exists".to_string(),
        FixState::NotFixed => "no fix is available".to_string(),
        FixState::WontFix => "the distribution will not fix it".to_string(),
    };
    format!(
        "{} {} is affected by {}; {fix}",
        f.package.name, f.package.version, f.id
    )
}

fn result(f: &Finding, rule_index: usize) -> Value {
    let mut location = json!({
        "logicalLocations": [{
            "name": f.package.name,
            "fullyQualifiedName": f.package.purl,
            "kind": "package",
        }]
    });
    if let (Some(path), Some(l)) = (&f.package.path, location.as_object_mut()) {
        l.insert(
            "physicalLocation".into(),
            // The whole file is the evidence (a package database or manifest): SARIF
            // consumers want a region, so point at its start.
            json!({
                "artifactLocation": { "uri": uri_path(path) },
                "region": { "startLine": 1 }
            }),
        );
    }
    let mut result = json!({
        "ruleId": f.id,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": message(f) },
        "locations": [location],
        "properties": {
            "purl": f.package.purl,
            "severity": f.severity.to_string(),
            "fixedVersions": f.fixed_versions,
        },
    });
    if let (Some(s), Some(r)) = (&f.suppressed, result.as_object_mut()) {
        r.insert("suppressions".into(), json!([suppression(s)]));
    }
    result
}

fn suppression(s: &Suppression) -> Value {
    match s {
        Suppression::Ignored { reason, expires } => json!({
            "kind": "external",
            "status": "accepted",
            "justification": match expires {
                Some(e) => format!("ignore file: {reason} (until {e})"),
                None => format!("ignore file: {reason}"),
            },
        }),
        Suppression::Vex {
            status,
            justification,
            statement,
            document,
        } => {
            let mut text = format!("VEX {status}");
            if let Some(j) = justification {
                text.push_str(&format!(" ({j})"));
            }
            if let Some(s) = statement {
                text.push_str(&format!(": {s}"));
            }
            json!({
                "kind": "external",
                "status": "accepted",
                "justification": text,
                "properties": { "vexDocument": document, "vexStatus": status },
            })
        }
    }
}

/// An image path as a relative URI reference: no leading `/`, and anything outside
/// the unreserved characters and `/` percent-encoded.
pub(crate) fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.trim_start_matches('/').bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suppress::test_finding;

    #[test]
    fn levels_scores_and_uris() {
        let mut f = test_finding("CVE-1", "libssl", "1.0");
        assert_eq!(level(f.severity), "error");
        assert_eq!(security_severity(&f), Some(8.0));
        f.cvss = vec![bulwark_types::Cvss {
            version: "3.1".into(),
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            score: Some(9.8),
        }];
        assert_eq!(security_severity(&f), Some(9.8));
        f.severity = Severity::Negligible;
        f.cvss.clear();
        assert_eq!((level(f.severity), security_severity(&f)), ("note", None));
        assert_eq!(
            uri_path("/usr/lib/python3/dist-packages/a b"),
            "usr/lib/python3/dist-packages/a%20b"
        );
        assert_eq!(
            message(&test_finding("CVE-1", "libssl", "1.0")),
            "libssl 1.0 is affected by CVE-1; fixed in 9.9"
        );
    }
}
