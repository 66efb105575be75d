//! What can go wrong talking to a registry. Messages name the URL or repository and never
//! carry a password or token.

use std::path::PathBuf;

use bulwark_types::Digest;
use serde::Deserialize;

use crate::ReferenceError;

/// One entry of an OCI Distribution error body: `{"errors":[{"code":..,"message":..}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OciErrorInfo {
    /// Machine-readable code such as `MANIFEST_UNKNOWN`, `BLOB_UNKNOWN`, `DENIED`.
    pub code: String,
    /// The registry's human-readable message.
    #[serde(default)]
    pub message: String,
}

/// Errors talking to a registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The reference cannot be turned into a request (hand-built with invalid fields).
    #[error(transparent)]
    Reference(#[from] ReferenceError),

    /// No HTTP answer at all: DNS, connection, TLS, timeout.
    #[error("request to {url} failed: {source}")]
    Transport {
        url: String,
        #[source]
        source: Box<ureq::Error>,
    },

    /// The registry answered with an unexpected HTTP status.
    #[error("request to {url} failed with HTTP {status}{}", describe_errors(.errors))]
    Http {
        url: String,
        status: u16,
        /// The decoded OCI error body, empty when there was none.
        errors: Vec<OciErrorInfo>,
    },

    /// The registry (or its token service) refused the request.
    #[error(
        "not authorized to pull {repository} from {registry} (HTTP {status}{}); pass registry \
         credentials, or log in so that they are in the Docker config file",
        describe_errors(.errors)
    )]
    Unauthorized {
        registry: String,
        repository: String,
        status: u16,
        errors: Vec<OciErrorInfo>,
    },

    /// The registry (or its token service) refused a push: no credentials, wrong ones, or
    /// credentials without push permission on the repository.
    #[error(
        "not authorized to push to {repository} on {registry} (HTTP {status}{}); {}",
        describe_errors(.errors),
        push_hint(*.anonymous)
    )]
    PushDenied {
        registry: String,
        repository: String,
        status: u16,
        errors: Vec<OciErrorInfo>,
        /// No credentials were sent (none given, none in the Docker config file).
        anonymous: bool,
    },

    /// The content to push does not hash to the digest its reference names.
    #[error("the content to push has digest {actual}, but its reference names {expected}")]
    ReferenceDigestMismatch { expected: Digest, actual: Digest },

    /// The registry reports a digest for pushed content other than the content's own.
    #[error("{url} stored the pushed content as {announced}, but it has digest {expected}")]
    PushDigestMismatch {
        url: String,
        expected: Digest,
        /// The registry's `Docker-Content-Digest` (text, to keep this error small).
        announced: String,
    },

    /// The content does not hash to the digest it was asked for (or announced with).
    #[error("content from {url} has digest {actual}, expected {expected}")]
    DigestMismatch {
        url: String,
        expected: Digest,
        actual: Digest,
    },

    /// The response is larger than allowed (manifest cap, or the expected blob size).
    #[error("response from {url} is larger than the limit of {limit} bytes")]
    TooLarge { url: String, limit: u64 },

    /// The response ended before all announced bytes arrived.
    #[error("response from {url} ended after {received} of {expected} bytes")]
    Truncated {
        url: String,
        expected: u64,
        received: u64,
    },

    /// Reading the response body failed.
    #[error("failed to read the response from {url}: {source}")]
    Io {
        url: String,
        #[source]
        source: std::io::Error,
    },

    /// Writing a blob into the caller's sink failed.
    #[error("failed to write blob {digest}: {source}")]
    Sink {
        digest: Digest,
        #[source]
        source: std::io::Error,
    },

    /// The registry or token service sent something that is not what the protocol says.
    #[error("invalid response from {url}: {reason}")]
    InvalidResponse { url: String, reason: String },

    /// The Docker config file exists but cannot be used.
    #[error("failed to read registry credentials from {}: {reason}", path.display())]
    Credentials { path: PathBuf, reason: String },
}

fn describe_errors(errors: &[OciErrorInfo]) -> String {
    let mut out = String::new();
    for (i, e) in errors.iter().enumerate() {
        out.push_str(if i == 0 { ": " } else { "; " });
        out.push_str(&e.code);
        if !e.message.is_empty() {
            out.push_str(": ");
            out.push_str(&e.message);
        }
    }
    out
}

fn push_hint(anonymous: bool) -> &'static str {
    if anonymous {
        "pass registry credentials with push permission, or log in so that they are in the \
         Docker config file"
    } else {
        "the credentials are wrong or lack push permission on that repository"
    }
}

/// Describes a JSON error by kind and position only: serde's own message can quote the
/// offending value, which may be a password or token.
pub(crate) fn json_error_summary(e: &serde_json::Error) -> String {
    let kind = match e.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected value",
        serde_json::error::Category::Eof => "unexpected end",
    };
    format!("{kind} at line {}, column {}", e.line(), e.column())
}

/// Decodes an OCI error body; anything else gives an empty list.
pub(crate) fn parse_error_body(body: &[u8]) -> Vec<OciErrorInfo> {
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        errors: Vec<OciErrorInfo>,
    }
    // Registries are free to put anything into messages; keep them short for terminals.
    const MAX_MESSAGE: usize = 300;
    let mut errors = serde_json::from_slice::<Body>(body)
        .map(|b| b.errors)
        .unwrap_or_default();
    errors.truncate(8);
    for e in &mut errors {
        if e.message.len() > MAX_MESSAGE {
            let mut end = MAX_MESSAGE;
            while !e.message.is_char_boundary(end) {
                end -= 1;
            }
            e.message.truncate(end);
            e.message.push_str("...");
        }
        e.message.retain(|c| !c.is_control());
        e.code.retain(|c| !c.is_control());
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_oci_error_bodies() {
        let body = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}"#;
        let errors = parse_error_body(body);
        assert_eq!(
            errors,
            vec![OciErrorInfo {
                code: "MANIFEST_UNKNOWN".into(),
                message: "manifest unknown".into()
            }]
        );
        let err = RegistryError::Http {
            url: "http://r/v2/x/manifests/1".into(),
            status: 404,
            errors,
        };
        assert_eq!(
            err.to_string(),
            "request to http://r/v2/x/manifests/1 failed with HTTP 404: MANIFEST_UNKNOWN: manifest unknown"
        );
        let denied = RegistryError::PushDenied {
            registry: "r:5000".into(),
            repository: "p/app".into(),
            status: 403,
            errors: vec![OciErrorInfo {
                code: "DENIED".into(),
                message: "guest may not push p/app".into(),
            }],
            anonymous: false,
        };
        assert_eq!(
            denied.to_string(),
            "not authorized to push to p/app on r:5000 (HTTP 403: DENIED: guest may not push \
             p/app); the credentials are wrong or lack push permission on that repository"
        );
        assert!(parse_error_body(b"<html>nope</html>").is_empty());
        assert!(parse_error_body(b"").is_empty());
        let long = format!(
            r#"{{"errors":[{{"code":"DENIED","message":"{}\u001b[31m"}}]}}"#,
            "é".repeat(400)
        );
        let errors = parse_error_body(long.as_bytes());
        assert!(errors[0].message.len() < 320);
        assert!(!errors[0].message.contains('\u{1b}'));
    }
}
