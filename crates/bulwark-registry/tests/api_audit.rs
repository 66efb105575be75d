//! Every management mutation leaves an audit event (who, what, on what, from where, how it
//! went), and the audit log is readable by the right people only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod api_support;

use api_support::{Api, Auth, CLIENT_IP};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// Waits for the event `action` on `resource` and checks its fields.
async fn expect_event(
    api: &Api,
    actor: &str,
    action: &str,
    resource: &str,
    project: Option<&str>,
    outcome: &str,
) -> Value {
    let found =
        |e: &Value| e["action"] == action && e["resource"] == resource && e["outcome"] == outcome;
    let events = api
        .audit_until(&format!("action={action}"), |es| es.iter().any(found))
        .await;
    let event = events.iter().find(|e| found(e)).cloned();
    let event =
        event.unwrap_or_else(|| panic!("no {outcome} {action} event on {resource}: {events:#?}"));
    assert_eq!(event["actor"], actor, "{event}");
    assert_eq!(event["project"].as_str(), project, "{event}");
    assert_eq!(event["client"], CLIENT_IP, "{event}");
    assert!(
        event["time"].as_i64().unwrap() > 1_600_000_000_000,
        "{event}"
    );
    event
}

#[tokio::test]
async fn every_mutation_is_audited() {
    let api = Api::start().await;
    let admin = Auth::admin();
    let call = |method: Method, uri: &'static str, body: Option<Value>, want: StatusCode| {
        let api = &api;
        let admin = admin.clone();
        async move {
            let r = api.call(method.clone(), uri, &admin, body).await;
            assert_eq!(r.status, want, "{method} {uri}: {}", r.text());
            r
        }
    };
    call(
        Method::POST,
        "/api/v1/projects",
        Some(json!({"name": "audited"})),
        StatusCode::CREATED,
    )
    .await;
    call(
        Method::PATCH,
        "/api/v1/projects/audited",
        Some(json!({"public": true})),
        StatusCode::OK,
    )
    .await;
    call(
        Method::POST,
        "/api/v1/users",
        Some(json!({"username": "alice", "password": "alice-secret-pw"})),
        StatusCode::CREATED,
    )
    .await;
    call(
        Method::PUT,
        "/api/v1/projects/audited/members/alice",
        Some(json!({"role": "maintainer"})),
        StatusCode::OK,
    )
    .await;
    let robot = call(
        Method::POST,
        "/api/v1/projects/audited/robots",
        Some(json!({"name": "ci", "actions": ["pull"]})),
        StatusCode::CREATED,
    )
    .await;
    let secret = robot.json()["secret"].as_str().unwrap().to_string();
    call(
        Method::DELETE,
        "/api/v1/projects/audited/robots/ci",
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    call(
        Method::PUT,
        "/api/v1/projects/audited/immutability",
        Some(json!({"rules": ["v*"]})),
        StatusCode::OK,
    )
    .await;
    call(
        Method::PUT,
        "/api/v1/users/alice/password",
        Some(json!({"password": "alice-new-password"})),
        StatusCode::NO_CONTENT,
    )
    .await;
    api.push_image("audited/app", "v1", &admin).await;
    call(
        Method::DELETE,
        "/api/v1/repositories/audited/app",
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    call(Method::POST, "/api/v1/gc", None, StatusCode::OK).await;
    call(
        Method::DELETE,
        "/api/v1/projects/audited/members/alice",
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    call(
        Method::DELETE,
        "/api/v1/users/alice",
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    call(
        Method::DELETE,
        "/api/v1/projects/audited",
        None,
        StatusCode::NO_CONTENT,
    )
    .await;

    let p = Some("audited");
    let e = expect_event(&api, "admin", "project-create", "audited", p, "ok").await;
    assert_eq!(e["detail"], r#"{"public":false}"#);
    expect_event(&api, "admin", "project-update", "audited", p, "ok").await;
    let e = expect_event(&api, "admin", "user-create", "alice", None, "ok").await;
    assert_eq!(e["detail"], r#"{"sysadmin":false}"#);
    let e = expect_event(&api, "admin", "member-set", "alice", p, "ok").await;
    assert_eq!(e["detail"], r#"{"role":"maintainer"}"#);
    expect_event(&api, "admin", "robot-create", "robot$audited+ci", p, "ok").await;
    expect_event(&api, "admin", "robot-delete", "robot$audited+ci", p, "ok").await;
    expect_event(&api, "admin", "immutability-set", "audited", p, "ok").await;
    expect_event(&api, "admin", "password-change", "alice", None, "ok").await;
    expect_event(&api, "admin", "repository-delete", "audited/app", p, "ok").await;
    expect_event(&api, "admin", "gc", "registry", None, "ok").await;
    expect_event(&api, "admin", "member-remove", "alice", p, "ok").await;
    expect_event(&api, "admin", "user-delete", "alice", None, "ok").await;
    expect_event(&api, "admin", "project-delete", "audited", p, "ok").await;

    let all = api.get("/api/v1/audit?limit=1000", &admin).await.text();
    for secret in [secret.as_str(), "alice-secret-pw", "alice-new-password"] {
        assert!(!all.contains(secret), "a secret reached the audit log");
    }
}

#[tokio::test]
async fn refused_mutations_are_audited_too() {
    let api = Api::start().await;
    let hash = bulwark_auth::password::hash("mallory-password").unwrap();
    api.seed_user("mallory", &hash, false).await;
    let mallory = Auth::basic("mallory", "mallory-password");
    let r = api
        .call(
            Method::POST,
            "/api/v1/projects",
            &mallory,
            Some(json!({"name": "mine"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = api
        .call(Method::DELETE, "/api/v1/users/admin", &Auth::None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = api
        .call(
            Method::POST,
            "/api/v1/projects",
            &Auth::admin(),
            Some(json!({"name": "library"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    expect_event(
        &api,
        "mallory",
        "project-create",
        "mine",
        Some("mine"),
        "denied",
    )
    .await;
    expect_event(&api, "anonymous", "user-delete", "admin", None, "denied").await;
    let e = expect_event(
        &api,
        "admin",
        "project-create",
        "library",
        Some("library"),
        "failed",
    )
    .await;
    assert!(
        e["detail"].as_str().unwrap().contains("already exists"),
        "{e}"
    );
}

#[tokio::test]
async fn project_maintainers_read_their_projects_audit_only() {
    let api = Api::start().await;
    let admin = Auth::admin();
    let hash = bulwark_auth::password::hash("maint-password").unwrap();
    api.seed_user("maint", &hash, false).await;
    api.seed_project("team", false).await;
    api.seed_member("team", "maint", bulwark_auth::role::Role::Maintainer)
        .await;
    let maint = Auth::basic("maint", "maint-password");
    api.call(
        Method::PUT,
        "/api/v1/projects/team/immutability",
        &maint,
        Some(json!({"rules": ["v*"]})),
    )
    .await;
    api.call(
        Method::PATCH,
        "/api/v1/projects/library",
        &admin,
        Some(json!({"public": true})),
    )
    .await;
    api.audit_until("project=team", |es| !es.is_empty()).await;
    api.audit_until("project=library", |es| !es.is_empty())
        .await;

    let r = api.get("/api/v1/audit?project=team", &maint).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let events = r.json();
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["project"] == "team"),
        "{events}"
    );
    assert_eq!(events[0]["action"], "immutability-set");
    assert_eq!(
        api.get("/api/v1/audit", &maint).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        api.get("/api/v1/audit?project=library", &maint)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let r = api
        .get("/api/v1/audit?project=team&limit=1&bogus=1", &admin)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let r = api.get("/api/v1/audit?limit=1", &admin).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
}
