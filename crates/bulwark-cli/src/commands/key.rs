//! `bulwark key generate`: a signing key pair in cosign's format.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use bulwark_sign::{KeyAlgorithm, SigningKey};

use super::signing;

/// Arguments of `bulwark key`.
#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    pub command: KeyCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum KeyCommand {
    /// Write PREFIX.key (encrypted private key, cosign's format, mode 0600) and PREFIX.pub.
    Generate(GenerateArgs),
}

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Path prefix of the two files written.
    #[arg(long, default_value = "cosign")]
    pub output_prefix: PathBuf,
    /// Key algorithm.
    #[arg(long, value_enum, default_value_t = Algorithm::EcdsaP256)]
    pub algorithm: Algorithm,
    /// Read the passphrase from FILE (else BULWARK_KEY_PASSPHRASE, COSIGN_PASSWORD, or a
    /// prompt).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Algorithm {
    EcdsaP256,
    Ed25519,
}

pub fn run(args: KeyArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        KeyCommand::Generate(args) => generate(args),
    }
}

fn generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let with_ext = |ext: &str| {
        let mut s = args.output_prefix.as_os_str().to_os_string();
        s.push(ext);
        PathBuf::from(s)
    };
    let (private, public) = (with_ext(".key"), with_ext(".pub"));
    if !args.force {
        for path in [&private, &public] {
            if path.exists() {
                anyhow::bail!("{} exists; pass --force to overwrite it", path.display());
            }
        }
    }
    let passphrase = signing::passphrase(args.passphrase_file.as_deref(), true)?;
    let algorithm = match args.algorithm {
        Algorithm::EcdsaP256 => KeyAlgorithm::EcdsaP256,
        Algorithm::Ed25519 => KeyAlgorithm::Ed25519,
    };
    let key = SigningKey::generate(algorithm);
    let pem = key
        .to_encrypted_pem(passphrase.as_bytes())
        .context("cannot encrypt the private key")?;
    write_file(&private, pem.as_bytes(), 0o600)?;
    write_file(&public, key.public_key().to_pem().as_bytes(), 0o644)?;
    eprintln!(
        "wrote {} and {} (key id {})",
        private.display(),
        public.display(),
        key.public_key().key_id()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes a file created with `mode` from the start (no window where a private key is
/// readable by others).
fn write_file(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}
