//! Checking an uploaded manifest and extracting what the registry indexes: referenced
//! blobs and manifests, subject, artifact type and annotations. The bytes themselves are
//! stored untouched.

use std::collections::BTreeMap;

use bulwark_types::Digest;
use serde::Deserialize;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    schema_version: Option<i64>,
    media_type: Option<String>,
    artifact_type: Option<String>,
    config: Option<Desc>,
    layers: Option<Vec<Desc>>,
    manifests: Option<Vec<Desc>>,
    subject: Option<Desc>,
    annotations: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Desc {
    media_type: Option<String>,
    digest: String,
    size: Option<i64>,
    #[serde(default)]
    urls: Vec<String>,
}

/// What the registry needs to know about a manifest.
#[derive(Debug)]
pub struct Parsed {
    pub media_type: String,
    pub artifact_type: Option<String>,
    pub subject: Option<Digest>,
    pub annotations: Option<BTreeMap<String, String>>,
    pub blobs: Vec<Digest>,
    pub manifests: Vec<Digest>,
}

fn descriptor(d: &Desc, what: &str) -> Result<Digest, String> {
    if d.size.is_some_and(|s| s < 0) {
        return Err(format!("{what} has a negative size"));
    }
    d.digest.parse().map_err(|e| format!("{what}: {e}"))
}

fn is_image_type(t: &str) -> bool {
    matches!(t, OCI_MANIFEST | OCI_INDEX | DOCKER_MANIFEST | DOCKER_LIST)
}

/// Validates `body` (sent with `content_type`). Errors are client-facing messages.
pub fn parse(body: &[u8], content_type: Option<&str>) -> Result<Parsed, String> {
    let raw: Raw =
        serde_json::from_slice(body).map_err(|e| format!("manifest is not valid JSON: {e}"))?;
    let header_type = content_type
        .map(|c| c.split(';').next().unwrap_or(c).trim().to_string())
        .filter(|c| is_image_type(c));
    let media_type = match (&raw.media_type, header_type) {
        (Some(field), Some(header)) if *field != header => {
            return Err(format!(
                "mediaType {field} does not match Content-Type {header}"
            ));
        }
        (Some(field), _) => field.clone(),
        (None, Some(header)) => header,
        (None, None) if raw.manifests.is_some() => OCI_INDEX.to_string(),
        (None, None) if raw.config.is_some() => OCI_MANIFEST.to_string(),
        (None, None) => {
            return Err(
                "cannot tell the manifest type (no mediaType, no known Content-Type)".into(),
            );
        }
    };
    if !is_image_type(&media_type) {
        return Err(format!("unsupported manifest media type {media_type}"));
    }
    if raw.schema_version != Some(2) {
        return Err("schemaVersion must be 2".into());
    }
    let mut blobs = Vec::new();
    let mut manifests = Vec::new();
    let index = media_type == OCI_INDEX || media_type == DOCKER_LIST;
    if index {
        if raw.config.is_some() || raw.layers.is_some() {
            return Err("an index must not have config or layers".into());
        }
        for m in raw
            .manifests
            .as_deref()
            .ok_or("an index needs a manifests array")?
        {
            manifests.push(descriptor(m, "manifests[]")?);
        }
    } else {
        let config = raw
            .config
            .as_ref()
            .ok_or("an image manifest needs a config descriptor")?;
        blobs.push(descriptor(config, "config")?);
        for layer in raw
            .layers
            .as_deref()
            .ok_or("an image manifest needs a layers array")?
        {
            let d = descriptor(layer, "layers[]")?;
            // Foreign layers (with `urls`) live elsewhere and are not required here.
            if layer.urls.is_empty() {
                blobs.push(d);
            }
        }
    }
    let subject = raw
        .subject
        .as_ref()
        .map(|s| descriptor(s, "subject"))
        .transpose()?;
    // Per the spec the referrers listing falls back to the config's media type.
    let artifact_type = raw.artifact_type.clone().or_else(|| {
        if index {
            None
        } else {
            raw.config.as_ref().and_then(|c| c.media_type.clone())
        }
    });
    blobs.sort();
    blobs.dedup();
    manifests.sort();
    manifests.dedup();
    Ok(Parsed {
        media_type,
        artifact_type,
        subject,
        annotations: raw.annotations,
        blobs,
        manifests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: &str = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

    #[test]
    fn podman_style_manifest_without_media_type_uses_content_type() {
        let body = format!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{CFG}","size":2}},"layers":[]}}"#
        );
        let p = parse(body.as_bytes(), Some(OCI_MANIFEST)).unwrap();
        assert_eq!(p.media_type, OCI_MANIFEST);
        assert_eq!(p.blobs.len(), 1);
        assert_eq!(
            p.artifact_type.as_deref(),
            Some("application/vnd.oci.image.config.v1+json")
        );
    }

    #[test]
    fn rejects_inconsistent_or_broken_manifests() {
        let body = format!(r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[]}}"#);
        assert!(
            parse(body.as_bytes(), Some(OCI_MANIFEST))
                .unwrap_err()
                .contains("does not match")
        );
        assert!(parse(b"{", None).is_err());
        assert!(parse(b"[]", None).is_err());
        assert!(
            parse(
                br#"{"schemaVersion":1,"config":{"digest":"sha256:00"}}"#,
                None
            )
            .is_err()
        );
        let bad_digest =
            r#"{"schemaVersion":2,"config":{"digest":"sha256:zz","size":1},"layers":[]}"#;
        assert!(parse(bad_digest.as_bytes(), Some(OCI_MANIFEST)).is_err());
        let schema1 = r#"{"schemaVersion":1,"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws"}"#;
        assert!(
            parse(schema1.as_bytes(), None)
                .unwrap_err()
                .contains("unsupported")
        );
    }

    #[test]
    fn index_children_and_subject() {
        let body = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"mediaType":"{OCI_MANIFEST}","digest":"{CFG}","size":5}}],"subject":{{"mediaType":"{OCI_MANIFEST}","digest":"{CFG}","size":5}},"artifactType":"application/x-test"}}"#
        );
        let p = parse(body.as_bytes(), None).unwrap();
        assert_eq!(p.manifests.len(), 1);
        assert!(p.blobs.is_empty());
        assert_eq!(p.subject.unwrap().to_string(), CFG);
        assert_eq!(p.artifact_type.as_deref(), Some("application/x-test"));
    }
}
