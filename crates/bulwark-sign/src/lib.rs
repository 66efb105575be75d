//! Signing primitives compatible with cosign, pure and offline:
//!
//! * [`SigningKey`] / [`PublicKey`]: ECDSA P-256 and Ed25519 keys; cosign's
//!   passphrase-encrypted private key PEM (scrypt + NaCl secretbox), PKCS#8/SEC1
//!   and PKIX PEM; sign and verify.
//! * [`SimpleSigning`]: the payload `cosign sign` signs for an image.
//! * [`Envelope`]: DSSE envelopes and their pre-authentication encoding [`pae`].
//! * [`Statement`]: in-toto Statements (v1, and v0.1 as cosign writes them).
//!
//! Nothing here touches the network or a registry: finding and attaching
//! signatures is `bulwark-trust`'s job.

mod b64;
pub mod dsse;
pub mod error;
pub mod keys;
mod pem;
pub mod simple_signing;
pub mod statement;
mod strict_json;

pub use dsse::{
    Envelope, EnvelopeSignature, INTOTO_PAYLOAD_TYPE, MAX_ENVELOPE_BYTES, MAX_SIGNATURES, pae,
};
pub use error::{EnvelopeError, KeyError, PayloadError, SignatureError, StatementError};
pub use keys::{KeyAlgorithm, MAX_SCRYPT_LOG_N, MAX_SCRYPT_P, MAX_SCRYPT_R, PublicKey, SigningKey};
pub use simple_signing::{
    COSIGN_SIGNATURE_TYPE, MAX_PAYLOAD_BYTES, SIMPLE_SIGNING_MEDIA_TYPE, SimpleSigning,
};
pub use statement::{
    MAX_STATEMENT_BYTES, STATEMENT_V01, STATEMENT_V1, Statement, Subject, predicate_type_for,
};
