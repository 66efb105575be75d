//! Signing and attesting an image in a registry: build the payload or envelope, sign it,
//! and store it where cosign stores it (appended to the tag-scheme image) and, when the
//! registry has the referrers API, as a referrer too.

use std::collections::BTreeMap;

use base64::Engine as _;
use bulwark_oci::Reference;
use bulwark_oci::registry::RegistryClient;
use bulwark_sign::{Envelope, INTOTO_PAYLOAD_TYPE, SigningKey, SimpleSigning, Statement};
use bulwark_types::Digest;
use serde::Serialize;

use crate::TrustError;
use crate::layout::{self, Kind, Layer, PREDICATE_TYPE_ANNOTATION, SIGNATURE_ANNOTATION, Subject};

/// An image resolved to the digest that gets signed.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The reference as given, pinned to its digest.
    pub reference: Reference,
    /// The signed manifest, as a referrer's `subject`.
    pub subject: Subject,
}

impl Resolved {
    pub fn digest(&self) -> &Digest {
        &self.subject.digest
    }

    /// The identity a signature names: `registry/repository`, plus `:tag` when the image
    /// was given by tag (what containers/image's `matchRepoDigestOrExact` expects; cosign
    /// ignores the tag).
    pub fn identity(&self) -> String {
        let repo = format!("{}/{}", self.reference.registry, self.reference.repository);
        match &self.reference.tag {
            Some(tag) => format!("{repo}:{tag}"),
            None => repo,
        }
    }
}

/// Resolves a tag to the digest it names now (a digest reference is fetched too, which
/// checks that it exists).
pub fn resolve(client: &RegistryClient, reference: &Reference) -> Result<Resolved, TrustError> {
    let manifest = client.manifest(reference)?;
    Ok(Resolved {
        reference: reference.with_digest(manifest.digest.clone()),
        subject: Subject {
            media_type: manifest.media_type,
            digest: manifest.digest,
            size: manifest.bytes.len() as u64,
        },
    })
}

/// What an attach did.
#[derive(Debug, Clone, Serialize)]
pub struct Attached {
    pub kind: Kind,
    /// The signed image digest.
    pub image: String,
    /// The tag-scheme tag written.
    pub tag: String,
    /// The layer holding this signature or attestation.
    pub layer: String,
    /// False when an identical signature was already there (nothing was written).
    pub appended: bool,
    /// The referrer manifest written, when the registry has the referrers API.
    pub referrer: Option<String>,
}

/// Signs `resolved` with `key`: a simple-signing payload with `annotations` under
/// `optional`, stored in the `.sig` tag and as a referrer.
pub fn sign(
    client: &RegistryClient,
    resolved: &Resolved,
    key: &SigningKey,
    annotations: &BTreeMap<String, String>,
) -> Result<Attached, TrustError> {
    let payload = SimpleSigning {
        docker_reference: resolved.identity(),
        manifest_digest: resolved.digest().to_string(),
        optional: annotations
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    }
    .to_payload();
    let signature = key.sign(&payload);
    let layer_annotations = BTreeMap::from([(
        SIGNATURE_ANNOTATION.to_string(),
        base64::engine::general_purpose::STANDARD.encode(signature),
    )]);
    attach(
        client,
        resolved,
        Kind::Signature,
        &payload,
        layer_annotations,
    )
}

/// Attests `resolved` with `key`: an in-toto Statement v1 about the image digest with the
/// given predicate, in a DSSE envelope, stored in the `.att` tag and as a referrer.
pub fn attest(
    client: &RegistryClient,
    resolved: &Resolved,
    key: &SigningKey,
    predicate_type: &str,
    predicate: serde_json::Value,
) -> Result<Attached, TrustError> {
    let subject_name = format!(
        "{}/{}",
        resolved.reference.registry, resolved.reference.repository
    );
    let statement = Statement::new_v1(
        &subject_name,
        &resolved.digest().to_string(),
        predicate_type,
        predicate,
    );
    let envelope = Envelope::sign(INTOTO_PAYLOAD_TYPE, statement.to_json(), key);
    let layer_annotations = BTreeMap::from([
        (SIGNATURE_ANNOTATION.to_string(), String::new()),
        (
            PREDICATE_TYPE_ANNOTATION.to_string(),
            predicate_type.to_string(),
        ),
    ]);
    attach(
        client,
        resolved,
        Kind::Attestation,
        &envelope.to_json(),
        layer_annotations,
    )
}

/// Stores one signed blob: appended to the tag-scheme image (unless an identical layer is
/// there already), then as a referrer. Two signers racing on the same tag can lose one
/// append (the registry has no compare-and-swap on tags); the referrer copy survives.
pub fn attach(
    client: &RegistryClient,
    resolved: &Resolved,
    kind: Kind,
    blob: &[u8],
    annotations: BTreeMap<String, String>,
) -> Result<Attached, TrustError> {
    let image = &resolved.reference;
    let digest = resolved.digest();
    let layer_digest = client.push_blob(image, blob)?;
    let layer = Layer {
        media_type: kind.layer_media_type().to_string(),
        digest: layer_digest.clone(),
        size: blob.len() as u64,
        annotations,
    };

    let tag = layout::tag_for(digest, kind);
    let tag_ref = image.with_tag(tag.clone());
    let mut layers = match client.manifest_if_exists(&tag_ref)? {
        Some(existing) => {
            layout::parse_manifest(&existing.bytes)
                .map_err(|e| TrustError::Existing {
                    tag: tag.clone(),
                    reason: e.to_string(),
                })?
                .layers
        }
        None => Vec::new(),
    };
    let appended = !layers.contains(&layer);
    if appended {
        if layers.len() >= layout::MAX_LAYERS {
            return Err(TrustError::Existing {
                tag,
                reason: format!("it already holds {} layers", layers.len()),
            });
        }
        layers.push(layer.clone());
        let built = layout::tag_image(&layers);
        client.push_blob(image, &built.config)?;
        client.push_manifest(&tag_ref, OCI_MANIFEST, &built.manifest)?;
    }

    let referrer = if client.referrers(image, digest, None)?.is_some() {
        let built = layout::referrer_image(kind, &layer, &resolved.subject);
        client.push_blob(image, &built.config)?;
        let manifest_digest = layout::sha256(&built.manifest);
        client.push_manifest(
            &Reference {
                tag: None,
                digest: Some(manifest_digest.clone()),
                ..image.clone()
            },
            OCI_MANIFEST,
            &built.manifest,
        )?;
        Some(manifest_digest.to_string())
    } else {
        None
    };
    tracing::debug!(%tag, appended, referrer = referrer.as_deref(), "attached");
    Ok(Attached {
        kind,
        image: digest.to_string(),
        tag,
        layer: layer_digest.to_string(),
        appended,
        referrer,
    })
}

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
