//! Assembling and running the server: storage, first-start bootstrap, routes, TLS.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum_server::accept::NoDelayAcceptor;
use axum_server::tls_rustls::RustlsAcceptor;
use bulwark_auth::token::TokenService;

use crate::access::CredentialCache;
use crate::audit::AuditSink;
use crate::blob::fs::FsBlobStore;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::store::sqlite::SqliteStore;
use crate::store::{MetaStore, NewUser};
use crate::{api, dist, gc, metrics, tls, token};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("metadata store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("blob store: {0}")]
    Blobs(#[from] crate::blob::BlobError),
    #[error("token signing key: {0}")]
    Token(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// The result of opening the data directory.
pub struct Opened {
    pub state: AppState,
    /// Set when this start created the `admin` account with a generated password.
    pub generated_admin_password: Option<String>,
}

fn create_private_dir(path: &Path) -> Result<(), StartError> {
    let err = |source| StartError::DataDir {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(path).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    Ok(())
}

/// Opens storage under the data directory and, on first start, creates the `admin`
/// account (password from `admin_password`, else generated) and the `library` project.
pub async fn open(config: Config, admin_password: Option<String>) -> Result<Opened, StartError> {
    create_private_dir(&config.data_dir)?;
    let meta = SqliteStore::open(&config.data_dir.join("meta.db"))?;
    let blobs = FsBlobStore::open(&config.data_dir)?;
    let tokens = TokenService::load_or_create(
        &config.data_dir.join("token.key"),
        &config.auth.issuer,
        &config.auth.service,
        config.token_ttl(),
    )
    .map_err(|e| StartError::Token(e.to_string()))?;
    let meta: Arc<dyn MetaStore> = Arc::new(meta);
    let mut generated = None;
    if meta.users().await?.is_empty() {
        let password = match admin_password {
            Some(p) => p,
            None => {
                let p = bulwark_auth::secret::generate();
                generated = Some(p.clone());
                p
            }
        };
        let hash = bulwark_auth::password::hash(&password)
            .map_err(|e| StartError::Token(e.to_string()))?;
        meta.create_user(NewUser {
            name: "admin".into(),
            password_hash: hash,
            sysadmin: true,
        })
        .await?;
        if meta.project("library").await?.is_none() {
            meta.create_project("library", true).await?;
        }
    }
    let audit = AuditSink::start(Arc::clone(&meta));
    let state = AppState {
        meta,
        blobs: Arc::new(blobs),
        tokens: Arc::new(tokens),
        config: Arc::new(config),
        audit,
        metrics: Arc::new(Metrics::default()),
        credentials: Arc::new(CredentialCache::default()),
        gc_lock: Arc::default(),
    };
    Ok(Opened {
        state,
        generated_admin_password: generated,
    })
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.meta.storage_stats().await {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "metadata store unavailable",
            )
        }
    }
}

/// All routes.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/v2", any(dist::handle))
        .route("/v2/", any(dist::handle))
        .route("/v2/{*rest}", any(dist::handle))
        .route("/service/token", get(token::handler).post(token::handler))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::handler))
        .merge(api::router())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// Runs the server until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let config = Arc::clone(&state.config);
    if config.gc.interval_secs > 0 {
        let gc_state = state.clone();
        let every = std::time::Duration::from_secs(config.gc.interval_secs);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = gc::run(&gc_state).await {
                    tracing::error!(error = %e, "scheduled garbage collection failed");
                }
            }
        });
    }
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let addr = config.listen;
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        h.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    let listen_err = |source| StartError::Listen { addr, source };
    // Responses go out as soon as they are written (TCP_NODELAY): a registry answers
    // many small requests on kept-alive connections, where Nagle's algorithm would hold
    // a response back until the client's delayed ACK.
    if config.tls.insecure_http {
        tracing::warn!(%addr, "serving plain HTTP (insecure_http): use only on loopback or behind a TLS proxy");
        axum_server::bind(addr)
            .acceptor(NoDelayAcceptor)
            .handle(handle)
            .serve(app)
            .await
            .map_err(listen_err)
    } else {
        let rustls = tls::server_config(&config).await?;
        tracing::info!(%addr, "serving HTTPS");
        axum_server::bind(addr)
            .acceptor(RustlsAcceptor::new(rustls).acceptor(NoDelayAcceptor))
            .handle(handle)
            .serve(app)
            .await
            .map_err(listen_err)
    }
}
