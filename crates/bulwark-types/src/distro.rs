//! The operating system an image or root filesystem is built on.

use serde::{Deserialize, Serialize};

/// Operating system identification, from `/etc/os-release` and friends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distro {
    /// `ID` from os-release, lowercase: `debian`, `alpine`, `ubuntu`, `rhel`, `rocky`, ...
    pub id: String,
    /// `VERSION_ID`: `12`, `3.10.9`, `22.04`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `VERSION_CODENAME`: `bookworm`, `jammy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    /// `PRETTY_NAME` or `NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// `ID_LIKE`, split on whitespace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

impl Distro {
    /// The purl `distro` qualifier: `debian-12`, `alpine-3.10.9`.
    pub fn purl_qualifier(&self) -> String {
        match &self.version_id {
            Some(v) => format!("{}-{}", self.id, v),
            None => self.id.clone(),
        }
    }
}
