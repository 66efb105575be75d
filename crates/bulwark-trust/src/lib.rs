//! Cosign-compatible signatures and attestations on registries, and trust policies.
//!
//! - [`layout`]: where cosign keeps signatures (`sha256-<hex>.sig`) and attestations
//!   (`.att`), and the OCI 1.1 referrer form; pure.
//! - [`attach`]: resolve a tag to its digest, sign or attest it, store the result.
//! - [`discover`]: collect everything stored for a digest.
//! - [`policy`]: the TOML trust policy (keys, stages, thresholds, attestation conditions).
//! - [`evaluate`]: judge found evidence against a policy; pure, clock passed in.
//! - [`verify`]: the whole check for one image, as `bulwark verify` runs it.
//!
//! The cryptography and the payload formats live in `bulwark-sign`; the registry client in
//! `bulwark-oci`.

pub mod attach;
pub mod discover;
pub mod evaluate;
pub mod layout;
pub mod policy;
pub mod predicate;
pub mod report;

use bulwark_oci::Reference;
use bulwark_oci::registry::{RegistryClient, RegistryError};
use time::OffsetDateTime;

pub use attach::{Attached, Resolved, attest, resolve, sign};
pub use layout::Kind;
pub use policy::{Policy, PolicyError};
pub use report::Report;

/// Why signing, attesting or verifying could not be carried out (a failed verification is
/// a [`Report`], not an error).
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("{image} has no digest; resolve it first")]
    NotPinned { image: String },
    #[error("the existing signature image {tag} cannot be extended: {reason}")]
    Existing { tag: String, reason: String },
}

/// Verifies `reference` against `policy` at `now`: resolves the tag, collects the evidence,
/// judges it. When it fails and the image was given by tag, also reads the signatures of
/// the repository's other digests to report a moved tag.
pub fn verify(
    client: &RegistryClient,
    reference: &Reference,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<Report, TrustError> {
    let resolved = resolve(client, reference)?;
    let found = discover::discover(client, &resolved.reference)?;
    let display = reference.to_string();
    let tagged_identity =
        (reference.digest.is_none() && reference.tag.is_some()).then(|| resolved.identity());
    let subject = evaluate::Subject {
        image: &display,
        digest: resolved.digest(),
        tagged_identity: tagged_identity.as_deref(),
    };
    let report = evaluate::evaluate(policy, &subject, &found, &[], now);
    let signature_failed = report
        .requirements
        .iter()
        .any(|r| !r.passed && r.kind == Kind::Signature);
    if report.passed || tagged_identity.is_none() || !signature_failed {
        return Ok(report);
    }
    let others = discover::other_signatures(client, &resolved.reference)?;
    if others.is_empty() {
        return Ok(report);
    }
    Ok(evaluate::evaluate(policy, &subject, &found, &others, now))
}
