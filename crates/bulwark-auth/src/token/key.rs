//! The ES256 signing key: loaded from, or generated into, a PEM file.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey};
use p256::SecretKey;
use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, LineEnding};
use sha2::{Digest as _, Sha256};

use crate::AuthError;
use crate::secret::random_bytes;

/// A P-256 key pair in the forms the token service needs.
pub(super) struct KeyPair {
    pub(super) encoding: EncodingKey,
    pub(super) decoding: DecodingKey,
    /// RFC 7638 JWK thumbprint of the public key, used as `kid`.
    pub(super) kid: String,
    /// The public key as a JWK (with `kid`, `alg` and `use`).
    pub(super) jwk: serde_json::Value,
}

impl KeyPair {
    fn from_secret_key(key: &SecretKey) -> Result<Self, AuthError> {
        let der = key.to_pkcs8_der().map_err(|e| AuthError::KeyGenerate {
            reason: e.to_string(),
        })?;
        let point = key.public_key().to_sec1_bytes();
        // Uncompressed SEC1: 0x04 || x (32 bytes) || y (32 bytes).
        let (x, y) = match point.split_first() {
            Some((0x04, xy)) if xy.len() == 64 => xy.split_at(32),
            _ => {
                return Err(AuthError::KeyGenerate {
                    reason: "public key is not an uncompressed P-256 point".into(),
                });
            }
        };
        let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
        // RFC 7638: SHA-256 over the required members in lexicographic order, no spaces.
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
        let jwk = serde_json::json!({
            "kty": "EC",
            "crv": "P-256",
            "alg": "ES256",
            "use": "sig",
            "kid": kid,
            "x": x,
            "y": y,
        });
        Ok(Self {
            encoding: EncodingKey::from_ec_der(der.as_bytes()),
            decoding: DecodingKey::from_ec_der(&point),
            kid,
            jwk,
        })
    }

    /// Loads the key at `path`, or generates one there if the file does not exist.
    pub(super) fn load_or_create(path: &Path) -> Result<Self, AuthError> {
        match fs::read_to_string(path) {
            Ok(pem) => Self::from_secret_key(&parse_pem(path, &pem)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path),
            Err(source) => Err(AuthError::KeyRead {
                path: path.to_owned(),
                source,
            }),
        }
    }
}

/// Accepts PKCS#8 (`BEGIN PRIVATE KEY`) and SEC1 (`BEGIN EC PRIVATE KEY`, what
/// `openssl ecparam -genkey` writes).
fn parse_pem(path: &Path, pem: &str) -> Result<SecretKey, AuthError> {
    warn_if_readable_by_others(path);
    SecretKey::from_pkcs8_pem(pem)
        .or_else(|pkcs8_err| SecretKey::from_sec1_pem(pem).map_err(|_| pkcs8_err))
        .map_err(|e| AuthError::KeyParse {
            path: path.to_owned(),
            reason: e.to_string(),
        })
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    if let Ok(meta) = fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{:o}", meta.permissions().mode() & 0o777),
            "token signing key is accessible to other users; chmod 600 it"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

fn generate() -> Result<SecretKey, AuthError> {
    // A random 32-byte string is a valid scalar unless it is zero or >= the group
    // order, which happens with probability ~2^-32; retry a few times regardless.
    for _ in 0..8 {
        let mut bytes = [0u8; 32];
        random_bytes(&mut bytes)?;
        if let Ok(key) = SecretKey::from_slice(&bytes) {
            return Ok(key);
        }
    }
    Err(AuthError::KeyGenerate {
        reason: "random source produced no valid P-256 scalar".into(),
    })
}

/// Generates a key and writes it to `path` atomically with mode 0600: a temporary
/// file in the same directory is written, synced and renamed into place without
/// replacing an existing file. If another process won the race, its key is loaded.
fn create(path: &Path) -> Result<KeyPair, AuthError> {
    let write_err = |source| AuthError::KeyWrite {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(write_err)?;

    let key = generate()?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| AuthError::KeyGenerate {
            reason: e.to_string(),
        })?;

    // tempfile creates the file with mode 0600 on Unix before anything is written.
    let mut tmp = tempfile::Builder::new()
        .prefix(".bulwark-token-key-")
        .tempfile_in(&dir)
        .map_err(write_err)?;
    tmp.write_all(pem.as_bytes()).map_err(write_err)?;
    tmp.as_file().sync_all().map_err(write_err)?;
    match tmp.persist_noclobber(path) {
        Ok(_) => {}
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            return KeyPair::load_or_create(path);
        }
        Err(e) => return Err(write_err(e.error)),
    }
    // Make the rename durable; failure here only loses durability, not correctness.
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    tracing::info!(path = %path.display(), "generated a new token signing key");
    KeyPair::from_secret_key(&key)
}
