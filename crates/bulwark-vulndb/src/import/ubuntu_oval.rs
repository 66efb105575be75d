//! Ubuntu OVAL (USN and CVE definitions files, `com.ubuntu.<codename>.usn.oval.xml`).
//!
//! Each `patch` (USN) or `vulnerability` (CVE) definition becomes one advisory: id from its
//! `USN` reference (`USN-5488-1`, `LSN-0086-1`), else its first CVE; the CVEs of its
//! `<reference source="CVE">` and `<advisory><cve>` elements as aliases; title as summary,
//! description as details, `<severity>` as severity, `<issued>`/`<updated>` dates. Each
//! `dpkginfo_test` whose state is `evr less than 0:3.0.2-0ubuntu1.5` gives an affected
//! entry `[Introduced("0"), Fixed("3.0.2-0ubuntu1.5")]` (a `0:` epoch is dropped, others
//! kept); a package test without a state is affected with no fix.
//!
//! **Ubuntu OVAL names binary packages** (`libssl3`, `openssl`, `libssl-dev`), unlike the
//! Debian feeds and the model's convention of source packages: the matcher must compare
//! an installed package's own (binary) name for advisories with source `ubuntu-oval`.
//!
//! The release (`ubuntu:22.04`) comes from the definition's `<platform>Ubuntu 22.04
//! LTS</platform>`, else from the codename in its OVAL id (`oval:com.ubuntu.jammy:def:..`)
//! or in the file name. Definitions that test only the running kernel (`uname_test`,
//! `variable_test`: kernel USNs and Livepatch notices) have no package test and yield no
//! advisory; they are counted in the log.

use std::io::BufReader;
use std::path::Path;

use bulwark_types::{Advisory, Ecosystem};

use super::distro::{feed_files, has_suffix, skip, ubuntu_release};
use super::oval::{self, Definition, Document};
use super::{ImportError, ImportReport, Importer};

/// Ubuntu OVAL (USN and CVE definitions files).
#[derive(Debug, Default, Clone, Copy)]
pub struct UbuntuOval;

impl Importer for UbuntuOval {
    fn kind(&self) -> &'static str {
        "ubuntu-oval"
    }

    fn import(
        &self,
        path: &Path,
        sink: &mut dyn FnMut(Advisory),
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        for file in feed_files(path, &|p| has_suffix(p, &[".xml"]), report)? {
            report.files += 1;
            let doc = std::fs::File::open(&file)
                .map_err(|e| format!("cannot read: {e}"))
                .and_then(|f| oval::parse(BufReader::new(f)));
            let doc = match doc {
                Ok(doc) => doc,
                Err(reason) => {
                    skip(report, &file, reason);
                    continue;
                }
            };
            let file_codename = file_codename(&file);
            let mut without_packages = 0usize;
            for def in doc.definitions.iter().filter(|d| d.class != "inventory") {
                match advisory(&doc, def, file_codename.as_deref()) {
                    Some(advisory) => {
                        report.advisories += 1;
                        sink(advisory);
                    }
                    None => without_packages += 1,
                }
            }
            tracing::info!(file = %file.display(), without_packages, "definitions without a package test (running kernel, livepatch) skipped");
        }
        Ok(())
    }
}

/// `com.ubuntu.jammy.usn.oval.xml` -> `jammy`.
fn file_codename(file: &Path) -> Option<String> {
    let name = file.file_name()?.to_str()?;
    let rest = name.strip_prefix("com.ubuntu.")?;
    rest.split('.').next().map(str::to_owned)
}

/// `ubuntu:22.04` for a definition.
fn distro_of(def: &Definition, file_codename: Option<&str>) -> Option<String> {
    let from_platform = def.platforms.iter().find_map(|p| {
        let version = p.strip_prefix("Ubuntu ")?.split_whitespace().next()?;
        version.contains('.').then(|| version.to_owned())
    });
    let from_id = || {
        let codename = def.id.strip_prefix("oval:com.ubuntu.")?.split(':').next()?;
        ubuntu_release(codename).map(str::to_owned)
    };
    let from_file = || file_codename.and_then(ubuntu_release).map(str::to_owned);
    let release = from_platform.or_else(from_id).or_else(from_file)?;
    Some(format!("ubuntu:{release}"))
}

fn advisory(doc: &Document, def: &Definition, file_codename: Option<&str>) -> Option<Advisory> {
    let (packages, dangling) = doc.packages(def, "dpkginfo_test");
    if dangling > 0 {
        tracing::warn!(definition = %def.id, dangling, "test references to nothing");
    }
    if packages.is_empty() {
        return None;
    }
    let Some(distro) = distro_of(def, file_codename) else {
        tracing::warn!(definition = %def.id, "no Ubuntu release for definition");
        return None;
    };
    let mut cves = def.cve_ids();
    let notice = def
        .references
        .iter()
        .find(|(source, id, _)| source == "USN" && !id.is_empty())
        .map(|(_, id, _)| id.clone());
    let id = notice
        .or_else(|| cves.first().cloned())
        .unwrap_or_else(|| def.id.clone());
    cves.retain(|c| *c != id);
    Some(def.to_advisory("ubuntu-oval", id, cves, Ecosystem::Deb, distro, packages))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{import, vulndata};
    use bulwark_types::{Affected, Severity};

    fn fixed(distro: &str, package: &str, version: &str) -> Affected {
        crate::test_support::fixed_in(Ecosystem::Deb, distro, package, version)
    }

    // Counts from a Python (ElementTree) resolution of the same files: definitions with at
    // least one dpkginfo test whose state is `evr less than`, (package, fix) pairs, CVEs.
    //   jammy 473 / 6083 / 1589, lunar 243 / 3186 / 673, noble 207 / 2479 / 567,
    //   oracular 52 / 560 / 189. The other 151 + 23 + 53 + 2 definitions test the running
    //   kernel only.
    #[test]
    fn four_releases() {
        let (advisories, report) = import(&UbuntuOval, &vulndata("ubuntu-oval"));
        assert_eq!(report.files, 4);
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        assert_eq!(advisories.len(), 473 + 243 + 207 + 52);
        let per_release = |release: &str| {
            let ours: Vec<_> = advisories
                .iter()
                .filter(|a| a.affected[0].distro.as_deref() == Some(release))
                .collect();
            let pairs: usize = ours.iter().map(|a| a.affected.len()).sum();
            let cves: usize = ours.iter().map(|a| a.aliases.len()).sum();
            (ours.len(), pairs, cves)
        };
        assert_eq!(per_release("ubuntu:22.04"), (473, 6083, 1589));
        assert_eq!(per_release("ubuntu:23.04"), (243, 3186, 673));
        assert_eq!(per_release("ubuntu:24.04"), (207, 2479, 567));
        assert_eq!(per_release("ubuntu:24.10"), (52, 560, 189));
        assert!(advisories.iter().all(|a| a.source == "ubuntu-oval"));
        assert!(!advisories.iter().any(|a| a.id.starts_with("LSN-")));

        let ssl = advisories.iter().find(|a| a.id == "USN-5488-1").unwrap();
        assert_eq!(ssl.aliases, ["CVE-2022-2068"]);
        assert_eq!(
            ssl.summary.as_deref(),
            Some("USN-5488-1 -- OpenSSL vulnerability")
        );
        assert_eq!(ssl.severity, Some(Severity::Medium));
        assert_eq!(ssl.published.as_deref(), Some("2022-06-21"));
        assert_eq!(
            ssl.references,
            [
                "https://ubuntu.com/security/notices/USN-5488-1",
                "https://ubuntu.com/security/CVE-2022-2068"
            ]
        );
        // Binary package names, all fixed in the same version.
        let v = "3.0.2-0ubuntu1.5";
        assert_eq!(
            ssl.affected,
            ["libssl3", "libssl-dev", "libssl-doc", "openssl"].map(|p| fixed("ubuntu:22.04", p, v))
        );

        // An Ubuntu Pro (ESM) fix, named by platform "Ubuntu 22.04 ESM".
        let pro = advisories.iter().find(|a| a.id == "USN-5205-1").unwrap();
        assert_eq!(
            pro.affected,
            [fixed("ubuntu:22.04", "tcpreplay", "4.3.4-1ubuntu0.1~esm1")]
        );
        assert_eq!(pro.aliases.len(), 13);

        // Noble has no <platform>: the release comes from the OVAL id. Epochs other than 0
        // are kept.
        let curl = advisories.iter().find(|a| a.id == "USN-6944-1").unwrap();
        assert_eq!(curl.affected.len(), 6);
        assert_eq!(
            curl.affected[0],
            fixed("ubuntu:24.04", "curl", "8.5.0-2ubuntu10.2")
        );
        let fossil = advisories.iter().find(|a| a.id == "USN-6770-1").unwrap();
        assert_eq!(
            fossil.affected,
            [fixed("ubuntu:24.04", "fossil", "1:2.23-1ubuntu0.1")]
        );
    }

    #[test]
    fn broken_files_are_skipped_and_the_rest_imported() {
        let dir = tempfile::tempdir().unwrap();
        let real = std::fs::read(vulndata("ubuntu-oval/com.ubuntu.oracular.usn.oval.xml")).unwrap();
        // Cut after a complete tag half-way through: well-formed so far, never closed.
        let cut = real[..real.len() / 2]
            .iter()
            .rposition(|&b| b == b'>')
            .unwrap()
            + 1;
        std::fs::write(dir.path().join("a-truncated.xml"), &real[..cut]).unwrap();
        std::fs::write(
            dir.path().join("b-garbage.xml"),
            b"<oval_definitions><definitions></tests>",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("c-other.xml"),
            b"<?xml version=\"1.0\"?><feed/>",
        )
        .unwrap();
        std::fs::write(dir.path().join("com.ubuntu.oracular.usn.oval.xml"), &real).unwrap();
        let (advisories, report) = import(&UbuntuOval, dir.path());
        assert_eq!(report.files, 4);
        let skipped = crate::test_support::skipped_by_file(&report);
        assert_eq!(skipped.len(), 3, "{skipped:?}");
        assert_eq!(skipped[0].0, "a-truncated.xml");
        assert!(skipped[0].1.starts_with("cut short"), "{}", skipped[0].1);
        assert_eq!(skipped[1].0, "b-garbage.xml");
        assert!(skipped[1].1.starts_with("invalid XML"), "{}", skipped[1].1);
        assert_eq!(
            skipped[2],
            (
                "c-other.xml",
                "not an OVAL file: no <oval_definitions> element"
            )
        );
        assert_eq!(advisories.len(), 52);
    }

    #[test]
    fn release_from_platform_id_or_file_name() {
        let def = |id: &str, platform: &[&str]| Definition {
            id: id.to_owned(),
            platforms: platform.iter().map(|p| (*p).to_owned()).collect(),
            ..Definition::default()
        };
        let jammy = def("oval:com.ubuntu.noble:def:1", &["Ubuntu 22.04 LTS"]);
        assert_eq!(distro_of(&jammy, None).as_deref(), Some("ubuntu:22.04"));
        let noble = def("oval:com.ubuntu.noble:def:1", &[]);
        assert_eq!(distro_of(&noble, None).as_deref(), Some("ubuntu:24.04"));
        let bare = def("oval:x:def:1", &[]);
        assert_eq!(
            distro_of(&bare, Some("focal")).as_deref(),
            Some("ubuntu:20.04")
        );
        assert_eq!(distro_of(&bare, Some("nonesuch")), None);
        let name = Path::new("/x/com.ubuntu.lunar.usn.oval.xml");
        assert_eq!(file_codename(name).as_deref(), Some("lunar"));
    }
}
