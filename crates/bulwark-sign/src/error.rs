//! One error type per concern: keys, signatures, simple-signing payloads,
//! DSSE envelopes and in-toto statements.

use crate::keys::KeyAlgorithm;

/// Reading, decrypting, generating or writing a key failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The text holds no `-----BEGIN ...-----` / `-----END ...-----` block.
    #[error("not a PEM file: {reason}")]
    NotPem {
        /// What is wrong with the text.
        reason: String,
    },

    /// The PEM input is larger than any key file we accept.
    #[error("PEM input is {len} bytes, more than the {limit} bytes any key file needs")]
    PemTooLarge {
        /// Size of the input.
        len: usize,
        /// The limit.
        limit: usize,
    },

    /// The PEM block has a label this operation does not read.
    #[error("unsupported PEM label {label:?}: expected {expected}")]
    UnsupportedPemLabel {
        /// The label found after `BEGIN`.
        label: String,
        /// The labels that would have been accepted.
        expected: &'static str,
    },

    /// The PEM body is not valid base64.
    #[error("PEM block {label:?} has an invalid base64 body: {reason}")]
    PemBase64 {
        /// The block's label.
        label: String,
        /// The decoder's message.
        reason: String,
    },

    /// The DER structure inside the PEM block could not be parsed.
    #[error("malformed {what}: {reason}")]
    Der {
        /// What was being parsed ("PKCS#8 private key", "SubjectPublicKeyInfo", ...).
        what: &'static str,
        /// The parser's message.
        reason: String,
    },

    /// The key uses an algorithm or curve other than P-256 and Ed25519.
    #[error(
        "unsupported key algorithm {algorithm}: only ECDSA P-256 and Ed25519 keys are supported"
    )]
    UnsupportedAlgorithm {
        /// The algorithm (and curve) OID as found in the key.
        algorithm: String,
    },

    /// The encrypted key's JSON body does not follow the sigstore/cosign format.
    #[error("malformed encrypted private key: {reason}")]
    EncryptedFormat {
        /// What is wrong.
        reason: String,
    },

    /// The encrypted key asks for a KDF or cipher we do not implement.
    #[error("unsupported {what} {name:?} in encrypted private key (expected {expected:?})")]
    UnsupportedEncryption {
        /// "kdf" or "cipher".
        what: &'static str,
        /// The name found.
        name: String,
        /// The only supported name.
        expected: &'static str,
    },

    /// The scrypt parameters are invalid or beyond the cost we are willing to pay.
    #[error(
        "refusing scrypt parameters N={n} r={r} p={p}: {reason} \
         (accepted: N a power of two up to 2^{max_log_n}, r up to {max_r}, p up to {max_p})",
        max_log_n = crate::keys::MAX_SCRYPT_LOG_N,
        max_r = crate::keys::MAX_SCRYPT_R,
        max_p = crate::keys::MAX_SCRYPT_P
    )]
    ScryptParams {
        /// The `N` parameter as found.
        n: u64,
        /// The `r` parameter as found.
        r: u64,
        /// The `p` parameter as found.
        p: u64,
        /// Why they are refused.
        reason: &'static str,
    },

    /// Decryption failed authentication: the passphrase is wrong (or the file was altered).
    #[error("private key passphrase is wrong (or the encrypted key was altered)")]
    WrongPassphrase,

    /// Encoding a key to DER failed.
    #[error("failed to encode {what}: {reason}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The encoder's message.
        reason: String,
    },

    /// The operating system's random source failed.
    #[error("failed to read from the operating system's random source: {0}")]
    Random(getrandom::Error),
}

/// A signature did not verify, or could not even be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature bytes are not in the encoding the key's algorithm uses.
    #[error("malformed {algorithm} signature ({len} bytes): {reason}")]
    Malformed {
        /// The verifying key's algorithm.
        algorithm: KeyAlgorithm,
        /// Length of the signature bytes.
        len: usize,
        /// What is expected.
        reason: &'static str,
    },

    /// The signature is well formed but does not verify over the message with this key.
    #[error("signature does not verify with key {key_id}")]
    Mismatch {
        /// Short key id (first 16 hex digits of [`crate::PublicKey::key_id`]).
        key_id: String,
    },

    /// A DSSE envelope carries no signature that names this key.
    #[error(
        "the envelope has no signature by key {key_id}: its {count} signature(s) name key ids {keyids:?} \
         and none verifies with this key"
    )]
    NoSignatureByKey {
        /// Short key id of the key we verified with.
        key_id: String,
        /// Number of signatures in the envelope.
        count: usize,
        /// The key ids the signatures name.
        keyids: Vec<String>,
    },

    /// None of a DSSE envelope's signatures verifies with this key.
    #[error(
        "none of the envelope's {count} signature(s) verifies with key {key_id}: \
         the payload, its type or the signature was altered, or it was signed by another key"
    )]
    NoneVerify {
        /// Short key id of the key we verified with.
        key_id: String,
        /// Number of signatures in the envelope.
        count: usize,
    },
}

/// A cosign simple-signing payload is malformed.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// The payload is larger than any simple-signing payload should be.
    #[error("simple-signing payload is {len} bytes, more than the {limit} byte limit")]
    TooLarge {
        /// Size of the payload.
        len: usize,
        /// The limit.
        limit: usize,
    },

    /// The payload is not JSON, or not the expected shape.
    #[error("simple-signing payload is not valid: {0}")]
    Json(#[source] serde_json::Error),

    /// `critical.type` is not the cosign type.
    #[error("simple-signing payload has critical.type {found:?}, expected {expected:?}")]
    WrongType {
        /// The type found.
        found: String,
        /// [`crate::COSIGN_SIGNATURE_TYPE`].
        expected: &'static str,
    },

    /// `critical.image.docker-manifest-digest` is not `algorithm:hex`.
    #[error("simple-signing payload has an invalid docker-manifest-digest {digest:?}: {reason}")]
    BadDigest {
        /// The digest found (truncated if long).
        digest: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// A DSSE envelope is malformed.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// The envelope is larger than we read.
    #[error("DSSE envelope is {len} bytes, more than the {limit} byte limit")]
    TooLarge {
        /// Size of the envelope.
        len: usize,
        /// The limit.
        limit: usize,
    },

    /// The envelope is not JSON, is truncated, or lacks a required field.
    #[error("DSSE envelope is not valid JSON of the expected shape: {0}")]
    Json(#[source] serde_json::Error),

    /// A base64 field does not decode.
    #[error("DSSE envelope field {field} is not valid base64: {reason}")]
    Base64 {
        /// `payload` or `signatures[i].sig`.
        field: String,
        /// The decoder's message.
        reason: String,
    },

    /// The envelope carries no signature.
    #[error("DSSE envelope has no signatures")]
    NoSignatures,

    /// The envelope carries more signatures than we check.
    #[error("DSSE envelope has {count} signatures, more than the {limit} we check")]
    TooManySignatures {
        /// Number of signatures.
        count: usize,
        /// The limit.
        limit: usize,
    },

    /// A field that must not be empty is empty.
    #[error("DSSE envelope field {field} is empty")]
    Empty {
        /// The field name.
        field: String,
    },
}

/// An in-toto statement is malformed.
#[derive(Debug, thiserror::Error)]
pub enum StatementError {
    /// The statement is larger than we read.
    #[error("in-toto statement is {len} bytes, more than the {limit} byte limit")]
    TooLarge {
        /// Size of the statement.
        len: usize,
        /// The limit.
        limit: usize,
    },

    /// The statement is not JSON of the expected shape.
    #[error("in-toto statement is not valid: {0}")]
    Json(#[source] serde_json::Error),

    /// `_type` is neither Statement v1 nor v0.1.
    #[error("unsupported in-toto statement _type {found:?} (expected {v1:?} or {v01:?})", v1 = crate::STATEMENT_V1, v01 = crate::STATEMENT_V01)]
    UnsupportedType {
        /// The `_type` found.
        found: String,
    },

    /// The statement names no subject.
    #[error("in-toto statement has no subject")]
    NoSubject,

    /// A subject's digest set is empty or holds an invalid digest.
    #[error("in-toto statement subject #{index} ({name:?}) has an invalid digest: {reason}")]
    BadSubjectDigest {
        /// Position of the subject.
        index: usize,
        /// The subject's name.
        name: String,
        /// What is wrong.
        reason: String,
    },

    /// `predicateType` is empty.
    #[error("in-toto statement has an empty predicateType")]
    EmptyPredicateType,
}
