//! NVD's own formats: the JSON 1.1 feeds (`CVE_Items[]`) and API 2.0 records
//! (`vulnerabilities[].cve`).

use bulwark_types::Advisory;
use serde::Deserialize;

use super::record::{CvssData, LangValue, Record, Url, english};

// NVD JSON 1.1

#[derive(Deserialize)]
pub(super) struct Item11 {
    cve: Cve11,
    #[serde(default)]
    impact: Impact11,
    #[serde(rename = "publishedDate")]
    published: Option<String>,
    #[serde(rename = "lastModifiedDate")]
    modified: Option<String>,
}

#[derive(Deserialize)]
struct Cve11 {
    #[serde(rename = "CVE_data_meta")]
    meta: Meta11,
    #[serde(default)]
    problemtype: ProblemTypes11,
    #[serde(default)]
    references: References11,
    #[serde(default)]
    description: Descriptions11,
}

#[derive(Deserialize)]
struct Meta11 {
    #[serde(rename = "ID")]
    id: String,
}

#[derive(Deserialize, Default)]
struct ProblemTypes11 {
    #[serde(default)]
    problemtype_data: Vec<Descriptions>,
}

#[derive(Deserialize, Default)]
struct Descriptions {
    #[serde(default)]
    description: Vec<LangValue>,
}

#[derive(Deserialize, Default)]
struct References11 {
    #[serde(default)]
    reference_data: Vec<Url>,
}

#[derive(Deserialize, Default)]
struct Descriptions11 {
    #[serde(default)]
    description_data: Vec<LangValue>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Impact11 {
    base_metric_v3: Option<V3Metric11>,
    base_metric_v2: Option<V2Metric11>,
}

#[derive(Deserialize)]
struct V3Metric11 {
    #[serde(rename = "cvssV3")]
    cvss: CvssData,
}

#[derive(Deserialize)]
struct V2Metric11 {
    #[serde(rename = "cvssV2")]
    cvss: CvssData,
    severity: Option<String>,
}

impl Item11 {
    pub(super) fn into_advisory(self) -> Advisory {
        let mut record = Record::default();
        if let Some(v3) = self.impact.base_metric_v3 {
            let version = if v3.cvss.version.as_deref() == Some("3.0") {
                "3.0"
            } else {
                "3.1"
            };
            record.cvss.push((version, v3.cvss, None));
        }
        if let Some(v2) = self.impact.base_metric_v2 {
            record.cvss.push(("2.0", v2.cvss, v2.severity));
        }
        for problem in self.cve.problemtype.problemtype_data {
            problem
                .description
                .iter()
                .for_each(|d| record.cwe(&d.value));
        }
        for reference in self.cve.references.reference_data {
            record.reference(reference.url);
        }
        let details = english(self.cve.description.description_data);
        let rejected = details
            .as_deref()
            .is_some_and(|d| d.starts_with("** REJECT **"));
        let mut advisory = record.into_advisory(self.cve.meta.id, details);
        advisory.withdrawn = self.modified.clone().filter(|_| rejected);
        advisory.published = self.published;
        advisory.modified = self.modified;
        advisory
    }
}

// NVD API 2.0

#[derive(Deserialize)]
pub(super) struct Vuln20 {
    cve: Cve20,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cve20 {
    id: String,
    published: Option<String>,
    last_modified: Option<String>,
    vuln_status: Option<String>,
    #[serde(default)]
    descriptions: Vec<LangValue>,
    #[serde(default)]
    metrics: Metrics20,
    #[serde(default)]
    weaknesses: Vec<Descriptions>,
    #[serde(default)]
    references: Vec<Url>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Metrics20 {
    cvss_metric_v40: Vec<Metric20>,
    cvss_metric_v31: Vec<Metric20>,
    cvss_metric_v30: Vec<Metric20>,
    cvss_metric_v2: Vec<Metric20>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metric20 {
    #[serde(rename = "type")]
    kind: Option<String>,
    cvss_data: CvssData,
    base_severity: Option<String>,
}

impl Vuln20 {
    pub(super) fn into_advisory(self) -> Advisory {
        self.cve.into_advisory()
    }
}

impl Cve20 {
    fn into_advisory(self) -> Advisory {
        let mut record = Record::default();
        let m = self.metrics;
        let versions = [("4.0", m.cvss_metric_v40), ("3.1", m.cvss_metric_v31)];
        let older = [("3.0", m.cvss_metric_v30), ("2.0", m.cvss_metric_v2)];
        for (version, metrics) in versions.into_iter().chain(older) {
            // NVD's own score first, then the CNA's.
            let primary = metrics
                .iter()
                .position(|m| m.kind.as_deref() == Some("Primary"));
            if let Some(metric) = metrics.into_iter().nth(primary.unwrap_or(0)) {
                record
                    .cvss
                    .push((version, metric.cvss_data, metric.base_severity));
            }
        }
        for weakness in self.weaknesses {
            weakness
                .description
                .iter()
                .for_each(|d| record.cwe(&d.value));
        }
        for reference in self.references {
            record.reference(reference.url);
        }
        let mut advisory = record.into_advisory(self.id, english(self.descriptions));
        let rejected = self.vuln_status.as_deref() == Some("Rejected");
        advisory.withdrawn = self.last_modified.clone().filter(|_| rejected);
        advisory.published = self.published;
        advisory.modified = self.last_modified;
        advisory
    }
}
