//! The HTTP side of [`RegistryClient`]: the agent, URLs, sending a request with whatever
//! authentication the registry asks for, and reading bodies within limits.

use std::io::Read;
use std::sync::PoisonError;
use std::time::Duration;

use ureq::Agent;
use ureq::config::RedirectAuthHeaders;
use ureq::http::header::{AUTHORIZATION, CONTENT_LENGTH, WWW_AUTHENTICATE};
use ureq::http::{Method, Request, Response};
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

/// What a request needs to be allowed to do in its repository. Authentication is cached
/// per (registry, repository, access), so a pull-only token never goes with a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Access {
    Pull,
    /// Pull and push: uploads check for existing blobs first.
    Push,
}

impl Access {
    /// The actions of a Docker token scope (`repository:<repo>:<actions>`).
    fn actions(self) -> &'static str {
        match self {
            Self::Pull => "pull",
            Self::Push => "pull,push",
        }
    }
}

/// Key of the authentication cache.
pub(super) type AuthKey = (String, String, Access);

/// One request to a repository's endpoints.
pub(super) struct Outgoing<'a> {
    pub method: Method,
    pub url: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Option<&'a [u8]>,
    pub access: Access,
}

impl<'a> Outgoing<'a> {
    /// A GET needing pull access.
    pub fn get(url: &'a str, headers: &'a [(&'a str, &'a str)]) -> Self {
        Self {
            method: Method::GET,
            url,
            headers,
            body: None,
            access: Access::Pull,
        }
    }
}

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

    /// `http(s)://host[:port]` of the reference's registry, without a trailing slash.
    pub(super) fn origin(&self, reference: &Reference) -> Result<String, RegistryError> {
        let repository_url = self.repository_url(reference)?;
        Ok(repository_url
            .find("/v2/")
            .and_then(|i| repository_url.get(..i))
            .unwrap_or(&repository_url)
            .to_string())
    }

    /// GETs `url` with pull access; only 2xx responses, as [`request`](Self::request).
    pub(super) fn get(
        &self,
        reference: &Reference,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<HttpResponse, RegistryError> {
        self.request(reference, &Outgoing::get(url, headers))
    }

    /// Sends `out` and returns only 2xx responses; anything else becomes an error carrying
    /// the registry's OCI error codes (a refused push as [`RegistryError::PushDenied`]).
    pub(super) fn request(
        &self,
        reference: &Reference,
        out: &Outgoing<'_>,
    ) -> Result<HttpResponse, RegistryError> {
        let response = self.send(reference, out)?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response);
        }
        Err(self.failure(reference, out.access, out.url, status, response))
    }

    /// Sends `out` for `reference`'s repository, authenticating when the registry asks:
    /// the first 401 is answered with credentials or a token for `out.access`, then the
    /// request is sent once more. Returns the final response whatever its status.
    pub(super) fn send(
        &self,
        reference: &Reference,
        out: &Outgoing<'_>,
    ) -> Result<HttpResponse, RegistryError> {
        let key = (
            reference.registry.clone(),
            reference.repository.clone(),
            out.access,
        );
        let mut authorization = self.cached_auth(&key);
        let mut authenticated = false;
        loop {
            let response = self.call(out, authorization.as_ref())?;
            let status = response.status().as_u16();
            tracing::debug!(
                method = %out.method,
                url = out.url,
                status,
                authorized = authorization.is_some(),
                "registry response"
            );
            if status == 401 && !authenticated {
                authenticated = true;
                let challenges: Vec<Challenge> = response
                    .headers()
                    .get_all(WWW_AUTHENTICATE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(parse_challenges)
                    .collect();
                let answer = self
                    .authenticate(reference, out.access, &challenges)
                    .map_err(|e| self.explain(out.access, e))?;
                if let Some(auth) = answer {
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
            return Ok(response);
        }
    }

    /// One HTTP exchange, without any retry.
    fn call(
        &self,
        out: &Outgoing<'_>,
        authorization: Option<&Secret>,
    ) -> Result<HttpResponse, RegistryError> {
        let mut builder = Request::builder().method(out.method.clone()).uri(out.url);
        for (name, value) in out.headers {
            builder = builder.header(*name, *value);
        }
        if let Some(value) = authorization {
            builder = builder.header(AUTHORIZATION, value.expose());
        }
        // `http::Error` names what was invalid, never the value, so no secret leaks here.
        let result = match out.body {
            Some(body) => builder
                .body(body)
                .map_err(ureq::Error::from)
                .and_then(|request| self.agent.run(request)),
            None => builder
                .body(())
                .map_err(ureq::Error::from)
                .and_then(|request| self.agent.run(request)),
        };
        result.map_err(|source| RegistryError::Transport {
            url: out.url.to_string(),
            source: Box::new(source),
        })
    }

    /// Turns a non-2xx response into an error; a refused push says so.
    pub(super) fn failure(
        &self,
        reference: &Reference,
        access: Access,
        url: &str,
        status: u16,
        response: HttpResponse,
    ) -> RegistryError {
        self.explain(access, failure(reference, url, status, response))
    }

    /// A refusal met while pushing becomes [`RegistryError::PushDenied`], which says
    /// whether credentials were sent at all.
    fn explain(&self, access: Access, error: RegistryError) -> RegistryError {
        match (access, error) {
            (
                Access::Push,
                RegistryError::Unauthorized {
                    registry,
                    repository,
                    status,
                    errors,
                },
            ) => RegistryError::PushDenied {
                anonymous: !matches!(self.credential_for(&registry), Ok(Some(_))),
                registry,
                repository,
                status,
                errors,
            },
            (_, error) => error,
        }
    }

    fn cached_auth(&self, key: &AuthKey) -> Option<Secret> {
        let cache = self
            .auth_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        cache.get(key).and_then(|auth| auth.header().cloned())
    }

    /// Answers a 401's challenges: a token for `access` for bearer, the credentials for
    /// basic. `None` when nothing we have can answer them.
    fn authenticate(
        &self,
        reference: &Reference,
        access: Access,
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
            let scope = format!("repository:{}:{}", reference.repository, access.actions());
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
    same_origin(target, base)
        .map(Some)
        .ok_or_else(|| "the Link header points to another host".to_string())
}

/// `target` (an absolute path, or an absolute URL) resolved against `base` (scheme and
/// host); `None` when it names another origin, so that credentials stay with the registry.
fn same_origin(target: &str, base: &str) -> Option<String> {
    if target.starts_with('/') && !target.starts_with("//") {
        return Some(format!("{base}{target}"));
    }
    target
        .strip_prefix(base)
        .is_some_and(|rest| rest.starts_with('/'))
        .then(|| target.to_string())
}

/// Resolves an upload `Location` header: an absolute URL on the registry's origin, an
/// absolute path, or a path relative to `request_url` (the URL that answered with it).
pub(super) fn resolve_location(
    location: &str,
    base: &str,
    request_url: &str,
) -> Result<String, String> {
    let location = location.trim();
    if location.is_empty() {
        return Err("the upload Location header is empty".to_string());
    }
    let has_scheme = location.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    if has_scheme || location.starts_with('/') {
        return same_origin(location, base)
            .ok_or_else(|| "the upload Location points to another host".to_string());
    }
    // A relative reference: replace the last segment of the request's path.
    let directory = request_url
        .split(['?', '#'])
        .next()
        .and_then(|path| path.rfind('/').and_then(|i| path.get(..=i)))
        .unwrap_or(request_url);
    Ok(format!("{directory}{location}"))
}

/// `url` with `name=value` appended to its query (`?` or `&` as needed), both encoded.
pub(super) fn with_query(url: &str, name: &str, value: &str) -> String {
    let separator = match url.rfind('?') {
        None => "?",
        Some(i) if i + 1 == url.len() || url.ends_with('&') => "",
        Some(_) => "&",
    };
    format!(
        "{url}{separator}{}={}",
        encode_query_component(name),
        encode_query_component(value)
    )
}

/// Percent-encodes everything but RFC 3986 unreserved characters (so `+`, `/` and `:` in
/// media types and digests survive every server's query parser).
fn encode_query_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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

    #[test]
    fn resolves_upload_locations() {
        let base = "http://127.0.0.1:5000";
        let post = "http://127.0.0.1:5000/v2/a/b/blobs/uploads/";
        let cases = [
            (
                "/v2/a/b/blobs/uploads/u1?_state=xyz",
                "http://127.0.0.1:5000/v2/a/b/blobs/uploads/u1?_state=xyz",
            ),
            (
                "http://127.0.0.1:5000/v2/a/b/blobs/uploads/u2",
                "http://127.0.0.1:5000/v2/a/b/blobs/uploads/u2",
            ),
            ("u3", "http://127.0.0.1:5000/v2/a/b/blobs/uploads/u3"),
        ];
        for (location, expected) in cases {
            assert_eq!(
                resolve_location(location, base, post).unwrap(),
                expected,
                "{location}"
            );
        }
        for location in [
            "https://127.0.0.1:5000/v2/a/b/blobs/uploads/u",
            "http://evil.example/v2/a/b/blobs/uploads/u",
            "//evil.example/u",
            "http://127.0.0.1:50001/u",
            " ",
        ] {
            assert!(
                resolve_location(location, base, post).is_err(),
                "{location}"
            );
        }
    }

    #[test]
    fn appends_encoded_query_parameters() {
        let digest = "sha256:abc";
        assert_eq!(
            with_query("http://r/u", "digest", digest),
            "http://r/u?digest=sha256%3Aabc"
        );
        assert_eq!(
            with_query("http://r/u?_state=a%2Bb", "digest", digest),
            "http://r/u?_state=a%2Bb&digest=sha256%3Aabc"
        );
        assert_eq!(
            with_query("http://r/u?", "digest", digest),
            "http://r/u?digest=sha256%3Aabc"
        );
        assert_eq!(
            with_query(
                "http://r/x",
                "artifactType",
                "application/vnd.dev.cosign+json; v=1"
            ),
            "http://r/x?artifactType=application%2Fvnd.dev.cosign%2Bjson%3B%20v%3D1"
        );
    }
}
