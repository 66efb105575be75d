//! `bulwark audit`: read the registry's audit log, newest first.

use std::process::ExitCode;

use super::client::segment;
use super::{ServerArgs, field, items, print_table, time_of};

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Only events of this project (required unless you are a system administrator).
    #[arg(long)]
    pub project: Option<String>,
    /// Only events by this user or robot.
    #[arg(long)]
    pub actor: Option<String>,
    /// Only this action (e.g. push, login, project-create, robot-delete).
    #[arg(long)]
    pub action: Option<String>,
    /// At most this many events.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
}

pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let server = &args.server;
    let client = server.client()?;
    let mut query = vec![format!("limit={}", args.limit)];
    for (key, value) in [
        ("project", &args.project),
        ("actor", &args.actor),
        ("action", &args.action),
    ] {
        if let Some(v) = value {
            query.push(format!("{key}={}", segment(v)));
        }
    }
    let events = client.get(&format!("/api/v1/audit?{}", query.join("&")))?;
    server.print(&events, |events| {
        let rows: Vec<Vec<String>> = items(events)
            .iter()
            .map(|e| {
                vec![
                    time_of(e, "time", true),
                    field(e, "actor"),
                    field(e, "action"),
                    field(e, "resource"),
                    field(e, "outcome"),
                    field(e, "client"),
                    field(e, "detail"),
                ]
            })
            .collect();
        print_table(
            &[
                "TIME", "ACTOR", "ACTION", "RESOURCE", "OUTCOME", "CLIENT", "DETAIL",
            ],
            &rows,
        );
    })?;
    Ok(ExitCode::SUCCESS)
}
