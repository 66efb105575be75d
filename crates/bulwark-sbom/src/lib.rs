//! SBOM formats: writes an [`Sbom`] as CycloneDX 1.6 JSON, SPDX 2.3 JSON, Bulwark's own JSON or
//! a table, and [`read()`]s CycloneDX, SPDX and Bulwark JSON back, including SBOMs written by
//! other tools.
//!
//! ```no_run
//! # fn demo(sbom: &bulwark_types::Sbom) -> Result<(), bulwark_sbom::SbomError> {
//! use bulwark_sbom::{Format, WriteOptions};
//! let format: Format = "cyclonedx-json".parse()?;
//! bulwark_sbom::write(sbom, format, &mut std::io::stdout(), &WriteOptions::default())?;
//! # Ok(()) }
//! ```
//!
//! # How Bulwark's model maps onto the standards
//!
//! Every package is identified by its purl (computed with [`bulwark_types::purl_for`] when
//! the package has none yet). The target (image or directory) is CycloneDX's
//! `metadata.component` (type `container`, or `file` for a directory; version = manifest
//! digest) and SPDX's root package (`SPDXRef-Root`, which the document DESCRIBES and which
//! CONTAINS every other package). The distro is an `operating-system` component in
//! CycloneDX and a package with purpose `OPERATING_SYSTEM` in SPDX.
//!
//! Licences: in CycloneDX, a single SPDX identifier becomes `license.id`, a compound SPDX
//! expression `expression` (several licences that are all SPDX are joined with `AND` into
//! one expression, as the schema allows only one), anything else `license.name`. In SPDX,
//! the licences are one `licenseDeclared` expression; free text becomes a `LicenseRef-`
//! with a `hasExtractedLicensingInfos` entry holding the original text.
//!
//! # Properties
//!
//! What the standards have no field for travels as name/value pairs: CycloneDX
//! `properties`, and in SPDX one annotation per package (annotator `Tool: bulwark-<ver>`)
//! whose comment is a JSON object of the same names. Reading restores them.
//!
//! | name | on | value |
//! |---|---|---|
//! | `bulwark:found-by` | package | cataloger that found it (`dpkg`, `python`, ...) |
//! | `bulwark:epoch` | package | rpm/dpkg epoch |
//! | `bulwark:arch` | package | architecture |
//! | `bulwark:source:name`, `bulwark:source:version` | package | source package |
//! | `bulwark:location:<n>:path` | package | n-th file the package was read from (0 = primary evidence) |
//! | `bulwark:location:<n>:layer:index` | package | that file's layer, 0 = base |
//! | `bulwark:location:<n>:layer:digest` | package | that layer's blob digest |
//! | `bulwark:location:<n>:layer:diffID` | package | that layer's uncompressed digest (diff ID) |
//! | `bulwark:license:<n>` | package (SPDX only) | n-th declared licence as written |
//! | `bulwark:target:kind` | target | `registry`, `oci`, `docker-archive`, `dir`, ... |
//! | `bulwark:target:config-digest` | target | image config digest |
//! | `bulwark:target:platform` | target | `os/arch[/variant]` |
//! | `bulwark:target:tag:<n>` | target | n-th tag |
//! | `bulwark:target:layer:<n>:index`, `...:digest`, `...:diffID` | target | n-th layer |
//! | `bulwark:warning:<n>` | target | n-th cataloging warning |
//! | `bulwark:distro:codename`, `bulwark:distro:pretty-name`, `bulwark:distro:id-like` | distro | os-release fields |
//!
//! From syft's CycloneDX, `syft:package:foundBy` and `syft:location:<n>:path` are read too.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod cyclonedx;
mod error;
pub mod json;
mod license;
mod props;
mod purl;
mod read;
mod spdx;
mod table;

use std::fmt;
use std::str::FromStr;

use bulwark_types::Sbom;
pub use error::SbomError;
pub use read::read;
pub use time::OffsetDateTime;
pub use uuid::Uuid;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// CycloneDX 1.6 JSON (`cyclonedx-json`).
    CycloneDxJson,
    /// SPDX 2.3 JSON (`spdx-json`).
    SpdxJson,
    /// Bulwark's own lossless JSON (`json`).
    Json,
    /// A plain-text table for people (`table`).
    Table,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 4] = [
        Format::Table,
        Format::Json,
        Format::CycloneDxJson,
        Format::SpdxJson,
    ];

    /// The name `FromStr` accepts.
    pub fn name(self) -> &'static str {
        match self {
            Format::CycloneDxJson => "cyclonedx-json",
            Format::SpdxJson => "spdx-json",
            Format::Json => "json",
            Format::Table => "table",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = SbomError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| SbomError::UnknownFormatName(s.to_string()))
    }
}

/// What varies between two writes of the same SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// Bulwark's version, named as the creating tool.
    pub tool_version: String,
    /// Creation time; `None` means now. Written in UTC with whole seconds.
    pub timestamp: Option<OffsetDateTime>,
    /// CycloneDX serial number and the unique part of the SPDX document namespace;
    /// `None` means a random (v4) UUID. Set both this and `timestamp` for byte-identical output.
    pub serial: Option<Uuid>,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            timestamp: None,
            serial: None,
        }
    }
}

/// The resolved time, serial and tool version of one write.
pub(crate) struct Stamp {
    pub(crate) tool_version: String,
    /// `YYYY-MM-DDThh:mm:ssZ`, the form both CycloneDX and SPDX accept.
    pub(crate) time: String,
    pub(crate) uuid: Uuid,
}

impl Stamp {
    fn new(opts: &WriteOptions) -> Result<Self, SbomError> {
        let when = opts
            .timestamp
            .unwrap_or_else(OffsetDateTime::now_utc)
            .to_offset(time::UtcOffset::UTC);
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        Ok(Self {
            tool_version: opts.tool_version.clone(),
            time: when.format(&format).map_err(SbomError::Timestamp)?,
            uuid: opts.serial.unwrap_or_else(Uuid::new_v4),
        })
    }
}

/// Writes `sbom` to `out` in `format`.
pub fn write(
    sbom: &Sbom,
    format: Format,
    out: &mut dyn std::io::Write,
    opts: &WriteOptions,
) -> Result<(), SbomError> {
    match format {
        Format::CycloneDxJson => {
            let bom = cyclonedx::build(sbom, &Stamp::new(opts)?);
            write_json(&bom, "CycloneDX", out)
        }
        Format::SpdxJson => {
            let doc = spdx::build(sbom, &Stamp::new(opts)?);
            write_json(&doc, "SPDX", out)
        }
        Format::Json => json::write(sbom, out),
        Format::Table => table::write(sbom, out),
    }
}

/// Pretty JSON plus a final newline.
pub(crate) fn write_json<T: serde::Serialize>(
    value: &T,
    format: &'static str,
    out: &mut dyn std::io::Write,
) -> Result<(), SbomError> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|source| SbomError::Serialize { format, source })?;
    bytes.push(b'\n');
    out.write_all(&bytes)
        .map_err(|source| SbomError::Write { format, source })?;
    out.flush()
        .map_err(|source| SbomError::Write { format, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), f);
        }
        let e = "xml".parse::<Format>().unwrap_err();
        assert!(
            e.to_string()
                .contains("cyclonedx-json, spdx-json, json, table")
        );
    }
}
