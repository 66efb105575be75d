//! Garbage collection that is safe while pushes run. Content younger than the grace
//! period is never collected (its manifest may still be on its way); metadata is
//! collected in one transaction; files are deleted while holding the GC lock exclusively,
//! re-checked against the metadata, so a blob re-uploaded meanwhile is kept.

use bulwark_types::Digest;
use serde::Serialize;

use crate::clock::now;
use crate::state::AppState;

/// What one GC pass did.
#[derive(Debug, Default, Serialize)]
pub struct GcReport {
    pub manifests_deleted: u64,
    pub links_removed: u64,
    pub blobs_deleted: u64,
    pub bytes_freed: u64,
    pub orphan_files_deleted: u64,
    pub uploads_purged: u64,
}

/// Runs one GC pass.
pub async fn run(state: &AppState) -> Result<GcReport, String> {
    let cutoff = now() - i64::try_from(state.config.gc.grace_secs).unwrap_or(i64::MAX / 2);
    let plan = state
        .meta
        .gc_collect(cutoff, state.config.gc.delete_untagged)
        .await
        .map_err(|e| e.to_string())?;
    let mut report = GcReport {
        manifests_deleted: plan.manifests_deleted,
        links_removed: plan.links_removed,
        ..GcReport::default()
    };
    let _exclusive = state.gc_lock.write().await;
    let known = state.meta.known_blobs().await.map_err(|e| e.to_string())?;
    for (digest, size) in &plan.blobs {
        if known.contains(digest) {
            continue;
        }
        // The row is gone: small blobs were stored in it, larger ones also have a file.
        report.blobs_deleted += 1;
        report.bytes_freed += size;
        if let Ok(d) = digest.parse::<Digest>() {
            state.blobs.delete(&d).await.map_err(|e| e.to_string())?;
        }
    }
    // Files no metadata knows: left by a crash between commit and link.
    for (digest, mtime) in state.blobs.list().await.map_err(|e| e.to_string())? {
        if mtime >= cutoff || known.contains(&digest) {
            continue;
        }
        let Ok(d) = digest.parse::<Digest>() else {
            continue;
        };
        if state.blobs.delete(&d).await.map_err(|e| e.to_string())? {
            report.orphan_files_deleted += 1;
        }
    }
    report.uploads_purged = state
        .blobs
        .purge_uploads(cutoff)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(?report, "garbage collection finished");
    Ok(report)
}
