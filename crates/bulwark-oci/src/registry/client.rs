//! The HTTP side of [`RegistryClient`]: the agent, URLs, sending a request with whatever
//! authentication the registry asks for, and reading bodies within limits.

use std::io::Read;
use std::sync::PoisonError;
use std::time::Duration;

use ureq::Agent;
use ureq::config::RedirectAuthHeaders;
use ureq::http::Response;
use ureq::http::header::{AUTHORIZATION, CONTENT_LENGTH, WWW_AUTHENTICATE};
use ureq::tls::TlsConfig;

use super::auth::{CachedAuth, Challenge, Secret, TokenRequest, fetch_token, parse_challenges};
use super::docker_config::{self, StoredCredential};
use super::error::{RegistryError, parse_error_body};
use super::{ClientOptions, RegistryClient};
use crate::Reference;

/// `User-Agent` on every request.
const USER_AGENT: &str = concat!("bulwark/", env!("CARGO_PKG_VERSION"));
/// Largest error body we read to decode OCI error codes.
const MAX_ERROR_BODY: u64 = 64 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Time to the response headers (registries may compute a manifest on the fly).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest silence while a body streams; no total limit, so large layers can take long.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_REDIRECTS: u32 = 10;

pub(super) type HttpResponse = Response<ureq::Body>;

pub(super) fn build_agent(options: &ClientOptions) -> Agent {
    let tls = TlsConfig::builder()
        .disable_verification(options.insecure)
        .build();
    Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(USER_AGENT)
        // Blob downloads redirect to storage on other hosts: tokens stay behind.
        .redirect_auth_headers(RedirectAuthHeaders::SameHost)
        .max_redirects(MAX_REDIRECTS)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_recv_response(Some(RESPONSE_TIMEOUT))
        .timeout_per_read(Some(READ_TIMEOUT))
        .tls_config(tls)
        .build()
        .new_agent()
}

/// `localhost`, `127.0.0.1` and `[::1]` (with any port) are spoken to over plain HTTP.
fn is_loopback(registry: &str) -> bool {
    let host = if registry.starts_with('[') {
        registry
            .find(']')
            .and_then(|end| registry.get(..=end))
            .unwrap_or(registry)
    } else {
        registry.split(':').next().unwrap_or(registry)
    };
    matches!(
        host.to_ascii_lowercase().as_str(),
        "localhost" | "127.0.0.1" | "[::1]"
    )
}

impl RegistryClient {
    /// Whether `registry` is spoken to over plain HTTP.
    pub(super) fn plain_http(&self, registry: &str) -> bool {
        self.options.insecure || is_loopback(registry)
    }

    /// `http(s)://host[:port]/v2/<repository>/` for a validated reference.
    pub(super) fn repository_url(&self, reference: &Reference) -> Result<String, RegistryError> {
        reference.validate()?;
        let scheme = if self.plain_http(&reference.registry) {
            "http"
        } else {
            "https"
        };
        Ok(format!(
            "{scheme}://{}/v2/{}/",
            reference.registry, reference.repository
        ))
    }

    /// GETs `url` for `reference`'s repository with extra `headers`, authenticating when
    /// the registry asks.
    /// Returns only 2xx responses; anything else becomes an error carrying the registry's
    /// OCI error codes.
    pub(super) fn get(
        &self,
        reference: &Reference,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<HttpResponse, RegistryError> {
        let key = (reference.registry.clone(), reference.repository.clone());
        let mut authorization = self.cached_auth(&key);
        let mut authenticated = false;
        loop {
            let mut request = self.agent.get(url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if let Some(value) = &authorization {
                request = request.header(AUTHORIZATION, value.expose());
            }
            let response = request.call().map_err(|source| RegistryError::Transport {
                url: url.to_string(),
                source: Box::new(source),
            })?;
            let status = response.status().as_u16();
            tracing::debug!(
                url,
                status,
                authorized = authorization.is_some(),
                "registry response"
            );
            if (200..300).contains(&status) {
                return Ok(response);
            }
            if status == 401 && !authenticated {
                authenticated = true;
                let challenges: Vec<Challenge> = response
                    .headers()
                    .get_all(WWW_AUTHENTICATE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(parse_challenges)
                    .collect();
                if let Some(auth) = self.authenticate(reference, &challenges)? {
                    authorization = auth.header().cloned();
                    self.auth_cache
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(key.clone(), auth);
                    continue;
                }
            }
            if status == 401 || status == 403 {
                self.auth_cache
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&key);
            }
            return Err(failure(reference, url, status, response));
        }
    }

    fn cached_auth(&self, key: &(String, String)) -> Option<Secret> {
        let cache = self
            .auth_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        cache.get(key).and_then(|auth| auth.header().cloned())
    }

    /// Answers a 401's challenges: a token for bearer, the credentials for basic. `None`
    /// when nothing we have can answer them.
    fn authenticate(
        &self,
        reference: &Reference,
        challenges: &[Challenge],
    ) -> Result<Option<CachedAuth>, RegistryError> {
        let credential = self.credential_for(&reference.registry)?;
        let bearer = challenges.iter().find_map(|c| match c {
            Challenge::Bearer {
                realm,
                service,
                scope,
            } => Some((realm, service, scope)),
            Challenge::Basic => None,
        });
        if let Some((realm, service, offered_scope)) = bearer {
            let scope = format!("repository:{}:pull", reference.repository);
            if offered_scope.as_ref().is_some_and(|s| *s != scope) {
                tracing::debug!(offered = offered_scope.as_deref(), requested = %scope, "registry offered a different token scope");
            }
            let request = TokenRequest {
                realm,
                service: service.as_deref(),
                scope: &scope,
                registry: &reference.registry,
                repository: &reference.repository,
                plain_http_ok: self.plain_http(&reference.registry),
            };
            return fetch_token(&self.agent, &request, credential.as_ref()).map(Some);
        }
        if challenges.contains(&Challenge::Basic) {
            return Ok(match credential {
                Some(StoredCredential::Basic(creds)) => {
                    Some(CachedAuth::basic(&creds.username, &creds.password))
                }
                Some(StoredCredential::IdentityToken { .. }) => {
                    tracing::debug!(
                        registry = reference.registry,
                        "an identity token cannot answer a basic-auth challenge"
                    );
                    None
                }
                None => None,
            });
        }
        tracing::debug!(
            registry = reference.registry,
            "401 without a bearer or basic challenge"
        );
        Ok(None)
    }

    /// Explicit credentials, else the Docker config file's entry for `registry`.
    fn credential_for(&self, registry: &str) -> Result<Option<StoredCredential>, RegistryError> {
        if let Some(creds) = &self.options.credentials {
            return Ok(Some(StoredCredential::Basic(creds.clone())));
        }
        if let Some(found) = self
            .credential_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(registry)
        {
            return Ok(found.clone());
        }
        let path = self
            .options
            .docker_config
            .clone()
            .or_else(docker_config::default_config_path);
        let found = match path {
            Some(path) => docker_config::lookup(&path, registry)?,
            None => None,
        };
        tracing::debug!(
            registry,
            found = found.is_some(),
            "looked up credentials in the Docker config"
        );
        self.credential_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(registry.to_string(), found.clone());
        Ok(found)
    }
}

/// Turns a non-2xx response into an error, decoding its OCI error body.
fn failure(reference: &Reference, url: &str, status: u16, response: HttpResponse) -> RegistryError {
    let mut body = Vec::new();
    // The body only adds detail; a failure reading it leaves the status to speak.
    let _ = response
        .into_body()
        .into_reader()
        .take(MAX_ERROR_BODY)
        .read_to_end(&mut body);
    let errors = parse_error_body(&body);
    if status == 401 || status == 403 {
        RegistryError::Unauthorized {
            registry: reference.registry.clone(),
            repository: reference.repository.clone(),
            status,
            errors,
        }
    } else {
        RegistryError::Http {
            url: url.to_string(),
            status,
            errors,
        }
    }
}

/// The `Content-Length` header, when present and numeric.
pub(super) fn content_length(response: &HttpResponse) -> Option<u64> {
    response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Reads a whole body of at most `limit` bytes.
pub(super) fn read_limited(
    response: HttpResponse,
    url: &str,
    limit: u64,
) -> Result<Vec<u8>, RegistryError> {
    let too_large = || RegistryError::TooLarge {
        url: url.to_string(),
        limit,
    };
    let announced = content_length(&response);
    if announced.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|source| read_error(url, announced, body.len() as u64, source))?;
    let received = body.len() as u64;
    if received > limit {
        return Err(too_large());
    }
    if let Some(expected) = announced.filter(|n| *n != received) {
        return Err(RegistryError::Truncated {
            url: url.to_string(),
            expected,
            received,
        });
    }
    Ok(body)
}

/// A body read error: a connection closed early is a truncation, anything else I/O.
pub(super) fn read_error(
    url: &str,
    announced: Option<u64>,
    received: u64,
    source: std::io::Error,
) -> RegistryError {
    match announced {
        Some(expected)
            if received < expected && source.kind() == std::io::ErrorKind::UnexpectedEof =>
        {
            RegistryError::Truncated {
                url: url.to_string(),
                expected,
                received,
            }
        }
        _ => RegistryError::Io {
            url: url.to_string(),
            source,
        },
    }
}

/// The `rel="next"` target of a `Link` header, resolved against `base` (scheme and host).
/// Links to another origin are refused so that credentials stay with the registry.
pub(super) fn next_link(response: &HttpResponse, base: &str) -> Result<Option<String>, String> {
    let Some(link) = response
        .headers()
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find(|part| {
            part.split(';')
                .skip(1)
                .any(|p| p.trim().eq_ignore_ascii_case("rel=\"next\"") || p.trim() == "rel=next")
        })
    else {
        return Ok(None);
    };
    let target = link
        .split(';')
        .next()
        .map(str::trim)
        .and_then(|t| t.strip_prefix('<'))
        .and_then(|t| t.strip_suffix('>'))
        .ok_or_else(|| "malformed Link header".to_string())?;
    if target.starts_with('/') && !target.starts_with("//") {
        return Ok(Some(format!("{base}{target}")));
    }
    if target
        .strip_prefix(base)
        .is_some_and(|rest| rest.starts_with('/'))
    {
        return Ok(Some(target.to_string()));
    }
    Err("the Link header points to another host".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insecure_means_plain_http_everywhere() {
        let reference: Reference = "registry.example.com/a/b:1".parse().unwrap();
        let secure = RegistryClient::new(ClientOptions::default());
        assert_eq!(
            secure.repository_url(&reference).unwrap(),
            "https://registry.example.com/v2/a/b/"
        );
        let insecure = RegistryClient::new(ClientOptions {
            insecure: true,
            ..ClientOptions::default()
        });
        assert_eq!(
            insecure.repository_url(&reference).unwrap(),
            "http://registry.example.com/v2/a/b/"
        );
        let local: Reference = "localhost:5000/a".parse().unwrap();
        assert!(
            secure
                .repository_url(&local)
                .unwrap()
                .starts_with("http://")
        );
    }

    #[test]
    fn client_is_shareable_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<RegistryClient>();
    }

    #[test]
    fn loopback_hosts_use_plain_http() {
        for host in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "[::1]:5000",
            "[::1]",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "example.com",
            "127.0.0.2:5000",
            "localhost.example.com",
            "[::2]:5000",
            "registry-1.docker.io",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    fn response_with_link(link: &str) -> HttpResponse {
        Response::builder()
            .header("Link", link)
            .body(ureq::Body::builder().data(""))
            .unwrap()
    }

    #[test]
    fn follows_only_same_origin_links() {
        let base = "http://127.0.0.1:5000";
        let r = response_with_link(r#"</v2/x/tags/list?last=a&n=1>; rel="next""#);
        assert_eq!(
            next_link(&r, base).unwrap().as_deref(),
            Some("http://127.0.0.1:5000/v2/x/tags/list?last=a&n=1")
        );
        let r = response_with_link(r#"<http://127.0.0.1:5000/v2/x/tags/list?last=b>; rel="next""#);
        assert!(next_link(&r, base).unwrap().is_some());
        let r = response_with_link(r#"<http://evil.example/v2/x/tags/list>; rel="next""#);
        assert!(next_link(&r, base).is_err());
        let r = response_with_link(r#"<http://127.0.0.1:50001/v2/>; rel="next""#);
        assert!(next_link(&r, base).is_err());
        let r = response_with_link(r#"<//evil.example/v2/>; rel="next""#);
        assert!(next_link(&r, base).is_err());
        let r = response_with_link(r#"</v2/x/tags/list?last=a>; rel="prev""#);
        assert!(next_link(&r, base).unwrap().is_none());
    }
}
