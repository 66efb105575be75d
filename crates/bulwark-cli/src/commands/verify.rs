//! `bulwark verify`: check an image's signatures and attestations against a trust policy.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use bulwark_oci::Reference;
use bulwark_oci::registry::RegistryClient;
use bulwark_trust::Policy;

use super::sbom::RegistryArgs;
use super::signing;

/// Arguments of `bulwark verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The image: HOST/REPO:TAG or HOST/REPO@sha256:...
    pub image: String,
    /// Trust policy (TOML): keys, required stages, thresholds, attestation conditions.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["keys", "attestation_type", "annotations"])]
    pub policy: Option<PathBuf>,
    /// Instead of a policy: require a signature by this public key (repeatable; each is
    /// one requirement named after the file).
    #[arg(long = "key", value_name = "FILE", required_unless_present = "policy")]
    pub keys: Vec<PathBuf>,
    /// With --key: require an attestation of this type by each key instead of a signature.
    #[arg(long = "type", value_name = "TYPE")]
    pub attestation_type: Option<String>,
    /// With --key: the signed payload must carry KEY=VALUE (repeatable).
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    /// Output format.
    #[arg(short, long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let policy = match &args.policy {
        Some(path) => Policy::load(path)?,
        None => Policy::from_keys(
            &args.keys,
            args.attestation_type.as_deref(),
            &signing::annotations(&args.annotations)?,
        )?,
    };
    let image = args.image.strip_prefix("registry:").unwrap_or(&args.image);
    let reference: Reference = image.parse()?;
    let client = RegistryClient::new(args.registry.client_options()?);
    let report = bulwark_trust::verify(
        &client,
        &reference,
        &policy,
        time::OffsetDateTime::now_utc(),
    )
    .with_context(|| format!("cannot verify {image}"))?;
    match args.format.as_str() {
        "json" => println!("{}", serde_json::to_string_pretty(&report)?),
        _ => print!("{}", report.to_text()),
    }
    Ok(if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
