//! Authorization matrix of the management API: every endpoint x every kind of caller x
//! (own project, other project), with the expected status written out by hand below, not
//! recomputed from the policy code it checks.
//!
//! The world: project `own` is private; `padmin`, `maint`, `dev` and `guest` hold the
//! role their name says in it. Project `other` is public and nobody but the system
//! administrator has rights there. `outsider` is a user with no role anywhere. Robots
//! `robot$own+ci` and `robot$other+ci` may pull, push and delete in their project;
//! `robot$own+old` expired ten seconds ago. Both projects hold the repository `app`.
//! Mutations are made harmless (fresh victims per cell, idempotent bodies) so that one
//! shared registry serves every cell.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod api_support;

use api_support::{Api, Auth};
use axum::http::Method;
use bulwark_auth::role::Role;
use serde_json::Value;

const PW: &str = "caller-password";
const ROBOT_SECRET: &str = "robot-secret";

/// Column order of every expectation row.
const CALLERS: [&str; 10] = [
    "anonymous",
    "sysadmin",
    "padmin",
    "maint",
    "dev",
    "guest",
    "outsider",
    "robot-own",
    "robot-other",
    "robot-expired",
];

fn auth(caller: &str) -> Auth {
    match caller {
        "anonymous" => Auth::None,
        "sysadmin" => Auth::admin(),
        "robot-own" => Auth::basic("robot$own+ci", ROBOT_SECRET),
        "robot-other" => Auth::basic("robot$other+ci", ROBOT_SECRET),
        "robot-expired" => Auth::basic("robot$own+old", ROBOT_SECRET),
        user => Auth::basic(user, PW),
    }
}

/// What has to exist before one cell's request.
#[derive(Clone, Copy)]
enum Setup {
    None,
    /// User `victim<n>`.
    User,
    /// `mvictim` is a guest of the target project.
    Member,
    /// Robot `robot$<p>+victim<n>`.
    Robot,
    /// Repository `<p>/tmp<n>`.
    Repo,
}

/// One endpoint. In `path` and `body`, `{p}` is the target project, `{n}` a number unique
/// to the cell and `{pub}` the target's current visibility. Rows of endpoints that name no
/// project have no `other` expectations and run once.
struct Row {
    method: Method,
    path: &'static str,
    body: Option<&'static str>,
    setup: Setup,
    own: [u16; 10],
    other: Option<[u16; 10]>,
}

fn global(
    method: Method,
    path: &'static str,
    body: Option<&'static str>,
    setup: Setup,
    want: [u16; 10],
) -> Row {
    Row {
        method,
        path,
        body,
        setup,
        own: want,
        other: None,
    }
}

fn row(
    method: Method,
    path: &'static str,
    body: Option<&'static str>,
    setup: Setup,
    own: [u16; 10],
    other: [u16; 10],
) -> Row {
    Row {
        method,
        path,
        body,
        setup,
        own,
        other: Some(other),
    }
}

// The tables: one column per caller, in the order of `CALLERS`.
//   anon = anonymous, sys = sysadmin, padm/maint/dev/guest = that role in `own`,
//   out = outsider, r-own/r-oth = robot$own+ci/robot$other+ci, r-exp = expired robot.

#[rustfmt::skip]
fn global_rows() -> Vec<Row> {
    use Method as M;
    use Setup as S;
    vec![
        //                                                                    anon sys  padm maint dev guest out r-own r-oth r-exp
        global(M::GET, "/api/v1/openapi.json", None, S::None,                [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        global(M::GET, "/api/v1/whoami", None, S::None,                      [200, 200, 200, 200, 200, 200, 200, 200, 200, 401]),
        global(M::GET, "/api/v1/projects", None, S::None,                    [200, 200, 200, 200, 200, 200, 200, 200, 200, 401]),
        global(M::POST, "/api/v1/projects", Some(r#"{"name":"new{n}"}"#), S::None,
                                                                             [401, 201, 403, 403, 403, 403, 403, 403, 403, 401]),
        global(M::GET, "/api/v1/users", None, S::None,                       [401, 200, 403, 403, 403, 403, 403, 403, 403, 401]),
        global(M::POST, "/api/v1/users", Some(r#"{"username":"u{n}","password":"long-enough"}"#), S::None,
                                                                             [401, 201, 403, 403, 403, 403, 403, 403, 403, 401]),
        global(M::DELETE, "/api/v1/users/victim{n}", None, S::User,          [401, 204, 403, 403, 403, 403, 403, 403, 403, 401]),
        global(M::PUT, "/api/v1/users/spare/password", Some(r#"{"password":"changed-pw"}"#), S::None,
                                                                             [401, 204, 403, 403, 403, 403, 403, 403, 403, 401]),
        global(M::GET, "/api/v1/audit", None, S::None,                       [401, 200, 403, 403, 403, 403, 403, 403, 403, 401]),
        global(M::POST, "/api/v1/gc", None, S::None,                         [401, 200, 403, 403, 403, 403, 403, 403, 403, 401]),
    ]
}

#[rustfmt::skip]
fn project_rows() -> Vec<Row> {
    use Method as M;
    use Setup as S;
    vec![
        //                                                     anon sys  padm maint dev guest out r-own r-oth r-exp
        row(M::GET, "/api/v1/projects/{p}", None, S::None,
            /* own (private)  */ [401, 200, 200, 200, 200, 200, 403, 403, 403, 401],
            /* other (public) */ [200, 200, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::PATCH, "/api/v1/projects/{p}", Some(r#"{"public":{pub}}"#), S::None,
            /* own (private)  */ [401, 200, 200, 403, 403, 403, 403, 403, 403, 401],
            /* other (public) */ [401, 200, 403, 403, 403, 403, 403, 403, 403, 401]),
        // Both projects hold a repository: allowed callers get 409 without force=true.
        row(M::DELETE, "/api/v1/projects/{p}", None, S::None,
            /* own (private)  */ [401, 409, 403, 403, 403, 403, 403, 403, 403, 401],
            /* other (public) */ [401, 409, 403, 403, 403, 403, 403, 403, 403, 401]),
        row(M::GET, "/api/v1/projects/{p}/members", None, S::None,
            /* own (private)  */ [401, 200, 200, 200, 200, 200, 403, 403, 403, 401],
            /* other (public) */ [401, 200, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::PUT, "/api/v1/projects/{p}/members/spare", Some(r#"{"role":"guest"}"#), S::None,
            /* own (private)  */ [401, 200, 200, 403, 403, 403, 403, 403, 403, 401],
            /* other (public) */ [401, 200, 403, 403, 403, 403, 403, 403, 403, 401]),
        row(M::DELETE, "/api/v1/projects/{p}/members/mvictim", None, S::Member,
            /* own (private)  */ [401, 204, 204, 403, 403, 403, 403, 403, 403, 401],
            /* other (public) */ [401, 204, 403, 403, 403, 403, 403, 403, 403, 401]),
        row(M::GET, "/api/v1/projects/{p}/robots", None, S::None,
            /* own (private)  */ [401, 200, 200, 403, 403, 403, 403, 403, 403, 401],
            /* other (public) */ [401, 200, 403, 403, 403, 403, 403, 403, 403, 401]),
        row(M::POST, "/api/v1/projects/{p}/robots", Some(r#"{"name":"r{n}","actions":["pull"]}"#), S::None,
            /* own (private)  */ [401, 201, 201, 403, 403, 403, 403, 403, 403, 401],
            /* other (public) */ [401, 201, 403, 403, 403, 403, 403, 403, 403, 401]),
        row(M::DELETE, "/api/v1/projects/{p}/robots/victim{n}", None, S::Robot,
            /* own (private)  */ [401, 204, 204, 403, 403, 403, 403, 403, 403, 401],
            /* other (public) */ [401, 204, 403, 403, 403, 403, 403, 403, 403, 401]),
        row(M::GET, "/api/v1/projects/{p}/repositories", None, S::None,
            /* own (private)  */ [401, 200, 200, 200, 200, 200, 403, 200, 403, 401],
            /* other (public) */ [200, 200, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::GET, "/api/v1/repositories/{p}/app", None, S::None,
            /* own (private)  */ [401, 200, 200, 200, 200, 200, 403, 200, 403, 401],
            /* other (public) */ [200, 200, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::DELETE, "/api/v1/repositories/{p}/tmp{n}", None, S::Repo,
            /* own (private)  */ [401, 204, 204, 204, 403, 403, 403, 204, 403, 401],
            /* other (public) */ [401, 204, 403, 403, 403, 403, 403, 403, 204, 401]),
        row(M::GET, "/api/v1/projects/{p}/immutability", None, S::None,
            /* own (private)  */ [401, 200, 200, 200, 200, 200, 403, 403, 403, 401],
            /* other (public) */ [200, 200, 200, 200, 200, 200, 200, 200, 200, 401]),
        row(M::PUT, "/api/v1/projects/{p}/immutability", Some(r#"{"rules":[]}"#), S::None,
            /* own (private)  */ [401, 200, 200, 200, 403, 403, 403, 403, 403, 401],
            /* other (public) */ [401, 200, 403, 403, 403, 403, 403, 403, 403, 401]),
        row(M::GET, "/api/v1/audit?project={p}", None, S::None,
            /* own (private)  */ [401, 200, 200, 200, 403, 403, 403, 403, 403, 401],
            /* other (public) */ [401, 200, 403, 403, 403, 403, 403, 403, 403, 401]),
    ]
}

async fn world() -> Api {
    let api = Api::start().await;
    let hash = bulwark_auth::password::hash(PW).unwrap();
    for user in [
        "padmin", "maint", "dev", "guest", "outsider", "spare", "mvictim",
    ] {
        api.seed_user(user, &hash, false).await;
    }
    api.seed_project("own", false).await;
    api.seed_project("other", true).await;
    for (user, role) in [
        ("padmin", Role::ProjectAdmin),
        ("maint", Role::Maintainer),
        ("dev", Role::Developer),
        ("guest", Role::Guest),
    ] {
        api.seed_member("own", user, role).await;
    }
    api.seed_robot("own", "ci", ROBOT_SECRET, None).await;
    api.seed_robot("other", "ci", ROBOT_SECRET, None).await;
    api.seed_robot(
        "own",
        "old",
        ROBOT_SECRET,
        Some(bulwark_registry::clock::now() - 10),
    )
    .await;
    api.push_image("own/app", "v1", &Auth::admin()).await;
    api.push_image("other/app", "v1", &Auth::admin()).await;
    api
}

async fn prepare(api: &Api, setup: Setup, project: &str, n: usize) {
    match setup {
        Setup::None => {}
        Setup::User => {
            api.seed_user(&format!("victim{n}"), "not-a-hash", false)
                .await
        }
        Setup::Member => api.seed_member(project, "mvictim", Role::Guest).await,
        Setup::Robot => {
            api.seed_robot(project, &format!("victim{n}"), "unused", None)
                .await;
        }
        Setup::Repo => {
            api.push_image(&format!("{project}/tmp{n}"), "v1", &Auth::admin())
                .await
        }
    }
}

/// Runs one cell; returns a description of the mismatch, if any.
async fn cell(
    api: &Api,
    n: usize,
    row: &Row,
    project: &str,
    caller: &str,
    want: u16,
) -> Option<String> {
    let public = if project == "other" { "true" } else { "false" };
    let fill = |s: &str| {
        s.replace("{p}", project)
            .replace("{n}", &n.to_string())
            .replace("{pub}", public)
    };
    prepare(api, row.setup, project, n).await;
    let uri = fill(row.path);
    let body: Option<Value> = row.body.map(|b| serde_json::from_str(&fill(b)).unwrap());
    let r = api
        .call(row.method.clone(), &uri, &auth(caller), body)
        .await;
    let method = &row.method;
    (r.status.as_u16() != want).then(|| {
        format!(
            "{method} {uri} as {caller}: want {want}, got {} {}",
            r.status.as_u16(),
            r.text()
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_api_authorization_matrix() {
    let api = world().await;
    let mut failures = Vec::new();
    let mut n = 0;
    let rows: Vec<Row> = global_rows().into_iter().chain(project_rows()).collect();
    for row in &rows {
        let targets = [Some(("own", row.own)), row.other.map(|o| ("other", o))];
        for (project, wants) in targets.into_iter().flatten() {
            for (caller, want) in CALLERS.iter().zip(wants) {
                n += 1;
                failures.extend(cell(&api, n, row, project, caller, want).await);
            }
        }
    }
    assert_eq!(n, global_rows().len() * 10 + project_rows().len() * 20);
    assert!(
        failures.is_empty(),
        "{} of {n} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The matrix covers every documented operation (so a new endpoint needs a new row).
#[test]
fn matrix_covers_every_endpoint() {
    let doc: Value = serde_json::from_str(bulwark_registry::api::OPENAPI_DOCUMENT).unwrap();
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "parameters")
        {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    let shape = |path: &str| {
        let path = path.split('?').next().unwrap();
        let segments: Vec<String> = path
            .split('/')
            .map(|s| {
                if s.contains('{') || s == "spare" || s == "mvictim" || s == "app" {
                    "*".to_string()
                } else {
                    s.to_string()
                }
            })
            .collect();
        segments.join("/")
    };
    let covered: Vec<String> = global_rows()
        .iter()
        .chain(&project_rows())
        .map(|r| format!("{} {}", r.method, shape(r.path)))
        .collect();
    for op in documented {
        let (method, path) = op.split_once(' ').unwrap();
        let mut wanted = shape(path);
        if path.starts_with("/api/v1/repositories/") {
            wanted.push_str("/*"); // `{repo}` spans `<project>/<name>`
        }
        assert!(
            covered.contains(&format!("{method} {wanted}")),
            "no matrix row for {op} ({wanted})"
        );
    }
}
