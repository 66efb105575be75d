//! Errors of writing and reading SBOMs.

/// Why an SBOM could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    /// The output format name is not one Bulwark writes.
    #[error("unknown SBOM format {0:?} (expected one of: cyclonedx-json, spdx-json, json, table)")]
    UnknownFormatName(String),

    /// Writing to the output failed.
    #[error("failed to write the {format} SBOM")]
    Write {
        format: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// Serializing the document failed (should not happen with Bulwark's own types).
    #[error("failed to serialize the {format} SBOM")]
    Serialize {
        format: &'static str,
        #[source]
        source: serde_json::Error,
    },

    /// Formatting a timestamp failed.
    #[error("failed to format the SBOM timestamp")]
    Timestamp(#[source] time::error::Format),

    /// The input looks like XML, which Bulwark does not read.
    #[error("XML SBOMs are not supported: convert the document to CycloneDX JSON or SPDX JSON")]
    Xml,

    /// The input is not JSON at all.
    #[error("SBOM is not valid JSON")]
    NotJson(#[source] serde_json::Error),

    /// The input is JSON but no known SBOM format.
    #[error("not a CycloneDX, SPDX or Bulwark SBOM: missing bomFormat/spdxVersion/schema")]
    UnknownDocument,

    /// A known format in a version Bulwark does not read.
    #[error("unsupported {format} version {version:?} (supported: {supported})")]
    UnsupportedVersion {
        format: &'static str,
        version: String,
        supported: &'static str,
    },

    /// The document claims a known format but its structure does not match it.
    #[error("malformed {format} SBOM")]
    Malformed {
        format: &'static str,
        #[source]
        source: serde_json::Error,
    },
}
