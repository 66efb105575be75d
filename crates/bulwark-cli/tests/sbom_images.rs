//! End to end: `bulwark sbom` on real images in every form, against the ground truth that
//! dpkg-query and the packages' own metadata produced when the images were built.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;

fn forms(name: &str) -> Vec<String> {
    let dir = images();
    vec![
        format!("oci:{}:1", dir.join(format!("{name}.oci")).display()),
        format!(
            "oci-archive:{}",
            dir.join(format!("{name}.oci.tar")).display()
        ),
        format!(
            "docker-archive:{}",
            dir.join(format!("{name}.docker.tar")).display()
        ),
    ]
}

fn check_image(name: &str) {
    let truth_dir = images().join(format!("{name}.truth"));
    let dpkg_truth = truth(&truth_dir.join("dpkg.tsv"));
    let python_truth = truth(&truth_dir.join("python.tsv"));
    let npm_truth = truth(&truth_dir.join("npm.tsv"));
    let mut first: Option<serde_json::Value> = None;
    for source in forms(name) {
        let doc = sbom_json(&source);
        assert_eq!(
            packages(&doc, "deb"),
            dpkg_truth,
            "dpkg packages of {source}"
        );
        assert_eq!(
            packages(&doc, "pypi"),
            python_truth,
            "python packages of {source}"
        );
        assert_eq!(packages(&doc, "npm"), npm_truth, "npm packages of {source}");
        assert_eq!(doc["distro"]["id"], "debian", "{source}");
        assert_eq!(doc["distro"]["version_id"], "12", "{source}");
        // Every package names the layer and file it came from.
        for p in doc["packages"].as_array().unwrap() {
            let loc = &p["locations"][0];
            assert!(loc["path"].as_str().unwrap().starts_with('/'), "{p}");
            assert!(
                loc["layer"]["diff_id"]
                    .as_str()
                    .unwrap()
                    .starts_with("sha256:"),
                "{p}"
            );
            assert!(p["purl"].as_str().unwrap().starts_with("pkg:"), "{p}");
        }
        // The same image in another form gives the same packages.
        if let Some(f) = &first {
            assert_eq!(
                f["packages"].as_array().unwrap().len(),
                doc["packages"].as_array().unwrap().len(),
                "{source}"
            );
        } else {
            first = Some(doc);
        }
    }
}

#[test]
fn debian_minbase_all_forms_match_ground_truth() {
    check_image("debian-minbase");
}

#[test]
fn debian_rich_all_forms_match_ground_truth() {
    check_image("debian-rich");
}

#[test]
fn debian_rich_deleted_python_package_is_not_reported() {
    let src = forms("debian-rich").remove(0);
    let doc = sbom_json(&src);
    assert!(
        !packages(&doc, "pypi").iter().any(|(n, _)| n == "six"),
        "six was deleted by a whiteout in the last layer"
    );
    // Layers: the Debian base packages come from the first layer, Python packages later.
    let layer_of = |eco: &str, name: &str| {
        doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["ecosystem"] == eco && p["name"] == name)
            .map(|p| p["locations"][0]["layer"]["index"].as_u64().unwrap())
            .unwrap_or_else(|| panic!("{eco} {name} not found"))
    };
    assert_eq!(layer_of("deb", "base-files"), 0);
    assert!(
        layer_of("deb", "python3") > 0,
        "python3 was installed by a later layer"
    );
    assert!(layer_of("pypi", "Django") > layer_of("deb", "python3"));
}

#[test]
fn debian_rich_source_packages_match_dpkg() {
    let src = forms("debian-rich").remove(0);
    let doc = sbom_json(&src);
    let tsv = std::fs::read_to_string(images().join("debian-rich.truth/dpkg.tsv")).unwrap();
    let mut checked = 0;
    for line in tsv.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, source, source_version) = (cols[0], cols[2], cols[3]);
        let p = doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["ecosystem"] == "deb" && p["name"] == name)
            .unwrap();
        let got_name = p["source"]["name"].as_str().unwrap_or(name);
        let got_version = p["source"]["version"]
            .as_str()
            .or(p["version"].as_str())
            .unwrap();
        assert_eq!(got_name, source, "source of {name}");
        assert_eq!(got_version, source_version, "source version of {name}");
        checked += 1;
    }
    assert_eq!(checked, 134);
}

#[test]
fn alpine_310_has_its_14_apk_packages() {
    let tar = testdata().join("images/alpine-310.docker.tar");
    let doc = sbom_json(&format!("docker-archive:{}", tar.display()));
    let apk = packages(&doc, "apk");
    assert_eq!(apk.len(), 14, "{apk:?}");
    assert!(
        apk.contains(&("musl".to_string(), "1.1.22-r3".to_string())),
        "{apk:?}"
    );
    assert_eq!(doc["distro"]["id"], "alpine");
}

#[test]
fn gzip_compressed_docker_archive_reads_like_the_plain_one() {
    let gz = testdata().join("fixtures/trivy/pkg/fanal/test/testdata/alpine-310.tar.gz");
    let doc = sbom_json(&format!("docker-archive:{}", gz.display()));
    assert_eq!(packages(&doc, "apk").len(), 14);
}
