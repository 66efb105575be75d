//! `bulwark project create|list|show|delete|set-public`.

use std::process::ExitCode;

use clap::{ArgAction, Subcommand};
use serde_json::{Value, json};
use ureq::http::Method;

use super::client::segment;
use super::{ServerArgs, field, items, print_table, time_of};

#[derive(Debug, clap::Args)]
pub struct ProjectArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(subcommand)]
    pub command: ProjectCommand,
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Create a project (system administrators).
    Create {
        /// Project name: lowercase letters and digits, separated by `.`, `_` or `-`.
        name: String,
        /// Anyone, even anonymous, may pull from it.
        #[arg(long)]
        public: bool,
    },
    /// List the projects you may see.
    List,
    /// Show one project.
    Show {
        /// Project name.
        name: String,
    },
    /// Delete a project with its members and robots (system administrators).
    Delete {
        name: String,
        /// Also delete its repositories (else a project holding any is refused).
        #[arg(long)]
        force: bool,
    },
    /// Make a project public (`true`, the default) or private (`false`).
    SetPublic {
        name: String,
        #[arg(action = ArgAction::Set, default_value_t = true, value_name = "true|false")]
        public: bool,
    },
}

fn visibility(p: &Value) -> &'static str {
    if p.get("public").and_then(Value::as_bool).unwrap_or(false) {
        "public"
    } else {
        "private"
    }
}

fn show(p: &Value) {
    println!("name:       {}", field(p, "name"));
    println!("visibility: {}", visibility(p));
    println!("created:    {}", time_of(p, "created_at", false));
    let rules: Vec<String> = items(&p["immutable_tags"])
        .iter()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    println!(
        "immutable:  {}",
        if rules.is_empty() {
            "-".to_string()
        } else {
            rules.join(", ")
        }
    );
}

pub fn run(args: ProjectArgs) -> anyhow::Result<ExitCode> {
    let server = &args.server;
    let client = server.client()?;
    match args.command {
        ProjectCommand::Create { name, public } => {
            let p = client.call(
                Method::POST,
                "/api/v1/projects",
                Some(&json!({"name": name, "public": public})),
            )?;
            server.print(&p, |p| {
                println!("created {} project {}", visibility(p), field(p, "name"))
            })?;
        }
        ProjectCommand::List => {
            let list = client.get("/api/v1/projects")?;
            server.print(&list, |list| {
                let rows: Vec<Vec<String>> = items(list)
                    .iter()
                    .map(|p| {
                        vec![
                            field(p, "name"),
                            visibility(p).into(),
                            time_of(p, "created_at", false),
                        ]
                    })
                    .collect();
                print_table(&["NAME", "VISIBILITY", "CREATED"], &rows);
            })?;
        }
        ProjectCommand::Show { name } => {
            let p = client.get(&format!("/api/v1/projects/{}", segment(&name)))?;
            server.print(&p, show)?;
        }
        ProjectCommand::Delete { name, force } => {
            let path = format!(
                "/api/v1/projects/{}{}",
                segment(&name),
                if force { "?force=true" } else { "" }
            );
            client.call(Method::DELETE, &path, None)?;
            server.print(&json!({"deleted": name}), |_| {
                println!("deleted project {name}")
            })?;
        }
        ProjectCommand::SetPublic { name, public } => {
            let path = format!("/api/v1/projects/{}", segment(&name));
            let p = client.call(Method::PATCH, &path, Some(&json!({"public": public})))?;
            server.print(&p, |p| {
                println!("project {} is now {}", field(p, "name"), visibility(p))
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
