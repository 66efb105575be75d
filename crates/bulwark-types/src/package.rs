//! A package found in an image, and where it was found.

use serde::{Deserialize, Serialize};

use crate::{Digest, Ecosystem};

/// The layer of an image a file came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LayerRef {
    /// Position in the image, 0 = base layer.
    pub index: usize,
    /// Digest of the layer blob as stored (compressed) in the registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    /// Digest of the uncompressed layer tar (the image config's `rootfs.diff_ids`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<Digest>,
}

/// One file a package was read from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// Absolute path inside the image, e.g. `/var/lib/dpkg/status`. For files inside
    /// archives (a jar in a jar), the path continues with `!/`: `/app.war!/WEB-INF/lib/a.jar`.
    pub path: String,
    /// The layer holding the file; `None` for a plain directory source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
}

/// The source package a binary package was built from (dpkg `Source:`, rpm `SOURCERPM`,
/// apk `o:`). Vulnerability matching for OS packages goes by source package.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourcePackage {
    pub name: String,
    /// Absent when the source version equals the binary version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A package found by a cataloger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Name as the ecosystem spells it (for Maven: the artifactId, see `namespace`;
    /// for npm scoped packages: `@scope/name`).
    pub name: String,
    /// Version as the ecosystem spells it, without the epoch for rpm (see `epoch`); dpkg
    /// versions keep their `epoch:` prefix as dpkg prints them.
    pub version: String,
    pub ecosystem: Ecosystem,
    /// Namespace in the purl sense: Maven groupId; `None` where the ecosystem has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Package URL; filled in by [`crate::purl_for`] once the distro is known.
    #[serde(default)]
    pub purl: String,
    /// Declared licences, as SPDX expressions where they could be mapped, else as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePackage>,
    /// rpm/dpkg epoch when the package has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Every file this package was read from; the first one is the primary evidence.
    #[serde(default)]
    pub locations: Vec<Location>,
    /// Name of the cataloger that found it, e.g. `dpkg`, `python`, `go-binary`.
    pub found_by: String,
}

impl Package {
    /// A package with the required fields; everything else empty.
    pub fn new(ecosystem: Ecosystem, name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            ecosystem,
            namespace: None,
            purl: String::new(),
            licenses: Vec::new(),
            source: None,
            epoch: None,
            arch: None,
            locations: Vec::new(),
            found_by: String::new(),
        }
    }

    /// The layer of the primary location, if any.
    pub fn layer(&self) -> Option<&LayerRef> {
        self.locations.first().and_then(|l| l.layer.as_ref())
    }

    /// The name the ecosystem's advisories use: `group:artifact` for Maven, else `name`.
    pub fn advisory_name(&self) -> String {
        match (&self.ecosystem, &self.namespace) {
            (Ecosystem::Maven, Some(group)) => format!("{group}:{}", self.name),
            _ => self.name.clone(),
        }
    }

    /// Key used to merge the same package seen in several files.
    pub fn identity(&self) -> (Ecosystem, Option<&str>, &str, &str, Option<&str>) {
        (
            self.ecosystem,
            self.namespace.as_deref(),
            self.name.as_str(),
            self.version.as_str(),
            self.arch.as_deref(),
        )
    }
}
