//! ES256 bearer tokens in the Docker registry token format.
//!
//! [`TokenService`] signs tokens whose `access` claim lists what the holder may do,
//! and verifies them strictly: only ES256 (never `none` or HMAC, whatever the header
//! says), this service's key, issuer and audience, and `exp`/`nbf` within
//! [`LEEWAY_SECS`].

mod claims;
mod error;
mod key;

use std::fmt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Header, Validation};

pub use claims::{Access, Claims, IssuedToken};
pub use error::TokenError;

use crate::AuthError;
use key::KeyPair;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: u64 = 30;

/// Issues and verifies the registry's bearer tokens.
pub struct TokenService {
    issuer: String,
    audience: String,
    ttl: Duration,
    key: KeyPair,
    validation: Validation,
}

impl fmt::Debug for TokenService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenService")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("ttl", &self.ttl)
            .field("kid", &self.key.kid)
            .finish_non_exhaustive()
    }
}

impl TokenService {
    /// Loads the PEM P-256 private key at `key_path` (PKCS#8, or SEC1 as written by
    /// `openssl ecparam`), or generates one and writes it there as PKCS#8 with mode
    /// 0600, atomically (temporary file + rename). Missing parent directories are
    /// created. Tokens will carry `iss = issuer`, `aud = audience` and live `ttl`.
    pub fn load_or_create(
        key_path: &Path,
        issuer: &str,
        audience: &str,
        ttl: Duration,
    ) -> Result<Self, AuthError> {
        let key = KeyPair::load_or_create(key_path)?;
        let mut validation = Validation::new(Algorithm::ES256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        Ok(Self {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
            key,
            validation,
        })
    }

    /// Signs a token for `subject` granting `access`, valid from now for [`Self::ttl`].
    pub fn issue(&self, subject: &str, access: Vec<Access>) -> Result<IssuedToken, AuthError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.issue_at(subject, access, now)
    }

    /// [`Self::issue`] with an explicit clock, for tests.
    fn issue_at(
        &self,
        subject: &str,
        access: Vec<Access>,
        now: u64,
    ) -> Result<IssuedToken, AuthError> {
        let mut jti = [0u8; 16];
        crate::secret::random_bytes(&mut jti)?;
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: subject.to_owned(),
            aud: self.audience.clone(),
            exp: now.saturating_add(self.ttl.as_secs()),
            nbf: now,
            iat: now,
            jti: URL_SAFE_NO_PAD.encode(jti),
            access,
        };
        Ok(IssuedToken {
            token: self.sign(&claims)?,
            expires_in: self.ttl.as_secs(),
            issued_at: rfc3339(now),
        })
    }

    /// Signs arbitrary claims with this service's key.
    fn sign(&self, claims: &Claims) -> Result<String, AuthError> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key.encoding).map_err(|source| {
            AuthError::Sign {
                subject: claims.sub.clone(),
                source,
            }
        })
    }

    /// Verifies `token` and returns its claims. Checks, in order: shape, `alg` is
    /// ES256, signature, then `exp`, `nbf`, `iss` and `aud`.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        check_header_alg(token)?;
        let data = jsonwebtoken::decode::<Claims>(token, &self.key.decoding, &self.validation)?;
        Ok(data.claims)
    }

    /// The public key as a JWK set: `{"keys": [{"kty": "EC", "crv": "P-256", "kid": ...}]}`.
    /// Issued tokens carry the same `kid` in their header.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({ "keys": [self.key.jwk.clone()] })
    }

    /// The key id (RFC 7638 thumbprint of the public key).
    pub fn kid(&self) -> &str {
        &self.key.kid
    }

    /// Lifetime of issued tokens.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}

/// Reads the header's `alg` ourselves, before any key is involved, so that `none`,
/// HMAC and every other algorithm get a precise [`TokenError::UnsupportedAlgorithm`].
fn check_header_alg(token: &str) -> Result<(), TokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed(
            "expected three dot-separated parts".into(),
        ));
    };
    let header = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|e| TokenError::Malformed(format!("header is not base64url: {e}")))?;
    let header: serde_json::Value = serde_json::from_slice(&header)
        .map_err(|e| TokenError::Malformed(format!("header is not JSON: {e}")))?;
    match header.get("alg").and_then(serde_json::Value::as_str) {
        Some("ES256") => Ok(()),
        Some(_) => Err(TokenError::UnsupportedAlgorithm),
        None => Err(TokenError::Malformed("header has no \"alg\"".into())),
    }
}

/// Unix seconds as RFC 3339 UTC; falls back to the epoch for out-of-range input.
fn rfc3339(unix: u64) -> String {
    let t = i64::try_from(unix)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod key_tests;
#[cfg(test)]
mod tests;
