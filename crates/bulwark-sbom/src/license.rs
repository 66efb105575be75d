//! Sorting declared licences into SPDX identifiers, SPDX expressions and free text.

use std::collections::BTreeMap;

use spdx::{Expression, LicenseItem, ParseMode};

/// What a declared licence string is, in SPDX terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum License {
    /// One identifier from the SPDX licence list, e.g. `MIT`.
    Id(String),
    /// A valid SPDX expression that is more than one bare identifier, e.g. `MIT OR Apache-2.0`,
    /// `GPL-2.0+`, `LicenseRef-foo`.
    Expression(String),
    /// Anything else, e.g. `BSD License` or `Apache 2.0`.
    Other(String),
}

/// Spec-compliant parsing, except that deprecated identifiers (`GPL-2.0`, `GPL-2.0+`) stay
/// valid: they are still on the SPDX list, just discouraged.
const MODE: ParseMode = ParseMode {
    allow_deprecated: true,
    allow_postfix_plus_on_gpl: true,
    ..ParseMode::STRICT
};

fn parse(s: &str) -> Option<Expression> {
    let expr = Expression::parse_mode(s, MODE).ok()?;
    // A reference into another document cannot be resolved by readers of ours.
    let external = expr
        .requirements()
        .any(|r| matches!(&r.req.license, LicenseItem::Other(o) if o.doc_ref.is_some()));
    (!external).then_some(expr)
}

/// SPDX licence-list identifiers (list 3.29, as the `spdx` crate knows it) that the
/// CycloneDX 1.6 schema's licence enumeration lacks: a `license.id` with one of them fails
/// schema validation, so CycloneDX output names them instead. The validation test
/// `every_spdx_id_is_valid_cyclonedx` catches drift when either list changes.
pub(crate) const UNKNOWN_TO_CYCLONEDX_1_6: &[&str] = &[
    "BSD-2-Clause-pos-unchanged",
    "BSD-3-Clause-OpenWebUI",
    "BSD-Source-Code-no-disclaimer",
    "BSD-Source-alt-GPL",
    "BSD-ask-to-endorse",
    "Brian-Gladman-3-Clause-no-conversion",
    "Bugroff",
    "CC-BY-NC-3.0-IGO",
    "FDK-MPEG-H",
    "GFDL-1.1-invariants",
    "GFDL-1.1-no-invariants",
    "GFDL-1.2-invariants",
    "GFDL-1.2-no-invariants",
    "GFDL-1.3-invariants",
    "GFDL-1.3-no-invariants",
    "Hippocratic-3.0-core",
    "Informatica",
    "MVT-1.1",
    "atc-game",
];

/// `NOASSERTION`/`NONE` say that nothing is declared; they are not licences.
pub(crate) fn is_placeholder(s: &str) -> bool {
    matches!(s.trim(), "" | "NOASSERTION" | "NONE")
}

pub(crate) fn classify(s: &str) -> License {
    let s = s.trim();
    if spdx::license_id(s).is_some_and(|id| id.name == s) {
        return License::Id(s.to_string());
    }
    match parse(s) {
        Some(_) => License::Expression(s.to_string()),
        None => License::Other(s.to_string()),
    }
}

/// `LicenseRef-` identifiers in a valid expression.
pub(crate) fn license_refs(expr: &str) -> Vec<String> {
    let Some(parsed) = parse(expr) else {
        return Vec::new();
    };
    let mut refs: Vec<String> = parsed
        .requirements()
        .filter_map(|r| match &r.req.license {
            LicenseItem::Other(o) => Some(format!("LicenseRef-{}", o.lic_ref)),
            LicenseItem::Spdx { .. } => None,
        })
        .collect();
    refs.sort();
    refs.dedup();
    refs
}

/// Keeps only letters, digits, `.` and `-` (the SPDX idstring alphabet).
pub(crate) fn sanitize_id(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "unknown".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Licences that are not SPDX expressions, collected as `LicenseRef-` identifiers.
#[derive(Debug, Default)]
pub(crate) struct LicenseRefs {
    /// Original text -> identifier.
    by_text: BTreeMap<String, String>,
    /// Identifier -> original text (`None` for references found in valid expressions).
    by_id: BTreeMap<String, Option<String>>,
}

impl LicenseRefs {
    /// The `LicenseRef-` identifier standing for the free-text licence `text`.
    pub(crate) fn for_text(&mut self, text: &str) -> String {
        if let Some(id) = self.by_text.get(text) {
            return id.clone();
        }
        let base = format!("LicenseRef-{}", sanitize_id(text));
        let mut id = base.clone();
        let mut n = 2;
        while self.by_id.contains_key(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.by_text.insert(text.to_string(), id.clone());
        self.by_id.insert(id.clone(), Some(text.to_string()));
        id
    }

    /// Records a `LicenseRef-` used inside a valid expression.
    pub(crate) fn note_ref(&mut self, id: &str) {
        self.by_id.entry(id.to_string()).or_insert(None);
    }

    /// Every identifier with the text it stands for.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&String, Option<&String>)> {
        self.by_id.iter().map(|(id, text)| (id, text.as_ref()))
    }

    /// The licences of one package as a single SPDX expression, or `None` when there are none.
    pub(crate) fn expression(&mut self, licenses: &[String]) -> Option<String> {
        let mut parts = Vec::new();
        for l in licenses.iter().filter(|l| !is_placeholder(l)) {
            match classify(l) {
                License::Id(id) => parts.push(id),
                License::Expression(e) => {
                    for r in license_refs(&e) {
                        self.note_ref(&r);
                    }
                    parts.push(if parts_need_parens(&e, licenses.len()) {
                        format!("({e})")
                    } else {
                        e
                    });
                }
                License::Other(text) => parts.push(self.for_text(&text)),
            }
        }
        parts.dedup();
        (!parts.is_empty()).then(|| parts.join(" AND "))
    }
}

fn parts_need_parens(expr: &str, count: usize) -> bool {
    count > 1 && expr.contains(' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(classify("MIT"), License::Id("MIT".into()));
        assert_eq!(classify("GPL-2.0"), License::Id("GPL-2.0".into()));
        assert_eq!(
            classify("MIT OR Apache-2.0"),
            License::Expression("MIT OR Apache-2.0".into())
        );
        assert_eq!(classify("GPL-2.0+"), License::Expression("GPL-2.0+".into()));
        assert_eq!(
            classify("BSD License"),
            License::Other("BSD License".into())
        );
        assert_eq!(classify("mit"), License::Other("mit".into()));
        assert_eq!(
            classify("DocumentRef-x:LicenseRef-y"),
            License::Other("DocumentRef-x:LicenseRef-y".into())
        );
    }

    #[test]
    fn builds_expressions_with_refs() {
        let mut refs = LicenseRefs::default();
        let e = refs.expression(&[
            "MIT OR Apache-2.0".into(),
            "Custom, see COPYING".into(),
            "LicenseRef-acme".into(),
        ]);
        assert_eq!(
            e.as_deref(),
            Some("(MIT OR Apache-2.0) AND LicenseRef-Custom-see-COPYING AND LicenseRef-acme")
        );
        assert!(parse(e.as_deref().unwrap()).is_some());
        let ids: Vec<_> = refs.entries().map(|(id, _)| id.clone()).collect();
        assert_eq!(ids, ["LicenseRef-Custom-see-COPYING", "LicenseRef-acme"]);
        // A different text with the same sanitized form gets its own identifier.
        assert_eq!(
            refs.for_text("Custom; see COPYING"),
            "LicenseRef-Custom-see-COPYING-2"
        );
        assert_eq!(refs.expression(&[]), None);
    }
}
