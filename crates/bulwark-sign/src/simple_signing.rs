//! The "simple signing" payload that `cosign sign` signs for a container image
//! (containers-signature(5), with cosign's `critical.type`):
//!
//! ```json
//! {"critical":{"identity":{"docker-reference":"registry.example/app"},
//!   "image":{"docker-manifest-digest":"sha256:<hex>"},
//!   "type":"cosign container image signature"},"optional":null}
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::PayloadError;
use crate::strict_json;

/// `critical.type` of cosign signatures.
pub const COSIGN_SIGNATURE_TYPE: &str = "cosign container image signature";

/// Media type of the payload layer in a cosign signature manifest.
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";

/// Largest payload we parse. cosign's are ~250 bytes plus any `-a key=value` annotations.
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;

/// A cosign simple-signing payload.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleSigning {
    /// `critical.identity.docker-reference`: the reference the signer named.
    /// cosign ignores it when verifying; the digest is what binds.
    pub docker_reference: String,
    /// `critical.image.docker-manifest-digest`, `algorithm:hex` (e.g. `sha256:...`).
    pub manifest_digest: String,
    /// `optional`: annotations (`cosign sign -a key=value`) and other unsigned-meaning
    /// claims; empty is written as `null`, as cosign does.
    pub optional: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    critical: Critical,
    #[serde(default)]
    optional: Option<BTreeMap<String, Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Critical {
    identity: Identity,
    image: Image,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Identity {
    #[serde(rename = "docker-reference")]
    docker_reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Image {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: String,
}

impl SimpleSigning {
    /// A payload for `manifest_digest` with no optional claims.
    pub fn new(docker_reference: &str, manifest_digest: &str) -> Self {
        Self {
            docker_reference: docker_reference.to_owned(),
            manifest_digest: manifest_digest.to_owned(),
            optional: BTreeMap::new(),
        }
    }

    /// The exact bytes to sign, in the member order cosign (Go) writes:
    /// `{"critical":{"identity":{"docker-reference":..},"image":{"docker-manifest-digest":..},
    /// "type":"cosign container image signature"},"optional":{..} | null}`.
    /// Object members inside `optional` are written in sorted order at every depth,
    /// like Go's maps. Non-ASCII text is written as UTF-8 (Go would also escape
    /// `<`, `>` and `&`); verifiers check the stored bytes, never a re-encoding.
    pub fn to_payload(&self) -> Vec<u8> {
        let mut identity = Map::new();
        identity.insert(
            "docker-reference".to_owned(),
            Value::String(self.docker_reference.clone()),
        );
        let mut image = Map::new();
        image.insert(
            "docker-manifest-digest".to_owned(),
            Value::String(self.manifest_digest.clone()),
        );
        let mut critical = Map::new();
        critical.insert("identity".to_owned(), Value::Object(identity));
        critical.insert("image".to_owned(), Value::Object(image));
        critical.insert(
            "type".to_owned(),
            Value::String(COSIGN_SIGNATURE_TYPE.to_owned()),
        );
        let optional = if self.optional.is_empty() {
            Value::Null
        } else {
            Value::Object(
                self.optional
                    .iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        };
        let mut document = Map::new();
        document.insert("critical".to_owned(), Value::Object(critical));
        document.insert("optional".to_owned(), optional);
        Value::Object(document).to_string().into_bytes()
    }

    /// Parses untrusted payload bytes strictly: at most [`MAX_PAYLOAD_BYTES`]; no
    /// duplicate members anywhere; `critical`, `critical.identity` and
    /// `critical.image` hold exactly their known members (containers-signature(5)
    /// requires rejecting anything unknown there); `critical.type` must be
    /// [`COSIGN_SIGNATURE_TYPE`]; the digest must be `algorithm:hex`; `optional`
    /// may be an object, `null` or absent.
    ///
    /// Parse only after the signature over these bytes has verified.
    pub fn from_payload(bytes: &[u8]) -> Result<Self, PayloadError> {
        if bytes.len() > MAX_PAYLOAD_BYTES {
            return Err(PayloadError::TooLarge {
                len: bytes.len(),
                limit: MAX_PAYLOAD_BYTES,
            });
        }
        let value = strict_json::parse(bytes).map_err(PayloadError::Json)?;
        let critical = value.get("critical");
        strict_json::require_object(Some(&value), "the payload")
            .and_then(|()| strict_json::require_object(critical, "critical"))
            .and_then(|()| {
                strict_json::require_object(
                    critical.and_then(|c| c.get("identity")),
                    "critical.identity",
                )
            })
            .and_then(|()| {
                strict_json::require_object(critical.and_then(|c| c.get("image")), "critical.image")
            })
            .and_then(|()| match value.get("optional") {
                Some(Value::Null) | None => Ok(()),
                optional => strict_json::require_object(optional, "optional"),
            })
            .map_err(PayloadError::Json)?;
        let document: Document = serde_json::from_value(value).map_err(PayloadError::Json)?;
        let critical = document.critical;
        if critical.kind != COSIGN_SIGNATURE_TYPE {
            return Err(PayloadError::WrongType {
                found: critical.kind,
                expected: COSIGN_SIGNATURE_TYPE,
            });
        }
        let digest = critical.image.docker_manifest_digest;
        check_digest(&digest).map_err(|reason| PayloadError::BadDigest {
            digest: truncate(&digest, 100),
            reason,
        })?;
        Ok(Self {
            docker_reference: critical.identity.docker_reference,
            manifest_digest: digest,
            optional: document.optional.unwrap_or_default(),
        })
    }
}

/// A copy of `value` with object members in sorted order at every depth.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let ordered: BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(ordered.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Checks `algorithm:hex` in the OCI digest grammar, with lowercase hex encoding
/// and the exact length for the SHA-2 algorithms.
pub(crate) fn check_digest(digest: &str) -> Result<(), &'static str> {
    let (algorithm, encoded) = digest
        .split_once(':')
        .ok_or("expected algorithm:hex, e.g. sha256:<64 hex digits>")?;
    let algorithm_ok = !algorithm.is_empty()
        && algorithm.split(['+', '.', '_', '-']).all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !algorithm_ok {
        return Err("the algorithm is not lowercase letters and digits");
    }
    check_hex(algorithm, encoded)
}

/// Checks a lowercase hex digest value, with the exact length for SHA-2.
pub(crate) fn check_hex(algorithm: &str, encoded: &str) -> Result<(), &'static str> {
    if encoded.is_empty()
        || !encoded
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err("the encoded part is not lowercase hex");
    }
    let expected = match algorithm {
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    };
    match expected {
        Some(len) if encoded.len() != len => Err("wrong length for the algorithm"),
        _ => Ok(()),
    }
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}...", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
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

    const DIGEST: &str = "sha256:97fc222cee7991b5b061d4d4afdb5f3428fcb0c9054e1690313786befa1e4e36";

    #[test]
    fn payload_bytes_match_cosign_layout() {
        let p = SimpleSigning::new("registry.example/app", DIGEST);
        let text = String::from_utf8(p.to_payload()).unwrap();
        assert_eq!(
            text,
            format!(
                r#"{{"critical":{{"identity":{{"docker-reference":"registry.example/app"}},"image":{{"docker-manifest-digest":"{DIGEST}"}},"type":"cosign container image signature"}},"optional":null}}"#
            )
        );
        assert_eq!(SimpleSigning::from_payload(text.as_bytes()).unwrap(), p);
    }

    #[test]
    fn optional_members_are_sorted_at_every_depth() {
        let mut p = SimpleSigning::new("r", DIGEST);
        p.optional.insert("z".into(), json!(1));
        p.optional.insert(
            "a".into(),
            serde_json::from_str(r#"{"y":true,"b":[{"d":1,"c":2}]}"#).unwrap(),
        );
        let text = String::from_utf8(p.to_payload()).unwrap();
        assert!(
            text.ends_with(r#""optional":{"a":{"b":[{"c":2,"d":1}],"y":true},"z":1}}"#),
            "{text}"
        );
        assert_eq!(SimpleSigning::from_payload(text.as_bytes()).unwrap(), p);
    }

    #[test]
    fn accepts_absent_optional_and_other_digest_algorithms() {
        let text = format!(
            r#"{{"critical":{{"type":"cosign container image signature","image":{{"docker-manifest-digest":"sha512:{}"}},"identity":{{"docker-reference":""}}}}}}"#,
            "ab".repeat(64)
        );
        let p = SimpleSigning::from_payload(text.as_bytes()).unwrap();
        assert!(p.optional.is_empty());
        assert!(p.manifest_digest.starts_with("sha512:"));
    }

    #[test]
    fn any_single_byte_corruption_is_an_error_not_a_panic() {
        let mut p = SimpleSigning::new("registry.example/app", DIGEST);
        p.optional.insert("k".into(), json!({"n": [1, 2.5, null]}));
        let bytes = p.to_payload();
        for i in 0..bytes.len() {
            for byte in [b'"', b'{', b'}', b'[', b':', 0xc3, b'0'] {
                let mut mutated = bytes.clone();
                mutated[i] = byte;
                let _ = SimpleSigning::from_payload(&mutated);
            }
            let _ = SimpleSigning::from_payload(&bytes[..i]);
        }
    }

    fn doc_with(critical: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({"critical": critical, "optional": null})).unwrap()
    }

    fn good_critical() -> Value {
        json!({"identity": {"docker-reference": "r"}, "image": {"docker-manifest-digest": DIGEST}, "type": COSIGN_SIGNATURE_TYPE})
    }

    #[test]
    fn rejects_hostile_or_malformed_payloads() {
        let mut cases: Vec<(&str, Vec<u8>)> = vec![
            ("EOF", b"{\"critical\":{\"identity\"".to_vec()),
            ("the payload must be a JSON object", b"[]".to_vec()),
            (
                "critical must be a JSON object",
                br#"{"critical":["r","sha256:00","t"],"optional":null}"#.to_vec(),
            ),
            ("missing field `critical`", b"{\"optional\":null}".to_vec()),
            (
                "unknown field `extra`",
                serde_json::to_vec(
                    &json!({"critical": good_critical(), "optional": null, "extra": 1}),
                )
                .unwrap(),
            ),
            (
                "duplicate member",
                format!(
                    r#"{{"critical":{},"critical":{}}}"#,
                    good_critical(),
                    good_critical()
                )
                .into_bytes(),
            ),
        ];
        let mut wrong_type = good_critical();
        wrong_type["type"] = json!("atomic container signature");
        cases.push(("critical.type", doc_with(wrong_type)));
        let mut unknown = good_critical();
        unknown["image"]["docker-manifest-digest-v2"] = json!("x");
        cases.push(("unknown field", doc_with(unknown)));
        let mut capital = good_critical();
        capital["image"] = json!({"Docker-manifest-digest": DIGEST});
        cases.push(("unknown field `Docker-manifest-digest`", doc_with(capital)));
        let mut missing = good_critical();
        missing.as_object_mut().unwrap().remove("identity");
        cases.push(("missing field `identity`", doc_with(missing)));
        for bad in [
            "sha256:ABC",
            "sha256",
            "sha256:abcd",
            "SHA256:00",
            ":00",
            "sha256:",
            "sha256:xyz",
        ] {
            let mut c = good_critical();
            c["image"]["docker-manifest-digest"] = json!(bad);
            cases.push(("docker-manifest-digest", doc_with(c)));
        }
        let mut not_string = good_critical();
        not_string["image"]["docker-manifest-digest"] = json!(5);
        cases.push(("invalid type", doc_with(not_string)));
        cases.push((
            "optional must be a JSON object",
            serde_json::to_vec(&json!({"critical": good_critical(), "optional": 5})).unwrap(),
        ));
        cases.push(("limit", vec![b' '; MAX_PAYLOAD_BYTES + 1]));

        for (expect, bytes) in cases {
            let err = SimpleSigning::from_payload(&bytes).unwrap_err().to_string();
            assert!(err.contains(expect), "expected {expect:?} in {err:?}");
        }
    }
}
