//! `bulwark robot create|list|delete`: robot accounts for CI. The secret is printed once,
//! at creation; the registry keeps only its digest.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};
use ureq::http::Method;

use super::client::segment;
use super::{ServerArgs, field, items, print_table, time_of};

#[derive(Debug, clap::Args)]
pub struct RobotArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(subcommand)]
    pub command: RobotCommand,
}

#[derive(Debug, Subcommand)]
pub enum RobotCommand {
    /// Create robot `robot$PROJECT+NAME` and print its secret (project administrators).
    Create {
        /// Project the robot works in.
        project: String,
        /// Short name: lowercase letters and digits, separated by `.`, `_` or `-`.
        name: String,
        /// What it may do in the project: pull, push, delete.
        #[arg(
            long,
            value_delimiter = ',',
            required = true,
            value_name = "ACTION,..."
        )]
        actions: Vec<String>,
        /// Expire after this many days (default: never).
        #[arg(long, value_name = "N")]
        expires_in_days: Option<u32>,
        /// What the robot is for.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List a project's robots (never their secrets).
    List { project: String },
    /// Delete a robot; its secret stops working at once.
    Delete {
        project: String,
        /// Short (`ci`) or full (`robot$dev+ci`) name.
        name: String,
    },
}

fn actions(r: &Value) -> String {
    items(&r["actions"])
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

pub fn run(args: RobotArgs) -> anyhow::Result<ExitCode> {
    let server = &args.server;
    let client = server.client()?;
    match args.command {
        RobotCommand::Create {
            project,
            name,
            actions: wanted,
            expires_in_days,
            description,
        } => {
            let body = json!({
                "name": name,
                "actions": wanted,
                "expires_in_days": expires_in_days,
                "description": description,
            });
            let r = client.call(
                Method::POST,
                &format!("/api/v1/projects/{}/robots", segment(&project)),
                Some(&body),
            )?;
            server.print(&r, |r| {
                println!("created {} ({})", field(r, "name"), actions(r));
                let expires = time_of(r, "expires_at", false);
                println!(
                    "expires: {}",
                    if expires.is_empty() {
                        "never".into()
                    } else {
                        expires
                    }
                );
                println!("secret:  {}", field(r, "secret"));
                eprintln!("(the secret is shown only this once; store it now)");
            })?;
        }
        RobotCommand::List { project } => {
            let list = client.get(&format!("/api/v1/projects/{}/robots", segment(&project)))?;
            server.print(&list, |list| {
                let rows: Vec<Vec<String>> = items(list)
                    .iter()
                    .map(|r| {
                        let expires = time_of(r, "expires_at", false);
                        vec![
                            field(r, "name"),
                            actions(r),
                            if expires.is_empty() {
                                "never".into()
                            } else {
                                expires
                            },
                            field(r, "description"),
                        ]
                    })
                    .collect();
                print_table(&["NAME", "ACTIONS", "EXPIRES", "DESCRIPTION"], &rows);
            })?;
        }
        RobotCommand::Delete { project, name } => {
            let path = format!(
                "/api/v1/projects/{}/robots/{}",
                segment(&project),
                segment(&name)
            );
            client.call(Method::DELETE, &path, None)?;
            server.print(&json!({"deleted": name}), |_| {
                println!("deleted robot {name} of {project}")
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
