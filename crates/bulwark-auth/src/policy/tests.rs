//! Exhaustive table test of [`super::allowed`]: every subject kind x every membership
//! role (or none) x public/private x own/other project x every action. Each row's
//! expectation is written out by hand, one character per action, not derived from
//! the code under test.

use super::*;
use crate::role::Role::{Developer, Guest, Maintainer, ProjectAdmin};

const NOW: i64 = 1_700_000_000;

const ANON: usize = 0;
/// A non-admin user; membership comes from the row's role.
const USER: usize = 1;
/// A system administrator.
const ADMIN: usize = 2;
/// Robot of project `dev` with pull and push, never expires.
const ROBOT_PULL_PUSH: usize = 3;
/// Robot of project `dev` holding every action (management ones must still be
/// refused), expiring one second after `NOW`.
const ROBOT_EVERYTHING: usize = 4;
/// Robot of project `dev` with pull, push and delete that expired exactly at `NOW`.
const ROBOT_EXPIRED: usize = 5;

const PUBLIC: bool = true;
const PRIVATE: bool = false;
/// The robots' own project.
const OWN: &str = "dev";
const OTHER: &str = "prod";

fn subject(id: usize) -> Subject {
    let robot = |actions: Vec<Action>, expires_at| Subject::Robot {
        name: "robot$dev+ci".into(),
        project: "dev".into(),
        actions,
        expires_at,
    };
    match id {
        ANON => Subject::Anonymous,
        USER => Subject::User {
            name: "alice".into(),
            sysadmin: false,
        },
        ADMIN => Subject::User {
            name: "root".into(),
            sysadmin: true,
        },
        ROBOT_PULL_PUSH => robot(vec![Action::Pull, Action::Push], None),
        ROBOT_EVERYTHING => robot(Action::ALL.to_vec(), Some(NOW + 1)),
        ROBOT_EXPIRED => robot(vec![Action::Pull, Action::Push, Action::Delete], Some(NOW)),
        _ => unreachable!(),
    }
}

/// Columns, in `Action::ALL` order:
/// Pull Push Delete ViewProject ManageImmutability ViewAudit
/// ManageMembers ManageRobots ManageProject DeleteProject
#[rustfmt::skip]
const TABLE: &[(usize, Option<Role>, bool, &str, &str)] = &[
        (ANON, None, PRIVATE, OWN, ".........."),
        (ANON, Some(Guest), PRIVATE, OWN, ".........."),
        (ANON, Some(Developer), PRIVATE, OWN, ".........."),
        (ANON, Some(Maintainer), PRIVATE, OWN, ".........."),
        (ANON, Some(ProjectAdmin), PRIVATE, OWN, ".........."),
        (ANON, None, PUBLIC, OWN, "Y..Y......"),
        (ANON, Some(Guest), PUBLIC, OWN, "Y..Y......"),
        (ANON, Some(Developer), PUBLIC, OWN, "Y..Y......"),
        (ANON, Some(Maintainer), PUBLIC, OWN, "Y..Y......"),
        (ANON, Some(ProjectAdmin), PUBLIC, OWN, "Y..Y......"),
        (ANON, None, PRIVATE, OTHER, ".........."),
        (ANON, Some(Guest), PRIVATE, OTHER, ".........."),
        (ANON, Some(Developer), PRIVATE, OTHER, ".........."),
        (ANON, Some(Maintainer), PRIVATE, OTHER, ".........."),
        (ANON, Some(ProjectAdmin), PRIVATE, OTHER, ".........."),
        (ANON, None, PUBLIC, OTHER, "Y..Y......"),
        (ANON, Some(Guest), PUBLIC, OTHER, "Y..Y......"),
        (ANON, Some(Developer), PUBLIC, OTHER, "Y..Y......"),
        (ANON, Some(Maintainer), PUBLIC, OTHER, "Y..Y......"),
        (ANON, Some(ProjectAdmin), PUBLIC, OTHER, "Y..Y......"),
        (USER, None, PRIVATE, OWN, ".........."),
        (USER, Some(Guest), PRIVATE, OWN, "Y..Y......"),
        (USER, Some(Developer), PRIVATE, OWN, "YY.Y......"),
        (USER, Some(Maintainer), PRIVATE, OWN, "YYYYYY...."),
        (USER, Some(ProjectAdmin), PRIVATE, OWN, "YYYYYYYYY."),
        (USER, None, PUBLIC, OWN, "Y..Y......"),
        (USER, Some(Guest), PUBLIC, OWN, "Y..Y......"),
        (USER, Some(Developer), PUBLIC, OWN, "YY.Y......"),
        (USER, Some(Maintainer), PUBLIC, OWN, "YYYYYY...."),
        (USER, Some(ProjectAdmin), PUBLIC, OWN, "YYYYYYYYY."),
        (USER, None, PRIVATE, OTHER, ".........."),
        (USER, Some(Guest), PRIVATE, OTHER, "Y..Y......"),
        (USER, Some(Developer), PRIVATE, OTHER, "YY.Y......"),
        (USER, Some(Maintainer), PRIVATE, OTHER, "YYYYYY...."),
        (USER, Some(ProjectAdmin), PRIVATE, OTHER, "YYYYYYYYY."),
        (USER, None, PUBLIC, OTHER, "Y..Y......"),
        (USER, Some(Guest), PUBLIC, OTHER, "Y..Y......"),
        (USER, Some(Developer), PUBLIC, OTHER, "YY.Y......"),
        (USER, Some(Maintainer), PUBLIC, OTHER, "YYYYYY...."),
        (USER, Some(ProjectAdmin), PUBLIC, OTHER, "YYYYYYYYY."),
        (ADMIN, None, PRIVATE, OWN, "YYYYYYYYYY"),
        (ADMIN, Some(Guest), PRIVATE, OWN, "YYYYYYYYYY"),
        (ADMIN, Some(Developer), PRIVATE, OWN, "YYYYYYYYYY"),
        (ADMIN, Some(Maintainer), PRIVATE, OWN, "YYYYYYYYYY"),
        (ADMIN, Some(ProjectAdmin), PRIVATE, OWN, "YYYYYYYYYY"),
        (ADMIN, None, PUBLIC, OWN, "YYYYYYYYYY"),
        (ADMIN, Some(Guest), PUBLIC, OWN, "YYYYYYYYYY"),
        (ADMIN, Some(Developer), PUBLIC, OWN, "YYYYYYYYYY"),
        (ADMIN, Some(Maintainer), PUBLIC, OWN, "YYYYYYYYYY"),
        (ADMIN, Some(ProjectAdmin), PUBLIC, OWN, "YYYYYYYYYY"),
        (ADMIN, None, PRIVATE, OTHER, "YYYYYYYYYY"),
        (ADMIN, Some(Guest), PRIVATE, OTHER, "YYYYYYYYYY"),
        (ADMIN, Some(Developer), PRIVATE, OTHER, "YYYYYYYYYY"),
        (ADMIN, Some(Maintainer), PRIVATE, OTHER, "YYYYYYYYYY"),
        (ADMIN, Some(ProjectAdmin), PRIVATE, OTHER, "YYYYYYYYYY"),
        (ADMIN, None, PUBLIC, OTHER, "YYYYYYYYYY"),
        (ADMIN, Some(Guest), PUBLIC, OTHER, "YYYYYYYYYY"),
        (ADMIN, Some(Developer), PUBLIC, OTHER, "YYYYYYYYYY"),
        (ADMIN, Some(Maintainer), PUBLIC, OTHER, "YYYYYYYYYY"),
        (ADMIN, Some(ProjectAdmin), PUBLIC, OTHER, "YYYYYYYYYY"),
        (ROBOT_PULL_PUSH, None, PRIVATE, OWN, "YY........"),
        (ROBOT_PULL_PUSH, Some(Guest), PRIVATE, OWN, "YY........"),
        (ROBOT_PULL_PUSH, Some(Developer), PRIVATE, OWN, "YY........"),
        (ROBOT_PULL_PUSH, Some(Maintainer), PRIVATE, OWN, "YY........"),
        (ROBOT_PULL_PUSH, Some(ProjectAdmin), PRIVATE, OWN, "YY........"),
        (ROBOT_PULL_PUSH, None, PUBLIC, OWN, "YY.Y......"),
        (ROBOT_PULL_PUSH, Some(Guest), PUBLIC, OWN, "YY.Y......"),
        (ROBOT_PULL_PUSH, Some(Developer), PUBLIC, OWN, "YY.Y......"),
        (ROBOT_PULL_PUSH, Some(Maintainer), PUBLIC, OWN, "YY.Y......"),
        (ROBOT_PULL_PUSH, Some(ProjectAdmin), PUBLIC, OWN, "YY.Y......"),
        (ROBOT_PULL_PUSH, None, PRIVATE, OTHER, ".........."),
        (ROBOT_PULL_PUSH, Some(Guest), PRIVATE, OTHER, ".........."),
        (ROBOT_PULL_PUSH, Some(Developer), PRIVATE, OTHER, ".........."),
        (ROBOT_PULL_PUSH, Some(Maintainer), PRIVATE, OTHER, ".........."),
        (ROBOT_PULL_PUSH, Some(ProjectAdmin), PRIVATE, OTHER, ".........."),
        (ROBOT_PULL_PUSH, None, PUBLIC, OTHER, "Y..Y......"),
        (ROBOT_PULL_PUSH, Some(Guest), PUBLIC, OTHER, "Y..Y......"),
        (ROBOT_PULL_PUSH, Some(Developer), PUBLIC, OTHER, "Y..Y......"),
        (ROBOT_PULL_PUSH, Some(Maintainer), PUBLIC, OTHER, "Y..Y......"),
        (ROBOT_PULL_PUSH, Some(ProjectAdmin), PUBLIC, OTHER, "Y..Y......"),
        (ROBOT_EVERYTHING, None, PRIVATE, OWN, "YYY......."),
        (ROBOT_EVERYTHING, Some(Guest), PRIVATE, OWN, "YYY......."),
        (ROBOT_EVERYTHING, Some(Developer), PRIVATE, OWN, "YYY......."),
        (ROBOT_EVERYTHING, Some(Maintainer), PRIVATE, OWN, "YYY......."),
        (ROBOT_EVERYTHING, Some(ProjectAdmin), PRIVATE, OWN, "YYY......."),
        (ROBOT_EVERYTHING, None, PUBLIC, OWN, "YYYY......"),
        (ROBOT_EVERYTHING, Some(Guest), PUBLIC, OWN, "YYYY......"),
        (ROBOT_EVERYTHING, Some(Developer), PUBLIC, OWN, "YYYY......"),
        (ROBOT_EVERYTHING, Some(Maintainer), PUBLIC, OWN, "YYYY......"),
        (ROBOT_EVERYTHING, Some(ProjectAdmin), PUBLIC, OWN, "YYYY......"),
        (ROBOT_EVERYTHING, None, PRIVATE, OTHER, ".........."),
        (ROBOT_EVERYTHING, Some(Guest), PRIVATE, OTHER, ".........."),
        (ROBOT_EVERYTHING, Some(Developer), PRIVATE, OTHER, ".........."),
        (ROBOT_EVERYTHING, Some(Maintainer), PRIVATE, OTHER, ".........."),
        (ROBOT_EVERYTHING, Some(ProjectAdmin), PRIVATE, OTHER, ".........."),
        (ROBOT_EVERYTHING, None, PUBLIC, OTHER, "Y..Y......"),
        (ROBOT_EVERYTHING, Some(Guest), PUBLIC, OTHER, "Y..Y......"),
        (ROBOT_EVERYTHING, Some(Developer), PUBLIC, OTHER, "Y..Y......"),
        (ROBOT_EVERYTHING, Some(Maintainer), PUBLIC, OTHER, "Y..Y......"),
        (ROBOT_EVERYTHING, Some(ProjectAdmin), PUBLIC, OTHER, "Y..Y......"),
        (ROBOT_EXPIRED, None, PRIVATE, OWN, ".........."),
        (ROBOT_EXPIRED, Some(Guest), PRIVATE, OWN, ".........."),
        (ROBOT_EXPIRED, Some(Developer), PRIVATE, OWN, ".........."),
        (ROBOT_EXPIRED, Some(Maintainer), PRIVATE, OWN, ".........."),
        (ROBOT_EXPIRED, Some(ProjectAdmin), PRIVATE, OWN, ".........."),
        (ROBOT_EXPIRED, None, PUBLIC, OWN, ".........."),
        (ROBOT_EXPIRED, Some(Guest), PUBLIC, OWN, ".........."),
        (ROBOT_EXPIRED, Some(Developer), PUBLIC, OWN, ".........."),
        (ROBOT_EXPIRED, Some(Maintainer), PUBLIC, OWN, ".........."),
        (ROBOT_EXPIRED, Some(ProjectAdmin), PUBLIC, OWN, ".........."),
        (ROBOT_EXPIRED, None, PRIVATE, OTHER, ".........."),
        (ROBOT_EXPIRED, Some(Guest), PRIVATE, OTHER, ".........."),
        (ROBOT_EXPIRED, Some(Developer), PRIVATE, OTHER, ".........."),
        (ROBOT_EXPIRED, Some(Maintainer), PRIVATE, OTHER, ".........."),
        (ROBOT_EXPIRED, Some(ProjectAdmin), PRIVATE, OTHER, ".........."),
        (ROBOT_EXPIRED, None, PUBLIC, OTHER, ".........."),
        (ROBOT_EXPIRED, Some(Guest), PUBLIC, OTHER, ".........."),
        (ROBOT_EXPIRED, Some(Developer), PUBLIC, OTHER, ".........."),
        (ROBOT_EXPIRED, Some(Maintainer), PUBLIC, OTHER, ".........."),
        (ROBOT_EXPIRED, Some(ProjectAdmin), PUBLIC, OTHER, ".........."),
];

#[test]
fn exhaustive_table() {
    assert_eq!(TABLE.len(), 6 * 5 * 2 * 2, "every combination, once");
    let mut failures = Vec::new();
    for &(id, role, public, name, expected) in TABLE {
        assert_eq!(expected.len(), Action::ALL.len());
        let project = ProjectAccess {
            name: name.into(),
            public,
            role,
        };
        let subject = subject(id);
        for (action, want) in Action::ALL.into_iter().zip(expected.chars()) {
            let got = allowed(&subject, &project, action, NOW);
            if got != (want == 'Y') {
                failures.push(format!("{subject:?} {project:?} {action}: got {got}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn robot_expiry_boundary() {
    let robot = |expires_at| Subject::Robot {
        name: "robot$dev+ci".into(),
        project: "dev".into(),
        actions: vec![Action::Pull],
        expires_at,
    };
    let dev = ProjectAccess {
        name: "dev".into(),
        public: false,
        role: None,
    };
    assert!(allowed(&robot(None), &dev, Action::Pull, i64::MAX));
    assert!(allowed(&robot(Some(NOW + 1)), &dev, Action::Pull, NOW));
    assert!(!allowed(&robot(Some(NOW)), &dev, Action::Pull, NOW));
    assert!(!allowed(&robot(Some(NOW - 1)), &dev, Action::Pull, NOW));
    assert!(!allowed(&robot(Some(i64::MIN)), &dev, Action::Pull, NOW));
}

#[test]
fn project_names_match_exactly() {
    let robot = subject(ROBOT_PULL_PUSH);
    for name in ["Dev", "dev ", "dev/x", "de", ""] {
        let project = ProjectAccess {
            name: name.into(),
            public: false,
            role: None,
        };
        assert!(!allowed(&robot, &project, Action::Pull, NOW), "{name:?}");
    }
}

#[test]
fn subject_names() {
    assert_eq!(subject(ANON).name(), "");
    assert_eq!(subject(USER).name(), "alice");
    assert_eq!(subject(ROBOT_PULL_PUSH).name(), "robot$dev+ci");
}
