//! Repositories, blob links, manifests, tags and referrers.

use bulwark_types::Digest;
use rusqlite::{Connection, OptionalExtension, params};

use super::{exec, optional, row};
use crate::clock::now;
use crate::store::{
    ManifestRef, NewManifest, Page, Referrer, RepoSummary, StoreError, StoreResult, StoredManifest,
    TagInfo,
};

use crate::names::project_of;

// The hot point lookups (HEAD, GET, push checks).
const REPO_ID: &str = "SELECT id FROM repositories WHERE name = ?1";
const BLOB_DATA: &str = "SELECT size, data FROM blobs WHERE digest = ?1";
const LINKED: &str = "SELECT 1 FROM repo_blobs WHERE repo_id = ?1 AND digest = ?2";
const BLOB_SIZE: &str = "SELECT size FROM blobs WHERE digest = ?1";
const TAG_DIGEST: &str = "SELECT digest FROM tags WHERE repo_id = ?1 AND name = ?2";
const MANIFEST: &str =
    "SELECT media_type, content FROM manifests WHERE repo_id = ?1 AND digest = ?2";

fn repo_id(c: &Connection, repo: &str) -> StoreResult<Option<i64>> {
    optional(row(c, REPO_ID, [repo], |r| r.get(0)))
}

/// The repository's id, creating the repository when its project exists.
fn ensure_repo(c: &Connection, repo: &str) -> StoreResult<i64> {
    if let Some(id) = repo_id(c, repo)? {
        return Ok(id);
    }
    let project = project_of(repo);
    let exists: Option<i64> = optional(row(
        c,
        "SELECT 1 FROM projects WHERE name = ?1",
        [project],
        |r| r.get(0),
    ))?;
    if exists.is_none() {
        return Err(StoreError::NotFound(format!("project {project}")));
    }
    let t = now();
    exec(
        c,
        "INSERT INTO repositories(name, project, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        params![repo, project, t],
    )?;
    Ok(c.last_insert_rowid())
}

pub(super) fn link_blob(c: &Connection, repo: &str, digest: &Digest, size: u64) -> StoreResult<()> {
    record_blob(c, repo, digest, size, None)
}

pub(super) fn put_inline_blob(
    c: &Connection,
    repo: &str,
    digest: &Digest,
    data: &[u8],
) -> StoreResult<()> {
    record_blob(c, repo, digest, data.len() as u64, Some(data))
}

/// Records a blob (with its bytes when stored inline) and links it to `repo`.
fn record_blob(
    c: &Connection,
    repo: &str,
    digest: &Digest,
    size: u64,
    data: Option<&[u8]>,
) -> StoreResult<()> {
    let id = ensure_repo(c, repo)?;
    let t = now();
    let d = digest.to_string();
    exec(
        c,
        "INSERT INTO blobs(digest, size, created_at, data) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(digest) DO NOTHING",
        params![d, size, t, data],
    )?;
    exec(
        c,
        "INSERT INTO repo_blobs(repo_id, digest, linked_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(repo_id, digest) DO UPDATE SET linked_at = excluded.linked_at",
        params![id, d, t],
    )?;
    Ok(())
}

// Point lookups below are chains of single-table queries on purpose: SQLite (built with
// STAT4, as rusqlite bundles it) re-prepares a cached *join* whenever its bound values
// change, which cost more than the lookup itself on every HEAD and GET.

/// Whether `repo` links `digest`: its size and, for small blobs, the bytes stored inline.
pub(super) fn repo_blob_data(
    c: &Connection,
    repo: &str,
    digest: &Digest,
) -> StoreResult<Option<(u64, Option<Vec<u8>>)>> {
    if !linked(c, repo, digest)? {
        return Ok(None);
    }
    optional(row(c, BLOB_DATA, [digest.to_string()], |r| {
        Ok((r.get(0)?, r.get(1)?))
    }))
}

fn linked(c: &Connection, repo: &str, digest: &Digest) -> StoreResult<bool> {
    let Some(id) = repo_id(c, repo)? else {
        return Ok(false);
    };
    let found: Option<i64> = optional(row(c, LINKED, params![id, digest.to_string()], |r| {
        r.get(0)
    }))?;
    Ok(found.is_some())
}

pub(super) fn blob(c: &Connection, digest: &Digest) -> StoreResult<Option<u64>> {
    optional(row(c, BLOB_SIZE, [digest.to_string()], |r| r.get(0)))
}

pub(super) fn blob_repositories(
    c: &Connection,
    digest: &Digest,
    limit: usize,
) -> StoreResult<Vec<String>> {
    let mut st = c.prepare(
        "SELECT r.name FROM repo_blobs rb JOIN repositories r ON r.id = rb.repo_id
         WHERE rb.digest = ?1 ORDER BY r.name LIMIT ?2",
    )?;
    let rows = st.query_map(
        params![digest.to_string(), i64::try_from(limit).unwrap_or(i64::MAX)],
        |r| r.get(0),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn unlink_blob(c: &Connection, repo: &str, digest: &Digest) -> StoreResult<bool> {
    let Some(id) = repo_id(c, repo)? else {
        return Ok(false);
    };
    let n = exec(
        c,
        "DELETE FROM repo_blobs WHERE repo_id = ?1 AND digest = ?2",
        params![id, digest.to_string()],
    )?;
    Ok(n > 0)
}

fn page_clause(page: &Page) -> (String, i64) {
    let limit = page.n.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
    (page.last.clone().unwrap_or_default(), limit)
}

pub(super) fn repositories(c: &Connection, page: &Page) -> StoreResult<Vec<String>> {
    let (last, limit) = page_clause(page);
    let mut st =
        c.prepare("SELECT name FROM repositories WHERE name > ?1 ORDER BY name LIMIT ?2")?;
    let rows = st.query_map(params![last, limit], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn repository_summaries(c: &Connection, project: &str) -> StoreResult<Vec<RepoSummary>> {
    let mut st = c.prepare(
        "SELECT r.name,
                (SELECT COUNT(*) FROM tags t WHERE t.repo_id = r.id),
                (SELECT COUNT(*) FROM manifests m WHERE m.repo_id = r.id),
                r.updated_at
         FROM repositories r WHERE r.project = ?1 ORDER BY r.name",
    )?;
    let rows = st.query_map([project], |r| {
        Ok(RepoSummary {
            name: r.get(0)?,
            tags: r.get(1)?,
            manifests: r.get(2)?,
            updated_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn delete_repository(c: &Connection, repo: &str) -> StoreResult<()> {
    let n = exec(c, "DELETE FROM repositories WHERE name = ?1", [repo])?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("repository {repo}")));
    }
    Ok(())
}

/// `*` matches any run of characters, `?` one character; everything else literally.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&pc) if pc == '?' || Some(&pc) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

/// The immutability rule of `repo`'s project that covers `tag`, if any.
fn immutable_rule(c: &Connection, repo: &str, tag: &str) -> StoreResult<Option<String>> {
    let rules: Option<String> = optional(row(
        c,
        "SELECT immutable_tags FROM projects WHERE name = ?1",
        [project_of(repo)],
        |r| r.get(0),
    ))?;
    let rules: Vec<String> = rules
        .and_then(|r| serde_json::from_str(&r).ok())
        .unwrap_or_default();
    Ok(rules.into_iter().find(|rule| glob_match(rule, tag)))
}

pub(super) fn put_manifest(
    c: &Connection,
    repo: &str,
    m: &NewManifest,
    tag: Option<&str>,
) -> StoreResult<()> {
    let id = ensure_repo(c, repo)?;
    let mut missing = Vec::new();
    for b in &m.blobs {
        let found: Option<i64> =
            row(c, LINKED, params![id, b.to_string()], |r| r.get(0)).optional()?;
        if found.is_none() {
            missing.push(b.to_string());
        }
    }
    for child in &m.manifests {
        let found: Option<i64> = row(
            c,
            "SELECT 1 FROM manifests WHERE repo_id = ?1 AND digest = ?2",
            params![id, child.to_string()],
            |r| r.get(0),
        )
        .optional()?;
        if found.is_none() {
            missing.push(child.to_string());
        }
    }
    if !missing.is_empty() {
        return Err(StoreError::MissingReferences(missing));
    }
    let digest = m.digest.to_string();
    if let Some(tag) = tag {
        let current: Option<String> =
            row(c, TAG_DIGEST, params![id, tag], |r| r.get(0)).optional()?;
        if current.as_deref().is_some_and(|cur| cur != digest)
            && let Some(rule) = immutable_rule(c, repo, tag)?
        {
            return Err(StoreError::TagImmutable {
                tag: tag.to_string(),
                rule,
            });
        }
    }
    let t = now();
    let annotations = m
        .annotations
        .as_ref()
        .and_then(|a| serde_json::to_string(a).ok());
    exec(c, "INSERT INTO manifests(repo_id, digest, media_type, artifact_type, subject, annotations, size, content, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(repo_id, digest) DO NOTHING",
        params![
            id,
            digest,
            m.media_type,
            m.artifact_type,
            m.subject.as_ref().map(ToString::to_string),
            annotations,
            m.content.len(),
            m.content,
            t
        ],
    )?;
    let mut refs = c.prepare_cached(
        "INSERT INTO manifest_refs(repo_id, manifest, target, kind) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
    )?;
    for b in &m.blobs {
        refs.execute(params![id, digest, b.to_string(), "blob"])?;
    }
    for child in &m.manifests {
        refs.execute(params![id, digest, child.to_string(), "manifest"])?;
    }
    if let Some(tag) = tag {
        exec(c, "INSERT INTO tags(repo_id, name, digest, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(repo_id, name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at",
            params![id, tag, digest, t],
        )?;
    }
    exec(
        c,
        "UPDATE repositories SET updated_at = ?2 WHERE id = ?1",
        params![id, t],
    )?;
    Ok(())
}

pub(super) fn manifest(
    c: &Connection,
    repo: &str,
    reference: &ManifestRef,
) -> StoreResult<Option<StoredManifest>> {
    let Some(id) = repo_id(c, repo)? else {
        return Ok(None);
    };
    let digest = match reference {
        ManifestRef::Digest(d) => d.to_string(),
        ManifestRef::Tag(tag) => {
            let found: Option<String> =
                optional(row(c, TAG_DIGEST, params![id, tag], |r| r.get(0)))?;
            match found {
                Some(d) => d,
                None => return Ok(None),
            }
        }
    };
    let found: Option<(String, Vec<u8>)> = optional(row(c, MANIFEST, params![id, digest], |r| {
        Ok((r.get(0)?, r.get(1)?))
    }))?;
    let Some((media_type, content)) = found else {
        return Ok(None);
    };
    let digest = digest
        .parse()
        .map_err(|e| StoreError::Database(format!("stored digest: {e}")))?;
    Ok(Some(StoredManifest {
        digest,
        media_type,
        content,
    }))
}

pub(super) fn delete_manifest(c: &Connection, repo: &str, digest: &Digest) -> StoreResult<bool> {
    let Some(id) = repo_id(c, repo)? else {
        return Ok(false);
    };
    let d = digest.to_string();
    let mut st = c.prepare("SELECT name FROM tags WHERE repo_id = ?1 AND digest = ?2")?;
    let tags: Vec<String> = st
        .query_map(params![id, d], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for tag in tags {
        if let Some(rule) = immutable_rule(c, repo, &tag)? {
            return Err(StoreError::TagImmutable { tag, rule });
        }
    }
    let n = exec(
        c,
        "DELETE FROM manifests WHERE repo_id = ?1 AND digest = ?2",
        params![id, d],
    )?;
    Ok(n > 0)
}

pub(super) fn delete_tag(c: &Connection, repo: &str, tag: &str) -> StoreResult<bool> {
    let Some(id) = repo_id(c, repo)? else {
        return Ok(false);
    };
    if let Some(rule) = immutable_rule(c, repo, tag)? {
        let exists: Option<i64> = row(
            c,
            "SELECT 1 FROM tags WHERE repo_id = ?1 AND name = ?2",
            params![id, tag],
            |r| r.get(0),
        )
        .optional()?;
        if exists.is_some() {
            return Err(StoreError::TagImmutable {
                tag: tag.to_string(),
                rule,
            });
        }
    }
    let n = exec(
        c,
        "DELETE FROM tags WHERE repo_id = ?1 AND name = ?2",
        params![id, tag],
    )?;
    Ok(n > 0)
}

pub(super) fn tags(c: &Connection, repo: &str, page: &Page) -> StoreResult<Option<Vec<String>>> {
    let Some(id) = repo_id(c, repo)? else {
        return Ok(None);
    };
    let (last, limit) = page_clause(page);
    let mut st =
        c.prepare("SELECT name FROM tags WHERE repo_id = ?1 AND name > ?2 ORDER BY name LIMIT ?3")?;
    let rows = st.query_map(params![id, last, limit], |r| r.get(0))?;
    Ok(Some(rows.collect::<Result<_, _>>()?))
}

pub(super) fn tag_details(c: &Connection, repo: &str) -> StoreResult<Vec<TagInfo>> {
    let mut st = c.prepare(
        "SELECT t.name, t.digest, t.updated_at FROM tags t JOIN repositories r ON r.id = t.repo_id
         WHERE r.name = ?1 ORDER BY t.name",
    )?;
    let rows = st.query_map([repo], |r| {
        Ok(TagInfo {
            name: r.get(0)?,
            digest: r.get(1)?,
            updated_at: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn referrers(
    c: &Connection,
    repo: &str,
    subject: &Digest,
) -> StoreResult<Vec<Referrer>> {
    let mut st = c.prepare(
        "SELECT m.media_type, m.digest, m.size, m.artifact_type, m.annotations FROM manifests m
         JOIN repositories r ON r.id = m.repo_id WHERE r.name = ?1 AND m.subject = ?2 ORDER BY m.created_at, m.digest",
    )?;
    let rows = st.query_map(params![repo, subject.to_string()], |r| {
        let annotations: Option<String> = r.get(4)?;
        Ok(Referrer {
            media_type: r.get(0)?,
            digest: r.get(1)?,
            size: r.get(2)?,
            artifact_type: r.get(3)?,
            annotations: annotations.and_then(|a| serde_json::from_str(&a).ok()),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use rusqlite::StatementStatus;

    /// The lookups behind every HEAD and GET are planned once per connection. The old
    /// three-table join, planned the same way, is re-prepared for each new digest: the
    /// reason they are single-table queries now.
    #[test]
    fn hot_lookups_are_prepared_once() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(super::super::SCHEMA).unwrap();
        super::super::accounts::create_project(&c, "p", false).unwrap();
        let digests: Vec<Digest> = (0..20u8)
            .map(|i| Digest::from_hash(&[i; 32]).unwrap())
            .collect();
        for d in &digests {
            put_inline_blob(&c, "p/r", d, &[1, 2, 3]).unwrap();
        }
        let join = "SELECT b.size FROM repo_blobs rb JOIN repositories r ON r.id = rb.repo_id
                    JOIN blobs b ON b.digest = rb.digest WHERE r.name = ?1 AND rb.digest = ?2";
        for d in &digests {
            assert_eq!(blob(&c, d).unwrap(), Some(3));
            assert_eq!(
                repo_blob_data(&c, "p/r", d).unwrap(),
                Some((3, Some(vec![1, 2, 3])))
            );
            assert!(
                manifest(&c, "p/r", &ManifestRef::Digest(d.clone()))
                    .unwrap()
                    .is_none()
            );
            assert!(
                manifest(&c, "p/r", &ManifestRef::Tag("t".into()))
                    .unwrap()
                    .is_none()
            );
            let size: i64 = row(&c, join, params!["p/r", d.to_string()], |r| r.get(0)).unwrap();
            assert_eq!(size, 3);
        }
        assert_eq!(repo_blob_data(&c, "p/other", &digests[0]).unwrap(), None);
        for sql in [REPO_ID, LINKED, BLOB_SIZE, BLOB_DATA, TAG_DIGEST, MANIFEST] {
            let st = c.prepare_cached(sql).unwrap();
            assert_eq!(st.get_status(StatementStatus::RePrepare), 0, "{sql}");
            assert!(st.get_status(StatementStatus::Run) >= 20, "{sql}");
        }
        let st = c.prepare_cached(join).unwrap();
        assert!(st.get_status(StatementStatus::RePrepare) > 0);
    }

    #[test]
    fn globs() {
        assert!(glob_match("v*", "v1.2.3"));
        assert!(glob_match("v*", "v"));
        assert!(!glob_match("v*", "latest"));
        assert!(glob_match("release-?", "release-1"));
        assert!(!glob_match("release-?", "release-10"));
        assert!(glob_match("*-stable", "1.0-stable"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a*b*c", "aXbY"));
        assert!(glob_match("a*b*c", "aXbYc"));
    }
}
