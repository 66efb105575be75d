//! `bulwark serve` settings: a TOML file (`--config`), overridden by flags. Unknown keys
//! are errors so that a typo never silently weakens a setting.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Everything the server needs to start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Data directory: `meta.db`, `blobs/`, `uploads/`, `token.key`, generated TLS files.
    pub data_dir: PathBuf,
    pub tls: TlsConfig,
    pub auth: AuthConfig,
    pub storage: StorageConfig,
    pub gc: GcConfig,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// Serve plain HTTP (only when asked).
    pub insecure_http: bool,
    /// PEM certificate chain; with `key`. Without both, a self-signed pair is generated.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// `service` (token audience) announced in challenges.
    pub service: String,
    /// Token issuer.
    pub issuer: String,
    /// Lifetime of issued tokens, in seconds.
    pub token_ttl_secs: u64,
    /// Externally visible base URL used for the token realm (default: derived from the
    /// request's Host header).
    pub external_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// Allow DELETE of manifests, tags and blobs (else `UNSUPPORTED`).
    pub delete_enabled: bool,
    /// Largest manifest accepted, in bytes.
    pub max_manifest_bytes: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GcConfig {
    /// Unreferenced content younger than this is kept (protects pushes in flight).
    pub grace_secs: u64,
    /// Run GC periodically; 0 disables the schedule (GC can still be started via the API).
    pub interval_secs: u64,
    /// Also delete untagged manifests nobody references.
    pub delete_untagged: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 5000)),
            data_dir: PathBuf::from("bulwark-data"),
            tls: TlsConfig::default(),
            auth: AuthConfig::default(),
            storage: StorageConfig::default(),
            gc: GcConfig::default(),
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            service: "bulwark".into(),
            issuer: "bulwark-token-service".into(),
            token_ttl_secs: 300,
            external_url: None,
        }
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            delete_enabled: true,
            max_manifest_bytes: 4 * 1024 * 1024,
        }
    }
}

impl Default for GcConfig {
    fn default() -> Self {
        Self {
            grace_secs: 3600,
            interval_secs: 0,
            delete_untagged: false,
        }
    }
}

/// Why a configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
}

impl Config {
    /// Reads a TOML config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.display().to_string(),
            source,
        })
    }

    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.auth.token_ttl_secs.max(1))
    }
}
