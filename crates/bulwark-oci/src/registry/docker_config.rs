//! Credentials from the Docker config file, as written by `docker login`:
//!
//! ```json
//! {"auths": {"registry.example.com": {"auth": "base64(user:pass)"},
//!            "https://index.docker.io/v1/": {"username": "u", "password": "p"},
//!            "myacr.azurecr.io": {"auth": "...", "identitytoken": "..."}},
//!  "credsStore": "desktop"}
//! ```
//!
//! Keys may carry a scheme and a path; Docker Hub is stored as
//! `https://index.docker.io/v1/`. Credential helpers (`credsStore`, `credHelpers`) would
//! mean running other programs and are not supported: they are reported at debug level.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use serde::Deserialize;

use super::Credentials;
use super::auth::Secret;
use super::error::{RegistryError, json_error_summary};
use crate::reference::is_docker_hub_host;

/// Directory holding `config.json`, overriding `~/.docker`.
pub const DOCKER_CONFIG_ENV: &str = "DOCKER_CONFIG";
/// Largest config file we read.
const MAX_CONFIG_SIZE: u64 = 16 * 1024 * 1024;

/// Credentials as they can be stored for one registry.
#[derive(Debug, Clone)]
pub(crate) enum StoredCredential {
    /// Username and password, sent as basic auth (directly or to the token service).
    Basic(Credentials),
    /// An OAuth2 refresh token, exchanged at the token service for access tokens.
    IdentityToken {
        #[allow(dead_code)] // Kept for debugging output; the token service ignores it.
        username: String,
        token: Secret,
    },
}

#[derive(Deserialize, Default)]
struct ConfigFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: HashMap<String, String>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default, rename = "identitytoken")]
    identity_token: Option<String>,
}

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub(crate) fn default_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DOCKER_CONFIG_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::home_dir().map(|home| home.join(".docker").join("config.json"))
}

/// The credentials stored for `registry` (`host[:port]`) in the config file at `path`.
/// A missing file means no credentials; an unreadable or malformed one is an error.
pub(crate) fn lookup(
    path: &Path,
    registry: &str,
) -> Result<Option<StoredCredential>, RegistryError> {
    let fail = |reason: String| RegistryError::Credentials {
        path: path.to_path_buf(),
        reason,
    };
    let text = match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(fail(e.to_string())),
        Ok(meta) if meta.len() > MAX_CONFIG_SIZE => {
            return Err(fail(format!(
                "the file is larger than {MAX_CONFIG_SIZE} bytes"
            )));
        }
        Ok(_) => std::fs::read(path).map_err(|e| fail(e.to_string()))?,
    };
    let config: ConfigFile = if text.iter().all(u8::is_ascii_whitespace) {
        ConfigFile::default()
    } else {
        serde_json::from_slice(&text)
            .map_err(|e| fail(format!("not valid JSON ({})", json_error_summary(&e))))?
    };

    let Some((key, entry)) = find_entry(&config.auths, registry) else {
        if let Some(helper) = helper_for(&config, registry) {
            tracing::debug!(
                registry,
                helper,
                "credentials for this registry are kept by a credential helper, which is not supported"
            );
        }
        return Ok(None);
    };
    decode_entry(entry).map_err(|reason| fail(format!("entry {key:?}: {reason}")))
}

fn helper_for<'a>(config: &'a ConfigFile, registry: &str) -> Option<&'a str> {
    config
        .cred_helpers
        .iter()
        .find(|(key, _)| same_registry(&normalize_key(key), registry))
        .map(|(_, helper)| helper.as_str())
        .or(config.creds_store.as_deref())
}

/// Exact spellings first (`host`, `https://host`, `http://host`), then any key that
/// normalizes to the same host.
fn find_entry<'a>(
    auths: &'a HashMap<String, AuthEntry>,
    registry: &str,
) -> Option<(&'a String, &'a AuthEntry)> {
    let exact = [
        registry.to_string(),
        format!("https://{registry}"),
        format!("http://{registry}"),
    ];
    for candidate in &exact {
        if let Some(found) = auths.get_key_value(candidate) {
            return Some(found);
        }
    }
    let mut matches: Vec<_> = auths
        .iter()
        .filter(|(key, _)| same_registry(&normalize_key(key), registry))
        .collect();
    // Several spellings of one registry: take a stable choice, Docker Hub's own first.
    matches.sort_by_key(|(key, _)| (!key.contains("index.docker.io/v1"), key.as_str()));
    matches.into_iter().next()
}

/// `https://host:port/v1/` → `host:port`.
fn normalize_key(key: &str) -> String {
    let without_scheme = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = without_scheme.split('/').next().unwrap_or_default();
    host.to_ascii_lowercase()
}

fn same_registry(key_host: &str, registry: &str) -> bool {
    key_host.eq_ignore_ascii_case(registry)
        || (is_docker_hub_host(key_host) && is_docker_hub_host(registry))
}

fn decode_entry(entry: &AuthEntry) -> Result<Option<StoredCredential>, String> {
    let (mut username, mut password) = (entry.username.clone(), entry.password.clone());
    if let Some(auth) = entry.auth.as_deref().filter(|a| !a.trim().is_empty()) {
        let engine = GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
        );
        let decoded = engine
            .decode(auth.trim())
            .or_else(|_| general_purpose::URL_SAFE.decode(auth.trim()))
            .map_err(|_| "`auth` is not valid base64".to_string())?;
        let decoded =
            String::from_utf8(decoded).map_err(|_| "`auth` is not UTF-8 text".to_string())?;
        let (user, pass) = decoded
            .split_once(':')
            .ok_or_else(|| "`auth` is not in the form `user:password`".to_string())?;
        username = Some(user.to_string());
        password = Some(pass.to_string());
    }
    if let Some(token) = entry.identity_token.as_deref().filter(|t| !t.is_empty()) {
        return Ok(Some(StoredCredential::IdentityToken {
            username: username.unwrap_or_default(),
            token: Secret::new(token),
        }));
    }
    match (username, password) {
        (Some(username), Some(password)) if !username.is_empty() => {
            Ok(Some(StoredCredential::Basic(Credentials {
                username,
                password,
            })))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        general_purpose::STANDARD.encode(s)
    }

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("config.json");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn basic(found: Option<StoredCredential>) -> (String, String) {
        match found {
            Some(StoredCredential::Basic(c)) => (c.username, c.password),
            other => panic!("expected basic credentials, got {other:?}"),
        }
    }

    #[test]
    fn reads_auth_entries_in_every_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            r#"{{
              "auths": {{
                "https://index.docker.io/v1/": {{"auth": "{hub}"}},
                "registry.example.com": {{"auth": "{plain}"}},
                "https://secure.example.com:5000": {{"auth": "{scheme}"}},
                "http://old.example.com/v2/": {{"username": "u4", "password": "p4"}},
                "colon.example.com": {{"auth": "{colon}"}},
                "nopad.example.com": {{"auth": "{nopad}"}}
              }},
              "credsStore": "desktop"
            }}"#,
            hub = b64("hubuser:hubpass"),
            plain = b64("u1:p1"),
            scheme = b64("u2:p2"),
            colon = b64("u5:pa:ss:word"),
            nopad = b64("u6:p6x").trim_end_matches('='),
        );
        let path = write(dir.path(), &config);
        let cases = [
            ("registry-1.docker.io", "hubuser", "hubpass"),
            ("docker.io", "hubuser", "hubpass"),
            ("registry.example.com", "u1", "p1"),
            ("secure.example.com:5000", "u2", "p2"),
            ("old.example.com", "u4", "p4"),
            ("colon.example.com", "u5", "pa:ss:word"),
            ("nopad.example.com", "u6", "p6x"),
        ];
        for (registry, user, pass) in cases {
            let found = lookup(&path, registry).unwrap();
            assert_eq!(
                basic(found),
                (user.to_string(), pass.to_string()),
                "{registry}"
            );
        }
        // A different port is a different registry; a helper-only registry has none.
        assert!(lookup(&path, "secure.example.com").unwrap().is_none());
        assert!(
            lookup(&path, "registry.example.com:5000")
                .unwrap()
                .is_none()
        );
        assert!(lookup(&path, "ghcr.io").unwrap().is_none());
    }

    #[test]
    fn reads_identity_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            &format!(
                r#"{{"auths": {{"myacr.azurecr.io": {{"auth": "{}", "identitytoken": "refresh-xyz"}}}}}}"#,
                b64("00000000-0000-0000-0000-000000000000:")
            ),
        );
        match lookup(&path, "myacr.azurecr.io").unwrap() {
            Some(StoredCredential::IdentityToken { username, token }) => {
                assert_eq!(username, "00000000-0000-0000-0000-000000000000");
                assert_eq!(token.expose(), "refresh-xyz");
                assert_eq!(format!("{token:?}"), "<redacted>");
            }
            other => panic!("expected an identity token, got {other:?}"),
        }
    }

    #[test]
    fn missing_and_empty_files_mean_no_credentials() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            lookup(&dir.path().join("nope.json"), "r.example.com")
                .unwrap()
                .is_none()
        );
        let path = write(dir.path(), "  \n");
        assert!(lookup(&path, "r.example.com").unwrap().is_none());
        let path = write(dir.path(), r#"{"credsStore": "osxkeychain"}"#);
        assert!(lookup(&path, "r.example.com").unwrap().is_none());
        let path = write(dir.path(), r#"{"auths": {"r.example.com": {}}}"#);
        assert!(lookup(&path, "r.example.com").unwrap().is_none());
    }

    #[test]
    fn malformed_files_are_errors_without_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("{not json", "not valid JSON"),
            (r#"{"auths": {"r.example.com": {"auth": "!!!"}}}"#, "base64"),
            (
                &format!(
                    r#"{{"auths": {{"r.example.com": {{"auth": "{}"}}}}}}"#,
                    b64("nocolon")
                ),
                "user:password",
            ),
            (r#"{"auths": []}"#, "not valid JSON"),
        ];
        for (text, expected) in cases {
            let path = write(dir.path(), text);
            let err = lookup(&path, "r.example.com").unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
            assert!(err.contains("config.json"), "{err}");
            assert!(!err.contains("nocolon"), "{err}");
        }
    }
}
