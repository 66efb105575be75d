//! The audit log table.

use rusqlite::{Connection, params, params_from_iter, types::Value};

use crate::store::{AuditEvent, AuditQuery, StoreResult};

pub(super) fn record(c: &Connection, events: &[AuditEvent]) -> StoreResult<()> {
    let mut st = c.prepare_cached(
        "INSERT INTO audit(time, actor, action, resource, project, outcome, client, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for e in events {
        st.execute(params![
            e.time, e.actor, e.action, e.resource, e.project, e.outcome, e.client, e.detail
        ])?;
    }
    Ok(())
}

pub(super) fn query(c: &Connection, q: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
    let mut sql = String::from(
        "SELECT id, time, actor, action, resource, project, outcome, client, detail FROM audit WHERE 1 = 1",
    );
    let mut args: Vec<Value> = Vec::new();
    let mut filter = |column: &str, op: &str, value: Value| {
        args.push(value);
        sql.push_str(&format!(" AND {column} {op} ?{}", args.len()));
    };
    if let Some(p) = &q.project {
        filter("project", "=", Value::Text(p.clone()));
    }
    if let Some(a) = &q.actor {
        filter("actor", "=", Value::Text(a.clone()));
    }
    if let Some(a) = &q.action {
        filter("action", "=", Value::Text(a.clone()));
    }
    if let Some(s) = q.since {
        filter("time", ">=", Value::Integer(s));
    }
    if let Some(b) = q.before {
        filter("id", "<", Value::Integer(b));
    }
    let limit = q.limit.unwrap_or(100).min(10_000);
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {limit}"));
    let mut st = c.prepare(&sql)?;
    let rows = st.query_map(params_from_iter(args), |r| {
        Ok(AuditEvent {
            id: r.get(0)?,
            time: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            resource: r.get(4)?,
            project: r.get(5)?,
            outcome: r.get(6)?,
            client: r.get(7)?,
            detail: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
