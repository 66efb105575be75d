//! The one write connection, with group commit.
//!
//! Every write is queued as a job. Whoever holds the connection takes the waiting jobs,
//! runs each in its own savepoint (a failing write rolls back alone), commits once (one
//! fsync for the group) and only then answers them all.
//!
//! Two kinds of holder take turns on the connection:
//! - the caller itself, for short writes (a blob link, a manifest and its tag): when the
//!   connection is free it commits right away on its own thread, together with the other
//!   short writes waiting by then (for a few groups at most). A lone push then costs no
//!   hand-off to another thread and back, which on a virtual machine (where waking an
//!   idle vCPU means a trip through the hypervisor) is worth as much as the SQLite work.
//! - a background thread, for long writes (garbage collection, audit batches, repository
//!   deletion) and for the short writes a caller left behind.
//!
//! A short write that finds the connection busy is left to its holder. Every holder
//! looks at the queue after each commit and again after letting the connection go; a
//! caller that stops with jobs still queued wakes the background thread, and the
//! background thread sleeps only when the queue is empty. So under load the writes that
//! arrive during one commit are committed together in the next (one fsync for all), and
//! no job is ever left waiting without someone bound to take it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Instant;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::store::{StoreError, StoreResult};

/// Most writes folded into one transaction.
const GROUP: usize = 256;
/// Most groups a caller commits on its own thread before leaving the rest to the
/// background thread (an async worker should not stay blocked on fsyncs for long).
const ROUNDS: usize = 4;

/// Runs against the open transaction; returns what to do once the commit outcome is known.
type Job = Box<dyn FnOnce(&Connection) -> Finish + Send>;
type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;

/// Which thread may run a write.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Lane {
    /// Short: may commit on the caller's thread when the connection is free.
    Short,
    /// Long (its cost grows with the data): always on the background thread, so that it
    /// never holds up an async worker.
    Long,
}

#[derive(Default)]
struct Queue {
    short: Vec<Job>,
    long: Vec<Job>,
    stop: bool,
}

struct Shared {
    conn: Mutex<Connection>,
    queue: Mutex<Queue>,
    /// Signals the background thread that the queue is not empty (or that it must stop).
    work: Condvar,
    stats: CommitStats,
}

/// Handle to the write connection. Dropping it stops the background thread once the
/// queue is empty.
pub(super) struct Writer {
    shared: Arc<Shared>,
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Ok(mut q) = self.shared.queue.lock() {
            q.stop = true;
        }
        self.shared.work.notify_all();
    }
}

impl Writer {
    pub(super) fn start(conn: Connection) -> StoreResult<Self> {
        let shared = Arc::new(Shared {
            conn: Mutex::new(conn),
            queue: Mutex::new(Queue::default()),
            work: Condvar::new(),
            stats: CommitStats::default(),
        });
        let background = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("bulwark-sqlite-writer".into())
            .spawn(move || background.run_background())
            .map_err(|e| StoreError::Task(format!("cannot start the writer thread: {e}")))?;
        Ok(Self { shared })
    }

    /// Commit counters so far.
    pub(super) fn stats(&self) -> (u64, u64, f64) {
        self.shared.stats.snapshot()
    }

    pub(super) async fn run<T, F>(&self, lane: Lane, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (done, wait) = oneshot::channel::<StoreResult<T>>();
        let job: Job = Box::new(move |conn| {
            let result = in_savepoint(conn, f);
            Box::new(move |commit: Result<(), String>| {
                let outcome = match (result, commit) {
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(e)) => Err(StoreError::Database(e)),
                    (Ok(v), Ok(())) => Ok(v),
                };
                let _ = done.send(outcome);
            })
        });
        {
            let mut q = self.shared.lock_queue()?;
            if q.stop {
                return Err(StoreError::Task("the store is closed".into()));
            }
            match lane {
                Lane::Short => q.short.push(job),
                Lane::Long => q.long.push(job),
            }
        }
        match lane {
            Lane::Short => self.shared.commit_here(),
            Lane::Long => self.shared.work.notify_one(),
        }
        wait.await
            .map_err(|_| StoreError::Task("the writer dropped a write".into()))?
    }
}

impl Shared {
    fn lock_queue(&self) -> StoreResult<MutexGuard<'_, Queue>> {
        self.queue
            .lock()
            .map_err(|_| StoreError::Task("the write queue is poisoned".into()))
    }

    /// On the caller's thread: while the connection is free and short writes are
    /// waiting (this caller's among them), commits them, for at most [`ROUNDS`] groups;
    /// then hands whatever is still queued to the background thread. A caller that finds
    /// the connection busy leaves its write to the holder, which looks at the queue again
    /// after every commit and once more after letting the connection go.
    fn commit_here(&self) {
        for _ in 0..ROUNDS {
            let conn = match self.conn.try_lock() {
                Ok(conn) => conn,
                Err(TryLockError::Poisoned(p)) => p.into_inner(),
                Err(TryLockError::WouldBlock) => return,
            };
            let group = match self.queue.lock() {
                Ok(mut q) => take(&mut q.short, GROUP),
                Err(_) => Vec::new(),
            };
            if group.is_empty() {
                break;
            }
            commit_group(&conn, &self.stats, group);
            drop(conn);
            if !self.pending(|q| !q.short.is_empty()) {
                break;
            }
        }
        if self.pending(|q| !q.short.is_empty() || !q.long.is_empty()) {
            self.work.notify_one();
        }
    }

    fn pending(&self, what: impl FnOnce(&Queue) -> bool) -> bool {
        self.queue.lock().map(|q| what(&q)).unwrap_or(false)
    }

    fn run_background(&self) {
        loop {
            let group = {
                let Ok(mut q) = self.queue.lock() else {
                    return;
                };
                while q.short.is_empty() && q.long.is_empty() && !q.stop {
                    q = match self.work.wait(q) {
                        Ok(q) => q,
                        Err(_) => return,
                    };
                }
                if q.short.is_empty() && q.long.is_empty() {
                    return;
                }
                drop(q);
                // A job that panicked poisons the lock, not the connection.
                let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
                // Taken only now, with the connection in hand: jobs that queued while
                // another holder committed join this group.
                let group = match self.queue.lock() {
                    Ok(mut q) => {
                        let mut group = take(&mut q.long, GROUP);
                        let room = GROUP.saturating_sub(group.len()).max(1);
                        group.extend(take(&mut q.short, room));
                        group
                    }
                    Err(_) => return,
                };
                (conn, group)
            };
            let (conn, jobs) = group;
            commit_group(&conn, &self.stats, jobs);
        }
    }
}

fn take(jobs: &mut Vec<Job>, most: usize) -> Vec<Job> {
    if jobs.len() <= most {
        std::mem::take(jobs)
    } else {
        jobs.drain(..most).collect()
    }
}

/// Commit counters, for `/metrics`: how many groups, how many writes in them, and the
/// time from BEGIN to the end of COMMIT (fsync included).
#[derive(Default)]
pub(super) struct CommitStats {
    commits: AtomicU64,
    writes: AtomicU64,
    nanos: AtomicU64,
}

impl CommitStats {
    /// (commits, writes, seconds committing).
    pub(super) fn snapshot(&self) -> (u64, u64, f64) {
        (
            self.commits.load(Ordering::Relaxed),
            self.writes.load(Ordering::Relaxed),
            self.nanos.load(Ordering::Relaxed) as f64 / 1e9,
        )
    }
}

/// Runs `jobs` in one transaction and answers each with the outcome.
fn commit_group(conn: &Connection, stats: &CommitStats, jobs: Vec<Job>) {
    if jobs.is_empty() {
        return;
    }
    let started = Instant::now();
    let writes = jobs.len() as u64;
    if let Err(e) = cached(conn, "BEGIN IMMEDIATE") {
        // Dropping the jobs answers their callers with an error.
        tracing::error!(error = %e, writes = jobs.len(), "cannot begin a write transaction");
        return;
    }
    let finishers: Vec<Finish> = jobs.into_iter().map(|job| job(conn)).collect();
    let commit = cached(conn, "COMMIT").map_err(|e| e.to_string());
    if commit.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    } else {
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        stats.commits.fetch_add(1, Ordering::Relaxed);
        stats.writes.fetch_add(writes, Ordering::Relaxed);
        stats.nanos.fetch_add(nanos, Ordering::Relaxed);
    }
    for finish in finishers {
        finish(commit.clone());
    }
}

/// Runs a statement without parameters through the prepared-statement cache (the
/// transaction and savepoint statements run several times per write).
fn cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> StoreResult<T>,
) -> StoreResult<T> {
    cached(conn, "SAVEPOINT job")?;
    match f(conn) {
        Ok(v) => {
            cached(conn, "RELEASE job")?;
            Ok(v)
        }
        Err(e) => {
            // Undo this write only; the rest of the group still commits.
            conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    fn writer() -> (tempfile::TempDir, Writer) {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("w.db")).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, thread TEXT NOT NULL)")
            .unwrap();
        (dir, Writer::start(conn).unwrap())
    }

    fn insert(k: i64) -> impl FnOnce(&Connection) -> StoreResult<String> + Send + 'static {
        move |c| {
            let thread = std::thread::current().name().unwrap_or("").to_string();
            c.execute("INSERT INTO t (k, thread) VALUES (?1, ?2)", (k, &thread))?;
            Ok(thread)
        }
    }

    fn count(w: &Writer) -> i64 {
        let conn = w.shared.conn.lock().unwrap();
        conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    #[tokio::test]
    async fn a_lone_short_write_commits_on_the_callers_thread_and_long_ones_in_the_background() {
        let (_dir, w) = writer();
        let caller = std::thread::current().name().unwrap_or("").to_string();
        assert_eq!(w.run(Lane::Short, insert(1)).await.unwrap(), caller);
        assert_eq!(
            w.run(Lane::Long, insert(2)).await.unwrap(),
            "bulwark-sqlite-writer"
        );
        assert_eq!(count(&w), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_all_commit_and_a_failing_one_rolls_back_alone() {
        let (_dir, w) = writer();
        let w = Arc::new(w);
        let mut tasks = Vec::new();
        for k in 0..400i64 {
            let w = Arc::clone(&w);
            tasks.push(tokio::spawn(async move {
                let lane = if k % 7 == 0 { Lane::Long } else { Lane::Short };
                // Every 10th write inserts and then fails: its row must not survive,
                // and the writes grouped with it must.
                if k % 10 == 0 {
                    w.run(lane, move |c| {
                        insert(k)(c)?;
                        Err::<String, _>(StoreError::Conflict(format!("write {k} refused")))
                    })
                    .await
                    .map(|_| ())
                } else {
                    w.run(lane, insert(k)).await.map(|_| ())
                }
            }));
        }
        let mut failed = 0;
        for (k, t) in tasks.into_iter().enumerate() {
            match t.await.unwrap() {
                Ok(()) => assert_ne!(k % 10, 0, "write {k} should have failed"),
                Err(StoreError::Conflict(_)) => failed += 1,
                Err(e) => panic!("write {k}: {e}"),
            }
        }
        assert_eq!(failed, 40);
        assert_eq!(count(&w), 360);
        // Every write ran in some committed group; groups hold one or more writes.
        let (commits, writes, secs) = w.stats();
        assert_eq!(writes, 400);
        assert!((1..=400).contains(&commits), "{commits} commits");
        assert!(secs > 0.0);
        let conn = w.shared.conn.lock().unwrap();
        let survivors: i64 = conn
            .query_row("SELECT count(*) FROM t WHERE k % 10 = 0", [], |r| r.get(0))
            .unwrap();
        assert_eq!(survivors, 0);
    }

    #[tokio::test]
    async fn a_write_that_finds_the_connection_busy_is_committed_by_the_holder() {
        let (_dir, w) = writer();
        let w = Arc::new(w);
        // A long write keeps the background thread (and the connection) busy.
        let long = tokio::spawn({
            let w = Arc::clone(&w);
            async move {
                w.run(Lane::Long, |c| {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    insert(1)(c)
                })
                .await
            }
        });
        while w.shared.conn.try_lock().is_ok() {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        let short = w.run(Lane::Short, insert(2)).await.unwrap();
        assert_eq!(short, "bulwark-sqlite-writer");
        assert_eq!(long.await.unwrap().unwrap(), "bulwark-sqlite-writer");
        assert_eq!(count(&w), 2);
    }
}
