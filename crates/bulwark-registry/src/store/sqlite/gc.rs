//! Garbage collection of metadata. A blob is alive while a manifest references it, or
//! while it was linked or created after the cutoff (an upload whose manifest has not
//! arrived yet). Everything else is dropped in one transaction; the caller then deletes
//! the returned blobs from storage.

use std::collections::HashSet;

use rusqlite::{Connection, params};

use super::{exec, row};
use crate::store::{GcPlan, StorageStats, StoreResult};

pub(super) fn collect(c: &Connection, cutoff: i64, delete_untagged: bool) -> StoreResult<GcPlan> {
    let mut plan = GcPlan::default();
    if delete_untagged {
        // Untagged manifests that no index includes and that are not referrers of a
        // manifest still present.
        plan.manifests_deleted = exec(c, "DELETE FROM manifests WHERE created_at < ?1
               AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.repo_id = manifests.repo_id AND t.digest = manifests.digest)
               AND NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.repo_id = manifests.repo_id
                               AND r.target = manifests.digest AND r.kind = 'manifest')
               AND (subject IS NULL OR NOT EXISTS (SELECT 1 FROM manifests s
                               WHERE s.repo_id = manifests.repo_id AND s.digest = manifests.subject))",
            [cutoff],
        )? as u64;
    }
    plan.links_removed = exec(
        c,
        "DELETE FROM repo_blobs WHERE linked_at < ?1
           AND NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.repo_id = repo_blobs.repo_id
                           AND r.target = repo_blobs.digest)",
        [cutoff],
    )? as u64;
    let mut st = c.prepare(
        "SELECT digest, size FROM blobs b WHERE created_at < ?1
           AND NOT EXISTS (SELECT 1 FROM repo_blobs rb WHERE rb.digest = b.digest)
           AND NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.target = b.digest)",
    )?;
    let dead: Vec<(String, u64)> = st
        .query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut del = c.prepare_cached("DELETE FROM blobs WHERE digest = ?1")?;
    for (digest, _) in &dead {
        del.execute(params![digest])?;
    }
    plan.blobs = dead;
    Ok(plan)
}

pub(super) fn known_blobs(c: &Connection) -> StoreResult<HashSet<String>> {
    let mut st = c.prepare("SELECT digest FROM blobs")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn stats(c: &Connection) -> StoreResult<StorageStats> {
    Ok(row(
        c,
        "SELECT (SELECT COUNT(*) FROM repositories), (SELECT COUNT(*) FROM manifests),
                (SELECT COUNT(*) FROM tags), (SELECT COUNT(*) FROM blobs),
                (SELECT COALESCE(SUM(size), 0) FROM blobs)",
        [],
        |r| {
            Ok(StorageStats {
                repositories: r.get(0)?,
                manifests: r.get(1)?,
                tags: r.get(2)?,
                blobs: r.get(3)?,
                blob_bytes: r.get(4)?,
                ..StorageStats::default()
            })
        },
    )?)
}
