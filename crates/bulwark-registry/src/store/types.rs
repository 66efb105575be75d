//! Records kept by a [`super::MetaStore`].

use std::collections::BTreeMap;

use bulwark_auth::role::{Action, Role};
use bulwark_types::Digest;
use serde::{Deserialize, Serialize};

/// A user account.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub sysadmin: bool,
    pub created_at: i64,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub password_hash: String,
    pub sysadmin: bool,
}

/// A project: the first path component of its repositories' names.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub name: String,
    pub public: bool,
    pub created_at: i64,
    /// Tag patterns (`*` and `?` globs) whose tags may never move once set.
    pub immutable_tags: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub user: String,
    pub role: Role,
}

/// A robot account, scoped to one project and a set of registry actions.
#[derive(Debug, Clone, Serialize)]
pub struct Robot {
    pub name: String,
    pub project: String,
    pub actions: Vec<Action>,
    #[serde(skip)]
    pub secret_digest: String,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub description: String,
}

/// Pagination for listings: up to `n` entries strictly after `last`.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub n: Option<usize>,
    pub last: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RepoSummary {
    pub name: String,
    pub tags: u64,
    pub manifests: u64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TagInfo {
    pub name: String,
    pub digest: String,
    pub updated_at: i64,
}

/// A manifest to store. `content` is kept byte for byte.
#[derive(Debug, Clone)]
pub struct NewManifest {
    pub digest: Digest,
    pub media_type: String,
    pub artifact_type: Option<String>,
    pub subject: Option<Digest>,
    pub annotations: Option<BTreeMap<String, String>>,
    pub content: Vec<u8>,
    /// Blobs (config, layers) the manifest references.
    pub blobs: Vec<Digest>,
    /// Manifests an index references.
    pub manifests: Vec<Digest>,
}

/// A tag or a digest.
#[derive(Debug, Clone)]
pub enum ManifestRef {
    Tag(String),
    Digest(Digest),
}

#[derive(Debug, Clone)]
pub struct StoredManifest {
    pub digest: Digest,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// One entry of a referrers listing.
#[derive(Debug, Clone, Serialize)]
pub struct Referrer {
    #[serde(rename = "mediaType")]
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(rename = "artifactType", skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// Who did what, when, from where.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditEvent {
    #[serde(default)]
    pub id: i64,
    /// Unix milliseconds.
    pub time: i64,
    pub actor: String,
    pub action: String,
    pub resource: String,
    pub project: Option<String>,
    pub outcome: String,
    pub client: Option<String>,
    pub detail: Option<String>,
}

/// Filters for [`super::MetaStore::audit`]; newest first.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditQuery {
    pub project: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Unix milliseconds, inclusive.
    pub since: Option<i64>,
    /// Only events with an id below this (for paging backwards).
    pub before: Option<i64>,
    pub limit: Option<usize>,
}

/// What a GC pass removed from the metadata.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GcPlan {
    pub manifests_deleted: u64,
    pub links_removed: u64,
    /// Blobs no longer referenced: delete them from the blob store.
    pub blobs: Vec<(String, u64)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct StorageStats {
    pub repositories: u64,
    pub manifests: u64,
    pub tags: u64,
    pub blobs: u64,
    pub blob_bytes: u64,
    /// Metadata transactions committed since start (each a group of writes).
    pub commits: u64,
    /// Writes run in those transactions (commits / writes is the mean group size).
    pub committed_writes: u64,
    /// Seconds spent committing (BEGIN to the end of COMMIT, fsync included).
    pub commit_seconds: f64,
}
