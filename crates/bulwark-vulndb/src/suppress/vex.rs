//! OpenVEX documents (<https://openvex.dev>, v0.2.0): statements that a product is or is
//! not affected by a vulnerability.
//!
//! A `not_affected` or `fixed` statement suppresses a finding when its vulnerability
//! (name or alias) is the finding's id or an alias, and one of its products or their
//! subcomponents is the finding's package (see [`super::purl::matches`]). `affected` and
//! `under_investigation` statements suppress nothing, and override an earlier statement
//! about the same finding.

use std::path::{Path, PathBuf};

use bulwark_types::{Finding, Suppression};
use serde::Deserialize;

use super::{SuppressError, purl};

/// A parsed OpenVEX document.
#[derive(Debug, Clone)]
pub struct VexDocument {
    pub path: PathBuf,
    /// The document's `@id`, when it has one.
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

#[derive(Debug, Deserialize)]
struct Document {
    #[serde(rename = "@context")]
    context: String,
    #[serde(rename = "@id", default)]
    id: Option<String>,
    #[serde(default)]
    statements: Vec<Statement>,
}

/// One statement of a VEX document.
#[derive(Debug, Clone, Deserialize)]
pub struct Statement {
    pub vulnerability: Vulnerability,
    #[serde(default)]
    pub products: Vec<Product>,
    pub status: Status,
    #[serde(default)]
    pub justification: Option<String>,
    #[serde(default)]
    pub impact_statement: Option<String>,
}

/// `vulnerability`: an object in v0.2.0, a bare name in earlier drafts.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Vulnerability {
    Object {
        name: String,
        #[serde(default)]
        aliases: Vec<String>,
    },
    Name(String),
}

impl Vulnerability {
    fn names(&self) -> impl Iterator<Item = &str> {
        let (name, aliases): (&str, &[String]) = match self {
            Vulnerability::Object { name, aliases } => (name, aliases),
            Vulnerability::Name(name) => (name, &[]),
        };
        std::iter::once(name).chain(aliases.iter().map(String::as_str))
    }
}

/// A product (or subcomponent): its `@id` and/or `identifiers.purl`.
#[derive(Debug, Clone, Deserialize)]
pub struct Product {
    #[serde(rename = "@id", default)]
    pub id: Option<String>,
    #[serde(default)]
    pub identifiers: Option<Identifiers>,
    #[serde(default)]
    pub subcomponents: Vec<Product>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Identifiers {
    #[serde(default)]
    pub purl: Option<String>,
}

impl Product {
    fn purls(&self) -> impl Iterator<Item = &str> {
        self.id
            .as_deref()
            .filter(|id| id.starts_with("pkg:"))
            .into_iter()
            .chain(self.identifiers.as_ref().and_then(|i| i.purl.as_deref()))
    }

    fn covers(&self, purl: &str) -> bool {
        self.purls().any(|p| purl::matches(p, purl))
            || self.subcomponents.iter().any(|s| s.covers(purl))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotAffected => "not_affected",
            Status::Affected => "affected",
            Status::Fixed => "fixed",
            Status::UnderInvestigation => "under_investigation",
        }
    }
}

impl VexDocument {
    pub fn load(path: &Path) -> Result<Self, SuppressError> {
        let text = std::fs::read_to_string(path).map_err(|source| SuppressError::Read {
            kind: "OpenVEX document",
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, SuppressError> {
        let doc: Document = serde_json::from_str(text).map_err(|e| SuppressError::Vex {
            path: path.to_path_buf(),
            line: Some(e.line()).filter(|l| *l > 0),
            message: without_location(&e.to_string()),
        })?;
        if !doc.context.starts_with("https://openvex.dev/ns") {
            return Err(SuppressError::Vex {
                path: path.to_path_buf(),
                line: None,
                message: format!(
                    "@context {:?} is not OpenVEX (https://openvex.dev/ns/v0.2.0)",
                    doc.context
                ),
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            id: doc.id,
            statements: doc.statements,
        })
    }

    /// What the last statement about `f` says: `None` when no statement is about it,
    /// `Some(None)` when it says affected or under investigation.
    pub fn verdict(&self, f: &Finding) -> Option<Option<Suppression>> {
        let st = self.statements.iter().rev().find(|s| {
            s.vulnerability.names().any(|n| {
                n.eq_ignore_ascii_case(&f.id) || f.aliases.iter().any(|a| a.eq_ignore_ascii_case(n))
            }) && s.products.iter().any(|p| p.covers(&f.package.purl))
        })?;
        Some(match st.status {
            Status::NotAffected | Status::Fixed => Some(Suppression::Vex {
                status: st.status.as_str().to_string(),
                justification: st.justification.clone(),
                statement: st.impact_statement.clone(),
                document: self.path.display().to_string(),
            }),
            Status::Affected | Status::UnderInvestigation => None,
        })
    }
}

fn without_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg.get(..i).unwrap_or(msg).to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suppress::{apply, test_finding as finding};

    fn doc(statements: &str) -> VexDocument {
        let text = format!(
            r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1",
                "author": "test", "timestamp": "2026-01-01T00:00:00Z", "version": 1,
                "statements": [{statements}]}}"#
        );
        VexDocument::parse(Path::new("a.vex.json"), &text).unwrap()
    }

    fn today() -> time::Date {
        time::Date::from_calendar_date(2026, time::Month::January, 1).unwrap()
    }

    #[test]
    fn not_affected_suppresses_matching_purl_and_alias() {
        let d = doc(
            r#"{"vulnerability": {"name": "GHSA-1", "aliases": ["CVE-1"]},
                "products": [{"@id": "pkg:oci/app", "subcomponents": [{"@id": "pkg:apk/alpine/libssl@1.0"}]}],
                "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
                "impact_statement": "never called"}"#,
        );
        let mut fs = vec![
            finding("CVE-1", "libssl", "1.0"),
            finding("CVE-1", "libssl", "1.1"),
            finding("CVE-1", "libcrypto", "1.0"),
            finding("CVE-2", "libssl", "1.0"),
        ];
        apply(&mut fs, &[d], &[], today());
        assert_eq!(
            fs[0].suppressed,
            Some(Suppression::Vex {
                status: "not_affected".into(),
                justification: Some("vulnerable_code_not_in_execute_path".into()),
                statement: Some("never called".into()),
                document: "a.vex.json".into(),
            })
        );
        assert!(fs[1..].iter().all(|f| f.suppressed.is_none()));
    }

    #[test]
    fn versionless_products_cover_every_version_and_fixed_suppresses() {
        let d = doc(
            r#"{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:apk/alpine/libssl"}],
                "status": "fixed"}"#,
        );
        let mut fs = vec![
            finding("CVE-1", "libssl", "1.0"),
            finding("CVE-1", "libssl", "2.0"),
        ];
        apply(&mut fs, &[d], &[], today());
        assert!(fs.iter().all(|f| matches!(
            &f.suppressed,
            Some(Suppression::Vex { status, .. }) if status == "fixed"
        )));
    }

    #[test]
    fn affected_and_under_investigation_do_not_suppress_and_override() {
        let not = r#"{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:apk/alpine/libssl"}], "status": "not_affected", "justification": "component_not_present"}"#;
        for later in ["affected", "under_investigation"] {
            let d = doc(&format!(
                r#"{not}, {{"vulnerability": {{"name": "CVE-1"}}, "products": [{{"identifiers": {{"purl": "pkg:apk/alpine/libssl@1.0"}}}}], "status": "{later}"}}"#
            ));
            let mut fs = vec![finding("CVE-1", "libssl", "1.0")];
            apply(&mut fs, &[d], &[], today());
            assert_eq!(fs[0].suppressed, None, "{later}");
        }
        // A later document overrides an earlier one.
        let first = doc(
            r#"{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:apk/alpine/libssl"}], "status": "affected"}"#,
        );
        let mut fs = vec![finding("CVE-1", "libssl", "1.0")];
        apply(&mut fs, &[first, doc(not)], &[], today());
        assert!(fs[0].suppressed.is_some());
    }

    #[test]
    fn rejects_non_openvex_and_names_the_line() {
        let err = VexDocument::parse(
            Path::new("x.json"),
            r#"{"@context": "https://cyclonedx.org"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("x.json") && err.contains("not OpenVEX"),
            "{err}"
        );
        let err = VexDocument::parse(
            Path::new("x.json"),
            "{\"@context\": \"https://openvex.dev/ns/v0.2.0\",\n \"statements\": [{\"status\": \"nope\"}]}",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("x.json at line 2"), "{err}");
    }
}
