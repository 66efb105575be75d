//! Broken and hostile input through the whole CLI: clear errors naming what is wrong,
//! exit code 2, never a panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::fs;
use std::path::Path;

use common::*;

fn fails_cleanly(source: &str) -> String {
    let out = bulwark(&["sbom", source, "-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{source}: {stderr}");
    assert!(!stderr.contains("panicked"), "{source}: {stderr}");
    assert!(stderr.starts_with("error: "), "{source}: {stderr}");
    stderr
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn broken_trivy_layouts_give_clear_errors() {
    let dir = testdata().join("fixtures/trivy/pkg/fanal/test/testdata");
    let cases = [
        ("test_bad_index_json.oci", "index.json"),
        ("test_no_valid_manifests.oci", "manifests"),
        ("test_invalid_oci_image.oci", "application/badmedia+json"),
        ("test_index_json_dir.oci", "index.json"),
    ];
    for (name, expected) in cases {
        let err = fails_cleanly(&format!("oci:{}", dir.join(name).display()));
        assert!(err.contains(expected), "{name}: {err}");
    }
}

#[test]
fn corrupted_layer_is_a_digest_mismatch_naming_the_layer() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("img.oci");
    copy_dir(&images().join("debian-minbase.oci"), &layout);
    // The biggest blob is the layer; flip one byte in its middle.
    let blobs = layout.join("blobs/sha256");
    let layer = fs::read_dir(&blobs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| fs::metadata(p).unwrap().len())
        .unwrap();
    let mut bytes = fs::read(&layer).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    fs::write(&layer, bytes).unwrap();
    let err = fails_cleanly(&format!("oci:{}:1", layout.display()));
    assert!(err.contains("layer 0"), "{err}");
    assert!(
        err.contains("digest mismatch") || err.contains("corrupt") || err.contains("invalid"),
        "{err}"
    );
}

#[test]
fn truncated_archives_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let full = fs::read(images().join("debian-minbase.oci.tar")).unwrap();
    let cut = tmp.path().join("cut.oci.tar");
    fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let err = fails_cleanly(&format!("oci-archive:{}", cut.display()));
    assert!(err.contains("cut.oci.tar"), "{err}");

    let gz = fs::read(testdata().join("fixtures/trivy/pkg/fanal/test/testdata/alpine-310.tar.gz"))
        .unwrap();
    let cut_gz = tmp.path().join("cut.tar.gz");
    fs::write(&cut_gz, &gz[..gz.len() / 3]).unwrap();
    let err = fails_cleanly(&format!("docker-archive:{}", cut_gz.display()));
    assert!(err.contains("gzip") || err.contains("truncated"), "{err}");
}

#[test]
fn missing_and_unknown_sources() {
    let err = fails_cleanly("oci-archive:/nonexistent/x.tar");
    assert!(err.contains("/nonexistent/x.tar"), "{err}");
    let err = fails_cleanly("dir:/nonexistent/dir");
    assert!(err.contains("/nonexistent/dir"), "{err}");
    let err = fails_cleanly("sbom:/nonexistent.json");
    assert!(err.contains("/nonexistent.json"), "{err}");
}

#[test]
fn garbage_sbom_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("x.json");
    fs::write(&f, b"{\"hello\": 1}").unwrap();
    fails_cleanly(&format!("sbom:{}", f.display()));
}

#[test]
fn sbom_round_trips_through_cyclonedx_and_spdx() {
    let tar = testdata().join("images/alpine-310.docker.tar");
    let src = format!("docker-archive:{}", tar.display());
    let original = packages(&sbom_json(&src), "apk");
    let tmp = tempfile::tempdir().unwrap();
    for format in ["cyclonedx-json", "spdx-json", "json"] {
        let file = tmp.path().join(format!("out.{format}"));
        let out = bulwark(&[
            "sbom",
            &src,
            "-q",
            "--format",
            format,
            "--output",
            file.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let back = sbom_json(&format!("sbom:{}", file.display()));
        assert_eq!(packages(&back, "apk"), original, "{format}");
    }
}

#[test]
fn dir_source_reads_a_root_filesystem() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::copy(
        testdata()
            .join("fixtures/syft/syft/pkg/cataloger/debian/testdata/var/lib/dpkg/status.d/single"),
        root.join("var/lib/dpkg/status"),
    )
    .unwrap();
    fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\n",
    )
    .unwrap();
    let doc = sbom_json(&format!("dir:{}", root.display()));
    let deb = packages(&doc, "deb");
    assert!(deb.iter().any(|(n, _)| n == "apt"), "{deb:?}");
    assert_eq!(doc["distro"]["id"], "debian");
    assert_eq!(
        doc["packages"][0]["locations"][0]["path"],
        "/var/lib/dpkg/status"
    );
}
