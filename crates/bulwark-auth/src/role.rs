//! Project roles and the actions they grant, after Harbor's role model.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A member's role inside one project, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Read-only: pull images, see the project.
    Guest,
    /// Guest + push.
    Developer,
    /// Developer + delete, immutability rules, audit log.
    Maintainer,
    /// Maintainer + members, robots, project settings.
    ProjectAdmin,
}

/// Something a subject may try to do on a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Read manifests and blobs.
    Pull,
    /// Upload manifests and blobs.
    Push,
    /// Delete manifests, tags and blobs.
    Delete,
    /// See the project, its repositories and tags.
    ViewProject,
    /// Add or remove tag immutability rules.
    ManageImmutability,
    /// Read the project's audit log.
    ViewAudit,
    /// Add, remove and change members.
    ManageMembers,
    /// Create and revoke robot accounts.
    ManageRobots,
    /// Change project settings (visibility, quotas, policies).
    ManageProject,
    /// Delete the whole project (system administrators only).
    DeleteProject,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 4] = [
        Role::Guest,
        Role::Developer,
        Role::Maintainer,
        Role::ProjectAdmin,
    ];

    /// The role's name: `guest`, `developer`, `maintainer`, `project-admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Guest => "guest",
            Role::Developer => "developer",
            Role::Maintainer => "maintainer",
            Role::ProjectAdmin => "project-admin",
        }
    }
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 10] = [
        Action::Pull,
        Action::Push,
        Action::Delete,
        Action::ViewProject,
        Action::ManageImmutability,
        Action::ViewAudit,
        Action::ManageMembers,
        Action::ManageRobots,
        Action::ManageProject,
        Action::DeleteProject,
    ];

    /// The action's name, lowercase with hyphens (`view-project`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Pull => "pull",
            Action::Push => "push",
            Action::Delete => "delete",
            Action::ViewProject => "view-project",
            Action::ManageImmutability => "manage-immutability",
            Action::ViewAudit => "view-audit",
            Action::ManageMembers => "manage-members",
            Action::ManageRobots => "manage-robots",
            Action::ManageProject => "manage-project",
            Action::DeleteProject => "delete-project",
        }
    }

    /// Maps a Docker token scope action to registry actions: `pull`, `push`,
    /// `delete`, and `*` (all three). `None` for anything else, so an unknown action
    /// can never be mistaken for an empty, vacuously allowed set.
    pub fn from_registry(action: &str) -> Option<&'static [Action]> {
        match action {
            "pull" => Some(&[Action::Pull]),
            "push" => Some(&[Action::Push]),
            "delete" => Some(&[Action::Delete]),
            "*" => Some(&[Action::Pull, Action::Push, Action::Delete]),
            _ => None,
        }
    }

    /// The Docker token scope name for a registry action (`pull`, `push`, `delete`);
    /// `None` for management actions, which have no scope form.
    pub fn registry_name(self) -> Option<&'static str> {
        match self {
            Action::Pull => Some("pull"),
            Action::Push => Some("push"),
            Action::Delete => Some("delete"),
            _ => None,
        }
    }
}

/// An unrecognised role or action name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; expected one of: {expected}")]
pub struct UnknownName {
    what: &'static str,
    value: String,
    expected: String,
}

impl FromStr for Role {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "role",
                value: s.to_owned(),
                expected: Role::ALL.map(Role::as_str).join(", "),
            })
    }
}

impl FromStr for Action {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "action",
                value: s.to_owned(),
                expected: Action::ALL.map(Action::as_str).join(", "),
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `role` grants `action` inside its own project.
/// [`Action::DeleteProject`] is never granted by a role (system administrators only).
pub fn role_allows(role: Role, action: Action) -> bool {
    use Action::*;
    let least_role = match action {
        Pull | ViewProject => Role::Guest,
        Push => Role::Developer,
        Delete | ManageImmutability | ViewAudit => Role::Maintainer,
        ManageMembers | ManageRobots | ManageProject => Role::ProjectAdmin,
        DeleteProject => return false,
    };
    role >= least_role
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_fromstr_display_and_serde() {
        for role in Role::ALL {
            assert_eq!(role.to_string().parse::<Role>().unwrap(), role);
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{role}\""));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
        }
        for action in Action::ALL {
            assert_eq!(action.to_string().parse::<Action>().unwrap(), action);
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{action}\""));
            assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), action);
        }
        assert_eq!(Role::ProjectAdmin.to_string(), "project-admin");
        assert_eq!(
            Action::ManageImmutability.to_string(),
            "manage-immutability"
        );
        assert!("Guest".parse::<Role>().is_err());
        assert!("admin".parse::<Role>().is_err());
        assert!("".parse::<Action>().is_err());
        let err = "owner".parse::<Role>().unwrap_err().to_string();
        assert!(err.contains("project-admin"), "{err}");
    }

    #[test]
    fn registry_actions() {
        assert_eq!(Action::from_registry("pull"), Some(&[Action::Pull][..]));
        assert_eq!(Action::from_registry("push"), Some(&[Action::Push][..]));
        assert_eq!(Action::from_registry("delete"), Some(&[Action::Delete][..]));
        assert_eq!(
            Action::from_registry("*"),
            Some(&[Action::Pull, Action::Push, Action::Delete][..])
        );
        assert_eq!(Action::from_registry("PULL"), None);
        assert_eq!(Action::from_registry("view-project"), None);
        assert_eq!(Action::from_registry(""), None);
    }

    #[test]
    fn role_table() {
        // Columns: Pull Push Delete ViewProject ManageImmutability ViewAudit
        //          ManageMembers ManageRobots ManageProject DeleteProject
        let table = [
            (Role::Guest, "Y..Y......"),
            (Role::Developer, "YY.Y......"),
            (Role::Maintainer, "YYYYYY...."),
            (Role::ProjectAdmin, "YYYYYYYYY."),
        ];
        for (role, row) in table {
            for (action, want) in Action::ALL.into_iter().zip(row.chars()) {
                assert_eq!(role_allows(role, action), want == 'Y', "{role} {action}");
            }
        }
    }
}
