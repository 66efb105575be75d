#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! No secret reaches the server's log: passwords (right and wrong), a robot's secret, the
//! tokens the server issues, and a secret passed in a query string, exercised through
//! basic auth, the token endpoint (GET and the POST password grant), bearer pulls,
//! robot pushes and the management API, with the log at trace level.

mod common;

use common::server::{BulwarkServer, ServerOptions, basic_auth};

#[test]
fn secrets_never_reach_the_log() {
    let server = BulwarkServer::start(ServerOptions {
        log_filter: "trace".into(),
        ..ServerOptions::default()
    });
    let agent = server.agent();
    let url = server.url();
    let admin = basic_auth("admin", server.admin_password());

    // A robot, whose secret is shown once.
    let mut resp = agent
        .post(format!("{url}/api/v1/projects/library/robots"))
        .header("Authorization", &admin)
        .header("Content-Type", "application/json")
        .send(r#"{"name":"ci","actions":["pull","push"]}"#)
        .unwrap();
    assert_eq!(resp.status(), 201);
    let robot: serde_json::Value = resp.body_mut().read_json().unwrap();
    let robot_name = robot["name"].as_str().unwrap().to_string();
    let robot_secret = robot["secret"].as_str().unwrap().to_string();
    assert!(robot_secret.len() >= 20);

    // Tokens: GET with basic auth, and the POST password grant.
    let token = server.token(
        "repository:library/app:pull,push",
        Some(("admin", server.admin_password())),
    );
    let form = format!(
        "grant_type=password&service=bulwark&client_id=test&username={}&password={}&scope=repository:library/app:pull",
        robot_name.replace('$', "%24").replace('+', "%2B"),
        robot_secret
    );
    let mut resp = agent
        .post(format!("{url}/service/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(form.as_str())
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", server.log());
    let granted: serde_json::Value = resp.body_mut().read_json().unwrap();
    let robot_token = granted["access_token"]
        .as_str()
        .or(granted["token"].as_str())
        .unwrap()
        .to_string();

    // Use them: a robot push by basic auth, bearer pulls, a wrong password, a secret in a
    // query string.
    let blob = b"log test blob";
    let digest = common::sha256(blob);
    let resp = agent
        .post(format!(
            "{url}/v2/library/app/blobs/uploads/?digest={digest}"
        ))
        .header("Authorization", basic_auth(&robot_name, &robot_secret))
        .header("Content-Type", "application/octet-stream")
        .send(&blob[..])
        .unwrap();
    assert_eq!(resp.status(), 201);
    for bearer in [&token, &robot_token] {
        let resp = agent
            .get(format!("{url}/v2/library/app/blobs/{digest}"))
            .header("Authorization", format!("Bearer {bearer}"))
            .call()
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let wrong = "wrong-password-7f3a9c";
    let resp = agent
        .get(format!("{url}/v2/library/app/tags/list"))
        .header("Authorization", basic_auth("admin", wrong))
        .call()
        .unwrap();
    assert_eq!(resp.status(), 401);
    let query_secret = "query-secret-5b1e77";
    let resp = agent
        .get(format!(
            "{url}/v2/library/app/tags/list?access_token={query_secret}"
        ))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = agent
        .get(format!("{url}/api/v1/whoami"))
        .header("Authorization", basic_auth(&robot_name, &robot_secret))
        .call()
        .unwrap();
    assert_eq!(resp.status(), 200);

    // Let the batched audit writer and the access log flush.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let log = server.log();
    assert!(
        log.contains("/v2/library/app/blobs/") && log.contains("/service/token"),
        "the log records requests at all:\n{log}"
    );
    assert!(
        log.contains("DEBUG token issued"),
        "the log is at debug level or finer:\n{log}"
    );
    for (what, secret) in [
        ("admin password", server.admin_password()),
        ("robot secret", robot_secret.as_str()),
        ("admin token", token.as_str()),
        ("robot token", robot_token.as_str()),
        ("wrong password", wrong),
        ("query-string secret", query_secret),
    ] {
        assert!(!log.contains(secret), "the {what} is in the server log");
    }
    // Basic credentials, base64-encoded, are not there either.
    let encoded = basic_auth(&robot_name, &robot_secret);
    assert!(!log.contains(encoded.trim_start_matches("Basic ")));
}
