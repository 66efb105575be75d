//! The result of cataloging one image or filesystem: what was scanned and what is in it.

use serde::{Deserialize, Serialize};

use crate::{Digest, Distro, LayerRef, Package};

/// What was scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Source kind: `registry`, `oci`, `oci-archive`, `docker-archive`, `dir`, `sbom`.
    pub kind: String,
    /// The source as the user wrote it, e.g. `docker-archive:alpine.tar`.
    pub name: String,
    /// Manifest digest, for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<Digest>,
    /// Image config digest (the image ID), for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<Digest>,
    /// `os/arch[/variant]` of the image, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Tags or repository names the image is known by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The image's layers, base first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<LayerRef>,
}

/// A software bill of materials in Bulwark's own model; every output format is written
/// from this, and `sbom:FILE` sources are read back into it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sbom {
    pub target: Target,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro: Option<Distro>,
    pub packages: Vec<Package>,
    /// Problems met while cataloging (each names the file and layer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}
