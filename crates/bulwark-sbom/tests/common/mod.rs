//! Sample SBOMs shared by the integration tests.
//!
//! Invented for these tests (no real file holds a cataloged image with all these
//! ecosystems), but every name, version, source package and path is one a real Debian 12,
//! Rocky 9 or application image carries.

#![allow(dead_code)]

use bulwark_sbom::{OffsetDateTime, Uuid, WriteOptions};
use bulwark_types::{
    Digest, Distro, Ecosystem, LayerRef, Location, Package, Sbom, SourcePackage, Target, purl_for,
};

/// The sha256 of `seed`: a well-formed digest that stands for no real blob.
fn digest(seed: &str) -> Digest {
    use sha2::Digest as _;
    Digest::sha256_hex(&hex::encode(sha2::Sha256::digest(seed.as_bytes()))).unwrap()
}

fn layer(index: usize) -> LayerRef {
    LayerRef {
        index,
        digest: Some(digest(&format!("blob{index}"))),
        diff_id: Some(digest(&format!("diff{index}"))),
    }
}

fn at(path: &str, layer_index: Option<usize>) -> Location {
    Location {
        path: path.to_string(),
        layer: layer_index.map(layer),
    }
}

#[allow(clippy::too_many_arguments)]
fn pkg(
    eco: Ecosystem,
    name: &str,
    version: &str,
    found_by: &str,
    locations: Vec<Location>,
    licenses: &[&str],
) -> Package {
    let mut p = Package::new(eco, name, version);
    p.found_by = found_by.to_string();
    p.locations = locations;
    p.licenses = licenses.iter().map(|l| l.to_string()).collect();
    p
}

fn with_purls(mut sbom: Sbom) -> Sbom {
    for p in &mut sbom.packages {
        p.purl = purl_for(p, sbom.distro.as_ref());
    }
    sbom
}

/// A Debian 12 image with an application layer: deb (epoch, source, arch), npm (scoped),
/// maven (twice, same coordinates in two jars), golang and pypi.
pub fn debian_app() -> Sbom {
    let status = "/var/lib/dpkg/status";
    let mut libssl = pkg(
        Ecosystem::Deb,
        "libssl3",
        "3.0.11-1~deb12u2",
        "dpkg",
        vec![at(status, Some(0))],
        &[],
    );
    libssl.arch = Some("amd64".into());
    libssl.source = Some(SourcePackage {
        name: "openssl".into(),
        version: None,
    });
    let mut bsdutils = pkg(
        Ecosystem::Deb,
        "bsdutils",
        "1:2.38.1-5+deb12u1",
        "dpkg",
        vec![at(status, Some(0))],
        &["GPL-2.0-or-later", "BSD-4-Clause", "public-domain"],
    );
    bsdutils.epoch = Some(1);
    bsdutils.arch = Some("amd64".into());
    bsdutils.source = Some(SourcePackage {
        name: "util-linux".into(),
        version: Some("2.38.1-5+deb12u1".into()),
    });
    let mut tzdata = pkg(
        Ecosystem::Deb,
        "tzdata",
        "2024a-0+deb12u1",
        "dpkg",
        vec![at(status, Some(0))],
        &[],
    );
    tzdata.arch = Some("all".into());
    tzdata.source = Some(SourcePackage {
        name: "tzdata".into(),
        version: None,
    });
    let babel = pkg(
        Ecosystem::Npm,
        "@babel/core",
        "7.23.9",
        "npm",
        vec![at("/app/node_modules/@babel/core/package.json", Some(2))],
        &["MIT"],
    );
    let mut log4j = pkg(
        Ecosystem::Maven,
        "log4j-core",
        "2.14.1",
        "java-archive",
        vec![at(
            "/app/app.jar!/BOOT-INF/lib/log4j-core-2.14.1.jar",
            Some(2),
        )],
        &["Apache-2.0"],
    );
    log4j.namespace = Some("org.apache.logging.log4j".into());
    let mut log4j_again = log4j.clone();
    log4j_again.locations = vec![at(
        "/opt/tools/indexer.jar!/lib/log4j-core-2.14.1.jar",
        Some(1),
    )];
    let mux = pkg(
        Ecosystem::Golang,
        "github.com/gorilla/mux",
        "v1.8.0",
        "go-binary",
        vec![at("/app/server", Some(2))],
        &[],
    );
    let jinja = pkg(
        Ecosystem::Pypi,
        "Jinja2",
        "3.1.2",
        "python",
        vec![at(
            "/usr/lib/python3/dist-packages/Jinja2-3.1.2.dist-info/METADATA",
            Some(1),
        )],
        &["BSD-3-Clause"],
    );
    let crypto = pkg(
        Ecosystem::Pypi,
        "cryptography",
        "38.0.4",
        "python",
        vec![
            at(
                "/usr/lib/python3/dist-packages/cryptography-38.0.4.dist-info/METADATA",
                Some(1),
            ),
            at(
                "/usr/lib/python3/dist-packages/cryptography-38.0.4.dist-info/RECORD",
                Some(1),
            ),
        ],
        &["Apache-2.0 OR BSD-3-Clause"],
    );
    with_purls(Sbom {
        target: Target {
            kind: "docker-archive".into(),
            name: "docker-archive:app.tar".into(),
            manifest_digest: Some(digest("manifest")),
            config_digest: Some(digest("config")),
            platform: Some("linux/amd64".into()),
            tags: vec!["registry.example.test/team/app:1.4.2".into()],
            layers: vec![layer(0), layer(1), layer(2)],
        },
        distro: Some(Distro {
            id: "debian".into(),
            version_id: Some("12".into()),
            codename: Some("bookworm".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
            id_like: vec![],
        }),
        packages: vec![
            libssl,
            bsdutils,
            tzdata,
            babel,
            log4j,
            log4j_again,
            mux,
            jinja,
            crypto,
        ],
        warnings: vec![
            "failed to read /app/broken.jar in layer sha256:0123456789ab: invalid zip header"
                .into(),
        ],
    })
}

/// A Rocky Linux 9 image: rpm packages with epoch and source rpm.
pub fn rocky() -> Sbom {
    let rpmdb = "/var/lib/rpm/rpmdb.sqlite";
    let mut ssl = pkg(
        Ecosystem::Rpm,
        "openssl-libs",
        "3.0.7-27.el9",
        "rpm",
        vec![at(rpmdb, Some(0))],
        &["Apache-2.0"],
    );
    ssl.epoch = Some(1);
    ssl.arch = Some("x86_64".into());
    ssl.source = Some(SourcePackage {
        name: "openssl".into(),
        version: None,
    });
    let mut bash = pkg(
        Ecosystem::Rpm,
        "bash",
        "5.1.8-9.el9",
        "rpm",
        vec![at(rpmdb, Some(0))],
        &["GPL-3.0-or-later"],
    );
    bash.arch = Some("x86_64".into());
    with_purls(Sbom {
        target: Target {
            kind: "oci".into(),
            name: "oci:rocky9".into(),
            manifest_digest: Some(digest("rocky-manifest")),
            layers: vec![LayerRef {
                index: 0,
                digest: None,
                diff_id: Some(digest("rocky-diff")),
            }],
            ..Target::default()
        },
        distro: Some(Distro {
            id: "rocky".into(),
            version_id: Some("9.3".into()),
            codename: None,
            pretty_name: Some("Rocky Linux 9.3 (Blue Onyx)".into()),
            id_like: vec!["rhel".into(), "centos".into(), "fedora".into()],
        }),
        packages: vec![ssl, bash],
        warnings: vec![],
    })
}

/// A plain directory: no layers, no distro, a Cargo and a Composer package.
pub fn directory() -> Sbom {
    let serde = pkg(
        Ecosystem::Cargo,
        "serde",
        "1.0.197",
        "cargo-lock",
        vec![at("/src/Cargo.lock", None)],
        &["MIT OR Apache-2.0"],
    );
    let monolog = pkg(
        Ecosystem::Composer,
        "monolog/monolog",
        "2.9.1",
        "composer",
        vec![at("/src/composer.lock", None)],
        &["MIT"],
    );
    with_purls(Sbom {
        target: Target {
            kind: "dir".into(),
            name: "dir:/src".into(),
            ..Target::default()
        },
        distro: None,
        packages: vec![serde, monolog],
        warnings: vec![],
    })
}

pub fn samples() -> Vec<(&'static str, Sbom)> {
    vec![
        ("debian-app", debian_app()),
        ("rocky", rocky()),
        ("directory", directory()),
    ]
}

/// Fixed time and serial, for byte-identical output.
pub fn fixed_options() -> WriteOptions {
    WriteOptions {
        tool_version: "0.1.0".into(),
        timestamp: Some(OffsetDateTime::from_unix_timestamp(1_732_000_000).unwrap()),
        serial: Some(Uuid::from_u128(0x4d7a_1f2e_8c3b_4a59_9e6d_0b1c_2d3e_4f50)),
    }
}
