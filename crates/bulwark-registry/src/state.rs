//! Shared server state handed to every handler.

use std::sync::Arc;

use bulwark_auth::token::TokenService;

use crate::access::CredentialCache;
use crate::audit::AuditSink;
use crate::blob::BlobStore;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::MetaStore;

/// Cheap to clone: everything is behind `Arc`s.
#[derive(Clone)]
pub struct AppState {
    pub meta: Arc<dyn MetaStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub tokens: Arc<TokenService>,
    pub config: Arc<Config>,
    pub audit: AuditSink,
    pub metrics: Arc<Metrics>,
    pub credentials: Arc<CredentialCache>,
    /// Held shared while a blob is committed and linked; held exclusively while GC deletes
    /// files, so GC never removes a file an upload has just re-linked.
    pub gc_lock: Arc<tokio::sync::RwLock<()>>,
}
