//! Helpers shared by the CLI's end-to-end tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The real test data (`BULWARK_TESTDATA`, default `../shared/testdata` from the repo root).
pub fn testdata() -> PathBuf {
    std::env::var_os("BULWARK_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/testdata"
            ))
        })
}

/// The real Debian images built by `../shared/tools/build-test-images.sh`.
pub fn images() -> PathBuf {
    let dir = std::env::var_os("BULWARK_TEST_IMAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/bulwark-test-images")
        });
    assert!(
        dir.join(".done").exists(),
        "test images missing in {}: run `bash ../shared/tools/build-test-images.sh` (scripts/test.sh does)",
        dir.display()
    );
    dir
}

pub fn bulwark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .output()
        .expect("run bulwark")
}

/// Runs `bulwark sbom SOURCE --format json` and returns the parsed document.
pub fn sbom_json(source: &str) -> serde_json::Value {
    let out = bulwark(&["sbom", source, "--format", "json", "-q"]);
    assert!(
        out.status.success(),
        "bulwark sbom {source} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("native JSON output")
}

/// `(name, version)` of every package of one ecosystem.
pub fn packages(doc: &serde_json::Value, ecosystem: &str) -> BTreeSet<(String, String)> {
    doc["packages"]
        .as_array()
        .expect("packages array")
        .iter()
        .filter(|p| p["ecosystem"] == ecosystem)
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_string(),
                p["version"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Reads a ground-truth TSV: first two columns.
pub fn truth(path: &std::path::Path) -> BTreeSet<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            (
                cols.next().unwrap_or_default().to_string(),
                cols.next().unwrap_or_default().to_string(),
            )
        })
        .collect()
}
