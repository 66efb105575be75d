//! Bulwark's own JSON: the [`Sbom`] model as it is, with a `schema` field naming its version.
//!
//! ```json
//! { "schema": "bulwark-sbom/1", "target": { ... }, "distro": { ... }, "packages": [ ... ] }
//! ```
//!
//! This is the lossless format: everything the catalogers found reads back unchanged.

use bulwark_types::Sbom;
use serde::Serialize;
use serde_json::Value;

use crate::SbomError;

/// The `schema` value of documents this version writes and reads.
pub const SCHEMA: &str = "bulwark-sbom/1";

#[derive(Serialize)]
struct Out<'a> {
    schema: &'static str,
    #[serde(flatten)]
    sbom: &'a Sbom,
}

pub(crate) fn write(sbom: &Sbom, out: &mut dyn std::io::Write) -> Result<(), SbomError> {
    let doc = Out {
        schema: SCHEMA,
        sbom,
    };
    crate::write_json(&doc, "Bulwark JSON", out)
}

pub(crate) fn from_value(value: Value) -> Result<Sbom, SbomError> {
    let schema = value
        .get("schema")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if schema != SCHEMA {
        return Err(SbomError::UnsupportedVersion {
            format: "Bulwark JSON",
            version: schema.to_string(),
            supported: SCHEMA,
        });
    }
    // `schema` is not a field of `Sbom`, so it is ignored here.
    crate::read::parse(value, "Bulwark JSON")
}
