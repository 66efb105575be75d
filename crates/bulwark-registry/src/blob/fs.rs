//! Blobs as files on local disk:
//!
//! ```text
//! <root>/blobs/<algorithm>/<first two hex>/<hex>   committed, immutable
//! <root>/uploads/<id>/data                         upload in progress
//! <root>/uploads/<id>/repo                         repository the upload belongs to
//! ```
//!
//! A blob becomes visible only by `rename` after its bytes were fsynced and its digest
//! checked, and the rename itself is fsynced through the directory; a killed server leaves
//! at most an upload directory, which is purged later.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bulwark_types::Digest;
use bytes::Bytes;
use futures_util::StreamExt;

use crate::clock::now;

use super::{BlobError, BlobRead, BlobResult, BlobStore, ByteStream, Hasher, UploadInfo};

/// Blobs at most this big are read into memory in one go when served.
const SMALL: u64 = 256 * 1024;
const READ_CHUNK: usize = 512 * 1024;

/// Local-disk blob storage.
#[derive(Clone)]
pub struct FsBlobStore {
    root: PathBuf,
    uploads: Arc<Mutex<HashMap<String, UploadState>>>,
}

/// The running sha256 of an upload's bytes so far, so that finishing it needs no re-read.
/// An upload exists only in memory until its first byte arrives (most monolithic uploads
/// of small blobs never touch the disk as uploads at all).
struct UploadState {
    hasher: Hasher,
    hashed: u64,
    busy: bool,
    /// `Some(repo)` while the upload has no directory on disk yet.
    pending_repo: Option<String>,
    started: i64,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> BlobError + '_ {
    move |source| BlobError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> BlobResult<T> + Send + 'static,
) -> BlobResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BlobError::Task(e.to_string()))?
}

/// A file's or directory's modification time, in seconds since the epoch.
fn modified_secs(meta: std::io::Result<std::fs::Metadata>) -> Option<i64> {
    let t = meta.ok()?.modified().ok()?;
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// When an entry of `uploads/` was last written to. Appending a chunk writes to
/// `<id>/data`, which leaves the directory's own mtime alone, so for an upload directory
/// the newer of the two counts.
fn last_written(entry: &std::fs::DirEntry) -> Option<i64> {
    let own = modified_secs(entry.metadata());
    let data = modified_secs(std::fs::metadata(entry.path().join("data")));
    own.max(data)
}

/// fsyncs a directory so that a rename or create inside it is durable.
fn sync_dir(dir: &Path) -> BlobResult<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

impl FsBlobStore {
    /// Opens (creating) the storage directory.
    pub fn open(root: &Path) -> BlobResult<Self> {
        for sub in ["blobs", "uploads"] {
            let dir = root.join(sub);
            std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        }
        Ok(Self {
            root: root.to_path_buf(),
            uploads: Arc::default(),
        })
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        let hex = digest.hex();
        self.root
            .join("blobs")
            .join(digest.algorithm())
            .join(hex.get(..2).unwrap_or("00"))
            .join(hex)
    }

    fn upload_dir(&self, id: &str) -> BlobResult<PathBuf> {
        if !valid_id(id) {
            return Err(BlobError::UploadUnknown(id.to_string()));
        }
        Ok(self.root.join("uploads").join(id))
    }

    /// Claims the upload for one request; `None` state means "hash unknown, re-read".
    fn claim(&self, id: &str) -> BlobResult<Option<(Hasher, u64)>> {
        let mut map = self
            .uploads
            .lock()
            .map_err(|_| BlobError::Task("upload map poisoned".into()))?;
        match map.get_mut(id) {
            Some(s) if s.busy => Err(BlobError::UploadBusy(id.to_string())),
            Some(s) => {
                s.busy = true;
                Ok(Some((s.hasher.clone(), s.hashed)))
            }
            None => {
                map.insert(
                    id.to_string(),
                    UploadState {
                        hasher: Hasher::sha256(),
                        hashed: 0,
                        busy: true,
                        pending_repo: None,
                        started: now(),
                    },
                );
                Ok(None)
            }
        }
    }

    fn release(&self, id: &str, state: Option<(Hasher, u64)>) {
        if let Ok(mut map) = self.uploads.lock() {
            match state {
                Some((hasher, hashed)) => {
                    map.insert(
                        id.to_string(),
                        UploadState {
                            hasher,
                            hashed,
                            busy: false,
                            pending_repo: None,
                            started: now(),
                        },
                    );
                }
                None => {
                    map.remove(id);
                }
            }
        }
    }

    /// The repository of an upload that has not reached the disk yet.
    fn pending(&self, id: &str) -> Option<String> {
        self.uploads
            .lock()
            .ok()?
            .get(id)
            .and_then(|s| s.pending_repo.clone())
    }

    /// Creates the upload's directory when its first bytes are about to arrive.
    async fn materialize(&self, id: &str) -> BlobResult<()> {
        let Some(repo) = self.pending(id) else {
            return Ok(());
        };
        let dir = self.upload_dir(id)?;
        blocking(move || {
            std::fs::create_dir(&dir).map_err(io_err(&dir))?;
            std::fs::write(dir.join("repo"), repo.as_bytes()).map_err(io_err(&dir))?;
            std::fs::File::create(dir.join("data")).map_err(io_err(&dir))?;
            Ok(())
        })
        .await?;
        if let Ok(mut map) = self.uploads.lock()
            && let Some(s) = map.get_mut(id)
        {
            s.pending_repo = None;
        }
        Ok(())
    }

    /// Moves a verified, fsynced file to its blob path and makes the rename durable.
    fn commit_file(&self, tmp: &Path, digest: &Digest) -> BlobResult<()> {
        let dest = self.blob_path(digest);
        let Some(dir) = dest.parent() else {
            return Err(BlobError::Task("blob path has no parent".into()));
        };
        if !dir.is_dir() {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
            if let Some(alg_dir) = dir.parent() {
                sync_dir(alg_dir)?;
            }
        }
        std::fs::rename(tmp, &dest).map_err(io_err(&dest))?;
        sync_dir(dir)
    }
}

/// Streams `body` into `file` on a blocking thread while hashing; returns bytes written.
async fn pump(
    mut file: std::fs::File,
    path: PathBuf,
    mut hasher: Option<Hasher>,
    mut body: ByteStream,
) -> BlobResult<(u64, Option<Hasher>, std::fs::File)> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    let writer = tokio::task::spawn_blocking(move || {
        let mut written = 0u64;
        while let Some(chunk) = rx.blocking_recv() {
            file.write_all(&chunk).map_err(io_err(&path))?;
            if let Some(h) = hasher.as_mut() {
                h.update(&chunk);
            }
            written += chunk.len() as u64;
        }
        Ok::<_, BlobError>((written, hasher, file))
    });
    let mut body_error = None;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(bytes) => {
                if tx.send(bytes).await.is_err() {
                    break;
                }
            }
            Err(e) => {
                body_error = Some(e);
                break;
            }
        }
    }
    drop(tx);
    let result = writer.await.map_err(|e| BlobError::Task(e.to_string()))?;
    match body_error {
        Some(e) => Err(BlobError::Body(e)),
        None => result,
    }
}

fn hash_file(path: &Path, like: &Digest) -> BlobResult<Option<Digest>> {
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    let mut h = Hasher::for_digest(like);
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        let n = f.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(h.finish())
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn start_upload(&self, repo: &str) -> BlobResult<String> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut map = self
            .uploads
            .lock()
            .map_err(|_| BlobError::Task("upload map poisoned".into()))?;
        map.insert(
            id.clone(),
            UploadState {
                hasher: Hasher::sha256(),
                hashed: 0,
                busy: false,
                pending_repo: Some(repo.to_string()),
                started: now(),
            },
        );
        Ok(id)
    }

    async fn upload_info(&self, id: &str) -> BlobResult<Option<UploadInfo>> {
        let dir = self.upload_dir(id)?;
        if let Some(repo) = self.pending(id) {
            return Ok(Some(UploadInfo { repo, size: 0 }));
        }
        blocking(move || {
            let repo = match std::fs::read_to_string(dir.join("repo")) {
                Ok(r) => r,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(io_err(&dir)(e)),
            };
            let size = std::fs::metadata(dir.join("data"))
                .map_err(io_err(&dir))?
                .len();
            Ok(Some(UploadInfo { repo, size }))
        })
        .await
    }

    async fn append(&self, id: &str, offset: u64, body: ByteStream) -> BlobResult<u64> {
        let data = self.upload_dir(id)?.join("data");
        self.materialize(id).await?;
        let state = self.claim(id)?;
        let result = async {
            let path = data.clone();
            let file = blocking(move || {
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| match e.kind() {
                        std::io::ErrorKind::NotFound => {
                            BlobError::UploadUnknown(path.display().to_string())
                        }
                        _ => io_err(&path)(e),
                    })?;
                let size = f.seek(SeekFrom::End(0)).map_err(io_err(&path))?;
                Ok((f, size))
            })
            .await;
            let (file, size) = file?;
            if size != offset {
                return Err(BlobError::WrongOffset {
                    id: String::new(),
                    size,
                    offset,
                });
            }
            let hasher = match &state {
                Some((h, hashed)) if *hashed == size => Some(h.clone()),
                None if size == 0 => Some(Hasher::sha256()),
                _ => None,
            };
            let (written, hasher, _file) = pump(file, data.clone(), hasher, body).await?;
            Ok((size + written, hasher))
        }
        .await;
        match result {
            Ok((size, hasher)) => {
                self.release(id, hasher.map(|h| (h, size)));
                Ok(size)
            }
            Err(BlobError::WrongOffset { size, offset, .. }) => {
                self.release(id, state);
                Err(BlobError::WrongOffset {
                    id: id.to_string(),
                    size,
                    offset,
                })
            }
            Err(e) => {
                // The file may hold part of this body now: forget the running hash.
                self.release(id, None);
                Err(e)
            }
        }
    }

    async fn finish(&self, id: &str, digest: &Digest) -> BlobResult<u64> {
        let dir = self.upload_dir(id)?;
        self.materialize(id).await?;
        let state = self.claim(id)?;
        let this = self.clone();
        let want = digest.clone();
        let result = blocking(move || {
            let data = dir.join("data");
            let file = std::fs::File::open(&data).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => BlobError::UploadUnknown(dir.display().to_string()),
                _ => io_err(&data)(e),
            })?;
            let size = file.metadata().map_err(io_err(&data))?.len();
            let actual = match state {
                Some((h, hashed)) if hashed == size && h.algorithm() == want.algorithm() => {
                    h.finish()
                }
                _ => hash_file(&data, &want)?,
            };
            let actual = actual.map(|d| d.to_string()).unwrap_or_default();
            if actual != want.to_string() {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(BlobError::DigestMismatch {
                    expected: want.to_string(),
                    actual,
                });
            }
            file.sync_all().map_err(io_err(&data))?;
            this.commit_file(&data, &want)?;
            let _ = std::fs::remove_dir_all(&dir);
            Ok(size)
        })
        .await;
        self.release(id, None);
        result
    }

    async fn cancel(&self, id: &str) -> BlobResult<bool> {
        let dir = self.upload_dir(id)?;
        if self.pending(id).is_some() {
            self.release(id, None);
            return Ok(true);
        }
        self.release(id, None);
        blocking(move || match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err(&dir)(e)),
        })
        .await
    }

    async fn put(&self, digest: &Digest, body: ByteStream) -> BlobResult<u64> {
        let tmp = self
            .root
            .join("uploads")
            .join(format!("put-{}", uuid::Uuid::new_v4().simple()));
        let path = tmp.clone();
        let file = blocking(move || std::fs::File::create(&path).map_err(io_err(&path))).await?;
        let outcome = pump(file, tmp.clone(), Some(Hasher::for_digest(digest)), body).await;
        let (size, hasher, file) = match outcome {
            Ok(v) => v,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        let actual = hasher
            .and_then(Hasher::finish)
            .map(|d| d.to_string())
            .unwrap_or_default();
        if actual != digest.to_string() {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(BlobError::DigestMismatch {
                expected: digest.to_string(),
                actual,
            });
        }
        let this = self.clone();
        let digest = digest.clone();
        blocking(move || {
            let synced = file
                .sync_all()
                .map_err(io_err(&tmp))
                .and_then(|()| this.commit_file(&tmp, &digest));
            if synced.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            synced.map(|()| size)
        })
        .await
    }

    async fn open(
        &self,
        digest: &Digest,
        range: Option<(u64, u64)>,
    ) -> BlobResult<Option<BlobRead>> {
        let path = self.blob_path(digest);
        blocking(move || {
            let mut f = match std::fs::File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(io_err(&path)(e)),
            };
            let total = f.metadata().map_err(io_err(&path))?.len();
            let (start, len) = match range {
                Some((a, b)) => (a, b.saturating_sub(a) + 1),
                None => (0, total),
            };
            if start > 0 {
                f.seek(SeekFrom::Start(start)).map_err(io_err(&path))?;
            }
            let body: ByteStream = if len <= SMALL {
                let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
                f.take(len).read_to_end(&mut buf).map_err(io_err(&path))?;
                Box::pin(futures_util::stream::once(
                    async move { Ok(Bytes::from(buf)) },
                ))
            } else {
                let file = tokio::fs::File::from_std(f);
                let reader = tokio::io::AsyncReadExt::take(file, len);
                Box::pin(tokio_util::io::ReaderStream::with_capacity(
                    reader, READ_CHUNK,
                ))
            };
            Ok(Some(BlobRead {
                start,
                len,
                total,
                body,
            }))
        })
        .await
    }

    async fn stat(&self, digest: &Digest) -> BlobResult<Option<u64>> {
        let path = self.blob_path(digest);
        match tokio::fs::metadata(&path).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    async fn delete(&self, digest: &Digest) -> BlobResult<bool> {
        let path = self.blob_path(digest);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    async fn list(&self) -> BlobResult<Vec<(String, i64)>> {
        let root = self.root.join("blobs");
        blocking(move || {
            let mut out = Vec::new();
            let Ok(algs) = std::fs::read_dir(&root) else {
                return Ok(out);
            };
            for alg in algs.flatten() {
                let alg_name = alg.file_name().to_string_lossy().into_owned();
                for prefix in std::fs::read_dir(alg.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    for blob in std::fs::read_dir(prefix.path())
                        .into_iter()
                        .flatten()
                        .flatten()
                    {
                        let mtime = modified_secs(blob.metadata()).unwrap_or(0);
                        out.push((
                            format!("{alg_name}:{}", blob.file_name().to_string_lossy()),
                            mtime,
                        ));
                    }
                }
            }
            Ok(out)
        })
        .await
    }

    async fn purge_uploads(&self, before: i64) -> BlobResult<u64> {
        let root = self.root.join("uploads");
        let uploads = Arc::clone(&self.uploads);
        let mut forgotten = 0;
        if let Ok(mut map) = uploads.lock() {
            let before_len = map.len();
            map.retain(|_, s| s.pending_repo.is_none() || s.busy || s.started >= before);
            forgotten = (before_len - map.len()) as u64;
        }
        blocking(move || {
            let mut n = forgotten;
            for entry in std::fs::read_dir(&root).map_err(io_err(&root))?.flatten() {
                let old = last_written(&entry).is_some_and(|t| t < before);
                let name = entry.file_name().to_string_lossy().into_owned();
                let busy = uploads
                    .lock()
                    .ok()
                    .is_some_and(|m| m.get(&name).is_some_and(|s| s.busy));
                if old && !busy {
                    let p = entry.path();
                    let removed = if p.is_dir() {
                        std::fs::remove_dir_all(&p)
                    } else {
                        std::fs::remove_file(&p)
                    };
                    if removed.is_ok() {
                        n += 1;
                        if let Ok(mut m) = uploads.lock() {
                            m.remove(&name);
                        }
                    }
                }
            }
            Ok(n)
        })
        .await
    }
}
