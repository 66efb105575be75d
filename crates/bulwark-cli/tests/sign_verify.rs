#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! `bulwark key`, `sign`, `attest`, `scan --attest`, `sbom --attest` and `verify` against a
//! real `bulwark serve` and a real Go docker-registry over 127.0.0.1:
//!
//! - the multi-stage pipeline (CI signs, the scan attests, staging signs) passes the
//!   production policy, and dropping any one stage fails naming exactly that stage;
//! - tampering: a moved tag, a modified payload, another key, a signature replayed from
//!   another image, a truncated envelope, an expired key, a stale attestation: each
//!   rejected with its own reason;
//! - the cosign storage layout on disk: `sha256-<hex>.sig`/`.att` tags with cosign's media
//!   types and annotations, one layer per signature, appended; referrers on Bulwark, the
//!   tag scheme alone on docker-registry.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::server::{BulwarkServer, ServerOptions, basic_auth};
use common::{sha256, text};

const PASSPHRASE: &str = "correct horse battery staple";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// A registry under test: Bulwark (with admin credentials) or docker-registry (none).
struct Target {
    host: String,
    creds: Option<(String, String)>,
    agent: ureq::Agent,
    _bulwark: Option<BulwarkServer>,
    _docker: Option<bulwark_testkit::DockerRegistry>,
    _storage: Option<tempfile::TempDir>,
}

impl Target {
    fn start_bulwark() -> Self {
        let server = BulwarkServer::start(ServerOptions::default());
        Self {
            host: server.host(),
            creds: Some(("admin".into(), server.admin_password().into())),
            agent: server.agent().clone(),
            _bulwark: Some(server),
            _docker: None,
            _storage: None,
        }
    }

    fn start_docker() -> Self {
        let storage = tempfile::tempdir().unwrap();
        let registry = bulwark_testkit::DockerRegistry::start(
            storage.path(),
            bulwark_testkit::Options::default(),
        );
        Self {
            host: registry.host(),
            creds: None,
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .new_agent(),
            _bulwark: None,
            _docker: Some(registry),
            _storage: Some(storage),
        }
    }

    /// Runs `bulwark ARGS` with the registry credentials and key passphrase in the
    /// environment.
    fn bulwark(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bulwark"));
        cmd.args(args)
            .env("BULWARK_KEY_PASSPHRASE", PASSPHRASE)
            .env_remove("COSIGN_PASSWORD")
            .env("DOCKER_CONFIG", "/nonexistent");
        match &self.creds {
            Some((user, password)) => {
                cmd.env("BULWARK_REGISTRY_USERNAME", user)
                    .env("BULWARK_REGISTRY_PASSWORD", password);
            }
            None => {
                cmd.env_remove("BULWARK_REGISTRY_USERNAME")
                    .env_remove("BULWARK_REGISTRY_PASSWORD");
            }
        }
        cmd.output().expect("run bulwark")
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.bulwark(args);
        assert!(out.status.success(), "bulwark {args:?}: {}", text(&out));
        out
    }

    fn request(&self, method: &str, path: &str) -> ureq::RequestBuilder<ureq::typestate::WithBody> {
        let url = format!("http://{}{path}", self.host);
        let mut req = match method {
            "PUT" => self.agent.put(&url),
            "POST" => self.agent.post(&url),
            "PATCH" => self.agent.patch(&url),
            _ => panic!("{method}"),
        };
        if let Some((u, p)) = &self.creds {
            req = req.header("Authorization", basic_auth(u, p));
        }
        req
    }

    fn get(&self, path: &str, accept: &str) -> (u16, Vec<u8>) {
        let mut req = self
            .agent
            .get(format!("http://{}{path}", self.host))
            .header("Accept", accept);
        if let Some((u, p)) = &self.creds {
            req = req.header("Authorization", basic_auth(u, p));
        }
        let mut resp = req.call().unwrap();
        let status = resp.status().as_u16();
        (status, resp.body_mut().read_to_vec().unwrap())
    }

    fn push_blob(&self, repo: &str, data: &[u8]) -> String {
        let digest = sha256(data);
        let resp = self
            .request("POST", &format!("/v2/{repo}/blobs/uploads/"))
            .send_empty()
            .unwrap();
        assert_eq!(resp.status(), 202, "start upload");
        let location = resp.headers()["location"].to_str().unwrap().to_string();
        let url = if location.starts_with("http") {
            location
        } else {
            format!("http://{}{location}", self.host)
        };
        let sep = if url.contains('?') { '&' } else { '?' };
        let mut req = self.agent.put(format!("{url}{sep}digest={digest}"));
        if let Some((u, p)) = &self.creds {
            req = req.header("Authorization", basic_auth(u, p));
        }
        let resp = req
            .header("Content-Type", "application/octet-stream")
            .send(data)
            .unwrap();
        assert_eq!(resp.status(), 201, "finish upload");
        digest
    }

    fn put_manifest(&self, repo: &str, reference: &str, bytes: &[u8]) {
        let resp = self
            .request("PUT", &format!("/v2/{repo}/manifests/{reference}"))
            .header("Content-Type", OCI_MANIFEST)
            .send(bytes)
            .unwrap();
        assert_eq!(resp.status(), 201, "put manifest {repo}:{reference}");
    }

    fn manifest(&self, repo: &str, reference: &str) -> Option<serde_json::Value> {
        let (status, body) = self.get(&format!("/v2/{repo}/manifests/{reference}"), OCI_MANIFEST);
        (status == 200).then(|| serde_json::from_slice(&body).unwrap())
    }

    fn blob(&self, repo: &str, digest: &str) -> Vec<u8> {
        let (status, body) = self.get(&format!("/v2/{repo}/blobs/{digest}"), "*/*");
        assert_eq!(status, 200, "blob {digest}");
        body
    }

    /// A small, real image (one gzip layer with a file, a config naming its diff ID),
    /// distinct per `salt`; returns its manifest digest.
    fn push_image(&self, repo: &str, tag: &str, salt: &str) -> String {
        let mut tar = tar::Builder::new(Vec::new());
        let content = format!("image {salt}\n");
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, "etc/bulwark-test", content.as_bytes())
            .unwrap();
        let tar = tar.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar).unwrap();
        let layer = gz.finish().unwrap();
        let config = serde_json::json!({
            "architecture": "amd64", "os": "linux",
            "config": { "Labels": { "salt": salt } },
            "rootfs": { "type": "layers", "diff_ids": [sha256(&tar)] },
        });
        let config = serde_json::to_vec(&config).unwrap();
        let layer_digest = self.push_blob(repo, &layer);
        let config_digest = self.push_blob(repo, &config);
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len() },
            "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": layer.len() }],
        }))
        .unwrap();
        self.put_manifest(repo, tag, &manifest);
        sha256(&manifest)
    }
}

/// Keys `ci`, `scan`, `staging` and `other` in a temporary directory, made by
/// `bulwark key generate`.
struct Keys {
    dir: tempfile::TempDir,
}

impl Keys {
    fn new(target: &Target) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for name in ["ci", "scan", "staging", "other"] {
            let prefix = dir.path().join(name);
            target.ok(&[
                "key",
                "generate",
                "--output-prefix",
                prefix.to_str().unwrap(),
            ]);
        }
        Self { dir }
    }

    fn private(&self, name: &str) -> String {
        self.dir
            .path()
            .join(format!("{name}.key"))
            .display()
            .to_string()
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a policy file (keys resolved relative to it) and returns its path.
    fn policy(&self, name: &str, body: &str) -> PathBuf {
        let path = self.dir.path().join(format!("{name}.toml"));
        let keys = "[keys.ci]\npath = \"ci.pub\"\n[keys.scan]\npath = \"scan.pub\"\n[keys.staging]\npath = \"staging.pub\"\n";
        std::fs::write(&path, format!("{keys}{body}")).unwrap();
        path
    }

    /// Production: CI signed (stage=ci), the scanner attested vulnerabilities within a
    /// day, staging signed (stage=staging).
    fn production(&self) -> PathBuf {
        self.policy(
            "production",
            r#"
[[require]]
name = "ci"
keys = ["ci"]
annotations = { stage = "ci" }

[[require]]
name = "scan"
attestation = "vuln"
keys = ["scan"]
max_age = "24h"

[[require]]
name = "staging"
keys = ["staging"]
annotations = { stage = "staging" }
"#,
        )
    }
}

/// Runs `verify --format json`; returns (exit code, report).
fn verify(target: &Target, image: &str, policy: &Path) -> (i32, serde_json::Value) {
    let out = target.bulwark(&[
        "verify",
        image,
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let code = out.status.code().unwrap();
    assert!(code == 0 || code == 1, "verify {image}: {}", text(&out));
    (
        code,
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out))),
    )
}

fn failed(report: &serde_json::Value) -> Vec<String> {
    report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["passed"] == false)
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

fn problems(report: &serde_json::Value, requirement: &str) -> String {
    report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == requirement)
        .map(|r| r["problems"].to_string())
        .unwrap_or_default()
}

/// Runs the stages of the pipeline named in `stages` on `image`.
fn pipeline(target: &Target, keys: &Keys, image: &str, stages: &[&str], db: &Path) {
    for stage in stages {
        match *stage {
            "ci" => {
                target.ok(&[
                    "sign",
                    "--key",
                    &keys.private("ci"),
                    "-a",
                    "stage=ci",
                    "-a",
                    "commit=0123abc",
                    image,
                ]);
            }
            "scan" => {
                target.ok(&[
                    "scan",
                    "-q",
                    image,
                    "--db",
                    db.to_str().unwrap(),
                    "--format",
                    "json",
                    "--attest",
                    "--key",
                    &keys.private("scan"),
                ]);
            }
            "staging" => {
                target.ok(&[
                    "sign",
                    "--key",
                    &keys.private("staging"),
                    "-a",
                    "stage=staging",
                    image,
                ]);
            }
            other => panic!("{other}"),
        }
    }
}

#[test]
fn multi_stage_pipeline_passes_and_each_missing_stage_is_named() {
    let target = Target::start_bulwark();
    let keys = Keys::new(&target);
    let db = common::alpine_db(keys.path());
    let policy = keys.production();

    // The real alpine image, through every stage.
    let image = format!("{}/library/app:1.0", target.host);
    let out = Command::new("skopeo")
        .args([
            "copy",
            "-q",
            "--dest-tls-verify=false",
            "--dest-creds",
            &format!("admin:{}", target.creds.as_ref().unwrap().1),
        ])
        .arg(common::alpine_image())
        .arg(format!("docker://{image}"))
        .output()
        .expect("skopeo (apt-get install skopeo)");
    assert!(out.status.success(), "skopeo: {}", text(&out));
    pipeline(&target, &keys, &image, &["ci", "scan", "staging"], &db);
    let (code, report) = verify(&target, &image, &policy);
    assert_eq!(code, 0, "{report:#}");
    assert!(failed(&report).is_empty());
    let by: Vec<&str> = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["satisfied_by"][0]["key"].as_str().unwrap())
        .collect();
    assert_eq!(by, ["ci", "scan", "staging"]);
    // The vuln attestation carries the real scan: alpine 3.10 has known vulnerabilities.
    let digest = report["digest"].as_str().unwrap().to_string();
    let att_tag = format!("sha256-{}.att", digest.trim_start_matches("sha256:"));
    let att = target.manifest("library/app", &att_tag).expect(".att tag");
    let envelope: serde_json::Value = serde_json::from_slice(
        &target.blob("library/app", att["layers"][0]["digest"].as_str().unwrap()),
    )
    .unwrap();
    use base64::Engine as _;
    let statement: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(envelope["payload"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        statement["predicateType"],
        "https://cosign.sigstore.dev/attestation/vuln/v1"
    );
    assert_eq!(
        statement["subject"][0]["digest"]["sha256"],
        digest.trim_start_matches("sha256:")
    );
    let findings = statement["predicate"]["scanner"]["result"]["findings"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert!(findings > 0, "scan result in the predicate: {statement:#}");

    // The human output names every stage and the verdict.
    let out = target.bulwark(&["verify", &image, "--policy", policy.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", text(&out));
    for line in ["PASS  ci", "PASS  scan", "PASS  staging", "verified: all 3"] {
        assert!(stdout.contains(line), "{line:?} in {stdout}");
    }

    // Each stage left out in turn, on its own image: verification fails naming it alone.
    for (i, missing) in ["ci", "scan", "staging"].into_iter().enumerate() {
        let tag = format!("missing-{missing}");
        target.push_image("library/app", &tag, &format!("salt{i}"));
        let image = format!("{}/library/app:{tag}", target.host);
        let stages: Vec<&str> = ["ci", "scan", "staging"]
            .into_iter()
            .filter(|s| *s != missing)
            .collect();
        pipeline(&target, &keys, &image, &stages, &db);
        let (code, report) = verify(&target, &image, &policy);
        assert_eq!(code, 1, "{missing}: {report:#}");
        assert_eq!(failed(&report), [missing], "{report:#}");
        let out = target.bulwark(&["verify", &image, "--policy", policy.to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(&format!("FAIL  {missing}")), "{stdout}");
        assert!(stdout.contains(&format!("not met: {missing}")), "{stdout}");
    }
}

/// Replaces layer `index` of the manifest under `tag` with `new_blob` (keeping its
/// annotations) and pushes the result under `to_tag`.
fn rewrite_layer(target: &Target, repo: &str, tag: &str, to_tag: &str, new_blob: Option<&[u8]>) {
    let mut manifest = target.manifest(repo, tag).expect("signature manifest");
    if let Some(blob) = new_blob {
        let digest = target.push_blob(repo, blob);
        manifest["layers"][0]["digest"] = serde_json::json!(digest);
        manifest["layers"][0]["size"] = serde_json::json!(blob.len());
    }
    target.put_manifest(repo, to_tag, &serde_json::to_vec(&manifest).unwrap());
}

fn sig_tag(digest: &str, suffix: &str) -> String {
    format!("sha256-{}.{suffix}", digest.trim_start_matches("sha256:"))
}

/// On docker-registry, which has no referrers API, so the tag scheme holds the only copy
/// of each signature and tampering with it cannot be papered over by a referrer copy.
#[test]
fn tampering_is_rejected_with_a_precise_reason() {
    let target = Target::start_docker();
    let keys = Keys::new(&target);
    let repo = "library/tamper";
    let ci_only = keys.policy("ci-only", "[[require]]\nname = \"ci\"\nkeys = [\"ci\"]\n");

    // A moved tag: ci signed v1 at A; v1 now names B.
    let a = target.push_image(repo, "v1", "a");
    let v1 = format!("{}/{repo}:v1", target.host);
    target.ok(&["sign", "--key", &keys.private("ci"), &v1]);
    assert_eq!(verify(&target, &v1, &ci_only).0, 0);
    let b = target.push_image(repo, "v1", "b");
    let (code, report) = verify(&target, &v1, &ci_only);
    assert_eq!(code, 1);
    let why = problems(&report, "ci");
    assert!(
        why.contains("tag moved") && why.contains(&a) && why.contains(&b),
        "{why}"
    );
    // Pinned to A, the old signature still holds.
    let pinned = format!("{}/{repo}@{a}", target.host);
    assert_eq!(verify(&target, &pinned, &ci_only).0, 0);

    // A replayed signature: A's signatures copied onto B's .sig tag.
    rewrite_layer(
        &target,
        repo,
        &sig_tag(&a, "sig"),
        &sig_tag(&b, "sig"),
        None,
    );
    let (code, report) = verify(&target, &v1, &ci_only);
    assert_eq!(code, 1);
    let why = problems(&report, "ci");
    assert!(
        why.contains("payload digest mismatch") && why.contains(&a),
        "{why}"
    );

    // A modified payload: same signature, payload edited to name B.
    let c = target.push_image(repo, "c", "c");
    let c_ref = format!("{}/{repo}:c", target.host);
    target.ok(&["sign", "--key", &keys.private("ci"), &c_ref]);
    let manifest = target.manifest(repo, &sig_tag(&c, "sig")).unwrap();
    let payload = target.blob(repo, manifest["layers"][0]["digest"].as_str().unwrap());
    let edited = String::from_utf8(payload).unwrap().replace(":c\"", ":c2\"");
    rewrite_layer(
        &target,
        repo,
        &sig_tag(&c, "sig"),
        &sig_tag(&c, "sig"),
        Some(edited.as_bytes()),
    );
    let (code, report) = verify(&target, &c_ref, &ci_only);
    assert_eq!(code, 1);
    let why = problems(&report, "ci");
    assert!(
        why.contains("wrong key") && why.contains("payload was altered"),
        "{why}"
    );

    // Another key: signed by a key the policy names for another stage, and by an unknown one.
    let d = target.push_image(repo, "d", "d");
    let d_ref = format!("{}/{repo}:d", target.host);
    target.ok(&["sign", "--key", &keys.private("scan"), &d_ref]);
    target.ok(&["sign", "--key", &keys.private("other"), &d_ref]);
    let (code, report) = verify(&target, &d_ref, &ci_only);
    assert_eq!(code, 1);
    let why = problems(&report, "ci");
    assert!(
        why.contains("none of the 2 signature(s) verifies with key ci")
            && why.contains("signed by scan"),
        "{why}"
    );
    assert!(target.manifest(repo, &sig_tag(&d, "sig")).is_some());

    // A truncated envelope: the attestation's layer replaced by its first half.
    let e = target.push_image(repo, "e", "e");
    let e_ref = format!("{}/{repo}:e", target.host);
    let predicate = keys.path().join("provenance.json");
    std::fs::write(&predicate, r#"{"buildDefinition":{"buildType":"x"},"runDetails":{"metadata":{"finishedOn":"2026-11-23T00:00:00Z"}}}"#).unwrap();
    target.ok(&[
        "attest",
        "--key",
        &keys.private("ci"),
        "--type",
        "slsaprovenance1",
        "--predicate",
        predicate.to_str().unwrap(),
        &e_ref,
    ]);
    let att_policy = keys.policy(
        "att",
        "[[require]]\nname = \"provenance\"\nattestation = \"slsaprovenance1\"\nkeys = [\"ci\"]\n",
    );
    assert_eq!(verify(&target, &e_ref, &att_policy).0, 0);
    let manifest = target.manifest(repo, &sig_tag(&e, "att")).unwrap();
    let envelope = target.blob(repo, manifest["layers"][0]["digest"].as_str().unwrap());
    rewrite_layer(
        &target,
        repo,
        &sig_tag(&e, "att"),
        &sig_tag(&e, "att"),
        Some(&envelope[..envelope.len() / 2]),
    );
    let (code, report) = verify(&target, &format!("{}/{repo}@{e}", target.host), &att_policy);
    assert_eq!(code, 1);
    let why = problems(&report, "provenance");
    assert!(why.contains("not a DSSE envelope"), "{why}");

    // An expired key, and a stale attestation.
    let expired = keys
        .policy("expired", "[[require]]\nname = \"ci\"\nkeys = [\"ci\"]\n")
        .to_str()
        .unwrap()
        .to_string();
    std::fs::write(
        &expired,
        "[keys.ci]\npath = \"ci.pub\"\nnot_after = \"2020-01-01T00:00:00Z\"\n[[require]]\nname = \"ci\"\nkeys = [\"ci\"]\n",
    )
    .unwrap();
    let (code, report) = verify(&target, &pinned, Path::new(&expired));
    assert_eq!(code, 1);
    assert!(
        problems(&report, "ci").contains("expired on 2020-01-01"),
        "{report:#}"
    );
    let old = keys.path().join("old-scan.json");
    std::fs::write(&old, r#"{"scanner":{"uri":"x","version":"1","result":{}},"metadata":{"scanStartedOn":"2020-01-01T00:00:00Z","scanFinishedOn":"2020-01-01T00:05:00Z"}}"#).unwrap();
    target.ok(&[
        "attest",
        "--key",
        &keys.private("scan"),
        "--type",
        "vuln",
        "--predicate",
        old.to_str().unwrap(),
        &pinned,
    ]);
    let fresh = keys.policy("fresh", "[[require]]\nname = \"scan\"\nattestation = \"vuln\"\nkeys = [\"scan\"]\nmax_age = \"24h\"\n");
    let (code, report) = verify(&target, &pinned, &fresh);
    assert_eq!(code, 1);
    let why = problems(&report, "scan");
    assert!(
        why.contains("expired") && why.contains("2020-01-01T00:05:00Z"),
        "{why}"
    );
}

#[test]
fn storage_follows_cosign_layout_and_appends() {
    for target in [Target::start_bulwark(), Target::start_docker()] {
        let keys = Keys::new(&target);
        let repo = "library/layout";
        let digest = target.push_image(repo, "latest", "layout");
        let image = format!("{}/{repo}:latest", target.host);
        let out = target.ok(&[
            "sign",
            "--key",
            &keys.private("ci"),
            "-a",
            "stage=ci",
            "--json",
            &image,
        ]);
        let first: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(first["image"], digest);
        assert_eq!(first["appended"], true);
        let bulwark = target._bulwark.is_some();
        assert_eq!(
            first["referrer"].is_string(),
            bulwark,
            "referrers only where the API exists"
        );
        // Signing again with the same key and payload stores nothing new (ECDSA signatures
        // differ each time, so a second signature is a new layer: cosign appends too).
        target.ok(&["sign", "--key", &keys.private("staging"), &image]);
        let manifest = target
            .manifest(repo, &sig_tag(&digest, "sig"))
            .expect(".sig tag");
        let layers = manifest["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 2, "{manifest:#}");
        for layer in layers {
            assert_eq!(
                layer["mediaType"],
                "application/vnd.dev.cosign.simplesigning.v1+json"
            );
            assert!(
                layer["annotations"]["dev.cosignproject.cosign/signature"]
                    .as_str()
                    .unwrap()
                    .len()
                    > 40
            );
        }
        let config: serde_json::Value = serde_json::from_slice(
            &target.blob(repo, manifest["config"]["digest"].as_str().unwrap()),
        )
        .unwrap();
        assert_eq!(config["rootfs"]["diff_ids"][1], layers[1]["digest"]);
        let payload: serde_json::Value =
            serde_json::from_slice(&target.blob(repo, layers[0]["digest"].as_str().unwrap()))
                .unwrap();
        assert_eq!(
            payload["critical"]["type"],
            "cosign container image signature"
        );
        assert_eq!(
            payload["critical"]["image"]["docker-manifest-digest"],
            digest
        );
        assert_eq!(
            payload["critical"]["identity"]["docker-reference"],
            format!("{}/{repo}:latest", target.host)
        );
        assert_eq!(payload["optional"]["stage"], "ci");

        // An SBOM attestation, then both stages verified by key flags alone.
        target.ok(&[
            "sbom",
            "-q",
            &image,
            "--format",
            "json",
            "--attest",
            "--key",
            &keys.private("scan"),
        ]);
        let att = target
            .manifest(repo, &sig_tag(&digest, "att"))
            .expect(".att tag");
        assert_eq!(
            att["layers"][0]["mediaType"],
            "application/vnd.dsse.envelope.v1+json"
        );
        assert_eq!(
            att["layers"][0]["annotations"]["predicateType"],
            "https://cyclonedx.org/bom"
        );
        let ci_pub = keys.path().join("ci.pub");
        let scan_pub = keys.path().join("scan.pub");
        let staging_pub = keys.path().join("staging.pub");
        target.ok(&[
            "verify",
            &image,
            "--key",
            ci_pub.to_str().unwrap(),
            "--key",
            staging_pub.to_str().unwrap(),
        ]);
        target.ok(&[
            "verify",
            &image,
            "--key",
            scan_pub.to_str().unwrap(),
            "--type",
            "cyclonedx",
        ]);
        let out = target.bulwark(&[
            "verify",
            &image,
            "--key",
            staging_pub.to_str().unwrap(),
            "-a",
            "stage=ci",
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("lacks annotation stage=ci"),
            "{}",
            text(&out)
        );

        // An independent reader (Python, `cryptography`) checks the layout field by field
        // and verifies each signature: ci's and the Ed25519 key's signature, scan's
        // attestation.
        let ed = keys.path().join("ed");
        target.ok(&[
            "key",
            "generate",
            "--algorithm",
            "ed25519",
            "--output-prefix",
            ed.to_str().unwrap(),
        ]);
        target.ok(&["sign", "--key", &keys.private("ed"), &image]);
        for (key, sigs, atts) in [("ci", 1, 0), ("scan", 0, 1), ("ed", 1, 0), ("other", 0, 0)] {
            let pubkey = keys.path().join(format!("{key}.pub"));
            let mut cmd = Command::new("python3");
            cmd.arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/interop/cosign_layout.py"
            ))
            .args([
                &target.host,
                repo,
                &digest,
                pubkey.to_str().unwrap(),
                &sigs.to_string(),
                &atts.to_string(),
            ]);
            if let Some((u, p)) = &target.creds {
                cmd.env("REGISTRY_USER", u).env("REGISTRY_PASSWORD", p);
            }
            let out = cmd.output().expect("python3");
            assert!(out.status.success(), "{key}: {}", text(&out));
            let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(summary["signatures"], 3, "{summary}");
            assert_eq!(summary["predicate_types"][0], "https://cyclonedx.org/bom");
        }

        if bulwark {
            let (status, body) = target.get(
                &format!("/v2/{repo}/referrers/{digest}"),
                "application/vnd.oci.image.index.v1+json",
            );
            assert_eq!(status, 200);
            let index: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let types: Vec<&str> = index["manifests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["artifactType"].as_str().unwrap_or(""))
                .collect();
            assert_eq!(
                types
                    .iter()
                    .filter(|t| **t == "application/vnd.dev.cosign.artifact.sig.v1+json")
                    .count(),
                3,
                "{index:#}"
            );
            assert_eq!(
                types
                    .iter()
                    .filter(|t| **t == "application/vnd.dsse.envelope.v1+json")
                    .count(),
                1,
                "{index:#}"
            );
        }
    }
}

#[test]
fn bad_input_gets_clear_errors() {
    let target = Target::start_bulwark();
    let keys = Keys::new(&target);
    let image = format!("{}/library/app:none", target.host);
    // A wrong passphrase.
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["sign", "--key", &keys.private("ci"), &image])
        .env("BULWARK_KEY_PASSPHRASE", "wrong")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("passphrase"),
        "{}",
        text(&out)
    );
    // A missing image.
    let out = target.bulwark(&["sign", "--key", &keys.private("ci"), &image]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot resolve"),
        "{}",
        text(&out)
    );
    // A malformed policy.
    target.push_image("library/app", "none", "x");
    let bad = keys.path().join("bad.toml");
    std::fs::write(&bad, "[[require]]\nname = \"ci\"\nkeys = [\"nobody\"]\n").unwrap();
    let out = target.bulwark(&["verify", &image, "--policy", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not defined under [keys]"),
        "{}",
        text(&out)
    );
    // Key files are not overwritten without --force, and the private key is 0600.
    let prefix = keys.path().join("ci");
    let out = target.bulwark(&[
        "key",
        "generate",
        "--output-prefix",
        prefix.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(keys.path().join("ci.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // An unsigned image fails with "no signatures".
    let out = target.bulwark(&[
        "verify",
        &image,
        "--key",
        keys.path().join("ci.pub").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("no signatures found"),
        "{}",
        text(&out)
    );
}
