#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The registry client against real servers.
//!
//! - a real CNCF distribution registry (`docker-registry`, Debian package) with the real
//!   `docker save` of alpine:3.10 pushed into it by `skopeo`, anonymous and with htpasswd
//!   basic auth;
//! - small hand-written HTTP servers (std `TcpListener`) for what no honest registry
//!   does: content that does not match its digest, truncated and oversized bodies,
//!   redirects, and a Docker token service. Their manifests and blobs are invented: no
//!   real file shows a lying registry.
//!
//! `docker-registry` and `skopeo` are required: install them with
//! `apt-get install -y docker-registry skopeo`. A missing tool fails the test.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use bulwark_oci::Reference;
use bulwark_oci::registry::{
    ClientOptions, Credentials, MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_OCI_MANIFEST,
    RegistryClient, RegistryError,
};
use bulwark_types::Digest;
use sha2::Digest as _;

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

fn testdata() -> PathBuf {
    std::env::var_os("BULWARK_TESTDATA").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/testdata"
            ))
        },
        PathBuf::from,
    )
}

fn alpine_archive() -> PathBuf {
    let path = testdata().join("images/alpine-310.docker.tar");
    assert!(
        path.is_file(),
        "missing test image {} (set BULWARK_TESTDATA to the shared testdata folder)",
        path.display()
    );
    path
}

fn sha256(bytes: &[u8]) -> Digest {
    Digest::sha256_hex(&hex::encode(sha2::Sha256::digest(bytes))).unwrap()
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// Options that never read the Docker config of whoever runs the tests.
fn isolated_options(dir: &Path) -> ClientOptions {
    ClientOptions {
        docker_config: Some(dir.join("no-such-config.json")),
        ..ClientOptions::default()
    }
}

/// Finds `tool` on `PATH`, failing the test with an install hint when it is missing.
fn require_tool(tool: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{tool}` is not installed; these tests need a real registry and client.\n\
                 hint: apt-get install -y docker-registry skopeo"
            )
        })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// ---------------------------------------------------------------------------------------
// A real registry: `docker-registry serve config.yml`
// ---------------------------------------------------------------------------------------

/// A running `docker-registry`, killed when dropped.
struct RealRegistry {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl RealRegistry {
    /// Starts a registry on a free loopback port storing into `storage`; with
    /// `htpasswd`, basic auth is required.
    fn start(storage: &Path, htpasswd: Option<&str>) -> Self {
        let binary = require_tool("docker-registry");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let auth = match htpasswd {
            Some(line) => {
                let path = dir.path().join("htpasswd");
                std::fs::write(&path, format!("{line}\n")).unwrap();
                format!(
                    "auth:\n  htpasswd:\n    realm: bulwark-test\n    path: {}\n",
                    path.display()
                )
            }
            None => String::new(),
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
             http:\n  addr: 127.0.0.1:{port}\n  secret: bulwark-test-secret\n{auth}",
            storage.display()
        );
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let log = dir.path().join("registry.log");
        let log_file = std::fs::File::create(&log).unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .unwrap();
        let mut registry = Self {
            child,
            port,
            log,
            _dir: dir,
        };
        registry.wait_until_ready();
        registry
    }

    fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let url = format!("http://127.0.0.1:{}/v2/", self.port);
        loop {
            // Any HTTP answer (200, or 401 with auth) means it is serving.
            match ureq::get(&url).call() {
                Ok(_) | Err(ureq::Error::StatusCode(_)) => return,
                Err(_) => {}
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "docker-registry exited with {status}:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "docker-registry did not answer on {url} within 20 s:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Pushes the real alpine:3.10 `docker save` archive as `test/alpine:3.10`.
    fn push_alpine(&self, creds: Option<&str>) {
        let skopeo = require_tool("skopeo");
        let mut command = Command::new(skopeo);
        command.args([
            "--insecure-policy",
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
        ]);
        if let Some(creds) = creds {
            command.arg(format!("--dest-creds={creds}"));
        }
        let output = command
            .arg(format!("docker-archive:{}", alpine_archive().display()))
            .arg(format!("docker://{}/test/alpine:3.10", self.host()))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "skopeo copy failed: {}\nregistry log:\n{}",
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }
}

impl Drop for RealRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads `name` from the `docker save` archive.
fn archive_member(name: &str) -> Vec<u8> {
    let mut archive = tar::Archive::new(std::fs::File::open(alpine_archive()).unwrap());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().to_str() == Some(name) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            return bytes;
        }
    }
    panic!("{name} not in the archive");
}

#[test]
fn pulls_alpine_from_a_real_registry() {
    let storage = tempfile::tempdir().unwrap();
    let registry = RealRegistry::start(storage.path(), None);
    registry.push_alpine(None);

    let client = RegistryClient::new(isolated_options(storage.path()));
    let by_tag: Reference = format!("{}/test/alpine:3.10", registry.host())
        .parse()
        .unwrap();

    // By tag: the registry sends Docker-Content-Digest, which the client checks.
    let manifest = client.manifest(&by_tag).unwrap();
    assert_eq!(manifest.media_type, MEDIA_TYPE_DOCKER_MANIFEST);
    assert_eq!(manifest.digest, sha256(&manifest.bytes));
    let announced = ureq::get(format!(
        "http://{}/v2/test/alpine/manifests/3.10",
        registry.host()
    ))
    .header("Accept", MEDIA_TYPE_DOCKER_MANIFEST)
    .call()
    .unwrap()
    .headers()
    .get("docker-content-digest")
    .unwrap()
    .to_str()
    .unwrap()
    .to_string();
    assert_eq!(manifest.digest.to_string(), announced);

    // By digest: same bytes, verified against the requested digest.
    let by_digest = by_tag.with_digest(manifest.digest.clone());
    let again = client.manifest(&by_digest).unwrap();
    assert_eq!(again.bytes, manifest.bytes);
    assert_eq!(again.digest, manifest.digest);

    // Every blob, verified by the client and again here; compared with the archive.
    let parsed: serde_json::Value = serde_json::from_slice(&manifest.bytes).unwrap();
    let archive_manifest: serde_json::Value =
        serde_json::from_slice(&archive_member("manifest.json")).unwrap();
    let archive_config_name = archive_manifest[0]["Config"].as_str().unwrap();
    let archive_config = archive_member(archive_config_name);

    let config = &parsed["config"];
    let config_digest: Digest = config["digest"].as_str().unwrap().parse().unwrap();
    let mut config_bytes = Vec::new();
    let n = client
        .blob_with_size(
            &by_tag,
            &config_digest,
            config["size"].as_u64(),
            &mut config_bytes,
        )
        .unwrap();
    assert_eq!(n, config["size"].as_u64().unwrap());
    assert_eq!(sha256(&config_bytes), config_digest);
    assert_eq!(
        config_bytes, archive_config,
        "skopeo copies the config unchanged"
    );
    let config_json: serde_json::Value = serde_json::from_slice(&config_bytes).unwrap();
    let diff_ids = config_json["rootfs"]["diff_ids"].as_array().unwrap();

    let layers = parsed["layers"].as_array().unwrap();
    assert_eq!(layers.len(), diff_ids.len());
    for (layer, diff_id) in layers.iter().zip(diff_ids) {
        let digest: Digest = layer["digest"].as_str().unwrap().parse().unwrap();
        let size = layer["size"].as_u64().unwrap();
        let mut bytes = Vec::new();
        assert_eq!(client.blob(&by_tag, &digest, &mut bytes).unwrap(), size);
        assert_eq!(bytes.len() as u64, size);
        assert_eq!(sha256(&bytes), digest);
        // skopeo compressed the archive's layer.tar; its content is the diff_id.
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut tar)
            .unwrap();
        assert_eq!(sha256(&tar).to_string(), diff_id.as_str().unwrap());

        // A descriptor promising fewer bytes than the registry serves is refused.
        let err = client
            .blob_with_size(&by_tag, &digest, Some(size - 1), &mut std::io::sink())
            .unwrap_err();
        assert!(
            matches!(err, RegistryError::TooLarge { limit, .. } if limit == size - 1),
            "{err}"
        );
    }

    assert_eq!(client.tags(&by_tag).unwrap(), vec!["3.10".to_string()]);

    // Errors carry the registry's OCI error codes.
    let missing: Reference = format!("{}/test/alpine:nope", registry.host())
        .parse()
        .unwrap();
    match client.manifest(&missing).unwrap_err() {
        RegistryError::Http {
            status,
            errors,
            url,
        } => {
            assert_eq!(status, 404);
            assert_eq!(errors[0].code, "MANIFEST_UNKNOWN");
            assert!(url.ends_with("/v2/test/alpine/manifests/nope"), "{url}");
        }
        other => panic!("expected HTTP 404, got {other:?}"),
    }
    let unknown_blob = sha256(b"not in this registry");
    match client
        .blob(&by_tag, &unknown_blob, &mut std::io::sink())
        .unwrap_err()
    {
        RegistryError::Http { status, errors, .. } => {
            assert_eq!(status, 404);
            assert_eq!(errors[0].code, "BLOB_UNKNOWN");
        }
        other => panic!("expected HTTP 404, got {other:?}"),
    }
    let other_repo: Reference = format!("{}/test/absent:1", registry.host())
        .parse()
        .unwrap();
    assert!(matches!(
        client.tags(&other_repo).unwrap_err(),
        RegistryError::Http { status: 404, .. }
    ));
}

/// `tester` / `s3cret-pass`, bcrypt cost 4 (an invented account for this test).
const HTPASSWD: &str = "tester:$2b$04$fdmJTZcDBuyUveLQF1MxK.p8/jSpI2EPvAjGa.TPvC3j4KEN2WU1C";
const PASSWORD: &str = "s3cret-pass";

#[test]
fn basic_auth_against_a_real_registry() {
    let storage = tempfile::tempdir().unwrap();
    let registry = RealRegistry::start(storage.path(), Some(HTPASSWD));
    registry.push_alpine(Some(&format!("tester:{PASSWORD}")));
    let reference: Reference = format!("{}/test/alpine:3.10", registry.host())
        .parse()
        .unwrap();

    // Anonymous: refused, with a hint and without leaking anything.
    let anonymous = RegistryClient::new(isolated_options(storage.path()));
    let err = anonymous.manifest(&reference).unwrap_err();
    assert!(
        matches!(&err, RegistryError::Unauthorized { status: 401, errors, .. } if errors[0].code == "UNAUTHORIZED"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("pass registry credentials"),
        "{err}"
    );

    // Wrong password: refused; the password is in neither message nor Debug output.
    let wrong = RegistryClient::new(ClientOptions {
        credentials: Some(Credentials {
            username: "tester".into(),
            password: "wrong-pass".into(),
        }),
        ..isolated_options(storage.path())
    });
    let err = wrong.manifest(&reference).unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err:?}");
    assert!(!format!("{err} {err:?} {wrong:?}").contains("wrong-pass"));

    // Explicit credentials.
    let explicit = RegistryClient::new(ClientOptions {
        credentials: Some(Credentials {
            username: "tester".into(),
            password: PASSWORD.into(),
        }),
        ..isolated_options(storage.path())
    });
    let manifest = explicit.manifest(&reference).unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&manifest.bytes).unwrap();
    let layer: Digest = parsed["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut sink = Vec::new();
    explicit.blob(&reference, &layer, &mut sink).unwrap();
    assert_eq!(sha256(&sink), layer);
    assert_eq!(explicit.tags(&reference).unwrap(), vec!["3.10".to_string()]);

    // Credentials from a Docker config file, keyed with and without a scheme.
    for key in [registry.host(), format!("http://{}", registry.host())] {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.json");
        std::fs::write(
            &config,
            format!(
                r#"{{"auths": {{"{key}": {{"auth": "{}"}}, "other.example.com": {{"auth": "{}"}}}}}}"#,
                b64(&format!("tester:{PASSWORD}")),
                b64("someone:else")
            ),
        )
        .unwrap();
        let from_config = RegistryClient::new(ClientOptions {
            docker_config: Some(config),
            ..ClientOptions::default()
        });
        let fetched = from_config.manifest(&reference).unwrap();
        assert_eq!(fetched.digest, manifest.digest, "{key}");
    }
}

// ---------------------------------------------------------------------------------------
// Hand-written servers for what a real registry does not do
// ---------------------------------------------------------------------------------------

/// A request as a fake server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    /// Path without the query.
    path: String,
    query: HashMap<String, String>,
    headers: HashMap<String, String>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// A one-request-per-connection HTTP/1.1 server on a loopback port, answering with the
/// raw bytes `handler` returns, and recording every request.
struct FakeServer {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeServer {
    fn start(handler: impl Fn(&Seen) -> Vec<u8> + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&log);
                std::thread::spawn(move || {
                    if let Some(request) = read_request(&stream) {
                        log.lock().unwrap().push(request.clone());
                        let mut stream = stream;
                        // The client may hang up early (size limits): ignore write errors.
                        let _ = stream.write_all(&handler(&request));
                        let _ = stream.flush();
                    }
                });
            }
        });
        Self { port, seen }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn take_seen(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

fn read_request(stream: &TcpStream) -> Option<Seen> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    Some(Seen {
        method,
        path: path.to_string(),
        query: parse_form(query),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn parse_form(text: &str) -> HashMap<String, String> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let mut out = Vec::new();
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'%' => {
                let hex: String = bytes.by_ref().take(2).map(char::from).collect();
                out.push(u8::from_str_radix(&hex, 16).unwrap());
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
    }
    String::from_utf8(out).unwrap()
}

/// A complete response with `Content-Length` and `Connection: close`.
fn respond(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// An invented OCI manifest (no real file shows the attacks below).
const GOOD_MANIFEST: &[u8] = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;
const EVIL_MANIFEST: &[u8] = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2},"layers":[]}"#;

#[test]
fn rejects_what_a_malicious_registry_serves() {
    let good = sha256(GOOD_MANIFEST);
    let evil = sha256(EVIL_MANIFEST);
    let blob: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let truncated_blob = sha256(&blob);
    let swapped_blob = sha256(b"the blob you asked for");
    let redirected_blob = sha256(b"blob behind a redirect");

    let oci = ("Content-Type", "application/vnd.oci.image.manifest.v1+json");
    let ok = |headers: &[(&str, &str)], body: &[u8]| respond("200 OK", headers, body);
    let mut truncated = ok(&[], &blob);
    truncated.truncate(truncated.len() - blob.len() / 2);
    let mut endless = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
    endless.extend(std::iter::repeat_n(b' ', 5 * 1024 * 1024));
    let routes: HashMap<String, Vec<u8>> = [
        // Asked by digest, serves other bytes.
        (format!("manifests/{good}"), ok(&[oci], EVIL_MANIFEST)),
        // Announces a digest the bytes do not have.
        (
            "manifests/lying-tag".into(),
            ok(
                &[oci, ("Docker-Content-Digest", &good.to_string())],
                EVIL_MANIFEST,
            ),
        ),
        // Without a (useful) Content-Type the media type comes from the JSON.
        (
            "manifests/honest-tag".into(),
            ok(
                &[("Docker-Content-Digest", &good.to_string())],
                GOOD_MANIFEST,
            ),
        ),
        (
            "manifests/generic-type".into(),
            ok(&[("Content-Type", "application/json")], GOOD_MANIFEST),
        ),
        // Announces 5 MiB (refused on the header); streams 5 MiB without a length.
        (
            "manifests/huge".into(),
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5242880\r\n\r\n".to_vec(),
        ),
        ("manifests/endless".into(), endless),
        (
            "manifests/broken".into(),
            respond("500 Internal Server Error", &[], b"<html>oops</html>"),
        ),
        // Half the announced length, then the connection closes.
        (format!("blobs/{truncated_blob}"), truncated),
        (
            format!("blobs/{swapped_blob}"),
            ok(&[], b"some other blob content"),
        ),
        (
            format!("blobs/{redirected_blob}"),
            respond(
                "307 Temporary Redirect",
                &[("Location", "/storage/abc?sig=1")],
                b"",
            ),
        ),
    ]
    .into_iter()
    .map(|(path, response)| (format!("/v2/evil/{path}"), response))
    .chain([(
        "/storage/abc".to_string(),
        ok(&[], b"blob behind a redirect"),
    )])
    .collect();
    let not_found = respond(
        "404 Not Found",
        &[("Content-Type", "application/json")],
        br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}"#,
    );
    let routes = move |req: &Seen| routes.get(&req.path).unwrap_or(&not_found).clone();
    let server = FakeServer::start(routes);
    let dir = tempfile::tempdir().unwrap();
    let client = RegistryClient::new(isolated_options(dir.path()));
    let reference =
        |suffix: &str| -> Reference { format!("{}/evil{suffix}", server.host()).parse().unwrap() };

    // Manifest by digest whose bytes hash to something else.
    let err = client
        .manifest(&reference(&format!("@{good}")))
        .unwrap_err();
    match &err {
        RegistryError::DigestMismatch {
            expected, actual, ..
        } => {
            assert_eq!(expected, &good);
            assert_eq!(actual, &evil);
        }
        other => panic!("expected a digest mismatch, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains(&good.to_string()) && message.contains(&evil.to_string()),
        "{message}"
    );

    // Manifest by tag whose Docker-Content-Digest does not match the bytes.
    let err = client.manifest(&reference(":lying-tag")).unwrap_err();
    assert!(
        matches!(&err, RegistryError::DigestMismatch { expected, actual, .. } if *expected == good && *actual == evil),
        "{err:?}"
    );

    // Honest answers without a (useful) Content-Type.
    for tag in [":honest-tag", ":generic-type"] {
        let fetched = client.manifest(&reference(tag)).unwrap();
        assert_eq!(fetched.media_type, MEDIA_TYPE_OCI_MANIFEST, "{tag}");
        assert_eq!(fetched.digest, good, "{tag}");
    }

    // Oversized manifests, announced or not.
    for tag in [":huge", ":endless"] {
        let err = client.manifest(&reference(tag)).unwrap_err();
        assert!(
            matches!(err, RegistryError::TooLarge { limit, .. } if limit == 4 * 1024 * 1024),
            "{tag}: {err:?}"
        );
    }

    // A blob cut off halfway.
    let mut partial = Vec::new();
    let err = client
        .blob(&reference(""), &truncated_blob, &mut partial)
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::Truncated { expected: 100_000, received, .. } if received < 100_000),
        "{err:?}"
    );

    // A blob that is a different blob.
    let err = client
        .blob(&reference(""), &swapped_blob, &mut Vec::new())
        .unwrap_err();
    assert!(
        matches!(&err, RegistryError::DigestMismatch { expected, actual, .. }
            if *expected == swapped_blob && *actual == sha256(b"some other blob content")),
        "{err:?}"
    );

    // Redirects are followed.
    let mut sink = Vec::new();
    let n = client
        .blob(&reference(""), &redirected_blob, &mut sink)
        .unwrap();
    assert_eq!(
        (n, sink.as_slice()),
        (22, b"blob behind a redirect".as_slice())
    );

    // Error statuses, with and without an OCI error body.
    match client.manifest(&reference(":absent")).unwrap_err() {
        RegistryError::Http { status, errors, .. } => {
            assert_eq!(status, 404);
            assert_eq!(errors[0].code, "NAME_UNKNOWN");
        }
        other => panic!("expected HTTP 404, got {other:?}"),
    }
    match client.manifest(&reference(":broken")).unwrap_err() {
        RegistryError::Http { status, errors, .. } => {
            assert_eq!(status, 500);
            assert!(errors.is_empty());
        }
        other => panic!("expected HTTP 500, got {other:?}"),
    }

    // Nothing reached the server unauthenticated-then-retried: no auth was involved.
    assert!(
        server
            .take_seen()
            .iter()
            .all(|r| r.header("authorization").is_none())
    );
}

#[test]
fn blob_redirects_to_another_host_drop_the_authorization_header() {
    // Storage on "localhost", registry on "127.0.0.1": different hosts to the client.
    let storage = FakeServer::start(|_| respond("200 OK", &[], b"stored elsewhere"));
    let digest = sha256(b"stored elsewhere");
    let location = format!("http://localhost:{}/blob", storage.port);
    let registry = FakeServer::start(move |req| {
        if req.header("authorization").is_none() {
            respond(
                "401 Unauthorized",
                &[("WWW-Authenticate", r#"Basic realm="x""#)],
                b"",
            )
        } else {
            respond("307 Temporary Redirect", &[("Location", &location)], b"")
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let client = RegistryClient::new(ClientOptions {
        credentials: Some(Credentials {
            username: "u".into(),
            password: "p".into(),
        }),
        ..isolated_options(dir.path())
    });
    let reference: Reference = format!("{}/r", registry.host()).parse().unwrap();
    let mut sink = Vec::new();
    client.blob(&reference, &digest, &mut sink).unwrap();
    assert_eq!(sink, b"stored elsewhere");
    let seen = registry.take_seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[1].header("authorization"),
        Some(format!("Basic {}", b64("u:p")).as_str())
    );
    // Blobs are hashed as stored, so no transfer compression is asked for.
    assert_eq!(seen[1].header("accept-encoding"), Some("identity"));
    let stored = storage.take_seen();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].header("authorization"), None);
}

// ---------------------------------------------------------------------------------------
// Docker token (bearer) flow against a hand-written token service
// ---------------------------------------------------------------------------------------

/// Registry and token service in one: repository `x` needs a token for which the token
/// service wants basic `alice:tok-pass` (or the identity token `refresh-123`);
/// repository `public` gets anonymous tokens.
fn token_server() -> FakeServer {
    FakeServer::start(|req| {
        let host = req.header("host").unwrap_or_default().to_string();
        if req.path == "/token" {
            let params = if req.method == "POST" {
                parse_form(&req.body)
            } else {
                req.query.clone()
            };
            if params.get("service").map(String::as_str) != Some("test") {
                return respond("400 Bad Request", &[], b"bad service");
            }
            let scope = params.get("scope").cloned().unwrap_or_default();
            let authorization = req.header("authorization");
            let token = match scope.as_str() {
                "repository:public:pull" if authorization.is_none() => Some("anon-token"),
                "repository:x:pull"
                    if authorization == Some(&format!("Basic {}", b64("alice:tok-pass"))) =>
                {
                    Some("good-token")
                }
                "repository:x:pull"
                    if req.method == "POST"
                        && params.get("grant_type").map(String::as_str)
                            == Some("refresh_token")
                        && params.get("refresh_token").map(String::as_str)
                            == Some("refresh-123") =>
                {
                    // OAuth2 answers use `access_token`.
                    return respond(
                        "200 OK",
                        &[("Content-Type", "application/json")],
                        br#"{"access_token":"good-token","expires_in":300}"#,
                    );
                }
                _ => None,
            };
            return match token {
                Some(token) => respond(
                    "200 OK",
                    &[("Content-Type", "application/json")],
                    format!(r#"{{"token":"{token}","expires_in":300}}"#).as_bytes(),
                ),
                None => respond(
                    "401 Unauthorized",
                    &[("Content-Type", "application/json")],
                    br#"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}"#,
                ),
            };
        }
        let (repo, wanted) = if req.path.starts_with("/v2/x/") {
            ("x", "Bearer good-token")
        } else if req.path.starts_with("/v2/public/") {
            ("public", "Bearer anon-token")
        } else {
            return respond("404 Not Found", &[], b"");
        };
        if req.header("authorization") != Some(wanted) {
            let challenge = format!(
                r#"Bearer realm="http://{host}/token",service="test",scope="repository:{repo}:pull""#
            );
            return respond(
                "401 Unauthorized",
                &[
                    ("WWW-Authenticate", &challenge),
                    ("Content-Type", "application/json"),
                ],
                br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
            );
        }
        if req.path.contains("/manifests/") {
            respond(
                "200 OK",
                &[("Content-Type", "application/vnd.oci.image.manifest.v1+json")],
                GOOD_MANIFEST,
            )
        } else if req.path.ends_with("/tags/list") {
            respond(
                "200 OK",
                &[],
                format!(r#"{{"name":"{repo}","tags":["1","2"]}}"#).as_bytes(),
            )
        } else {
            respond("200 OK", &[], b"{}")
        }
    })
}

#[test]
fn bearer_token_flow_with_basic_credentials() {
    let server = token_server();
    let dir = tempfile::tempdir().unwrap();
    let client = RegistryClient::new(ClientOptions {
        credentials: Some(Credentials {
            username: "alice".into(),
            password: "tok-pass".into(),
        }),
        ..isolated_options(dir.path())
    });
    let reference: Reference = format!("{}/x:1", server.host()).parse().unwrap();
    let manifest = client.manifest(&reference).unwrap();
    assert_eq!(manifest.bytes, GOOD_MANIFEST);

    let seen = server.take_seen();
    let summary: Vec<(&str, &str, Option<&str>)> = seen
        .iter()
        .map(|r| {
            (
                r.method.as_str(),
                r.path.as_str(),
                r.header("authorization"),
            )
        })
        .collect();
    let basic = format!("Basic {}", b64("alice:tok-pass"));
    assert_eq!(
        summary,
        vec![
            ("GET", "/v2/x/manifests/1", None),
            ("GET", "/token", Some(basic.as_str())),
            ("GET", "/v2/x/manifests/1", Some("Bearer good-token")),
        ]
    );
    assert_eq!(seen[1].query["scope"], "repository:x:pull");
    assert_eq!(seen[1].query["service"], "test");
    assert!(seen.iter().all(|r| {
        r.header("user-agent")
            .is_some_and(|ua| ua.starts_with("bulwark/"))
    }));

    // The token is cached for the repository: the blob and tag requests go straight in.
    let config = sha256(b"{}");
    let mut sink = Vec::new();
    client.blob(&reference, &config, &mut sink).unwrap();
    assert_eq!(client.tags(&reference).unwrap(), vec!["1", "2"]);
    let seen = server.take_seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen.iter()
            .all(|r| r.header("authorization") == Some("Bearer good-token"))
    );
}

#[test]
fn bearer_token_flow_anonymous_and_refused() {
    let server = token_server();
    let dir = tempfile::tempdir().unwrap();

    // Anonymous token for a public repository.
    let anonymous = RegistryClient::new(isolated_options(dir.path()));
    let public: Reference = format!("{}/public:1", server.host()).parse().unwrap();
    anonymous.manifest(&public).unwrap();
    let seen = server.take_seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[1].path, "/token");
    assert_eq!(seen[1].header("authorization"), None);
    assert_eq!(seen[2].header("authorization"), Some("Bearer anon-token"));

    // Anonymous on a private repository: the token service refuses.
    let private: Reference = format!("{}/x:1", server.host()).parse().unwrap();
    let err = anonymous.manifest(&private).unwrap_err();
    assert!(
        matches!(&err, RegistryError::Unauthorized { repository, status: 401, .. } if repository == "x"),
        "{err:?}"
    );

    // A wrong password: refused, and never shown.
    let wrong = RegistryClient::new(ClientOptions {
        credentials: Some(Credentials {
            username: "alice".into(),
            password: "not-her-password".into(),
        }),
        ..isolated_options(dir.path())
    });
    let err = wrong.manifest(&private).unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err:?}");
    let shown = format!("{err} {err:?} {wrong:?}");
    assert!(!shown.contains("not-her-password") && !shown.contains(&b64("alice:not-her-password")));
}

#[test]
fn bearer_token_flow_with_docker_config_credentials() {
    let server = token_server();
    let reference: Reference = format!("{}/x:1", server.host()).parse().unwrap();

    // `auth` entry: basic credentials for the token service.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"auths": {{"https://{}": {{"auth": "{}"}}}}, "credsStore": "desktop"}}"#,
            server.host(),
            b64("alice:tok-pass")
        ),
    )
    .unwrap();
    let client = RegistryClient::new(ClientOptions {
        docker_config: Some(config.clone()),
        ..ClientOptions::default()
    });
    client.manifest(&reference).unwrap();
    let seen = server.take_seen();
    assert_eq!(
        seen[1].header("authorization"),
        Some(format!("Basic {}", b64("alice:tok-pass")).as_str())
    );

    // `identitytoken` entry: exchanged with an OAuth2 refresh-token POST.
    std::fs::write(
        &config,
        format!(
            r#"{{"auths": {{"{}": {{"auth": "{}", "identitytoken": "refresh-123"}}}}}}"#,
            server.host(),
            b64("00000000-0000-0000-0000-000000000000:")
        ),
    )
    .unwrap();
    let client = RegistryClient::new(ClientOptions {
        docker_config: Some(config),
        ..ClientOptions::default()
    });
    client.manifest(&reference).unwrap();
    let seen = server.take_seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(
        (seen[1].method.as_str(), seen[1].path.as_str()),
        ("POST", "/token")
    );
    let form = parse_form(&seen[1].body);
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(form["refresh_token"], "refresh-123");
    assert_eq!(form["scope"], "repository:x:pull");
    assert_eq!(form["service"], "test");
    assert_eq!(seen[2].header("authorization"), Some("Bearer good-token"));
}
