//! Management API flows: projects, users, members and robots created through the API and
//! then used against the registry itself.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod api_support;

use api_support::{Api, Auth};
use axum::http::{Method, StatusCode};
use serde_json::json;

async fn create_user(api: &Api, name: &str, password: &str) {
    let body = json!({"username": name, "password": password});
    let r = api
        .call(Method::POST, "/api/v1/users", &Auth::admin(), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

#[tokio::test]
async fn project_user_member_and_robot_flow() {
    let api = Api::start().await;
    let admin = Auth::admin();
    let r = api
        .call(
            Method::POST,
            "/api/v1/projects",
            &admin,
            Some(json!({"name": "dev"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["public"], false);
    let r = api
        .call(
            Method::POST,
            "/api/v1/projects",
            &admin,
            Some(json!({"name": "dev"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    create_user(&api, "alice", "alice-password").await;
    let alice = Auth::basic("alice", "alice-password");
    assert_eq!(
        api.get("/api/v1/projects/dev", &alice).await.status,
        StatusCode::FORBIDDEN
    );
    let names = |r: &api_support::Resp| -> Vec<String> {
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(&api.get("/api/v1/projects", &alice).await),
        ["library"]
    );

    let r = api
        .call(
            Method::PUT,
            "/api/v1/projects/dev/members/alice",
            &admin,
            Some(json!({"role": "project-admin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        api.get("/api/v1/projects/dev", &alice).await.status,
        StatusCode::OK
    );
    assert_eq!(
        names(&api.get("/api/v1/projects", &alice).await),
        ["dev", "library"]
    );
    let me = api.get("/api/v1/whoami", &alice).await.json();
    assert_eq!(me["kind"], "user");
    assert_eq!(
        me["memberships"],
        json!([{"project": "dev", "role": "project-admin"}])
    );
    let members = api.get("/api/v1/projects/dev/members", &alice).await.json();
    assert_eq!(members, json!([{"user": "alice", "role": "project-admin"}]));

    // A project administrator creates a robot; its secret is in this answer only.
    let body = json!({"name": "ci", "actions": ["pull", "push"], "expires_in_days": 30, "description": "CI pipeline"});
    let r = api
        .call(
            Method::POST,
            "/api/v1/projects/dev/robots",
            &alice,
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    assert_eq!(created["name"], "robot$dev+ci");
    assert_eq!(created["actions"], json!(["pull", "push"]));
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.len() >= 40, "{secret}");
    let expires = created["expires_at"].as_i64().unwrap();
    let in_30_days = bulwark_registry::clock::now() + 30 * 86_400;
    assert!((in_30_days - expires).abs() < 60, "{expires}");
    let listed = api.get("/api/v1/projects/dev/robots", &alice).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json()[0]["name"], "robot$dev+ci");
    assert!(listed.json()[0].get("secret").is_none());
    assert!(
        !listed.text().contains(&secret),
        "the secret is shown again"
    );

    // The robot works on the registry: basic auth on /v2/, a token, a push.
    let robot = Auth::basic("robot$dev+ci", &secret);
    assert_eq!(api.get("/v2/", &robot).await.status, StatusCode::OK);
    let token = api
        .get(
            "/service/token?service=bulwark&scope=repository:dev/app:pull,push",
            &robot,
        )
        .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.text());
    api.push_image("dev/app", "v1", &robot).await;
    let me = api.get("/api/v1/whoami", &robot).await.json();
    assert_eq!(
        (me["kind"].as_str(), me["project"].as_str()),
        (Some("robot"), Some("dev"))
    );

    let repos = api
        .get("/api/v1/projects/dev/repositories", &alice)
        .await
        .json();
    assert_eq!(repos[0]["name"], "dev/app");
    assert_eq!(repos[0]["tags"], 1);
    let detail = api.get("/api/v1/repositories/dev/app", &robot).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text());
    assert_eq!(detail.json()["tag_details"][0]["name"], "v1");
    let encoded = api.get("/api/v1/repositories/dev%2Fapp", &alice).await;
    assert_eq!(encoded.json(), detail.json(), "percent-encoded slash");

    // Revoked: the same secret stops working at once.
    let r = api
        .call(
            Method::DELETE,
            "/api/v1/projects/dev/robots/ci",
            &alice,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(
        api.get("/v2/", &robot).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Removed from the project: alice loses sight of it.
    let r = api
        .call(
            Method::DELETE,
            "/api/v1/projects/dev/members/alice",
            &admin,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        api.get("/api/v1/projects/dev", &alice).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn project_delete_refuses_while_repositories_remain_unless_forced() {
    let api = Api::start().await;
    let admin = Auth::admin();
    api.call(
        Method::POST,
        "/api/v1/projects",
        &admin,
        Some(json!({"name": "tmp", "public": true})),
    )
    .await;
    let r = api
        .call(
            Method::POST,
            "/api/v1/projects/tmp/robots",
            &admin,
            Some(json!({"name": "ci", "actions": ["*"]})),
        )
        .await;
    let secret = r.json()["secret"].as_str().unwrap().to_string();
    api.push_image("tmp/app", "latest", &admin).await;

    let r = api
        .call(Method::DELETE, "/api/v1/projects/tmp", &admin, None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.message().contains("force=true"), "{}", r.message());
    assert_eq!(
        api.get("/api/v1/projects/tmp", &admin).await.status,
        StatusCode::OK
    );

    let r = api
        .call(
            Method::DELETE,
            "/api/v1/projects/tmp?force=true",
            &admin,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(
        api.get("/api/v1/projects/tmp", &admin).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.get("/v2/", &Auth::basic("robot$tmp+ci", &secret))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api.get("/v2/tmp/app/tags/list", &admin).await.status,
        StatusCode::NOT_FOUND
    );

    // An empty project needs no force; deleting a repository empties one.
    api.call(
        Method::POST,
        "/api/v1/projects",
        &admin,
        Some(json!({"name": "tmp2"})),
    )
    .await;
    api.push_image("tmp2/app", "v1", &admin).await;
    let r = api
        .call(
            Method::DELETE,
            "/api/v1/repositories/tmp2/app",
            &admin,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(
        api.call(
            Method::DELETE,
            "/api/v1/repositories/tmp2/app",
            &admin,
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.call(Method::DELETE, "/api/v1/projects/tmp2", &admin, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn users_and_passwords() {
    let api = Api::start().await;
    let admin = Auth::admin();
    create_user(&api, "bob", "bob-password").await;
    let bob = Auth::basic("bob", "bob-password");
    let r = api
        .call(
            Method::POST,
            "/api/v1/users",
            &admin,
            Some(json!({"username": "bob", "password": "whatever-1"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let users = api.get("/api/v1/users", &admin).await;
    assert!(
        !users.text().contains("argon2"),
        "password hashes leak: {}",
        users.text()
    );
    assert_eq!(users.json().as_array().unwrap().len(), 2);

    // Your own password needs the old one.
    let path = "/api/v1/users/bob/password";
    let r = api
        .call(
            Method::PUT,
            path,
            &bob,
            Some(json!({"password": "bob-new-password"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let wrong = json!({"password": "bob-new-password", "old_password": "nope"});
    assert_eq!(
        api.call(Method::PUT, path, &bob, Some(wrong)).await.status,
        StatusCode::FORBIDDEN
    );
    let right = json!({"password": "bob-new-password", "old_password": "bob-password"});
    assert_eq!(
        api.call(Method::PUT, path, &bob, Some(right)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get("/api/v1/whoami", &bob).await.status,
        StatusCode::UNAUTHORIZED,
        "old password still works"
    );
    let bob = Auth::basic("bob", "bob-new-password");
    assert_eq!(api.get("/api/v1/whoami", &bob).await.status, StatusCode::OK);

    // Someone else's: only a system administrator, who needs no old password.
    let r = api
        .call(
            Method::PUT,
            "/api/v1/users/admin/password",
            &bob,
            Some(json!({"password": "hijacked-pw"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = api
        .call(
            Method::PUT,
            path,
            &admin,
            Some(json!({"password": "reset-by-admin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        api.get("/api/v1/whoami", &Auth::basic("bob", "reset-by-admin"))
            .await
            .status,
        StatusCode::OK
    );

    let r = api
        .call(Method::DELETE, "/api/v1/users/admin", &admin, None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "deleting yourself");
    assert_eq!(
        api.call(Method::DELETE, "/api/v1/users/nobody", &admin, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.call(Method::DELETE, "/api/v1/users/bob", &admin, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get("/api/v1/whoami", &Auth::basic("bob", "reset-by-admin"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn bearer_tokens_act_as_their_subject() {
    let api = Api::start().await;
    let r = api
        .get("/service/token?service=bulwark", &Auth::admin())
        .await;
    let token = r.json()["token"].as_str().unwrap().to_string();
    let bearer = Auth::Bearer(token);
    assert_eq!(
        api.get("/api/v1/whoami", &bearer).await.json()["name"],
        "admin"
    );
    assert_eq!(
        api.get("/api/v1/users", &bearer).await.status,
        StatusCode::OK
    );
    assert_eq!(
        api.get("/api/v1/whoami", &Auth::Bearer("garbage".into()))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn immutability_rules_and_gc() {
    let api = Api::start().await;
    let admin = Auth::admin();
    let r = api
        .call(
            Method::PUT,
            "/api/v1/projects/library/immutability",
            &admin,
            Some(json!({"rules": ["v*", "release-?"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        api.get("/api/v1/projects/library/immutability", &admin)
            .await
            .json(),
        json!({"rules": ["v*", "release-?"]})
    );
    api.push_image("library/app", "v1", &admin).await;
    let moved = api
        .try_push_image("library/app", "v1", "different content", &admin)
        .await;
    assert_eq!(moved, StatusCode::CONFLICT, "an immutable tag moved");
    assert_eq!(
        api.try_push_image("library/app", "latest", "different content", &admin)
            .await,
        StatusCode::CREATED
    );

    let r = api.call(Method::POST, "/api/v1/gc", &admin, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.json()["blobs_deleted"].is_u64());
}

/// Every documented operation is routed: no request to it ends in the router's own 404
/// (empty body) or 405.
#[tokio::test]
async fn every_documented_operation_is_routed() {
    let api = Api::start().await;
    let doc = api.get("/api/v1/openapi.json", &Auth::None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for (path, item) in doc["paths"].as_object().unwrap() {
        let uri = path
            .replace("{project}", "nope")
            .replace("{user}", "nobody")
            .replace("{name}", "none")
            .replace("{repo}", "nope/app");
        for method in item
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "parameters")
        {
            let method: Method = method.to_uppercase().parse().unwrap();
            let r = api.raw(method.clone(), &uri, &Auth::admin(), b"{}").await;
            assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
            assert!(
                !(r.status == StatusCode::NOT_FOUND && r.body.is_empty()),
                "{method} {uri} is not routed"
            );
        }
    }
}
