//! What the three formats have in common: CVSS data, texts by language, links, and the
//! [`Record`] each is reduced to before it becomes an [`Advisory`].

use bulwark_types::{Advisory, Cvss, Severity};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct CvssData {
    pub(super) version: Option<String>,
    pub(super) vector_string: Option<String>,
    pub(super) base_score: Option<f32>,
    pub(super) base_severity: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LangValue {
    pub(super) lang: String,
    pub(super) value: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Url {
    pub(super) url: String,
}

/// What every format boils down to before it becomes an [`Advisory`].
#[derive(Default)]
pub(super) struct Record {
    /// `(version, data, severity word kept outside the data by NVD for CVSS 2)`, newest
    /// version first.
    pub(super) cvss: Vec<(&'static str, CvssData, Option<String>)>,
    pub(super) cwes: Vec<String>,
    pub(super) references: Vec<String>,
}

impl Record {
    pub(super) fn cwe(&mut self, id: &str) {
        let id = id.trim();
        if id.starts_with("CWE-") && !self.cwes.iter().any(|c| c == id) {
            self.cwes.push(id.to_owned());
        }
    }

    pub(super) fn reference(&mut self, url: String) {
        if !url.is_empty() && !self.references.contains(&url) {
            self.references.push(url);
        }
    }

    pub(super) fn into_advisory(self, id: String, details: Option<String>) -> Advisory {
        let severity = self.cvss.first().map(|(version, data, word)| {
            let word = data.base_severity.as_deref().or(word.as_deref());
            let from_score = |s: f32| match *version {
                "2.0" if s >= 7.0 => Severity::High,
                "2.0" if s >= 4.0 => Severity::Medium,
                "2.0" => Severity::Low,
                _ => Severity::from_cvss_score(s),
            };
            word.and_then(Severity::from_word)
                .or_else(|| data.base_score.map(from_score))
                .unwrap_or_default()
        });
        let cvss = self.cvss.into_iter().filter_map(|(version, data, _)| {
            Some(Cvss {
                version: data.version.unwrap_or_else(|| version.to_owned()),
                vector: data.vector_string?,
                score: data.base_score,
            })
        });
        Advisory {
            id,
            source: "nvd".to_owned(),
            details,
            severity,
            cvss: cvss.collect(),
            cwes: self.cwes,
            references: self.references,
            ..Advisory::default()
        }
    }
}

/// The English text, else the first non-empty one.
pub(super) fn english(values: Vec<LangValue>) -> Option<String> {
    let usable = |v: &LangValue| !v.value.trim().is_empty();
    let at = values
        .iter()
        .position(|v| v.lang.starts_with("en") && usable(v))
        .or_else(|| values.iter().position(usable))?;
    values.into_iter().nth(at).map(|v| v.value)
}
