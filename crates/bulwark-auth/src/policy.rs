//! The single authorization decision: may this subject do this action on this project?
//!
//! Every endpoint (registry API, token service, management API) asks [`allowed`] and
//! nothing else, so the rules live in one place:
//!
//! - a system administrator may do everything on every project;
//! - on a public project, anyone (even anonymous) may pull and view;
//! - a user member may do what their [`Role`] allows ([`role_allows`]);
//! - a robot may only pull, push or delete in its own project, only the actions it
//!   was created with, and nothing at all once it has expired;
//! - deleting a project is reserved to system administrators.

use crate::role::{Action, Role, role_allows};

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// No credentials.
    Anonymous,
    /// A human account.
    User {
        /// Login name.
        name: String,
        /// System administrator: everything on every project.
        sysadmin: bool,
    },
    /// A robot account, scoped to one project.
    Robot {
        /// Robot name (e.g. `robot$dev+ci`).
        name: String,
        /// The project the robot belongs to.
        project: String,
        /// Actions the robot was granted; only [`Action::Pull`], [`Action::Push`]
        /// and [`Action::Delete`] are honoured.
        actions: Vec<Action>,
        /// Expiry as Unix seconds; `None` never expires.
        expires_at: Option<i64>,
    },
}

impl Subject {
    /// The name to record in audit logs and token `sub` claims (`""` for anonymous).
    pub fn name(&self) -> &str {
        match self {
            Subject::Anonymous => "",
            Subject::User { name, .. } | Subject::Robot { name, .. } => name,
        }
    }
}

/// The project being accessed, as seen by this subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectAccess {
    /// Project name.
    pub name: String,
    /// Public projects can be pulled and viewed by anyone.
    pub public: bool,
    /// The subject's membership role in this project, if it is a user member.
    /// Ignored for anonymous and robot subjects.
    pub role: Option<Role>,
}

/// Actions a robot may ever hold.
const ROBOT_ACTIONS: [Action; 3] = [Action::Pull, Action::Push, Action::Delete];

/// Actions anyone gets on a public project.
const PUBLIC_ACTIONS: [Action; 2] = [Action::Pull, Action::ViewProject];

/// Whether `subject` may perform `action` on `project` at time `now_unix` (seconds).
pub fn allowed(subject: &Subject, project: &ProjectAccess, action: Action, now_unix: i64) -> bool {
    // An expired robot is denied outright, even what anonymous could do: its
    // credentials are dead and the request should fail rather than degrade.
    if let Subject::Robot {
        expires_at: Some(expires_at),
        ..
    } = subject
        && *expires_at <= now_unix
    {
        return false;
    }
    if let Subject::User { sysadmin: true, .. } = subject {
        return true;
    }
    if project.public && PUBLIC_ACTIONS.contains(&action) {
        return true;
    }
    match subject {
        Subject::Anonymous => false,
        Subject::User { .. } => project.role.is_some_and(|role| role_allows(role, action)),
        Subject::Robot {
            project: own,
            actions,
            ..
        } => *own == project.name && ROBOT_ACTIONS.contains(&action) && actions.contains(&action),
    }
}

#[cfg(test)]
mod tests;
