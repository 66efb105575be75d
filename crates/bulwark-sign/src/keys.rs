//! Signing and verifying keys in the formats cosign reads and writes.
//!
//! * Private keys: cosign's passphrase-encrypted PEM ([`SigningKey::to_encrypted_pem`]),
//!   or unencrypted PKCS#8 `PRIVATE KEY` / SEC1 `EC PRIVATE KEY` PEM.
//! * Public keys: PKIX `PUBLIC KEY` PEM (SubjectPublicKeyInfo).
//! * Signatures: ECDSA P-256 over SHA-256 of the message, ASN.1 DER encoded
//!   (what cosign writes); Ed25519 signatures are the 64 raw bytes.

mod encrypted;

use std::fmt;

use ed25519_dalek::pkcs8::KeypairBytes;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use pkcs8::der::Decode as _;
use pkcs8::der::asn1::ObjectIdentifier;
use pkcs8::spki::SubjectPublicKeyInfoRef;
use pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, EncodePublicKey as _, PrivateKeyInfo};
use sha2_0_10::{Digest as _, Sha256};
use zeroize::{Zeroize as _, Zeroizing};

use encrypted::{LABEL_COSIGN, LABEL_SIGSTORE, ScryptParams};
pub use encrypted::{MAX_SCRYPT_LOG_N, MAX_SCRYPT_P, MAX_SCRYPT_R};

use crate::error::{KeyError, SignatureError};
use crate::pem;

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

const PRIVATE_LABELS: &str = "ENCRYPTED SIGSTORE PRIVATE KEY, ENCRYPTED COSIGN PRIVATE KEY, \
                              PRIVATE KEY (PKCS#8) or EC PRIVATE KEY (SEC1)";

/// The signature algorithms we sign and verify with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256 with SHA-256 (cosign's default).
    EcdsaP256,
    /// Ed25519 (pure, RFC 8032).
    Ed25519,
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EcdsaP256 => "ECDSA P-256",
            Self::Ed25519 => "Ed25519",
        })
    }
}

/// A private key. Secret material is zeroized on drop and never printed.
pub struct SigningKey {
    inner: Secret,
}

enum Secret {
    P256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .field("public_key_id", &self.public_key().key_id())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a new key from the operating system's random source.
    ///
    /// # Panics
    ///
    /// If the operating system cannot provide random bytes (see [`Self::try_generate`]
    /// for the fallible form).
    #[allow(clippy::expect_used)] // no key can be made without randomness; documented above
    pub fn generate(algorithm: KeyAlgorithm) -> Self {
        Self::try_generate(algorithm).expect("the operating system's random source failed")
    }

    /// Generates a new key, failing if the operating system's random source does.
    pub fn try_generate(algorithm: KeyAlgorithm) -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        let inner = match algorithm {
            KeyAlgorithm::EcdsaP256 => loop {
                getrandom::fill(seed.as_mut_slice()).map_err(KeyError::Random)?;
                // Rejects 0 and values >= the group order (probability ~2^-32).
                if let Ok(key) = p256::ecdsa::SigningKey::from_slice(seed.as_slice()) {
                    break Secret::P256(key);
                }
            },
            KeyAlgorithm::Ed25519 => {
                getrandom::fill(seed.as_mut_slice()).map_err(KeyError::Random)?;
                Secret::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
            }
        };
        Ok(Self { inner })
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self.inner {
            Secret::P256(_) => KeyAlgorithm::EcdsaP256,
            Secret::Ed25519(_) => KeyAlgorithm::Ed25519,
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match &self.inner {
            Secret::P256(key) => PublicKey::from_inner(Public::P256(*key.verifying_key())),
            Secret::Ed25519(key) => PublicKey::from_inner(Public::Ed25519(key.verifying_key())),
        }
    }

    /// Signs `message`.
    ///
    /// P-256: ECDSA over SHA-256(message) (deterministic nonce, RFC 6979), ASN.1 DER
    /// signature — what cosign produces. Ed25519: pure Ed25519, 64 bytes.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.inner {
            Secret::P256(key) => {
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_der().as_bytes().to_vec()
            }
            Secret::Ed25519(key) => key.sign(message).to_bytes().to_vec(),
        }
    }

    /// Writes the key in cosign's format: PEM label `ENCRYPTED SIGSTORE PRIVATE KEY`,
    /// body the scrypt + NaCl secretbox JSON whose plaintext is the PKCS#8 DER key,
    /// with the scrypt cost cosign uses (N=2^16, r=8, p=1).
    pub fn to_encrypted_pem(&self, passphrase: &[u8]) -> Result<String, KeyError> {
        self.to_encrypted_pem_with(passphrase, ScryptParams::COSIGN_DEFAULT)
    }

    pub(crate) fn to_encrypted_pem_with(
        &self,
        passphrase: &[u8],
        params: ScryptParams,
    ) -> Result<String, KeyError> {
        let der = self.to_pkcs8_der()?;
        let body = encrypted::seal(&der, passphrase, params)?;
        Ok(pem::encode(LABEL_SIGSTORE, &body))
    }

    /// PKCS#8 v1 DER (no embedded public key for Ed25519), as Go's
    /// `x509.MarshalPKCS8PrivateKey` writes it.
    fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let encode_err = |e: pkcs8::Error| KeyError::Encode {
            what: "PKCS#8 private key",
            reason: e.to_string(),
        };
        let document = match &self.inner {
            Secret::P256(key) => key.to_pkcs8_der().map_err(encode_err)?,
            Secret::Ed25519(key) => {
                let mut pair = KeypairBytes {
                    secret_key: key.to_bytes(),
                    public_key: None,
                };
                let document = pair.to_pkcs8_der().map_err(encode_err);
                pair.secret_key.zeroize();
                document?
            }
        };
        Ok(Zeroizing::new(document.as_bytes().to_vec()))
    }

    /// Reads a private key PEM:
    ///
    /// * `ENCRYPTED SIGSTORE PRIVATE KEY` and the older `ENCRYPTED COSIGN PRIVATE KEY`
    ///   (cosign's scrypt + secretbox format), decrypted with `passphrase`; a wrong
    ///   passphrase gives [`KeyError::WrongPassphrase`]; scrypt parameters beyond
    ///   N=2^17, r=16, p=4, 128 MiB or twice cosign's CPU cost are refused;
    /// * unencrypted PKCS#8 `PRIVATE KEY` and SEC1 `EC PRIVATE KEY` (the passphrase
    ///   is ignored). A leading `EC PARAMETERS` block (`openssl ecparam -genkey`) is
    ///   skipped.
    pub fn from_pem(pem: &str, passphrase: &[u8]) -> Result<Self, KeyError> {
        let blocks = pem::decode_all(pem)?;
        let Some(block) = blocks.iter().find(|b| b.label != "EC PARAMETERS") else {
            return Err(KeyError::NotPem {
                reason: "the PEM holds only EC PARAMETERS, no key".to_owned(),
            });
        };
        match block.label.as_str() {
            LABEL_SIGSTORE | LABEL_COSIGN => {
                let der = encrypted::open(&block.der, passphrase)?;
                Self::from_pkcs8_der(&der)
            }
            "PRIVATE KEY" => Self::from_pkcs8_der(&block.der),
            "EC PRIVATE KEY" => {
                let key =
                    p256::SecretKey::from_sec1_der(&block.der).map_err(|e| KeyError::Der {
                        what: "SEC1 EC private key (only P-256 is supported)",
                        reason: e.to_string(),
                    })?;
                Ok(Self {
                    inner: Secret::P256(p256::ecdsa::SigningKey::from(key)),
                })
            }
            "ENCRYPTED PRIVATE KEY" => Err(KeyError::UnsupportedPemLabel {
                label: block.label.clone(),
                expected: "a cosign-encrypted key; PKCS#8 PBES2 encryption is not supported \
                           (convert it with `cosign import-key-pair`)",
            }),
            _ => Err(KeyError::UnsupportedPemLabel {
                label: block.label.clone(),
                expected: PRIVATE_LABELS,
            }),
        }
    }

    /// Whether `pem`'s key block is one of cosign's encrypted labels, i.e. whether
    /// [`Self::from_pem`] needs a passphrase. False for anything unreadable.
    pub fn is_encrypted_pem(pem: &str) -> bool {
        pem::decode_all(pem).is_ok_and(|blocks| {
            blocks
                .iter()
                .find(|b| b.label != "EC PARAMETERS")
                .is_some_and(|b| b.label == LABEL_SIGSTORE || b.label == LABEL_COSIGN)
        })
    }

    fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let malformed = |e: &dyn fmt::Display| KeyError::Der {
            what: "PKCS#8 private key",
            reason: e.to_string(),
        };
        let info = PrivateKeyInfo::from_der(der).map_err(|e| malformed(&e))?;
        let algorithm = info.algorithm;
        if algorithm.oid == OID_EC_PUBLIC_KEY {
            let curve = algorithm.parameters_oid().ok();
            if curve != Some(OID_P256) {
                return Err(KeyError::UnsupportedAlgorithm {
                    algorithm: describe_ec_curve(curve),
                });
            }
            let key = p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|e| malformed(&e))?;
            Ok(Self {
                inner: Secret::P256(key),
            })
        } else if algorithm.oid == OID_ED25519 {
            let key = ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(|e| malformed(&e))?;
            Ok(Self {
                inner: Secret::Ed25519(key),
            })
        } else {
            Err(KeyError::UnsupportedAlgorithm {
                algorithm: describe_oid(algorithm.oid),
            })
        }
    }
}

/// A public key (P-256 or Ed25519).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    inner: Public,
    /// DER SubjectPublicKeyInfo, re-encoded by us (uncompressed point for P-256),
    /// so equal keys have equal bytes and equal key ids.
    spki: Vec<u8>,
}

#[derive(Clone, PartialEq, Eq)]
enum Public {
    P256(p256::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("algorithm", &self.algorithm())
            .field("key_id", &self.key_id())
            .finish()
    }
}

impl PublicKey {
    fn from_inner(inner: Public) -> Self {
        // Encoding a valid in-memory key cannot fail; an empty SPKI would only
        // change the key id, never what verifies.
        let spki = match &inner {
            Public::P256(key) => key.to_public_key_der(),
            Public::Ed25519(key) => key.to_public_key_der(),
        }
        .map(|doc| doc.into_vec())
        .unwrap_or_default();
        Self { inner, spki }
    }

    /// Reads a PKIX SubjectPublicKeyInfo `PUBLIC KEY` PEM (P-256 or Ed25519),
    /// as `cosign generate-key-pair` writes to `cosign.pub`.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let blocks = pem::decode_all(pem)?;
        let block = blocks.first().ok_or_else(|| KeyError::NotPem {
            reason: "no PEM block".to_owned(),
        })?;
        if block.label != "PUBLIC KEY" {
            return Err(KeyError::UnsupportedPemLabel {
                label: block.label.clone(),
                expected: "PUBLIC KEY (PKIX SubjectPublicKeyInfo)",
            });
        }
        Self::from_spki_der(&block.der)
    }

    /// Reads a DER SubjectPublicKeyInfo (P-256 or Ed25519).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let malformed = |e: &dyn fmt::Display| KeyError::Der {
            what: "SubjectPublicKeyInfo",
            reason: e.to_string(),
        };
        let info = SubjectPublicKeyInfoRef::from_der(der).map_err(|e| malformed(&e))?;
        let algorithm = &info.algorithm;
        let inner = if algorithm.oid == OID_EC_PUBLIC_KEY {
            let curve = algorithm.parameters_oid().ok();
            if curve != Some(OID_P256) {
                return Err(KeyError::UnsupportedAlgorithm {
                    algorithm: describe_ec_curve(curve),
                });
            }
            let point = info
                .subject_public_key
                .as_bytes()
                .ok_or_else(|| KeyError::Der {
                    what: "SubjectPublicKeyInfo",
                    reason: "public key bit string has unused bits".to_owned(),
                })?;
            Public::P256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| KeyError::Der {
                    what: "P-256 public key",
                    reason: "not a point on the curve".to_owned(),
                })?,
            )
        } else if algorithm.oid == OID_ED25519 {
            let bytes: [u8; 32] = info
                .subject_public_key
                .as_bytes()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| KeyError::Der {
                    what: "Ed25519 public key",
                    reason: "expected 32 bytes".to_owned(),
                })?;
            let key =
                ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::Der {
                    what: "Ed25519 public key",
                    reason: "not a valid curve point".to_owned(),
                })?;
            if key.is_weak() {
                return Err(KeyError::Der {
                    what: "Ed25519 public key",
                    reason: "small-order point (a weak key anyone can forge signatures for)"
                        .to_owned(),
                });
            }
            Public::Ed25519(key)
        } else {
            return Err(KeyError::UnsupportedAlgorithm {
                algorithm: describe_oid(algorithm.oid),
            });
        };
        Ok(Self::from_inner(inner))
    }

    /// The key as a `PUBLIC KEY` PEM (64-column lines, trailing newline).
    pub fn to_pem(&self) -> String {
        pem::encode("PUBLIC KEY", &self.spki)
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn to_spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self.inner {
            Public::P256(_) => KeyAlgorithm::EcdsaP256,
            Public::Ed25519(_) => KeyAlgorithm::Ed25519,
        }
    }

    /// Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo: a stable id for reports.
    pub fn key_id(&self) -> String {
        hex::encode(Sha256::digest(&self.spki))
    }

    /// The first 16 hex digits of [`Self::key_id`], for messages.
    pub fn short_key_id(&self) -> String {
        let mut id = self.key_id();
        id.truncate(16);
        id
    }

    /// Verifies `signature` over `message`.
    ///
    /// P-256 signatures are ASN.1 DER (cosign); the fixed 64-byte `r || s` form is
    /// accepted too, since DSSE leaves the encoding to the signer. Ed25519 signatures
    /// are checked strictly (canonical encodings, no weak keys).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        let mismatch = || SignatureError::Mismatch {
            key_id: self.short_key_id(),
        };
        match &self.inner {
            Public::P256(key) => {
                let parsed = p256::ecdsa::Signature::from_der(signature).or_else(|der_err| {
                    if signature.len() == 64 {
                        p256::ecdsa::Signature::from_slice(signature)
                    } else {
                        Err(der_err)
                    }
                });
                let parsed = parsed.map_err(|_| SignatureError::Malformed {
                    algorithm: KeyAlgorithm::EcdsaP256,
                    len: signature.len(),
                    reason: "expected an ASN.1 DER ECDSA-Sig-Value or 64 bytes r||s",
                })?;
                key.verify(message, &parsed).map_err(|_| mismatch())
            }
            Public::Ed25519(key) => {
                let parsed = ed25519_dalek::Signature::from_slice(signature).map_err(|_| {
                    SignatureError::Malformed {
                        algorithm: KeyAlgorithm::Ed25519,
                        len: signature.len(),
                        reason: "expected 64 bytes",
                    }
                })?;
                key.verify_strict(message, &parsed).map_err(|_| mismatch())
            }
        }
    }
}

fn describe_ec_curve(curve: Option<ObjectIdentifier>) -> String {
    let name = match curve.map(|oid| oid.to_string()).as_deref() {
        Some("1.3.132.0.34") => "P-384".to_owned(),
        Some("1.3.132.0.35") => "P-521".to_owned(),
        Some("1.3.132.0.10") => "secp256k1".to_owned(),
        Some(other) => format!("curve {other}"),
        None => "no named curve".to_owned(),
    };
    format!("ECDSA ({name})")
}

fn describe_oid(oid: ObjectIdentifier) -> String {
    match oid.to_string().as_str() {
        "1.2.840.113549.1.1.1" => "RSA".to_owned(),
        "1.3.101.113" => "Ed448".to_owned(),
        "1.3.101.110" => "X25519 (a key-agreement key)".to_owned(),
        other => format!("OID {other}"),
    }
}

#[cfg(test)]
mod tests;
