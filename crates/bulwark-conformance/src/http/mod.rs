//! A small HTTP client for the registry protocol: every status is an answer (not an
//! error), redirects are followed only for `GET` and `HEAD`, bodies are read whole, and
//! authentication (basic or Docker token) is handled transparently.

mod auth;
#[cfg(test)]
mod token_tests;
pub(crate) mod url;

use std::cell::RefCell;
use std::time::Duration;

use ureq::http::{self, HeaderMap, Method};

use crate::target::{Auth, Target};
use auth::{Challenge, TokenCache};

/// The most the suite reads of any response body; its own blobs are a few KiB.
const BODY_LIMIT: u64 = 64 << 20;

/// A request failed below HTTP: no answer, or no token.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ClientError {
    /// The request could not be sent or its answer not read.
    #[error("{method} {path}: {source}")]
    Transport {
        method: Method,
        path: String,
        #[source]
        source: ureq::Error,
    },
    /// The request could not be built (an invalid URL or header).
    #[error("{method} {path}: invalid request: {source}")]
    Invalid {
        method: Method,
        path: String,
        #[source]
        source: http::Error,
    },
    /// The token endpoint of a Bearer challenge did not hand out a token.
    #[error("no token from {realm}: {reason}")]
    Token { realm: String, reason: String },
}

/// A request to send.
#[derive(Debug, Clone)]
pub(crate) struct Req {
    pub method: Method,
    pub url: String,
    headers: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
}

impl Req {
    pub(crate) fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sends `body` with a `Content-Length`; an empty body sends `Content-Length: 0`.
    pub(crate) fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }
}

/// A registry's answer, whatever its status.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub method: Method,
    pub url: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name`, if it is valid text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `METHOD /path?query`, for messages.
    pub(crate) fn describe(&self) -> String {
        format!("{} {}", self.method, url::path_of(&self.url))
    }
}

/// The client the checks use.
pub(crate) struct Client {
    base_url: String,
    /// Follows redirects: for `GET` and `HEAD` (blobs may be served from elsewhere).
    follow: ureq::Agent,
    /// Returns redirects as answers: for everything that changes state.
    direct: ureq::Agent,
    auth: Auth,
    tokens: RefCell<TokenCache>,
}

impl Client {
    pub(crate) fn new(target: &Target) -> Self {
        let agent = |redirects: u32| -> ureq::Agent {
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(redirects)
                .max_redirects_will_error(false)
                .timeout_global(Some(Duration::from_secs(60)))
                .build()
                .into()
        };
        Self {
            base_url: target.base_url.trim_end_matches('/').to_owned(),
            follow: agent(5),
            direct: agent(0),
            auth: target.auth.clone(),
            tokens: RefCell::new(TokenCache::default()),
        }
    }

    /// `base_url` + `path` (`path` starts with `/`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends `req` with credentials; on a Bearer challenge, fetches a token and retries once.
    pub(crate) fn send(&self, req: &Req) -> Result<Response, ClientError> {
        let scope = url::predicted_scope(&req.url, req.method.as_str());
        let authorization = self
            .tokens
            .borrow()
            .authorization(&self.auth, scope.as_deref());
        let response = self.execute(req, authorization.as_deref())?;
        if response.status != 401 {
            return Ok(response);
        }
        let Some(challenge) = response
            .header("www-authenticate")
            .and_then(Challenge::parse)
        else {
            return Ok(response);
        };
        let token = auth::fetch_token(&self.follow, &challenge, &self.auth)?;
        self.tokens
            .borrow_mut()
            .store(&challenge, scope.as_deref(), &token);
        tracing::debug!(scope = ?challenge.scope, "fetched a registry token");
        self.execute(req, Some(&format!("Bearer {token}")))
    }

    /// Sends `req` without any credentials.
    pub(crate) fn send_anonymous(&self, req: &Req) -> Result<Response, ClientError> {
        self.execute(req, None)
    }

    fn execute(&self, req: &Req, authorization: Option<&str>) -> Result<Response, ClientError> {
        let path = || url::path_of(&req.url).to_owned();
        let mut builder = http::Request::builder()
            .method(req.method.clone())
            .uri(&req.url)
            // Compressed answers would hide the Content-Length the checks look at.
            .header("Accept-Encoding", "identity");
        for (name, value) in &req.headers {
            builder = builder.header(*name, value);
        }
        if let Some(authorization) = authorization {
            builder = builder.header("Authorization", authorization);
        }
        let invalid = |source| ClientError::Invalid {
            method: req.method.clone(),
            path: path(),
            source,
        };
        let transport = |source| ClientError::Transport {
            method: req.method.clone(),
            path: path(),
            source,
        };
        let agent = match req.method {
            Method::GET | Method::HEAD => &self.follow,
            _ => &self.direct,
        };
        let mut response = match &req.body {
            Some(body) => agent.run(builder.body(body.as_slice()).map_err(invalid)?),
            None => agent.run(builder.body(()).map_err(invalid)?),
        }
        .map_err(transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = if req.method == Method::HEAD {
            Vec::new()
        } else {
            response
                .body_mut()
                .with_config()
                .limit(BODY_LIMIT)
                .read_to_vec()
                .map_err(transport)?
        };
        tracing::trace!(method = %req.method, path = %path(), status, "registry answered");
        Ok(Response {
            method: req.method.clone(),
            url: req.url.clone(),
            status,
            headers,
            body,
        })
    }
}
