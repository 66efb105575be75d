//! Registry authentication: `WWW-Authenticate` challenges, the Docker token flow and the
//! `Authorization` values we cache.
//!
//! The flow: ask anonymously; on 401 read the challenge. `Basic` means "send the
//! credentials with every request". `Bearer realm=..,service=..` means "get a token from
//! the realm for `scope=repository:<repo>:pull` (`pull,push` for writes; with the
//! credentials as basic auth, or anonymously) and send it as `Authorization: Bearer`".
//! Identity tokens from the Docker config are exchanged with an OAuth2 `refresh_token` POST
//! instead. A token service grants what it will, not necessarily all that was asked: a
//! push with a pull-only token fails at the registry, not here.

use std::fmt;
use std::io::Read;
use std::time::{Duration, Instant};

use base64::Engine;
use serde::Deserialize;
use ureq::Agent;
use ureq::http::Uri;

use super::docker_config::StoredCredential;
use super::error::{RegistryError, json_error_summary, parse_error_body};

/// Longest token response we read.
const MAX_TOKEN_RESPONSE: u64 = 1024 * 1024;
/// Token lifetime when the service does not say (the Docker token spec's minimum).
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(60);
/// `client_id` sent with OAuth2 refresh-token requests.
const CLIENT_ID: &str = "bulwark";

/// A password, token or `Authorization` value: shown as `<redacted>` in `Debug` and never
/// `Display`ed.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// One authentication scheme a registry offered in `WWW-Authenticate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

/// Parses a `WWW-Authenticate` value, which may hold several challenges:
/// `Bearer realm="https://auth/token",service="reg",scope="repository:a:pull", Basic realm="x"`.
/// Unknown schemes and bearer challenges without a realm are dropped.
pub(crate) fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut raw: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut chars = header.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        let mut token = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != ',' && *c != '=') {
            token.push(c);
        }
        if token.is_empty() {
            // Either the end, or a stray `=`: skip it and keep going.
            if chars.next().is_none() {
                break;
            }
            continue;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next_if_eq(&'=').is_some() {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            let mut value = String::new();
            if chars.next_if_eq(&'"').is_some() {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => value.extend(chars.next()),
                        c => value.push(c),
                    }
                }
            } else {
                while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != ',') {
                    value.push(c);
                }
            }
            if let Some((_, params)) = raw.last_mut() {
                params.push((token.to_ascii_lowercase(), value));
            }
        } else {
            raw.push((token, Vec::new()));
        }
    }

    raw.into_iter()
        .filter_map(|(scheme, params)| {
            let get = |name: &str| {
                params
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            };
            if scheme.eq_ignore_ascii_case("basic") {
                Some(Challenge::Basic)
            } else if scheme.eq_ignore_ascii_case("bearer") {
                Some(Challenge::Bearer {
                    realm: get("realm").filter(|r| !r.is_empty())?,
                    service: get("service").filter(|s| !s.is_empty()),
                    scope: get("scope").filter(|s| !s.is_empty()),
                })
            } else {
                None
            }
        })
        .collect()
}

/// An `Authorization` header value we can reuse, and until when.
#[derive(Debug, Clone)]
pub(crate) struct CachedAuth {
    header: Secret,
    expires_at: Option<Instant>,
}

impl CachedAuth {
    /// The header value, unless it has expired.
    pub(crate) fn header(&self) -> Option<&Secret> {
        match self.expires_at {
            Some(at) if Instant::now() >= at => None,
            _ => Some(&self.header),
        }
    }

    pub(crate) fn basic(username: &str, password: &str) -> Self {
        Self {
            header: basic_header(username, password),
            expires_at: None,
        }
    }
}

fn basic_header(username: &str, password: &str) -> Secret {
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    Secret(format!("Basic {encoded}"))
}

/// Where a token request goes and what it is for (for error messages).
pub(crate) struct TokenRequest<'a> {
    pub realm: &'a str,
    pub service: Option<&'a str>,
    pub scope: &'a str,
    pub registry: &'a str,
    pub repository: &'a str,
    /// Whether the registry itself is spoken to over plain HTTP; credentials go to a
    /// plain-HTTP realm only then.
    pub plain_http_ok: bool,
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Asks the token service for a token for `request.scope`; anonymous when `credential`
/// is `None`.
pub(crate) fn fetch_token(
    agent: &Agent,
    request: &TokenRequest<'_>,
    credential: Option<&StoredCredential>,
) -> Result<CachedAuth, RegistryError> {
    let realm = request.realm;
    let invalid = |reason: String| RegistryError::InvalidResponse {
        url: realm.to_string(),
        reason,
    };
    let uri: Uri = realm
        .parse()
        .map_err(|_| invalid("the token realm is not a valid URL".into()))?;
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if credential.is_none() || request.plain_http_ok => {}
        Some("http") => {
            return Err(invalid(
                "refusing to send credentials to a plain-HTTP token realm of an HTTPS registry"
                    .into(),
            ));
        }
        _ => return Err(invalid("the token realm is not an http(s) URL".into())),
    }
    tracing::debug!(
        realm,
        scope = request.scope,
        service = request.service,
        "requesting registry token"
    );

    let response = match credential {
        Some(StoredCredential::IdentityToken { token, .. }) => {
            let mut form = vec![
                ("grant_type", "refresh_token"),
                ("client_id", CLIENT_ID),
                ("scope", request.scope),
                ("refresh_token", token.expose()),
            ];
            if let Some(service) = request.service {
                form.push(("service", service));
            }
            agent.post(realm).send_form(form)
        }
        other => {
            let mut builder = agent.get(realm).query("scope", request.scope);
            if let Some(service) = request.service {
                builder = builder.query("service", service);
            }
            if let Some(StoredCredential::Basic(creds)) = other {
                builder = builder.header(
                    "Authorization",
                    basic_header(&creds.username, &creds.password).expose(),
                );
            }
            builder.call()
        }
    }
    .map_err(|source| RegistryError::Transport {
        url: realm.to_string(),
        source: Box::new(source),
    })?;

    let status = response.status().as_u16();
    let mut body = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(MAX_TOKEN_RESPONSE + 1)
        .read_to_end(&mut body)
        .map_err(|source| RegistryError::Io {
            url: realm.to_string(),
            source,
        })?;
    if status == 401 || status == 403 {
        return Err(RegistryError::Unauthorized {
            registry: request.registry.to_string(),
            repository: request.repository.to_string(),
            status,
            errors: parse_error_body(&body),
        });
    }
    if !(200..300).contains(&status) {
        return Err(RegistryError::Http {
            url: realm.to_string(),
            status,
            errors: parse_error_body(&body),
        });
    }
    if body.len() as u64 > MAX_TOKEN_RESPONSE {
        return Err(RegistryError::TooLarge {
            url: realm.to_string(),
            limit: MAX_TOKEN_RESPONSE,
        });
    }
    // Never echo the body: it holds the token.
    let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
        invalid(format!(
            "the token response is not valid JSON ({})",
            json_error_summary(&e)
        ))
    })?;
    let token = parsed
        .token
        .filter(|t| !t.is_empty())
        .or(parsed.access_token.filter(|t| !t.is_empty()))
        .ok_or_else(|| {
            invalid("the token response has neither `token` nor `access_token`".into())
        })?;
    if token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(invalid(
            "the token holds characters not allowed in a header".into(),
        ));
    }
    let lifetime = parsed
        .expires_in
        .map(Duration::from_secs)
        .filter(|d| *d >= DEFAULT_TOKEN_LIFETIME)
        .unwrap_or(DEFAULT_TOKEN_LIFETIME);
    Ok(CachedAuth {
        header: Secret(format!("Bearer {token}")),
        expires_at: Instant::now().checked_add(lifetime),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_and_basic_challenges() {
        let cases: &[(&str, Vec<Challenge>)] = &[
            (
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
                vec![Challenge::Bearer {
                    realm: "https://auth.docker.io/token".into(),
                    service: Some("registry.docker.io".into()),
                    scope: Some("repository:library/alpine:pull".into()),
                }],
            ),
            // Quoted commas, escaped quotes, odd spacing and case, then a second challenge.
            (
                r#"bearer  Realm = "https://a/t?x=1,2" , scope="repository:a:pull,push", service="s\"q", Basic realm="r""#,
                vec![
                    Challenge::Bearer {
                        realm: "https://a/t?x=1,2".into(),
                        service: Some("s\"q".into()),
                        scope: Some("repository:a:pull,push".into()),
                    },
                    Challenge::Basic,
                ],
            ),
            (r#"Basic realm="test-realm""#, vec![Challenge::Basic]),
            ("Basic", vec![Challenge::Basic]),
            // Unquoted values; no scope.
            (
                "Bearer realm=https://a/token,service=reg",
                vec![Challenge::Bearer {
                    realm: "https://a/token".into(),
                    service: Some("reg".into()),
                    scope: None,
                }],
            ),
            // Bearer without realm is useless; unknown schemes are skipped.
            (r#"Bearer service="x""#, vec![]),
            (r#"Negotiate abc==, Digest realm="x", nonce="y""#, vec![]),
            ("", vec![]),
            ("=,,=\"", vec![]),
            (
                r#"Bearer realm="unterminated"#,
                vec![Challenge::Bearer {
                    realm: "unterminated".into(),
                    service: None,
                    scope: None,
                }],
            ),
        ];
        for (header, expected) in cases {
            assert_eq!(&parse_challenges(header), expected, "{header}");
        }
    }

    #[test]
    fn secrets_are_redacted() {
        let auth = CachedAuth::basic("user", "hunter2");
        let debug = format!("{auth:?}");
        assert!(!debug.contains("hunter2"));
        assert!(!debug.contains(&base64::engine::general_purpose::STANDARD.encode("user:hunter2")));
        assert_eq!(
            auth.header().unwrap().expose(),
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("user:hunter2")
            )
        );
    }

    #[test]
    fn expired_tokens_are_not_used() {
        let auth = CachedAuth {
            header: Secret::new("Bearer t"),
            expires_at: Some(Instant::now()),
        };
        assert!(auth.header().is_none());
    }
}
