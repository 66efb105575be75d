//! Turning a package URL from someone else's SBOM back into a [`Package`].

use std::str::FromStr;

use bulwark_types::{Distro, Ecosystem, Package, SourcePackage};
use packageurl::PackageUrl;

/// A package rebuilt from its purl, and the distro its `distro` qualifier names.
#[derive(Debug)]
pub(crate) struct FromPurl {
    pub(crate) package: Package,
    pub(crate) distro: Option<Distro>,
}

/// Rebuilds a package from `purl`. `display_name` is the name the SBOM shows next to the
/// purl; it wins when it only differs in spelling (`Jinja2` for `pkg:pypi/jinja2`).
/// Errors are messages for `Sbom.warnings`.
pub(crate) fn package_from_purl(
    purl: &str,
    display_name: Option<&str>,
) -> Result<FromPurl, String> {
    let p = PackageUrl::from_str(purl).map_err(|e| format!("invalid purl {purl:?}: {e}"))?;
    let eco = Ecosystem::from_purl_type(p.ty())
        .ok_or_else(|| format!("unsupported purl type {:?} in {purl:?}", p.ty()))?;
    let mut name = match (eco, p.namespace()) {
        (Ecosystem::Npm, Some(scope)) if scope.starts_with('@') => format!("{scope}/{}", p.name()),
        (Ecosystem::Npm, Some(scope)) => format!("@{scope}/{}", p.name()),
        (Ecosystem::Golang | Ecosystem::Composer, Some(ns)) => format!("{ns}/{}", p.name()),
        _ => p.name().to_string(),
    };
    if let Some(shown) = display_name
        && shown != name
        && normalize(shown) == normalize(&name)
    {
        name = shown.to_string();
    }
    let mut version = p.version().unwrap_or_default().to_string();
    let qualifier = |key: &str| p.qualifiers().get(key).map(|v| v.as_ref());

    let mut epoch = qualifier("epoch").and_then(|e| e.parse::<u32>().ok());
    // dpkg keeps the epoch in the version; rpm keeps it apart (see `Package::version`).
    if let Some((e, rest)) = version.split_once(':')
        && let Ok(n) = e.parse::<u32>()
    {
        match eco {
            Ecosystem::Deb => epoch = epoch.or(Some(n)),
            Ecosystem::Rpm => {
                epoch = epoch.or(Some(n));
                version = rest.to_string();
            }
            _ => {}
        }
    }

    let mut pkg = Package::new(eco, name, version);
    pkg.purl = purl.to_string();
    if eco == Ecosystem::Maven {
        pkg.namespace = p.namespace().map(str::to_string);
    }
    if eco.is_os() {
        pkg.epoch = epoch;
    }
    pkg.arch = qualifier("arch").map(str::to_string);
    pkg.source = qualifier("upstream").and_then(|u| upstream(eco, u, &pkg.version));
    let distro = qualifier("distro").map(distro_from_qualifier);
    Ok(FromPurl {
        package: pkg,
        distro,
    })
}

/// Lowercase, with `_` and `.` as `-` (PyPI's normalization; harmless elsewhere).
fn normalize(s: &str) -> String {
    s.to_ascii_lowercase().replace(['_', '.'], "-")
}

/// The source package named by an `upstream` qualifier: `name`, `name@version` (dpkg) or a
/// source rpm file name `name-version-release.src.rpm`.
fn upstream(eco: Ecosystem, value: &str, binary_version: &str) -> Option<SourcePackage> {
    if value.is_empty() {
        return None;
    }
    let (name, version) = if let Some(nvr) = value.strip_suffix(".src.rpm") {
        let (rest, release) = nvr.rsplit_once('-')?;
        let (name, version) = rest.rsplit_once('-')?;
        (name.to_string(), Some(format!("{version}-{release}")))
    } else if let (Ecosystem::Deb, Some((name, version))) = (eco, value.split_once('@')) {
        (name.to_string(), Some(version.to_string()))
    } else {
        (value.to_string(), None)
    };
    let version = version.filter(|v| v != binary_version);
    Some(SourcePackage { name, version })
}

/// `debian-12` -> id `debian`, version `12`; `opensuse-leap-15.5` -> `opensuse-leap`, `15.5`.
pub(crate) fn distro_from_qualifier(q: &str) -> Distro {
    let (id, version) = match q.rsplit_once('-') {
        Some((id, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => (id, Some(v)),
        _ => (q, None),
    };
    Distro {
        id: id.to_ascii_lowercase(),
        version_id: version.map(str::to_string),
        ..Distro::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(purl: &str, shown: Option<&str>) -> Package {
        package_from_purl(purl, shown).unwrap().package
    }

    #[test]
    fn deb_with_epoch_source_and_distro() {
        let r = package_from_purl(
            "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bb1?arch=amd64&distro=debian-12&upstream=util-linux%402.38.1-5",
            None,
        )
        .unwrap();
        let p = r.package;
        assert_eq!(
            (p.ecosystem, p.name.as_str(), p.version.as_str()),
            (Ecosystem::Deb, "bsdutils", "1:2.38.1-5+b1")
        );
        assert_eq!(p.epoch, Some(1));
        assert_eq!(p.arch.as_deref(), Some("amd64"));
        let src = p.source.unwrap();
        assert_eq!(
            (src.name.as_str(), src.version.as_deref()),
            ("util-linux", Some("2.38.1-5"))
        );
        let d = r.distro.unwrap();
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("debian", Some("12"))
        );
    }

    #[test]
    fn rpm_epoch_and_source_rpm() {
        let p = pkg(
            "pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64&epoch=1&upstream=bash-5.1.8-6.el9.src.rpm",
            None,
        );
        assert_eq!((p.version.as_str(), p.epoch), ("5.1.8-6.el9", Some(1)));
        assert_eq!(p.source.unwrap().name, "bash");
        let p = pkg("pkg:rpm/fedora/curl@2:8.0-1", None);
        assert_eq!((p.version.as_str(), p.epoch), ("8.0-1", Some(2)));
    }

    #[test]
    fn language_namespaces() {
        assert_eq!(pkg("pkg:npm/%40babel/core@7.0.0", None).name, "@babel/core");
        assert_eq!(
            pkg("pkg:golang/github.com/gorilla/mux@v1.8.0", None).name,
            "github.com/gorilla/mux"
        );
        assert_eq!(
            pkg("pkg:composer/monolog/monolog@1.0.0", None).name,
            "monolog/monolog"
        );
        let m = pkg("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", None);
        assert_eq!(
            (m.namespace.as_deref(), m.name.as_str()),
            (Some("org.apache.logging.log4j"), "log4j-core")
        );
        assert_eq!(pkg("pkg:pypi/jinja2@2.11.2", Some("Jinja2")).name, "Jinja2");
        assert_eq!(
            pkg("pkg:pypi/jinja2@2.11.2", Some("something-else")).name,
            "jinja2"
        );
    }

    #[test]
    fn rejects_bad_and_unknown() {
        assert!(package_from_purl("not a purl", None).is_err());
        assert!(
            package_from_purl("pkg:hackage/base@4", None)
                .unwrap_err()
                .contains("hackage")
        );
        assert_eq!(
            distro_from_qualifier("opensuse-leap-15.5").id,
            "opensuse-leap"
        );
        assert_eq!(distro_from_qualifier("wolfi").version_id, None);
    }
}
