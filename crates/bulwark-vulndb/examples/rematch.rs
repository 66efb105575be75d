//! Re-matching many stored SBOMs against one database with ONE [`Matcher`] (the
//! "a new feed arrived, re-check the registry" path), timed.
//!
//! ```sh
//! cargo run --release -p bulwark-vulndb --example rematch -- --db vuln.db SBOM_DIR
//! cargo run --release -p bulwark-vulndb --example rematch -- --db vuln.db --threads 2 SBOM_DIR
//! cargo run --release -p bulwark-vulndb --example rematch -- --db vuln.db --open-only --runs 20
//! ```
//!
//! SBOMs are Bulwark native JSON (`bulwark sbom --format json`; its `schema` field is not
//! part of [`Sbom`] and is ignored), given as files or directories of `*.json`. They are
//! all parsed first (reported apart), then the database is opened and every SBOM matched.
//! `--threads N` splits the SBOMs into N contiguous shares, each matched by its own
//! Matcher (with its own cache) on its own thread; the default is one. `--open-only` times `Database::open` plus one lookup, `--runs` times, and prints the
//! median. Used by `bench/vulndb.py`; see docs/BENCHMARKS.md.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bulwark_types::{Ecosystem, Sbom};
use bulwark_vulndb::db::Database;
use bulwark_vulndb::matcher::Matcher;

struct Args {
    db: PathBuf,
    open_only: bool,
    runs: usize,
    threads: usize,
    inputs: Vec<PathBuf>,
}

fn usage() -> String {
    "usage: rematch --db FILE [--threads N] [--open-only [--runs N]] [SBOM_FILE|SBOM_DIR ...]"
        .to_string()
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut db = None;
    let mut open_only = false;
    let mut runs = 20;
    let mut threads = 1;
    let mut inputs = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--db" => db = Some(PathBuf::from(it.next().ok_or_else(usage)?)),
            "--open-only" => open_only = true,
            "--runs" => runs = it.next().ok_or_else(usage)?.parse()?,
            "--threads" => threads = it.next().ok_or_else(usage)?.parse()?,
            "-h" | "--help" => return Err(usage().into()),
            _ => inputs.push(PathBuf::from(a)),
        }
    }
    Ok(Args {
        db: db.ok_or_else(usage)?,
        open_only,
        runs: runs.max(1),
        threads: threads.max(1),
        inputs,
    })
}

fn sbom_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut here: Vec<PathBuf> = std::fs::read_dir(input)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            here.sort();
            files.extend(here);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

fn open_and_lookup(path: &Path) -> Result<usize, Box<dyn Error>> {
    let db = Database::open(path)?;
    Ok(db.affected(Ecosystem::Deb, "debian:11", "openssl")?.len())
}

/// Matches SBOMs with one Matcher; the number of findings.
fn match_all(db: &Database, sboms: &[Sbom]) -> Result<usize, String> {
    let mut matcher = Matcher::new(db);
    let mut findings = 0;
    for sbom in sboms {
        findings += matcher.match_sbom(sbom).map_err(|e| e.to_string())?.len();
    }
    Ok(findings)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    if args.open_only {
        let mut times = Vec::with_capacity(args.runs);
        let mut hits = 0;
        for _ in 0..args.runs {
            let start = Instant::now();
            hits = open_and_lookup(&args.db)?;
            times.push(start.elapsed());
        }
        let min = times.iter().min().copied().unwrap_or_default();
        let max = times.iter().max().copied().unwrap_or_default();
        println!(
            "open+lookup: median {:.2} ms, min {:.2} ms, max {:.2} ms over {} runs ({} entries for deb openssl in debian:11)",
            median(times).as_secs_f64() * 1e3,
            min.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3,
            args.runs,
            hits
        );
        return Ok(());
    }

    let files = sbom_files(&args.inputs)?;
    let start = Instant::now();
    let mut sboms: Vec<Sbom> = Vec::with_capacity(files.len());
    for f in &files {
        let bytes = std::fs::read(f)?;
        let sbom: Sbom = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a Bulwark JSON SBOM: {e}", f.display()))?;
        sboms.push(sbom);
    }
    let parse = start.elapsed();
    let packages: usize = sboms.iter().map(|s| s.packages.len()).sum();

    let start = Instant::now();
    let db = Database::open(&args.db)?;
    let open = start.elapsed();
    let start = Instant::now();
    let share = sboms.len().div_ceil(args.threads).max(1);
    let counts: Vec<Result<usize, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = sboms
            .chunks(share)
            .map(|chunk| s.spawn(|| match_all(&db, chunk)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("matcher thread panicked".into()))
            })
            .collect()
    });
    let mut findings = 0usize;
    for c in counts {
        findings += c?;
    }
    let elapsed = start.elapsed();
    let secs = elapsed.as_secs_f64();
    println!(
        "threads {} sboms {} packages {} findings {} parse_s {:.3} open_s {:.4} match_s {:.3} sboms_per_s {:.0} packages_per_s {:.0}",
        args.threads,
        sboms.len(),
        packages,
        findings,
        parse.as_secs_f64(),
        open.as_secs_f64(),
        secs,
        sboms.len() as f64 / secs.max(1e-9),
        packages as f64 / secs.max(1e-9)
    );
    Ok(())
}
