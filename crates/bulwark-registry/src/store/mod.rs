//! Metadata storage: the [`MetaStore`] trait and its records. SQLite implements it today
//! ([`sqlite::SqliteStore`]); a PostgreSQL store must fit the same trait. Everything that
//! must stay consistent (a tag and its manifest, a manifest and the blobs it references)
//! changes inside one transaction of one method.

pub mod sqlite;
mod types;

use async_trait::async_trait;
use bulwark_auth::role::Role;
use bulwark_types::Digest;

pub use types::*;

/// What can go wrong in a metadata store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("tag {tag} matches immutability rule {rule:?} and already points elsewhere")]
    TagImmutable { tag: String, rule: String },
    #[error("missing referenced content: {0:?}")]
    MissingReferences(Vec<String>),
    #[error("database error: {0}")]
    Database(String),
    #[error("store task failed: {0}")]
    Task(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The registry's metadata: accounts, projects, repositories, manifests, tags, blob links,
/// audit events. Implementations must make each method atomic.
#[async_trait]
pub trait MetaStore: Send + Sync + 'static {
    // ---- users ----
    async fn create_user(&self, user: NewUser) -> StoreResult<()>;
    async fn user(&self, name: &str) -> StoreResult<Option<User>>;
    async fn users(&self) -> StoreResult<Vec<User>>;
    async fn delete_user(&self, name: &str) -> StoreResult<()>;
    async fn set_password(&self, name: &str, password_hash: &str) -> StoreResult<()>;
    async fn set_sysadmin(&self, name: &str, sysadmin: bool) -> StoreResult<()>;

    // ---- projects and members ----
    async fn create_project(&self, name: &str, public: bool) -> StoreResult<()>;
    async fn project(&self, name: &str) -> StoreResult<Option<Project>>;
    async fn projects(&self) -> StoreResult<Vec<Project>>;
    async fn delete_project(&self, name: &str) -> StoreResult<()>;
    async fn set_project_public(&self, name: &str, public: bool) -> StoreResult<()>;
    async fn set_immutable_rules(&self, project: &str, rules: Vec<String>) -> StoreResult<()>;
    async fn set_member(&self, project: &str, user: &str, role: Role) -> StoreResult<()>;
    async fn remove_member(&self, project: &str, user: &str) -> StoreResult<()>;
    async fn members(&self, project: &str) -> StoreResult<Vec<Member>>;
    async fn member_role(&self, project: &str, user: &str) -> StoreResult<Option<Role>>;

    // ---- robots ----
    async fn create_robot(&self, robot: Robot) -> StoreResult<()>;
    async fn robot(&self, name: &str) -> StoreResult<Option<Robot>>;
    async fn robots(&self, project: &str) -> StoreResult<Vec<Robot>>;
    async fn delete_robot(&self, name: &str) -> StoreResult<()>;

    // ---- repositories, blobs ----
    /// Records that `digest` (already durable in the blob store) belongs to `repo`.
    async fn link_blob(&self, repo: &str, digest: &Digest, size: u64) -> StoreResult<()>;
    /// Stores a small, already verified blob inline and links it to `repo`, durably, in
    /// one transaction (no blob-store file, one fsync shared with concurrent writes).
    async fn put_inline_blob(&self, repo: &str, digest: &Digest, data: Vec<u8>) -> StoreResult<()>;
    /// Size of a blob linked to `repo`, and its bytes when stored inline.
    async fn repo_blob_data(
        &self,
        repo: &str,
        digest: &Digest,
    ) -> StoreResult<Option<(u64, Option<bytes::Bytes>)>>;
    /// Size of a blob linked to `repo`.
    async fn repo_blob(&self, repo: &str, digest: &Digest) -> StoreResult<Option<u64>>;
    /// Size of a blob known anywhere in the registry.
    async fn blob(&self, digest: &Digest) -> StoreResult<Option<u64>>;
    /// Repositories holding `digest` (at most `limit`), for mounts without `from`.
    async fn blob_repositories(&self, digest: &Digest, limit: usize) -> StoreResult<Vec<String>>;
    async fn unlink_blob(&self, repo: &str, digest: &Digest) -> StoreResult<bool>;
    async fn repositories(&self, page: Page) -> StoreResult<Vec<String>>;
    async fn repository_summaries(&self, project: &str) -> StoreResult<Vec<RepoSummary>>;
    async fn delete_repository(&self, repo: &str) -> StoreResult<()>;

    // ---- manifests, tags, referrers ----
    /// Stores a manifest (and moves `tag` to it) after checking, in the same transaction,
    /// that everything it references exists in the repository and that no immutability
    /// rule forbids moving the tag.
    async fn put_manifest(
        &self,
        repo: &str,
        manifest: NewManifest,
        tag: Option<&str>,
    ) -> StoreResult<()>;
    async fn manifest(
        &self,
        repo: &str,
        reference: &ManifestRef,
    ) -> StoreResult<Option<StoredManifest>>;
    async fn delete_manifest(&self, repo: &str, digest: &Digest) -> StoreResult<bool>;
    async fn delete_tag(&self, repo: &str, tag: &str) -> StoreResult<bool>;
    async fn tags(&self, repo: &str, page: Page) -> StoreResult<Option<Vec<String>>>;
    async fn tag_details(&self, repo: &str) -> StoreResult<Vec<TagInfo>>;
    async fn referrers(&self, repo: &str, subject: &Digest) -> StoreResult<Vec<Referrer>>;

    // ---- audit ----
    async fn record_audit(&self, events: Vec<AuditEvent>) -> StoreResult<()>;
    async fn audit(&self, query: AuditQuery) -> StoreResult<Vec<AuditEvent>>;

    // ---- garbage collection ----
    /// Removes unreferenced metadata older than `cutoff` (unix seconds) and returns the
    /// blobs no repository references any more, for the caller to delete from storage.
    async fn gc_collect(&self, cutoff: i64, delete_untagged: bool) -> StoreResult<GcPlan>;
    /// Every blob digest the metadata knows (for sweeping orphaned files).
    async fn known_blobs(&self) -> StoreResult<std::collections::HashSet<String>>;
    async fn storage_stats(&self) -> StoreResult<StorageStats>;
}
