//! The OCI 1.1 referrers API: the manifests whose `subject` is a given manifest
//! (signatures, SBOMs, attestations), as `GET /v2/<repo>/referrers/<digest>` lists them.

use std::collections::BTreeMap;

use bulwark_types::Digest;
use serde::{Deserialize, Serialize};

use super::client::{Access, Outgoing, next_link, read_limited, with_query};
use super::error::{RegistryError, json_error_summary};
use super::{MAX_MANIFEST_SIZE, MEDIA_TYPE_OCI_INDEX, RegistryClient};
use crate::Reference;

/// Most referrers pages followed.
const MAX_REFERRERS_PAGES: usize = 100;

/// A descriptor as referrers lists return it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType")]
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    #[serde(
        rename = "artifactType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub artifact_type: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl RegistryClient {
    /// Lists the manifests that name `subject` as their subject, in `reference`'s
    /// repository (its tag and digest are ignored), following `Link` pages.
    ///
    /// `Ok(None)` when the registry has no referrers API: it answers 404 on that endpoint
    /// (as the CNCF distribution registry 2.x does), which OCI 1.1 registries must not do
    /// for a repository that exists. With `artifact_type`, only descriptors of that type
    /// are returned: the registry is asked to filter and the list is filtered again here,
    /// since registries may ignore the filter (`OCI-Filters-Applied` says whether they did).
    pub fn referrers(
        &self,
        reference: &Reference,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Option<Vec<Descriptor>>, RegistryError> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            manifests: Vec<Descriptor>,
        }
        let base = self.origin(reference)?;
        let endpoint = format!("{}referrers/{subject}", self.repository_url(reference)?);
        let mut url = match artifact_type {
            Some(kind) => with_query(&endpoint, "artifactType", kind),
            None => endpoint,
        };
        let mut found = Vec::new();
        for page in 0..MAX_REFERRERS_PAGES {
            let request = Outgoing::get(&url, &[("Accept", MEDIA_TYPE_OCI_INDEX)]);
            let response = self.send(reference, &request)?;
            let status = response.status().as_u16();
            if status == 404 && page == 0 {
                tracing::debug!(url, "the registry has no referrers API");
                return Ok(None);
            }
            if !(200..300).contains(&status) {
                return Err(self.failure(reference, Access::Pull, &url, status, response));
            }
            let filtered = response
                .headers()
                .get_all("oci-filters-applied")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .any(|f| f.trim() == "artifactType");
            let next =
                next_link(&response, &base).map_err(|reason| RegistryError::InvalidResponse {
                    url: url.clone(),
                    reason,
                })?;
            let body = read_limited(response, &url, MAX_MANIFEST_SIZE)?;
            let parsed: Page =
                serde_json::from_slice(&body).map_err(|e| RegistryError::InvalidResponse {
                    url: url.clone(),
                    reason: format!(
                        "the referrers list is not a valid image index ({})",
                        json_error_summary(&e)
                    ),
                })?;
            tracing::debug!(
                url,
                count = parsed.manifests.len(),
                filtered_by_registry = filtered,
                "fetched referrers"
            );
            found.extend(parsed.manifests.into_iter().filter(|d| {
                artifact_type.is_none_or(|kind| d.artifact_type.as_deref() == Some(kind))
            }));
            match next {
                Some(next) => url = next,
                None => return Ok(Some(found)),
            }
        }
        Err(RegistryError::InvalidResponse {
            url,
            reason: format!("more than {MAX_REFERRERS_PAGES} pages of referrers"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_round_trip_as_oci_json() {
        let json = r#"{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270","size":7682,"artifactType":"application/vnd.dev.cosign.simplesigning.v1+json","annotations":{"org.opencontainers.image.created":"2023-01-02T03:04:05Z"},"platform":{"os":"linux"}}"#;
        let d: Descriptor = serde_json::from_str(json).unwrap();
        assert_eq!(d.size, 7682);
        assert_eq!(
            d.artifact_type.as_deref(),
            Some("application/vnd.dev.cosign.simplesigning.v1+json")
        );
        let back = serde_json::to_string(&d).unwrap();
        assert!(!back.contains("platform"), "{back}");
        let bare: Descriptor = serde_json::from_str(
            r#"{"mediaType":"m","digest":"sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270","size":1}"#,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_string(&bare).unwrap(),
            r#"{"mediaType":"m","digest":"sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270","size":1}"#
        );
        assert!(
            serde_json::from_str::<Descriptor>(r#"{"mediaType":"m","digest":"nope","size":1}"#)
                .is_err()
        );
    }
}
