//! Why a bearer token was refused.

use jsonwebtoken::errors::ErrorKind;

/// A token failed verification. Each variant names one precise reason, suitable
/// for logs; clients should only be told the token is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// `exp` is in the past (beyond the leeway).
    #[error("token has expired")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("token is not valid yet (nbf is in the future)")]
    NotYetValid,
    /// `aud` is not this registry's service name.
    #[error("token was issued for a different audience (service)")]
    WrongAudience,
    /// `iss` is not this token service.
    #[error("token was issued by a different issuer")]
    WrongIssuer,
    /// The signature does not verify with this service's key.
    #[error("token signature does not verify with this service's key")]
    BadSignature,
    /// Not a well-formed JWT, or a required claim is missing or mistyped.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The header's `alg` is not ES256 (`none`, `HS256`, ... are refused).
    #[error("token algorithm is not ES256")]
    UnsupportedAlgorithm,
}

impl From<jsonwebtoken::errors::Error> for TokenError {
    fn from(e: jsonwebtoken::errors::Error) -> Self {
        match e.kind() {
            ErrorKind::ExpiredSignature => TokenError::Expired,
            ErrorKind::ImmatureSignature => TokenError::NotYetValid,
            ErrorKind::InvalidAudience => TokenError::WrongAudience,
            ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
            ErrorKind::InvalidSignature | ErrorKind::InvalidEcdsaKey => TokenError::BadSignature,
            ErrorKind::InvalidAlgorithm | ErrorKind::UnsupportedAlgorithm => {
                TokenError::UnsupportedAlgorithm
            }
            ErrorKind::MissingRequiredClaim(claim) => {
                TokenError::Malformed(format!("missing required claim {claim:?}"))
            }
            ErrorKind::InvalidClaimFormat(claim) => {
                TokenError::Malformed(format!("claim {claim:?} has the wrong type"))
            }
            _ => TokenError::Malformed(e.to_string()),
        }
    }
}
