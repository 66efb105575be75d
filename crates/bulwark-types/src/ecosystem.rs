//! Package ecosystems Bulwark understands.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a package comes from; decides its purl type and, later, its version ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ecosystem {
    /// Debian/Ubuntu packages (dpkg).
    Deb,
    /// Alpine packages (apk).
    Apk,
    /// RPM packages (RHEL, Rocky, SUSE, Mariner, ...).
    Rpm,
    /// Python packages (PyPI).
    Pypi,
    /// JavaScript packages (npm).
    Npm,
    /// Rust crates (crates.io).
    Cargo,
    /// Go modules, and the Go standard library as `stdlib`.
    Golang,
    /// Java archives (Maven coordinates).
    Maven,
    /// Ruby gems.
    Gem,
    /// PHP packages (Composer/Packagist).
    Composer,
    /// .NET packages (NuGet).
    Nuget,
}

impl Ecosystem {
    /// Every ecosystem, in display order.
    pub const ALL: [Ecosystem; 11] = [
        Ecosystem::Deb,
        Ecosystem::Apk,
        Ecosystem::Rpm,
        Ecosystem::Pypi,
        Ecosystem::Npm,
        Ecosystem::Cargo,
        Ecosystem::Golang,
        Ecosystem::Maven,
        Ecosystem::Gem,
        Ecosystem::Composer,
        Ecosystem::Nuget,
    ];

    /// The package-url type for this ecosystem.
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Npm => "npm",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Golang => "golang",
            Ecosystem::Maven => "maven",
            Ecosystem::Gem => "gem",
            Ecosystem::Composer => "composer",
            Ecosystem::Nuget => "nuget",
        }
    }

    /// The ecosystem of a purl type, if Bulwark knows it.
    pub fn from_purl_type(ty: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.purl_type() == ty)
    }

    /// Is this an operating-system package manager (as opposed to a language one)?
    pub fn is_os(self) -> bool {
        matches!(self, Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm)
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.purl_type())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_types_round_trip() {
        for e in Ecosystem::ALL {
            assert_eq!(Ecosystem::from_purl_type(e.purl_type()), Some(e));
        }
        assert_eq!(Ecosystem::from_purl_type("hackage"), None);
    }
}
