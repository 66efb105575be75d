//! The single writer thread with group commit.

use std::sync::mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::store::{StoreError, StoreResult};

/// Most writes folded into one transaction.
const GROUP: usize = 256;

/// Runs against the open transaction; returns what to do once the commit outcome is known.
type Job = Box<dyn FnOnce(&Connection) -> Box<dyn FnOnce(Result<(), String>) + Send> + Send>;

/// Handle to the writer thread.
pub(super) struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    pub(super) fn start(conn: Connection) -> StoreResult<Self> {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("bulwark-sqlite-writer".into())
            .spawn(move || run(conn, rx))
            .map_err(|e| StoreError::Task(format!("cannot start the writer thread: {e}")))?;
        Ok(Self { tx })
    }

    pub(super) async fn run<T, F>(&self, f: F) -> StoreResult<T>
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
        self.tx
            .send(job)
            .map_err(|_| StoreError::Task("the writer thread has stopped".into()))?;
        wait.await
            .map_err(|_| StoreError::Task("the writer thread dropped a write".into()))?
    }
}

fn in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> StoreResult<T>,
) -> StoreResult<T> {
    conn.execute_batch("SAVEPOINT job")?;
    match f(conn) {
        Ok(v) => {
            conn.execute_batch("RELEASE job")?;
            Ok(v)
        }
        Err(e) => {
            // Undo this write only; the rest of the group still commits.
            conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
            Err(e)
        }
    }
}

fn run(conn: Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            // Dropping the jobs answers their callers with an error.
            tracing::error!(error = %e, writes = group.len(), "cannot begin a write transaction");
            continue;
        }
        let finishers: Vec<_> = group.into_iter().map(|job| job(&conn)).collect();
        let commit = conn.execute_batch("COMMIT").map_err(|e| e.to_string());
        if commit.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for finish in finishers {
            finish(commit.clone());
        }
    }
}
