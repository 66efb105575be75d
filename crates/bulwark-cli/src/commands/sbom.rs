//! `bulwark sbom`: catalog a source and write an SBOM.

use std::process::ExitCode;

use super::GlobalArgs;

/// Arguments of `bulwark sbom`.
#[derive(Debug, clap::Args)]
pub struct SbomArgs {
    /// What to scan: registry:HOST/REPO:TAG, oci:DIR[:TAG], oci-archive:FILE,
    /// docker-archive:FILE, dir:PATH, sbom:FILE (bare HOST/REPO:TAG means registry).
    pub source: String,
}

pub fn run(args: SbomArgs, _global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    Ok(ExitCode::SUCCESS)
}
