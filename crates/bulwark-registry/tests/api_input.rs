//! Bad input to the management API: 400 with a message naming the problem, and no change
//! to projects, users, members, robots or rules.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod api_support;

use api_support::{Api, Auth};
use axum::http::{Method, StatusCode};

/// Everything a bad request could have changed.
async fn snapshot(api: &Api) -> String {
    let admin = Auth::admin();
    let mut out = String::new();
    for uri in [
        "/api/v1/projects",
        "/api/v1/users",
        "/api/v1/projects/library/members",
        "/api/v1/projects/library/robots",
        "/api/v1/projects/library/immutability",
    ] {
        out.push_str(&api.get(uri, &admin).await.text());
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_message_and_changes_nothing() {
    let api = Api::start().await;
    let admin = Auth::admin();
    let hash = bulwark_auth::password::hash("bob-password").unwrap();
    api.seed_user("bob", &hash, false).await;
    let before = snapshot(&api).await;

    // (method, uri, raw body, words the message must contain)
    let cases: &[(Method, &str, &str, &str)] = &[
        (
            Method::POST,
            "/api/v1/projects",
            "{\"name\": ",
            "invalid request body",
        ),
        (Method::POST, "/api/v1/projects", "", "body is empty"),
        (
            Method::POST,
            "/api/v1/projects",
            "[1, 2]",
            "invalid request body",
        ),
        (
            Method::POST,
            "/api/v1/projects",
            r#"{"name": "x", "owner": "bob"}"#,
            "unknown field `owner`",
        ),
        (
            Method::POST,
            "/api/v1/projects",
            r#"{"public": true}"#,
            "missing field `name`",
        ),
        (
            Method::POST,
            "/api/v1/projects",
            r#"{"name": "Bad Name"}"#,
            "invalid project name",
        ),
        (
            Method::POST,
            "/api/v1/projects",
            r#"{"name": "-x"}"#,
            "invalid project name",
        ),
        (
            Method::POST,
            "/api/v1/projects",
            r#"{"name": "ok", "public": "yes"}"#,
            "invalid type",
        ),
        (
            Method::PATCH,
            "/api/v1/projects/library",
            r#"{"public": true, "name": "y"}"#,
            "unknown field `name`",
        ),
        (
            Method::POST,
            "/api/v1/users",
            r#"{"username": "carol", "password": "short"}"#,
            "at least 8 characters",
        ),
        (
            Method::POST,
            "/api/v1/users",
            r#"{"username": "carol", "password": ""}"#,
            "at least 8 characters",
        ),
        (
            Method::POST,
            "/api/v1/users",
            r#"{"username": "Carol!", "password": "long-enough-pw"}"#,
            "invalid user name",
        ),
        (
            Method::POST,
            "/api/v1/users",
            r#"{"username": "robot$x+y", "password": "long-enough-pw"}"#,
            "invalid user name",
        ),
        (
            Method::POST,
            "/api/v1/users",
            r#"{"username": "carol", "password": "long-enough-pw", "admin": true}"#,
            "unknown field `admin`",
        ),
        (
            Method::PUT,
            "/api/v1/users/bob/password",
            r#"{"password": "weak"}"#,
            "at least 8 characters",
        ),
        (
            Method::PUT,
            "/api/v1/projects/library/members/bob",
            r#"{"role": "owner"}"#,
            "unknown variant `owner`",
        ),
        (
            Method::PUT,
            "/api/v1/projects/library/members/bob",
            r#"{}"#,
            "missing field `role`",
        ),
        (
            Method::POST,
            "/api/v1/projects/library/robots",
            r#"{"name": "ci", "actions": ["view-project"]}"#,
            "not allowed",
        ),
        (
            Method::POST,
            "/api/v1/projects/library/robots",
            r#"{"name": "ci", "actions": []}"#,
            "at least one action",
        ),
        (
            Method::POST,
            "/api/v1/projects/library/robots",
            r#"{"name": "C I", "actions": ["pull"]}"#,
            "invalid robot name",
        ),
        (
            Method::POST,
            "/api/v1/projects/library/robots",
            r#"{"name": "ci", "actions": ["pull"], "expires_in_days": 0}"#,
            "at least 1",
        ),
        (
            Method::POST,
            "/api/v1/projects/library/robots",
            r#"{"name": "ci", "actions": ["pull"], "expires_at": 1}"#,
            "in the future",
        ),
        (
            Method::POST,
            "/api/v1/projects/library/robots",
            r#"{"name": "ci", "actions": ["pull"], "expires_in_days": 1, "expires_at": 4000000000}"#,
            "not both",
        ),
        (
            Method::POST,
            "/api/v1/projects/library/robots",
            r#"{"name": "ci", "actions": ["pull"], "expires_in_days": -1}"#,
            "invalid value",
        ),
        (
            Method::PUT,
            "/api/v1/projects/library/immutability",
            r#"{"rules": ["v 1"]}"#,
            "invalid immutability rule",
        ),
        (
            Method::PUT,
            "/api/v1/projects/library/immutability",
            r#"{"rules": [""]}"#,
            "invalid immutability rule",
        ),
        (
            Method::DELETE,
            "/api/v1/projects/library?force=maybe",
            "",
            "invalid query string",
        ),
        (
            Method::GET,
            "/api/v1/audit?limit=-5",
            "",
            "invalid query string",
        ),
        (
            Method::GET,
            "/api/v1/repositories/library",
            "",
            "invalid repository name",
        ),
    ];
    for (method, uri, body, words) in cases {
        let r = api.raw(method.clone(), uri, &admin, body.as_bytes()).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{method} {uri} {body}: {}",
            r.text()
        );
        assert_eq!(
            r.json()["errors"][0]["code"],
            "BAD_REQUEST",
            "{method} {uri} {body}: {}",
            r.text()
        );
        assert!(
            r.message().contains(words),
            "{method} {uri} {body}: message {:?} lacks {words:?}",
            r.message()
        );
    }
    assert_eq!(
        snapshot(&api).await,
        before,
        "a refused request changed something"
    );
    // The weak password was refused, so the old one still works.
    assert_eq!(
        api.get("/api/v1/whoami", &Auth::basic("bob", "bob-password"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let api = Api::start().await;
    let body = format!(
        r#"{{"name": "x", "description": "{}"}}"#,
        "a".repeat(100 * 1024)
    );
    let r = api
        .raw(
            Method::POST,
            "/api/v1/projects/library/robots",
            &Auth::admin(),
            body.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.message().contains("larger than 64 KiB"),
        "{}",
        r.message()
    );
}
