//! `bulwark scan`: catalog a source and match its packages against the database.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use bulwark_types::Severity;
use bulwark_vulndb::db::Database;
use bulwark_vulndb::matcher::Matcher;
use bulwark_vulndb::report::ScanReport;
use bulwark_vulndb::suppress::{self, IgnoreFile, VexDocument};

use super::GlobalArgs;
use super::sbom::{ImageArgs, catalog_source};
use crate::env;

/// Arguments of `bulwark scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// What to scan (as for `bulwark sbom`, including sbom:FILE).
    pub source: String,
    /// The vulnerability database (see `bulwark db build`).
    #[arg(long, env = env::DB, default_value_os_t = super::db::default_db())]
    pub db: PathBuf,
    /// Output format: a table, Bulwark's JSON, SARIF 2.1.0 or CycloneDX 1.6 JSON.
    #[arg(short, long, default_value = "table", value_parser = ["table", "json", "sarif", "cyclonedx-json"])]
    pub format: String,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only report these severities (comma-separated: critical,high,medium,low,negligible,unknown).
    #[arg(long, value_delimiter = ',', value_parser = parse_severity)]
    pub severity: Vec<Severity>,
    /// Exit with code 1 when a finding of this severity or higher is reported.
    #[arg(long, value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Leave out findings that have no fixed version.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// A YAML ignore file: findings it matches are reported as suppressed and do not
    /// count for --fail-on; expired rules suppress nothing and are reported.
    #[arg(long, value_name = "FILE")]
    pub ignore_file: Option<PathBuf>,
    /// An OpenVEX document; `not_affected` and `fixed` statements suppress the findings
    /// they cover (repeatable; later documents override earlier ones).
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    #[command(flatten)]
    pub image: ImageArgs,
    #[command(flatten)]
    pub attest: super::signing::AttestOption,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::from_word(s).ok_or_else(|| {
        format!("unknown severity {s:?} (critical, high, medium, low, negligible, unknown)")
    })
}

pub fn run(args: ScanArgs, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let db = Database::open(&args.db)?;
    let ignore: Vec<IgnoreFile> = args
        .ignore_file
        .iter()
        .map(|p| IgnoreFile::load(p))
        .collect::<Result<_, _>>()?;
    let vex: Vec<VexDocument> = args
        .vex
        .iter()
        .map(|p| VexDocument::load(p))
        .collect::<Result<_, _>>()?;
    let today = suppress::today_utc();
    let attest_key = args.attest.key()?;
    let started = time::OffsetDateTime::now_utc();
    let sboms = catalog_source(&args.source, &args.image, global)?;
    if attest_key.is_some() && sboms.len() > 1 {
        anyhow::bail!("--attest works on one platform; pick it with --platform");
    }
    let mut matcher = Matcher::new(&db);
    let mut worst: Option<Severity> = None;
    for sbom in sboms {
        let mut findings = matcher.match_sbom(&sbom)?;
        findings.retain(|f| {
            (args.severity.is_empty() || args.severity.contains(&f.severity))
                && !(args.ignore_unfixed && f.fixed_versions.is_empty())
        });
        let expired = suppress::apply(&mut findings, &vex, &ignore, today);
        for rule in &expired {
            tracing::warn!(file = %rule.file, "{}", rule.message);
        }
        let mut report = ScanReport::new(
            sbom.target,
            sbom.distro,
            &args.db.display().to_string(),
            db.meta(),
            findings,
        );
        report.expired_rules = expired;
        worst = worst.max(report.max_severity());
        if let Some(key) = &attest_key {
            let mut json = Vec::new();
            report.write_json(&mut json)?;
            let result: serde_json::Value = serde_json::from_slice(&json)?;
            let scanner = bulwark_trust::predicate::Scanner {
                uri: "https://github.com/bulwark/bulwark".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                db_uri: args.db.display().to_string(),
                db_version: report.database.built_at.clone(),
            };
            let predicate = bulwark_trust::predicate::vuln_predicate(
                &scanner,
                result,
                started,
                time::OffsetDateTime::now_utc(),
            );
            super::signing::attest_source(
                &args.source,
                &args.image.registry,
                key,
                "vuln",
                predicate,
            )?;
        }
        let mut out: Box<dyn Write> = match &args.output {
            Some(p) => Box::new(BufWriter::new(
                File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
            )),
            None => Box::new(BufWriter::new(std::io::stdout().lock())),
        };
        match args.format.as_str() {
            "json" => report.write_json(&mut out)?,
            "sarif" => report.write_sarif(&mut out)?,
            "cyclonedx-json" => report.write_cyclonedx(&mut out)?,
            _ => report.write_table(&mut out)?,
        }
        out.flush().context("cannot write the report")?;
    }
    match (args.fail_on, worst) {
        (Some(threshold), Some(w)) if w >= threshold => Ok(ExitCode::from(1)),
        _ => Ok(ExitCode::SUCCESS),
    }
}
