//! Registry authentication: HTTP basic, and the Docker token flow behind a Bearer
//! challenge (`WWW-Authenticate: Bearer realm=..,service=..,scope=..`).

use std::collections::HashMap;

use base64::Engine as _;

use super::ClientError;
use super::url::{encode, path_of};
use crate::target::Auth;

/// A parsed Bearer challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub realm: String,
    pub service: Option<String>,
    /// Space-separated scopes, as the registry asked for them.
    pub scope: Option<String>,
}

impl Challenge {
    /// Parses a `WWW-Authenticate` value; `None` unless it is a Bearer challenge with a realm.
    pub(crate) fn parse(header: &str) -> Option<Self> {
        let header = header.trim();
        let (scheme, params) = header.split_once(char::is_whitespace)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let params = parse_params(params);
        Some(Self {
            realm: params.get("realm")?.clone(),
            service: params.get("service").cloned(),
            scope: params.get("scope").cloned(),
        })
    }

    /// The token endpoint URL for this challenge.
    fn token_url(&self) -> String {
        let mut url = self.realm.clone();
        let mut separator = if url.contains('?') { '&' } else { '?' };
        if let Some(service) = &self.service {
            url.push_str(&format!("{separator}service={}", encode(service)));
            separator = '&';
        }
        for scope in self.scope.iter().flat_map(|s| s.split_whitespace()) {
            url.push_str(&format!("{separator}scope={}", encode(scope)));
            separator = '&';
        }
        url
    }
}

/// Parses `key=value` and `key="quoted, value"` pairs separated by commas.
fn parse_params(input: &str) -> HashMap<String, String> {
    let mut params = HashMap::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ',' || c.is_whitespace()).is_some() {}
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
        if chars.next().is_none() {
            return params;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => value.extend(chars.next()),
                    other => value.push(other),
                }
            }
        } else {
            value.extend(std::iter::from_fn(|| chars.next_if(|c| *c != ',')));
        }
        params.insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
}

/// `Basic base64(user:password)`.
pub(crate) fn basic_header(username: &str, password: &str) -> String {
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    format!("Basic {encoded}")
}

/// Exchanges credentials (or nothing, for anonymous access) for a token at the challenge's
/// realm. The token is in `token` or, from OAuth2-style servers, `access_token`.
pub(crate) fn fetch_token(
    agent: &ureq::Agent,
    challenge: &Challenge,
    auth: &Auth,
) -> Result<String, ClientError> {
    let url = challenge.token_url();
    let token_error = |reason: String| ClientError::Token {
        realm: path_of(&challenge.realm).to_owned(),
        reason,
    };
    let mut request = agent.get(&url);
    if let Auth::Basic { username, password } = auth {
        request = request.header("Authorization", basic_header(username, password));
    }
    let mut response = request.call().map_err(|e| token_error(e.to_string()))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_vec()
        .map_err(|e| token_error(e.to_string()))?;
    if status != 200 {
        return Err(token_error(format!("token endpoint answered {status}")));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| token_error(format!("not JSON: {e}")))?;
    ["token", "access_token"]
        .iter()
        .find_map(|key| {
            json.get(key)
                .and_then(|v| v.as_str())
                .filter(|t| !t.is_empty())
        })
        .map(str::to_owned)
        .ok_or_else(|| token_error("no `token` or `access_token` in the answer".to_owned()))
}

/// Tokens by scope. Once a registry has sent a Bearer challenge, requests carry the token
/// cached for their predicted scope instead of basic credentials.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    bearer: bool,
    tokens: HashMap<String, String>,
}

impl TokenCache {
    /// The `Authorization` value for a request whose predicted scope is `scope`.
    pub(crate) fn authorization(&self, auth: &Auth, scope: Option<&str>) -> Option<String> {
        if self.bearer {
            let token = self.tokens.get(scope.unwrap_or_default())?;
            return Some(format!("Bearer {token}"));
        }
        match auth {
            Auth::Anonymous => None,
            Auth::Basic { username, password } => Some(basic_header(username, password)),
        }
    }

    /// Remembers `token` for the scope the registry asked for and the predicted one.
    pub(crate) fn store(&mut self, challenge: &Challenge, predicted: Option<&str>, token: &str) {
        self.bearer = true;
        let asked = challenge.scope.clone().unwrap_or_default();
        self.tokens.insert(asked, token.to_owned());
        self.tokens
            .insert(predicted.unwrap_or_default().to_owned(), token.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_docker_challenge_with_commas_in_the_scope() {
        let challenge = Challenge::parse(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:app:pull,push""#,
        )
        .unwrap();
        assert_eq!(challenge.realm, "https://auth.example/token");
        assert_eq!(challenge.service.as_deref(), Some("registry.example"));
        assert_eq!(challenge.scope.as_deref(), Some("repository:app:pull,push"));
        assert_eq!(
            challenge.token_url(),
            "https://auth.example/token?service=registry.example&scope=repository:app:pull%2Cpush"
        );
    }

    #[test]
    fn basic_challenges_are_not_bearer() {
        assert_eq!(Challenge::parse(r#"Basic realm="registry""#), None);
        assert_eq!(Challenge::parse("Bearer service=x"), None);
    }

    #[test]
    fn several_scopes_become_several_parameters() {
        let challenge = Challenge {
            realm: "http://a/t?x=1".to_owned(),
            service: None,
            scope: Some("repository:a:pull repository:b:pull".to_owned()),
        };
        assert_eq!(
            challenge.token_url(),
            "http://a/t?x=1&scope=repository:a:pull&scope=repository:b:pull"
        );
    }

    #[test]
    fn cache_switches_from_basic_to_bearer() {
        let auth = Auth::Basic {
            username: "u".to_owned(),
            password: "p".to_owned(),
        };
        let mut cache = TokenCache::default();
        assert_eq!(
            cache.authorization(&auth, Some("s")).as_deref(),
            Some("Basic dTpw")
        );
        let challenge = Challenge::parse(r#"Bearer realm="http://a/t",scope="s""#).unwrap();
        cache.store(&challenge, Some("s"), "tok");
        assert_eq!(
            cache.authorization(&auth, Some("s")).as_deref(),
            Some("Bearer tok")
        );
        assert_eq!(cache.authorization(&auth, Some("other")), None);
    }
}
