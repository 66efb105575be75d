//! A small blocking client for the registry's management API (`/api/v1/...`): JSON in,
//! JSON out, the server's error message turned into an error that says what to do.

use std::time::Duration;

use anyhow::{Context, anyhow};
use base64::Engine as _;
use serde_json::Value;
use ureq::Agent;
use ureq::http::{Method, Request};
use ureq::tls::TlsConfig;

/// Talks to one registry as one caller.
pub struct Client {
    agent: Agent,
    base: String,
    authorization: Option<String>,
    password: Option<String>,
}

impl Client {
    /// A client for `server` (`https://host:port`). `insecure` accepts any certificate.
    pub fn new(server: &str, credentials: Option<(&str, &str)>, insecure: bool) -> Self {
        let tls = TlsConfig::builder().disable_verification(insecure).build();
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("bulwark/", env!("CARGO_PKG_VERSION")))
            .timeout_global(Some(Duration::from_secs(300)))
            .tls_config(tls)
            .build()
            .new_agent();
        let authorization = credentials.map(|(user, password)| {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            format!("Basic {token}")
        });
        let password = credentials.map(|(_, p)| p.to_string());
        Self {
            agent,
            base: server.trim_end_matches('/').to_string(),
            authorization,
            password,
        }
    }

    /// The password this client signs in with, if any.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(Method::GET, path, None)
    }

    /// Sends `method path` with an optional JSON body; returns the JSON answer
    /// (`Value::Null` for an empty one).
    pub fn call(&self, method: Method, path: &str, body: Option<&Value>) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut request = Request::builder().method(method.clone()).uri(&url);
        if let Some(auth) = &self.authorization {
            request = request.header("authorization", auth);
        }
        let sent = match body {
            Some(body) => {
                let bytes = serde_json::to_vec(body)?;
                self.agent.run(
                    request
                        .header("content-type", "application/json")
                        .body(bytes)?,
                )
            }
            None => self.agent.run(request.body(())?),
        };
        let response = sent.map_err(|e| unreachable_error(&url, e))?;
        let status = response.status();
        let text = response
            .into_body()
            .read_to_string()
            .with_context(|| format!("cannot read the answer to {method} {url}"))?;
        if !status.is_success() {
            return Err(refusal(&method, path, status.as_u16(), &text));
        }
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text)
            .with_context(|| format!("{method} {url} answered something other than JSON"))
    }
}

fn unreachable_error(url: &str, e: ureq::Error) -> anyhow::Error {
    let text = e.to_string();
    let hint = if text.to_ascii_lowercase().contains("certificate") {
        " (a registry with its generated self-signed certificate needs --insecure)"
    } else {
        ""
    };
    anyhow::Error::new(e).context(format!("cannot reach {url}{hint}"))
}

/// An error for a non-2xx answer, quoting the server's message.
fn refusal(method: &Method, path: &str, status: u16, body: &str) -> anyhow::Error {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let first = parsed
        .as_ref()
        .and_then(|v| v.get("errors"))
        .and_then(|e| e.get(0));
    let message = first
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .unwrap_or(body.trim());
    match status {
        401 => anyhow!(
            "{method} {path}: not signed in or wrong credentials ({message}); pass --username with {} or --password-stdin",
            crate::env::PASSWORD
        ),
        403 => anyhow!("{method} {path}: permission denied: {message}"),
        _ => anyhow!("{method} {path} failed with HTTP {status}: {message}"),
    }
}

/// Percent-encodes one path segment (names may hold `$` and `+`, e.g. robot names).
pub fn segment(text: &str) -> String {
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
    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(super::segment("robot$dev+ci"), "robot%24dev%2Bci");
        assert_eq!(super::segment("a.b_c-d"), "a.b_c-d");
        assert_eq!(super::segment("dev/app"), "dev%2Fapp");
    }
}
