//! The passphrase-encrypted private key format of sigstore/cosign
//! (go-securesystemslib `encrypted`): scrypt derives a 32-byte key from the
//! passphrase, NaCl secretbox (XSalsa20-Poly1305) seals the PKCS#8 DER key, and
//! the parameters travel in a JSON object:
//!
//! ```json
//! {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"<b64>"},
//!  "cipher":{"name":"nacl/secretbox","nonce":"<b64>"},"ciphertext":"<b64>"}
//! ```
//!
//! The JSON is the body of a PEM block labelled `ENCRYPTED SIGSTORE PRIVATE KEY`
//! (older cosign: `ENCRYPTED COSIGN PRIVATE KEY`). The secretbox output is the
//! 16-byte Poly1305 tag followed by the ciphertext, as NaCl defines it.

use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Key, Nonce, XSalsa20Poly1305};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::b64;
use crate::error::KeyError;

/// The label cosign 2 writes.
pub(crate) const LABEL_SIGSTORE: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// The label older cosign releases wrote; same body.
pub(crate) const LABEL_COSIGN: &str = "ENCRYPTED COSIGN PRIVATE KEY";

const KDF_SCRYPT: &str = "scrypt";
const CIPHER_SECRETBOX: &str = "nacl/secretbox";
const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;
/// Poly1305 tag length: the shortest possible secretbox output.
const TAG_LEN: usize = 16;

/// Largest `log2(N)` we run: 2^17 is go-securesystemslib's strongest ("OWASP") level.
pub const MAX_SCRYPT_LOG_N: u8 = 17;
/// Largest `r` we run.
pub const MAX_SCRYPT_R: u64 = 16;
/// Largest `p` we run.
pub const MAX_SCRYPT_P: u64 = 4;
/// scrypt needs `128 * N * r` bytes of memory; we allow 128 MiB, the cost of
/// cosign's strongest level (N=2^17, r=8).
const MAX_SCRYPT_MEMORY: u64 = 128 * 1024 * 1024;
/// CPU work grows with `N * r * p`; we allow twice cosign's strongest level.
const MAX_SCRYPT_WORK: u64 = 2 * (1 << 17) * 8;

/// scrypt cost parameters, `N = 2^log_n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ScryptParams {
    pub(crate) log_n: u8,
    pub(crate) r: u32,
    pub(crate) p: u32,
}

impl ScryptParams {
    /// What `cosign generate-key-pair` writes today: go-securesystemslib's
    /// `Standard` level (N=2^16, r=8, p=1), the default of `encrypted.Encrypt`.
    pub(crate) const COSIGN_DEFAULT: Self = Self {
        log_n: 16,
        r: 8,
        p: 1,
    };

    /// Checks parameters read from a file against our cost bounds, so a hostile
    /// file cannot make us allocate gigabytes or spin for minutes.
    fn checked(n: u64, r: u64, p: u64) -> Result<Self, KeyError> {
        let refuse = |reason| KeyError::ScryptParams { n, r, p, reason };
        if n < 2 || !n.is_power_of_two() {
            return Err(refuse("N must be a power of two greater than 1"));
        }
        let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| refuse("N is out of range"))?;
        if log_n > MAX_SCRYPT_LOG_N {
            return Err(refuse("N is too large"));
        }
        if r == 0 || r > MAX_SCRYPT_R {
            return Err(refuse("r is out of range"));
        }
        if p == 0 || p > MAX_SCRYPT_P {
            return Err(refuse("p is out of range"));
        }
        // Cannot overflow: n <= 2^17, r <= 16, p <= 4.
        let memory = 128u64.saturating_mul(n).saturating_mul(r);
        if memory > MAX_SCRYPT_MEMORY {
            return Err(refuse("128*N*r bytes of memory exceeds 128 MiB"));
        }
        if n.saturating_mul(r).saturating_mul(p) > MAX_SCRYPT_WORK {
            return Err(refuse("N*r*p exceeds twice cosign's strongest setting"));
        }
        let r = u32::try_from(r).map_err(|_| refuse("r is out of range"))?;
        let p = u32::try_from(p).map_err(|_| refuse("p is out of range"))?;
        Ok(Self { log_n, r, p })
    }

    fn derive_key(
        self,
        passphrase: &[u8],
        salt: &[u8],
    ) -> Result<Zeroizing<[u8; KEY_LEN]>, KeyError> {
        let n = 1u64 << self.log_n;
        let params = scrypt::Params::new(self.log_n, self.r, self.p, KEY_LEN).map_err(|_| {
            KeyError::ScryptParams {
                n,
                r: u64::from(self.r),
                p: u64::from(self.p),
                reason: "scrypt rejects this combination (N must be below 2^(16*r))",
            }
        })?;
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        scrypt::scrypt(passphrase, salt, &params, key.as_mut_slice()).map_err(|e| {
            KeyError::Encode {
                what: "scrypt key",
                reason: e.to_string(),
            }
        })?;
        Ok(key)
    }
}

/// The JSON body, field order as go-securesystemslib writes it.
#[derive(Serialize, Deserialize)]
struct EncryptedKey {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: KdfParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct KdfParams {
    #[serde(rename = "N")]
    n: u64,
    r: u64,
    p: u64,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

/// Encrypts `plaintext` (a PKCS#8 DER key) under `passphrase`; returns the JSON body.
pub(crate) fn seal(
    plaintext: &[u8],
    passphrase: &[u8],
    params: ScryptParams,
) -> Result<Vec<u8>, KeyError> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(KeyError::Random)?;
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(KeyError::Random)?;

    let key = params.derive_key(passphrase, &salt)?;
    let cipher = XSalsa20Poly1305::new(&Key::from(*key));
    let sealed = cipher
        .encrypt(&Nonce::from(nonce), plaintext)
        .map_err(|_| KeyError::Encode {
            what: "encrypted private key",
            reason: "secretbox refused the plaintext".to_owned(),
        })?;

    let body = EncryptedKey {
        kdf: Kdf {
            name: KDF_SCRYPT.to_owned(),
            params: KdfParams {
                n: 1u64 << params.log_n,
                r: u64::from(params.r),
                p: u64::from(params.p),
            },
            salt: b64::encode(&salt),
        },
        cipher: Cipher {
            name: CIPHER_SECRETBOX.to_owned(),
            nonce: b64::encode(&nonce),
        },
        ciphertext: b64::encode(&sealed),
    };
    serde_json::to_vec(&body).map_err(|e| KeyError::Encode {
        what: "encrypted private key",
        reason: e.to_string(),
    })
}

/// Decrypts the JSON body of an encrypted key; returns the PKCS#8 DER key.
pub(crate) fn open(json: &[u8], passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let body: EncryptedKey =
        serde_json::from_slice(json).map_err(|e| KeyError::EncryptedFormat {
            reason: e.to_string(),
        })?;
    if body.kdf.name != KDF_SCRYPT {
        return Err(KeyError::UnsupportedEncryption {
            what: "kdf",
            name: body.kdf.name,
            expected: KDF_SCRYPT,
        });
    }
    if body.cipher.name != CIPHER_SECRETBOX {
        return Err(KeyError::UnsupportedEncryption {
            what: "cipher",
            name: body.cipher.name,
            expected: CIPHER_SECRETBOX,
        });
    }
    let params = ScryptParams::checked(body.kdf.params.n, body.kdf.params.r, body.kdf.params.p)?;
    let field = |name: &str, text: &str| {
        b64::lenient_standard_decode(text).map_err(|e| KeyError::EncryptedFormat {
            reason: format!("{name} is not valid base64: {e}"),
        })
    };
    let salt = field("kdf.salt", &body.kdf.salt)?;
    let nonce: [u8; NONCE_LEN] = field("cipher.nonce", &body.cipher.nonce)?
        .try_into()
        .map_err(|v: Vec<u8>| KeyError::EncryptedFormat {
            reason: format!("cipher.nonce is {} bytes, expected {NONCE_LEN}", v.len()),
        })?;
    let sealed = field("ciphertext", &body.ciphertext)?;
    if sealed.len() < TAG_LEN {
        return Err(KeyError::EncryptedFormat {
            reason: format!(
                "ciphertext is {} bytes, shorter than the {TAG_LEN}-byte authenticator",
                sealed.len()
            ),
        });
    }

    let key = params.derive_key(passphrase, &salt)?;
    let cipher = XSalsa20Poly1305::new(&Key::from(*key));
    let plaintext = cipher
        .decrypt(&Nonce::from(nonce), sealed.as_slice())
        .map_err(|_| KeyError::WrongPassphrase)?;
    Ok(Zeroizing::new(plaintext))
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;

    /// Cheap parameters so unit tests do not pay cosign's real cost.
    const FAST: ScryptParams = ScryptParams {
        log_n: 4,
        r: 8,
        p: 1,
    };

    fn body(n: u64, r: u64, p: u64) -> Vec<u8> {
        let sealed = seal(b"secret", b"pw", FAST).unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&sealed).unwrap();
        v["kdf"]["params"] = serde_json::json!({"N": n, "r": r, "p": p});
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn seal_open_round_trip_and_layout() {
        let sealed = seal(b"secret key bytes", b"pw", FAST).unwrap();
        let text = String::from_utf8(sealed.clone()).unwrap();
        assert!(
            text.starts_with(r#"{"kdf":{"name":"scrypt","params":{"N":16,"r":8,"p":1},"salt":""#),
            "{text}"
        );
        assert!(text.contains(r#""cipher":{"name":"nacl/secretbox","nonce":""#));
        let opened = open(&sealed, b"pw").unwrap();
        assert_eq!(&opened[..], b"secret key bytes");
    }

    #[test]
    fn wrong_passphrase_and_tampering_fail_authentication() {
        let sealed = seal(b"secret", b"pw", FAST).unwrap();
        assert!(matches!(
            open(&sealed, b"pW"),
            Err(KeyError::WrongPassphrase)
        ));
        assert!(matches!(open(&sealed, b""), Err(KeyError::WrongPassphrase)));

        let mut v: serde_json::Value = serde_json::from_slice(&sealed).unwrap();
        let mut ct = b64::lenient_standard_decode(v["ciphertext"].as_str().unwrap()).unwrap();
        ct[20] ^= 1;
        v["ciphertext"] = b64::encode(&ct).into();
        let tampered = serde_json::to_vec(&v).unwrap();
        assert!(matches!(
            open(&tampered, b"pw"),
            Err(KeyError::WrongPassphrase)
        ));
    }

    #[test]
    fn refuses_costly_or_invalid_scrypt_parameters() {
        for (n, r, p) in [
            (1u64 << 30, 8, 1), // 128 GiB
            (1 << 18, 8, 1),    // over the N bound
            (1 << 17, 16, 1),   // 256 MiB
            (1 << 17, 8, 4),    // 4x cosign's CPU cost
            (1 << 10, 1u64 << 40, 1),
            (1 << 10, 8, 1 << 40),
            (1000, 8, 1), // not a power of two
            (0, 8, 1),
            (1 << 10, 0, 1),
            (1 << 10, 8, 0),
        ] {
            let err = open(&body(n, r, p), b"pw").unwrap_err();
            assert!(
                matches!(err, KeyError::ScryptParams { .. }),
                "{n} {r} {p}: {err}"
            );
        }
        // Within bounds but invalid for scrypt itself (N >= 2^(16r)).
        let err = open(&body(1 << 16, 1, 1), b"pw").unwrap_err();
        assert!(err.to_string().contains("scrypt rejects"), "{err}");
    }

    #[test]
    fn rejects_malformed_bodies() {
        let sealed = seal(b"secret", b"pw", FAST).unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&sealed).unwrap();
        let cases: Vec<(&str, serde_json::Value)> = vec![
            ("kdf", {
                let mut w = v.clone();
                w["kdf"]["name"] = "pbkdf2".into();
                w
            }),
            ("cipher", {
                let mut w = v.clone();
                w["cipher"]["name"] = "aes-gcm".into();
                w
            }),
            ("nonce", {
                let mut w = v.clone();
                w["cipher"]["nonce"] = b64::encode(&[0u8; 12]).into();
                w
            }),
            ("base64", {
                let mut w = v.clone();
                w["kdf"]["salt"] = "%%%".into();
                w
            }),
            ("shorter", {
                let mut w = v.clone();
                w["ciphertext"] = b64::encode(&[0u8; 5]).into();
                w
            }),
            ("missing field", {
                v.as_object_mut().unwrap().remove("ciphertext");
                v.clone()
            }),
        ];
        for (expect, case) in cases {
            let err = open(&serde_json::to_vec(&case).unwrap(), b"pw")
                .unwrap_err()
                .to_string();
            assert!(err.contains(expect), "{expect}: {err}");
        }
        let err = open(&sealed[..sealed.len() / 2], b"pw")
            .unwrap_err()
            .to_string();
        assert!(err.contains("EOF"), "{err}");
    }
}
