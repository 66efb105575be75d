//! Helpers shared by the CLI's end-to-end tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod server;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};

/// `sha256:<hex>` of `bytes`, as registries name content.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// A finished command's status, stdout and stderr, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

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

/// `bulwark db build -o DIR/NAME --source KIND:PATH ...`; returns the database path.
pub fn build_db(dir: &std::path::Path, name: &str, sources: &[String]) -> PathBuf {
    let db = dir.join(name);
    let mut args = vec![
        "db".to_string(),
        "build".into(),
        "-q".into(),
        "-o".into(),
        db.display().to_string(),
    ];
    for s in sources {
        args.push("--source".into());
        args.push(s.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = bulwark(&args);
    assert!(
        out.status.success(),
        "db build: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

/// The real Alpine secdb (2024) as a database in `dir`.
pub fn alpine_db(dir: &std::path::Path) -> PathBuf {
    let feed = testdata().join("vulndata/alpine-secdb-json-2024");
    build_db(
        dir,
        "alpine.db",
        &[format!("alpine-secdb:{}", feed.display())],
    )
}

/// The real alpine:3.10 image as a source string.
pub fn alpine_image() -> String {
    format!(
        "docker-archive:{}",
        testdata().join("images/alpine-310.docker.tar").display()
    )
}

/// `bulwark scan SOURCE --db DB --format json -q [extra]`, which must succeed.
pub fn scan_json(source: &str, db: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "scan",
        source,
        "--db",
        db.to_str().unwrap(),
        "--format",
        "json",
        "-q",
    ];
    args.extend_from_slice(extra);
    let out = bulwark(&args);
    assert!(
        out.status.success(),
        "scan {source}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("scan JSON")
}
