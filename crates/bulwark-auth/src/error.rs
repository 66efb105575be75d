//! The crate's error type for everything except token verification
//! (which has its own [`crate::token::TokenError`]).

use std::path::PathBuf;

/// What went wrong while hashing, parsing a scope, or managing the signing key.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Argon2 refused to hash (bad parameters or the OS random source failed).
    #[error("failed to hash password: {reason}")]
    PasswordHash {
        /// The hasher's own message.
        reason: String,
    },

    /// A Docker token scope string did not follow `type:name:actions`.
    #[error("invalid scope {scope:?}: {reason}")]
    InvalidScope {
        /// The offending scope as given (truncated if very long).
        scope: String,
        /// Which part is wrong.
        reason: &'static str,
    },

    /// The operating system's random source failed.
    #[error("failed to read from the operating system's random source: {0}")]
    Random(getrandom::Error),

    /// Reading the token signing key failed.
    #[error("failed to read token signing key {path}")]
    KeyRead {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The token signing key file exists but is not a P-256 private key.
    #[error("token signing key {path} is not a PEM P-256 private key (PKCS#8 or SEC1): {reason}")]
    KeyParse {
        /// The key file.
        path: PathBuf,
        /// Why parsing failed.
        reason: String,
    },

    /// Writing a freshly generated token signing key failed.
    #[error("failed to write token signing key {path}")]
    KeyWrite {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// Generating or encoding the signing key failed.
    #[error("failed to generate token signing key: {reason}")]
    KeyGenerate {
        /// Why.
        reason: String,
    },

    /// Signing a token failed.
    #[error("failed to sign token for {subject:?}")]
    Sign {
        /// The token's subject.
        subject: String,
        /// The signer's error.
        #[source]
        source: jsonwebtoken::errors::Error,
    },
}
