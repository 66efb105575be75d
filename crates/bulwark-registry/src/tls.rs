//! TLS for the server: a given certificate and key, or a self-signed pair generated once
//! into `<data_dir>/tls/` (for localhost and 127.0.0.1).

use std::path::PathBuf;

use axum_server::tls_rustls::RustlsConfig;

use crate::config::Config;
use crate::server::StartError;

/// Installs the process-wide rustls crypto provider (ring). Safe to call repeatedly.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The certificate and key to serve: configured, or generated self-signed.
pub fn cert_paths(config: &Config) -> Result<(PathBuf, PathBuf), StartError> {
    if let (Some(cert), Some(key)) = (&config.tls.cert, &config.tls.key) {
        return Ok((cert.clone(), key.clone()));
    }
    if config.tls.cert.is_some() != config.tls.key.is_some() {
        return Err(StartError::Tls(
            "tls.cert and tls.key must be given together".into(),
        ));
    }
    let dir = config.data_dir.join("tls");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    if cert.is_file() && key.is_file() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| StartError::Tls(format!("{}: {e}", dir.display())))?;
    let names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let generated =
        rcgen::generate_simple_self_signed(names).map_err(|e| StartError::Tls(e.to_string()))?;
    write_private(&key, generated.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(&cert, generated.cert.pem())
        .map_err(|e| StartError::Tls(format!("{}: {e}", cert.display())))?;
    tracing::warn!(cert = %cert.display(), "generated a self-signed TLS certificate; clients must trust it or skip verification");
    Ok((cert, key))
}

fn write_private(path: &std::path::Path, data: &[u8]) -> Result<(), StartError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| StartError::Tls(format!("{}: {e}", path.display())))?;
    f.write_all(data)
        .map_err(|e| StartError::Tls(format!("{}: {e}", path.display())))
}

/// A rustls server configuration for axum-server.
pub async fn server_config(config: &Config) -> Result<RustlsConfig, StartError> {
    install_crypto_provider();
    let (cert, key) = cert_paths(config)?;
    RustlsConfig::from_pem_file(&cert, &key).await.map_err(|e| {
        StartError::Tls(format!(
            "cannot load {} / {}: {e}",
            cert.display(),
            key.display()
        ))
    })
}
