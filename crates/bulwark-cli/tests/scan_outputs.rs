//! `bulwark scan` output formats and suppressions, end to end on the real alpine:3.10
//! image and the real 2024 Alpine secdb: SARIF and CycloneDX validate, an ignore file
//! suppresses one package's finding and not its sibling's, an expired rule suppresses
//! nothing and is reported, an OpenVEX statement suppresses, and `--fail-on` ignores
//! suppressed findings.
//!
//! The ignore files and the VEX document are invented here (no real file states these
//! decisions about this image); the image and the feed are real.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;
use serde_json::Value;

struct Fixture {
    dir: tempfile::TempDir,
    db: PathBuf,
    image: String,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = alpine_db(dir.path());
        let image = alpine_image();
        Self { dir, db, image }
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    /// Runs `bulwark scan IMAGE --db DB -q EXTRA...`.
    fn scan(&self, extra: &[&str]) -> std::process::Output {
        let mut args = vec!["scan", &self.image, "--db", self.db.to_str().unwrap(), "-q"];
        args.extend_from_slice(extra);
        bulwark(&args)
    }

    fn scan_ok(&self, extra: &[&str]) -> Vec<u8> {
        let out = self.scan(extra);
        assert!(
            out.status.success(),
            "scan {extra:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn json(&self, extra: &[&str]) -> Value {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        serde_json::from_slice(&self.scan_ok(&args)).unwrap()
    }
}

fn finding<'a>(report: &'a Value, id: &str, pkg: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id && f["package"]["name"] == pkg)
        .unwrap_or_else(|| panic!("no {id} in {pkg}"))
}

const IGNORE_SSL: &str = "ignore:
  - id: CVE-2020-1967
    package: libssl1.1
    reason: \"no TLS server in this image\"
    expires: 2999-12-31
  - id: CVE-2021-28831
    purl: pkg:apk/alpine/busybox
    reason: \"gzip is never run on untrusted input\"
    expires: 2020-01-01
";

#[test]
fn ignore_file_suppresses_one_package_and_reports_expired_rules() {
    let fx = Fixture::new();
    let ignore = fx.file("ignore.yaml", IGNORE_SSL);
    let plain = fx.json(&[]);
    let report = fx.json(&["--ignore-file", &ignore]);

    // Suppressed findings are still reported, marked.
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        plain["findings"].as_array().unwrap().len()
    );
    let ssl = finding(&report, "CVE-2020-1967", "libssl1.1");
    assert_eq!(ssl["suppressed"]["kind"], "ignored");
    assert_eq!(ssl["suppressed"]["reason"], "no TLS server in this image");
    assert_eq!(ssl["suppressed"]["expires"], "2999-12-31");
    // Same CVE, same source package (openssl), other binary package: not named.
    assert!(
        finding(&report, "CVE-2020-1967", "libcrypto1.1")
            .get("suppressed")
            .is_none()
    );
    // The expired rule suppresses nothing and is listed.
    assert!(
        finding(&report, "CVE-2021-28831", "busybox")
            .get("suppressed")
            .is_none()
    );
    let expired = report["expired_rules"].as_array().unwrap();
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert_eq!(
        expired[0]["message"],
        "ignore rule for CVE-2021-28831 expired on 2020-01-01"
    );
    assert_eq!(
        expired[0]["would_match"],
        serde_json::json!(["busybox 1.30.1-r3"])
    );
    assert_eq!(report["summary"]["suppressed"], 1);
    assert_eq!(
        report["summary"]["total"].as_u64().unwrap() + 1,
        plain["summary"]["total"].as_u64().unwrap()
    );

    // The table marks the finding and warns under the summary.
    let table = String::from_utf8(fx.scan_ok(&["--ignore-file", &ignore])).unwrap();
    assert!(
        table.lines().any(|l| l.contains("CVE-2020-1967")
            && l.contains("[suppressed: ignored: no TLS server in this image]")),
        "{table}"
    );
    assert!(table.contains("; 1 suppressed"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("warning: ignore rule for CVE-2021-28831 expired on 2020-01-01")),
        "{table}"
    );
}

#[test]
fn malformed_ignore_file_names_file_and_line() {
    let fx = Fixture::new();
    let bad = fx.file(
        "bad.yaml",
        "ignore:\n  - id: CVE-2020-1967\n    reason: ok\n  - id: CVE-2020-1971\n    reson: typo\n",
    );
    let out = fx.scan(&["--ignore-file", &bad]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{bad} at line 5")), "{err}");
    assert!(err.contains("reson"), "{err}");
}

const VEX: &str = r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/alpine-310-1",
  "author": "Bulwark tests",
  "timestamp": "2026-01-01T00:00:00Z",
  "version": 1,
  "statements": [
    {
      "vulnerability": { "name": "CVE-2020-28928" },
      "products": [
        {
          "@id": "pkg:oci/alpine",
          "subcomponents": [ { "@id": "pkg:apk/alpine/musl@1.1.22-r3" } ]
        }
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path",
      "impact_statement": "wcsnrtombs is never called"
    },
    {
      "vulnerability": { "name": "CVE-2021-28831" },
      "products": [ { "@id": "pkg:apk/alpine/busybox" } ],
      "status": "under_investigation"
    }
  ]
}"#;

#[test]
fn vex_not_affected_suppresses() {
    let fx = Fixture::new();
    let vex = fx.file("alpine.openvex.json", VEX);
    let report = fx.json(&["--vex", &vex]);
    let musl = finding(&report, "CVE-2020-28928", "musl");
    assert_eq!(musl["suppressed"]["kind"], "vex");
    assert_eq!(musl["suppressed"]["status"], "not_affected");
    assert_eq!(
        musl["suppressed"]["justification"],
        "vulnerable_code_not_in_execute_path"
    );
    assert_eq!(
        musl["suppressed"]["statement"],
        "wcsnrtombs is never called"
    );
    assert_eq!(musl["suppressed"]["document"], vex.as_str());
    // musl-utils is a different package; under_investigation suppresses nothing.
    assert!(
        finding(&report, "CVE-2020-28928", "musl-utils")
            .get("suppressed")
            .is_none()
    );
    assert!(
        finding(&report, "CVE-2021-28831", "busybox")
            .get("suppressed")
            .is_none()
    );
    assert_eq!(report["summary"]["suppressed"], 1);

    let out = fx.scan(&[
        "--vex",
        &fx.file("not-vex.json", r#"{"bomFormat": "CycloneDX"}"#),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not-vex.json"));
}

#[test]
fn fail_on_ignores_suppressed_findings() {
    let fx = Fixture::new();
    let plain = fx.json(&[]);
    let ids: BTreeSet<&str> = plain["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.len() >= 10);
    let mut yaml = String::from("ignore:\n");
    for id in &ids {
        yaml.push_str(&format!(
            "  - id: {id}\n    purl: pkg:apk/alpine/\n    reason: accepted for the test\n"
        ));
    }
    let ignore = fx.file("all.yaml", &yaml);
    assert_eq!(fx.scan(&["--fail-on", "unknown"]).status.code(), Some(1));
    let out = fx.scan(&["--fail-on", "unknown", "--ignore-file", &ignore]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = fx.json(&["--ignore-file", &ignore]);
    assert_eq!(report["summary"]["total"], 0);
    assert_eq!(
        report["summary"]["suppressed"].as_u64().unwrap() as usize,
        plain["findings"].as_array().unwrap().len()
    );
}

#[test]
fn sarif_is_valid_and_carries_suppressions() {
    let fx = Fixture::new();
    let ignore = fx.file("ignore.yaml", IGNORE_SSL);
    let vex = fx.file("alpine.openvex.json", VEX);
    let plain = fx.json(&[]);
    let text = fx.scan_ok(&["--format", "sarif", "--ignore-file", &ignore, "--vex", &vex]);
    let path = fx.dir.path().join("scan.sarif");
    std::fs::write(&path, &text).unwrap();
    validate_sarif(&path);
    // The schema check can fail: a level SARIF does not define is rejected.
    let bad = fx.dir.path().join("bad.sarif");
    let mut broken: Value = serde_json::from_slice(&text).unwrap();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    let broken = serde_json::to_vec(&broken).unwrap();
    std::fs::write(&bad, broken).unwrap();
    let out = std::process::Command::new("check-jsonschema")
        .arg("--schemafile")
        .arg(sarif_schema())
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());

    let log: Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "bulwark");
    assert!(driver["version"].is_string() && driver["informationUri"].is_string());
    let rules = driver["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let distinct: BTreeSet<&str> = rule_ids.iter().copied().collect();
    assert_eq!(rule_ids.len(), distinct.len(), "one rule per id");
    let finding_ids: BTreeSet<&str> = plain["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(distinct, finding_ids);
    for r in rules {
        assert!(r["shortDescription"]["text"].is_string());
        assert!(r["fullDescription"]["text"].is_string());
        let tags = r["properties"]["tags"].as_array().unwrap();
        assert!(tags.iter().any(|t| t == "security"));
    }

    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), plain["findings"].as_array().unwrap().len());
    let mut suppressed = Vec::new();
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(r["ruleId"], rules[idx]["id"]);
        // The secdb carries no ratings, so every finding is of unknown severity: a note.
        assert_eq!(r["level"], "note");
        let loc = &r["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"],
            "lib/apk/db/installed"
        );
        let purl = loc["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap();
        assert!(purl.starts_with("pkg:apk/alpine/"), "{purl}");
        let msg = r["message"]["text"].as_str().unwrap();
        assert!(
            msg.contains(" is affected by ") && msg.contains("; fixed in "),
            "{msg}"
        );
        if let Some(s) = r.get("suppressions") {
            assert_eq!(s[0]["kind"], "external");
            suppressed.push((
                r["ruleId"].as_str().unwrap(),
                loc["logicalLocations"][0]["name"].as_str().unwrap(),
                s[0]["justification"].as_str().unwrap(),
            ));
        }
    }
    suppressed.sort();
    assert_eq!(
        suppressed,
        [
            (
                "CVE-2020-1967",
                "libssl1.1",
                "ignore file: no TLS server in this image (until 2999-12-31)"
            ),
            (
                "CVE-2020-28928",
                "musl",
                "VEX not_affected (vulnerable_code_not_in_execute_path): wcsnrtombs is never called"
            ),
        ]
    );
    let notes = runs[0]["invocations"][0]["toolConfigurationNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("ignore rule for CVE-2021-28831 expired on 2020-01-01")
    );
    assert!(results.iter().any(|r| {
        r["message"]["text"]
            == "libssl1.1 1.1.1d-r2 is affected by CVE-2020-1967; fixed in 1.1.1g-r0"
    }));
}

#[test]
fn cyclonedx_is_valid_and_carries_analysis() {
    let fx = Fixture::new();
    let ignore = fx.file("ignore.yaml", IGNORE_SSL);
    let vex = fx.file("alpine.openvex.json", VEX);
    let plain = fx.json(&[]);
    let text = fx.scan_ok(&[
        "--format",
        "cyclonedx-json",
        "--ignore-file",
        &ignore,
        "--vex",
        &vex,
    ]);
    validate_cyclonedx(&text);

    let bom: Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    assert!(
        bom["metadata"]["properties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "bulwark:expired-ignore-rule"
                && p["value"]
                    .as_str()
                    .unwrap()
                    .starts_with("ignore rule for CVE-2021-28831 expired on 2020-01-01"))
    );
    let refs: BTreeSet<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["bom-ref"], c["purl"]);
            c["bom-ref"].as_str().unwrap()
        })
        .collect();
    let vulns = bom["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), plain["findings"].as_array().unwrap().len());
    let mut analysed = Vec::new();
    for v in vulns {
        let r = v["affects"][0]["ref"].as_str().unwrap();
        assert!(refs.contains(r), "{r} is not a component");
        assert_eq!(v["source"]["name"], "NVD");
        assert_eq!(v["ratings"][0]["source"]["name"], "alpine-secdb");
        if let Some(a) = v.get("analysis") {
            analysed.push((
                v["id"].as_str().unwrap(),
                r.split('@').next().unwrap(),
                a["state"].as_str().unwrap(),
                a.get("justification").and_then(Value::as_str),
            ));
        }
    }
    analysed.sort();
    assert_eq!(
        analysed,
        [
            (
                "CVE-2020-1967",
                "pkg:apk/alpine/libssl1.1",
                "exploitable",
                None
            ),
            (
                "CVE-2020-28928",
                "pkg:apk/alpine/musl",
                "not_affected",
                Some("code_not_reachable")
            ),
        ]
    );
}

/// The official SARIF 2.1.0 JSON schema, as shipped inside Microsoft's SARIF multitool
/// npm package (installed by .ci/run).
fn sarif_schema() -> std::path::PathBuf {
    let out = std::process::Command::new("npm")
        .args(["root", "-g"])
        .output()
        .expect("npm not found");
    let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let schema = Path::new(&root).join(
        "@microsoft/sarif-multitool/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json",
    );
    assert!(
        schema.exists(),
        "{} missing: npm install -g @microsoft/sarif-multitool (.ci/run does)",
        schema.display()
    );
    schema
}

/// Validates a SARIF log three ways: against the official JSON schema
/// (check-jsonschema), with Microsoft's SARIF multitool rules (which must report
/// nothing), and against the SARIF 2.1.0 constraints the output relies on.
fn validate_sarif(path: &Path) {
    let schema = sarif_schema();
    let out = std::process::Command::new("check-jsonschema")
        .arg("--schemafile")
        .arg(&schema)
        .arg(path)
        .output()
        .expect(
            "check-jsonschema not found: python3 -m pip install check-jsonschema (.ci/run does)",
        );
    assert!(
        out.status.success(),
        "schema validation failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report = path.with_extension("validation.sarif");
    let out = std::process::Command::new("sarif-multitool")
        .arg("validate")
        .arg(path)
        .arg("-o")
        .arg(&report)
        .output()
        .expect(
            "sarif-multitool not found: npm install -g @microsoft/sarif-multitool (.ci/run does)",
        );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let validation: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let results = validation["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(results.is_empty(), "SARIF validator findings: {results:#?}");
    let log: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    check_sarif_structure(&log);
}

/// The SARIF 2.1.0 constraints (OASIS standard, sections 3.13-3.35) on every object
/// Bulwark writes: required properties, the closed enumerations, and that no object
/// carries a property the standard does not define.
fn check_sarif_structure(log: &Value) {
    fn only(v: &Value, what: &str, allowed: &[&str], required: &[&str]) {
        let o = v
            .as_object()
            .unwrap_or_else(|| panic!("{what} must be an object: {v}"));
        for k in o.keys() {
            assert!(
                allowed.contains(&k.as_str()),
                "{what} has no property {k:?}"
            );
        }
        for k in required {
            assert!(o.contains_key(*k), "{what} needs {k:?}");
        }
    }
    fn message(v: &Value, what: &str) {
        only(
            v,
            what,
            &["text", "markdown", "id", "arguments", "properties"],
            &[],
        );
        assert!(
            v["text"].is_string() || v["id"].is_string(),
            "{what}: text or id"
        );
    }
    fn multiformat(v: &Value, what: &str) {
        only(v, what, &["text", "markdown", "properties"], &["text"]);
    }
    let levels = ["none", "note", "warning", "error"];
    only(
        log,
        "sarifLog",
        &[
            "$schema",
            "version",
            "runs",
            "inlineExternalProperties",
            "properties",
        ],
        &["version", "runs"],
    );
    assert_eq!(log["version"], "2.1.0");
    for run in log["runs"].as_array().unwrap() {
        only(
            run,
            "run",
            &[
                "tool",
                "results",
                "properties",
                "invocations",
                "artifacts",
                "automationDetails",
            ],
            &["tool"],
        );
        only(
            &run["tool"],
            "tool",
            &["driver", "extensions", "properties"],
            &["driver"],
        );
        let driver = &run["tool"]["driver"];
        only(
            driver,
            "toolComponent",
            &[
                "name",
                "version",
                "semanticVersion",
                "informationUri",
                "rules",
                "properties",
                "fullName",
                "organization",
            ],
            &["name"],
        );
        for inv in run["invocations"].as_array().into_iter().flatten() {
            only(
                inv,
                "invocation",
                &[
                    "executionSuccessful",
                    "toolConfigurationNotifications",
                    "toolExecutionNotifications",
                    "exitCode",
                    "properties",
                ],
                &["executionSuccessful"],
            );
            for n in inv["toolConfigurationNotifications"].as_array().unwrap() {
                only(
                    n,
                    "notification",
                    &["level", "message", "descriptor", "locations", "properties"],
                    &["message"],
                );
                message(&n["message"], "notification.message");
                assert!(levels.contains(&n["level"].as_str().unwrap()));
                only(
                    &n["descriptor"],
                    "reportingDescriptorReference",
                    &["id", "index", "guid", "toolComponent", "properties"],
                    &[],
                );
            }
        }
        let rules = driver["rules"].as_array().unwrap();
        for r in rules {
            only(
                r,
                "reportingDescriptor",
                &[
                    "id",
                    "name",
                    "shortDescription",
                    "fullDescription",
                    "help",
                    "helpUri",
                    "defaultConfiguration",
                    "properties",
                ],
                &["id"],
            );
            multiformat(&r["shortDescription"], "shortDescription");
            multiformat(&r["fullDescription"], "fullDescription");
            multiformat(&r["help"], "help");
            only(
                &r["defaultConfiguration"],
                "reportingConfiguration",
                &["enabled", "level", "rank", "parameters", "properties"],
                &[],
            );
            assert!(levels.contains(&r["defaultConfiguration"]["level"].as_str().unwrap()));
            if let Some(s) = r["properties"].get("security-severity") {
                let score: f64 = s.as_str().unwrap().parse().unwrap();
                assert!((0.0..=10.0).contains(&score));
            }
            let tags = r["properties"]["tags"].as_array().unwrap();
            assert!(tags.iter().all(Value::is_string));
        }
        for res in run["results"].as_array().unwrap() {
            only(
                res,
                "result",
                &[
                    "ruleId",
                    "ruleIndex",
                    "level",
                    "message",
                    "locations",
                    "suppressions",
                    "properties",
                    "kind",
                ],
                &["message"],
            );
            message(&res["message"], "result.message");
            assert!(levels.contains(&res["level"].as_str().unwrap()));
            let idx = res["ruleIndex"].as_u64().unwrap() as usize;
            assert!(idx < rules.len());
            for loc in res["locations"].as_array().unwrap() {
                only(
                    loc,
                    "location",
                    &[
                        "id",
                        "physicalLocation",
                        "logicalLocations",
                        "message",
                        "annotations",
                        "relationships",
                        "properties",
                    ],
                    &[],
                );
                if let Some(p) = loc.get("physicalLocation") {
                    only(
                        p,
                        "physicalLocation",
                        &[
                            "address",
                            "artifactLocation",
                            "region",
                            "contextRegion",
                            "properties",
                        ],
                        &[],
                    );
                    only(
                        &p["artifactLocation"],
                        "artifactLocation",
                        &["uri", "uriBaseId", "index", "description", "properties"],
                        &[],
                    );
                    let uri = p["artifactLocation"]["uri"].as_str().unwrap();
                    assert!(!uri.starts_with('/') && !uri.contains(' '), "{uri}");
                }
                for l in loc["logicalLocations"].as_array().unwrap() {
                    only(
                        l,
                        "logicalLocation",
                        &[
                            "index",
                            "name",
                            "fullyQualifiedName",
                            "decoratedName",
                            "parentIndex",
                            "kind",
                            "properties",
                        ],
                        &[],
                    );
                }
            }
            for s in res["suppressions"].as_array().into_iter().flatten() {
                only(
                    s,
                    "suppression",
                    &[
                        "guid",
                        "kind",
                        "status",
                        "justification",
                        "location",
                        "properties",
                    ],
                    &["kind"],
                );
                assert!(["inSource", "external"].contains(&s["kind"].as_str().unwrap()));
                assert!(
                    ["accepted", "underReview", "rejected"]
                        .contains(&s["status"].as_str().unwrap())
                );
            }
        }
    }
}

/// Validates a CycloneDX 1.6 document with the official Python library's strict JSON
/// validator (installed by `.ci/run`).
fn validate_cyclonedx(doc: &[u8]) {
    let script = r#"
import sys
try:
    from cyclonedx.validation.json import JsonStrictValidator
    from cyclonedx.schema import SchemaVersion
except ImportError as e:
    print(f'cyclonedx validator missing ({e}): python3 -m pip install "cyclonedx-python-lib[json-validation]"', file=sys.stderr)
    sys.exit(3)
err = JsonStrictValidator(SchemaVersion.V1_6).validate_str(sys.stdin.read())
if err is not None:
    print(err, file=sys.stderr)
    sys.exit(1)
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("python3 is needed to validate CycloneDX ({e}); install python3 and `python3 -m pip install \"cyclonedx-python-lib[json-validation]\"`")
        });
    child.stdin.take().unwrap().write_all(doc).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "CycloneDX 1.6 validation failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
