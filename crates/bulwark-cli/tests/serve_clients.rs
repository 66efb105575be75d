#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! `bulwark serve` driven by the real clients people use against a registry, over
//! 127.0.0.1: skopeo (every image form in and out, list-tags, delete), buildah and podman
//! (pull, build on top, push, pull back), oras (an artifact with a `subject`, then the
//! referrers API), access control as those clients see it, and TLS with the generated
//! certificate and verification on.
//!
//! Plain HTTP: the clients reach it with `--tls-verify=false` (skopeo and friends fall
//! back to http:// only when not verifying TLS); the last test does TLS properly.
//!
//! Tools: `apt-get install -y skopeo buildah podman`, `python3 -m pip install oras`
//! (`.ci/run` does both). buildah and podman run daemonless as root with
//! `--storage-driver vfs --root TMP --runroot TMP`: pull, push, `from`, `copy`, `config`
//! and `commit` need no isolation (nothing is run inside the container, so neither
//! `--isolation chroot` nor user namespaces are needed). `REGISTRY_AUTH_FILE` points at an
//! empty per-test auth file so no credentials from the home directory leak in (buildah
//! refuses a missing file, so it is created).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::server::{BulwarkServer, ServerOptions, basic_auth};
use common::{images, packages, sha256, text};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

// ---------------------------------------------------------------------------------------
// helpers

/// An empty auth file for skopeo/buildah/podman, private to this server's test. Written
/// by rename so that a tool started by a concurrent thread never reads half a file.
fn auth_file(server: &BulwarkServer) -> PathBuf {
    let path = server.scratch().join("auth.json");
    if !path.exists() {
        let tmp = tempfile::NamedTempFile::new_in(server.scratch()).unwrap();
        std::fs::write(tmp.path(), r#"{"auths":{}}"#).unwrap();
        tmp.persist_noclobber(&path).ok();
    }
    path
}

/// Runs a container tool (skopeo, buildah, podman) with an isolated auth file.
fn tool(server: &BulwarkServer, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env("REGISTRY_AUTH_FILE", auth_file(server))
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} not found ({e}): apt-get install -y {program} (.ci/run does)")
        })
}

fn tool_ok(server: &BulwarkServer, program: &str, args: &[&str]) -> Output {
    let out = tool(server, program, args);
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}\nserver log:\n{}",
        text(&out),
        server.log()
    );
    out
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn skopeo_push(server: &BulwarkServer, src: &str, repo_tag: &str) {
    let dest = format!("docker://{}/{repo_tag}", server.host());
    let creds = server.admin_creds();
    tool_ok(
        server,
        "skopeo",
        &[
            "copy",
            "-q",
            "--dest-tls-verify=false",
            "--dest-creds",
            &creds,
            src,
            &dest,
        ],
    );
}

/// `skopeo inspect --raw` of a reference in the registry (as admin).
fn registry_raw(server: &BulwarkServer, reference: &str) -> Vec<u8> {
    let creds = server.admin_creds();
    let image = format!("docker://{}/{reference}", server.host());
    tool_ok(
        server,
        "skopeo",
        &[
            "inspect",
            "--raw",
            "--tls-verify=false",
            "--creds",
            &creds,
            &image,
        ],
    )
    .stdout
}

/// `skopeo inspect --raw` of a local source (`oci:`, `oci-archive:`, `docker-archive:`).
fn local_raw(server: &BulwarkServer, source: &str) -> Vec<u8> {
    tool_ok(server, "skopeo", &["inspect", "--raw", source]).stdout
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

fn layer_digests(manifest: &serde_json::Value) -> Vec<String> {
    manifest["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_string())
        .collect()
}

fn config_digest(manifest: &serde_json::Value) -> String {
    manifest["config"]["digest"].as_str().unwrap().to_string()
}

/// The three forms each test image is stored in, as skopeo transports.
fn forms(image: &str) -> Vec<(&'static str, String)> {
    let dir = images();
    vec![
        (
            "oci",
            format!("oci:{}:1", dir.join(format!("{image}.oci")).display()),
        ),
        (
            "oci-archive",
            format!(
                "oci-archive:{}",
                dir.join(format!("{image}.oci.tar")).display()
            ),
        ),
        (
            "docker-archive",
            format!(
                "docker-archive:{}",
                dir.join(format!("{image}.docker.tar")).display()
            ),
        ),
    ]
}

/// The manifest an OCI layout's `index.json` names (one image, as skopeo writes it).
fn layout_manifest(layout: &Path) -> (String, Vec<u8>) {
    let index = json(&std::fs::read(layout.join("index.json")).unwrap());
    let digest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let hex = digest.strip_prefix("sha256:").unwrap();
    let bytes = std::fs::read(layout.join("blobs/sha256").join(hex)).unwrap();
    assert_eq!(sha256(&bytes), digest, "layout blob matches its name");
    (digest, bytes)
}

/// A GET with a bearer token for `repository:<repo>:pull` (as admin).
fn get_with_token(
    server: &BulwarkServer,
    repo: &str,
    path_and_query: &str,
    accept: Option<&str>,
) -> (u16, ureq::http::HeaderMap, Vec<u8>) {
    let token = server.token(
        &format!("repository:{repo}:pull"),
        Some(("admin", server.admin_password())),
    );
    let mut req = server
        .agent()
        .get(format!("{}{path_and_query}", server.url()))
        .header("Authorization", format!("Bearer {token}"));
    if let Some(accept) = accept {
        req = req.header("Accept", accept);
    }
    let mut resp = req.call().unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    // Layers are bigger than ureq's default 10 MB body limit.
    let body = resp
        .body_mut()
        .with_config()
        .limit(u64::MAX)
        .read_to_vec()
        .unwrap();
    (status, headers, body)
}

fn header<'a>(headers: &'a ureq::http::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// `bulwark sbom SOURCE --format json` with registry credentials in the environment.
fn sbom_with_creds(server: &BulwarkServer, source: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["sbom", source, "--format", "json", "-q"])
        .env("BULWARK_REGISTRY_USERNAME", "admin")
        .env("BULWARK_REGISTRY_PASSWORD", server.admin_password())
        .env("DOCKER_CONFIG", server.scratch().join("no-docker-config"))
        .output()
        .unwrap();
    assert!(out.status.success(), "sbom {source}: {}", text(&out));
    json(&out.stdout)
}

fn all_packages(doc: &serde_json::Value) -> BTreeSet<(String, String, String)> {
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["ecosystem"].as_str().unwrap_or_default().to_string(),
                p["name"].as_str().unwrap_or_default().to_string(),
                p["version"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// 1. skopeo

/// Both test images in all three forms go in with skopeo and come out again unchanged:
/// the OCI forms keep their exact manifest (same digest), the docker-archive form keeps
/// its config, and every layer the registry lists comes back with the same digest.
#[test]
fn skopeo_copies_every_image_form_in_and_out() {
    let server = BulwarkServer::start(ServerOptions::default());
    let creds = server.admin_creds();
    for image in ["debian-minbase", "debian-rich"] {
        let repo = format!("library/{}", image.trim_start_matches("debian-"));
        for (form, src) in forms(image) {
            let reference = format!("{repo}:{form}");
            skopeo_push(&server, &src, &reference);

            let source_bytes = local_raw(&server, &src);
            let source = json(&source_bytes);
            let stored_bytes = registry_raw(&server, &reference);
            let stored = json(&stored_bytes);
            let stored_digest = sha256(&stored_bytes);
            if form == "docker-archive" {
                // skopeo compresses the archive's plain tar layers on the way in, so only
                // the config (and the number of layers) stays the same.
                assert_eq!(
                    config_digest(&stored),
                    config_digest(&source),
                    "{reference}"
                );
                assert_eq!(
                    layer_digests(&stored).len(),
                    layer_digests(&source).len(),
                    "{reference}"
                );
            } else {
                assert_eq!(
                    stored_digest,
                    sha256(&source_bytes),
                    "{reference}: the registry must serve the pushed manifest byte for byte"
                );
            }

            // The registry's own view: digest header and content type.
            let (status, headers, body) = get_with_token(
                &server,
                &repo,
                &format!("/v2/{repo}/manifests/{form}"),
                Some(&format!(
                    "{OCI_MANIFEST}, application/vnd.docker.distribution.manifest.v2+json"
                )),
            );
            assert_eq!(status, 200, "{reference}");
            assert_eq!(body, stored_bytes, "{reference}");
            assert_eq!(
                header(&headers, "docker-content-digest"),
                stored_digest,
                "{reference}"
            );
            let expected_type = stored["mediaType"].as_str().unwrap_or(OCI_MANIFEST);
            assert_eq!(
                header(&headers, "content-type"),
                expected_type,
                "{reference}"
            );

            // And out again, by digest, into a fresh OCI layout.
            let out_dir = server.scratch().join(format!("out-{image}-{form}"));
            let from = format!("docker://{}/{repo}@{stored_digest}", server.host());
            let to = format!("oci:{}:out", out_dir.display());
            tool_ok(
                &server,
                "skopeo",
                &[
                    "copy",
                    "-q",
                    "--src-tls-verify=false",
                    "--src-creds",
                    &creds,
                    &from,
                    &to,
                ],
            );
            let (out_digest, out_bytes) = layout_manifest(&out_dir);
            let out = json(&out_bytes);
            if form != "docker-archive" {
                assert_eq!(out_digest, stored_digest, "{reference} copied out");
            }
            assert_eq!(layer_digests(&out), layer_digests(&stored), "{reference}");
            if form == "docker-archive" {
                // Docker to OCI conversion rewrites the config JSON, but not the layers
                // it describes.
                let diff_ids = |dir: &Path, m: &serde_json::Value| {
                    let hex = config_digest(m)
                        .strip_prefix("sha256:")
                        .unwrap()
                        .to_string();
                    json(&std::fs::read(dir.join("blobs/sha256").join(hex)).unwrap())["rootfs"]
                        ["diff_ids"]
                        .clone()
                };
                let (_, _, stored_config) = get_with_token(
                    &server,
                    &repo,
                    &format!("/v2/{repo}/blobs/{}", config_digest(&stored)),
                    None,
                );
                assert_eq!(sha256(&stored_config), config_digest(&stored));
                assert_eq!(
                    diff_ids(&out_dir, &out),
                    json(&stored_config)["rootfs"]["diff_ids"],
                    "{reference}"
                );
            } else {
                assert_eq!(config_digest(&out), config_digest(&stored), "{reference}");
            }
            for layer in layer_digests(&out) {
                let blob = out_dir
                    .join("blobs/sha256")
                    .join(layer.strip_prefix("sha256:").unwrap());
                assert!(blob.is_file(), "{reference}: layer {layer} copied out");
            }
        }

        // list-tags sees exactly the three tags.
        let image_ref = format!("docker://{}/{repo}", server.host());
        let listed = tool_ok(
            &server,
            "skopeo",
            &[
                "list-tags",
                "--tls-verify=false",
                "--creds",
                &creds,
                &image_ref,
            ],
        );
        let listed = json(&listed.stdout);
        let tags: BTreeSet<&str> = listed["Tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(
            tags,
            BTreeSet::from(["oci", "oci-archive", "docker-archive"]),
            "{repo}"
        );
    }

    // bulwark itself reads the images back out of the registry: same packages as from the
    // local layout, whichever form was pushed.
    for image in ["debian-minbase", "debian-rich"] {
        let repo = format!("library/{}", image.trim_start_matches("debian-"));
        let local = sbom_with_creds(
            &server,
            &format!("oci:{}:1", images().join(format!("{image}.oci")).display()),
        );
        assert!(
            packages(&local, "deb").len() > 50,
            "{image}: local SBOM finds the dpkg packages"
        );
        for form in ["oci", "docker-archive"] {
            let source = format!("registry:{}/{repo}:{form}", server.host());
            let remote = sbom_with_creds(&server, &source);
            assert_eq!(all_packages(&remote), all_packages(&local), "{source}");
            if form == "oci" {
                assert_eq!(
                    remote["target"]["manifest_digest"], local["target"]["manifest_digest"],
                    "{source}"
                );
            }
        }
    }
}

/// `skopeo delete` removes a manifest (every tag on it goes too); a DELETE of a tag removes
/// only that tag; what is left still lists and inspects.
#[test]
fn skopeo_delete_removes_the_manifest_and_its_tags() {
    let server = BulwarkServer::start(ServerOptions::default());
    let creds = server.admin_creds();
    let [(_, oci), _, (_, docker)] = <[_; 3]>::try_from(forms("debian-minbase")).unwrap();
    let repo = "library/del";
    for tag in ["a", "b"] {
        skopeo_push(&server, &oci, &format!("{repo}:{tag}"));
    }
    for tag in ["c", "d"] {
        skopeo_push(&server, &docker, &format!("{repo}:{tag}"));
    }
    let ab_digest = sha256(&registry_raw(&server, &format!("{repo}:a")));
    let cd_digest = sha256(&registry_raw(&server, &format!("{repo}:c")));
    assert_ne!(ab_digest, cd_digest);

    let inspect = |reference: &str| {
        let image = format!("docker://{}/{reference}", server.host());
        tool(
            &server,
            "skopeo",
            &[
                "inspect",
                "--raw",
                "--tls-verify=false",
                "--creds",
                &creds,
                &image,
            ],
        )
    };

    // skopeo deletes by digest (it resolves the tag first): a and b share the manifest.
    let target = format!("docker://{}/{repo}:a", server.host());
    tool_ok(
        &server,
        "skopeo",
        &["delete", "--tls-verify=false", "--creds", &creds, &target],
    );
    for reference in [
        format!("{repo}:a"),
        format!("{repo}:b"),
        format!("{repo}@{ab_digest}"),
    ] {
        let out = inspect(&reference);
        assert!(
            !out.status.success(),
            "{reference} after delete: {}",
            text(&out)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("manifest unknown"),
            "{reference}: {}",
            text(&out)
        );
    }

    // Deleting it again fails: nothing left to delete.
    let by_digest = format!("docker://{}/{repo}@{ab_digest}", server.host());
    let again = tool(
        &server,
        "skopeo",
        &[
            "delete",
            "--tls-verify=false",
            "--creds",
            &creds,
            &by_digest,
        ],
    );
    assert!(!again.status.success(), "second delete: {}", text(&again));

    // A tag DELETE (OCI 1.1) removes the tag, not the manifest nor the other tag.
    let token = server.token(
        &format!("repository:{repo}:pull,delete"),
        Some(("admin", server.admin_password())),
    );
    let resp = server
        .agent()
        .delete(format!("{}/v2/{repo}/manifests/c", server.url()))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(resp.status(), 202, "DELETE /v2/{repo}/manifests/c");
    assert!(!inspect(&format!("{repo}:c")).status.success());
    let d = inspect(&format!("{repo}:d"));
    assert!(d.status.success(), "{}", text(&d));
    assert_eq!(sha256(&d.stdout), cd_digest);
    let by_digest = inspect(&format!("{repo}@{cd_digest}"));
    assert!(by_digest.status.success(), "{}", text(&by_digest));

    let image_ref = format!("docker://{}/{repo}", server.host());
    let listed = tool_ok(
        &server,
        "skopeo",
        &[
            "list-tags",
            "--tls-verify=false",
            "--creds",
            &creds,
            &image_ref,
        ],
    );
    assert_eq!(json(&listed.stdout)["Tags"], serde_json::json!(["d"]));
}

/// Several skopeo processes push the same image (same blobs, at the same time) into
/// different repositories, then pull all of them back at once: every copy is complete and
/// byte-identical (skopeo verifies each blob's digest on the way out).
#[test]
fn concurrent_skopeo_pushes_and_pulls_of_the_same_blobs() {
    let server = BulwarkServer::start(ServerOptions::default());
    let creds = server.admin_creds();
    let [(_, oci), ..] = <[_; 3]>::try_from(forms("debian-rich")).unwrap();
    let expected = sha256(&local_raw(&server, &oci));
    let repos: Vec<String> = (0..4).map(|i| format!("library/same{i}")).collect();
    std::thread::scope(|s| {
        for repo in &repos {
            let (server, oci) = (&server, &oci);
            s.spawn(move || skopeo_push(server, oci, &format!("{repo}:1")));
        }
    });
    std::thread::scope(|s| {
        for (i, repo) in repos.iter().enumerate() {
            let (server, creds, expected) = (&server, &creds, &expected);
            s.spawn(move || {
                let out_dir = server.scratch().join(format!("same-out{i}"));
                let from = format!("docker://{}/{repo}:1", server.host());
                let to = format!("oci:{}:1", out_dir.display());
                tool_ok(
                    server,
                    "skopeo",
                    &[
                        "copy",
                        "-q",
                        "--src-tls-verify=false",
                        "--src-creds",
                        creds,
                        &from,
                        &to,
                    ],
                );
                let (digest, _) = layout_manifest(&out_dir);
                assert_eq!(&digest, expected, "{repo}");
            });
        }
    });
}

// ---------------------------------------------------------------------------------------
// 2. buildah and podman

/// Runs buildah or podman daemonless on private vfs storage under the test's scratch dir.
fn containers(server: &BulwarkServer, program: &str, args: &[&str]) -> Output {
    let root = server.scratch().join(format!("{program}-root"));
    let runroot = server.scratch().join(format!("{program}-run"));
    let mut all = vec![
        "--storage-driver",
        "vfs",
        "--root",
        root.to_str().unwrap(),
        "--runroot",
        runroot.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    tool(server, program, &all)
}

fn containers_ok(server: &BulwarkServer, program: &str, args: &[&str]) -> Output {
    let out = containers(server, program, args);
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}\nserver log:\n{}",
        text(&out),
        server.log()
    );
    out
}

fn buildah(server: &BulwarkServer, args: &[&str]) -> Output {
    containers_ok(server, "buildah", args)
}

fn podman(server: &BulwarkServer, args: &[&str]) -> Output {
    containers_ok(server, "podman", args)
}

/// GETs a manifest with the pull token and returns (content type, bytes).
fn manifest_over_http(server: &BulwarkServer, repo: &str, reference: &str) -> (String, Vec<u8>) {
    let (status, headers, body) = get_with_token(
        server,
        repo,
        &format!("/v2/{repo}/manifests/{reference}"),
        Some(&format!("{OCI_MANIFEST}, {OCI_INDEX}")),
    );
    assert_eq!(status, 200, "{repo}:{reference}");
    assert_eq!(header(&headers, "docker-content-digest"), sha256(&body));
    (header(&headers, "content-type").to_string(), body)
}

fn config_labels(
    server: &BulwarkServer,
    repo: &str,
    manifest: &serde_json::Value,
) -> serde_json::Value {
    let (status, _, body) = get_with_token(
        server,
        repo,
        &format!("/v2/{repo}/blobs/{}", config_digest(manifest)),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(sha256(&body), config_digest(manifest));
    json(&body)["config"]["Labels"].clone()
}

/// buildah pulls an image skopeo pushed, builds a layer on top, pushes the result (an OCI
/// manifest, which buildah sends without `mediaType`), and pulls it back; podman then
/// pulls that, pushes it to another repository and pulls it back.
#[test]
fn buildah_and_podman_pull_build_push_pull() {
    let server = BulwarkServer::start(ServerOptions::default());
    let creds = server.admin_creds();
    let host = server.host();
    let [(_, oci), ..] = <[_; 3]>::try_from(forms("debian-minbase")).unwrap();
    skopeo_push(&server, &oci, "library/base:1");
    let base = json(&registry_raw(&server, "library/base:1"));

    // Pull: the image ID buildah reports is the config digest.
    let base_ref = format!("docker://{host}/library/base:1");
    let pulled = buildah(
        &server,
        &[
            "pull",
            "-q",
            "--tls-verify=false",
            "--creds",
            &creds,
            &base_ref,
        ],
    );
    let id = String::from_utf8_lossy(&pulled.stdout).trim().to_string();
    assert_eq!(
        format!("sha256:{id}"),
        config_digest(&base),
        "buildah pull image ID"
    );

    // Build on top: one new file, one label. Nothing runs in the container, so no
    // isolation is needed.
    let ctx = server.scratch().join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    let hello = ctx.join("hello.txt");
    std::fs::write(&hello, "pushed by buildah to bulwark\n").unwrap();
    let ctr = buildah(
        &server,
        &["from", "--pull-never", &format!("{host}/library/base:1")],
    );
    let ctr = String::from_utf8_lossy(&ctr.stdout).trim().to_string();
    buildah(
        &server,
        &["copy", &ctr, hello.to_str().unwrap(), "/hello.txt"],
    );
    buildah(
        &server,
        &["config", "--label", "org.example.built-by=buildah", &ctr],
    );
    buildah(&server, &["commit", "-q", &ctr, "localhost/built:1"]);
    let built_ref = format!("docker://{host}/library/built:1");
    buildah(
        &server,
        &[
            "push",
            "--tls-verify=false",
            "--creds",
            &creds,
            "localhost/built:1",
            &built_ref,
        ],
    );

    // What the registry stored: an OCI manifest (typed by the Content-Type of the PUT when
    // the body has no mediaType), the base layer reused plus one new layer.
    let (content_type, built_bytes) = manifest_over_http(&server, "library/built", "1");
    let built = json(&built_bytes);
    assert_eq!(content_type, OCI_MANIFEST, "buildah's manifest type");
    assert!(
        built.get("mediaType").is_none() || built["mediaType"] == OCI_MANIFEST,
        "{built}"
    );
    let layers = layer_digests(&built);
    assert_eq!(layers.len(), 2, "{built}");
    assert_eq!(layers[0], layer_digests(&base)[0], "base layer reused");
    assert_eq!(
        config_labels(&server, "library/built", &built)["org.example.built-by"],
        "buildah"
    );
    for layer in &layers {
        let (status, headers, _) = get_with_token(
            &server,
            "library/built",
            &format!("/v2/library/built/blobs/{layer}"),
            None,
        );
        assert_eq!(status, 200, "layer {layer}");
        assert_eq!(header(&headers, "docker-content-digest"), layer);
    }

    // Pull it back into empty storage.
    buildah(&server, &["rm", &ctr]);
    buildah(&server, &["rmi", "--all", "--force"]);
    let back = buildah(
        &server,
        &[
            "pull",
            "-q",
            "--tls-verify=false",
            "--creds",
            &creds,
            &built_ref,
        ],
    );
    let back_id = String::from_utf8_lossy(&back.stdout).trim().to_string();
    assert_eq!(format!("sha256:{back_id}"), config_digest(&built));

    if !have("podman") {
        eprintln!("SKIP podman part: podman not installed (apt-get install -y podman)");
        return;
    }
    podman(
        &server,
        &[
            "pull",
            "-q",
            "--tls-verify=false",
            "--creds",
            &creds,
            &built_ref,
        ],
    );
    let copy_ref = format!("docker://{host}/library/podman-copy:1");
    podman(
        &server,
        &[
            "push",
            "--tls-verify=false",
            "--creds",
            &creds,
            &format!("{host}/library/built:1"),
            &copy_ref,
        ],
    );
    let (content_type, copy_bytes) = manifest_over_http(&server, "library/podman-copy", "1");
    let copy = json(&copy_bytes);
    assert_eq!(content_type, OCI_MANIFEST, "podman's manifest type");
    assert_eq!(config_digest(&copy), config_digest(&built));
    assert_eq!(layer_digests(&copy), layers);
    podman(&server, &["rmi", "--all", "--force"]);
    let back = podman(
        &server,
        &[
            "pull",
            "-q",
            "--tls-verify=false",
            "--creds",
            &creds,
            &copy_ref,
        ],
    );
    let back_id = String::from_utf8_lossy(&back.stdout).trim().to_string();
    assert_eq!(format!("sha256:{back_id}"), config_digest(&built));
    let inspected = podman(
        &server,
        &["image", "inspect", "--format", "{{json .Labels}}", &back_id],
    );
    assert_eq!(
        json(&inspected.stdout)["org.example.built-by"],
        "buildah",
        "label survives the round trip"
    );

    // A multi-platform list: podman assembles it from the two images in the registry and
    // pushes children and index; skopeo copies it out whole; bulwark picks a platform.
    podman(&server, &["manifest", "create", "localhost/multi:1"]);
    let base_digest = sha256(&registry_raw(&server, "library/base:1"));
    let built_digest = sha256(&built_bytes);
    for (arch, from) in [("amd64", &base_ref), ("arm64", &built_ref)] {
        podman(
            &server,
            &[
                "manifest",
                "add",
                "--tls-verify=false",
                "--creds",
                &creds,
                "--os",
                "linux",
                "--arch",
                arch,
                "localhost/multi:1",
                from,
            ],
        );
    }
    let multi_ref = format!("docker://{host}/library/multi:1");
    podman(
        &server,
        &[
            "manifest",
            "push",
            "--all",
            "--tls-verify=false",
            "--creds",
            &creds,
            "localhost/multi:1",
            &multi_ref,
        ],
    );
    let (content_type, index_bytes) = manifest_over_http(&server, "library/multi", "1");
    let index = json(&index_bytes);
    assert!(
        content_type == OCI_INDEX
            || content_type == "application/vnd.docker.distribution.manifest.list.v2+json",
        "{content_type}"
    );
    if let Some(declared) = index["mediaType"].as_str() {
        assert_eq!(declared, content_type);
    }
    let children: BTreeSet<(String, String)> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["platform"]["architecture"].as_str().unwrap().to_string(),
                m["digest"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        children,
        BTreeSet::from([
            ("amd64".to_string(), base_digest.clone()),
            ("arm64".to_string(), built_digest.clone()),
        ])
    );
    for (_, child) in &children {
        let (_, bytes) = manifest_over_http(&server, "library/multi", child);
        assert_eq!(&sha256(&bytes), child);
    }
    let out_dir = server.scratch().join("multi-out");
    tool_ok(
        &server,
        "skopeo",
        &[
            "copy",
            "-q",
            "--all",
            "--src-tls-verify=false",
            "--src-creds",
            &creds,
            &multi_ref,
            &format!("oci:{}:multi", out_dir.display()),
        ],
    );
    let (out_digest, _) = layout_manifest(&out_dir);
    assert_eq!(
        out_digest,
        sha256(&index_bytes),
        "index copied out unchanged"
    );
    for (platform, expected) in [
        ("linux/arm64", &built_digest),
        ("linux/amd64", &base_digest),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args([
                "sbom",
                &format!("registry:{host}/library/multi:1"),
                "--platform",
                platform,
                "--format",
                "json",
                "-q",
            ])
            .env("DOCKER_CONFIG", server.scratch().join("no-docker-config"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{platform}: {}", text(&out));
        assert_eq!(
            json(&out.stdout)["target"]["manifest_digest"],
            expected.as_str(),
            "{platform}"
        );
    }
}

/// `podman login` then `podman search`: containers/image asks the token endpoint for a
/// token with no scope at all (`GET /service/token?account=admin&service=bulwark`) and
/// sends it to `/v2/_catalog`; the logged-in system administrator must see the
/// repositories (as with Harbor or Quay), not an empty list.
#[test]
fn podman_login_and_search_list_repositories() {
    if !have("podman") {
        eprintln!("SKIP: podman not installed (apt-get install -y podman)");
        return;
    }
    let server = BulwarkServer::start(ServerOptions::default());
    let host = server.host();
    let [(_, oci), ..] = <[_; 3]>::try_from(forms("debian-minbase")).unwrap();
    skopeo_push(&server, &oci, "library/findme:1");

    let wrong = containers(
        &server,
        "podman",
        &[
            "login",
            "--tls-verify=false",
            "-u",
            "admin",
            "-p",
            "wrong",
            &host,
        ],
    );
    assert!(!wrong.status.success(), "{}", text(&wrong));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("invalid username/password"),
        "{}",
        text(&wrong)
    );
    podman(
        &server,
        &[
            "login",
            "--tls-verify=false",
            "-u",
            "admin",
            "-p",
            server.admin_password(),
            &host,
        ],
    );
    // The login is in the auth file: tags are listed without --creds.
    let tags = podman(
        &server,
        &[
            "search",
            "--list-tags",
            "--tls-verify=false",
            &format!("{host}/library/findme"),
        ],
    );
    assert!(
        String::from_utf8_lossy(&tags.stdout).contains(&format!("{host}/library/findme  1")),
        "{}",
        text(&tags)
    );
    let found = podman(
        &server,
        &["search", "--tls-verify=false", &format!("{host}/findme")],
    );
    assert!(
        String::from_utf8_lossy(&found.stdout).contains("library/findme"),
        "podman search {host}/findme as the logged-in admin lists nothing: {}",
        text(&found)
    );
}

// ---------------------------------------------------------------------------------------
// 3. oras: artifacts with a subject, and the referrers API

/// Pushes one artifact with the python `oras` library: a file, optional `artifactType`
/// (oras-py has no option for it, so the manifest is amended just before upload), optional
/// config media type, manifest annotations and a `subject`. Prints the PUT response.
const ORAS_PUSH: &str = r#"
import json, os, sys
import oras.client, oras.oci

(host, user, password, target, file_spec, artifact_type, config_spec,
 annotations, subject_type, subject_digest, subject_size, workdir) = sys.argv[1:13]
os.chdir(workdir)
client = oras.client.OrasClient(hostname=host, insecure=True)
client.login(username=user, password=password, hostname=host,
             config_path=os.path.join(workdir, "oras-auth.json"))
original = client.upload_manifest
def upload(manifest, container):
    if artifact_type:
        manifest["artifactType"] = artifact_type
    return original(manifest, container)
client.upload_manifest = upload
subject = oras.oci.Subject(mediaType=subject_type, digest=subject_digest, size=int(subject_size))
resp = client.push(target=target, files=[file_spec], manifest_config=config_spec or None,
                   manifest_annotations=json.loads(annotations) or None, subject=subject,
                   disable_path_validation=True, quiet=True)
print(json.dumps({"status": resp.status_code, "headers": {k.lower(): v for k, v in resp.headers.items()}}))
"#;

const ORAS_PULL: &str = r#"
import json, os, sys
import oras.client
host, user, password, target, outdir = sys.argv[1:6]
client = oras.client.OrasClient(hostname=host, insecure=True)
client.login(username=user, password=password, hostname=host,
             config_path=os.path.join(outdir, "oras-auth.json"))
print(json.dumps(client.pull(target=target, outdir=outdir)))
"#;

fn python(server: &BulwarkServer, name: &str, script: &str, args: &[&str]) -> serde_json::Value {
    let path = server.scratch().join(name);
    std::fs::write(&path, script).unwrap();
    let out = Command::new("python3")
        .arg(&path)
        .args(args)
        .output()
        .expect("python3");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("No module named 'oras'"),
        "python oras missing: python3 -m pip install oras (.ci/run does)"
    );
    assert!(
        out.status.success(),
        "{name}: {}\nserver log:\n{}",
        text(&out),
        server.log()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    json(stdout.lines().last().unwrap_or_default().as_bytes())
}

struct Pushed {
    digest: String,
    size: usize,
    manifest: serde_json::Value,
}

#[allow(clippy::too_many_arguments)]
fn oras_push(
    server: &BulwarkServer,
    target: &str,
    file: &str,
    artifact_type: &str,
    config_spec: &str,
    annotations: &serde_json::Value,
    subject: (&str, &str, usize),
) -> Pushed {
    let size = subject.2.to_string();
    let workdir = server.scratch().join("oras");
    let result = python(
        server,
        "oras_push.py",
        ORAS_PUSH,
        &[
            &server.host(),
            "admin",
            server.admin_password(),
            target,
            file,
            artifact_type,
            config_spec,
            &annotations.to_string(),
            subject.0,
            subject.1,
            &size,
            workdir.to_str().unwrap(),
        ],
    );
    assert_eq!(result["status"], 201, "{target}: {result}");
    let headers = &result["headers"];
    assert_eq!(
        headers["oci-subject"], subject.1,
        "{target}: the manifest PUT response must carry OCI-Subject: {result}"
    );
    let digest = headers["docker-content-digest"]
        .as_str()
        .unwrap()
        .to_string();
    let (repo, _) = target
        .strip_prefix(&format!("{}/", server.host()))
        .unwrap()
        .rsplit_once(':')
        .unwrap();
    let (content_type, bytes) = manifest_over_http(server, repo, &digest);
    assert_eq!(content_type, OCI_MANIFEST);
    Pushed {
        digest,
        size: bytes.len(),
        manifest: json(&bytes),
    }
}

fn referrers(
    server: &BulwarkServer,
    repo: &str,
    digest: &str,
    artifact_type: Option<&str>,
) -> (ureq::http::HeaderMap, serde_json::Value) {
    // `+` (as in `...+json`) must be escaped: in a query it means a space.
    let query = artifact_type
        .map(|t| format!("?artifactType={}", t.replace('+', "%2B")))
        .unwrap_or_default();
    let (status, headers, body) = get_with_token(
        server,
        repo,
        &format!("/v2/{repo}/referrers/{digest}{query}"),
        None,
    );
    assert_eq!(status, 200, "referrers of {digest}{query}");
    assert_eq!(header(&headers, "content-type"), OCI_INDEX);
    let index = json(&body);
    assert_eq!(index["schemaVersion"], 2);
    assert_eq!(index["mediaType"], OCI_INDEX);
    (headers, index)
}

fn referrer<'a>(index: &'a serde_json::Value, digest: &str) -> Option<&'a serde_json::Value> {
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["digest"] == digest)
}

/// oras pushes two artifacts whose `subject` is an image skopeo pushed: one with an
/// explicit `artifactType` and annotations, one typed only by its config media type. The
/// referrers API lists both with those types and annotations, filters by artifactType, and
/// oras pulls the files back.
#[test]
fn oras_artifacts_with_subject_are_listed_as_referrers() {
    let server = BulwarkServer::start(ServerOptions::default());
    let host = server.host();
    let [(_, oci), ..] = <[_; 3]>::try_from(forms("debian-minbase")).unwrap();
    let repo = "library/app";
    skopeo_push(&server, &oci, &format!("{repo}:1"));
    let image_bytes = registry_raw(&server, &format!("{repo}:1"));
    let image_digest = sha256(&image_bytes);
    let subject = (OCI_MANIFEST, image_digest.as_str(), image_bytes.len());

    let workdir = server.scratch().join("oras");
    std::fs::create_dir_all(&workdir).unwrap();
    let sbom_text = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[]}"#;
    std::fs::write(workdir.join("sbom.cdx.json"), sbom_text).unwrap();
    std::fs::write(workdir.join("sig.txt"), "not really a signature\n").unwrap();
    std::fs::write(workdir.join("sig-config.json"), "{}").unwrap();

    const SBOM_TYPE: &str = "application/vnd.cyclonedx+json";
    const SIG_CONFIG: &str = "application/vnd.example.signature.config.v1+json";
    let annotations = serde_json::json!({
        "org.opencontainers.image.created": "2024-05-01T00:00:00Z",
        "org.example.tool": "bulwark-test"
    });
    let sbom = oras_push(
        &server,
        &format!("{host}/{repo}:sbom"),
        "sbom.cdx.json:application/vnd.cyclonedx+json",
        SBOM_TYPE,
        "",
        &annotations,
        subject,
    );
    assert_eq!(sbom.manifest["artifactType"], SBOM_TYPE);
    assert_eq!(sbom.manifest["subject"]["digest"], image_digest);
    let sig = oras_push(
        &server,
        &format!("{host}/{repo}:sig"),
        "sig.txt:application/vnd.example.signature",
        "",
        &format!("{}:{SIG_CONFIG}", workdir.join("sig-config.json").display()),
        &serde_json::json!({}),
        subject,
    );
    assert!(sig.manifest.get("artifactType").is_none());

    // Both referrers, with artifactType (explicit, or the config's media type) and the
    // manifest annotations.
    let (headers, all) = referrers(&server, repo, &image_digest, None);
    assert_eq!(all["manifests"].as_array().unwrap().len(), 2, "{all}");
    assert!(header(&headers, "oci-filters-applied").is_empty());
    let d = referrer(&all, &sbom.digest).unwrap_or_else(|| panic!("sbom artifact missing: {all}"));
    assert_eq!(d["mediaType"], OCI_MANIFEST);
    assert_eq!(d["size"], sbom.size);
    assert_eq!(d["artifactType"], SBOM_TYPE);
    assert_eq!(d["annotations"], annotations);
    let d = referrer(&all, &sig.digest).unwrap_or_else(|| panic!("sig artifact missing: {all}"));
    assert_eq!(
        d["artifactType"], SIG_CONFIG,
        "falls back to config.mediaType"
    );
    assert_eq!(d["size"], sig.size);

    // The artifactType filter.
    let (headers, only) = referrers(&server, repo, &image_digest, Some(SBOM_TYPE));
    assert_eq!(header(&headers, "oci-filters-applied"), "artifactType");
    let listed: Vec<&str> = only["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["digest"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec![sbom.digest.as_str()]);
    let (_, none) = referrers(&server, repo, &image_digest, Some("application/x-nothing"));
    assert_eq!(none["manifests"], serde_json::json!([]));

    // A manifest nobody refers to has an empty list (200, not 404), and the artifacts
    // themselves have no referrers.
    let (_, empty) = referrers(&server, repo, &sbom.digest, None);
    assert_eq!(empty["manifests"], serde_json::json!([]));

    // oras pulls the artifact back, by tag and by digest.
    for target in [
        format!("{host}/{repo}:sbom"),
        format!("{host}/{repo}@{}", sbom.digest),
    ] {
        let outdir = server.scratch().join(format!("pull-{}", target.len()));
        std::fs::create_dir_all(&outdir).unwrap();
        let files = python(
            &server,
            "oras_pull.py",
            ORAS_PULL,
            &[
                &host,
                "admin",
                server.admin_password(),
                &target,
                outdir.to_str().unwrap(),
            ],
        );
        assert_eq!(files.as_array().unwrap().len(), 1, "{target}: {files}");
        let pulled = std::fs::read_to_string(outdir.join("sbom.cdx.json")).unwrap();
        assert_eq!(pulled, sbom_text, "{target}");
    }

    // Deleting a referrer takes it out of the listing.
    let token = server.token(
        &format!("repository:{repo}:pull,delete"),
        Some(("admin", server.admin_password())),
    );
    let resp = server
        .agent()
        .delete(format!(
            "{}/v2/{repo}/manifests/{}",
            server.url(),
            sig.digest
        ))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(resp.status(), 202);
    let (_, after) = referrers(&server, repo, &image_digest, None);
    let left: Vec<&str> = after["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["digest"].as_str().unwrap())
        .collect();
    assert_eq!(left, vec![sbom.digest.as_str()], "{after}");

    // A subject that is not (yet) in the registry is allowed (OCI 1.1) and still listed.
    let absent = format!("sha256:{}", "ab".repeat(32));
    let early = oras_push(
        &server,
        &format!("{host}/{repo}:early"),
        "sig.txt:application/vnd.example.signature",
        "application/vnd.example.early",
        "",
        &serde_json::json!({}),
        (OCI_MANIFEST, &absent, 1234),
    );
    let (_, listed) = referrers(&server, repo, &absent, None);
    assert_eq!(
        listed["manifests"][0]["digest"],
        early.digest.as_str(),
        "{listed}"
    );
    assert_eq!(
        listed["manifests"][0]["artifactType"],
        "application/vnd.example.early"
    );

    // skopeo still sees the image itself unchanged.
    assert_eq!(
        sha256(&registry_raw(&server, &format!("{repo}:1"))),
        image_digest
    );
}

// ---------------------------------------------------------------------------------------
// 4. access control as real clients see it

/// Management API call as admin; `None` when the API does not exist (404/405).
fn api(
    server: &BulwarkServer,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Option<(u16, String)> {
    let url = format!("{}{path}", server.url());
    let auth = basic_auth("admin", server.admin_password());
    let agent = server.agent();
    let resp = match (method, body) {
        ("POST", Some(b)) => agent
            .post(&url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(b.to_string()),
        ("GET", _) => agent.get(&url).header("Authorization", &auth).call(),
        _ => panic!("unsupported {method}"),
    };
    let mut resp = resp.unwrap();
    let status = resp.status().as_u16();
    if status == 404 || status == 405 {
        return None;
    }
    Some((status, resp.body_mut().read_to_string().unwrap_or_default()))
}

#[test]
fn access_control_with_real_clients() {
    let server = BulwarkServer::start(ServerOptions::default());
    let host = server.host();
    let creds = server.admin_creds();
    let [(_, oci), ..] = <[_; 3]>::try_from(forms("debian-minbase")).unwrap();
    skopeo_push(&server, &oci, "library/open:1");

    let push_as = |dest: &str, auth: &[&str]| {
        let dest = format!("docker://{host}/{dest}");
        let mut args = vec!["copy", "-q", "--dest-tls-verify=false"];
        args.extend_from_slice(auth);
        args.push(&oci);
        args.push(&dest);
        tool(&server, "skopeo", &args)
    };
    let inspect_as = |reference: &str, auth: &[&str]| {
        let image = format!("docker://{host}/{reference}");
        let mut args = vec!["inspect", "--raw", "--tls-verify=false"];
        args.extend_from_slice(auth);
        args.push(&image);
        tool(&server, "skopeo", &args)
    };

    // Wrong password, unknown user: an authentication error, nothing stored.
    for bad in ["admin:wrong-password", "nobody:whatever"] {
        let out = push_as("library/open:bad", &["--dest-creds", bad]);
        assert!(!out.status.success(), "push as {bad}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
        assert!(
            err.contains("unauthorized") || err.contains("invalid username/password"),
            "push as {bad} must fail with an auth error: {}",
            text(&out)
        );
    }
    // Anonymous push to a public project: refused.
    let out = push_as("library/open:anon", &["--dest-no-creds"]);
    assert!(!out.status.success(), "anonymous push: {}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(
        err.contains("denied") || err.contains("unauthorized"),
        "{}",
        text(&out)
    );
    for tag in ["bad", "anon"] {
        let out = inspect_as(&format!("library/open:{tag}"), &["--creds", &creds]);
        assert!(
            !out.status.success(),
            "tag {tag} must not exist: {}",
            text(&out)
        );
    }
    // Wrong password on a pull: an error too, never a silent downgrade to anonymous.
    let out = inspect_as("library/open:1", &["--creds", "admin:wrong-password"]);
    assert!(
        !out.status.success(),
        "pull with a wrong password: {}",
        text(&out)
    );

    // `library` is public: anonymous pull works, with skopeo and with bulwark.
    let anon = inspect_as("library/open:1", &["--no-creds"]);
    assert!(
        anon.status.success(),
        "anonymous pull of library: {}",
        text(&anon)
    );
    assert_eq!(anon.stdout, registry_raw(&server, "library/open:1"));
    let anon_sbom = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args([
            "sbom",
            &format!("registry:{host}/library/open:1"),
            "--format",
            "json",
            "-q",
        ])
        .env_remove("BULWARK_REGISTRY_USERNAME")
        .env_remove("BULWARK_REGISTRY_PASSWORD")
        .env("DOCKER_CONFIG", server.scratch().join("no-docker-config"))
        .output()
        .unwrap();
    assert!(anon_sbom.status.success(), "{}", text(&anon_sbom));

    // skopeo login: a wrong password is refused; after a good login, pushes need no --creds.
    let wrong = tool(
        &server,
        "skopeo",
        &[
            "login",
            "--tls-verify=false",
            "-u",
            "admin",
            "-p",
            "wrong",
            &host,
        ],
    );
    assert!(!wrong.status.success(), "{}", text(&wrong));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("invalid username/password"),
        "{}",
        text(&wrong)
    );
    tool_ok(
        &server,
        "skopeo",
        &[
            "login",
            "--tls-verify=false",
            "-u",
            "admin",
            "-p",
            server.admin_password(),
            &host,
        ],
    );
    let out = push_as("library/open:logged-in", &[]);
    assert!(
        out.status.success(),
        "push after skopeo login: {}",
        text(&out)
    );

    // A project that does not exist: pushes fail even for the system administrator.
    let out = push_as("nosuch/app:1", &["--dest-creds", &creds]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not exist"),
        "{}",
        text(&out)
    );

    // A private project needs the management API (/api/v1).
    let created = api(
        &server,
        "POST",
        "/api/v1/projects",
        Some(&serde_json::json!({"name": "secret", "public": false})),
    );
    let Some((status, body)) = created else {
        eprintln!("SKIP private-project checks: POST /api/v1/projects is not there yet (404)");
        return;
    };
    assert!(
        status == 200 || status == 201,
        "POST /api/v1/projects {{name: secret, public: false}}: {status} {body}"
    );
    skopeo_push(&server, &oci, "secret/app:1");
    let out = inspect_as("secret/app:1", &["--no-creds"]);
    assert!(
        !out.status.success(),
        "anonymous pull from a private project: {}",
        text(&out)
    );
    let out = inspect_as("secret/app:1", &["--creds", &creds]);
    assert!(out.status.success(), "{}", text(&out));
    // bulwark sbom: without credentials refused, with them fine.
    let source = format!("registry:{host}/secret/app:1");
    let refused = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["sbom", &source, "-q"])
        .env_remove("BULWARK_REGISTRY_USERNAME")
        .env_remove("BULWARK_REGISTRY_PASSWORD")
        .env("DOCKER_CONFIG", server.scratch().join("no-docker-config"))
        .output()
        .unwrap();
    assert!(!refused.status.success(), "{}", text(&refused));
    let doc = sbom_with_creds(&server, &source);
    assert!(!packages(&doc, "deb").is_empty());

    // Made public (PATCH /api/v1/projects/secret), the same anonymous pull works.
    let url = format!("{}/api/v1/projects/secret", server.url());
    let mut resp = server
        .agent()
        .patch(&url)
        .header(
            "Authorization",
            basic_auth("admin", server.admin_password()),
        )
        .header("Content-Type", "application/json")
        .send(r#"{"public":true}"#)
        .unwrap();
    let status = resp.status();
    assert!(
        status.is_success(),
        "PATCH {url}: {status} {}",
        resp.body_mut().read_to_string().unwrap_or_default()
    );
    let out = inspect_as("secret/app:1", &["--no-creds"]);
    assert!(
        out.status.success(),
        "anonymous pull after making it public: {}",
        text(&out)
    );
}

// ---------------------------------------------------------------------------------------
// 5. TLS

/// Default mode is TLS with a generated self-signed certificate: skopeo with that
/// certificate as its CA and verification on pushes and inspects; without it skopeo
/// refuses the certificate (so verification really is on).
#[test]
fn tls_with_the_generated_certificate_and_verification_on() {
    let server = BulwarkServer::start(ServerOptions {
        tls: true,
        ..ServerOptions::default()
    });
    assert!(server.url().starts_with("https://"));
    let creds = server.admin_creds();
    let certs = server.scratch().join("certs.d");
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::copy(server.cert_pem(), certs.join("ca.crt")).unwrap();
    let certs = certs.to_str().unwrap();

    let [(_, oci), ..] = <[_; 3]>::try_from(forms("debian-minbase")).unwrap();
    let dest = format!("docker://{}/library/tls:1", server.host());
    tool_ok(
        &server,
        "skopeo",
        &[
            "copy",
            "-q",
            "--dest-cert-dir",
            certs,
            "--dest-creds",
            &creds,
            &oci,
            &dest,
        ],
    );
    let raw = tool_ok(
        &server,
        "skopeo",
        &[
            "inspect",
            "--raw",
            "--cert-dir",
            certs,
            "--creds",
            &creds,
            &dest,
        ],
    );
    assert_eq!(sha256(&raw.stdout), sha256(&local_raw(&server, &oci)));

    let untrusted = tool(
        &server,
        "skopeo",
        &["inspect", "--raw", "--creds", &creds, &dest],
    );
    assert!(!untrusted.status.success(), "{}", text(&untrusted));
    let err = String::from_utf8_lossy(&untrusted.stderr);
    assert!(
        err.contains("x509") || err.contains("certificate"),
        "{}",
        text(&untrusted)
    );

    // The token realm announced over TLS is https, so credentials never go out in clear.
    let resp = server
        .agent()
        .get(format!("{}/v2/", server.url()))
        .call()
        .unwrap();
    assert_eq!(resp.status(), 401);
    let challenge = header(resp.headers(), "www-authenticate");
    assert!(
        challenge.contains(&format!(
            "realm=\"https://{}/service/token\"",
            server.host()
        )),
        "{challenge}"
    );
}
