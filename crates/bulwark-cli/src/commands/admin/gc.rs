//! `bulwark gc`: run one garbage collection pass on the registry now.

use std::process::ExitCode;

use ureq::http::Method;

use super::{ServerArgs, field};

#[derive(Debug, clap::Args)]
pub struct GcArgs {
    #[command(flatten)]
    pub server: ServerArgs,
}

pub fn run(args: GcArgs) -> anyhow::Result<ExitCode> {
    let server = &args.server;
    let report = server.client()?.call(Method::POST, "/api/v1/gc", None)?;
    server.print(&report, |r| {
        for key in [
            "manifests_deleted",
            "links_removed",
            "blobs_deleted",
            "bytes_freed",
            "orphan_files_deleted",
            "uploads_purged",
        ] {
            println!("{key:<22}{}", field(r, key));
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
