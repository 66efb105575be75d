//! The signing key file: permissions, atomic creation, reloading, SEC1 input.

use super::tests::{AUD, ISS, TTL, pull, service_at};
use super::*;

#[cfg(unix)]
#[test]
fn key_file_is_private_and_reloads() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/token.pem");
    let first = service_at(&path, ISS, AUD);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let pem = std::fs::read_to_string(&path).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
    let entries: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(entries.len(), 1, "no temporary files left behind");

    let second = service_at(&path, ISS, AUD);
    assert_eq!(second.kid(), first.kid());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        pem,
        "not regenerated"
    );
    let token = first.issue("alice", pull("a")).unwrap().token;
    assert!(
        second
            .verify(&token)
            .unwrap()
            .allows("repository", "a", "pull")
    );
    let token = second.issue("bob", vec![]).unwrap().token;
    assert_eq!(first.verify(&token).unwrap().sub, "bob");
}

#[test]
fn sec1_keys_load_and_garbage_keys_fail() {
    use p256::elliptic_curve::sec1::ToEncodedPoint as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ec.pem");
    let key = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
    std::fs::write(
        &path,
        key.to_sec1_pem(p256::pkcs8::LineEnding::LF)
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    let svc = service_at(&path, ISS, AUD);
    let x = key
        .public_key()
        .to_encoded_point(false)
        .x()
        .map(|x| URL_SAFE_NO_PAD.encode(x));
    assert_eq!(svc.jwks()["keys"][0]["x"].as_str(), x.as_deref());

    let bad = dir.path().join("bad.pem");
    std::fs::write(
        &bad,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let err = TokenService::load_or_create(&bad, ISS, AUD, TTL).unwrap_err();
    assert!(matches!(err, AuthError::KeyParse { .. }), "{err}");
    assert!(
        std::fs::read_to_string(&bad).unwrap().contains("AAAA"),
        "left untouched"
    );
}
