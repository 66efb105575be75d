//! `bulwark user add|list|delete|passwd`.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};
use ureq::http::Method;

use super::client::segment;
use super::{ServerArgs, field, items, new_password, print_table, time_of};

#[derive(Debug, clap::Args)]
pub struct UserArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (system administrators). The password comes from
    /// BULWARK_NEW_PASSWORD or --new-password-stdin.
    Add {
        name: String,
        /// Make the user a system administrator.
        #[arg(long)]
        sysadmin: bool,
        /// Read the new user's password from standard input (after your own, if
        /// --password-stdin is also given).
        #[arg(long)]
        new_password_stdin: bool,
    },
    /// List users (system administrators).
    List,
    /// Delete a user (system administrators).
    Delete { name: String },
    /// Change a password: your own, or anyone's as a system administrator. The new
    /// password comes from BULWARK_NEW_PASSWORD or --new-password-stdin.
    Passwd {
        name: String,
        #[arg(long)]
        new_password_stdin: bool,
    },
}

fn yes_no(v: &Value, name: &str) -> String {
    if v.get(name).and_then(Value::as_bool).unwrap_or(false) {
        "yes"
    } else {
        "no"
    }
    .into()
}

pub fn run(args: UserArgs) -> anyhow::Result<ExitCode> {
    let server = &args.server;
    let client = server.client()?;
    match args.command {
        UserCommand::Add {
            name,
            sysadmin,
            new_password_stdin,
        } => {
            let password = new_password(new_password_stdin)?;
            let body = json!({"username": name, "password": password, "sysadmin": sysadmin});
            let u = client.call(Method::POST, "/api/v1/users", Some(&body))?;
            server.print(&u, |u| println!("created user {}", field(u, "name")))?;
        }
        UserCommand::List => {
            let list = client.get("/api/v1/users")?;
            server.print(&list, |list| {
                let rows: Vec<Vec<String>> = items(list)
                    .iter()
                    .map(|u| {
                        vec![
                            field(u, "name"),
                            yes_no(u, "sysadmin"),
                            time_of(u, "created_at", false),
                        ]
                    })
                    .collect();
                print_table(&["NAME", "SYSADMIN", "CREATED"], &rows);
            })?;
        }
        UserCommand::Delete { name } => {
            client.call(
                Method::DELETE,
                &format!("/api/v1/users/{}", segment(&name)),
                None,
            )?;
            server.print(&json!({"deleted": name}), |_| {
                println!("deleted user {name}")
            })?;
        }
        UserCommand::Passwd {
            name,
            new_password_stdin,
        } => {
            let password = new_password(new_password_stdin)?;
            // Your own password: the server wants the current one, which we sign in with.
            let own = server.username.as_deref() == Some(name.as_str());
            let old = if own { client.password() } else { None };
            let body = json!({"password": password, "old_password": old});
            let path = format!("/api/v1/users/{}/password", segment(&name));
            client.call(Method::PUT, &path, Some(&body))?;
            server.print(&json!({"changed": name}), |_| {
                println!("changed the password of {name}")
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
