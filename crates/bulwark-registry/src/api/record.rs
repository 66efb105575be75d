//! Audit records for management calls: every mutating call that reaches its handler is
//! recorded with its outcome (`ok`, `denied` or `failed`), successful or not.

use crate::access::Identity;
use crate::audit::Entry;
use crate::error::{ApiResult, Code};
use crate::state::AppState;

/// What a mutating call did, for [`record`].
pub struct Mutation<'a> {
    /// Audit action name, e.g. `project-create`.
    pub action: &'static str,
    /// What was acted on (project, user, robot or repository name).
    pub resource: &'a str,
    pub project: Option<&'a str>,
    /// Request details worth keeping (never secrets).
    pub detail: Option<String>,
}

/// Records `m` with the outcome of `result`; a failure's message goes into the detail.
pub fn record<T>(state: &AppState, who: &Identity, m: Mutation<'_>, result: &ApiResult<T>) {
    let (outcome, detail) = match result {
        Ok(_) => ("ok", m.detail),
        Err(e) => {
            let outcome = if matches!(e.code, Code::Unauthorized | Code::Denied) {
                "denied"
            } else {
                "failed"
            };
            let detail = match m.detail {
                Some(d) => format!("{d}; {}", e.message),
                None => e.message.clone(),
            };
            (outcome, Some(detail))
        }
    };
    state.audit.record(Entry {
        actor: who.name(),
        action: m.action,
        resource: m.resource,
        project: m.project,
        outcome,
        client: who.client.clone(),
        detail,
    });
}
