//! write -> read gives the same SBOM back, for every JSON format.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use bulwark_sbom::{Format, WriteOptions, read, write};
use serde_json::Value;

fn written(sbom: &bulwark_types::Sbom, format: Format, opts: &WriteOptions) -> Vec<u8> {
    let mut out = Vec::new();
    write(sbom, format, &mut out, opts).unwrap();
    out
}

#[test]
fn every_json_format_round_trips() {
    for (name, sbom) in common::samples() {
        for format in [Format::CycloneDxJson, Format::SpdxJson, Format::Json] {
            let bytes = written(&sbom, format, &common::fixed_options());
            let back = read(&bytes).unwrap_or_else(|e| panic!("{name} {format}: {e}"));
            assert_eq!(back.warnings, sbom.warnings, "{name} {format}");
            assert_eq!(back.target, sbom.target, "{name} {format}");
            assert_eq!(back.distro, sbom.distro, "{name} {format}");
            assert_eq!(back.packages.len(), sbom.packages.len(), "{name} {format}");
            for (b, s) in back.packages.iter().zip(&sbom.packages) {
                assert_eq!(b, s, "{name} {format}");
            }
        }
    }
}

#[test]
fn fixed_options_give_identical_bytes() {
    let sbom = common::debian_app();
    for format in Format::ALL {
        let a = written(&sbom, format, &common::fixed_options());
        let b = written(&sbom, format, &common::fixed_options());
        assert_eq!(a, b, "{format}");
    }
    // Without them, serial numbers differ.
    let a = written(&sbom, Format::CycloneDxJson, &WriteOptions::default());
    let b = written(&sbom, Format::CycloneDxJson, &WriteOptions::default());
    let serial = |v: &[u8]| serde_json::from_slice::<Value>(v).unwrap()["serialNumber"].clone();
    assert_ne!(serial(&a), serial(&b));
}

#[test]
fn cyclonedx_shape() {
    let bytes = written(
        &common::debian_app(),
        Format::CycloneDxJson,
        &common::fixed_options(),
    );
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["bomFormat"], "CycloneDX");
    assert_eq!(v["specVersion"], "1.6");
    assert_eq!(
        v["serialNumber"],
        "urn:uuid:4d7a1f2e-8c3b-4a59-9e6d-0b1c2d3e4f50"
    );
    assert_eq!(v["metadata"]["timestamp"], "2024-11-19T07:06:40Z");
    assert_eq!(v["metadata"]["tools"]["components"][0]["name"], "bulwark");
    let root = &v["metadata"]["component"];
    assert_eq!(root["type"], "container");
    assert!(root["version"].as_str().unwrap().starts_with("sha256:"));
    let comps = v["components"].as_array().unwrap();
    assert_eq!(comps[0]["type"], "operating-system");
    // bom-refs are unique even for the two copies of log4j.
    let mut refs: Vec<&str> = comps
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    refs.sort_unstable();
    let before = refs.len();
    refs.dedup();
    assert_eq!(refs.len(), before);
    let log4j: Vec<&Value> = comps.iter().filter(|c| c["name"] == "log4j-core").collect();
    assert_eq!(log4j.len(), 2);
    assert_eq!(log4j[0]["group"], "org.apache.logging.log4j");
    assert_eq!(log4j[0]["licenses"][0]["license"]["id"], "Apache-2.0");
    let bsdutils = comps.iter().find(|c| c["name"] == "bsdutils").unwrap();
    assert_eq!(bsdutils["licenses"][2]["license"]["name"], "public-domain");
    let props: Vec<(&str, &str)> = bsdutils["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
        .collect();
    assert!(props.contains(&("bulwark:epoch", "1")));
    assert!(props.contains(&("bulwark:source:name", "util-linux")));
    assert!(props.contains(&("bulwark:location:0:path", "/var/lib/dpkg/status")));
    assert!(
        props
            .iter()
            .any(|(n, _)| *n == "bulwark:location:0:layer:diffID")
    );
    let crypto = comps.iter().find(|c| c["name"] == "cryptography").unwrap();
    assert_eq!(
        crypto["licenses"][0]["expression"],
        "Apache-2.0 OR BSD-3-Clause"
    );
    let deps = v["dependencies"].as_array().unwrap();
    assert_eq!(deps[0]["ref"], root["bom-ref"]);
    assert_eq!(deps[0]["dependsOn"].as_array().unwrap().len(), comps.len());
}

#[test]
fn spdx_shape() {
    let bytes = written(
        &common::debian_app(),
        Format::SpdxJson,
        &common::fixed_options(),
    );
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["spdxVersion"], "SPDX-2.3");
    assert_eq!(v["dataLicense"], "CC0-1.0");
    assert_eq!(v["creationInfo"]["creators"][0], "Tool: bulwark-0.1.0");
    let packages = v["packages"].as_array().unwrap();
    for p in packages {
        let id = p["SPDXID"].as_str().unwrap();
        let rest = id.strip_prefix("SPDXRef-").unwrap();
        assert!(
            rest.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
            "{id}"
        );
    }
    let babel = packages
        .iter()
        .find(|p| p["name"] == "@babel/core")
        .unwrap();
    assert_eq!(babel["SPDXID"], "SPDXRef-Package-npm-babel-core-4");
    assert_eq!(
        babel["externalRefs"][0]["referenceLocator"],
        "pkg:npm/%40babel/core@7.23.9"
    );
    let bsdutils = packages.iter().find(|p| p["name"] == "bsdutils").unwrap();
    assert_eq!(
        bsdutils["licenseDeclared"],
        "GPL-2.0-or-later AND BSD-4-Clause AND LicenseRef-public-domain"
    );
    assert_eq!(
        v["hasExtractedLicensingInfos"][0]["licenseId"],
        "LicenseRef-public-domain"
    );
    let os = packages
        .iter()
        .find(|p| p["primaryPackagePurpose"] == "OPERATING_SYSTEM")
        .unwrap();
    assert_eq!(os["name"], "debian");
    let rels = v["relationships"].as_array().unwrap();
    assert_eq!(rels[0]["relationshipType"], "DESCRIBES");
    assert_eq!(rels.len(), packages.len());
}

#[test]
fn table_lists_every_package() {
    let sbom = common::debian_app();
    let text = String::from_utf8(written(&sbom, Format::Table, &common::fixed_options())).unwrap();
    assert_eq!(text.lines().count(), sbom.packages.len() + 2, "{text}");
    assert!(
        text.ends_with(
            "9 packages: 3 deb, 2 pypi, 1 npm, 1 golang, 2 maven (distro debian-12); 1 warning\n"
        ),
        "{text}"
    );
}
