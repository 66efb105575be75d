//! Content digests (`algorithm:hex`), as used by OCI for blobs and manifests.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A validated content digest such as `sha256:9f86d0...`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Digest {
    algorithm: String,
    hex: String,
}

/// Why a string is not a usable digest.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DigestError {
    #[error("digest {0:?} has no `algorithm:` prefix")]
    MissingAlgorithm(String),
    #[error(
        "digest {digest:?} uses unsupported algorithm {algorithm:?} (supported: sha256, sha512)"
    )]
    UnsupportedAlgorithm { digest: String, algorithm: String },
    #[error("digest {digest:?} must have {expected} lowercase hex characters")]
    BadHex { digest: String, expected: usize },
}

impl Digest {
    /// Builds a sha256 digest from its lowercase hex encoding.
    pub fn sha256_hex(hex: &str) -> Result<Self, DigestError> {
        format!("sha256:{hex}").parse()
    }

    /// Builds a digest from a finished hash: `sha256` for 32 bytes, `sha512` for 64.
    /// Returns `None` for any other length.
    pub fn from_hash(hash: &[u8]) -> Option<Self> {
        let algorithm = match hash.len() {
            32 => "sha256",
            64 => "sha512",
            _ => return None,
        };
        let mut hex = String::with_capacity(hash.len() * 2);
        for b in hash {
            for nibble in [b >> 4, b & 0xf] {
                // A nibble is always < 16, so the lookup always succeeds.
                if let Some(&c) = HEX.get(usize::from(nibble)) {
                    hex.push(char::from(c));
                }
            }
        }
        Some(Self {
            algorithm: algorithm.to_string(),
            hex,
        })
    }

    /// The algorithm name, e.g. `sha256`.
    pub fn algorithm(&self) -> &str {
        &self.algorithm
    }

    /// The lowercase hex part.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// A short form for messages: `sha256:0123456789ab`.
    pub fn short(&self) -> String {
        let end = self.hex.len().min(12);
        format!(
            "{}:{}",
            self.algorithm,
            self.hex.get(..end).unwrap_or_default()
        )
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (algorithm, hex) = s
            .split_once(':')
            .ok_or_else(|| DigestError::MissingAlgorithm(s.to_string()))?;
        let expected = match algorithm {
            "sha256" => 64,
            "sha512" => 128,
            _ => {
                return Err(DigestError::UnsupportedAlgorithm {
                    digest: s.to_string(),
                    algorithm: algorithm.to_string(),
                });
            }
        };
        let valid = hex.len() == expected
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            return Err(DigestError::BadHex {
                digest: s.to_string(),
                expected,
            });
        }
        Ok(Self {
            algorithm: algorithm.to_string(),
            hex: hex.to_string(),
        })
    }
}

impl TryFrom<String> for Digest {
    type Error = DigestError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Digest> for String {
    fn from(d: Digest) -> Self {
        d.to_string()
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sha256_and_sha512() {
        let d: Digest = format!("sha256:{}", "a".repeat(64)).parse().unwrap();
        assert_eq!(d.algorithm(), "sha256");
        assert_eq!(d.short(), "sha256:aaaaaaaaaaaa");
        assert!(
            format!("sha512:{}", "0".repeat(128))
                .parse::<Digest>()
                .is_ok()
        );
    }

    #[test]
    fn from_hash_encodes_hex() {
        let d = Digest::from_hash(&[0xab; 32]).unwrap();
        assert_eq!(d.to_string(), format!("sha256:{}", "ab".repeat(32)));
        assert_eq!(Digest::from_hash(&[0; 64]).unwrap().algorithm(), "sha512");
        assert!(Digest::from_hash(&[0; 20]).is_none());
    }

    #[test]
    fn rejects_bad_digests() {
        assert!(matches!(
            "abc".parse::<Digest>(),
            Err(DigestError::MissingAlgorithm(_))
        ));
        assert!(matches!(
            format!("md5:{}", "a".repeat(32)).parse::<Digest>(),
            Err(DigestError::UnsupportedAlgorithm { .. })
        ));
        assert!(matches!(
            format!("sha256:{}", "A".repeat(64)).parse::<Digest>(),
            Err(DigestError::BadHex { .. })
        ));
        assert!(matches!(
            "sha256:abc".parse::<Digest>(),
            Err(DigestError::BadHex { .. })
        ));
        assert!(
            format!("sha256:{}/../x", "a".repeat(58))
                .parse::<Digest>()
                .is_err()
        );
    }
}
