//! Package URLs, following the purl specification's per-type rules.

use packageurl::PackageUrl;

use crate::{Distro, Ecosystem, Package};

/// Builds the package URL of `pkg`. OS packages get the distro as namespace and the
/// `distro` qualifier when it is known, plus `arch`, `epoch` and `upstream` qualifiers.
pub fn purl_for(pkg: &Package, distro: Option<&Distro>) -> String {
    build(pkg, distro).unwrap_or_else(|| fallback(pkg))
}

fn build(pkg: &Package, distro: Option<&Distro>) -> Option<String> {
    let name = normalized_name(pkg);
    let mut p = PackageUrl::new(pkg.ecosystem.purl_type(), name.as_str()).ok()?;
    if !pkg.version.is_empty() {
        p.with_version(pkg.version.as_str()).ok()?;
    }
    match pkg.ecosystem {
        Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm => {
            let ns = distro
                .map(|d| d.id.clone())
                .unwrap_or_else(|| default_os_namespace(pkg.ecosystem).to_string());
            p.with_namespace(ns).ok()?;
            if let Some(arch) = &pkg.arch {
                p.add_qualifier("arch", arch.clone()).ok()?;
            }
            if let Some(d) = distro {
                p.add_qualifier("distro", d.purl_qualifier()).ok()?;
            }
            if let (Ecosystem::Rpm, Some(epoch)) = (pkg.ecosystem, pkg.epoch) {
                p.add_qualifier("epoch", epoch.to_string()).ok()?;
            }
            if let Some(src) = &pkg.source {
                let upstream = match (&src.version, pkg.ecosystem) {
                    (Some(v), Ecosystem::Deb) => format!("{}@{}", src.name, v),
                    _ => src.name.clone(),
                };
                if src.name != pkg.name || src.version.is_some() {
                    p.add_qualifier("upstream", upstream).ok()?;
                }
            }
        }
        Ecosystem::Npm => {
            if let Some((scope, _)) = pkg.name.split_once('/') {
                p.with_namespace(scope.to_string()).ok()?;
            }
        }
        Ecosystem::Golang => {
            if let Some((ns, _)) = pkg.name.rsplit_once('/') {
                p.with_namespace(ns.to_string()).ok()?;
            }
        }
        Ecosystem::Composer => {
            if let Some((vendor, _)) = pkg.name.split_once('/') {
                p.with_namespace(vendor.to_string()).ok()?;
            }
        }
        Ecosystem::Maven => {
            if let Some(group) = &pkg.namespace {
                p.with_namespace(group.clone()).ok()?;
            }
        }
        Ecosystem::Pypi | Ecosystem::Cargo | Ecosystem::Gem | Ecosystem::Nuget => {}
    }
    Some(p.to_string())
}

/// The purl `name` component: the last path segment where the ecosystem uses namespaces,
/// lowercased and with `_` as `-` for PyPI (as the purl spec requires).
fn normalized_name(pkg: &Package) -> String {
    match pkg.ecosystem {
        Ecosystem::Pypi => pkg.name.to_ascii_lowercase().replace(['_', '.'], "-"),
        Ecosystem::Npm | Ecosystem::Composer => pkg
            .name
            .split_once('/')
            .map_or(pkg.name.as_str(), |(_, n)| n)
            .to_string(),
        Ecosystem::Golang => pkg
            .name
            .rsplit_once('/')
            .map_or(pkg.name.as_str(), |(_, n)| n)
            .to_string(),
        _ => pkg.name.clone(),
    }
}

fn default_os_namespace(eco: Ecosystem) -> &'static str {
    match eco {
        Ecosystem::Deb => "debian",
        Ecosystem::Apk => "alpine",
        _ => "redhat",
    }
}

fn fallback(pkg: &Package) -> String {
    format!(
        "pkg:{}/{}@{}",
        pkg.ecosystem.purl_type(),
        pkg.name,
        pkg.version
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourcePackage;

    fn deb() -> Distro {
        Distro {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..Distro::default()
        }
    }

    #[test]
    fn deb_with_source_and_epoch() {
        let mut p = Package::new(Ecosystem::Deb, "libssl3", "3.0.11-1~deb12u2");
        p.arch = Some("amd64".into());
        p.source = Some(SourcePackage {
            name: "openssl".into(),
            version: None,
        });
        assert_eq!(
            purl_for(&p, Some(&deb())),
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"
        );
    }

    #[test]
    fn rpm_epoch_qualifier() {
        let mut p = Package::new(Ecosystem::Rpm, "bash", "5.1.8-6.el9");
        p.epoch = Some(1);
        p.arch = Some("x86_64".into());
        let d = Distro {
            id: "rocky".into(),
            version_id: Some("9.3".into()),
            ..Distro::default()
        };
        assert_eq!(
            purl_for(&p, Some(&d)),
            "pkg:rpm/rocky/bash@5.1.8-6.el9?arch=x86_64&distro=rocky-9.3&epoch=1"
        );
    }

    #[test]
    fn language_purls() {
        let p = Package::new(Ecosystem::Npm, "@babel/core", "7.0.0");
        assert_eq!(purl_for(&p, None), "pkg:npm/%40babel/core@7.0.0");
        let p = Package::new(Ecosystem::Pypi, "Jinja2", "2.11.2");
        assert_eq!(purl_for(&p, None), "pkg:pypi/jinja2@2.11.2");
        let p = Package::new(Ecosystem::Golang, "github.com/gorilla/mux", "v1.8.0");
        assert_eq!(
            purl_for(&p, None),
            "pkg:golang/github.com/gorilla/mux@v1.8.0"
        );
        let mut p = Package::new(Ecosystem::Maven, "log4j-core", "2.14.1");
        p.namespace = Some("org.apache.logging.log4j".into());
        assert_eq!(
            purl_for(&p, None),
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
        );
        let p = Package::new(Ecosystem::Composer, "monolog/monolog", "1.0.0");
        assert_eq!(purl_for(&p, None), "pkg:composer/monolog/monolog@1.0.0");
    }
}
