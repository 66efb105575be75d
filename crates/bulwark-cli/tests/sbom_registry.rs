//! End to end over the network: push the real Debian image to the Go `docker-registry`
//! on 127.0.0.1 with skopeo, then `bulwark sbom registry:...` must find the same packages
//! as the ground truth.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_registry() -> Registry {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker-registry not found: apt-get install -y docker-registry (.ci/run does)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "docker-registry did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Registry {
        child,
        port,
        _dir: dir,
    }
}

fn skopeo_push(src: &str, dest: &str) {
    let out = Command::new("skopeo")
        .args(["copy", "-q", "--dest-tls-verify=false", src, dest])
        .output()
        .expect("skopeo not found: apt-get install -y skopeo (.ci/run does)");
    assert!(
        out.status.success(),
        "skopeo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn registry_pull_matches_ground_truth() {
    let reg = start_registry();
    let image = images().join("debian-rich.oci");
    skopeo_push(
        &format!("oci:{}:1", image.display()),
        &format!("docker://127.0.0.1:{}/dev/rich:1", reg.port),
    );
    for source in [
        format!("registry:127.0.0.1:{}/dev/rich:1", reg.port),
        format!("127.0.0.1:{}/dev/rich:1", reg.port),
    ] {
        let doc = sbom_json(&source);
        let truth_dir = images().join("debian-rich.truth");
        assert_eq!(
            packages(&doc, "deb"),
            truth(&truth_dir.join("dpkg.tsv")),
            "{source}"
        );
        assert_eq!(
            packages(&doc, "pypi"),
            truth(&truth_dir.join("python.tsv")),
            "{source}"
        );
        assert_eq!(
            packages(&doc, "npm"),
            truth(&truth_dir.join("npm.tsv")),
            "{source}"
        );
        assert!(
            doc["target"]["manifest_digest"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
    }
    // By digest too, and a wrong digest is refused.
    let by_tag = sbom_json(&format!("registry:127.0.0.1:{}/dev/rich:1", reg.port));
    let digest = by_tag["target"]["manifest_digest"].as_str().unwrap();
    let by_digest = sbom_json(&format!(
        "registry:127.0.0.1:{}/dev/rich@{digest}",
        reg.port
    ));
    assert_eq!(by_tag["packages"], by_digest["packages"]);
    let wrong = format!(
        "registry:127.0.0.1:{}/dev/rich@sha256:{}",
        reg.port,
        "0".repeat(64)
    );
    let out = bulwark(&["sbom", &wrong, "-q"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn multi_platform_index_picks_the_requested_platform() {
    // skopeo builds no indexes; write one into a copy of the minbase layout: the real
    // linux/amd64 manifest plus an arm64 entry pointing at the same manifest.
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("multi.oci");
    let src = images().join("debian-minbase.oci");
    let out = Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(&layout)
        .status()
        .unwrap();
    assert!(out.success());
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let m = &index["manifests"][0];
    let idx = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": m["mediaType"], "digest": m["digest"], "size": m["size"],
             "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
            {"mediaType": m["mediaType"], "digest": m["digest"], "size": m["size"],
             "platform": {"os": "linux", "architecture": "amd64"}}
        ]
    });
    let bytes = serde_json::to_vec(&idx).unwrap();
    let digest = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    std::fs::write(layout.join("blobs/sha256").join(&digest), &bytes).unwrap();
    let top = serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": format!("sha256:{digest}"), "size": bytes.len(),
        "annotations": {"org.opencontainers.image.ref.name": "multi"}}]});
    std::fs::write(layout.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
    let src = format!("oci:{}:multi", layout.display());
    let ok = bulwark(&[
        "sbom",
        &src,
        "--platform",
        "linux/amd64",
        "--format",
        "json",
        "-q",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let missing = bulwark(&["sbom", &src, "--platform", "linux/s390x", "-q"]);
    let err = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        err.contains("linux/s390x") && err.contains("linux/arm64/v8"),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
    let out_file = tmp.path().join("all.json");
    let all = bulwark(&[
        "sbom",
        &src,
        "--all-platforms",
        "--format",
        "json",
        "-q",
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert!(
        all.status.success(),
        "{}",
        String::from_utf8_lossy(&all.stderr)
    );
    // Both entries point at the same amd64 manifest, so both files name linux/amd64.
    assert!(tmp.path().join("all.json.linux-amd64").exists());
}
