//! in-toto attestation Statements (the payload of an attestation envelope).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::StatementError;
use crate::simple_signing::check_hex;
use crate::strict_json;

/// `_type` of in-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// `_type` of in-toto Statement v0.1, what cosign 2 writes; accepted when parsing.
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";

/// Largest statement we parse (same bound as an envelope).
pub const MAX_STATEMENT_BYTES: usize = crate::dsse::MAX_ENVELOPE_BYTES;

/// An in-toto Statement: which artifacts (by digest) a typed predicate is about.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Statement {
    /// [`STATEMENT_V1`] or [`STATEMENT_V01`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// The artifacts; matched by digest only.
    pub subject: Vec<Subject>,
    /// URI naming the predicate's schema.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The predicate; may be absent (`null`).
    #[serde(default)]
    pub predicate: Value,
}

/// One subject of a statement.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Subject {
    /// The artifact's name (for an image, its repository); may be empty.
    #[serde(default)]
    pub name: String,
    /// Algorithm -> lowercase hex, e.g. `{"sha256": "<hex>"}`.
    pub digest: BTreeMap<String, String>,
}

impl Statement {
    /// A v1 statement about one subject. `digest` is `algorithm:hex`
    /// (e.g. `sha256:<hex>`); without a colon it is taken as a sha256 hex value.
    pub fn new_v1(
        subject_name: &str,
        digest: &str,
        predicate_type: &str,
        predicate: Value,
    ) -> Self {
        let (algorithm, hex) = digest.split_once(':').unwrap_or(("sha256", digest));
        Self {
            statement_type: STATEMENT_V1.to_owned(),
            subject: vec![Subject {
                name: subject_name.to_owned(),
                digest: BTreeMap::from([(algorithm.to_owned(), hex.to_owned())]),
            }],
            predicate_type: predicate_type.to_owned(),
            predicate,
        }
    }

    /// `{"_type":..,"subject":[{"name":..,"digest":{..}}],"predicateType":..,"predicate":..}`;
    /// an empty subject name is left out, as Statement v1 allows.
    pub fn to_json(&self) -> Vec<u8> {
        // Built as a `Value` because `Value`'s `Display` cannot fail.
        let subjects = self
            .subject
            .iter()
            .map(|s| {
                let mut object = Map::new();
                if !s.name.is_empty() {
                    object.insert("name".to_owned(), Value::String(s.name.clone()));
                }
                let digest = s
                    .digest
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                object.insert("digest".to_owned(), Value::Object(digest));
                Value::Object(object)
            })
            .collect();
        let mut object = Map::new();
        object.insert(
            "_type".to_owned(),
            Value::String(self.statement_type.clone()),
        );
        object.insert("subject".to_owned(), Value::Array(subjects));
        object.insert(
            "predicateType".to_owned(),
            Value::String(self.predicate_type.clone()),
        );
        object.insert("predicate".to_owned(), self.predicate.clone());
        Value::Object(object).to_string().into_bytes()
    }

    /// Parses a statement: at most [`MAX_STATEMENT_BYTES`], no duplicate members,
    /// `_type` v1 or v0.1, at least one subject, each with a non-empty digest set
    /// whose SHA-2 values are lowercase hex of the right length, a non-empty
    /// `predicateType`. Unknown members are ignored (in-toto parsing rules).
    pub fn from_json(bytes: &[u8]) -> Result<Self, StatementError> {
        if bytes.len() > MAX_STATEMENT_BYTES {
            return Err(StatementError::TooLarge {
                len: bytes.len(),
                limit: MAX_STATEMENT_BYTES,
            });
        }
        let value = strict_json::parse(bytes).map_err(StatementError::Json)?;
        strict_json::require_object(Some(&value), "the statement").map_err(StatementError::Json)?;
        if let Some(subjects) = value.get("subject").and_then(Value::as_array) {
            for (i, subject) in subjects.iter().enumerate() {
                strict_json::require_object(Some(subject), &format!("subject[{i}]"))
                    .map_err(StatementError::Json)?;
            }
        }
        let statement: Self = serde_json::from_value(value).map_err(StatementError::Json)?;
        if statement.statement_type != STATEMENT_V1 && statement.statement_type != STATEMENT_V01 {
            return Err(StatementError::UnsupportedType {
                found: statement.statement_type,
            });
        }
        if statement.subject.is_empty() {
            return Err(StatementError::NoSubject);
        }
        for (index, subject) in statement.subject.iter().enumerate() {
            let bad = |reason: String| StatementError::BadSubjectDigest {
                index,
                name: subject.name.clone(),
                reason,
            };
            if subject.digest.is_empty() {
                return Err(bad("the digest set is empty".to_owned()));
            }
            for (algorithm, value) in &subject.digest {
                if matches!(algorithm.as_str(), "sha256" | "sha384" | "sha512") {
                    check_hex(algorithm, value)
                        .map_err(|reason| bad(format!("{algorithm}: {reason}")))?;
                } else if value.is_empty() {
                    return Err(bad(format!("{algorithm}: empty value")));
                }
            }
        }
        if statement.predicate_type.is_empty() {
            return Err(StatementError::EmptyPredicateType);
        }
        Ok(statement)
    }

    /// The first subject's digest value for `algorithm` (e.g. `"sha256"`), hex without prefix.
    pub fn subject_digest(&self, algorithm: &str) -> Option<&str> {
        self.subject
            .iter()
            .find_map(|s| s.digest.get(algorithm))
            .map(String::as_str)
    }
}

/// The predicate type URI for one of cosign's `--type` shorthands (as in cosign's
/// `options.PredicateTypeMap`), or `kind` itself if it contains `://`.
///
/// `custom` -> `https://cosign.sigstore.dev/attestation/v1`,
/// `slsaprovenance`/`slsaprovenance02` -> `https://slsa.dev/provenance/v0.2`,
/// `slsaprovenance1` -> `https://slsa.dev/provenance/v1`,
/// `spdx`/`spdxjson` -> `https://spdx.dev/Document`,
/// `cyclonedx` -> `https://cyclonedx.org/bom`, `link` -> `https://in-toto.io/Link/v1`,
/// `vuln` -> `https://cosign.sigstore.dev/attestation/vuln/v1`,
/// `openvex` -> `https://openvex.dev/ns`.
pub fn predicate_type_for(kind: &str) -> Option<String> {
    let uri = match kind {
        "custom" => "https://cosign.sigstore.dev/attestation/v1",
        "slsaprovenance" | "slsaprovenance02" => "https://slsa.dev/provenance/v0.2",
        "slsaprovenance1" => "https://slsa.dev/provenance/v1",
        "spdx" | "spdxjson" => "https://spdx.dev/Document",
        "cyclonedx" => "https://cyclonedx.org/bom",
        "link" => "https://in-toto.io/Link/v1",
        "vuln" => "https://cosign.sigstore.dev/attestation/vuln/v1",
        "openvex" => "https://openvex.dev/ns",
        other if other.contains("://") => other,
        _ => return None,
    };
    Some(uri.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;
    use serde_json::json;

    const HEX: &str = "2074f12a86b413824be18bf6471e7b6b9c13bce83832fe18efc635591d9cb1d3";

    #[test]
    fn new_v1_round_trip() {
        let digest = format!("sha256:{HEX}");
        let s = Statement::new_v1(
            "registry.example/app",
            &digest,
            "https://cyclonedx.org/bom",
            json!({"bomFormat": "CycloneDX"}),
        );
        let text = String::from_utf8(s.to_json()).unwrap();
        assert_eq!(
            text,
            format!(
                r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"registry.example/app","digest":{{"sha256":"{HEX}"}}}}],"predicateType":"https://cyclonedx.org/bom","predicate":{{"bomFormat":"CycloneDX"}}}}"#
            )
        );
        let parsed = Statement::from_json(text.as_bytes()).unwrap();
        assert_eq!(parsed, s);
        assert_eq!(parsed.subject_digest("sha256"), Some(HEX));
        assert_eq!(parsed.subject_digest("sha512"), None);
        // The derived serde form agrees with to_json.
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::from_str::<Value>(&text).unwrap()
        );
    }

    #[test]
    fn accepts_cosign_v01_statements_and_absent_predicate_and_name() {
        let text = format!(
            r#"{{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://cosign.sigstore.dev/attestation/v1","subject":[{{"digest":{{"sha256":"{HEX}"}},"uri":"x"}}],"extra":1}}"#
        );
        let s = Statement::from_json(text.as_bytes()).unwrap();
        assert_eq!(s.statement_type, STATEMENT_V01);
        assert_eq!(s.predicate, Value::Null);
        assert_eq!(s.subject[0].name, "");
        assert!(!String::from_utf8(s.to_json()).unwrap().contains("\"name\""));
    }

    #[test]
    fn rejects_malformed_statements() {
        let subject = json!([{"name": "a", "digest": {"sha256": HEX}}]);
        let doc = |t: &str, subject: Value, p: &str| {
            serde_json::to_vec(
                &json!({"_type": t, "subject": subject, "predicateType": p, "predicate": {}}),
            )
            .unwrap()
        };
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (doc("https://in-toto.io/Statement/v2", subject.clone(), "p"), "unsupported in-toto statement _type"),
            (doc(STATEMENT_V1, json!([]), "p"), "no subject"),
            (doc(STATEMENT_V1, json!([{"name": "a", "digest": {}}]), "p"), "digest set is empty"),
            (doc(STATEMENT_V1, json!([{"name": "a", "digest": {"sha256": "ABC"}}]), "p"), "not lowercase hex"),
            (doc(STATEMENT_V1, json!([{"name": "a", "digest": {"sha256": "abc"}}]), "p"), "wrong length"),
            (doc(STATEMENT_V1, json!([{"name": "a", "digest": {"gitCommit": ""}}]), "p"), "empty value"),
            (doc(STATEMENT_V1, json!([{"name": "a"}]), "p"), "missing field `digest`"),
            (doc(STATEMENT_V1, subject.clone(), ""), "empty predicateType"),
            (br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"a","sha256":"b"}}],"predicateType":"p"}"#.to_vec(), "duplicate member"),
            (b"{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[".to_vec(), "EOF"),
            (b"[1,2]".to_vec(), "the statement must be a JSON object"),
            (format!(r#"{{"_type":"{STATEMENT_V1}","subject":[["a",{{"sha256":"{HEX}"}}]],"predicateType":"p"}}"#).into_bytes(), "subject[0] must be a JSON object"),
        ];
        for (bytes, expect) in cases {
            let err = Statement::from_json(&bytes).unwrap_err().to_string();
            assert!(err.contains(expect), "expected {expect:?} in {err:?}");
        }
    }

    #[test]
    fn predicate_type_shorthands() {
        let cases = [
            ("cyclonedx", "https://cyclonedx.org/bom"),
            ("spdxjson", "https://spdx.dev/Document"),
            ("spdx", "https://spdx.dev/Document"),
            ("vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"),
            ("slsaprovenance", "https://slsa.dev/provenance/v0.2"),
            ("slsaprovenance02", "https://slsa.dev/provenance/v0.2"),
            ("slsaprovenance1", "https://slsa.dev/provenance/v1"),
            ("custom", "https://cosign.sigstore.dev/attestation/v1"),
            ("link", "https://in-toto.io/Link/v1"),
            ("openvex", "https://openvex.dev/ns"),
            (
                "https://example.com/predicate/v3",
                "https://example.com/predicate/v3",
            ),
        ];
        for (kind, uri) in cases {
            assert_eq!(predicate_type_for(kind).as_deref(), Some(uri), "{kind}");
        }
        assert_eq!(predicate_type_for("sbom"), None);
        assert_eq!(predicate_type_for(""), None);
    }
}
