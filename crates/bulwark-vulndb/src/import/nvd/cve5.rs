//! CVE 5.x records (`cveMetadata`, `containers.cna`, `containers.adp`), as published by
//! the CVE program and its CNAs.

use bulwark_types::Advisory;
use serde::Deserialize;

use super::record::{CvssData, LangValue, Record, Url, english};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Meta5 {
    cve_id: String,
    state: Option<String>,
    date_published: Option<String>,
    date_updated: Option<String>,
    date_rejected: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Containers5 {
    cna: Option<Container5>,
    #[serde(default)]
    adp: Vec<Container5>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Container5 {
    title: Option<String>,
    descriptions: Vec<LangValue>,
    rejected_reasons: Vec<LangValue>,
    metrics: Vec<Metric5>,
    problem_types: Vec<ProblemType5>,
    references: Vec<Url>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metric5 {
    #[serde(rename = "cvssV4_0")]
    v40: Option<CvssData>,
    #[serde(rename = "cvssV3_1")]
    v31: Option<CvssData>,
    #[serde(rename = "cvssV3_0")]
    v30: Option<CvssData>,
    #[serde(rename = "cvssV2_0")]
    v20: Option<CvssData>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProblemType5 {
    descriptions: Vec<Cwe5>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Cwe5 {
    cwe_id: Option<String>,
    description: String,
}

pub(super) fn into_advisory(meta: Meta5, containers: Containers5) -> Advisory {
    let mut cna = containers.cna.unwrap_or_default();
    let title = cna.title.take();
    let rejected = meta.state.as_deref() == Some("REJECTED");
    let mut texts = std::mem::take(&mut cna.descriptions);
    texts.append(&mut cna.rejected_reasons);
    let details = english(texts);
    let mut record = Record::default();
    let mut scores: [Option<CvssData>; 4] = Default::default();
    for container in std::iter::once(cna).chain(containers.adp) {
        for metric in container.metrics {
            let found = [metric.v40, metric.v31, metric.v30, metric.v20];
            for (slot, data) in scores.iter_mut().zip(found) {
                // The CNA's score of a version wins over an ADP's.
                if slot.is_none() {
                    *slot = data;
                }
            }
        }
        for problem in container
            .problem_types
            .into_iter()
            .flat_map(|p| p.descriptions)
        {
            // `cweId`, else a description that starts with the id (`CWE-79 Improper ...`).
            let cwe = problem.cwe_id.unwrap_or(problem.description);
            let id = cwe.split(|c: char| c == ':' || c.is_whitespace()).next();
            record.cwe(id.unwrap_or_default());
        }
        container
            .references
            .into_iter()
            .for_each(|r| record.reference(r.url));
    }
    let versions = ["4.0", "3.1", "3.0", "2.0"];
    for (version, data) in versions.into_iter().zip(scores) {
        record.cvss.extend(data.map(|d| (version, d, None)));
    }
    let mut advisory = record.into_advisory(meta.cve_id, details);
    advisory.summary = title;
    advisory.withdrawn = rejected
        .then(|| meta.date_rejected.clone().or(meta.date_updated.clone()))
        .flatten();
    advisory.published = meta.date_published;
    advisory.modified = meta.date_updated;
    advisory
}
