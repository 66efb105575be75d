//! The audit log: handlers hand events to an [`AuditSink`]; a background task writes them
//! in batches so that a pull never waits for a disk write.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::clock::now_millis;
use crate::store::{AuditEvent, MetaStore};

const QUEUE: usize = 65_536;
const BATCH: usize = 512;

/// Sends audit events to the writer task.
#[derive(Clone)]
pub struct AuditSink {
    tx: mpsc::Sender<AuditEvent>,
}

/// One action to record; `time` is filled in by [`AuditSink::record`].
pub struct Entry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub resource: &'a str,
    pub project: Option<&'a str>,
    pub outcome: &'a str,
    pub client: Option<String>,
    pub detail: Option<String>,
}

impl AuditSink {
    /// Starts the writer task.
    pub fn start(meta: Arc<dyn MetaStore>) -> Self {
        let (tx, mut rx) = mpsc::channel::<AuditEvent>(QUEUE);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            while rx.recv_many(&mut batch, BATCH).await > 0 {
                // Let a burst accumulate briefly, then write it in one transaction.
                tokio::time::sleep(Duration::from_millis(5)).await;
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(e) => batch.push(e),
                        Err(_) => break,
                    }
                }
                let events = std::mem::take(&mut batch);
                let n = events.len();
                if let Err(e) = meta.record_audit(events).await {
                    tracing::error!(error = %e, events = n, "audit events could not be written");
                }
            }
        });
        Self { tx }
    }

    /// Queues an event. Never blocks; when the queue is full the event is logged instead.
    pub fn record(&self, e: Entry<'_>) {
        let event = AuditEvent {
            id: 0,
            time: now_millis(),
            actor: e.actor.to_string(),
            action: e.action.to_string(),
            resource: e.resource.to_string(),
            project: e.project.map(str::to_string),
            outcome: e.outcome.to_string(),
            client: e.client,
            detail: e.detail,
        };
        if let Err(err) = self.tx.try_send(event) {
            tracing::warn!(error = %err, "audit queue full; event dropped from the database");
        }
    }
}
