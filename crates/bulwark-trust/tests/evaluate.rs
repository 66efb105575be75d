#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The verdicts and reasons of `evaluate`, on evidence built in memory with real keys and
//! real signatures (no registry): thresholds, annotations, digests, moved tags, key
//! validity, attestation types and ages, unreadable evidence, and which reason wins.

use std::collections::BTreeMap;
use std::path::Path;

use bulwark_sign::{
    Envelope, INTOTO_PAYLOAD_TYPE, KeyAlgorithm, SigningKey, SimpleSigning, Statement,
};
use bulwark_trust::Kind;
use bulwark_trust::discover::{Content, Found, Item, Origin};
use bulwark_trust::evaluate::{Subject, evaluate};
use bulwark_trust::policy::Policy;
use bulwark_types::Digest;
use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);
const VULN: &str = "https://cosign.sigstore.dev/attestation/vuln/v1";

fn digest(n: u8) -> Digest {
    Digest::sha256_hex(&format!("{n:02x}").repeat(32)).unwrap()
}

struct Keys {
    keys: BTreeMap<&'static str, SigningKey>,
}

impl Keys {
    fn new(names: &[&'static str]) -> Self {
        Self {
            keys: names
                .iter()
                .map(|n| (*n, SigningKey::generate(KeyAlgorithm::EcdsaP256)))
                .collect(),
        }
    }

    /// A policy whose [keys] are these keys (as inline PEM) plus `body`.
    fn policy(&self, body: &str) -> Policy {
        let mut text = String::new();
        for (name, key) in &self.keys {
            text.push_str(&format!(
                "[keys.{name}]\npem = '''\n{}'''\n",
                key.public_key().to_pem()
            ));
        }
        text.push_str(body);
        Policy::parse(&text, Path::new(".")).unwrap()
    }

    fn signature(
        &self,
        key: &str,
        identity: &str,
        image: &Digest,
        annotations: &[(&str, &str)],
    ) -> Item {
        let payload = SimpleSigning {
            docker_reference: identity.into(),
            manifest_digest: image.to_string(),
            optional: annotations
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect(),
        }
        .to_payload();
        let signature = self.keys[key].sign(&payload);
        item(Kind::Signature, payload, signature)
    }

    fn attestation(&self, key: &str, image: &Digest, predicate_type: &str, finished: &str) -> Item {
        let statement = Statement::new_v1(
            "reg/app",
            &image.to_string(),
            predicate_type,
            json!({ "metadata": { "scanFinishedOn": finished } }),
        );
        let envelope = Envelope::sign(INTOTO_PAYLOAD_TYPE, statement.to_json(), &self.keys[key]);
        item(Kind::Attestation, envelope.to_json(), Vec::new())
    }
}

fn item(kind: Kind, bytes: Vec<u8>, signature: Vec<u8>) -> Item {
    Item {
        kind,
        origin: Origin {
            place: format!("tag sha256-x.{}", kind.tag_suffix()),
            layer: "sha256:layer".into(),
        },
        content: Ok(Content {
            bytes,
            signature,
            predicate_type_hint: None,
        }),
    }
}

fn found(signatures: Vec<Item>, attestations: Vec<Item>) -> Found {
    Found {
        signatures,
        attestations,
        ..Found::default()
    }
}

fn subject(image: &Digest) -> Subject<'_> {
    Subject {
        image: "reg/app:1",
        digest: image,
        tagged_identity: Some("reg/app:1"),
    }
}

fn problems(report: &bulwark_trust::Report, name: &str) -> String {
    let req = report.requirements.iter().find(|r| r.name == name).unwrap();
    req.problems.join("\n")
}

#[test]
fn threshold_counts_distinct_keys() {
    let keys = Keys::new(&["alice", "bob", "carol"]);
    let policy = keys.policy("[[require]]\nname = \"maintainers\"\nkeys = [\"alice\", \"bob\", \"carol\"]\nthreshold = 2\n");
    let image = digest(1);
    let one = found(
        vec![keys.signature("alice", "reg/app:1", &image, &[])],
        vec![],
    );
    let report = evaluate(&policy, &subject(&image), &one, &[], NOW);
    assert!(!report.passed);
    let why = problems(&report, "maintainers");
    assert!(
        why.contains("1 of the 3 keys satisfied it; 2 needed (missing: bob, carol)"),
        "{why}"
    );
    // Two signatures by the same key still count once.
    let twice = found(
        vec![
            keys.signature("alice", "reg/app:1", &image, &[]),
            keys.signature("alice", "reg/app:1", &image, &[("x", "y")]),
        ],
        vec![],
    );
    assert!(!evaluate(&policy, &subject(&image), &twice, &[], NOW).passed);
    let two = found(
        vec![
            keys.signature("carol", "reg/app:1", &image, &[]),
            keys.signature("alice", "reg/app:1", &image, &[]),
        ],
        vec![],
    );
    let report = evaluate(&policy, &subject(&image), &two, &[], NOW);
    assert!(report.passed, "{}", report.to_text());
    let by: Vec<&str> = report.requirements[0]
        .satisfied_by
        .iter()
        .map(|s| s.key.as_str())
        .collect();
    assert_eq!(by, ["alice", "carol"]);
    assert!(report.requirements[0].problems.is_empty());
}

#[test]
fn each_failure_has_its_own_reason() {
    let keys = Keys::new(&["ci", "scan"]);
    let image = digest(1);
    let other = digest(2);
    let sig_policy = keys
        .policy("[[require]]\nname = \"ci\"\nkeys = [\"ci\"]\nannotations = { stage = \"ci\" }\n");
    let check = |evidence: Found, others: &[(Digest, Item)], expected: &str| {
        let report = evaluate(&sig_policy, &subject(&image), &evidence, others, NOW);
        assert!(!report.passed);
        let why = problems(&report, "ci");
        assert!(why.contains(expected), "expected {expected:?} in:\n{why}");
    };
    check(found(vec![], vec![]), &[], "no signatures found");
    check(
        found(
            vec![keys.signature("scan", "reg/app:1", &image, &[("stage", "ci")])],
            vec![],
        ),
        &[],
        "wrong key: none of the 1 signature(s) verifies with key ci",
    );
    check(
        found(
            vec![keys.signature("scan", "reg/app:1", &image, &[])],
            vec![],
        ),
        &[],
        "they are signed by scan",
    );
    check(
        found(
            vec![keys.signature("ci", "reg/app:1", &other, &[("stage", "ci")])],
            vec![],
        ),
        &[],
        &format!("payload digest mismatch: the signature by ci in tag sha256-x.sig is for {other}"),
    );
    check(
        found(
            vec![keys.signature("ci", "reg/app:1", &image, &[("stage", "qa")])],
            vec![],
        ),
        &[],
        "lacks annotation stage=ci (has stage=qa)",
    );
    // A signature for another digest that names this tag: the tag moved.
    let moved = vec![(
        other.clone(),
        keys.signature("ci", "reg/app:1", &other, &[("stage", "ci")]),
    )];
    check(
        found(vec![], vec![]),
        &moved,
        &format!(
            "tag moved: ci signed reg/app:1 when it pointed to {other}; it now points to {image}"
        ),
    );
    // ... but not when it named another tag.
    let report = evaluate(
        &sig_policy,
        &subject(&image),
        &found(vec![], vec![]),
        &[(
            other.clone(),
            keys.signature("ci", "reg/app:2", &other, &[]),
        )],
        NOW,
    );
    assert!(!problems(&report, "ci").contains("tag moved"));
    // A modified payload: the signature no longer verifies.
    let mut tampered = keys.signature("ci", "reg/app:1", &image, &[("stage", "ci")]);
    if let Ok(content) = &mut tampered.content {
        content.bytes = String::from_utf8(content.bytes.clone())
            .unwrap()
            .replace("reg/app:1", "reg/app:9")
            .into_bytes();
    }
    check(found(vec![tampered], vec![]), &[], "payload was altered");
    // Unreadable evidence.
    let broken = Item {
        content: Err("cannot fetch the layer: 404".into()),
        ..keys.signature("ci", "reg/app:1", &image, &[])
    };
    check(
        found(vec![broken], vec![]),
        &[],
        "unreadable evidence in tag sha256-x.sig (layer sha256:layer): cannot fetch the layer: 404",
    );
}

#[test]
fn the_most_specific_reason_wins_and_good_evidence_beats_bad() {
    let keys = Keys::new(&["ci", "scan"]);
    let image = digest(1);
    let policy = keys.policy("[[require]]\nname = \"ci\"\nkeys = [\"ci\"]\n");
    // A replayed signature and one by another key: the replay is what the reader needs.
    let evidence = found(
        vec![
            keys.signature("scan", "reg/app:1", &image, &[]),
            keys.signature("ci", "reg/app:1", &digest(3), &[]),
        ],
        vec![],
    );
    let report = evaluate(&policy, &subject(&image), &evidence, &[], NOW);
    let why = problems(&report, "ci");
    assert!(
        why.contains("payload digest mismatch") && !why.contains("wrong key"),
        "{why}"
    );
    // Bad and unreadable evidence does not hide a good signature.
    let evidence = found(
        vec![
            Item {
                content: Err("garbage".into()),
                ..keys.signature("ci", "x", &image, &[])
            },
            keys.signature("ci", "reg/app:1", &digest(3), &[]),
            keys.signature("ci", "reg/app:1", &image, &[]),
        ],
        vec![],
    );
    assert!(evaluate(&policy, &subject(&image), &evidence, &[], NOW).passed);
}

#[test]
fn key_validity_windows() {
    let keys = Keys::new(&["ci"]);
    let image = digest(1);
    let pem = keys.keys["ci"].public_key().to_pem();
    let policy = |window: &str| {
        Policy::parse(
            &format!("[keys.ci]\npem = '''\n{pem}'''\n{window}\n[[require]]\nname = \"ci\"\nkeys = [\"ci\"]\n"),
            Path::new("."),
        )
        .unwrap()
    };
    let evidence = found(vec![keys.signature("ci", "reg/app:1", &image, &[])], vec![]);
    let expired = evaluate(
        &policy("not_after = \"2026-01-01T00:00:00Z\""),
        &subject(&image),
        &evidence,
        &[],
        NOW,
    );
    assert!(
        problems(&expired, "ci")
            .contains("signed by ci, but key ci expired on 2026-01-01T00:00:00Z")
    );
    let early = evaluate(
        &policy("not_before = \"2027-01-01T00:00:00Z\""),
        &subject(&image),
        &evidence,
        &[],
        NOW,
    );
    assert!(problems(&early, "ci").contains("not valid before 2027-01-01"));
    let inside = "not_before = \"2026-01-01T00:00:00Z\"\nnot_after = \"2027-01-01T00:00:00Z\"";
    assert!(evaluate(&policy(inside), &subject(&image), &evidence, &[], NOW).passed);
}

#[test]
fn attestations_are_judged_by_type_subject_and_age() {
    let keys = Keys::new(&["scan", "ci"]);
    let image = digest(1);
    let policy = keys.policy("[[require]]\nname = \"scan\"\nattestation = \"vuln\"\nkeys = [\"scan\"]\nmax_age = \"24h\"\n");
    let judge =
        |atts: Vec<Item>| evaluate(&policy, &subject(&image), &found(vec![], atts), &[], NOW);

    let fresh = judge(vec![keys.attestation(
        "scan",
        &image,
        VULN,
        "2026-11-23T06:00:00Z",
    )]);
    assert!(fresh.passed, "{}", fresh.to_text());
    assert_eq!(
        fresh.requirements[0].satisfied_by[0].detail.as_deref(),
        Some("https://cosign.sigstore.dev/attestation/vuln/v1 from 2026-11-23T06:00:00Z")
    );
    let cases: Vec<(Vec<Item>, &str)> = vec![
        (vec![], "no attestations found"),
        (
            vec![keys.attestation("scan", &image, VULN, "2026-11-20T00:00:00Z")],
            "expired: the attestation by scan is from 2026-11-20T00:00:00Z (3d old), older than max_age 24h",
        ),
        (
            vec![keys.attestation(
                "scan",
                &image,
                "https://cyclonedx.org/bom",
                "2026-11-23T06:00:00Z",
            )],
            "key scan attested https://cyclonedx.org/bom, not https://cosign.sigstore.dev/attestation/vuln/v1",
        ),
        (
            vec![keys.attestation("scan", &digest(7), VULN, "2026-11-23T06:00:00Z")],
            "subject mismatch: the attestation by scan in tag sha256-x.att is about sha256:0707",
        ),
        (
            vec![keys.attestation("ci", &image, VULN, "2026-11-23T06:00:00Z")],
            "they are signed by ci",
        ),
        (
            vec![keys.attestation("scan", &image, VULN, "not a time")],
            "names no time",
        ),
        (
            vec![item(
                Kind::Attestation,
                b"{\"payloadType\":".to_vec(),
                vec![],
            )],
            "is not a DSSE envelope",
        ),
    ];
    for (atts, expected) in cases {
        let report = judge(atts);
        assert!(!report.passed);
        let why = problems(&report, "scan");
        assert!(why.contains(expected), "expected {expected:?} in:\n{why}");
    }
}

#[test]
fn reports_render_as_text_and_json() {
    let keys = Keys::new(&["ci", "staging"]);
    let image = digest(1);
    let policy = keys.policy("[[require]]\nname = \"ci\"\nkeys = [\"ci\"]\n[[require]]\nname = \"staging\"\nkeys = [\"staging\"]\n");
    let report = evaluate(
        &policy,
        &subject(&image),
        &found(vec![keys.signature("ci", "reg/app:1", &image, &[])], vec![]),
        &[],
        NOW,
    );
    let text = report.to_text();
    assert!(text.contains("PASS  ci"), "{text}");
    assert!(text.contains("FAIL  staging"), "{text}");
    assert!(
        text.contains("NOT verified: 1 of 2 requirements not met: staging"),
        "{text}"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["passed"], false);
    assert_eq!(json["requirements"][0]["kind"], "signature");
    assert_eq!(json["requirements"][0]["satisfied_by"][0]["key"], "ci");
}
