//! DSSE (Dead Simple Signing Envelope) v1: the pre-authentication encoding and
//! the JSON envelope cosign uses for attestations.
//!
//! A signature covers `PAE(payloadType, payload)`, never the raw payload, so the
//! payload type is authenticated too and no JSON canonicalisation is needed.

use serde::Deserialize;

use crate::b64;
use crate::error::{EnvelopeError, SignatureError};
use crate::keys::{PublicKey, SigningKey};
use crate::strict_json;

/// Payload type of an in-toto statement.
pub const INTOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// Largest envelope we parse (attestations can carry whole SBOMs).
pub const MAX_ENVELOPE_BYTES: usize = 128 * 1024 * 1024;

/// Most signatures we read from one envelope (each one is a verification to try).
pub const MAX_SIGNATURES: usize = 64;

/// The pre-authentication encoding:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let type_len = payload_type.len().to_string();
    let body_len = payload.len().to_string();
    let mut out = Vec::with_capacity(
        10 + type_len.len() + payload_type.len() + body_len.len() + payload.len(),
    );
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(type_len.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(body_len.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// A DSSE envelope with its payload decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// What the payload is, e.g. [`INTOTO_PAYLOAD_TYPE`]. Authenticated.
    pub payload_type: String,
    /// The signed bytes.
    pub payload: Vec<u8>,
    /// One or more signatures over `PAE(payload_type, payload)`.
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvelopeSignature {
    /// Unauthenticated hint naming the key; cosign writes `""`. Never trusted.
    pub keyid: String,
    /// The signature bytes (DER ECDSA for P-256 keys, 64 bytes for Ed25519).
    pub sig: Vec<u8>,
}

#[derive(Deserialize)]
struct WireEnvelope {
    #[serde(rename = "payloadType")]
    payload_type: String,
    payload: String,
    signatures: Vec<WireSignature>,
}

#[derive(Deserialize)]
struct WireSignature {
    /// DSSE lets empty fields be omitted.
    #[serde(default)]
    keyid: String,
    sig: String,
}

impl Envelope {
    /// Signs `PAE(payload_type, payload)` with `key`; the signature's keyid is `""`,
    /// as cosign writes it.
    pub fn sign(payload_type: &str, payload: Vec<u8>, key: &SigningKey) -> Self {
        let sig = key.sign(&pae(payload_type, &payload));
        Self {
            payload_type: payload_type.to_owned(),
            payload,
            signatures: vec![EnvelopeSignature {
                keyid: String::new(),
                sig,
            }],
        }
    }

    /// `{"payloadType":..,"payload":<std base64>,"signatures":[{"keyid":"","sig":<std base64>}]}`.
    pub fn to_json(&self) -> Vec<u8> {
        // Built as a `Value` because `Value`'s `Display` cannot fail.
        let mut signatures = Vec::with_capacity(self.signatures.len());
        for s in &self.signatures {
            let mut object = serde_json::Map::new();
            object.insert("keyid".to_owned(), s.keyid.clone().into());
            object.insert("sig".to_owned(), b64::encode(&s.sig).into());
            signatures.push(serde_json::Value::Object(object));
        }
        let mut object = serde_json::Map::new();
        object.insert("payloadType".to_owned(), self.payload_type.clone().into());
        object.insert("payload".to_owned(), b64::encode(&self.payload).into());
        object.insert(
            "signatures".to_owned(),
            serde_json::Value::Array(signatures),
        );
        serde_json::Value::Object(object).to_string().into_bytes()
    }

    /// Parses an envelope strictly: at most [`MAX_ENVELOPE_BYTES`]; `payloadType`,
    /// `payload` and `signatures` required, no duplicate members; base64 standard or
    /// URL-safe, padded or not (DSSE allows both); 1 to [`MAX_SIGNATURES`]
    /// signatures, none empty. Unknown members are ignored (DSSE extensions).
    pub fn from_json(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(EnvelopeError::TooLarge {
                len: bytes.len(),
                limit: MAX_ENVELOPE_BYTES,
            });
        }
        let value = strict_json::parse(bytes).map_err(EnvelopeError::Json)?;
        strict_json::require_object(Some(&value), "the envelope").map_err(EnvelopeError::Json)?;
        if let Some(signatures) = value
            .get("signatures")
            .and_then(serde_json::Value::as_array)
        {
            for (i, signature) in signatures.iter().enumerate() {
                strict_json::require_object(Some(signature), &format!("signatures[{i}]"))
                    .map_err(EnvelopeError::Json)?;
            }
        }
        let wire: WireEnvelope = serde_json::from_value(value).map_err(EnvelopeError::Json)?;
        if wire.payload_type.is_empty() {
            return Err(EnvelopeError::Empty {
                field: "payloadType".to_owned(),
            });
        }
        if wire.signatures.is_empty() {
            return Err(EnvelopeError::NoSignatures);
        }
        if wire.signatures.len() > MAX_SIGNATURES {
            return Err(EnvelopeError::TooManySignatures {
                count: wire.signatures.len(),
                limit: MAX_SIGNATURES,
            });
        }
        let decode = |field: String, text: &str| {
            b64::decode_std_or_url(text).map_err(|e| EnvelopeError::Base64 {
                field,
                reason: e.to_string(),
            })
        };
        let payload = decode("payload".to_owned(), &wire.payload)?;
        let mut signatures = Vec::with_capacity(wire.signatures.len());
        for (i, s) in wire.signatures.into_iter().enumerate() {
            let sig = decode(format!("signatures[{i}].sig"), &s.sig)?;
            if sig.is_empty() {
                return Err(EnvelopeError::Empty {
                    field: format!("signatures[{i}].sig"),
                });
            }
            signatures.push(EnvelopeSignature {
                keyid: s.keyid,
                sig,
            });
        }
        Ok(Self {
            payload_type: wire.payload_type,
            payload,
            signatures,
        })
    }

    /// Returns the index of the first signature that verifies over
    /// `PAE(payload_type, payload)` with `key`.
    ///
    /// Every signature is tried whatever its keyid says (DSSE: the keyid must not
    /// decide anything); keyids only shape the error message.
    pub fn verify(&self, key: &PublicKey) -> Result<usize, SignatureError> {
        let message = pae(&self.payload_type, &self.payload);
        for (i, signature) in self.signatures.iter().enumerate() {
            if key.verify(&message, &signature.sig).is_ok() {
                return Ok(i);
            }
        }
        let key_id = key.short_key_id();
        let full_id = key.key_id();
        let names_other_keys = !self.signatures.is_empty()
            && self.signatures.iter().all(|s| {
                !s.keyid.is_empty() && s.keyid != full_id && !full_id.starts_with(&s.keyid)
            });
        if names_other_keys {
            Err(SignatureError::NoSignatureByKey {
                key_id,
                count: self.signatures.len(),
                keyids: self.signatures.iter().map(|s| s.keyid.clone()).collect(),
            })
        } else {
            Err(SignatureError::NoneVerify {
                key_id,
                count: self.signatures.len(),
            })
        }
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
    use crate::keys::KeyAlgorithm;

    #[test]
    fn pae_of_the_spec_example() {
        // protocol.md: type "http://example.com/HelloWorld" (29 bytes), body "hello world"
        // (11 bytes); computed from the definition, byte by byte.
        let mut expected = Vec::new();
        expected.extend_from_slice(&[0x44, 0x53, 0x53, 0x45, 0x76, 0x31]); // "DSSEv1"
        expected.push(0x20);
        expected.extend_from_slice(b"29");
        expected.push(0x20);
        expected.extend_from_slice(b"http://example.com/HelloWorld");
        expected.push(0x20);
        expected.extend_from_slice(b"11");
        expected.push(0x20);
        expected.extend_from_slice(b"hello world");
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            expected
        );
        assert_eq!(
            expected,
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn pae_edge_cases() {
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
        let body = vec![b'x'; 1000];
        let encoded = pae("t", &body);
        assert!(encoded.starts_with(b"DSSEv1 1 t 1000 xxx"));
        assert_eq!(encoded.len(), "DSSEv1 1 t 1000 ".len() + 1000);
        // Multi-byte UTF-8: the length counts bytes, not characters.
        assert_eq!(pae("é", b"a"), "DSSEv1 2 é 1 a".as_bytes());
    }

    #[test]
    fn sign_json_round_trip_and_verify_both_algorithms() {
        for algorithm in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Ed25519] {
            let key = SigningKey::generate(algorithm);
            let env = Envelope::sign(INTOTO_PAYLOAD_TYPE, b"{\"_type\":\"x\"}".to_vec(), &key);
            let json = env.to_json();
            let text = String::from_utf8(json.clone()).unwrap();
            assert!(
                text.starts_with(r#"{"payloadType":"application/vnd.in-toto+json","payload":"eyJfdHlwZSI6IngifQ==","signatures":[{"keyid":"","sig":""#),
                "{text}"
            );
            let parsed = Envelope::from_json(&json).unwrap();
            assert_eq!(parsed, env);
            assert_eq!(parsed.verify(&key.public_key()), Ok(0));
        }
    }

    #[test]
    fn verify_reports_why_it_failed() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let other = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let env = Envelope::sign(INTOTO_PAYLOAD_TYPE, b"payload".to_vec(), &key);

        let err = env.verify(&other.public_key()).unwrap_err();
        assert!(
            matches!(err, SignatureError::NoneVerify { count: 1, .. }),
            "{err}"
        );

        let mut tampered = env.clone();
        tampered.payload[0] ^= 1;
        assert!(tampered.verify(&key.public_key()).is_err());

        let mut retyped = env.clone();
        retyped.payload_type = "application/json".into();
        assert!(
            retyped.verify(&key.public_key()).is_err(),
            "payload type is authenticated"
        );

        let mut named = env.clone();
        named.signatures[0].keyid = "someone-else".into();
        let err = named.verify(&other.public_key()).unwrap_err();
        assert!(
            matches!(err, SignatureError::NoSignatureByKey { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("someone-else"), "{err}");
        // The keyid is only a hint: a mislabelled signature still verifies.
        assert_eq!(named.verify(&key.public_key()), Ok(0));

        let mut two = env.clone();
        two.signatures.insert(
            0,
            EnvelopeSignature {
                keyid: String::new(),
                sig: vec![1, 2, 3],
            },
        );
        assert_eq!(two.verify(&key.public_key()), Ok(1));
    }

    #[test]
    fn accepts_url_safe_unpadded_base64_and_missing_keyid() {
        let key = SigningKey::generate(KeyAlgorithm::Ed25519);
        let env = Envelope::sign("t", vec![0xfb, 0xff], &key);
        let sig = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            &env.signatures[0].sig,
        );
        let json = format!(
            r#"{{"payload":"-_8","payloadType":"t","signatures":[{{"sig":"{sig}"}}],"x-ext":1}}"#
        );
        let parsed = Envelope::from_json(json.as_bytes()).unwrap();
        assert_eq!(parsed, env);
    }

    #[test]
    fn any_single_byte_corruption_is_an_error_not_a_panic() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let json = Envelope::sign(INTOTO_PAYLOAD_TYPE, b"{\"a\":1}".to_vec(), &key).to_json();
        for i in 0..json.len() {
            for byte in [b'"', b'{', b'}', b'A', 0xff, b'-', b'\\'] {
                let mut mutated = json.clone();
                mutated[i] = byte;
                if mutated == json {
                    continue;
                }
                if let Ok(env) = Envelope::from_json(&mutated) {
                    // Whatever still parses must not verify unless it says the same thing.
                    if env.verify(&key.public_key()).is_ok() {
                        assert_eq!(env.payload, b"{\"a\":1}");
                        assert_eq!(env.payload_type, INTOTO_PAYLOAD_TYPE);
                    }
                }
                for cut in [i, i / 2] {
                    let _ = Envelope::from_json(&json[..cut]);
                }
            }
        }
    }

    #[test]
    fn rejects_malformed_envelopes() {
        let good =
            r#"{"payloadType":"t","payload":"aGk=","signatures":[{"keyid":"","sig":"AQID"}]}"#;
        assert!(Envelope::from_json(good.as_bytes()).is_ok());
        let cases = [
            (&good[..40], "EOF"),
            (
                r#"{"payloadType":"t","payload":"a*Gk","signatures":[{"sig":"AQID"}]}"#,
                "field payload is not valid base64",
            ),
            (
                r#"{"payloadType":"t","payload":"aGk=","signatures":[{"sig":"A Q"}]}"#,
                "signatures[0].sig is not valid base64",
            ),
            (
                r#"{"payloadType":"t","payload":"aGk=","signatures":[]}"#,
                "no signatures",
            ),
            (
                r#"{"payloadType":"t","payload":"aGk="}"#,
                "missing field `signatures`",
            ),
            (
                r#"{"payloadType":"","payload":"aGk=","signatures":[{"sig":"AQID"}]}"#,
                "payloadType is empty",
            ),
            (
                r#"{"payloadType":"t","payload":"aGk=","signatures":[{"sig":""}]}"#,
                "sig is empty",
            ),
            (
                r#"{"payloadType":"t","payloadType":"u","payload":"aGk=","signatures":[{"sig":"AQID"}]}"#,
                "duplicate member",
            ),
            (
                r#"["t","aGk=",[["","AQID"]]]"#,
                "the envelope must be a JSON object",
            ),
            (
                r#"{"payloadType":"t","payload":"aGk=","signatures":[["","AQID"]]}"#,
                "signatures[0] must be a JSON object",
            ),
            (
                r#"{"payloadType":"t","payload":5,"signatures":[{"sig":"AQID"}]}"#,
                "invalid type",
            ),
            ("", "EOF"),
        ];
        for (json, expect) in cases {
            let err = Envelope::from_json(json.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(err.contains(expect), "expected {expect:?} in {err:?}");
        }
        let many: Vec<String> = (0..=MAX_SIGNATURES)
            .map(|_| r#"{"sig":"AQID"}"#.to_owned())
            .collect();
        let json = format!(
            r#"{{"payloadType":"t","payload":"","signatures":[{}]}}"#,
            many.join(",")
        );
        assert!(matches!(
            Envelope::from_json(json.as_bytes()),
            Err(EnvelopeError::TooManySignatures { .. })
        ));
    }
}
