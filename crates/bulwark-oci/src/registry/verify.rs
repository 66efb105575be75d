//! Hashing content as it streams by, for the algorithms [`Digest`] accepts.

use bulwark_types::Digest;
use sha2::{Digest as _, Sha256, Sha512};

/// A running hash in the algorithm of an expected digest.
pub(crate) enum ContentHasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl ContentHasher {
    /// A hasher matching `digest`'s algorithm (`sha256` or `sha512`), else `None`.
    pub(crate) fn for_digest(digest: &Digest) -> Option<Self> {
        match digest.algorithm() {
            "sha256" => Some(Self::Sha256(Sha256::new())),
            "sha512" => Some(Self::Sha512(Sha512::new())),
            _ => None,
        }
    }

    pub(crate) fn sha256() -> Self {
        Self::Sha256(Sha256::new())
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(bytes),
            Self::Sha512(h) => h.update(bytes),
        }
    }

    /// The digest of everything hashed. `None` cannot happen for the algorithms above
    /// but is not worth a panic.
    pub(crate) fn finish(self) -> Option<Digest> {
        let text = match self {
            Self::Sha256(h) => format!("sha256:{}", hex::encode(h.finalize())),
            Self::Sha512(h) => format!("sha512:{}", hex::encode(h.finalize())),
        };
        text.parse().ok()
    }
}

/// The digest of `bytes` in the algorithm of `like`.
pub(crate) fn digest_like(like: &Digest, bytes: &[u8]) -> Option<Digest> {
    let mut hasher = ContentHasher::for_digest(like)?;
    hasher.update(bytes);
    hasher.finish()
}

/// The sha256 digest of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> Option<Digest> {
    let mut hasher = ContentHasher::sha256();
    hasher.update(bytes);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_known_values() {
        assert_eq!(
            sha256(b"abc").unwrap().to_string(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let like: Digest = format!("sha512:{}", "0".repeat(128)).parse().unwrap();
        assert_eq!(
            digest_like(&like, b"abc").unwrap().to_string(),
            "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }
}
