//! Red Hat-style OVAL: RHSA (Red Hat), RLSA (Rocky), ALSA (AlmaLinux), ELSA (Oracle).
//!
//! Each `patch` or `vulnerability` definition becomes one advisory: id from its advisory
//! reference (`RLSA-2022:4582`), else the title's leading id, else the OVAL id; CVEs from
//! `<advisory><cve>` and `<reference source="CVE">`, and when a file has neither (Rocky's)
//! from the `(CVE-...)` mentions in the description; `<severity>` as severity
//! (`Important` -> high, `Moderate` -> medium); title, description, issued and updated
//! dates. Each `rpminfo_test` whose state is `evr less than 0:1.10-9.el9_0` gives an
//! affected entry for that binary rpm name, `[Introduced("0"), Fixed("1.10-9.el9_0")]`
//! (a `0:` epoch dropped, others kept). Tests of signing keys, the OS release or files
//! compare no `evr` and are ignored, as are RHEL 8 module-stream conditions.
//!
//! The release (`rocky:9`, `rhel:9`) comes from `<platform>` (`Rocky Linux 9`), the CPE in
//! `<advisory from>` or `<affected_cpe_list>`, else the file name (`...rlsa-9.xml`).

use std::io::BufReader;
use std::path::Path;

use bulwark_types::{Advisory, Ecosystem};

use super::distro::{feed_files, has_suffix, skip};
use super::oval::{self, Definition, Document};
use super::{ImportError, ImportReport, Importer};

/// Red Hat-style OVAL: RHSA (Red Hat), RLSA (Rocky), ALSA (AlmaLinux), ELSA (Oracle).
#[derive(Debug, Default, Clone, Copy)]
pub struct RhelOval;

impl Importer for RhelOval {
    fn kind(&self) -> &'static str {
        "rhel-oval"
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
            let file_name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let mut without_packages = 0usize;
            for def in doc.definitions.iter().filter(|d| d.class != "inventory") {
                match advisory(&doc, def, file_name) {
                    Some(advisory) => {
                        report.advisories += 1;
                        sink(advisory);
                    }
                    None => without_packages += 1,
                }
            }
            if without_packages > 0 {
                tracing::info!(file = %file.display(), without_packages, "definitions without an rpm version test skipped");
            }
        }
        Ok(())
    }
}

/// Distro ids by the names vendors use in platforms, CPEs and file names.
const VENDORS: &[(&str, &str)] = &[
    ("rocky", "rocky"),
    ("red hat enterprise linux", "rhel"),
    ("redhat", "rhel"),
    ("rhel", "rhel"),
    ("almalinux", "almalinux"),
    ("oracle", "ol"),
];

/// `Rocky Linux 9`, `cpe:/o:rocky:rocky:9:GA`, `org.rockylinux.rlsa-9.xml` -> `rocky:9`.
fn distro_of(def: &Definition, file_name: &str) -> Option<String> {
    let candidates = def
        .platforms
        .iter()
        .chain(&def.advisory_from)
        .chain(&def.cpes)
        .map(String::as_str)
        .chain([file_name.trim_end_matches(".xml")]);
    candidates.into_iter().find_map(|text| {
        let lower = text.to_ascii_lowercase();
        let (_, id) = VENDORS.iter().find(|(name, _)| lower.contains(name))?;
        let major = major_version(&lower)?;
        Some(format!("{id}:{major}"))
    })
}

/// The first run of digits that stands alone (`9` in `rocky:9:ga`, `rlsa-9`, `linux 9`).
fn major_version(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|part| !part.is_empty() && part.len() <= 2)
}

/// CVE ids mentioned in free text, in order, without repeats.
fn cves_in(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (start, _) in text.match_indices("CVE-") {
        let Some((year, tail)) = text.get(start + 4..).and_then(|r| r.split_once('-')) else {
            continue;
        };
        let number: String = tail.chars().take_while(char::is_ascii_digit).collect();
        let id = format!("CVE-{year}-{number}");
        let valid = year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit());
        if valid && number.len() >= 4 && !found.contains(&id) {
            found.push(id);
        }
    }
    found
}

fn advisory(doc: &Document, def: &Definition, file_name: &str) -> Option<Advisory> {
    let (packages, dangling) = doc.packages(def, "rpminfo_test");
    if dangling > 0 {
        tracing::warn!(definition = %def.id, dangling, "test references to nothing");
    }
    if packages.is_empty() {
        return None;
    }
    let Some(distro) = distro_of(def, file_name) else {
        tracing::warn!(definition = %def.id, "no release for definition");
        return None;
    };
    let errata = def
        .references
        .iter()
        .find(|(source, id, _)| source != "CVE" && !id.is_empty())
        .map(|(_, id, _)| id.clone());
    // `RLSA-2022:4582: gzip security update (Important)`.
    let title_id = def
        .title
        .split_once(": ")
        .map(|(head, _)| head)
        .filter(|head| head.contains("SA-") && !head.contains(' '));
    let id = errata
        .or_else(|| title_id.map(str::to_owned))
        .unwrap_or_else(|| def.id.clone());
    let mut cves = def.cve_ids();
    if cves.is_empty() {
        cves = def.description.as_deref().map(cves_in).unwrap_or_default();
    }
    Some(def.to_advisory("rhel-oval", id, cves, Ecosystem::Rpm, distro, packages))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{import, vulndata};
    use bulwark_types::{Affected, Severity};

    fn fixed(distro: &str, package: &str, version: &str) -> Affected {
        crate::test_support::fixed_in(Ecosystem::Rpm, distro, package, version)
    }

    // Counts from a Python (ElementTree) resolution of the file: 175 definitions, all with
    // rpm tests, 2,609 (package, fix) pairs; 519 distinct CVE mentions in descriptions.
    #[test]
    fn rocky_9() {
        let (advisories, report) = import(&RhelOval, &vulndata("rocky-oval"));
        assert_eq!(report.files, 1);
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        assert_eq!(advisories.len(), 175);
        let pairs: usize = advisories.iter().map(|a| a.affected.len()).sum();
        assert_eq!(pairs, 2609);
        let cves: usize = advisories.iter().map(|a| a.aliases.len()).sum();
        assert_eq!(cves, 519);
        let distros: std::collections::BTreeSet<_> = advisories
            .iter()
            .flat_map(|a| &a.affected)
            .map(|x| x.distro.clone())
            .collect();
        assert_eq!(
            distros.into_iter().collect::<Vec<_>>(),
            [Some("rocky:9".to_owned())]
        );
        let high = advisories
            .iter()
            .filter(|a| a.severity == Some(Severity::High))
            .count();
        assert_eq!(high, 73, "Important is high");

        let sudo = advisories
            .iter()
            .find(|a| a.id == "RLSA-2023:0282")
            .unwrap();
        assert_eq!(sudo.source, "rhel-oval");
        assert_eq!(sudo.aliases, ["CVE-2023-22809"]);
        assert_eq!(sudo.severity, Some(Severity::High));
        assert_eq!(sudo.published.as_deref(), Some("2023-01-23"));
        assert_eq!(
            sudo.references,
            ["https://errata.rockylinux.org/RLSA-2023:0282"]
        );
        let names: Vec<_> = sudo.affected.iter().map(|a| a.package.as_str()).collect();
        assert_eq!(
            names,
            [
                "sudo",
                "sudo-debuginfo",
                "sudo-debugsource",
                "sudo-python-plugin",
                "sudo-python-plugin-debuginfo"
            ]
        );
        assert_eq!(
            sudo.affected[0],
            fixed("rocky:9", "sudo", "1.9.5p2-7.el9_1.1")
        );
        let ssl = advisories
            .iter()
            .find(|a| a.id == "RLSA-2023:0946")
            .unwrap();
        assert_eq!(
            ssl.affected[0],
            fixed("rocky:9", "openssl", "1:3.0.1-47.el9_1")
        );
        assert_eq!(ssl.affected.len(), 7);
    }

    /// No Red Hat OVAL file is among the test data, so this one is invented in Red Hat's
    /// layout: `<cve>` elements, a CPE list, an "is signed with" test and a release test.
    #[test]
    fn red_hat_layout() {
        let xml = r#"<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"
            xmlns:red-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
          <definitions><definition class="patch" id="oval:com.redhat.rhsa:def:20240001" version="1">
            <metadata><title>RHSA-2024:0001: example security update (Moderate)</title>
              <affected family="unix"><platform>Red Hat Enterprise Linux 9</platform></affected>
              <reference ref_id="RHSA-2024:0001" ref_url="https://access.redhat.com/errata/RHSA-2024:0001" source="RHSA"/>
              <reference ref_id="CVE-2024-1111" ref_url="https://access.redhat.com/security/cve/CVE-2024-1111" source="CVE"/>
              <description>Fixes &lt;things&gt; (CVE-2099-0001)</description>
              <advisory from="secalert@redhat.com"><severity>Moderate</severity>
                <cve cvss3="7.5/CVSS:3.1/AV:N" href="x">CVE-2024-1111</cve><cve href="y">CVE-2024-2222</cve>
                <affected_cpe_list><cpe>cpe:/a:redhat:enterprise_linux:9</cpe></affected_cpe_list>
              </advisory></metadata>
            <criteria operator="AND">
              <criterion test_ref="t:release"/>
              <criteria operator="OR"><criteria operator="AND">
                <criterion test_ref="t:lt"/><criterion test_ref="t:signed"/>
              </criteria></criteria>
            </criteria></definition></definitions>
          <tests>
            <red-def:rpminfo_test id="t:release" check="at least one"><red-def:object object_ref="o:release"/><red-def:state state_ref="s:release"/></red-def:rpminfo_test>
            <red-def:rpminfo_test id="t:lt" check="at least one"><red-def:object object_ref="o:pkg"/><red-def:state state_ref="s:lt"/></red-def:rpminfo_test>
            <red-def:rpminfo_test id="t:signed" check="at least one"><red-def:object object_ref="o:pkg"/><red-def:state state_ref="s:key"/></red-def:rpminfo_test>
          </tests>
          <objects>
            <red-def:rpminfo_object id="o:release"><red-def:name>redhat-release</red-def:name></red-def:rpminfo_object>
            <red-def:rpminfo_object id="o:pkg"><red-def:name>example-libs</red-def:name></red-def:rpminfo_object>
          </objects>
          <states>
            <red-def:rpminfo_state id="s:release"><red-def:version operation="pattern match">^9[^\d]</red-def:version></red-def:rpminfo_state>
            <red-def:rpminfo_state id="s:lt"><red-def:evr datatype="evr_string" operation="less than">2:1.0-1.el9</red-def:evr></red-def:rpminfo_state>
            <red-def:rpminfo_state id="s:key"><red-def:signature_keyid operation="equals">199e2f91fd431d51</red-def:signature_keyid></red-def:rpminfo_state>
          </states>
        </oval_definitions>"#;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rhel-9.oval.xml");
        std::fs::write(&path, xml).unwrap();
        let (advisories, report) = import(&RhelOval, &path);
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        let [rhsa] = advisories.as_slice() else {
            panic!("{advisories:?}")
        };
        assert_eq!(rhsa.id, "RHSA-2024:0001");
        assert_eq!(
            rhsa.aliases,
            ["CVE-2024-1111", "CVE-2024-2222"],
            "elements, not the text"
        );
        assert_eq!(rhsa.severity, Some(Severity::Medium));
        assert_eq!(
            rhsa.details.as_deref(),
            Some("Fixes <things> (CVE-2099-0001)")
        );
        assert_eq!(
            rhsa.affected,
            [fixed("rhel:9", "example-libs", "2:1.0-1.el9")]
        );
    }

    #[test]
    fn broken_files_are_skipped_and_the_rest_imported() {
        let dir = tempfile::tempdir().unwrap();
        let real = std::fs::read(vulndata("rocky-oval/org.rockylinux.rlsa-9.xml")).unwrap();
        std::fs::write(
            dir.path().join("a-truncated.xml"),
            &real[..real.len() * 2 / 3],
        )
        .unwrap();
        std::fs::write(dir.path().join("b-binary.xml"), [0u8, 159, 146, 150, 60, 0]).unwrap();
        std::fs::write(dir.path().join("org.rockylinux.rlsa-9.xml"), &real).unwrap();
        let (advisories, report) = import(&RhelOval, dir.path());
        assert_eq!(report.files, 3);
        let names: Vec<_> = report
            .skipped
            .iter()
            .map(|s| s.file.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(
            names,
            ["a-truncated.xml", "b-binary.xml"],
            "{:?}",
            report.skipped
        );
        assert_eq!(advisories.len(), 175);
    }

    #[test]
    fn release_and_cves_from_text() {
        let def = Definition {
            advisory_from: Some("cpe:/o:rocky:rocky:9:GA".to_owned()),
            ..Definition::default()
        };
        assert_eq!(distro_of(&def, "x.xml").as_deref(), Some("rocky:9"));
        let bare = Definition::default();
        assert_eq!(
            distro_of(&bare, "org.rockylinux.rlsa-8.xml").as_deref(),
            Some("rocky:8")
        );
        assert_eq!(distro_of(&bare, "unknown.xml"), None);
        let text = "* a (CVE-2022-1271) * b (CVE-2022-1271, CVE-2023-12345) CVE-20-1 CVE-2024-";
        assert_eq!(cves_in(text), ["CVE-2022-1271", "CVE-2023-12345"]);
    }
}
