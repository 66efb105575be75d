//! Blob storage: the [`BlobStore`] trait. The local-disk store ([`fs::FsBlobStore`]) is the
//! embedded default; an S3-compatible store must fit the same trait (uploads map to
//! multipart uploads, `finish` to complete-and-copy).

pub mod fs;
mod hashing;

use std::pin::Pin;

use async_trait::async_trait;
use bulwark_types::Digest;
use bytes::Bytes;
use futures_util::Stream;

pub use hashing::{Hasher, digest_like as hashing_digest_like};

/// A stream of body bytes, from a request or to a response.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// What can go wrong in blob storage.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("upload {0} is unknown")]
    UploadUnknown(String),
    #[error("upload {id} is at offset {size}, not {offset}")]
    WrongOffset { id: String, size: u64, offset: u64 },
    #[error("upload {0} is being written by another request")]
    UploadBusy(String),
    #[error("content has digest {actual}, not {expected}")]
    DigestMismatch { expected: String, actual: String },
    #[error("content is {actual} bytes, expected {expected}")]
    SizeMismatch { expected: u64, actual: u64 },
    #[error("request body failed: {0}")]
    Body(std::io::Error),
    #[error("storage I/O on {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("storage task failed: {0}")]
    Task(String),
}

pub type BlobResult<T> = Result<T, BlobError>;

/// An upload in progress.
#[derive(Debug, Clone)]
pub struct UploadInfo {
    pub repo: String,
    pub size: u64,
}

/// An open blob: `len` bytes starting at `start` of a `total`-byte blob.
pub struct BlobRead {
    pub start: u64,
    pub len: u64,
    pub total: u64,
    pub body: ByteStream,
}

/// Content-addressed blob storage with resumable uploads. Implementations must never make
/// a blob visible under a digest before its content is durable and verified.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Starts an upload session for `repo` and returns its id.
    async fn start_upload(&self, repo: &str) -> BlobResult<String>;
    async fn upload_info(&self, id: &str) -> BlobResult<Option<UploadInfo>>;
    /// Appends `body` at `offset`, which must equal the upload's current size. Returns the
    /// new size. With `limit`, fails once more than `limit` bytes arrive.
    async fn append(&self, id: &str, offset: u64, body: ByteStream) -> BlobResult<u64>;
    /// Verifies the upload against `digest` and makes it visible atomically and durably.
    /// Returns the blob's size. The upload is gone afterwards (also on digest mismatch).
    async fn finish(&self, id: &str, digest: &Digest) -> BlobResult<u64>;
    async fn cancel(&self, id: &str) -> BlobResult<bool>;
    /// Stores a whole blob from one stream (monolithic upload), verifying `digest`.
    async fn put(&self, digest: &Digest, body: ByteStream) -> BlobResult<u64>;
    /// Opens a blob, optionally an inclusive byte range of it (already validated).
    async fn open(
        &self,
        digest: &Digest,
        range: Option<(u64, u64)>,
    ) -> BlobResult<Option<BlobRead>>;
    async fn stat(&self, digest: &Digest) -> BlobResult<Option<u64>>;
    async fn delete(&self, digest: &Digest) -> BlobResult<bool>;
    /// Every stored blob with its modification time (unix seconds).
    async fn list(&self) -> BlobResult<Vec<(String, i64)>>;
    /// Removes uploads untouched since `before` (unix seconds); returns how many.
    async fn purge_uploads(&self, before: i64) -> BlobResult<u64>;
}
