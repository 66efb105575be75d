//! `bulwark sign`: sign an image's digest with a key, as cosign does.

use std::process::ExitCode;

use super::sbom::RegistryArgs;
use super::signing::{self, KeyArgs};

/// Arguments of `bulwark sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The image: HOST/REPO:TAG or HOST/REPO@sha256:... (a tag is resolved to its digest,
    /// and the digest is what gets signed).
    pub image: String,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Add KEY=VALUE to the signed payload's `optional` section (repeatable), e.g.
    /// `stage=ci`, `commit=abc123`.
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    /// Print what was stored as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

pub fn run(args: SignArgs) -> anyhow::Result<ExitCode> {
    let annotations = signing::annotations(&args.annotations)?;
    let key = args.key.load()?;
    let (client, resolved) = signing::resolve(&args.image, &args.registry)?;
    let attached = bulwark_trust::sign(&client, &resolved, &key, &annotations)?;
    signing::report(&attached, &args.image, args.json)?;
    Ok(ExitCode::SUCCESS)
}
