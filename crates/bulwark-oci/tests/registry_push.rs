#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The registry client's writes and discovery (blob and manifest pushes, referrers,
//! `manifest_if_exists`, `blob_bytes`) against real registries:
//!
//! - Bulwark's own registry (`bulwark_registry::serve`) on a loopback port, in a
//!   background tokio runtime, over plain HTTP with Docker token auth: the `admin` account
//!   with a password set here, users created through the management API, and anonymous
//!   callers. Its Prometheus counters (requests by method, route and status) show which
//!   requests were sent and which were refused;
//! - the CNCF distribution registry (`docker-registry` 2.8, Debian package) through
//!   `bulwark_testkit::DockerRegistry`: anonymous, and without a referrers API.
//!
//! The blobs are real: the config and layer of alpine:3.10 (`docker save` in the shared
//! test data) and an SPDX SBOM from osv-scanner's test data. The manifests around them and
//! the cosign-style signature payload are written here: no real signature is in the test
//! data.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bulwark_oci::Reference;
use bulwark_oci::registry::{
    ClientOptions, Credentials, MEDIA_TYPE_OCI_MANIFEST, RegistryClient, RegistryError,
};
use bulwark_registry::Config;
use bulwark_testkit::{DockerRegistry, free_port, testdata_dir};
use bulwark_types::Digest;
use serde_json::json;
use sha2::Digest as _;

const ADMIN_PASSWORD: &str = "push-test-admin-pw";
/// OCI 1.1 "no config" config blob.
const EMPTY_CONFIG: &[u8] = b"{}";
const EMPTY_CONFIG_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// What cosign uses for signatures stored as OCI 1.1 referrers.
const SIGNATURE_TYPE: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
const SIMPLE_SIGNING_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
const SBOM_TYPE: &str = "application/spdx+json";

// ---------------------------------------------------------------------------------------
// Bulwark in-process, listening on a loopback port
// ---------------------------------------------------------------------------------------

/// A running Bulwark registry, stopped when dropped.
struct Bulwark {
    port: u16,
    agent: ureq::Agent,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Bulwark {
    /// Starts a fresh registry (its first start creates `admin` and the public `library`
    /// project). Retries with another port when it loses the race for a free one.
    fn start() -> Self {
        for _ in 0..3 {
            if let Some(server) = Self::try_start() {
                return server;
            }
        }
        panic!("Bulwark did not start on three free ports (see the panic above)");
    }

    fn try_start() -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut config = Config {
            listen: SocketAddr::from(([127, 0, 0, 1], port)),
            data_dir: dir.path().join("data"),
            ..Config::default()
        };
        config.tls.insecure_http = true;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let opened = bulwark_registry::open(config, Some(ADMIN_PASSWORD.into()))
                    .await
                    .unwrap();
                tokio::select! {
                    served = bulwark_registry::serve(opened.state, std::future::pending()) => {
                        served.unwrap();
                    }
                    _ = stopped => {}
                }
            });
            // Do not wait for the storage's background work: the test is over.
            runtime.shutdown_background();
        });
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let mut server = Self {
            port,
            agent,
            stop: Some(stop),
            thread: Some(thread),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = format!("{}/healthz", server.base_url());
        loop {
            if server
                .agent
                .get(&url)
                .call()
                .is_ok_and(|r| r.status() == 200)
            {
                return Some(server);
            }
            if server.thread.as_ref().is_some_and(JoinHandle::is_finished) {
                server.stop = None;
                let _ = server.thread.take().map(JoinHandle::join);
                return None;
            }
            assert!(Instant::now() < deadline, "Bulwark did not answer on {url}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.host())
    }

    fn reference(&self, name: &str) -> Reference {
        format!("{}/{name}", self.host()).parse().unwrap()
    }

    /// Calls the management API as `admin`; fails the test unless it answers 2xx.
    fn admin_api(&self, method: &str, path: &str, body: &serde_json::Value) {
        let url = format!("{}{path}", self.base_url());
        let auth = format!(
            "Basic {}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                format!("admin:{ADMIN_PASSWORD}")
            )
        );
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("Authorization", auth)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .unwrap();
        let mut response = self.agent.run(request).unwrap();
        let status = response.status();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
    }

    fn add_user(&self, name: &str, password: &str) {
        self.admin_api(
            "POST",
            "/api/v1/users",
            &json!({"username": name, "password": password}),
        );
    }

    fn add_project(&self, name: &str, public: bool) {
        self.admin_api(
            "POST",
            "/api/v1/projects",
            &json!({"name": name, "public": public}),
        );
    }

    fn set_role(&self, project: &str, user: &str, role: &str) {
        self.admin_api(
            "PUT",
            &format!("/api/v1/projects/{project}/members/{user}"),
            &json!({ "role": role }),
        );
    }

    /// Registry and token requests answered so far, by (method, route, status); scrapes
    /// of `/metrics` itself (route `other`) are left out.
    fn requests(&self) -> HashMap<(String, String, u16), u64> {
        let url = format!("{}/metrics", self.base_url());
        let text = self
            .agent
            .get(&url)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        let mut counts = HashMap::new();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("bulwark_http_requests_total{") else {
                continue;
            };
            let (labels, count) = rest.split_once("} ").unwrap();
            let label = |name: &str| {
                labels
                    .split(',')
                    .find_map(|l| l.strip_prefix(&format!("{name}=\"")))
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap()
                    .to_string()
            };
            if label("route") != "other" {
                counts.insert(
                    (
                        label("method"),
                        label("route"),
                        label("status").parse().unwrap(),
                    ),
                    count.parse().unwrap(),
                );
            }
        }
        counts
    }
}

impl Drop for Bulwark {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How many more `method route status` requests `after` counts than `before`.
fn delta(
    before: &HashMap<(String, String, u16), u64>,
    after: &HashMap<(String, String, u16), u64>,
    method: &str,
    route: &str,
    status: u16,
) -> u64 {
    let key = (method.to_string(), route.to_string(), status);
    after.get(&key).copied().unwrap_or(0) - before.get(&key).copied().unwrap_or(0)
}

// ---------------------------------------------------------------------------------------
// Clients and content
// ---------------------------------------------------------------------------------------

/// A client that never reads the Docker config of whoever runs the tests.
fn client(credentials: Option<(&str, &str)>) -> RegistryClient {
    RegistryClient::new(ClientOptions {
        credentials: credentials.map(|(username, password)| Credentials {
            username: username.into(),
            password: password.into(),
        }),
        docker_config: Some(PathBuf::from("/nonexistent/bulwark-test/config.json")),
        ..ClientOptions::default()
    })
}

fn admin() -> RegistryClient {
    client(Some(("admin", ADMIN_PASSWORD)))
}

fn sha256(bytes: &[u8]) -> Digest {
    Digest::sha256_hex(&hex::encode(sha2::Sha256::digest(bytes))).unwrap()
}

/// The config and the layer of the real alpine:3.10 `docker save` archive.
fn alpine() -> (Vec<u8>, Vec<u8>) {
    let path = testdata_dir().join("images/alpine-310.docker.tar");
    let mut archive = tar::Archive::new(std::fs::File::open(&path).unwrap_or_else(|e| {
        panic!("missing test image {} ({e})", path.display());
    }));
    let mut files = HashMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.insert(name, bytes);
    }
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let config = files[manifest[0]["Config"].as_str().unwrap()].clone();
    let layer = files[manifest[0]["Layers"][0].as_str().unwrap()].clone();
    (config, layer)
}

/// A real SPDX 2.3 SBOM (osv-scanner's test data).
fn spdx_sbom() -> Vec<u8> {
    let path = testdata_dir().join(
        "fixtures/osv-scanner/cmd/osv-scanner/scan/source/testdata/sbom-insecure/only-unimportant.spdx.json",
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("missing {} ({e})", path.display()))
}

/// An OCI image manifest for alpine's config and layer; `annotations` tell variants apart.
fn image_manifest(config: &[u8], layer: &[u8], annotations: &BTreeMap<&str, &str>) -> Vec<u8> {
    let mut manifest = json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_TYPE_OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": sha256(config),
            "size": config.len(),
        },
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar",
            "digest": sha256(layer),
            "size": layer.len(),
        }],
    });
    if !annotations.is_empty() {
        manifest["annotations"] = json!(annotations);
    }
    serde_json::to_vec(&manifest).unwrap()
}

/// An OCI 1.1 artifact manifest: empty config, one blob, a `subject` and annotations.
fn artifact_manifest(
    artifact_type: &str,
    blob_type: &str,
    blob: &[u8],
    subject: &[u8],
    annotations: &BTreeMap<&str, &str>,
) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_TYPE_OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {
            "mediaType": EMPTY_CONFIG_TYPE,
            "digest": sha256(EMPTY_CONFIG),
            "size": EMPTY_CONFIG.len(),
        },
        "layers": [{"mediaType": blob_type, "digest": sha256(blob), "size": blob.len()}],
        "subject": {
            "mediaType": MEDIA_TYPE_OCI_MANIFEST,
            "digest": sha256(subject),
            "size": subject.len(),
        },
        "annotations": annotations,
    }))
    .unwrap()
}

/// A cosign "simple signing" payload for `image` (written here: see the module comment).
fn simple_signing_payload(reference: &str, image: &Digest) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "critical": {
            "identity": {"docker-reference": reference},
            "image": {"docker-manifest-digest": image},
            "type": "cosign container image signature",
        },
        "optional": null,
    }))
    .unwrap()
}

/// Pushes alpine's blobs and a manifest under `reference`'s tag; returns the manifest.
fn push_alpine(client: &RegistryClient, reference: &Reference) -> Vec<u8> {
    let (config, layer) = alpine();
    client.push_blob(reference, &config).unwrap();
    client.push_blob(reference, &layer).unwrap();
    let manifest = image_manifest(&config, &layer, &BTreeMap::new());
    client
        .push_manifest(reference, MEDIA_TYPE_OCI_MANIFEST, &manifest)
        .unwrap();
    manifest
}

fn with_digest(reference: &Reference, digest: &Digest) -> Reference {
    Reference {
        tag: None,
        digest: Some(digest.clone()),
        ..reference.clone()
    }
}

fn with_tag(reference: &Reference, tag: &str) -> Reference {
    Reference {
        tag: Some(tag.to_string()),
        digest: None,
        ..reference.clone()
    }
}

// ---------------------------------------------------------------------------------------
// Bulwark
// ---------------------------------------------------------------------------------------

/// `push_blob` uploads a blob once (POST + PUT with the admin's push token), returns its
/// sha256, and on a second push only asks `HEAD` and uploads nothing; the bytes read back
/// equal, also for an anonymous reader of the public `library` project.
#[test]
fn bulwark_blob_is_uploaded_once_then_skipped() {
    let server = Bulwark::start();
    let (_, layer) = alpine();
    let reference = server.reference("library/blobs:1");
    let client = admin();

    let before = server.requests();
    let digest = client.push_blob(&reference, &layer).unwrap();
    assert_eq!(digest, sha256(&layer));
    let after_first = server.requests();
    assert_eq!(delta(&before, &after_first, "POST", "upload", 202), 1);
    assert_eq!(delta(&before, &after_first, "PUT", "upload", 201), 1);
    assert_eq!(delta(&before, &after_first, "HEAD", "blob", 404), 1);

    assert_eq!(client.push_blob(&reference, &layer).unwrap(), digest);
    let after_second = server.requests();
    assert_eq!(delta(&after_first, &after_second, "HEAD", "blob", 200), 1);
    assert_eq!(delta(&after_first, &after_second, "POST", "upload", 202), 0);
    assert_eq!(delta(&after_first, &after_second, "PUT", "upload", 201), 0);

    let mut streamed = Vec::new();
    client.blob(&reference, &digest, &mut streamed).unwrap();
    assert!(streamed == layer, "the blob read back differs");
    let anonymous = client_anonymous();
    let small = anonymous
        .blob_bytes(&reference, &digest, layer.len() as u64)
        .unwrap();
    assert!(small == layer, "blob_bytes read back different bytes");
}

fn client_anonymous() -> RegistryClient {
    client(None)
}

/// Manifests pushed by tag and by digest read back byte for byte with `manifest()`, with
/// their media type and digest; pushing by digest adds no tag; a reference whose digest
/// does not match the content is refused before anything is sent.
#[test]
fn bulwark_manifest_push_by_tag_and_by_digest() {
    let server = Bulwark::start();
    let client = admin();
    let by_tag = server.reference("library/alpine:3.10");
    let manifest = push_alpine(&client, &by_tag);

    let fetched = client.manifest(&by_tag).unwrap();
    assert_eq!(fetched.bytes, manifest);
    assert_eq!(fetched.media_type, MEDIA_TYPE_OCI_MANIFEST);
    assert_eq!(fetched.digest, sha256(&manifest));

    // A second manifest of the same blobs, told apart by an annotation, by digest only.
    let (config, layer) = alpine();
    let variant = image_manifest(
        &config,
        &layer,
        &BTreeMap::from([("org.opencontainers.image.version", "3.10-variant")]),
    );
    let variant_ref = with_digest(&by_tag, &sha256(&variant));
    let pushed = client
        .push_manifest(&variant_ref, MEDIA_TYPE_OCI_MANIFEST, &variant)
        .unwrap();
    assert_eq!(pushed, sha256(&variant));
    let fetched = client.manifest(&variant_ref).unwrap();
    assert_eq!(fetched.bytes, variant);
    assert_eq!(fetched.digest, pushed);
    assert_eq!(client.tags(&by_tag).unwrap(), vec!["3.10".to_string()]);

    // A tag plus a digest that is not the content's: refused locally, nothing pushed.
    let lying = Reference {
        tag: Some("lying".into()),
        digest: Some(sha256(&manifest)),
        ..by_tag.clone()
    };
    let before = server.requests();
    let err = client
        .push_manifest(&lying, MEDIA_TYPE_OCI_MANIFEST, &variant)
        .unwrap_err();
    assert!(
        matches!(&err, RegistryError::ReferenceDigestMismatch { expected, actual }
            if *expected == sha256(&manifest) && *actual == sha256(&variant)),
        "{err:?}"
    );
    assert_eq!(server.requests(), before, "a refused push sent requests");
    assert!(
        client
            .manifest_if_exists(&with_tag(&by_tag, "lying"))
            .unwrap()
            .is_none()
    );
}

/// The referrers API on Bulwark: a cosign-style signature and an SPDX SBOM pushed as
/// OCI 1.1 artifacts with a `subject` are listed for that subject with the digest, size,
/// artifact type and annotations of their manifests; the `artifactType` filter returns
/// only the signature; a subject without referrers lists empty (not `None`). Then the
/// signature payload is read back the way a verifier does: manifest by digest, then its
/// layer with `blob_bytes`.
#[test]
fn bulwark_referrers_list_filter_and_read_back() {
    let server = Bulwark::start();
    let client = admin();
    let image_ref = server.reference("library/signed:1");
    let image = push_alpine(&client, &image_ref);
    let image_digest = sha256(&image);

    let payload =
        simple_signing_payload(&format!("{}/library/signed", server.host()), &image_digest);
    let signature_annotations = BTreeMap::from([(
        "dev.cosignproject.cosign/signature",
        "MEUCIQDinvented-signature-for-this-testAiB",
    )]);
    let signature = artifact_manifest(
        SIGNATURE_TYPE,
        SIMPLE_SIGNING_TYPE,
        &payload,
        &image,
        &signature_annotations,
    );
    let sbom = spdx_sbom();
    let sbom_annotations =
        BTreeMap::from([("org.opencontainers.image.created", "2024-01-01T00:00:00Z")]);
    let sbom_manifest = artifact_manifest(SBOM_TYPE, SBOM_TYPE, &sbom, &image, &sbom_annotations);
    for blob in [EMPTY_CONFIG, &payload, &sbom] {
        client.push_blob(&image_ref, blob).unwrap();
    }
    for manifest in [&signature, &sbom_manifest] {
        let by_digest = with_digest(&image_ref, &sha256(manifest));
        client
            .push_manifest(&by_digest, MEDIA_TYPE_OCI_MANIFEST, manifest)
            .unwrap();
    }

    let all = client
        .referrers(&image_ref, &image_digest, None)
        .unwrap()
        .expect("Bulwark has a referrers API");
    assert_eq!(all.len(), 2, "{all:#?}");
    let listed = |digest: &Digest| all.iter().find(|d| d.digest == *digest).unwrap();
    let sig = listed(&sha256(&signature));
    assert_eq!(sig.media_type, MEDIA_TYPE_OCI_MANIFEST);
    assert_eq!(sig.size, signature.len() as u64);
    assert_eq!(sig.artifact_type.as_deref(), Some(SIGNATURE_TYPE));
    let expected: BTreeMap<String, String> = signature_annotations
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    assert_eq!(sig.annotations, expected);
    let listed_sbom = listed(&sha256(&sbom_manifest));
    assert_eq!(listed_sbom.artifact_type.as_deref(), Some(SBOM_TYPE));
    assert_eq!(listed_sbom.size, sbom_manifest.len() as u64);

    let only_signatures = client
        .referrers(&image_ref, &image_digest, Some(SIGNATURE_TYPE))
        .unwrap()
        .unwrap();
    assert_eq!(only_signatures, vec![sig.clone()]);
    let none_of_this_type = client
        .referrers(
            &image_ref,
            &image_digest,
            Some("application/vnd.example.none+json"),
        )
        .unwrap()
        .unwrap();
    assert!(none_of_this_type.is_empty());
    let unreferenced = client
        .referrers(&image_ref, &sha256(&signature), None)
        .unwrap()
        .unwrap();
    assert!(unreferenced.is_empty(), "{unreferenced:#?}");

    // As a verifier reads a signature: its manifest by digest, then its payload layer.
    let reader = client_anonymous();
    let fetched = reader
        .manifest(&with_digest(&image_ref, &sig.digest))
        .unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&fetched.bytes).unwrap();
    let layer_digest: Digest = parsed["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let read = reader
        .blob_bytes(&image_ref, &layer_digest, 64 * 1024)
        .unwrap();
    assert_eq!(read, payload);
}

/// `manifest_if_exists` is `None` for a missing tag and for a missing repository, and the
/// manifest for an existing one; `blob_bytes` refuses a blob larger than `max` (at the
/// announced length, before reading it) and reports an unknown blob as HTTP 404.
#[test]
fn bulwark_manifest_if_exists_and_blob_bytes_limit() {
    let server = Bulwark::start();
    let client = admin();
    let reference = server.reference("library/maybe:1");
    let manifest = push_alpine(&client, &reference);

    let found = client.manifest_if_exists(&reference).unwrap().unwrap();
    assert_eq!(found.bytes, manifest);
    assert!(
        client
            .manifest_if_exists(&with_tag(&reference, "missing"))
            .unwrap()
            .is_none()
    );
    assert!(
        client
            .manifest_if_exists(&server.reference("library/no-such-repo:1"))
            .unwrap()
            .is_none()
    );

    let (config, _) = alpine();
    let digest = sha256(&config);
    let len = config.len() as u64;
    let err = client.blob_bytes(&reference, &digest, len - 1).unwrap_err();
    assert!(
        matches!(err, RegistryError::TooLarge { limit, .. } if limit == len - 1),
        "{err:?}"
    );
    assert_eq!(client.blob_bytes(&reference, &digest, len).unwrap(), config);
    let err = client
        .blob_bytes(&reference, &sha256(b"never pushed"), 1024)
        .unwrap_err();
    assert!(
        matches!(&err, RegistryError::Http { status: 404, errors, .. }
            if errors.iter().any(|e| e.code == "BLOB_UNKNOWN")),
        "{err:?}"
    );
}

/// Pushes without push permission fail with `PushDenied`, whose message says push and
/// what to do: a guest of a private project (valid credentials: its pulls work) is told
/// the credentials lack push permission; an anonymous caller on the public `library`
/// project is told to pass credentials. Neither message holds the password, nothing is
/// stored, and a developer of the same project can push.
#[test]
fn bulwark_push_without_permission_is_refused_clearly() {
    let server = Bulwark::start();
    server.add_project("secret", false);
    server.add_user("reader", "reader-password-1");
    server.set_role("secret", "reader", "guest");
    server.add_user("writer", "writer-password-1");
    server.set_role("secret", "writer", "developer");
    let image_ref = server.reference("secret/app:1");
    let image = push_alpine(&admin(), &image_ref);

    let reader = client(Some(("reader", "reader-password-1")));
    assert_eq!(reader.manifest(&image_ref).unwrap().bytes, image);
    let err = reader.push_blob(&image_ref, b"not allowed").unwrap_err();
    let RegistryError::PushDenied {
        registry,
        repository,
        status,
        anonymous,
        ..
    } = &err
    else {
        panic!("expected PushDenied, got {err:?}");
    };
    assert_eq!(
        (registry.as_str(), repository.as_str(), *status, *anonymous),
        (server.host().as_str(), "secret/app", 401, false)
    );
    let message = err.to_string();
    assert!(
        message.contains("not authorized to push to secret/app")
            && message.contains("lack push permission on that repository"),
        "{message}"
    );
    assert!(!message.contains("reader-password-1"), "{message}");
    let tagged = with_tag(&image_ref, "from-reader");
    let err = reader
        .push_manifest(&tagged, MEDIA_TYPE_OCI_MANIFEST, &image)
        .unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::PushDenied {
                anonymous: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(admin().manifest_if_exists(&tagged).unwrap().is_none());

    let anonymous = client_anonymous();
    let err = anonymous
        .push_blob(&server.reference("library/app:1"), b"not allowed either")
        .unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::PushDenied {
                anonymous: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("pass registry credentials"),
        "{err}"
    );
    let err = anonymous.manifest(&image_ref).unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err:?}");

    let writer = client(Some(("writer", "writer-password-1")));
    writer
        .push_blob(&image_ref, b"a developer may push")
        .unwrap();
    writer
        .push_manifest(
            &with_tag(&image_ref, "from-writer"),
            MEDIA_TYPE_OCI_MANIFEST,
            &image,
        )
        .unwrap();
}

/// A client that pulled first does not send its pull token with a push: the push's first
/// request (`HEAD` of the blob) goes out without it and is challenged, the client fetches
/// a second token (for `pull,push`), and no upload request is ever refused. Both tokens
/// stay cached: more pushes and pulls fetch no token and meet no challenge. (A private
/// project: in a public one anonymous pulls and `HEAD`s need no token at all.)
#[test]
fn bulwark_pull_token_is_not_reused_for_push() {
    let server = Bulwark::start();
    server.add_project("private", false);
    let reference = server.reference("private/cache:1");
    let manifest = push_alpine(&admin(), &reference);

    let client = admin();
    let start = server.requests();
    assert_eq!(client.manifest(&reference).unwrap().bytes, manifest);
    let pulled = server.requests();
    assert_eq!(delta(&start, &pulled, "GET", "manifest", 401), 1);
    assert_eq!(delta(&start, &pulled, "GET", "token", 200), 1);

    client.push_blob(&reference, b"first pushed blob").unwrap();
    let pushed = server.requests();
    // Had the pull token been sent, HEAD would have passed and POST been challenged.
    assert_eq!(delta(&pulled, &pushed, "HEAD", "blob", 401), 1);
    assert_eq!(delta(&pulled, &pushed, "GET", "token", 200), 1);
    assert_eq!(delta(&pulled, &pushed, "POST", "upload", 401), 0);
    assert_eq!(delta(&pulled, &pushed, "PUT", "upload", 401), 0);
    assert_eq!(delta(&pulled, &pushed, "POST", "upload", 202), 1);

    client.push_blob(&reference, b"second pushed blob").unwrap();
    client
        .push_manifest(
            &with_tag(&reference, "2"),
            MEDIA_TYPE_OCI_MANIFEST,
            &manifest,
        )
        .unwrap();
    assert_eq!(client.manifest(&reference).unwrap().bytes, manifest);
    let end = server.requests();
    assert_eq!(delta(&pushed, &end, "GET", "token", 200), 0);
    for (method, route) in [
        ("HEAD", "blob"),
        ("POST", "upload"),
        ("PUT", "upload"),
        ("PUT", "manifest"),
        ("GET", "manifest"),
    ] {
        assert_eq!(
            delta(&pushed, &end, method, route, 401),
            0,
            "{method} {route}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// docker-registry
// ---------------------------------------------------------------------------------------

/// Where `docker-registry`'s filesystem driver keeps a blob's bytes.
fn stored_blob(storage: &Path, digest: &Digest) -> PathBuf {
    let hex = digest.hex();
    storage.join(format!(
        "docker/registry/v2/blobs/sha256/{}/{hex}/data",
        &hex[..2]
    ))
}

/// Against the CNCF distribution registry (no auth): blobs push (twice, the second a
/// `HEAD` hit), manifests push by tag and by digest and read back byte for byte;
/// `manifest_if_exists` is `None` for a missing tag; `referrers` is `Ok(None)` because the
/// registry answers its endpoint with a plain-text 404; `blob_bytes` notices a blob whose
/// stored bytes were changed on disk.
#[test]
fn docker_registry_push_read_back_and_no_referrers_api() {
    let storage = tempfile::tempdir().unwrap();
    let registry = DockerRegistry::start(storage.path(), bulwark_testkit::Options::default());
    let client = client_anonymous();
    let reference: Reference = format!("{}/test/alpine:3.10", registry.host())
        .parse()
        .unwrap();
    let (config, layer) = alpine();
    assert_eq!(
        client.push_blob(&reference, &layer).unwrap(),
        sha256(&layer)
    );
    assert_eq!(
        client.push_blob(&reference, &layer).unwrap(),
        sha256(&layer)
    );
    assert_eq!(
        client.push_blob(&reference, &config).unwrap(),
        sha256(&config)
    );

    let manifest = image_manifest(&config, &layer, &BTreeMap::new());
    let digest = client
        .push_manifest(&reference, MEDIA_TYPE_OCI_MANIFEST, &manifest)
        .unwrap();
    assert_eq!(digest, sha256(&manifest));
    let fetched = client.manifest(&reference).unwrap();
    assert_eq!(fetched.bytes, manifest, "{}", registry.log());
    assert_eq!(fetched.media_type, MEDIA_TYPE_OCI_MANIFEST);

    let variant = image_manifest(
        &config,
        &layer,
        &BTreeMap::from([("org.opencontainers.image.version", "3.10-variant")]),
    );
    let variant_ref = with_digest(&reference, &sha256(&variant));
    client
        .push_manifest(&variant_ref, MEDIA_TYPE_OCI_MANIFEST, &variant)
        .unwrap();
    assert_eq!(client.manifest(&variant_ref).unwrap().bytes, variant);
    assert_eq!(client.tags(&reference).unwrap(), vec!["3.10".to_string()]);
    assert!(
        client
            .manifest_if_exists(&with_tag(&reference, "missing"))
            .unwrap()
            .is_none()
    );
    assert_eq!(client.referrers(&reference, &digest, None).unwrap(), None);
    assert_eq!(
        client
            .referrers(&reference, &digest, Some(SIGNATURE_TYPE))
            .unwrap(),
        None
    );

    let config_digest = sha256(&config);
    assert_eq!(
        client
            .blob_bytes(&reference, &config_digest, 64 * 1024)
            .unwrap(),
        config
    );
    // Same length, different bytes: the registry serves them; the client must refuse them.
    let path = stored_blob(storage.path(), &config_digest);
    let mut tampered = std::fs::read(&path).unwrap();
    tampered[0] ^= 0x20;
    std::fs::write(&path, &tampered).unwrap();
    let err = client
        .blob_bytes(&reference, &config_digest, 64 * 1024)
        .unwrap_err();
    assert!(
        matches!(&err, RegistryError::DigestMismatch { expected, actual, .. }
            if *expected == config_digest && *actual == sha256(&tampered)),
        "{err:?}"
    );
}
