//! The embedded metadata store: one SQLite file in WAL mode. Writes go through one
//! write connection (SQLite has one writer anyway) with `synchronous=FULL`, so a commit
//! that returned is on disk. Writes commit in groups (see `writer`): concurrent pushes
//! share one fsync, and a lone push commits on its own thread without a hand-off. Reads
//! use a small pool of connections that never block writes.

mod accounts;
mod audit;
mod cache;
mod content;
mod gc;
mod store_impl;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};

use super::{StoreError, StoreResult};

const SCHEMA: &str = include_str!("schema.sql");
const READERS: usize = 8;

/// What a write may leave stale in the read caches.
#[derive(Clone, Copy)]
enum Stale {
    /// Blob links or blobs removed.
    Blobs,
    /// Projects changed or removed.
    Projects,
    BlobsAndProjects,
}

/// Metadata in one SQLite database file.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: writer::Writer,
    readers: Mutex<Vec<Connection>>,
    blob_cache: cache::BlobCache,
    project_cache: cache::ProjectCache,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.set_prepared_statement_cache_capacity(64);
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY;",
    )
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies the schema.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        configure(&writer)?;
        writer.execute_batch(SCHEMA)?;
        writer.pragma_update(None, "user_version", 1)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            readers.push(Self::reader(path)?);
        }
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: writer::Writer::start(writer)?,
                readers: Mutex::new(readers),
                blob_cache: cache::BlobCache::default(),
                project_cache: cache::ProjectCache::default(),
            }),
        })
    }

    fn reader(path: &Path) -> StoreResult<Connection> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn)?;
        Ok(conn)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on a pooled read connection, off the async runtime: for queries whose
    /// cost grows with the data (listings, audit searches, statistics).
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.read_now(f))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Runs a point lookup (one row by an indexed key, tens of microseconds) on a pooled
    /// read connection right on the calling task: a hop to the blocking pool would cost
    /// more than the query (two thread wake-ups per request on the hot HEAD/GET/push
    /// paths).
    fn read_now<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let pooled = self.inner.readers.lock().ok().and_then(|mut r| r.pop());
        let conn = match pooled {
            Some(c) => c,
            None => Self::reader(&self.inner.path)?,
        };
        let result = f(&conn);
        if let Ok(mut r) = self.inner.readers.lock()
            && r.len() < READERS
        {
            r.push(conn);
        }
        result
    }

    /// Whether `repo` links `digest` (its size, and its bytes when stored inline),
    /// answered from the blob cache when possible.
    fn linked_blob(
        &self,
        repo: &str,
        digest: &bulwark_types::Digest,
    ) -> StoreResult<Option<cache::Descriptor>> {
        self.inner
            .blob_cache
            .get_or_read((repo.to_owned(), digest.clone()), || {
                Ok(self
                    .read_now(|c| content::repo_blob_data(c, repo, digest))?
                    .map(|(size, data)| (size, data.map(bytes::Bytes::from))))
            })
    }

    /// A project, answered from the project cache when possible.
    fn cached_project(&self, name: &str) -> StoreResult<Option<crate::store::Project>> {
        self.inner.project_cache.get_or_read(name.to_owned(), || {
            self.read_now(|c| accounts::project(c, name))
        })
    }

    /// Runs the rare write `f` (on the writer thread), then forgets the cached entries it
    /// may have made stale, whether or not it committed: forgetting is always safe.
    async fn write_stale<T, F>(&self, stale: Stale, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let result = self.write_long(f).await;
        if matches!(stale, Stale::Blobs | Stale::BlobsAndProjects) {
            self.inner.blob_cache.clear();
        }
        if matches!(stale, Stale::Projects | Stale::BlobsAndProjects) {
            self.inner.project_cache.clear();
        }
        result
    }

    /// Runs the short write `f` atomically in the next group commit (on the calling
    /// thread when the write connection is free); returns once it is durable.
    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.inner.writer.run(writer::Lane::Short, f).await
    }

    /// Like [`Self::write`] for writes whose cost grows with the data (garbage
    /// collection, audit batches, cascading deletes): always on the writer thread.
    async fn write_long<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.inner.writer.run(writer::Lane::Long, f).await
    }
}

/// `query_row` through the connection's prepared-statement cache: hot lookups (blob and
/// manifest existence, project and member checks) skip SQL parsing after the first call.
fn row<T, P: rusqlite::Params>(
    c: &Connection,
    sql: &str,
    params: P,
    f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    c.prepare_cached(sql)?.query_row(params, f)
}

/// `execute` through the prepared-statement cache (the writer runs the same few
/// statements for every push).
fn exec<P: rusqlite::Params>(c: &Connection, sql: &str, params: P) -> rusqlite::Result<usize> {
    c.prepare_cached(sql)?.execute(params)
}

/// Maps "no rows" to `None`.
fn optional<T>(r: rusqlite::Result<T>) -> StoreResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Fails with `NotFound(what)` when an UPDATE/DELETE touched no row.
fn touched(rows: usize, what: impl FnOnce() -> String) -> StoreResult<()> {
    if rows == 0 {
        Err(StoreError::NotFound(what()))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use bulwark_types::Digest;

    use super::*;
    use crate::store::MetaStore;

    async fn store_with(
        repo: &str,
        blobs: &[(&Digest, &[u8])],
    ) -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(&dir.path().join("meta.db")).unwrap();
        s.create_project(crate::names::project_of(repo), false)
            .await
            .unwrap();
        for (d, data) in blobs {
            s.put_inline_blob(repo, d, data.to_vec()).await.unwrap();
        }
        (dir, s)
    }

    fn digest(n: u8) -> Digest {
        Digest::from_hash(&[n; 32]).unwrap()
    }

    /// Every removal is seen by the next lookup, although the lookups before it were
    /// answered from the blob cache.
    #[tokio::test]
    async fn cached_blob_lookups_never_outlive_a_removal() {
        let (a, b, c) = (digest(1), digest(2), digest(3));
        let (_dir, s) = store_with("dev/app", &[(&a, b"aa"), (&b, b"bbb"), (&c, b"c")]).await;
        for _ in 0..2 {
            assert_eq!(s.repo_blob("dev/app", &a).await.unwrap(), Some(2));
            let (size, data) = s.repo_blob_data("dev/app", &b).await.unwrap().unwrap();
            assert_eq!((size, data.as_deref()), (3, Some(&b"bbb"[..])));
        }
        assert!(
            s.inner
                .blob_cache
                .get(&("dev/app".to_owned(), a.clone()))
                .is_some()
        );

        assert!(s.unlink_blob("dev/app", &a).await.unwrap());
        assert_eq!(s.repo_blob("dev/app", &a).await.unwrap(), None);
        assert_eq!(s.repo_blob("dev/app", &b).await.unwrap(), Some(3));

        // Garbage collection with a cutoff in the future drops every unreferenced link.
        s.repo_blob("dev/app", &c).await.unwrap();
        s.gc_collect(i64::MAX, true).await.unwrap();
        assert_eq!(s.repo_blob("dev/app", &c).await.unwrap(), None);
        assert_eq!(s.repo_blob_data("dev/app", &b).await.unwrap(), None);

        for whole_project in [false, true] {
            s.put_inline_blob("dev/app", &a, b"aa".to_vec())
                .await
                .unwrap();
            assert_eq!(s.repo_blob("dev/app", &a).await.unwrap(), Some(2));
            if whole_project {
                s.delete_project("dev").await.unwrap();
            } else {
                s.delete_repository("dev/app").await.unwrap();
            }
            assert_eq!(s.repo_blob("dev/app", &a).await.unwrap(), None);
        }
    }

    /// Project lookups come from the cache until a change to the project commits.
    #[tokio::test]
    async fn cached_projects_follow_every_change() {
        let (_dir, s) = store_with("dev/app", &[]).await;
        for _ in 0..2 {
            let p = s.project("dev").await.unwrap().unwrap();
            assert!(!p.public);
        }
        s.set_project_public("dev", true).await.unwrap();
        assert!(s.project("dev").await.unwrap().unwrap().public);
        s.set_immutable_rules("dev", vec!["v*".into()])
            .await
            .unwrap();
        assert_eq!(
            s.project("dev").await.unwrap().unwrap().immutable_tags,
            vec!["v*".to_string()]
        );
        s.delete_project("dev").await.unwrap();
        assert!(s.project("dev").await.unwrap().is_none());
        s.create_project("dev", false).await.unwrap();
        assert!(!s.project("dev").await.unwrap().unwrap().public);
    }
}
