//! What `key`, `sign`, `attest`, `verify` and the `--attest` options share: loading a
//! signing key with its passphrase, `k=v` annotations, resolving an image reference.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;
use bulwark_oci::Reference;
use bulwark_oci::registry::RegistryClient;
use bulwark_sign::SigningKey;
use bulwark_trust::Attached;

use super::sbom::RegistryArgs;
use crate::env;

/// The signing key and where its passphrase comes from.
#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    /// Private key file (cosign's encrypted PEM, or an unencrypted PKCS#8 PEM).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Read the key's passphrase from FILE (else BULWARK_KEY_PASSPHRASE, COSIGN_PASSWORD,
    /// or a prompt).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

impl KeyArgs {
    pub fn load(&self) -> anyhow::Result<SigningKey> {
        load_signing_key(&self.key, self.passphrase_file.as_deref())
    }
}

/// Reads a private key, asking for its passphrase only when the file is encrypted.
pub fn load_signing_key(path: &Path, passphrase_file: Option<&Path>) -> anyhow::Result<SigningKey> {
    let pem = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read key {}", path.display()))?;
    let passphrase = if SigningKey::is_encrypted_pem(&pem) {
        passphrase(passphrase_file, false)?
    } else {
        String::new()
    };
    SigningKey::from_pem(&pem, passphrase.as_bytes())
        .with_context(|| format!("cannot load key {}", path.display()))
}

/// The passphrase from a file, the environment, or the terminal (twice when `confirm`).
pub fn passphrase(file: Option<&Path>, confirm: bool) -> anyhow::Result<String> {
    if let Some(file) = file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read passphrase file {}", file.display()))?;
        return Ok(text.trim_end_matches(['\r', '\n']).to_string());
    }
    for var in [env::KEY_PASSPHRASE, env::COSIGN_PASSWORD] {
        if let Ok(value) = std::env::var(var) {
            return Ok(value);
        }
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the key needs a passphrase: pass --passphrase-file FILE or set {} (no terminal to ask on)",
            env::KEY_PASSPHRASE
        );
    }
    let first = rpassword::prompt_password("Passphrase for the key: ")
        .context("cannot read the passphrase")?;
    if confirm {
        let second = rpassword::prompt_password("Passphrase again: ")
            .context("cannot read the passphrase")?;
        if first != second {
            anyhow::bail!("the two passphrases differ");
        }
    }
    Ok(first)
}

/// Parses `--annotation k=v` values.
pub fn annotations(values: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for value in values {
        let (k, v) = value
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .with_context(|| format!("annotation {value:?} must look like KEY=VALUE"))?;
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

/// A registry client and the image reference, resolved to its digest.
pub fn resolve(
    image: &str,
    registry: &RegistryArgs,
) -> anyhow::Result<(RegistryClient, bulwark_trust::Resolved)> {
    let image = image.strip_prefix("registry:").unwrap_or(image);
    let reference: Reference = image.parse()?;
    let client = RegistryClient::new(registry.client_options()?);
    let resolved = bulwark_trust::resolve(&client, &reference)
        .with_context(|| format!("cannot resolve {image}"))?;
    Ok((client, resolved))
}

/// One line saying what was stored where.
fn describe(attached: &Attached, image: &str) -> String {
    let noun = attached.kind.noun();
    let mut line = if attached.appended {
        format!(
            "{noun} for {image} ({}) stored in tag {}",
            attached.image, attached.tag
        )
    } else {
        format!(
            "{noun} for {image} ({}) was already in tag {}",
            attached.image, attached.tag
        )
    };
    if let Some(referrer) = &attached.referrer {
        line.push_str(&format!(" and referrer {referrer}"));
    }
    line
}

/// Prints what was stored: JSON on standard output, or one line on standard error.
pub fn report(attached: &Attached, image: &str, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(attached)?);
    } else {
        eprintln!("{}", describe(attached, image));
    }
    Ok(())
}

/// `--attest` on `scan` and `sbom`: sign the result as an attestation on the registry image
/// that was read.
#[derive(Debug, clap::Args)]
pub struct AttestOption {
    /// Also attest the result on the (registry) image, signed with --key.
    #[arg(long, requires = "key")]
    pub attest: bool,
    /// Private key for --attest.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Read the key's passphrase from FILE.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

impl AttestOption {
    /// The key, loaded before any work so a wrong passphrase fails fast; `None` without
    /// `--attest`.
    pub fn key(&self) -> anyhow::Result<Option<SigningKey>> {
        match (&self.key, self.attest) {
            (Some(path), true) => load_signing_key(path, self.passphrase_file.as_deref()).map(Some),
            _ => Ok(None),
        }
    }
}

/// Attests `predicate` on the registry image `source` (a `registry:` or bare reference).
pub fn attest_source(
    source: &str,
    registry: &RegistryArgs,
    key: &SigningKey,
    kind: &str,
    predicate: serde_json::Value,
) -> anyhow::Result<()> {
    let parsed: bulwark_oci::Source = source.parse()?;
    anyhow::ensure!(
        matches!(parsed, bulwark_oci::Source::Registry(_)),
        "--attest needs a registry image (an attestation is stored beside the image), not {source}"
    );
    let predicate_type = bulwark_sign::predicate_type_for(kind)
        .with_context(|| format!("unknown predicate type {kind}"))?;
    let (client, resolved) = resolve(source, registry)?;
    let attached = bulwark_trust::attest(&client, &resolved, key, &predicate_type, predicate)?;
    report(&attached, source, false)
}
