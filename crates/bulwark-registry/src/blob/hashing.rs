//! Incremental hashing for either digest algorithm the registry accepts.

use bulwark_types::Digest;
use sha2::Digest as _;

/// A running sha256 or sha512.
#[derive(Clone)]
pub enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// A hasher for the algorithm of `digest`.
    pub fn for_digest(digest: &Digest) -> Self {
        if digest.algorithm() == "sha512" {
            Self::Sha512(sha2::Sha512::new())
        } else {
            Self::Sha256(sha2::Sha256::new())
        }
    }

    pub fn sha256() -> Self {
        Self::Sha256(sha2::Sha256::new())
    }

    pub fn algorithm(&self) -> &'static str {
        match self {
            Self::Sha256(_) => "sha256",
            Self::Sha512(_) => "sha512",
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    pub fn finish(self) -> Option<Digest> {
        match self {
            Self::Sha256(h) => Digest::from_hash(&h.finalize()),
            Self::Sha512(h) => Digest::from_hash(&h.finalize()),
        }
    }
}

/// The digest of `data` with the algorithm of `like`.
pub fn digest_like(like: &Digest, data: &[u8]) -> Option<Digest> {
    let mut h = Hasher::for_digest(like);
    h.update(data);
    h.finish()
}
