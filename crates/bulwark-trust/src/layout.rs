//! Where cosign keeps signatures and attestations in a registry, and the shape of the
//! manifests that hold them. Pure: builds and parses bytes, no network.
//!
//! Two places, both written on every attach and both read on every verify:
//! - **The tag scheme** (cosign's original storage, readable by every registry):
//!   `<repo>:sha256-<hex>.sig` and `<repo>:sha256-<hex>.att`, one OCI image each, one layer
//!   per signature or attestation, new ones appended to the existing layers.
//! - **OCI 1.1 referrers** (when the registry has the referrers API): one manifest per
//!   signature or attestation with a `subject` pointing at the signed image.

use std::collections::BTreeMap;

use bulwark_types::Digest;
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) use bulwark_oci::sha256_digest as sha256;

/// Media type of a simple-signing payload layer.
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Media type of a DSSE envelope layer.
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// Layer annotation carrying the base64 signature over the layer's payload (empty for
/// attestations, whose signatures live inside the envelope).
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// Layer annotation naming an attestation's predicate type.
pub const PREDICATE_TYPE_ANNOTATION: &str = "predicateType";
/// Artifact type (config media type) cosign gives signature referrers.
pub const SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
/// Artifact type of attestation referrers.
pub const ATTESTATION_ARTIFACT_TYPE: &str = DSSE_MEDIA_TYPE;
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The empty JSON object, the content of an `application/vnd.oci.empty.v1+json` blob.
pub const EMPTY_JSON: &[u8] = b"{}";
/// Go's zero time, which cosign writes as every creation date so images are reproducible.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";
/// Most layers read from one signature or attestation image.
pub const MAX_LAYERS: usize = 512;

/// Signature or attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Signature,
    Attestation,
}

impl Kind {
    /// `signature` or `attestation`, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Signature => "signature",
            Kind::Attestation => "attestation",
        }
    }

    /// `sig` or `att`: the suffix of the tag-scheme tag.
    pub fn tag_suffix(self) -> &'static str {
        match self {
            Kind::Signature => "sig",
            Kind::Attestation => "att",
        }
    }

    /// Media type of the layers holding this kind.
    pub fn layer_media_type(self) -> &'static str {
        match self {
            Kind::Signature => SIMPLE_SIGNING_MEDIA_TYPE,
            Kind::Attestation => DSSE_MEDIA_TYPE,
        }
    }

    /// Artifact type of this kind's referrer manifests.
    pub fn artifact_type(self) -> &'static str {
        match self {
            Kind::Signature => SIGNATURE_ARTIFACT_TYPE,
            Kind::Attestation => ATTESTATION_ARTIFACT_TYPE,
        }
    }
}

/// The tag-scheme tag for `digest`: `sha256-<hex>.sig` or `.att`.
pub fn tag_for(digest: &Digest, kind: Kind) -> String {
    format!(
        "{}-{}.{}",
        digest.algorithm(),
        digest.hex(),
        kind.tag_suffix()
    )
}

/// The image digest a tag-scheme tag belongs to, if `tag` is one of `kind`'s tags.
pub fn digest_of_tag(tag: &str, kind: Kind) -> Option<Digest> {
    let stem = tag.strip_suffix(kind.tag_suffix())?.strip_suffix('.')?;
    let (algorithm, hex) = stem.split_once('-')?;
    format!("{algorithm}:{hex}").parse().ok()
}

/// One signature or attestation layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    pub annotations: BTreeMap<String, String>,
}

impl Layer {
    fn to_json(&self) -> Value {
        let mut layer = json!({
            "mediaType": self.media_type,
            "size": self.size,
            "digest": self.digest.to_string(),
        });
        if !self.annotations.is_empty()
            && let Some(object) = layer.as_object_mut()
        {
            object.insert("annotations".into(), json!(self.annotations));
        }
        layer
    }
}

/// What a signature or attestation manifest says, as far as verification cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedManifest {
    pub layers: Vec<Layer>,
    pub subject: Option<Digest>,
}

/// Why a manifest cannot be read as a cosign signature or attestation image.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("manifest is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("manifest has {0} layers; at most {MAX_LAYERS} are read")]
    TooManyLayers(usize),
}

/// Reads the layers (and subject) of a signature or attestation manifest.
pub fn parse_manifest(bytes: &[u8]) -> Result<ParsedManifest, LayoutError> {
    #[derive(Deserialize)]
    struct RawDescriptor {
        #[serde(rename = "mediaType", default)]
        media_type: String,
        digest: Digest,
        #[serde(default)]
        size: u64,
        #[serde(default)]
        annotations: Option<BTreeMap<String, String>>,
    }
    #[derive(Deserialize)]
    struct RawManifest {
        #[serde(default)]
        layers: Vec<RawDescriptor>,
        #[serde(default)]
        subject: Option<RawDescriptor>,
    }
    let raw: RawManifest = serde_json::from_slice(bytes)?;
    if raw.layers.len() > MAX_LAYERS {
        return Err(LayoutError::TooManyLayers(raw.layers.len()));
    }
    Ok(ParsedManifest {
        layers: raw
            .layers
            .into_iter()
            .map(|d| Layer {
                media_type: d.media_type,
                digest: d.digest,
                size: d.size,
                annotations: d.annotations.unwrap_or_default(),
            })
            .collect(),
        subject: raw.subject.map(|s| s.digest),
    })
}

/// A manifest ready to push, with the config blob it references.
#[derive(Debug, Clone)]
pub struct BuiltManifest {
    pub config: Vec<u8>,
    pub manifest: Vec<u8>,
}

/// The tag-scheme image holding `layers`: cosign's shape, an OCI image whose config lists
/// each layer's digest as its diff ID and whose dates are Go's zero time.
pub fn tag_image(layers: &[Layer]) -> BuiltManifest {
    let diff_ids: Vec<String> = layers.iter().map(|l| l.digest.to_string()).collect();
    let history: Vec<Value> = layers
        .iter()
        .map(|_| json!({ "created": ZERO_TIME }))
        .collect();
    let config = json!({
        "architecture": "",
        "created": ZERO_TIME,
        "history": history,
        "os": "",
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
        "config": {},
    });
    let config = serde_json::to_vec(&config).unwrap_or_default();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": OCI_CONFIG,
            "size": config.len(),
            "digest": sha256(&config).to_string(),
        },
        "layers": layers.iter().map(Layer::to_json).collect::<Vec<_>>(),
    });
    BuiltManifest {
        manifest: serde_json::to_vec(&manifest).unwrap_or_default(),
        config,
    }
}

/// The image a referrer points at.
#[derive(Debug, Clone)]
pub struct Subject {
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
}

/// A referrer manifest holding one signature or attestation layer. Signatures take
/// cosign's OCI 1.1 shape (the artifact type as the config media type, config `{}`);
/// attestations carry `artifactType` and the empty config, with the predicate type as a
/// manifest annotation so a referrers listing shows it without a fetch.
pub fn referrer_image(kind: Kind, layer: &Layer, subject: &Subject) -> BuiltManifest {
    let config_media_type = match kind {
        Kind::Signature => SIGNATURE_ARTIFACT_TYPE,
        Kind::Attestation => OCI_EMPTY,
    };
    let mut manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": config_media_type,
            "size": EMPTY_JSON.len(),
            "digest": sha256(EMPTY_JSON).to_string(),
        },
        "layers": [layer.to_json()],
        "subject": {
            "mediaType": subject.media_type,
            "size": subject.size,
            "digest": subject.digest.to_string(),
        },
    });
    if kind == Kind::Attestation
        && let Some(object) = manifest.as_object_mut()
    {
        object.insert("artifactType".into(), json!(ATTESTATION_ARTIFACT_TYPE));
        if let Some(predicate_type) = layer.annotations.get(PREDICATE_TYPE_ANNOTATION) {
            object.insert(
                "annotations".into(),
                json!({ PREDICATE_TYPE_ANNOTATION: predicate_type }),
            );
        }
    }
    BuiltManifest {
        config: EMPTY_JSON.to_vec(),
        manifest: serde_json::to_vec(&manifest).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn layer(n: u8) -> Layer {
        Layer {
            media_type: SIMPLE_SIGNING_MEDIA_TYPE.into(),
            digest: sha256(&[n]),
            size: 1,
            annotations: BTreeMap::from([(SIGNATURE_ANNOTATION.into(), format!("sig{n}"))]),
        }
    }

    #[test]
    fn tags_round_trip() {
        let d = sha256(b"image");
        let tag = tag_for(&d, Kind::Signature);
        assert_eq!(tag, format!("sha256-{}.sig", d.hex()));
        assert_eq!(digest_of_tag(&tag, Kind::Signature), Some(d.clone()));
        assert_eq!(digest_of_tag(&tag, Kind::Attestation), None);
        assert_eq!(
            digest_of_tag(&tag_for(&d, Kind::Attestation), Kind::Attestation),
            Some(d)
        );
        for bad in [
            "latest",
            "sha256-xyz.sig",
            ".sig",
            "sha256-.sig",
            "sha256.sig",
        ] {
            assert_eq!(digest_of_tag(bad, Kind::Signature), None, "{bad}");
        }
    }

    #[test]
    fn tag_image_lists_layers_as_diff_ids_and_parses_back() {
        let layers = vec![layer(1), layer(2)];
        let built = tag_image(&layers);
        let config: Value = serde_json::from_slice(&built.config).unwrap();
        assert_eq!(
            config["rootfs"]["diff_ids"][1],
            layers[1].digest.to_string()
        );
        assert_eq!(config["history"].as_array().unwrap().len(), 2);
        let manifest: Value = serde_json::from_slice(&built.manifest).unwrap();
        assert_eq!(
            manifest["config"]["digest"],
            sha256(&built.config).to_string()
        );
        let parsed = parse_manifest(&built.manifest).unwrap();
        assert_eq!(parsed.layers, layers);
        assert_eq!(parsed.subject, None);
    }

    #[test]
    fn referrer_carries_subject_and_artifact_type() {
        let subject = Subject {
            media_type: OCI_MANIFEST.into(),
            digest: sha256(b"image"),
            size: 42,
        };
        let sig = referrer_image(Kind::Signature, &layer(1), &subject);
        let m: Value = serde_json::from_slice(&sig.manifest).unwrap();
        assert_eq!(m["config"]["mediaType"], SIGNATURE_ARTIFACT_TYPE);
        assert_eq!(m["subject"]["digest"], subject.digest.to_string());
        assert!(m.get("artifactType").is_none());
        let mut att_layer = layer(2);
        att_layer.media_type = DSSE_MEDIA_TYPE.into();
        att_layer
            .annotations
            .insert(PREDICATE_TYPE_ANNOTATION.into(), "https://x/y".into());
        let att = referrer_image(Kind::Attestation, &att_layer, &subject);
        let m: Value = serde_json::from_slice(&att.manifest).unwrap();
        assert_eq!(m["artifactType"], DSSE_MEDIA_TYPE);
        assert_eq!(m["annotations"]["predicateType"], "https://x/y");
        assert_eq!(
            parse_manifest(&att.manifest).unwrap().subject,
            Some(subject.digest)
        );
    }

    #[test]
    fn hostile_manifests_are_errors() {
        assert!(parse_manifest(b"{\"layers\":[").is_err());
        assert!(parse_manifest(br#"{"layers":[{"digest":"md5:abc"}]}"#).is_err());
        let many: Vec<Value> = (0..=MAX_LAYERS)
            .map(|i| json!({"digest": sha256(&i.to_le_bytes()).to_string()}))
            .collect();
        let bytes = serde_json::to_vec(&json!({ "layers": many })).unwrap();
        assert!(matches!(
            parse_manifest(&bytes),
            Err(LayoutError::TooManyLayers(_))
        ));
    }
}
