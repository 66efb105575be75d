//! `GET /api/v1/whoami`: who the credentials belong to, and what they hold.

use axum::Json;
use axum::extract::State;
use bulwark_auth::policy::Subject;
use bulwark_auth::role::{Action, Role};
use serde::Serialize;

use crate::error::ApiResult;
use crate::state::AppState;

use super::extract::Caller;

/// The answer of `GET /api/v1/whoami`.
#[derive(Debug, Serialize)]
pub struct WhoAmI {
    name: String,
    /// `anonymous`, `user` or `robot`.
    kind: &'static str,
    sysadmin: bool,
    /// A user's project roles.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    memberships: Vec<Membership>,
    /// A robot's project.
    #[serde(skip_serializing_if = "Option::is_none")]
    project: Option<String>,
    /// A robot's actions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    actions: Vec<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
}

/// One project role of a user.
#[derive(Debug, Serialize)]
pub struct Membership {
    project: String,
    role: Role,
}

/// `GET /api/v1/whoami`.
pub async fn get(State(state): State<AppState>, Caller(who): Caller) -> ApiResult<Json<WhoAmI>> {
    let mut me = WhoAmI {
        name: who.name().to_string(),
        kind: "anonymous",
        sysadmin: who.is_sysadmin(),
        memberships: Vec::new(),
        project: None,
        actions: Vec::new(),
        expires_at: None,
    };
    match &who.subject {
        Subject::Anonymous => {}
        Subject::User { name, .. } => {
            me.kind = "user";
            for project in state.meta.projects().await? {
                if let Some(role) = state.meta.member_role(&project.name, name).await? {
                    me.memberships.push(Membership {
                        project: project.name,
                        role,
                    });
                }
            }
        }
        Subject::Robot {
            project,
            actions,
            expires_at,
            ..
        } => {
            me.kind = "robot";
            me.project = Some(project.clone());
            me.actions.clone_from(actions);
            me.expires_at = *expires_at;
        }
    }
    Ok(Json(me))
}
