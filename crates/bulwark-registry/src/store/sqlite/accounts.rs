//! Users, projects, memberships and robot accounts.

use bulwark_auth::role::{Action, Role};
use rusqlite::{Connection, params};

use super::{exec, optional, row, touched};
use crate::clock::now;
use crate::store::{Member, NewUser, Project, Robot, StoreError, StoreResult, User};

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

fn insert_or_conflict(
    r: rusqlite::Result<usize>,
    what: impl FnOnce() -> String,
) -> StoreResult<()> {
    match r {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => {
            Err(StoreError::Conflict(format!("{} already exists", what())))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn create_user(c: &Connection, u: &NewUser) -> StoreResult<()> {
    insert_or_conflict(
        exec(
            c,
            "INSERT INTO users(name, password_hash, sysadmin, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![u.name, u.password_hash, u.sysadmin, now()],
        ),
        || format!("user {}", u.name),
    )
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        name: r.get(0)?,
        password_hash: r.get(1)?,
        sysadmin: r.get(2)?,
        created_at: r.get(3)?,
    })
}

pub(super) fn user(c: &Connection, name: &str) -> StoreResult<Option<User>> {
    optional(row(
        c,
        "SELECT name, password_hash, sysadmin, created_at FROM users WHERE name = ?1",
        [name],
        user_row,
    ))
}

pub(super) fn users(c: &Connection) -> StoreResult<Vec<User>> {
    let mut st =
        c.prepare("SELECT name, password_hash, sysadmin, created_at FROM users ORDER BY name")?;
    let rows = st.query_map([], user_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn delete_user(c: &Connection, name: &str) -> StoreResult<()> {
    touched(
        exec(c, "DELETE FROM users WHERE name = ?1", [name])?,
        || format!("user {name}"),
    )
}

pub(super) fn set_password(c: &Connection, name: &str, hash: &str) -> StoreResult<()> {
    touched(
        exec(
            c,
            "UPDATE users SET password_hash = ?2 WHERE name = ?1",
            params![name, hash],
        )?,
        || format!("user {name}"),
    )
}

pub(super) fn set_sysadmin(c: &Connection, name: &str, sysadmin: bool) -> StoreResult<()> {
    touched(
        exec(
            c,
            "UPDATE users SET sysadmin = ?2 WHERE name = ?1",
            params![name, sysadmin],
        )?,
        || format!("user {name}"),
    )
}

pub(super) fn create_project(c: &Connection, name: &str, public: bool) -> StoreResult<()> {
    insert_or_conflict(
        exec(
            c,
            "INSERT INTO projects(name, public, created_at) VALUES (?1, ?2, ?3)",
            params![name, public, now()],
        ),
        || format!("project {name}"),
    )
}

fn project_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Project> {
    let rules: String = r.get(3)?;
    Ok(Project {
        name: r.get(0)?,
        public: r.get(1)?,
        created_at: r.get(2)?,
        immutable_tags: serde_json::from_str(&rules).unwrap_or_default(),
    })
}

pub(super) fn project(c: &Connection, name: &str) -> StoreResult<Option<Project>> {
    optional(row(
        c,
        "SELECT name, public, created_at, immutable_tags FROM projects WHERE name = ?1",
        [name],
        project_row,
    ))
}

pub(super) fn projects(c: &Connection) -> StoreResult<Vec<Project>> {
    let mut st =
        c.prepare("SELECT name, public, created_at, immutable_tags FROM projects ORDER BY name")?;
    let rows = st.query_map([], project_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn delete_project(c: &Connection, name: &str) -> StoreResult<()> {
    touched(
        exec(c, "DELETE FROM projects WHERE name = ?1", [name])?,
        || format!("project {name}"),
    )
}

pub(super) fn set_project_public(c: &Connection, name: &str, public: bool) -> StoreResult<()> {
    touched(
        exec(
            c,
            "UPDATE projects SET public = ?2 WHERE name = ?1",
            params![name, public],
        )?,
        || format!("project {name}"),
    )
}

pub(super) fn set_immutable_rules(
    c: &Connection,
    project: &str,
    rules: &[String],
) -> StoreResult<()> {
    let json = serde_json::to_string(rules).map_err(|e| StoreError::Invalid(e.to_string()))?;
    touched(
        exec(
            c,
            "UPDATE projects SET immutable_tags = ?2 WHERE name = ?1",
            params![project, json],
        )?,
        || format!("project {project}"),
    )
}

pub(super) fn set_member(c: &Connection, project: &str, user: &str, role: Role) -> StoreResult<()> {
    if self::project(c, project)?.is_none() {
        return Err(StoreError::NotFound(format!("project {project}")));
    }
    if self::user(c, user)?.is_none() {
        return Err(StoreError::NotFound(format!("user {user}")));
    }
    exec(
        c,
        "INSERT INTO members(project, user, role) VALUES (?1, ?2, ?3)
         ON CONFLICT(project, user) DO UPDATE SET role = excluded.role",
        params![project, user, role.to_string()],
    )?;
    Ok(())
}

pub(super) fn remove_member(c: &Connection, project: &str, user: &str) -> StoreResult<()> {
    touched(
        exec(
            c,
            "DELETE FROM members WHERE project = ?1 AND user = ?2",
            params![project, user],
        )?,
        || format!("member {user} of project {project}"),
    )
}

pub(super) fn members(c: &Connection, project: &str) -> StoreResult<Vec<Member>> {
    let mut st = c.prepare("SELECT user, role FROM members WHERE project = ?1 ORDER BY user")?;
    let rows = st.query_map([project], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (user, role) = row?;
        if let Ok(role) = role.parse::<Role>() {
            out.push(Member { user, role });
        }
    }
    Ok(out)
}

pub(super) fn member_role(c: &Connection, project: &str, user: &str) -> StoreResult<Option<Role>> {
    let role: Option<String> = optional(row(
        c,
        "SELECT role FROM members WHERE project = ?1 AND user = ?2",
        params![project, user],
        |r| r.get(0),
    ))?;
    Ok(role.and_then(|r| r.parse().ok()))
}

pub(super) fn create_robot(c: &Connection, r: &Robot) -> StoreResult<()> {
    let actions: Vec<String> = r.actions.iter().map(ToString::to_string).collect();
    let actions =
        serde_json::to_string(&actions).map_err(|e| StoreError::Invalid(e.to_string()))?;
    insert_or_conflict(
        exec(c, "INSERT INTO robots(name, project, actions, secret_digest, expires_at, created_at, description)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![r.name, r.project, actions, r.secret_digest, r.expires_at, now(), r.description],
        ),
        || format!("robot {}", r.name),
    )
}

fn robot_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Robot> {
    let actions: String = r.get(2)?;
    let actions: Vec<String> = serde_json::from_str(&actions).unwrap_or_default();
    Ok(Robot {
        name: r.get(0)?,
        project: r.get(1)?,
        actions: actions
            .iter()
            .filter_map(|a| a.parse::<Action>().ok())
            .collect(),
        secret_digest: r.get(3)?,
        expires_at: r.get(4)?,
        created_at: r.get(5)?,
        description: r.get(6)?,
    })
}

const ROBOT_COLUMNS: &str =
    "name, project, actions, secret_digest, expires_at, created_at, description";

pub(super) fn robot(c: &Connection, name: &str) -> StoreResult<Option<Robot>> {
    optional(row(
        c,
        &format!("SELECT {ROBOT_COLUMNS} FROM robots WHERE name = ?1"),
        [name],
        robot_row,
    ))
}

pub(super) fn robots(c: &Connection, project: &str) -> StoreResult<Vec<Robot>> {
    let mut st = c.prepare(&format!(
        "SELECT {ROBOT_COLUMNS} FROM robots WHERE project = ?1 ORDER BY name"
    ))?;
    let rows = st.query_map([project], robot_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn delete_robot(c: &Connection, name: &str) -> StoreResult<()> {
    touched(
        exec(c, "DELETE FROM robots WHERE name = ?1", [name])?,
        || format!("robot {name}"),
    )
}
