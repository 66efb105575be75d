//! `bulwark sbom`: catalog a source and write an SBOM.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use bulwark_oci::registry::{ClientOptions, Credentials};
use bulwark_oci::{Platform, PlatformChoice, Source};
use bulwark_sbom::{Format, WriteOptions};
use bulwark_types::{Sbom, Target};

use super::GlobalArgs;
use crate::env;
use crate::progress::Progress;

/// Arguments of `bulwark sbom`.
#[derive(Debug, clap::Args)]
pub struct SbomArgs {
    /// What to scan: registry:HOST/REPO:TAG (or @sha256:...), oci:DIR[:TAG],
    /// oci-archive:FILE, docker-archive:FILE, dir:PATH, sbom:FILE. A bare HOST/REPO:TAG
    /// means registry.
    pub source: String,
    /// Output format.
    #[arg(short, long, default_value = "table", value_parser = ["cyclonedx-json", "spdx-json", "json", "table"])]
    pub format: String,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub image: ImageArgs,
    #[command(flatten)]
    pub attest: super::signing::AttestOption,
}

/// How to find and fetch images; shared by every command that reads images.
#[derive(Debug, clap::Args)]
pub struct ImageArgs {
    /// Platform to pick from a multi-platform image (default: this machine's).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Scan every platform of a multi-platform image (one SBOM each; with --output FILE
    /// they are written to FILE.<os>-<arch>).
    #[arg(long, conflicts_with = "platform")]
    pub all_platforms: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// How to reach registries: shared by every command that talks to one.
#[derive(Debug, clap::Args)]
pub struct RegistryArgs {
    /// Allow plain HTTP and unverified TLS for registries (always allowed for localhost).
    #[arg(long)]
    pub insecure: bool,
    /// Registry user name (default: from the Docker config file).
    #[arg(long, env = env::REGISTRY_USERNAME)]
    pub username: Option<String>,
    /// Registry password or token; prefer the environment variable or --password-stdin.
    #[arg(long, env = env::REGISTRY_PASSWORD, hide_env_values = true)]
    pub password: Option<String>,
    /// Read the registry password from standard input.
    #[arg(long, conflicts_with = "password")]
    pub password_stdin: bool,
    /// Docker config file with registry credentials.
    #[arg(long, env = env::DOCKER_CONFIG, value_name = "FILE")]
    pub docker_config: Option<PathBuf>,
}

impl ImageArgs {
    pub fn platform_choice(&self) -> anyhow::Result<PlatformChoice> {
        let platform = match &self.platform {
            Some(p) => Some(p.parse::<Platform>().map_err(anyhow::Error::msg)?),
            None => None,
        };
        Ok(PlatformChoice {
            platform,
            all: self.all_platforms,
        })
    }

    pub fn client_options(&self) -> anyhow::Result<ClientOptions> {
        self.registry.client_options()
    }
}

impl RegistryArgs {
    pub fn client_options(&self) -> anyhow::Result<ClientOptions> {
        let password = if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            Some(line.trim_end_matches(['\r', '\n']).to_string())
        } else {
            self.password.clone()
        };
        let credentials = match (&self.username, password) {
            (Some(u), Some(p)) => Some(Credentials {
                username: u.clone(),
                password: p,
            }),
            (None, None) => None,
            _ => anyhow::bail!("give both --username and a password, or neither"),
        };
        // DOCKER_CONFIG names a directory; --docker-config may name the file itself.
        let docker_config = self.docker_config.as_ref().map(|p| {
            if p.is_dir() {
                p.join("config.json")
            } else {
                p.clone()
            }
        });
        Ok(ClientOptions {
            insecure: self.insecure,
            credentials,
            docker_config,
        })
    }
}

pub fn run(args: SbomArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let format: Format = args.format.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let attest_key = args.attest.key()?;
    let sboms = catalog_source(&args.source, &args.image, global)?;
    for sbom in &sboms {
        for w in &sbom.warnings {
            tracing::warn!("{w}");
        }
    }
    let opts = WriteOptions {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        ..WriteOptions::default()
    };
    let many = sboms.len() > 1;
    if let Some(key) = &attest_key {
        let [sbom] = sboms.as_slice() else {
            anyhow::bail!("--attest works on one platform; pick it with --platform");
        };
        let mut document = Vec::new();
        bulwark_sbom::write(sbom, Format::CycloneDxJson, &mut document, &opts)?;
        let predicate: serde_json::Value = serde_json::from_slice(&document)?;
        super::signing::attest_source(
            &args.source,
            &args.image.registry,
            key,
            "cyclonedx",
            predicate,
        )?;
    }
    for sbom in &sboms {
        match &args.output {
            Some(path) => {
                let path = if many {
                    platform_path(path, &sbom.target)
                } else {
                    path.clone()
                };
                let file = File::create(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let mut out = BufWriter::new(file);
                bulwark_sbom::write(sbom, format, &mut out, &opts)?;
                out.flush()
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            None => {
                let stdout = std::io::stdout();
                let mut out = BufWriter::new(stdout.lock());
                bulwark_sbom::write(sbom, format, &mut out, &opts)?;
                out.flush().context("cannot write to standard output")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn platform_path(path: &Path, target: &Target) -> PathBuf {
    let suffix = target
        .platform
        .as_deref()
        .unwrap_or("unknown")
        .replace('/', "-");
    let mut s = path.as_os_str().to_os_string();
    s.push(format!(".{suffix}"));
    PathBuf::from(s)
}

/// Catalogs any source into SBOMs (one per platform for `--all-platforms`). Shared by
/// every command that needs packages.
pub fn catalog_source(
    input: &str,
    image_args: &ImageArgs,
    global: &GlobalArgs,
) -> anyhow::Result<Vec<Sbom>> {
    let source: Source = input.parse()?;
    let catalogers = bulwark_catalog::catalogers::all();
    match &source {
        Source::Sbom(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read SBOM {}", path.display()))?;
            let sbom = bulwark_sbom::read(&bytes)
                .with_context(|| format!("cannot read SBOM {}", path.display()))?;
            Ok(vec![sbom])
        }
        Source::Dir(path) => {
            let target = Target {
                kind: "dir".into(),
                name: input.to_string(),
                ..Target::default()
            };
            let opts = bulwark_catalog::WalkOptions::default();
            let sbom = bulwark_catalog::catalog_dir(path, &catalogers, &opts, target)
                .with_context(|| format!("cannot scan directory {}", path.display()))?;
            Ok(vec![sbom])
        }
        _ => {
            let images = bulwark_oci::open_images(
                &source,
                input,
                &image_args.platform_choice()?,
                &image_args.client_options()?,
            )
            .with_context(|| format!("cannot open image {input}"))?;
            let mut out = Vec::new();
            for image in images {
                let total = image.layers.iter().map(|l| l.size).sum();
                let progress = Progress::start("reading layers", total, global.quiet);
                let opts = bulwark_catalog::WalkOptions {
                    progress: Some(progress.counter()),
                    ..Default::default()
                };
                let result = bulwark_catalog::catalog_image(&image, &catalogers, &opts);
                progress.finish();
                out.push(result?);
            }
            Ok(out)
        }
    }
}
