//! `bulwark`: a secure container supply chain in one binary.

mod commands;
mod env;
mod progress;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    commands::run(cli)
}
