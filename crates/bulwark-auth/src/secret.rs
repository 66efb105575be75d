//! Robot account secrets: random tokens stored as a SHA-256 digest.
//!
//! Robot secrets carry 256 bits of entropy, so a fast hash is enough for storage;
//! argon2 is reserved for human passwords ([`crate::password`]).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::AuthError;

/// Number of random bytes in a generated secret.
pub const SECRET_BYTES: usize = 32;

/// Fills `buf` from the operating system's random source.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), AuthError> {
    getrandom::fill(buf).map_err(AuthError::Random)
}

/// A new secret: [`SECRET_BYTES`] random bytes, base64url without padding.
pub fn try_generate() -> Result<String, AuthError> {
    let mut bytes = [0u8; SECRET_BYTES];
    random_bytes(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A new secret: [`SECRET_BYTES`] random bytes, base64url without padding (43 chars).
///
/// # Panics
///
/// If the operating system's random source fails. No secret is better than a weak
/// one; use [`try_generate`] to handle that case instead.
pub fn generate() -> String {
    #[allow(clippy::expect_used)]
    try_generate().expect("operating system random source failed")
}

/// The form stored in the database: lowercase hex SHA-256 of the secret.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` hashes to `stored_digest`, compared in constant time.
/// The stored digest is matched case-insensitively as hex.
pub fn matches(secret: &str, stored_digest: &str) -> bool {
    let computed = digest(secret);
    ct_eq(
        computed.as_bytes(),
        stored_digest.to_ascii_lowercase().as_bytes(),
    )
}

/// Constant-time byte comparison (the length itself is not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_43_url_safe_chars_and_distinct() {
        let a = generate();
        let b = generate();
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), SECRET_BYTES);
    }

    #[test]
    fn digest_is_sha256_hex() {
        // sha256("password"), a widely published test vector.
        assert_eq!(
            digest("password"),
            "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
        );
    }

    #[test]
    fn matches_only_the_right_secret() {
        let s = generate();
        let stored = digest(&s);
        assert!(matches(&s, &stored));
        assert!(matches(&s, &stored.to_uppercase()));
        assert!(!matches(&generate(), &stored));
        assert!(!matches(&s, ""));
        assert!(!matches(&s, &stored[..63]));
        assert!(!matches(&s, &s));
    }

    #[test]
    fn ct_eq_basics() {
        assert!(ct_eq(b"", b""));
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
