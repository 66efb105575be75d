//! `bulwark attest`: an in-toto statement about an image, signed in a DSSE envelope.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::sbom::RegistryArgs;
use super::signing::{self, KeyArgs};

/// Arguments of `bulwark attest`.
#[derive(Debug, clap::Args)]
pub struct AttestArgs {
    /// The image: HOST/REPO:TAG or HOST/REPO@sha256:...
    pub image: String,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Predicate type: cyclonedx, spdxjson, vuln, slsaprovenance, slsaprovenance1, custom,
    /// or a predicate type URI.
    #[arg(long = "type", default_value = "custom")]
    pub predicate_type: String,
    /// The predicate: a JSON document (custom: any text, wrapped as cosign does).
    #[arg(long, value_name = "FILE")]
    pub predicate: PathBuf,
    /// Print what was stored as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// Largest predicate file read.
const MAX_PREDICATE: u64 = 64 * 1024 * 1024;

pub fn run(args: AttestArgs) -> anyhow::Result<ExitCode> {
    let predicate_type = bulwark_sign::predicate_type_for(&args.predicate_type).with_context(|| {
        format!(
            "unknown predicate type {:?} (cyclonedx, spdxjson, vuln, slsaprovenance, slsaprovenance1, custom, or a URI)",
            args.predicate_type
        )
    })?;
    let size = std::fs::metadata(&args.predicate)
        .with_context(|| format!("cannot read {}", args.predicate.display()))?
        .len();
    anyhow::ensure!(
        size <= MAX_PREDICATE,
        "predicate {} is larger than {MAX_PREDICATE} bytes",
        args.predicate.display()
    );
    let bytes = std::fs::read(&args.predicate)
        .with_context(|| format!("cannot read {}", args.predicate.display()))?;
    let now = time::OffsetDateTime::now_utc();
    let predicate = bulwark_trust::predicate::predicate_from_file(&predicate_type, &bytes, now)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("cannot use {}", args.predicate.display()))?;
    let key = args.key.load()?;
    let (client, resolved) = signing::resolve(&args.image, &args.registry)?;
    let attached = bulwark_trust::attest(&client, &resolved, &key, &predicate_type, predicate)?;
    signing::report(&attached, &args.image, args.json)?;
    Ok(ExitCode::SUCCESS)
}
