//! NVD CVE JSON 1.1 feeds, NVD API 2.0 records and CVE 5.x records (enrichment).
//!
//! These add scores, CWEs, text and references to advisories that share the CVE id; they
//! affect nothing themselves (`affected` is empty). The format is recognised per file
//! (`.json`, or `.json.gz` as NVD ships its feeds):
//! - NVD 1.1 feed: `CVE_Items[]` with `cve` and `impact.baseMetricV3/V2`.
//! - NVD API 2.0 (a response page or a feed): `vulnerabilities[].cve` with
//!   `metrics.cvssMetricV40/V31/V30/V2`; NVD's own (`Primary`) metric wins over a CNA's.
//! - CVE 5.x record: `cveMetadata` and `containers.cna`, then `containers.adp` for what the
//!   CNA left out (CISA's scores, for one).
//!
//! `severity` is the base severity of the newest CVSS version present (4.0, 3.1, 3.0,
//! 2.0); without a rating word it comes from the score (CVSS 2 bands for 2.0). Rejected
//! records (`** REJECT **`, `vulnStatus: Rejected`, `state: REJECTED`) are `withdrawn`.
//! One unreadable record in a feed is skipped alone (`file (CVE_Items[12])`).

use std::io::Read;
use std::path::Path;

use bulwark_types::Advisory;
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};

use super::distro::{feed_files, has_suffix, skip};
use super::{ImportError, ImportReport, Importer, Skipped};
use cve5::{Containers5, Meta5};
use nvd_json::{Item11, Vuln20};

mod cve5;
mod nvd_json;
mod record;

/// NVD CVE JSON 1.1 feeds, NVD API 2.0 records and CVE 5.x records (enrichment).
#[derive(Debug, Default, Clone, Copy)]
pub struct Nvd;

impl Importer for Nvd {
    fn kind(&self) -> &'static str {
        "nvd"
    }

    fn import(
        &self,
        path: &Path,
        sink: &mut dyn FnMut(Advisory),
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        for file in feed_files(path, &|p| has_suffix(p, &[".json", ".json.gz"]), report)? {
            report.files += 1;
            let e = match read(&file) {
                Ok(envelope) => envelope,
                Err(reason) => {
                    skip(report, &file, reason);
                    continue;
                }
            };
            let name = file.display().to_string();
            match (e.items, e.vulnerabilities, e.meta, e.containers) {
                (Some(items), ..) => {
                    let list = (name.as_str(), "CVE_Items");
                    emit(items, list, Item11::into_advisory, sink, report);
                }
                (None, Some(vulns), ..) => {
                    let list = (name.as_str(), "vulnerabilities");
                    emit(vulns, list, Vuln20::into_advisory, sink, report);
                }
                (None, None, Some(meta), Some(containers)) => {
                    report.advisories += 1;
                    sink(cve5::into_advisory(meta, containers));
                }
                _ => skip(
                    report,
                    &file,
                    "not an NVD feed, NVD API response or CVE 5 record",
                ),
            }
        }
        Ok(())
    }
}

/// Hands on the readable records of a list; each unreadable one is skipped as
/// `file (list[n])`.
fn emit<T>(
    records: Vec<Lenient<T>>,
    (file, list): (&str, &str),
    convert: fn(T) -> Advisory,
    sink: &mut dyn FnMut(Advisory),
    report: &mut ImportReport,
) {
    for (n, record) in records.into_iter().enumerate() {
        match record.0 {
            Ok(record) => {
                report.advisories += 1;
                sink(convert(record));
            }
            Err(reason) => report.skipped.push(Skipped {
                file: format!("{file} ({list}[{n}])"),
                reason,
            }),
        }
    }
}

fn read(file: &Path) -> Result<Envelope, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read: {e}"))?;
    let bytes = if has_suffix(file, &[".gz"]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| format!("invalid gzip: {e}"))?;
        out
    } else {
        bytes
    };
    serde_json::from_slice(&bytes).map_err(|e| format!("invalid JSON: {e}"))
}

/// A record that failed to parse keeps its reason instead of failing the whole file.
struct Lenient<T>(Result<T, String>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Ok(Lenient(
            T::deserialize(value).map_err(|e| format!("unreadable record: {e}")),
        ))
    }
}

/// Every format's top level at once; which fields are present tells the format.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "CVE_Items")]
    items: Option<Vec<Lenient<Item11>>>,
    vulnerabilities: Option<Vec<Lenient<Vuln20>>>,
    #[serde(rename = "cveMetadata")]
    meta: Option<Meta5>,
    containers: Option<Containers5>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::Write;

    use super::*;
    use crate::test_support::{import, vulndata};
    use bulwark_types::{Cvss, Severity};

    const FEEDS: &str = "osv.dev-testdata/vulnfeeds/test_data";

    fn severities(advisories: &[Advisory]) -> BTreeMap<Option<Severity>, usize> {
        let mut counts = BTreeMap::new();
        for a in advisories {
            *counts.entry(a.severity).or_default() += 1;
        }
        counts
    }

    fn count(advisories: &[Advisory], f: fn(&Advisory) -> usize) -> usize {
        advisories.iter().map(f).sum()
    }

    // Counts from Python over the same file: 669 items; 356 with CVSS 3 (165 high, 104
    // medium, 87 critical), 313 without metrics; 361 CWEs, 1,308 distinct references,
    // 29 `** REJECT **`; 4 records also carry CVSS 2.
    #[test]
    fn nvd_1_1_feed() {
        let (advisories, report) = import(
            &Nvd,
            &vulndata(&format!("{FEEDS}/nvdcve-1.1-test-data.json")),
        );
        assert_eq!(
            (report.files, report.advisories, report.skipped.len()),
            (1, 669, 0)
        );
        let expected = [
            (None, 313),
            (Some(Severity::Medium), 104),
            (Some(Severity::High), 165),
            (Some(Severity::Critical), 87),
        ];
        assert_eq!(severities(&advisories), BTreeMap::from(expected));
        assert_eq!(
            count(&advisories, |a| a.cvss.len()),
            356 + 4,
            "v3, and v2 where given"
        );
        assert_eq!(count(&advisories, |a| a.cwes.len()), 361);
        assert_eq!(count(&advisories, |a| a.references.len()), 1308);
        assert_eq!(
            advisories.iter().filter(|a| a.withdrawn.is_some()).count(),
            29
        );
        assert!(
            advisories
                .iter()
                .all(|a| a.affected.is_empty() && a.source == "nvd")
        );

        let gitlab = advisories.iter().find(|a| a.id == "CVE-2022-0090").unwrap();
        assert!(
            gitlab
                .details
                .as_deref()
                .unwrap()
                .starts_with("An issue has been discovered affecting GitLab")
        );
        assert_eq!(gitlab.severity, Some(Severity::Medium));
        let v3 = Cvss {
            version: "3.1".into(),
            vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:H/A:N".into(),
            score: Some(6.5),
        };
        let v2 = Cvss {
            version: "2.0".into(),
            vector: "AV:N/AC:L/Au:N/C:N/I:P/A:N".into(),
            score: Some(5.0),
        };
        assert_eq!(gitlab.cvss, [v3, v2]);
        assert_eq!(gitlab.cwes, ["CWE-269"]);
        assert_eq!(gitlab.references.len(), 3);
        assert_eq!(gitlab.published.as_deref(), Some("2022-01-18T17:15Z"));
        assert_eq!(gitlab.modified.as_deref(), Some("2022-01-25T14:49Z"));

        // The same CVE from the NVD API 2.0 agrees on everything but the date format.
        let (api, _) = import(
            &Nvd,
            &vulndata(&format!("{FEEDS}/nvdcve-2.0/CVE-2022-0090.json")),
        );
        let api = &api[0];
        assert_eq!(
            (&api.id, &api.cvss, &api.cwes, api.severity),
            (&gitlab.id, &gitlab.cvss, &gitlab.cwes, gitlab.severity)
        );
        assert_eq!(api.details, gitlab.details);
        let sorted = |a: &Advisory| {
            let mut refs = a.references.clone();
            refs.sort();
            refs
        };
        assert_eq!(sorted(api), sorted(gitlab), "same links, in another order");
        assert_eq!(api.published.as_deref(), Some("2022-01-18T17:15:09.510"));
    }

    // Python over the same files: severity from the newest CVSS version (NVD's Primary).
    #[test]
    fn nvd_api_2_0_records() {
        let (advisories, report) = import(&Nvd, &vulndata(&format!("{FEEDS}/nvdcve-2.0")));
        assert_eq!(
            (report.files, advisories.len(), report.skipped.len()),
            (23, 23, 0)
        );
        let expected = [
            (Some(Severity::Medium), 12),
            (Some(Severity::High), 6),
            (Some(Severity::Critical), 5),
        ];
        assert_eq!(severities(&advisories), BTreeMap::from(expected));
        assert_eq!(count(&advisories, |a| a.cvss.len()), 31);
        let xz = advisories.iter().find(|a| a.id == "CVE-2024-3094").unwrap();
        assert_eq!(
            (xz.severity, xz.cwes.as_slice()),
            (Some(Severity::Critical), &["CWE-506".to_owned()][..])
        );

        // vunnel's API pages; beside them lie vunnel's own output records, not NVD's.
        let page = "vunnel-fixtures/tests/unit/providers/nvd/test-fixtures";
        let (advisories, report) = import(&Nvd, &vulndata(page));
        assert_eq!(
            (report.files, advisories.len(), report.skipped.len()),
            (41, 39, 39)
        );
        assert!(
            report
                .skipped
                .iter()
                .all(|s| s.file.contains("/snapshots/"))
        );
        let expected = [
            (None, 3),
            (Some(Severity::Medium), 19),
            (Some(Severity::High), 16),
            (Some(Severity::Critical), 1),
        ];
        assert_eq!(severities(&advisories), BTreeMap::from(expected));
        assert_eq!(count(&advisories, |a| a.cvss.len()), 37);
    }

    #[test]
    fn cve_5_records() {
        let (advisories, report) = import(&Nvd, &vulndata(&format!("{FEEDS}/cve5")));
        assert_eq!(
            (report.files, advisories.len(), report.skipped.len()),
            (13, 13, 0)
        );
        let expected = [
            (None, 3),
            (Some(Severity::Low), 1),
            (Some(Severity::Medium), 4),
            (Some(Severity::High), 3),
            (Some(Severity::Critical), 2),
        ];
        assert_eq!(severities(&advisories), BTreeMap::from(expected));
        assert_eq!(count(&advisories, |a| a.cvss.len()), 12);
        let xz = advisories.iter().find(|a| a.id == "CVE-2024-3094").unwrap();
        assert_eq!(
            xz.summary.as_deref(),
            Some("Xz: malicious code in distributed source")
        );
        assert_eq!(xz.severity, Some(Severity::Critical));
        assert_eq!(xz.cvss[0].score, Some(10.0));
        assert_eq!(xz.cwes, ["CWE-506"]);
        assert_eq!(xz.published.as_deref(), Some("2024-03-29T16:51:12.588Z"));

        let (advisories, report) = import(&Nvd, &vulndata(&format!("{FEEDS}/cvelistV5")));
        assert_eq!((report.files, advisories.len()), (11, 11));
        assert_eq!(count(&advisories, |a| a.cvss.len()), 7);
        let log4shell = advisories
            .iter()
            .find(|a| a.id == "CVE-2021-44228")
            .unwrap();
        assert!(log4shell.details.as_deref().unwrap().contains("JNDI"));
    }

    #[test]
    fn broken_files_and_records_are_skipped_and_the_rest_imported() {
        let dir = tempfile::tempdir().unwrap();
        let feed = std::fs::read(vulndata(&format!("{FEEDS}/nvdcve-1.1-test-data.json"))).unwrap();
        std::fs::write(dir.path().join("a-truncated.json"), &feed[..feed.len() / 2]).unwrap();
        std::fs::copy(
            vulndata(&format!("{FEEDS}/CVE-2012-2812.json")),
            dir.path().join("b-osv.json"),
        )
        .unwrap();
        // The real feed with its second record damaged.
        let mut doc: serde_json::Value = serde_json::from_slice(&feed).unwrap();
        doc["CVE_Items"][1]["cve"] = serde_json::json!("not a record");
        std::fs::write(dir.path().join("c-one-bad.json"), doc.to_string()).unwrap();
        let api =
            std::fs::read(vulndata(&format!("{FEEDS}/nvdcve-2.0/CVE-2024-3094.json"))).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&api).unwrap();
        std::fs::write(dir.path().join("d-api.json.gz"), gz.finish().unwrap()).unwrap();
        std::fs::write(dir.path().join("e-garbage.json.gz"), b"\x1f\x8bnope").unwrap();

        let (advisories, report) = import(&Nvd, dir.path());
        assert_eq!(report.files, 5);
        let skipped = crate::test_support::skipped_by_file(&report);
        assert_eq!(skipped.len(), 4, "{skipped:?}");
        assert_eq!(skipped[0].0, "a-truncated.json");
        assert!(skipped[0].1.starts_with("invalid JSON"));
        assert_eq!(
            skipped[1],
            (
                "b-osv.json",
                "not an NVD feed, NVD API response or CVE 5 record"
            )
        );
        assert_eq!(skipped[2].0, "c-one-bad.json (CVE_Items[1])");
        assert!(skipped[2].1.starts_with("unreadable record"));
        assert_eq!(skipped[3].0, "e-garbage.json.gz");
        assert!(skipped[3].1.starts_with("invalid gzip"));
        assert_eq!(advisories.len(), 668 + 1);
        assert_eq!(advisories.last().unwrap().id, "CVE-2024-3094");
    }
}
