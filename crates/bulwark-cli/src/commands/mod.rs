//! One file per subcommand; each parses nothing and decides nothing beyond wiring
//! library calls together.

mod admin;
mod attest;
mod db;
mod key;
mod sbom;
mod scan;
mod serve;
mod sign;
mod signing;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Bulwark: scan, sign and gate container images.
#[derive(Debug, Parser)]
#[command(name = "bulwark", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Print only errors; no progress bar.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More detail in logs (-v: debug, -vv: trace). `RUST_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log line format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every package in an image, archive, directory or SBOM and write an SBOM.
    Sbom(sbom::SbomArgs),
    /// Find known vulnerabilities in an image, archive, directory or SBOM.
    Scan(scan::ScanArgs),
    /// Build and inspect the local vulnerability database.
    Db(db::DbArgs),
    /// Create signing keys (cosign's format).
    Key(key::KeyArgs),
    /// Sign an image's digest (cosign-compatible signature).
    Sign(sign::SignArgs),
    /// Attest an image: a signed in-toto statement (SBOM, scan result, provenance, ...).
    Attest(attest::AttestArgs),
    /// Check an image's signatures and attestations against a trust policy (exit 1 if not met).
    Verify(verify::VerifyArgs),
    /// Run the registry (OCI Distribution v1.1 with projects, roles and token auth).
    Serve(serve::ServeArgs),
    /// Manage a registry's projects.
    Project(admin::project::ProjectArgs),
    /// Manage who holds which role in a project.
    Member(admin::member::MemberArgs),
    /// Manage user accounts and passwords.
    User(admin::user::UserArgs),
    /// Manage robot accounts (credentials for CI, limited to one project).
    Robot(admin::robot::RobotArgs),
    /// Manage a project's immutable tag patterns.
    Immutability(admin::immutability::ImmutabilityArgs),
    /// Read a registry's audit log.
    Audit(admin::audit::AuditArgs),
    /// Run garbage collection on a registry now.
    Gc(admin::gc::GcArgs),
}

/// Runs the parsed command line; prints the error chain and returns exit code 2 on error.
pub fn run(cli: Cli) -> ExitCode {
    // A server logs each request at info; one-shot commands stay quiet by default.
    init_logging(&cli.global, matches!(cli.command, Command::Serve(_)));
    let result = match cli.command {
        Command::Sbom(args) => sbom::run(args, &cli.global),
        Command::Scan(args) => scan::run(args, &cli.global),
        Command::Db(args) => db::run(args, &cli.global),
        Command::Key(args) => key::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Attest(args) => attest::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Project(args) => admin::project::run(args),
        Command::Member(args) => admin::member::run(args),
        Command::User(args) => admin::user::run(args),
        Command::Robot(args) => admin::robot::run(args),
        Command::Immutability(args) => admin::immutability::run(args),
        Command::Audit(args) => admin::audit::run(args),
        Command::Gc(args) => admin::gc::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            // A closed pipe (`bulwark ... | head`) is not an error worth reporting.
            let broken_pipe = err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            if let Some(hint) = hint(&err) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(2)
        }
    }
}

fn init_logging(global: &GlobalArgs, server: bool) {
    use tracing_subscriber::EnvFilter;
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) if server => "info",
        (false, 0) => "warn",
        (false, 1) => "info,bulwark=debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match global.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder
            .with_target(false)
            .without_time()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
    }
}

/// A line telling the user what they can do about common errors.
fn hint(err: &anyhow::Error) -> Option<&'static str> {
    let text = format!("{err:#}").to_ascii_lowercase();
    if text.contains("unauthorized") || text.contains("status 401") {
        Some(
            "pass --username with BULWARK_REGISTRY_PASSWORD (or --password-stdin), or log in with `docker login`",
        )
    } else if text.contains("no image for platform") {
        Some("pick one with --platform OS/ARCH, or scan them all with --all-platforms")
    } else if text.contains("digest mismatch") || text.contains("does not match its digest") {
        Some(
            "the image content is not what its manifest says: it is corrupt or has been tampered with",
        )
    } else if text.contains("cannot read vulnerability database") {
        Some(
            "build one with `bulwark db build --source KIND:PATH ...` (see `bulwark db build --help`)",
        )
    } else {
        None
    }
}
