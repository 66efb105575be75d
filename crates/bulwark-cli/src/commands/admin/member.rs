//! `bulwark member set|remove|list`.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use ureq::http::Method;

use super::client::segment;
use super::{ServerArgs, field, items, print_table};

#[derive(Debug, clap::Args)]
pub struct MemberArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(subcommand)]
    pub command: MemberCommand,
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Add a user to a project or change their role (project administrators).
    Set {
        /// Project name.
        project: String,
        /// User name.
        user: String,
        /// guest (pull), developer (+push), maintainer (+delete, immutability, audit) or
        /// project-admin (+members, robots, settings).
        #[arg(long)]
        role: String,
    },
    /// Remove a user from a project.
    Remove { project: String, user: String },
    /// List a project's members.
    List { project: String },
}

pub fn run(args: MemberArgs) -> anyhow::Result<ExitCode> {
    let server = &args.server;
    let client = server.client()?;
    match args.command {
        MemberCommand::Set {
            project,
            user,
            role,
        } => {
            let path = format!(
                "/api/v1/projects/{}/members/{}",
                segment(&project),
                segment(&user)
            );
            let m = client.call(Method::PUT, &path, Some(&json!({"role": role})))?;
            server.print(&m, |m| {
                println!("{} is {} of {project}", field(m, "user"), field(m, "role"))
            })?;
        }
        MemberCommand::Remove { project, user } => {
            let path = format!(
                "/api/v1/projects/{}/members/{}",
                segment(&project),
                segment(&user)
            );
            client.call(Method::DELETE, &path, None)?;
            server.print(&json!({"removed": user}), |_| {
                println!("removed {user} from {project}")
            })?;
        }
        MemberCommand::List { project } => {
            let list = client.get(&format!("/api/v1/projects/{}/members", segment(&project)))?;
            server.print(&list, |list| {
                let rows: Vec<Vec<String>> = items(list)
                    .iter()
                    .map(|m| vec![field(m, "user"), field(m, "role")])
                    .collect();
                print_table(&["USER", "ROLE"], &rows);
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
