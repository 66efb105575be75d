//! Judging found evidence against a policy. Pure: no network, no clock (the caller
//! passes `now`), so every verdict and every reason is unit-testable.
//!
//! For each requirement and each of its keys, every piece of evidence is checked in turn;
//! the key counts when one piece passes every check. When none does, the report keeps the
//! most specific reasons (a valid signature for the wrong digest says more than "not signed
//! by this key"), so the reader learns what to fix.

use std::collections::BTreeSet;
use std::time::Duration;

use bulwark_sign::{Envelope, INTOTO_PAYLOAD_TYPE, SimpleSigning, Statement};
use bulwark_types::Digest;
use time::OffsetDateTime;

use crate::discover::{Found, Item};
use crate::layout::Kind;
use crate::policy::{Evidence, Policy, Requirement, TrustedKey};
use crate::predicate::{predicate_time, rfc3339};
use crate::report::{Report, RequirementReport, Satisfied};

/// What the evidence is judged against.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    /// The reference as the user gave it, for reports.
    pub image: &'a str,
    pub digest: &'a Digest,
    /// `registry/repository:tag` when the user gave a tag (for "tag moved").
    pub tagged_identity: Option<&'a str>,
}

/// How specific a failure reason is; higher wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// Not made by this key (or indistinguishable from that).
    NotThisKey = 0,
    /// Made by this key, but about something else than asked (another predicate type).
    OtherClaim = 1,
    /// Unreadable evidence.
    Unreadable = 2,
    /// Made by this key for this purpose, and wrong: other digest, missing annotation,
    /// expired.
    Wrong = 3,
    /// The tag used to point at an image this key signed.
    TagMoved = 4,
}

struct Problem {
    rank: Rank,
    text: String,
}

fn problem(rank: Rank, text: impl Into<String>) -> Problem {
    Problem {
        rank,
        text: text.into(),
    }
}

/// Judges `found` (and, for "tag moved", `others`: signatures of other digests of the same
/// repository) against `policy` at `now`.
pub fn evaluate(
    policy: &Policy,
    subject: &Subject<'_>,
    found: &Found,
    others: &[(Digest, Item)],
    now: OffsetDateTime,
) -> Report {
    let requirements: Vec<RequirementReport> = policy
        .requirements
        .iter()
        .map(|req| evaluate_requirement(policy, req, subject, found, others, now))
        .collect();
    Report {
        image: subject.image.to_string(),
        digest: subject.digest.to_string(),
        passed: requirements.iter().all(|r| r.passed),
        requirements,
        looked_in: found.looked_in.clone(),
    }
}

fn evaluate_requirement(
    policy: &Policy,
    req: &Requirement,
    subject: &Subject<'_>,
    found: &Found,
    others: &[(Digest, Item)],
    now: OffsetDateTime,
) -> RequirementReport {
    let (kind, items) = match &req.what {
        Evidence::Signature { .. } => (Kind::Signature, &found.signatures),
        Evidence::Attestation { .. } => (Kind::Attestation, &found.attestations),
    };
    let mut satisfied_by = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut unsatisfied_keys = Vec::new();
    for key_name in &req.keys {
        let Some(key) = policy.keys.get(key_name) else {
            problems.push(format!("key {key_name} is not in the policy"));
            continue;
        };
        let mut failures = Vec::new();
        let mut hit = None;
        for item in items {
            match check(&req.what, item, key, subject.digest, now) {
                Ok(detail) => {
                    hit = Some(Satisfied {
                        key: key_name.clone(),
                        key_id: short_id(key),
                        place: item.origin.place.clone(),
                        layer: item.origin.layer.clone(),
                        detail,
                    });
                    break;
                }
                Err(p) => failures.push(p),
            }
        }
        if let Some(hit) = hit {
            satisfied_by.push(hit);
            continue;
        }
        unsatisfied_keys.push(key_name.clone());
        if kind == Kind::Signature
            && let Some(moved) = tag_moved(key, subject, others)
        {
            failures.push(moved);
        }
        problems.extend(explain(policy, kind, key, items, failures));
    }
    let passed = satisfied_by.len() >= req.threshold;
    if passed {
        problems.clear();
    } else if req.threshold > 1 || req.keys.len() > 1 {
        problems.insert(
            0,
            format!(
                "{} of the {} keys satisfied it; {} needed (missing: {})",
                satisfied_by.len(),
                req.keys.len(),
                req.threshold,
                unsatisfied_keys.join(", ")
            ),
        );
    }
    RequirementReport {
        name: req.name.clone(),
        kind,
        passed,
        threshold: req.threshold,
        satisfied_by,
        problems,
    }
}

/// The reasons to report for one key that nothing satisfied.
fn explain(
    policy: &Policy,
    kind: Kind,
    key: &TrustedKey,
    items: &[Item],
    failures: Vec<Problem>,
) -> Vec<String> {
    let noun = kind.noun();
    let mut out = Vec::new();
    if items.is_empty() {
        out.push(format!("no {noun}s found for this image"));
    }
    let best = failures
        .iter()
        .map(|p| p.rank)
        .max()
        .unwrap_or(Rank::NotThisKey);
    if best > Rank::NotThisKey {
        // Every reason that says "made by this key, but wrong" is worth reading; below
        // that, only the most specific kind.
        let floor = best.min(Rank::Wrong);
        let mut failures: Vec<Problem> = failures.into_iter().filter(|p| p.rank >= floor).collect();
        failures.sort_by_key(|p| std::cmp::Reverse(p.rank));
        let mut seen = BTreeSet::new();
        out.extend(
            failures
                .into_iter()
                .map(|p| p.text)
                .filter(|t| seen.insert(t.clone()))
                .take(5),
        );
        return out;
    }
    if items.is_empty() {
        return out;
    }
    // Nothing verifies with this key: say who did sign, if the policy knows them.
    let mut signers = BTreeSet::new();
    for item in items {
        for (name, other) in &policy.keys {
            if name != &key.name && verifies(item, other) {
                signers.insert(name.clone());
            }
        }
    }
    let mut text = format!(
        "wrong key: none of the {} {noun}(s) verifies with key {} ({})",
        items.len(),
        key.name,
        short_id(key)
    );
    if !signers.is_empty() {
        text.push_str(&format!(
            "; they are signed by {}",
            signers.into_iter().collect::<Vec<_>>().join(", ")
        ));
    } else {
        text.push_str("; signed by a key the policy does not name, or the payload was altered");
    }
    vec![text]
}

fn short_id(key: &TrustedKey) -> String {
    let id = key.key.key_id();
    format!("key id {}", id.get(..12).unwrap_or(&id))
}

/// Whether the evidence's signature verifies with `key` (nothing else checked).
fn verifies(item: &Item, key: &TrustedKey) -> bool {
    let Ok(content) = &item.content else {
        return false;
    };
    match item.kind {
        Kind::Signature => key.key.verify(&content.bytes, &content.signature).is_ok(),
        Kind::Attestation => Envelope::from_json(&content.bytes)
            .ok()
            .is_some_and(|e| e.verify(&key.key).is_ok()),
    }
}

/// Checks one piece of evidence against one key; Ok carries a detail for the report.
fn check(
    what: &Evidence,
    item: &Item,
    key: &TrustedKey,
    digest: &Digest,
    now: OffsetDateTime,
) -> Result<Option<String>, Problem> {
    let content = item.content.as_ref().map_err(|reason| {
        problem(
            Rank::Unreadable,
            format!("unreadable evidence in {}: {reason}", item.origin),
        )
    })?;
    match what {
        Evidence::Signature { annotations } => {
            if key.key.verify(&content.bytes, &content.signature).is_err() {
                return Err(problem(Rank::NotThisKey, ""));
            }
            let payload = SimpleSigning::from_payload(&content.bytes).map_err(|e| {
                problem(
                    Rank::Unreadable,
                    format!(
                        "signature by {} in {} has an unusable payload: {e}",
                        key.name, item.origin
                    ),
                )
            })?;
            if payload.manifest_digest != digest.to_string() {
                return Err(problem(
                    Rank::Wrong,
                    format!(
                        "payload digest mismatch: the signature by {} in {} is for {}, not this image ({}); it was copied from another image",
                        key.name, item.origin.place, payload.manifest_digest, digest
                    ),
                ));
            }
            for (k, want) in annotations {
                let have = payload.optional.get(k).map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                if have.as_deref() != Some(want.as_str()) {
                    return Err(problem(
                        Rank::Wrong,
                        format!(
                            "signature by {} lacks annotation {k}={want} (has {})",
                            key.name,
                            have.map(|h| format!("{k}={h}"))
                                .unwrap_or_else(|| "none".into())
                        ),
                    ));
                }
            }
            if let Some(validity) = key.validity_problem(now) {
                return Err(problem(
                    Rank::Wrong,
                    format!("signed by {}, but {validity}", key.name),
                ));
            }
            Ok(Some(format!("identity {}", payload.docker_reference)))
        }
        Evidence::Attestation {
            predicate_type,
            max_age,
        } => check_attestation(item, content, key, digest, predicate_type, *max_age, now),
    }
}

fn check_attestation(
    item: &Item,
    content: &crate::discover::Content,
    key: &TrustedKey,
    digest: &Digest,
    predicate_type: &str,
    max_age: Option<Duration>,
    now: OffsetDateTime,
) -> Result<Option<String>, Problem> {
    let unreadable = |what: String| {
        problem(
            Rank::Unreadable,
            format!("attestation in {} {what}", item.origin),
        )
    };
    let envelope = Envelope::from_json(&content.bytes)
        .map_err(|e| unreadable(format!("is not a DSSE envelope: {e}")))?;
    if envelope.verify(&key.key).is_err() {
        return Err(problem(Rank::NotThisKey, ""));
    }
    if envelope.payload_type != INTOTO_PAYLOAD_TYPE {
        return Err(unreadable(format!(
            "has payload type {:?}, not {INTOTO_PAYLOAD_TYPE}",
            envelope.payload_type
        )));
    }
    let statement = Statement::from_json(&envelope.payload)
        .map_err(|e| unreadable(format!("holds no usable in-toto statement: {e}")))?;
    if statement.predicate_type != predicate_type {
        return Err(problem(
            Rank::OtherClaim,
            format!(
                "key {} attested {}, not {predicate_type}",
                key.name, statement.predicate_type
            ),
        ));
    }
    let about = statement.subject_digest(digest.algorithm());
    if about != Some(digest.hex()) {
        let subjects: Vec<String> = statement
            .subject
            .iter()
            .flat_map(|s| s.digest.iter().map(|(a, h)| format!("{a}:{h}")))
            .collect();
        return Err(problem(
            Rank::Wrong,
            format!(
                "subject mismatch: the attestation by {} in {} is about {}, not this image ({digest}); it was copied from another image",
                key.name,
                item.origin.place,
                if subjects.is_empty() {
                    "nothing".to_string()
                } else {
                    subjects.join(", ")
                }
            ),
        ));
    }
    if let Some(validity) = key.validity_problem(now) {
        return Err(problem(
            Rank::Wrong,
            format!("attested by {}, but {validity}", key.name),
        ));
    }
    let when = predicate_time(&statement.predicate);
    if let Some(max_age) = max_age {
        let Some(when) = when else {
            return Err(problem(
                Rank::Wrong,
                format!(
                    "the attestation by {} names no time, so its age cannot be checked against max_age",
                    key.name
                ),
            ));
        };
        let age = now - when;
        if age > max_age {
            return Err(problem(
                Rank::Wrong,
                format!(
                    "expired: the attestation by {} is from {} ({} old), older than max_age {}",
                    key.name,
                    rfc3339(when),
                    human(age.unsigned_abs()),
                    human(max_age)
                ),
            ));
        }
    }
    Ok(when.map(|t| format!("{predicate_type} from {}", rfc3339(t))))
}

/// A signature by `key` for another digest whose identity names the tag the user asked
/// for: the tag has moved since that stage signed.
fn tag_moved(
    key: &TrustedKey,
    subject: &Subject<'_>,
    others: &[(Digest, Item)],
) -> Option<Problem> {
    let identity = subject.tagged_identity?;
    others.iter().find_map(|(other, item)| {
        let content = item.content.as_ref().ok()?;
        key.key.verify(&content.bytes, &content.signature).ok()?;
        let payload = SimpleSigning::from_payload(&content.bytes).ok()?;
        (payload.docker_reference == identity && payload.manifest_digest == other.to_string())
            .then(|| {
                problem(
                    Rank::TagMoved,
                    format!(
                        "tag moved: {} signed {identity} when it pointed to {other}; it now points to {}",
                        key.name, subject.digest
                    ),
                )
            })
    })
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}
