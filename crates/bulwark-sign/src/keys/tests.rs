#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use p256::pkcs8::EncodePrivateKey as _;
use pkcs8::der::Encode as _;
use pkcs8::der::asn1::{AnyRef, BitStringRef};
use pkcs8::spki::AlgorithmIdentifier;

use super::*;

/// Cheap scrypt parameters so unit tests do not pay cosign's real cost.
const FAST: ScryptParams = ScryptParams {
    log_n: 4,
    r: 8,
    p: 1,
};

const ALGORITHMS: [KeyAlgorithm; 2] = [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Ed25519];

#[test]
fn sign_verify_both_algorithms() {
    for algorithm in ALGORITHMS {
        let key = SigningKey::generate(algorithm);
        assert_eq!(key.algorithm(), algorithm);
        let public = key.public_key();
        assert_eq!(public.algorithm(), algorithm);
        let signature = key.sign(b"message");
        public.verify(b"message", &signature).unwrap();

        let err = public.verify(b"messagE", &signature).unwrap_err();
        assert_eq!(
            err,
            SignatureError::Mismatch {
                key_id: public.short_key_id()
            }
        );
        assert!(
            err.to_string()
                .starts_with("signature does not verify with key ")
        );

        let other = SigningKey::generate(algorithm).public_key();
        assert!(matches!(
            other.verify(b"message", &signature),
            Err(SignatureError::Mismatch { .. })
        ));
    }
}

#[test]
fn p256_signatures_are_der_and_raw_form_also_verifies() {
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
    let der = key.sign(b"m");
    assert_eq!(der[0], 0x30, "ASN.1 SEQUENCE");
    let parsed = p256::ecdsa::Signature::from_der(&der).unwrap();
    let raw = parsed.to_bytes();
    key.public_key().verify(b"m", &raw).unwrap();
    // RFC 6979: deterministic.
    assert_eq!(key.sign(b"m"), der);

    for bad in [&[][..], &[0x30, 0x02, 0x01], &[0u8; 63], &[0u8; 70]] {
        let err = key.public_key().verify(b"m", bad).unwrap_err();
        assert!(matches!(err, SignatureError::Malformed { .. }), "{err}");
    }
}

#[test]
fn ed25519_signature_shape() {
    let key = SigningKey::generate(KeyAlgorithm::Ed25519);
    let signature = key.sign(b"m");
    assert_eq!(signature.len(), 64);
    let err = key.public_key().verify(b"m", &signature[..63]).unwrap_err();
    assert!(
        matches!(err, SignatureError::Malformed { len: 63, .. }),
        "{err}"
    );
    // A signature made by a P-256 key is not even the right shape for Ed25519.
    let p256_sig = SigningKey::generate(KeyAlgorithm::EcdsaP256).sign(b"m");
    assert!(key.public_key().verify(b"m", &p256_sig).is_err());
}

#[test]
fn encrypted_pem_round_trip_both_algorithms_and_labels() {
    for algorithm in ALGORITHMS {
        let key = SigningKey::generate(algorithm);
        let pem = key.to_encrypted_pem_with(b"correct horse", FAST).unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        assert!(pem.ends_with("-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        assert!(SigningKey::is_encrypted_pem(&pem));

        let back = SigningKey::from_pem(&pem, b"correct horse").unwrap();
        assert_eq!(back.public_key(), key.public_key());
        assert_eq!(back.sign(b"x").len(), key.sign(b"x").len());

        let old_label = pem.replace("SIGSTORE", "COSIGN");
        assert!(SigningKey::is_encrypted_pem(&old_label));
        let back = SigningKey::from_pem(&old_label, b"correct horse").unwrap();
        assert_eq!(back.public_key(), key.public_key());

        let err = SigningKey::from_pem(&pem, b"wrong").unwrap_err();
        assert!(matches!(err, KeyError::WrongPassphrase), "{err}");
        assert!(err.to_string().contains("private key passphrase is wrong"));
    }
}

#[test]
fn default_encryption_uses_cosign_scrypt_cost() {
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
    let pem = key.to_encrypted_pem(b"").unwrap();
    let blocks = crate::pem::decode_all(&pem).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&blocks[0].der).unwrap();
    assert_eq!(
        body["kdf"]["params"],
        serde_json::json!({"N": 65536, "r": 8, "p": 1})
    );
    assert_eq!(
        crate::b64::lenient_standard_decode(body["kdf"]["salt"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
    // An empty passphrase is allowed (COSIGN_PASSWORD="").
    assert_eq!(
        SigningKey::from_pem(&pem, b"").unwrap().public_key(),
        key.public_key()
    );
}

#[test]
fn huge_scrypt_n_is_refused_before_any_work() {
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
    let pem = key.to_encrypted_pem_with(b"pw", FAST).unwrap();
    let blocks = crate::pem::decode_all(&pem).unwrap();
    let mut body: serde_json::Value = serde_json::from_slice(&blocks[0].der).unwrap();
    body["kdf"]["params"]["N"] = serde_json::json!(1u64 << 40);
    let hostile = crate::pem::encode(LABEL_SIGSTORE, &serde_json::to_vec(&body).unwrap());
    let started = std::time::Instant::now();
    let err = SigningKey::from_pem(&hostile, b"pw").unwrap_err();
    assert!(matches!(err, KeyError::ScryptParams { .. }), "{err}");
    assert!(err.to_string().contains("N=1099511627776"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn unencrypted_pkcs8_and_sec1_ignore_the_passphrase() {
    let secret = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
    let pkcs8 = secret.to_pkcs8_pem(Default::default()).unwrap();
    let sec1 = secret.to_sec1_pem(Default::default()).unwrap();
    let expected = SigningKey::from_pem(&pkcs8, b"ignored")
        .unwrap()
        .public_key();
    assert!(!SigningKey::is_encrypted_pem(&pkcs8));
    assert_eq!(
        SigningKey::from_pem(&sec1, b"").unwrap().public_key(),
        expected
    );
    // `openssl ecparam -genkey` writes an EC PARAMETERS block first.
    let with_params = format!(
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{}",
        &*sec1
    );
    assert_eq!(
        SigningKey::from_pem(&with_params, b"")
            .unwrap()
            .public_key(),
        expected
    );

    let ed = SigningKey::generate(KeyAlgorithm::Ed25519);
    let der = ed.to_pkcs8_der().unwrap();
    let pem = crate::pem::encode("PRIVATE KEY", &der);
    assert_eq!(
        SigningKey::from_pem(&pem, b"").unwrap().public_key(),
        ed.public_key()
    );
}

#[test]
fn ed25519_pkcs8_is_v1_without_public_key() {
    let ed = SigningKey::generate(KeyAlgorithm::Ed25519);
    let der = ed.to_pkcs8_der().unwrap();
    // SEQUENCE(46) { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING(32) } }
    assert_eq!(der.len(), 48);
    assert_eq!(
        &der[..16],
        &[
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20
        ]
    );
}

#[test]
fn public_pem_round_trip_and_key_id() {
    for algorithm in ALGORITHMS {
        let public = SigningKey::generate(algorithm).public_key();
        let pem = public.to_pem();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        let back = PublicKey::from_pem(&pem).unwrap();
        assert_eq!(back, public);
        assert_eq!(back.key_id(), public.key_id());
        assert_eq!(public.key_id().len(), 64);
        assert_eq!(
            public.key_id(),
            hex::encode(Sha256::digest(public.to_spki_der()))
        );
        assert!(public.key_id().starts_with(&public.short_key_id()));
    }
    let p256 = SigningKey::generate(KeyAlgorithm::EcdsaP256).public_key();
    // 26-byte header + 65-byte uncompressed point.
    assert_eq!(p256.to_spki_der().len(), 91);
}

#[test]
fn debug_output_has_no_secret() {
    let key = SigningKey::generate(KeyAlgorithm::Ed25519);
    let secret_hex = match &key.inner {
        Secret::Ed25519(k) => hex::encode(k.to_bytes()),
        Secret::P256(_) => unreachable!(),
    };
    let debug = format!("{key:?}");
    assert!(
        debug.contains("Ed25519") && debug.contains("public_key_id"),
        "{debug}"
    );
    assert!(!debug.to_lowercase().contains(&secret_hex[..16]), "{debug}");
}

fn spki_with_curve(curve: &str, point: &[u8]) -> String {
    let curve = ObjectIdentifier::new_unwrap(curve);
    let info = SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifier {
            oid: OID_EC_PUBLIC_KEY,
            parameters: Some(AnyRef::from(&curve)),
        },
        subject_public_key: BitStringRef::from_bytes(point).unwrap(),
    };
    crate::pem::encode("PUBLIC KEY", &info.to_der().unwrap())
}

#[test]
fn hostile_public_keys() {
    // P-384 key (invented: only the curve OID matters, it is refused before the point is read).
    let err = PublicKey::from_pem(&spki_with_curve("1.3.132.0.34", &[4u8; 97])).unwrap_err();
    assert!(
        err.to_string()
            .contains("unsupported key algorithm ECDSA (P-384)"),
        "{err}"
    );

    // Right curve, point not on it.
    let mut point = [0u8; 65];
    point[0] = 4;
    point[1] = 1;
    let err = PublicKey::from_pem(&spki_with_curve("1.2.840.10045.3.1.7", &point)).unwrap_err();
    assert!(
        err.to_string().contains("not a point on the curve"),
        "{err}"
    );

    // Ed25519 identity point: a weak key.
    let mut weak = [0u8; 32];
    weak[0] = 1;
    let info = SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifier {
            oid: OID_ED25519,
            parameters: None,
        },
        subject_public_key: BitStringRef::from_bytes(&weak).unwrap(),
    };
    let err = PublicKey::from_spki_der(&info.to_der().unwrap()).unwrap_err();
    assert!(err.to_string().contains("small-order"), "{err}");

    // RSA.
    let rsa = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    let info = SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifier {
            oid: rsa,
            parameters: Some(AnyRef::NULL),
        },
        subject_public_key: BitStringRef::from_bytes(&[0x30, 0x00]).unwrap(),
    };
    let err = PublicKey::from_spki_der(&info.to_der().unwrap()).unwrap_err();
    assert!(
        err.to_string().contains("unsupported key algorithm RSA"),
        "{err}"
    );

    // Truncated DER and PEM, wrong labels, trailing bytes.
    let good = SigningKey::generate(KeyAlgorithm::EcdsaP256).public_key();
    let der = good.to_spki_der();
    assert!(matches!(
        PublicKey::from_spki_der(&der[..der.len() - 1]),
        Err(KeyError::Der { .. })
    ));
    let mut trailing = der.to_vec();
    trailing.push(0);
    assert!(matches!(
        PublicKey::from_spki_der(&trailing),
        Err(KeyError::Der { .. })
    ));
    let pem = good.to_pem();
    assert!(matches!(
        PublicKey::from_pem(&pem[..pem.len() / 2]),
        Err(KeyError::NotPem { .. })
    ));
    let cert = pem.replace("PUBLIC KEY", "CERTIFICATE");
    let err = PublicKey::from_pem(&cert).unwrap_err();
    assert!(
        err.to_string()
            .contains("unsupported PEM label \"CERTIFICATE\""),
        "{err}"
    );
}

#[test]
fn hostile_private_keys() {
    // A P-384 PKCS#8 key (invented; refused on the curve OID).
    let curve = ObjectIdentifier::new_unwrap("1.3.132.0.34");
    let info = PrivateKeyInfo {
        algorithm: AlgorithmIdentifier {
            oid: OID_EC_PUBLIC_KEY,
            parameters: Some(AnyRef::from(&curve)),
        },
        private_key: &[0x30, 0x00],
        public_key: None,
    };
    let pem = crate::pem::encode("PRIVATE KEY", &info.to_der().unwrap());
    let err = SigningKey::from_pem(&pem, b"").unwrap_err();
    assert!(err.to_string().contains("ECDSA (P-384)"), "{err}");

    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
    let public_pem = key.public_key().to_pem();
    let err = SigningKey::from_pem(&public_pem, b"").unwrap_err();
    assert!(
        err.to_string()
            .contains("unsupported PEM label \"PUBLIC KEY\""),
        "{err}"
    );

    let pbes2 = crate::pem::encode("ENCRYPTED PRIVATE KEY", b"x");
    let err = SigningKey::from_pem(&pbes2, b"").unwrap_err();
    assert!(err.to_string().contains("PBES2"), "{err}");

    let encrypted = key.to_encrypted_pem_with(b"pw", FAST).unwrap();
    let cut = &encrypted[..encrypted.len() - 40];
    assert!(matches!(
        SigningKey::from_pem(cut, b"pw"),
        Err(KeyError::NotPem { .. })
    ));
    assert!(!SigningKey::is_encrypted_pem(cut));

    let not_json = crate::pem::encode(LABEL_SIGSTORE, b"{\"kdf\":");
    let err = SigningKey::from_pem(&not_json, b"pw").unwrap_err();
    assert!(matches!(err, KeyError::EncryptedFormat { .. }), "{err}");

    // Correct encryption around garbage instead of a PKCS#8 key.
    let sealed = encrypted::seal(b"not DER", b"pw", FAST).unwrap();
    let err =
        SigningKey::from_pem(&crate::pem::encode(LABEL_SIGSTORE, &sealed), b"pw").unwrap_err();
    assert!(
        err.to_string().starts_with("malformed PKCS#8 private key"),
        "{err}"
    );

    assert!(matches!(
        SigningKey::from_pem("", b""),
        Err(KeyError::NotPem { .. })
    ));
}

#[test]
fn any_single_byte_corruption_of_key_files_is_an_error_not_a_panic() {
    let key = SigningKey::generate(KeyAlgorithm::Ed25519);
    let encrypted = key.to_encrypted_pem_with(b"pw", FAST).unwrap();
    let public = key.public_key().to_pem();
    for text in [&encrypted, &public] {
        let bytes = text.as_bytes();
        for i in 0..bytes.len() {
            for byte in [b'A', b'-', b'\n', b'/', b'='] {
                let mut mutated = bytes.to_vec();
                mutated[i] = byte;
                let Ok(mutated) = String::from_utf8(mutated) else {
                    continue;
                };
                if let Ok(back) = SigningKey::from_pem(&mutated, b"pw") {
                    assert_eq!(
                        back.public_key(),
                        key.public_key(),
                        "authenticated encryption"
                    );
                }
                let _ = PublicKey::from_pem(&mutated);
                let _ = SigningKey::is_encrypted_pem(&mutated);
            }
        }
    }
}
