//! Layer compressions, standard-format validation and logging, end to end on the real
//! Debian images.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::Command;

use common::*;
use sha2::Digest as _;

fn sha256(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

/// Copies the real minbase layout and re-encodes its layer with `encode`, fixing up the
/// manifest and index digests, so the same real content is served in another compression.
fn recompressed_layout(dir: &Path, media_type: &str, encode: fn(&[u8]) -> Vec<u8>) -> String {
    let src = images().join("debian-minbase.oci");
    let layout = dir.join(format!(
        "img-{}.oci",
        media_type.rsplit('.').next().unwrap()
    ));
    assert!(
        Command::new("cp")
            .arg("-r")
            .arg(&src)
            .arg(&layout)
            .status()
            .unwrap()
            .success()
    );
    let blobs = layout.join("blobs/sha256");
    let mut index = read_json(&layout.join("index.json"));
    let mdigest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string();
    let mut manifest = read_json(&blobs.join(&mdigest));
    let ldigest = manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string();
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(fs::File::open(blobs.join(&ldigest)).unwrap())
        .read_to_end(&mut tar)
        .unwrap();
    let layer = encode(&tar);
    let new_ldigest = sha256(&layer);
    fs::write(blobs.join(&new_ldigest), &layer).unwrap();
    manifest["layers"][0]["digest"] = format!("sha256:{new_ldigest}").into();
    manifest["layers"][0]["size"] = layer.len().into();
    manifest["layers"][0]["mediaType"] = media_type.into();
    let mbytes = serde_json::to_vec(&manifest).unwrap();
    let new_mdigest = sha256(&mbytes);
    fs::write(blobs.join(&new_mdigest), &mbytes).unwrap();
    index["manifests"][0]["digest"] = format!("sha256:{new_mdigest}").into();
    index["manifests"][0]["size"] = mbytes.len().into();
    fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    format!("oci:{}:1", layout.display())
}

#[test]
fn zstd_and_uncompressed_layers_read_like_gzip() {
    let tmp = tempfile::tempdir().unwrap();
    let truth_deb = truth(&images().join("debian-minbase.truth/dpkg.tsv"));
    let zstd_src = recompressed_layout(
        tmp.path(),
        "application/vnd.oci.image.layer.v1.tar+zstd",
        |t| zstd::encode_all(t, 3).unwrap(),
    );
    let plain_src =
        recompressed_layout(tmp.path(), "application/vnd.oci.image.layer.v1.tar", |t| {
            t.to_vec()
        });
    for src in [zstd_src, plain_src] {
        let doc = sbom_json(&src);
        assert_eq!(packages(&doc, "deb"), truth_deb, "{src}");
    }
}

fn python_validates(kind: &str, file: &Path) {
    let script = match kind {
        "cyclonedx" => {
            "from cyclonedx.validation.json import JsonStrictValidator\nfrom cyclonedx.schema import SchemaVersion\nimport sys\ne = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\nprint(e)\nsys.exit(1 if e else 0)"
        }
        _ => {
            "import sys, subprocess\nsys.exit(subprocess.run(['pyspdxtools', '-i', sys.argv[1]]).returncode)"
        }
    };
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(file)
        .output()
        .expect("python3 missing");
    assert!(
        out.status.success(),
        "{kind} validation of {} failed (install: python3 -m pip install 'cyclonedx-python-lib[json-validation]' spdx-tools): {}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn real_image_sboms_validate_against_the_official_schemas() {
    let tmp = tempfile::tempdir().unwrap();
    let src = format!("oci:{}:1", images().join("debian-rich.oci").display());
    for (format, kind) in [("cyclonedx-json", "cyclonedx"), ("spdx-json", "spdx")] {
        let file = tmp.path().join(format!("rich.{kind}.json"));
        let out = bulwark(&[
            "sbom",
            &src,
            "-q",
            "--format",
            format,
            "-o",
            file.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        python_validates(kind, &file);
        // The document lists every package of the image.
        let doc = read_json(&file);
        let n = match kind {
            "cyclonedx" => doc["components"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["type"] == "library")
                .count(),
            _ => doc["packages"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["externalRefs"].is_array())
                .count(),
        };
        let native = sbom_json(&src);
        assert_eq!(n, native["packages"].as_array().unwrap().len(), "{format}");
    }
}

#[test]
fn json_logs_carry_warnings_and_quiet_silences_them() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir_all(root.join("app")).unwrap();
    fs::write(root.join("app/broken.deps.json"), b"{ not json").unwrap();
    let src = format!("dir:{}", root.display());
    let out = bulwark(&["sbom", &src, "--log-format", "json", "--format", "json"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("broken.deps.json"))
        .expect("a warning line");
    let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object per line");
    assert_eq!(v["level"], "WARN");
    assert!(!stderr.contains('\u{1b}'), "no terminal colours when piped");
    let quiet = bulwark(&["sbom", &src, "-q", "--format", "json"]);
    assert!(quiet.status.success());
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
}

#[test]
fn table_lists_every_package_with_a_summary() {
    let tar = testdata().join("images/alpine-310.docker.tar");
    let out = bulwark(&["sbom", &format!("docker-archive:{}", tar.display())]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().next().unwrap();
    for col in ["NAME", "VERSION", "TYPE", "LAYER", "LOCATION"] {
        assert!(header.contains(col), "{header}");
    }
    let musl = text
        .lines()
        .find(|l| l.starts_with("musl "))
        .expect("musl row");
    assert!(
        musl.contains("1.1.22-r3") && musl.contains("/lib/apk/db/installed"),
        "{musl}"
    );
    assert!(text.contains("14 packages: 14 apk"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colours when piped");
}
