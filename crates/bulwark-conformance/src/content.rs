//! The content the suite pushes: blobs of random bytes and manifests built around them,
//! unique per run so that runs against the same registry never collide.
//!
//! The bytes are invented: a registry never looks inside layers or configs, and the suite
//! needs content no earlier run can have pushed.

use std::cell::Cell;

use serde_json::{Value, json};
use sha2::Digest as _;

pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub(crate) const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub(crate) const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub(crate) const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
pub(crate) const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
pub(crate) const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub(crate) const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub(crate) const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";

/// `sha256:` + hex of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// `sha512:` + hex of `bytes`.
pub(crate) fn sha512(bytes: &[u8]) -> String {
    format!("sha512:{}", hex::encode(sha2::Sha512::digest(bytes)))
}

/// The digest of `bytes` in `algorithm`, for the algorithms the suite knows.
pub(crate) fn digest_with(algorithm: &str, bytes: &[u8]) -> Option<String> {
    match algorithm {
        "sha256" => Some(sha256(bytes)),
        "sha512" => Some(sha512(bytes)),
        _ => None,
    }
}

/// Content and its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Blob {
    pub bytes: Vec<u8>,
    pub digest: String,
}

impl Blob {
    pub(crate) fn new(bytes: Vec<u8>) -> Self {
        let digest = sha256(&bytes);
        Self { bytes, digest }
    }

    /// The same bytes addressed by their SHA-512 digest.
    pub(crate) fn with_sha512(self) -> Self {
        let digest = sha512(&self.bytes);
        Self { digest, ..self }
    }

    /// The empty JSON object the image spec uses for artifacts without a config.
    pub(crate) fn empty_json() -> Self {
        Self::new(b"{}".to_vec())
    }

    pub(crate) fn descriptor(&self, media_type: &str) -> Value {
        json!({ "mediaType": media_type, "digest": self.digest, "size": self.bytes.len() })
    }
}

/// A manifest exactly as pushed: its bytes, digest and `Content-Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Manifest {
    pub bytes: Vec<u8>,
    pub digest: String,
    pub media_type: &'static str,
}

impl Manifest {
    /// Serializes `value` pretty-printed, so a registry that re-serializes manifests
    /// instead of storing the bytes is caught by the byte comparisons.
    pub(crate) fn new(value: &Value, media_type: &'static str) -> Self {
        let bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
        let digest = sha256(&bytes);
        Self {
            bytes,
            digest,
            media_type,
        }
    }

    pub(crate) fn descriptor(&self) -> Value {
        json!({ "mediaType": self.media_type, "digest": self.digest, "size": self.bytes.len() })
    }
}

/// Makes the unique content of one run.
pub(crate) struct Content {
    run_id: String,
    counter: Cell<u32>,
}

impl Content {
    pub(crate) fn new() -> Self {
        let run_id = uuid::Uuid::new_v4().simple().to_string();
        Self {
            run_id: run_id.get(..12).unwrap_or(&run_id).to_owned(),
            counter: Cell::new(0),
        }
    }

    /// A short identifier of this run, safe in tags.
    pub(crate) fn run_id(&self) -> &str {
        &self.run_id
    }

    /// A fresh blob of `len` bytes (at least a header naming the run).
    pub(crate) fn blob(&self, len: usize) -> Blob {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        let mut bytes = format!("bulwark-conformance run {} blob {n}\n", self.run_id).into_bytes();
        let len = len.max(bytes.len());
        while bytes.len() < len {
            bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        }
        bytes.truncate(len);
        Blob::new(bytes)
    }

    /// An image config whose only layer is `layer`.
    pub(crate) fn config(&self, layer: &Blob) -> Blob {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        let config = json!({
            "architecture": "amd64",
            "os": "linux",
            "config": { "Labels": { "dev.bulwark.conformance.run": format!("{}-{n}", self.run_id) } },
            "rootfs": { "type": "layers", "diff_ids": [layer.digest] },
        });
        Blob::new(serde_json::to_vec(&config).unwrap_or_default())
    }
}

/// An OCI image manifest of `config` and `layers`, with its `mediaType` field.
pub(crate) fn oci_image(config: &Blob, layers: &[&Blob]) -> Value {
    json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config.descriptor(OCI_CONFIG),
        "layers": layers.iter().map(|l| l.descriptor(OCI_LAYER)).collect::<Vec<_>>(),
    })
}

/// A Docker image manifest, schema 2.
pub(crate) fn docker_image(config: &Blob, layers: &[&Blob]) -> Value {
    json!({
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "config": config.descriptor(DOCKER_CONFIG),
        "layers": layers.iter().map(|l| l.descriptor(DOCKER_LAYER)).collect::<Vec<_>>(),
    })
}

/// An OCI artifact: `artifactType`, the empty config, one layer of `layer_type`.
pub(crate) fn oci_artifact(artifact_type: &str, layer: &Blob, layer_type: &str) -> Value {
    json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": Blob::empty_json().descriptor(OCI_EMPTY),
        "layers": [layer.descriptor(layer_type)],
    })
}

/// An OCI image index of `manifests`, each for linux on a different architecture.
pub(crate) fn oci_index(manifests: &[&Manifest]) -> Value {
    let architectures = ["amd64", "arm64", "riscv64", "s390x"];
    let entries: Vec<Value> = manifests
        .iter()
        .zip(architectures.iter().cycle())
        .map(|(manifest, arch)| {
            let mut descriptor = manifest.descriptor();
            if let Some(object) = descriptor.as_object_mut() {
                object.insert(
                    "platform".to_owned(),
                    json!({ "architecture": arch, "os": "linux" }),
                );
            }
            descriptor
        })
        .collect();
    json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_algorithm_prefixed_hex() {
        assert_eq!(
            Blob::empty_json().digest,
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert!(sha512(b"").starts_with("sha512:cf83e1357eefb8bd"));
    }

    #[test]
    fn blobs_are_unique_and_sized() {
        let content = Content::new();
        let (a, b) = (content.blob(1000), content.blob(1000));
        assert_eq!(a.bytes.len(), 1000);
        assert_ne!(a.digest, b.digest);
    }
}
