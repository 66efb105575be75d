//! `bulwark serve`: run the registry.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use bulwark_registry::Config;

use crate::env;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// TOML configuration file (flags override it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:5000].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Data directory: metadata database, blobs, keys [default: ./bulwark-data].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Serve plain HTTP instead of TLS. Only for loopback or behind a TLS proxy.
    #[arg(long)]
    pub http: bool,
    /// PEM certificate chain to serve (with --tls-key). Default: a generated self-signed one.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    if args.http {
        config.tls.insecure_http = true;
    }
    if args.tls_cert.is_some() {
        config.tls.cert = args.tls_cert;
        config.tls.key = args.tls_key;
    }
    let admin_password = std::env::var(env::ADMIN_PASSWORD)
        .ok()
        .filter(|p| !p.is_empty());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listen = config.listen;
        let scheme = if config.tls.insecure_http {
            "http"
        } else {
            "https"
        };
        let data_dir = config.data_dir.clone();
        let opened = bulwark_registry::open(config, admin_password)
            .await
            .with_context(|| format!("cannot open data directory {}", data_dir.display()))?;
        if let Some(password) = &opened.generated_admin_password {
            eprintln!("created user `admin` with password: {password}");
            eprintln!(
                "(shown only this once; set {} to choose it)",
                env::ADMIN_PASSWORD
            );
        }
        eprintln!(
            "bulwark registry listening on {scheme}://{listen} (data in {})",
            data_dir.display()
        );
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        bulwark_registry::serve(opened.state, shutdown).await?;
        Ok(ExitCode::SUCCESS)
    })
}
