#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Interoperability with independent implementations, run through the Python
//! scripts in `tests/interop/`: pyca/cryptography (signatures, keys), PyNaCl +
//! hashlib.scrypt (cosign's encrypted key format, implemented there from the
//! format description), securesystemslib and in-toto (DSSE), in-toto-attestation
//! (Statement v1 validation).
//!
//! These tests fail, never skip, when Python or a module is missing; the
//! message says how to install them (`tests/interop/requirements.txt`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use bulwark_sign::{
    Envelope, INTOTO_PAYLOAD_TYPE, KeyAlgorithm, KeyError, PublicKey, STATEMENT_V1, SignatureError,
    SigningKey, SimpleSigning, Statement, pae, predicate_type_for,
};

const DIGEST_HEX: &str = "97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36";
const ALGORITHMS: [(KeyAlgorithm, &str); 2] = [
    (KeyAlgorithm::EcdsaP256, "p256"),
    (KeyAlgorithm::Ed25519, "ed25519"),
];

fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// Runs `python3 tests/interop/<script> args...`; returns the output whatever the
/// exit code, but fails the test with an install hint if Python or a module is missing.
fn python(script: &str, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut command = Command::new("python3");
    command
        .arg(scripts_dir().join(script))
        .current_dir(scripts_dir());
    for arg in args {
        command.arg(arg);
    }
    let output = command.output().unwrap_or_else(|e| {
        panic!("cannot run python3 ({e}); hint: install Python 3 and `python3 -m pip install -r crates/bulwark-sign/tests/interop/requirements.txt`")
    });
    if output.status.code() == Some(3) {
        panic!("{}", String::from_utf8_lossy(&output.stderr));
    }
    output
}

/// Like [`python`], but the script must succeed; returns its stdout.
fn python_ok(script: &str, args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let output = python(script, args);
    assert!(
        output.status.success(),
        "{script} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn python_cryptography_verifies_our_simple_signing_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let mut payload =
        SimpleSigning::new("registry.example/team/app", &format!("sha256:{DIGEST_HEX}"));
    payload.optional.insert("creator".into(), "bulwark".into());
    let payload = payload.to_payload();
    let payload_path = write(dir.path(), "payload.json", &payload);
    for (algorithm, name) in ALGORITHMS {
        let key = SigningKey::generate(algorithm);
        let public = write(
            dir.path(),
            &format!("{name}.pub"),
            key.public_key().to_pem(),
        );
        let signature = write(dir.path(), &format!("{name}.sig"), key.sign(&payload));
        assert_eq!(
            python_ok("verify_signature.py", &[&public, &payload_path, &signature]).trim(),
            "ok"
        );

        // The same signature over a payload with one byte changed must not verify.
        let mut altered = payload.clone();
        altered[20] ^= 1;
        let altered_path = write(dir.path(), "altered.json", &altered);
        let output = python("verify_signature.py", &[&public, &altered_path, &signature]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn python_decrypts_our_encrypted_private_keys() {
    let dir = tempfile::tempdir().unwrap();
    for (algorithm, name) in ALGORITHMS {
        let key = SigningKey::generate(algorithm);
        let pem = key.to_encrypted_pem(b"s3cret passphrase").unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        let path = write(dir.path(), &format!("{name}.key"), &pem);

        let out = python_ok("cosign_key.py", &[&"decrypt", &path, &"s3cret passphrase"]);
        let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            summary["params"],
            serde_json::json!({"N": 65536, "r": 8, "p": 1})
        );
        assert_eq!(summary["salt_len"], 32);
        let python_public = PublicKey::from_pem(summary["public_pem"].as_str().unwrap()).unwrap();
        assert_eq!(python_public, key.public_key(), "{name}");

        let wrong = python("cosign_key.py", &[&"decrypt", &path, &"s3cret passphrasE"]);
        assert_eq!(
            wrong.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&wrong.stderr)
        );

        // Cost of reading a key with cosign's scrypt parameters (N=2^16, r=8, p=1).
        // Reported, never asserted (STYLE.md: no timed assertions in tests).
        let started = Instant::now();
        let back = SigningKey::from_pem(&pem, b"s3cret passphrase").unwrap();
        eprintln!(
            "from_pem({name}, encrypted, N=65536 r=8 p=1) took {:?}",
            started.elapsed()
        );
        assert_eq!(back.public_key(), key.public_key());
    }
}

#[test]
fn we_read_python_written_cosign_keys_and_python_verifies_what_we_sign() {
    let dir = tempfile::tempdir().unwrap();
    let payload =
        SimpleSigning::new("registry.example/app", &format!("sha256:{DIGEST_HEX}")).to_payload();
    let payload_path = write(dir.path(), "payload.json", &payload);
    for (algorithm, name) in ALGORITHMS {
        let key_path = dir.path().join(format!("{name}.key"));
        // Different scrypt cost than ours, and the older label.
        let public_pem = python_ok(
            "cosign_key.py",
            &[&"encrypt", &name, &"16384", &"pass-π", &key_path],
        );
        let key_pem = std::fs::read_to_string(&key_path).unwrap();
        assert!(key_pem.starts_with("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n"));
        assert!(SigningKey::is_encrypted_pem(&key_pem));

        let key = SigningKey::from_pem(&key_pem, "pass-π".as_bytes()).unwrap();
        assert_eq!(key.algorithm(), algorithm);
        let python_public = PublicKey::from_pem(&public_pem).unwrap();
        assert_eq!(key.public_key(), python_public);

        let signature = write(dir.path(), &format!("{name}.sig"), key.sign(&payload));
        let public_path = write(dir.path(), &format!("{name}.pub"), &public_pem);
        assert_eq!(
            python_ok(
                "verify_signature.py",
                &[&public_path, &payload_path, &signature]
            )
            .trim(),
            "ok"
        );

        let err = SigningKey::from_pem(&key_pem, b"pass-pi").unwrap_err();
        assert!(matches!(err, KeyError::WrongPassphrase), "{err}");
    }
}

fn statement_json() -> Vec<u8> {
    Statement::new_v1(
        "registry.example/app",
        &format!("sha256:{DIGEST_HEX}"),
        &predicate_type_for("cyclonedx").unwrap(),
        serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}),
    )
    .to_json()
}

#[test]
fn securesystemslib_and_in_toto_verify_our_envelopes() {
    let dir = tempfile::tempdir().unwrap();
    let statement = statement_json();
    for (algorithm, name) in ALGORITHMS {
        let key = SigningKey::generate(algorithm);
        let envelope = Envelope::sign(INTOTO_PAYLOAD_TYPE, statement.clone(), &key);
        let public = write(
            dir.path(),
            &format!("{name}.pub"),
            key.public_key().to_pem(),
        );
        let path = write(dir.path(), &format!("{name}.dsse.json"), envelope.to_json());

        let out = python_ok("dsse_intoto.py", &[&"verify", &path, &public]);
        let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(summary["payloadType"], INTOTO_PAYLOAD_TYPE);
        assert_eq!(summary["_type"], STATEMENT_V1);
        assert_eq!(summary["predicateType"], "https://cyclonedx.org/bom");
        assert_eq!(summary["subject"][0]["digest"]["sha256"], DIGEST_HEX);
        assert_eq!(
            summary["pae_hex"],
            hex::encode(pae(INTOTO_PAYLOAD_TYPE, &statement)),
            "same PAE bytes"
        );

        // One payload byte flipped: both sides reject it.
        let mut tampered = envelope.clone();
        let at = tampered.payload.len() / 2;
        tampered.payload[at] ^= 0x01;
        let tampered_path = write(
            dir.path(),
            &format!("{name}.tampered.json"),
            tampered.to_json(),
        );
        let output = python("dsse_intoto.py", &[&"verify", &tampered_path, &public]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stderr).contains("VerificationError"));
        let err = tampered.verify(&key.public_key()).unwrap_err();
        assert!(matches!(err, SignatureError::NoneVerify { .. }), "{err}");
    }
}

#[test]
fn we_verify_python_signed_envelopes() {
    let dir = tempfile::tempdir().unwrap();
    let statement = statement_json();
    let statement_path = write(dir.path(), "statement.json", &statement);
    for (algorithm, name) in ALGORITHMS {
        let envelope_path = dir.path().join(format!("{name}.dsse.json"));
        let public_path = dir.path().join(format!("{name}.pub"));
        python_ok(
            "dsse_intoto.py",
            &[
                &"sign",
                &name,
                &INTOTO_PAYLOAD_TYPE,
                &statement_path,
                &envelope_path,
                &public_path,
            ],
        );
        let public = PublicKey::from_pem(&std::fs::read_to_string(&public_path).unwrap()).unwrap();
        assert_eq!(public.algorithm(), algorithm);

        let envelope = Envelope::from_json(&std::fs::read(&envelope_path).unwrap()).unwrap();
        assert_eq!(envelope.signatures[0].keyid, "python-cryptography");
        assert_eq!(envelope.verify(&public), Ok(0), "{name}");
        let parsed = Statement::from_json(&envelope.payload).unwrap();
        assert_eq!(parsed.subject_digest("sha256"), Some(DIGEST_HEX));

        let mut tampered = envelope.clone();
        tampered.payload[10] ^= 0x01;
        let err = Envelope::from_json(&tampered.to_json())
            .unwrap()
            .verify(&public)
            .unwrap_err();
        // The signature names a key id that is not ours.
        assert!(
            matches!(err, SignatureError::NoSignatureByKey { .. }),
            "{err}"
        );

        // Another key does not verify the untouched envelope either.
        let other = SigningKey::generate(algorithm).public_key();
        assert!(envelope.verify(&other).is_err());
    }
}

#[test]
fn pae_matches_securesystemslib() {
    let dir = tempfile::tempdir().unwrap();
    for (payload_type, payload) in [
        ("http://example.com/HelloWorld", &b"hello world"[..]),
        ("", &b""[..]),
        (
            "application/vnd.in-toto+json",
            &[0u8, 0xff, b' ', b'\n'][..],
        ),
    ] {
        let path = write(dir.path(), "payload.bin", payload);
        let out = python_ok("dsse_intoto.py", &[&"pae", &payload_type, &path]);
        assert_eq!(
            out.trim(),
            hex::encode(pae(payload_type, payload)),
            "{payload_type:?}"
        );
    }
}
