//! CycloneDX 1.6 JSON: the affected components and one `vulnerabilities[]` entry per
//! finding (an entry's `analysis` is per finding, so one flaw in two packages is two
//! entries with the same `id`).
//!
//! Suppressions become `analysis`, following what CycloneDX's states mean:
//!
//! | Bulwark                     | `state`        | `justification` / `response`        |
//! |-----------------------------|----------------|-------------------------------------|
//! | VEX `not_affected`          | `not_affected` | mapped from the OpenVEX justification (below) |
//! | VEX `fixed`                 | `resolved`     | -                                   |
//! | ignore-file rule            | `exploitable`  | `response: ["will_not_fix"]`        |
//!
//! An ignore rule records a decision to accept the finding, not a claim that the
//! package is unaffected, so it is not `not_affected` or `false_positive` (write a VEX
//! statement to claim those); "exploitable, will not fix" is CycloneDX's accepted risk.
//! The rule's reason and expiry go to `detail`.
//!
//! OpenVEX justifications map to the nearest CycloneDX ones: `component_not_present`
//! and `vulnerable_code_not_present` -> `code_not_present`;
//! `vulnerable_code_not_in_execute_path` -> `code_not_reachable`;
//! `vulnerable_code_cannot_be_controlled_by_adversary` and
//! `inline_mitigations_already_exist` -> `protected_by_mitigating_control`. The
//! original justification and impact statement are kept in `detail`.

use std::collections::BTreeSet;

use bulwark_types::{Finding, FixState, Severity, Suppression};
use serde_json::{Value, json};

use super::ScanReport;

/// The BOM for `report`.
pub fn bom(report: &ScanReport) -> Value {
    let mut seen = BTreeSet::new();
    let mut components = Vec::new();
    for f in &report.findings {
        let r = bom_ref(f);
        if seen.insert(r.clone()) {
            let mut c = json!({
                "type": "library",
                "bom-ref": r,
                "name": f.package.name,
                "version": f.package.version,
            });
            if let (false, Some(o)) = (f.package.purl.is_empty(), c.as_object_mut()) {
                o.insert("purl".into(), json!(f.package.purl));
            }
            components.push(c);
        }
    }
    let vulnerabilities: Vec<Value> = report.findings.iter().map(vulnerability).collect();
    let mut properties = vec![
        json!({ "name": "bulwark:database:built_at", "value": report.database.built_at }),
        json!({ "name": "bulwark:database:checksum", "value": report.database.checksum }),
    ];
    properties.extend(report.expired_rules.iter().map(|e| {
        json!({
            "name": "bulwark:expired-ignore-rule",
            "value": format!("{} ({})", e.message, e.file),
        })
    }));
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "tools": {
                "components": [{
                    "type": "application",
                    "name": "bulwark",
                    "version": env!("CARGO_PKG_VERSION"),
                }]
            },
            "component": {
                "type": "container",
                "bom-ref": "bulwark:target",
                "name": report.target.name,
            },
            "properties": properties,
        },
        "components": components,
        "vulnerabilities": vulnerabilities,
    })
}

fn bom_ref(f: &Finding) -> String {
    if f.package.purl.is_empty() {
        format!("{}@{}", f.package.name, f.package.version)
    } else {
        f.package.purl.clone()
    }
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Negligible => "info",
        Severity::Unknown => "unknown",
    }
}

fn source_of(id: &str) -> Value {
    let prefix = id.split('-').next().unwrap_or(id);
    match prefix {
        "CVE" => json!({ "name": "NVD", "url": format!("https://nvd.nist.gov/vuln/detail/{id}") }),
        "GHSA" => json!({ "name": "GitHub", "url": format!("https://github.com/advisories/{id}") }),
        _ => json!({ "name": prefix }),
    }
}

fn ratings(f: &Finding) -> Vec<Value> {
    let mut out = vec![json!({
        "source": { "name": f.sources.first().map_or("bulwark", String::as_str) },
        "severity": severity_word(f.severity),
    })];
    for c in &f.cvss {
        let method = match c.version.as_str() {
            "2.0" | "2" => "CVSSv2",
            "3.0" => "CVSSv3",
            "3.1" => "CVSSv31",
            "4.0" | "4" => "CVSSv4",
            _ => "other",
        };
        let mut r = json!({ "method": method, "vector": c.vector });
        if let Some(o) = r.as_object_mut() {
            match c.score {
                Some(score) => {
                    o.insert("score".into(), json!(score));
                    o.insert(
                        "severity".into(),
                        json!(severity_word(Severity::from_cvss_score(score))),
                    );
                }
                None => {
                    o.insert("severity".into(), json!(severity_word(f.severity)));
                }
            }
        }
        out.push(r);
    }
    out
}

fn vex_justification(j: &str) -> Option<&'static str> {
    Some(match j {
        "component_not_present" | "vulnerable_code_not_present" => "code_not_present",
        "vulnerable_code_not_in_execute_path" => "code_not_reachable",
        "vulnerable_code_cannot_be_controlled_by_adversary"
        | "inline_mitigations_already_exist" => "protected_by_mitigating_control",
        _ => return None,
    })
}

fn analysis(s: &Suppression) -> Value {
    match s {
        Suppression::Ignored { reason, expires } => json!({
            "state": "exploitable",
            "response": ["will_not_fix"],
            "detail": match expires {
                Some(e) => format!("Ignored by an ignore-file rule until {e}: {reason}"),
                None => format!("Ignored by an ignore-file rule: {reason}"),
            },
        }),
        Suppression::Vex {
            status,
            justification,
            statement,
            document,
        } => {
            let mut detail = format!("OpenVEX {status} in {document}");
            if let Some(j) = justification {
                detail.push_str(&format!(" ({j})"));
            }
            if let Some(s) = statement {
                detail.push_str(&format!(": {s}"));
            }
            let mut a = json!({
                "state": if status == "fixed" { "resolved" } else { "not_affected" },
                "detail": detail,
            });
            if let (Some(j), Some(o), false) = (
                justification.as_deref().and_then(vex_justification),
                a.as_object_mut(),
                status == "fixed",
            ) {
                o.insert("justification".into(), json!(j));
            }
            a
        }
    }
}

fn vulnerability(f: &Finding) -> Value {
    let references: Vec<Value> = f
        .aliases
        .iter()
        .map(|a| json!({ "id": a, "source": source_of(a) }))
        .collect();
    let cwes: Vec<u32> = f
        .cwes
        .iter()
        .filter_map(|c| c.trim_start_matches("CWE-").parse().ok())
        .collect();
    let advisories: Vec<Value> = f
        .references
        .iter()
        .filter(|r| r.starts_with("https://") || r.starts_with("http://"))
        .map(|r| json!({ "url": r }))
        .collect();
    let status = match &f.suppressed {
        Some(Suppression::Vex { .. }) => "unaffected",
        _ => "affected",
    };
    let mut v = json!({
        "id": f.id,
        "source": source_of(&f.id),
        "ratings": ratings(f),
        "description": f.description.clone().unwrap_or_else(|| f.title.clone()),
        "affects": [{
            "ref": bom_ref(f),
            "versions": [{ "version": f.package.version, "status": status }],
        }],
    });
    let Some(o) = v.as_object_mut() else {
        return v;
    };
    if !references.is_empty() {
        o.insert("references".into(), json!(references));
    }
    if !cwes.is_empty() {
        o.insert("cwes".into(), json!(cwes));
    }
    if !advisories.is_empty() {
        o.insert("advisories".into(), json!(advisories));
    }
    if f.fix_state == FixState::Fixed && !f.fixed_versions.is_empty() {
        o.insert(
            "recommendation".into(),
            json!(format!(
                "Upgrade {} to {}",
                f.package.name,
                f.fixed_versions.join(" or ")
            )),
        );
    }
    if let Some(s) = &f.suppressed {
        o.insert("analysis".into(), analysis(s));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppressions_map_to_analysis_states() {
        let ignored = analysis(&Suppression::Ignored {
            reason: "accepted".into(),
            expires: Some("2027-01-31".into()),
        });
        assert_eq!(ignored["state"], "exploitable");
        assert_eq!(ignored["response"], json!(["will_not_fix"]));
        let vex = |status: &str, j: Option<&str>| {
            analysis(&Suppression::Vex {
                status: status.into(),
                justification: j.map(String::from),
                statement: None,
                document: "a.json".into(),
            })
        };
        let na = vex("not_affected", Some("vulnerable_code_not_in_execute_path"));
        assert_eq!(na["state"], "not_affected");
        assert_eq!(na["justification"], "code_not_reachable");
        let fixed = vex("fixed", None);
        assert_eq!(fixed["state"], "resolved");
        assert!(fixed.get("justification").is_none());
    }
}
