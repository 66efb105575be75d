//! `bulwark db`: build and inspect the local vulnerability database.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use bulwark_vulndb::db::{Builder, Database};
use bulwark_vulndb::import;
use bulwark_vulndb::update::{self, Mirror};

use crate::env;

#[derive(Debug, clap::Args)]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum DbCommand {
    /// Compile advisories from local feeds into one database.
    Build(BuildArgs),
    /// Download the feeds (official sources, or a mirror URL or directory) and rebuild.
    Update(UpdateArgs),
    /// Show the database's sources, record counts, age and checksum.
    Status(StatusArgs),
}

#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// A mirror: an http(s) base URL or a directory holding `bulwark-feeds.json` and the
    /// files it lists (for air-gapped sites). Default: the official sources online.
    #[arg(long, value_name = "URL|DIR")]
    pub mirror: Option<String>,
    /// Where to write the database (replaced only when every feed arrived intact).
    #[arg(short, long, env = env::DB, default_value_os_t = default_db())]
    pub output: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// A feed as KIND:PATH (repeatable). Kinds: osv, rustsec, rubysec, friendsofphp,
    /// nodejs-wg, alpine-secdb, debian-tracker, debian-dsa, ubuntu-oval, rhel-oval, nvd.
    #[arg(long = "source", value_name = "KIND:PATH", required = true)]
    pub sources: Vec<String>,
    /// Where to write the database.
    #[arg(short, long, env = env::DB, default_value_os_t = default_db())]
    pub output: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The database to inspect.
    #[arg(long, env = env::DB, default_value_os_t = default_db())]
    pub db: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `$XDG_CACHE_HOME/bulwark/vuln.db`, else `~/.cache/bulwark/vuln.db`.
pub fn default_db() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("bulwark").join("vuln.db")
}

pub fn run(args: DbArgs, global: &super::GlobalArgs) -> anyhow::Result<ExitCode> {
    let quiet = global.quiet;
    match args.command {
        DbCommand::Build(a) => build(a, quiet),
        DbCommand::Update(a) => update(a, quiet),
        DbCommand::Status(a) => status(a),
    }
}

fn build(args: BuildArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let mut sources = Vec::new();
    for spec in &args.sources {
        let (kind, path) = spec
            .split_once(':')
            .with_context(|| format!("--source {spec:?} is not KIND:PATH"))?;
        sources.push((kind.to_string(), PathBuf::from(path)));
    }
    compile(&sources, &args.output, quiet)
}

fn update(args: UpdateArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let mirror = args
        .mirror
        .as_deref()
        .map_or(Mirror::Official, Mirror::parse);
    let temp = tempfile::Builder::new()
        .prefix("bulwark-feeds-")
        .tempdir()
        .context("cannot create a temp dir for the feeds")?;
    let sources = update::fetch(&mirror, temp.path())?;
    compile(&sources, &args.output, quiet)
}

/// Imports every `(kind, path)` and writes the database atomically.
fn compile(
    sources: &[(String, PathBuf)],
    output: &std::path::Path,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let mut builder = Builder::default();
    for (kind, path) in sources {
        let importer = import::by_kind(kind).with_context(|| {
            let kinds: Vec<_> = import::all().iter().map(|i| i.kind()).collect();
            format!("unknown source kind {kind:?} (known: {})", kinds.join(", "))
        })?;
        let meta = builder
            .import(importer.as_ref(), path)
            .with_context(|| format!("cannot import {kind}:{}", path.display()))?;
        if !quiet {
            eprintln!(
                "{kind}: {} advisories from {} files ({} skipped)",
                meta.advisories, meta.files, meta.skipped
            );
        }
    }
    for s in &builder.skipped {
        tracing::warn!("skipped {}: {}", s.file, s.reason);
    }
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let meta = builder.write(output, now_rfc3339())?;
    if quiet {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "wrote {} ({} advisories, {} keys, {} bytes) in {:.1} s",
        output.display(),
        meta.advisories,
        meta.keys,
        std::fs::metadata(output).map(|m| m.len()).unwrap_or(0),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let db = Database::open(&args.db)?;
    db.verify()?;
    let meta = db.meta();
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(meta)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "database  {}", args.db.display())?;
    writeln!(
        out,
        "built     {} by {}{}",
        meta.built_at,
        meta.built_by,
        age(&meta.built_at)
    )?;
    writeln!(
        out,
        "records   {} advisories, {} keys",
        meta.advisories, meta.keys
    )?;
    writeln!(out, "checksum  sha256:{} (verified)", meta.checksum)?;
    for s in &meta.sources {
        writeln!(
            out,
            "source    {:<15} {:>7} advisories {:>7} files {:>5} skipped  {}",
            s.kind, s.advisories, s.files, s.skipped, s.path
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// ` (3 days ago)`, or nothing when the build time does not parse.
fn age(built_at: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    match time::OffsetDateTime::parse(built_at, &Rfc3339) {
        Ok(t) => {
            let secs = (time::OffsetDateTime::now_utc() - t).whole_seconds().max(0);
            match secs {
                s if s < 3600 => format!(" ({} minutes ago)", s / 60),
                s if s < 86_400 => format!(" ({} hours ago)", s / 3600),
                s => format!(" ({} days ago)", s / 86_400),
            }
        }
        Err(_) => String::new(),
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
