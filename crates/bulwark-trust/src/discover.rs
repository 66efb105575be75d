//! Finding an image's signatures and attestations: the cosign tag scheme always, OCI 1.1
//! referrers when the registry has them. A malformed piece of evidence becomes an item with
//! a reason, never an error, so one bad signature cannot hide the good ones.

use std::collections::HashSet;

use base64::Engine as _;
use bulwark_oci::Reference;
use bulwark_oci::registry::RegistryClient;
use bulwark_types::Digest;
use serde::Serialize;

use crate::TrustError;
use crate::layout::{self, Kind, Layer, PREDICATE_TYPE_ANNOTATION, SIGNATURE_ANNOTATION};

/// Largest simple-signing payload read.
const MAX_PAYLOAD: u64 = 256 * 1024;
/// Largest attestation envelope read (SBOM predicates can be large).
const MAX_ENVELOPE: u64 = 64 * 1024 * 1024;
/// Most other digests' signatures read when looking for where a tag used to point.
const MAX_OTHER_SIGNATURE_TAGS: usize = 64;

/// Where a piece of evidence was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// `tag sha256-<hex>.sig` or `referrer sha256:<hex>`.
    pub place: String,
    /// The layer holding it.
    pub layer: String,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (layer {})", self.place, self.layer)
    }
}

/// A signature or attestation as stored.
#[derive(Debug, Clone)]
pub struct Content {
    /// The simple-signing payload, or the DSSE envelope.
    pub bytes: Vec<u8>,
    /// For signatures, the decoded `dev.cosignproject.cosign/signature` annotation.
    pub signature: Vec<u8>,
    /// For attestations, the layer's `predicateType` annotation (unsigned; a hint only).
    pub predicate_type_hint: Option<String>,
}

/// One piece of evidence, or why it could not be read.
#[derive(Debug, Clone)]
pub struct Item {
    pub kind: Kind,
    pub origin: Origin,
    pub content: Result<Content, String>,
}

/// Everything found for one image digest.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub signatures: Vec<Item>,
    pub attestations: Vec<Item>,
    /// Whether the registry answered the referrers API.
    pub referrers_supported: bool,
    /// Where we looked, for reports.
    pub looked_in: Vec<String>,
}

/// Collects the signatures and attestations of `image` (which must carry its digest).
pub fn discover(client: &RegistryClient, image: &Reference) -> Result<Found, TrustError> {
    let digest = pinned(image)?;
    let mut found = Found::default();
    let mut seen = HashSet::new();
    for kind in [Kind::Signature, Kind::Attestation] {
        let tag = layout::tag_for(&digest, kind);
        found.looked_in.push(format!("tag {tag}"));
        let tag_ref = image.with_tag(tag.clone());
        let Some(manifest) = client.manifest_if_exists(&tag_ref)? else {
            continue;
        };
        let place = format!("tag {tag}");
        collect(
            client,
            image,
            kind,
            &place,
            &manifest.bytes,
            &mut seen,
            &mut found,
        );
    }
    if let Some(referrers) = client.referrers(image, &digest, None)? {
        found.referrers_supported = true;
        found
            .looked_in
            .push(format!("referrers of {}", digest.short()));
        for descriptor in referrers {
            let kind = match descriptor.artifact_type.as_deref() {
                Some(layout::SIGNATURE_ARTIFACT_TYPE) => Kind::Signature,
                Some(layout::ATTESTATION_ARTIFACT_TYPE) => Kind::Attestation,
                _ => continue,
            };
            let place = format!("referrer {}", descriptor.digest);
            match client.manifest(&image.with_digest(descriptor.digest.clone())) {
                Ok(manifest) => collect(
                    client,
                    image,
                    kind,
                    &place,
                    &manifest.bytes,
                    &mut seen,
                    &mut found,
                ),
                Err(e) => push(
                    &mut found,
                    Item {
                        kind,
                        origin: Origin {
                            place,
                            layer: "-".into(),
                        },
                        content: Err(format!("cannot fetch the referrer manifest: {e}")),
                    },
                ),
            }
        }
    }
    tracing::debug!(
        signatures = found.signatures.len(),
        attestations = found.attestations.len(),
        referrers = found.referrers_supported,
        "discovered evidence"
    );
    Ok(found)
}

/// Signatures stored for *other* digests of the same repository (their `.sig` tags), to
/// tell "the tag moved" from "never signed". Bounded; read only when verification failed.
pub fn other_signatures(
    client: &RegistryClient,
    image: &Reference,
) -> Result<Vec<(Digest, Item)>, TrustError> {
    let digest = pinned(image)?;
    let mut out = Vec::new();
    let tags = client.tags(image)?;
    let others = tags
        .iter()
        .filter_map(|t| layout::digest_of_tag(t, Kind::Signature).map(|d| (t, d)))
        .filter(|(_, d)| *d != digest)
        .take(MAX_OTHER_SIGNATURE_TAGS);
    for (tag, other) in others {
        let tag_ref = image.with_tag(tag.clone());
        let Some(manifest) = client.manifest_if_exists(&tag_ref)? else {
            continue;
        };
        let mut found = Found::default();
        collect(
            client,
            image,
            Kind::Signature,
            &format!("tag {tag}"),
            &manifest.bytes,
            &mut HashSet::new(),
            &mut found,
        );
        out.extend(found.signatures.into_iter().map(|i| (other.clone(), i)));
    }
    Ok(out)
}

fn pinned(image: &Reference) -> Result<Digest, TrustError> {
    image.digest.clone().ok_or_else(|| TrustError::NotPinned {
        image: image.to_string(),
    })
}

fn push(found: &mut Found, item: Item) {
    match item.kind {
        Kind::Signature => found.signatures.push(item),
        Kind::Attestation => found.attestations.push(item),
    }
}

/// Adds the layers of one signature or attestation manifest.
fn collect(
    client: &RegistryClient,
    image: &Reference,
    kind: Kind,
    place: &str,
    manifest: &[u8],
    seen: &mut HashSet<(Digest, String)>,
    found: &mut Found,
) {
    let parsed = match layout::parse_manifest(manifest) {
        Ok(parsed) => parsed,
        Err(e) => {
            push(
                found,
                Item {
                    kind,
                    origin: Origin {
                        place: place.to_string(),
                        layer: "-".into(),
                    },
                    content: Err(format!("unreadable manifest: {e}")),
                },
            );
            return;
        }
    };
    for layer in parsed.layers {
        if layer.media_type != kind.layer_media_type() {
            continue;
        }
        let annotation = layer
            .annotations
            .get(SIGNATURE_ANNOTATION)
            .cloned()
            .unwrap_or_default();
        if !seen.insert((layer.digest.clone(), annotation)) {
            continue;
        }
        let origin = Origin {
            place: place.to_string(),
            layer: layer.digest.to_string(),
        };
        let content = read_layer(client, image, kind, &layer);
        push(
            found,
            Item {
                kind,
                origin,
                content,
            },
        );
    }
}

fn read_layer(
    client: &RegistryClient,
    image: &Reference,
    kind: Kind,
    layer: &Layer,
) -> Result<Content, String> {
    let limit = match kind {
        Kind::Signature => MAX_PAYLOAD,
        Kind::Attestation => MAX_ENVELOPE,
    };
    if layer.size > limit {
        return Err(format!(
            "layer of {} bytes exceeds the {limit}-byte limit",
            layer.size
        ));
    }
    let signature = match kind {
        Kind::Signature => {
            let encoded = layer
                .annotations
                .get(SIGNATURE_ANNOTATION)
                .ok_or_else(|| format!("layer has no {SIGNATURE_ANNOTATION} annotation"))?;
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|e| format!("signature annotation is not base64: {e}"))?
        }
        Kind::Attestation => Vec::new(),
    };
    let bytes = client
        .blob_bytes(image, &layer.digest, limit)
        .map_err(|e| format!("cannot fetch the layer: {e}"))?;
    Ok(Content {
        bytes,
        signature,
        predicate_type_hint: layer.annotations.get(PREDICATE_TYPE_ANNOTATION).cloned(),
    })
}
