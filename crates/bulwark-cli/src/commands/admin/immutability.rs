//! `bulwark immutability set|show`: tag patterns whose tags can never move once pushed.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};
use ureq::http::Method;

use super::client::segment;
use super::{ServerArgs, items};

#[derive(Debug, clap::Args)]
pub struct ImmutabilityArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(subcommand)]
    pub command: ImmutabilityCommand,
}

#[derive(Debug, Subcommand)]
pub enum ImmutabilityCommand {
    /// Replace a project's rules (maintainers and up); no rule clears them.
    Set {
        project: String,
        /// Tag globs: `*` matches any run of characters, `?` one (e.g. 'v*').
        rules: Vec<String>,
    },
    /// Show a project's rules.
    Show { project: String },
}

fn print_rules(project: &str, v: &Value) {
    let rules: Vec<&str> = items(&v["rules"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    if rules.is_empty() {
        println!("{project}: no immutable tags");
    } else {
        for rule in rules {
            println!("{rule}");
        }
    }
}

pub fn run(args: ImmutabilityArgs) -> anyhow::Result<ExitCode> {
    let server = &args.server;
    let client = server.client()?;
    match args.command {
        ImmutabilityCommand::Set { project, rules } => {
            let path = format!("/api/v1/projects/{}/immutability", segment(&project));
            let v = client.call(Method::PUT, &path, Some(&json!({"rules": rules})))?;
            server.print(&v, |v| print_rules(&project, v))?;
        }
        ImmutabilityCommand::Show { project } => {
            let v = client.get(&format!(
                "/api/v1/projects/{}/immutability",
                segment(&project)
            ))?;
            server.print(&v, |v| print_rules(&project, v))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
