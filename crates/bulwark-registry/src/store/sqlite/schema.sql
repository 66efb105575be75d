-- Bulwark registry metadata, schema version 1.
CREATE TABLE IF NOT EXISTS users (
    name          TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    sysadmin      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS projects (
    name           TEXT PRIMARY KEY,
    public         INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    immutable_tags TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS members (
    project TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    user    TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    PRIMARY KEY (project, user)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS robots (
    name          TEXT PRIMARY KEY,
    project       TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    actions       TEXT NOT NULL,
    secret_digest TEXT NOT NULL,
    expires_at    INTEGER,
    created_at    INTEGER NOT NULL,
    description   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS repositories (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    project    TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- `data` holds small blobs inline (written in the same transaction as their link);
-- larger blobs live in the blob store and have `data` NULL.
CREATE TABLE IF NOT EXISTS blobs (
    digest     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    data       BLOB
);
CREATE TABLE IF NOT EXISTS repo_blobs (
    repo_id   INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    digest    TEXT NOT NULL REFERENCES blobs(digest),
    linked_at INTEGER NOT NULL,
    PRIMARY KEY (repo_id, digest)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS repo_blobs_digest ON repo_blobs(digest);
CREATE TABLE IF NOT EXISTS manifests (
    repo_id       INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    digest        TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    artifact_type TEXT,
    subject       TEXT,
    annotations   TEXT,
    size          INTEGER NOT NULL,
    content       BLOB NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (repo_id, digest)
);
CREATE INDEX IF NOT EXISTS manifests_subject ON manifests(repo_id, subject) WHERE subject IS NOT NULL;
CREATE TABLE IF NOT EXISTS manifest_refs (
    repo_id  INTEGER NOT NULL,
    manifest TEXT NOT NULL,
    target   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    PRIMARY KEY (repo_id, manifest, target),
    FOREIGN KEY (repo_id, manifest) REFERENCES manifests(repo_id, digest) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS manifest_refs_target ON manifest_refs(target, repo_id);
CREATE TABLE IF NOT EXISTS tags (
    repo_id    INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    digest     TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (repo_id, name),
    FOREIGN KEY (repo_id, digest) REFERENCES manifests(repo_id, digest) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_digest ON tags(repo_id, digest);
CREATE TABLE IF NOT EXISTS audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    time     INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    resource TEXT NOT NULL,
    project  TEXT,
    outcome  TEXT NOT NULL,
    client   TEXT,
    detail   TEXT
);
CREATE INDEX IF NOT EXISTS audit_time ON audit(time);
