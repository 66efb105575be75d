//! The verdict of `verify`: per requirement, what satisfied it or why nothing did.

use std::fmt::Write as _;

use serde::Serialize;

use crate::layout::Kind;

/// The result of verifying one image against one policy.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The image as given.
    pub image: String,
    /// The digest it resolved to (what was verified).
    pub digest: String,
    pub passed: bool,
    pub requirements: Vec<RequirementReport>,
    /// Where evidence was looked for.
    pub looked_in: Vec<String>,
}

/// One requirement's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct RequirementReport {
    pub name: String,
    pub kind: Kind,
    pub passed: bool,
    pub threshold: usize,
    /// The keys that satisfied it, and with what.
    pub satisfied_by: Vec<Satisfied>,
    /// Why it failed (empty when it passed).
    pub problems: Vec<String>,
}

/// A key that satisfied a requirement, and the evidence that did it.
#[derive(Debug, Clone, Serialize)]
pub struct Satisfied {
    pub key: String,
    pub key_id: String,
    pub place: String,
    pub layer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Report {
    /// Human-readable text: one line per requirement, reasons indented beneath.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "image   {}", self.image);
        let _ = writeln!(out, "digest  {}", self.digest);
        let width = self
            .requirements
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(0);
        for req in &self.requirements {
            let verdict = if req.passed { "PASS" } else { "FAIL" };
            let kind = req.kind.noun();
            let _ = writeln!(out, "{verdict}  {:width$}  {kind}", req.name);
            for s in &req.satisfied_by {
                let detail = s
                    .detail
                    .as_deref()
                    .map(|d| format!(", {d}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "        by {} ({}) in {}{detail}",
                    s.key, s.key_id, s.place
                );
            }
            for p in &req.problems {
                let _ = writeln!(out, "        {p}");
            }
        }
        let failed: Vec<&str> = self
            .requirements
            .iter()
            .filter(|r| !r.passed)
            .map(|r| r.name.as_str())
            .collect();
        if failed.is_empty() {
            let _ = writeln!(
                out,
                "verified: all {} requirements met",
                self.requirements.len()
            );
        } else {
            let _ = writeln!(
                out,
                "NOT verified: {} of {} requirements not met: {}",
                failed.len(),
                self.requirements.len(),
                failed.join(", ")
            );
        }
        out
    }
}
