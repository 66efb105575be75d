//! Management commands (`bulwark project`, `member`, `user`, `robot`, `immutability`,
//! `audit`, `gc`): thin wrappers over the registry's `/api/v1` JSON API, one file per noun.

pub mod audit;
pub mod client;
pub mod gc;
pub mod immutability;
pub mod member;
pub mod project;
pub mod robot;
pub mod user;

use std::io::BufRead as _;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::env;
use client::Client;

/// Where the registry is and who is calling; every management command takes these.
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Registry URL.
    #[arg(long, global = true, env = env::SERVER, value_name = "URL", default_value = "https://127.0.0.1:5000")]
    pub server: String,
    /// User (or robot) to act as; without it, calls are anonymous. The password comes
    /// from BULWARK_PASSWORD or --password-stdin.
    #[arg(long, global = true, env = env::USERNAME, value_name = "NAME")]
    pub username: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long, global = true)]
    pub password_stdin: bool,
    /// Accept any TLS certificate, e.g. the registry's generated self-signed one. Only on
    /// networks you trust.
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Print the server's JSON answer instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

impl ServerArgs {
    /// A client for the registry, with the caller's credentials.
    pub fn client(&self) -> anyhow::Result<Client> {
        let Some(user) = &self.username else {
            if self.password_stdin {
                bail!("--password-stdin needs --username (or {})", env::USERNAME);
            }
            return Ok(Client::new(&self.server, None, self.insecure));
        };
        let password = if self.password_stdin {
            stdin_line().context("cannot read the password from standard input")?
        } else {
            match std::env::var(env::PASSWORD) {
                Ok(p) if !p.is_empty() => p,
                _ => bail!(
                    "no password for {user}: set {} or pass --password-stdin",
                    env::PASSWORD
                ),
            }
        };
        Ok(Client::new(
            &self.server,
            Some((user, &password)),
            self.insecure,
        ))
    }

    /// Prints `value` as JSON when `--json` was given, else runs `text`.
    pub fn print(&self, value: &Value, text: impl FnOnce(&Value)) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string_pretty(value)?);
        } else {
            text(value);
        }
        Ok(())
    }
}

/// The next line of standard input, without its line ending.
pub fn stdin_line() -> anyhow::Result<String> {
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        bail!("standard input is empty");
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// The new password for `user add` / `user passwd`: standard input or BULWARK_NEW_PASSWORD.
pub fn new_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        return stdin_line().context("cannot read the new password from standard input");
    }
    match std::env::var(env::NEW_PASSWORD) {
        Ok(p) if !p.is_empty() => Ok(p),
        _ => bail!(
            "no new password: set {} or pass --new-password-stdin",
            env::NEW_PASSWORD
        ),
    }
}

/// A string field of a JSON object ("" when absent or not a string).
pub fn field(value: &Value, name: &str) -> String {
    match value.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Unix seconds (or milliseconds, with `millis`) as an RFC 3339 UTC time.
pub fn time_of(value: &Value, name: &str, millis: bool) -> String {
    let Some(n) = value.get(name).and_then(Value::as_i64) else {
        return String::new();
    };
    let nanos = i128::from(n) * if millis { 1_000_000 } else { 1_000_000_000 };
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| n.to_string())
}

/// Prints rows under a header, columns padded to their widest cell.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// The elements of a JSON array answer (none if it is not an array).
pub fn items(value: &Value) -> &[Value] {
    value.as_array().map(Vec::as_slice).unwrap_or_default()
}
