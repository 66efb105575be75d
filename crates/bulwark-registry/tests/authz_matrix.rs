//! Authorization matrix for the distribution API: every endpoint x every kind of caller x
//! own / other-private / public project, against an explicit table of expected statuses.
//! Then the token edge cases: missing scope, forged, expired, wrong audience, wrong scope.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use bulwark_auth::role::{Action, Role};
use bulwark_registry::store::Robot;
use support::{Auth, Registry, sha256};

const PW: &str = "correct horse battery";

/// The callers, with their credentials.
async fn callers(reg: &Registry) -> BTreeMap<&'static str, Auth> {
    let meta = &reg.state.meta;
    for p in ["dev", "qa"] {
        meta.create_project(p, false).await.unwrap();
    }
    meta.create_project("pub", true).await.unwrap();
    for (user, role) in [
        ("padmin", Some(Role::ProjectAdmin)),
        ("maint", Some(Role::Maintainer)),
        ("devel", Some(Role::Developer)),
        ("guest", Some(Role::Guest)),
        ("outsider", None),
    ] {
        reg.add_user(user, PW, false).await;
        if let Some(role) = role {
            meta.set_member("dev", user, role).await.unwrap();
        }
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let robots = [
        ("robot$dev+pull", "dev", vec![Action::Pull], None),
        (
            "robot$dev+ci",
            "dev",
            vec![Action::Pull, Action::Push],
            Some(now + 3600),
        ),
        (
            "robot$dev+all",
            "dev",
            vec![Action::Pull, Action::Push, Action::Delete],
            None,
        ),
        (
            "robot$qa+all",
            "qa",
            vec![Action::Pull, Action::Push, Action::Delete],
            None,
        ),
        (
            "robot$dev+old",
            "dev",
            vec![Action::Pull, Action::Push, Action::Delete],
            Some(now - 10),
        ),
    ];
    let mut out = BTreeMap::new();
    for (name, project, actions, expires_at) in robots {
        let secret = bulwark_auth::secret::generate();
        meta.create_robot(Robot {
            name: name.into(),
            project: project.into(),
            actions,
            secret_digest: bulwark_auth::secret::digest(&secret),
            expires_at,
            created_at: now,
            description: String::new(),
        })
        .await
        .unwrap();
        out.insert(name, Auth::Basic(name.into(), secret));
    }
    out.insert("anonymous", Auth::None);
    out.insert("sysadmin", Auth::basic("admin", support::ADMIN_PW));
    for u in ["padmin", "maint", "devel", "guest", "outsider"] {
        out.insert(u, Auth::basic(u, PW));
    }
    out.insert("wrong-password", Auth::basic("devel", "not the password"));
    out
}

/// Expected outcome per project: `r` = pull allowed, `w` = push allowed, `d` = delete
/// allowed, `-` = refused with 403, `?` = refused with 401. Order: dev qa pub, each as
/// three characters (pull push delete).
const MATRIX: &[(&str, &str)] = &[
    ("anonymous", "??? ??? r??"),
    ("sysadmin", "rwd rwd rwd"),
    ("padmin", "rwd --- r--"),
    ("maint", "rwd --- r--"),
    ("devel", "rw- --- r--"),
    ("guest", "r-- --- r--"),
    ("outsider", "--- --- r--"),
    ("robot$dev+pull", "r-- --- r--"),
    ("robot$dev+ci", "rw- --- r--"),
    ("robot$dev+all", "rwd --- r--"),
    ("robot$qa+all", "--- rwd r--"),
    ("robot$dev+old", "??? ??? ???"),
    ("wrong-password", "??? ??? ???"),
];

fn expect(allowed_status: StatusCode, symbol: char, letter: char) -> StatusCode {
    match symbol {
        '?' => StatusCode::UNAUTHORIZED,
        c if c == letter => allowed_status,
        _ => StatusCode::FORBIDDEN,
    }
}

#[tokio::test]
async fn every_endpoint_every_role_every_project() {
    let reg = Registry::start().await;
    let callers = callers(&reg).await;
    let admin = Auth::basic("admin", support::ADMIN_PW);
    let mut images = BTreeMap::new();
    for p in ["dev", "qa", "pub"] {
        let repo = format!("{p}/app");
        let digest = reg.push_image(&repo, "v1", &admin).await;
        let manifest = reg
            .get(&format!("/v2/{repo}/manifests/v1"), &admin)
            .await
            .body;
        let layer = reg
            .state
            .meta
            .referrers(
                &repo,
                &bulwark_types::Digest::sha256_hex(&"0".repeat(64)).unwrap(),
            )
            .await
            .unwrap();
        assert!(layer.is_empty());
        let config =
            serde_json::from_slice::<serde_json::Value>(&manifest).unwrap()["config"]["digest"]
                .as_str()
                .unwrap()
                .to_string();
        images.insert(p, (repo, digest, manifest, config));
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for (who, row) in MATRIX {
        let auth = &callers[who];
        let base = reg.get("/v2/", auth).await.status;
        let base_expected = if ["anonymous", "robot$dev+old", "wrong-password"].contains(who) {
            401
        } else {
            200
        };
        if base.as_u16() != base_expected {
            failures.push(format!("{who} GET /v2/: got {base}, want {base_expected}"));
        }
        for (project, cell) in ["dev", "qa", "pub"].iter().zip(row.split(' ')) {
            let cell: Vec<char> = cell.chars().collect();
            let (repo, digest, manifest, config) = &images[project];
            let pull = expect(StatusCode::OK, cell[0], 'r');
            let push_start = expect(StatusCode::ACCEPTED, cell[1], 'w');
            let push_manifest = expect(StatusCode::CREATED, cell[1], 'w');
            let delete = expect(StatusCode::ACCEPTED, cell[2], 'd');
            let head = |m: Method, uri: String| (m, uri);
            let pulls = [
                head(Method::GET, format!("/v2/{repo}/manifests/v1")),
                head(Method::HEAD, format!("/v2/{repo}/manifests/{digest}")),
                head(Method::GET, format!("/v2/{repo}/blobs/{config}")),
                head(Method::HEAD, format!("/v2/{repo}/blobs/{config}")),
                head(Method::GET, format!("/v2/{repo}/tags/list")),
                head(Method::GET, format!("/v2/{repo}/referrers/{digest}")),
            ];
            for (m, uri) in pulls {
                let got = reg
                    .call(m.clone(), &uri, auth, Vec::new(), &[])
                    .await
                    .status;
                checked += 1;
                if got != pull {
                    failures.push(format!("{who} {m} {uri}: got {got}, want {pull}"));
                }
            }
            let got = reg
                .call(
                    Method::POST,
                    &format!("/v2/{repo}/blobs/uploads/"),
                    auth,
                    Vec::new(),
                    &[],
                )
                .await
                .status;
            checked += 1;
            if got != push_start {
                failures.push(format!(
                    "{who} POST {repo} upload: got {got}, want {push_start}"
                ));
            }
            let tag = format!("t{}", support::uuid_like());
            let got = reg.put_manifest(repo, &tag, manifest, auth).await.status;
            checked += 1;
            if got != push_manifest {
                failures.push(format!(
                    "{who} PUT {repo} manifest: got {got}, want {push_manifest}"
                ));
            }
            // Deletes work on fresh content so that one caller's delete can't hide another's.
            let victim = reg.push_image(repo, "victim", &admin).await;
            let got = reg
                .call(
                    Method::DELETE,
                    &format!("/v2/{repo}/manifests/{victim}"),
                    auth,
                    Vec::new(),
                    &[],
                )
                .await
                .status;
            checked += 1;
            if got != delete {
                failures.push(format!(
                    "{who} DELETE {repo} manifest: got {got}, want {delete}"
                ));
            }
            let blob = reg
                .push_blob(repo, support::uuid_like().as_bytes(), &admin)
                .await;
            let got = reg
                .call(
                    Method::DELETE,
                    &format!("/v2/{repo}/blobs/{blob}"),
                    auth,
                    Vec::new(),
                    &[],
                )
                .await
                .status;
            checked += 1;
            if got != delete {
                failures.push(format!(
                    "{who} DELETE {repo} blob: got {got}, want {delete}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 300, "only {checked} checks ran");
}

#[tokio::test]
async fn catalog_lists_only_what_the_caller_can_pull() {
    let reg = Registry::start().await;
    let callers = callers(&reg).await;
    let admin = Auth::basic("admin", support::ADMIN_PW);
    for p in ["dev", "qa", "pub"] {
        reg.push_image(&format!("{p}/app"), "v1", &admin).await;
    }
    let cases: &[(&str, &[&str])] = &[
        ("sysadmin", &["dev/app", "pub/app", "qa/app"]),
        ("guest", &["dev/app", "pub/app"]),
        ("outsider", &["pub/app"]),
        ("robot$qa+all", &["pub/app", "qa/app"]),
    ];
    for (who, want) in cases {
        let r = reg.get("/v2/_catalog", &callers[who]).await;
        assert_eq!(r.status, StatusCode::OK, "{who}");
        let got: Vec<String> = serde_json::from_value(r.json()["repositories"].clone()).unwrap();
        assert_eq!(got, *want, "{who}");
    }
    assert_eq!(
        reg.get("/v2/_catalog", &Auth::None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Paging over the filtered list.
    let r = reg.get("/v2/_catalog?n=1", &callers["sysadmin"]).await;
    assert_eq!(r.json()["repositories"], serde_json::json!(["dev/app"]));
    assert!(r.header("link").unwrap().contains("last=dev/app"));
}

async fn token(reg: &Registry, auth: &Auth, scope: &str) -> (StatusCode, serde_json::Value) {
    let scopes = scope.replace(' ', "&scope=");
    let r = reg
        .get(
            &format!("/service/token?service=bulwark&scope={scopes}"),
            auth,
        )
        .await;
    (r.status, r.json())
}

fn claims(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn tokens_grant_exactly_the_permitted_scopes() {
    let reg = Registry::start().await;
    let callers = callers(&reg).await;
    let admin = Auth::basic("admin", support::ADMIN_PW);
    let digest = reg.push_image("dev/app", "v1", &admin).await;

    // A developer asking for everything gets pull and push only.
    let (status, body) = token(
        &reg,
        &callers["devel"],
        "repository:dev/app:pull,push,delete",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let t = body["token"].as_str().unwrap().to_string();
    assert_eq!(
        claims(&t)["access"],
        serde_json::json!([{"type": "repository", "name": "dev/app", "actions": ["pull", "push"]}])
    );
    assert_eq!(claims(&t)["sub"], "devel");
    let bearer = Auth::Bearer(t);
    assert_eq!(
        reg.get("/v2/dev/app/manifests/v1", &bearer).await.status,
        StatusCode::OK
    );
    let r = reg
        .call(
            Method::DELETE,
            &format!("/v2/dev/app/manifests/{digest}"),
            &bearer,
            Vec::new(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let challenge = r.header("www-authenticate").unwrap();
    assert!(
        challenge.contains("insufficient_scope")
            && challenge.contains("repository:dev/app:pull,delete"),
        "{challenge}"
    );

    // Wrong scope: a token for another repository.
    let (_, body) = token(&reg, &callers["devel"], "repository:dev/other:pull").await;
    let other = Auth::Bearer(body["token"].as_str().unwrap().into());
    assert_eq!(
        reg.get("/v2/dev/app/manifests/v1", &other).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Nothing granted in a project one has no role in; the token is still issued, empty.
    let (status, body) = token(&reg, &callers["devel"], "repository:qa/app:pull").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        claims(body["token"].as_str().unwrap())["access"],
        serde_json::json!([])
    );

    // Anonymous tokens: only public pulls.
    let (_, body) = token(&reg, &Auth::None, "repository:pub/app:pull,push").await;
    assert_eq!(
        claims(body["token"].as_str().unwrap())["access"][0]["actions"],
        serde_json::json!(["pull"])
    );

    // Bad credentials never fall back to anonymous.
    let (status, _) = token(&reg, &callers["wrong-password"], "repository:pub/app:pull").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = token(&reg, &callers["robot$dev+old"], "repository:dev/app:pull").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Robots: scoped to their project and actions.
    let (_, body) = token(
        &reg,
        &callers["robot$dev+ci"],
        "repository:dev/app:pull,push,delete repository:qa/app:pull",
    )
    .await;
    assert_eq!(
        claims(body["token"].as_str().unwrap())["access"],
        serde_json::json!([{"type": "repository", "name": "dev/app", "actions": ["pull", "push"]}])
    );

    // Unknown service is refused.
    let r = reg
        .get(
            "/service/token?service=other&scope=repository:dev/app:pull",
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

fn sign(reg: &Registry, claims: serde_json::Value, key_pem: Option<&[u8]>) -> String {
    let own = std::fs::read(reg.data_dir().join("token.key")).unwrap();
    let key = jsonwebtoken::EncodingKey::from_ec_pem(key_pem.unwrap_or(&own)).unwrap();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256),
        &claims,
        &key,
    )
    .unwrap()
}

#[tokio::test]
async fn forged_expired_and_misaddressed_tokens_are_rejected() {
    let reg = Registry::start().await;
    let admin = Auth::basic("admin", support::ADMIN_PW);
    reg.state.meta.create_project("dev", false).await.unwrap();
    reg.push_image("dev/app", "v1", &admin).await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let good = serde_json::json!({
        "iss": "bulwark-token-service", "sub": "admin", "aud": "bulwark",
        "exp": now + 300, "nbf": now - 5, "iat": now - 5, "jti": "x",
        "access": [{"type": "repository", "name": "dev/app", "actions": ["pull"]}],
    });
    let pull = |t: String| {
        let reg = &reg;
        async move { reg.get("/v2/dev/app/manifests/v1", &Auth::Bearer(t)).await }
    };
    // Our own correctly signed token works: the crafting is right.
    assert_eq!(
        pull(sign(&reg, good.clone(), None)).await.status,
        StatusCode::OK
    );

    let other_dir = tempfile::tempdir().unwrap();
    let other = bulwark_auth::token::TokenService::load_or_create(
        &other_dir.path().join("k.pem"),
        "bulwark-token-service",
        "bulwark",
        std::time::Duration::from_secs(300),
    )
    .unwrap();
    let forged = other
        .issue(
            "admin",
            vec![bulwark_auth::token::Access {
                kind: "repository".into(),
                name: "dev/app".into(),
                actions: vec!["pull".into()],
            }],
        )
        .unwrap()
        .token;
    let mut expired = good.clone();
    expired["exp"] = (now - 3600).into();
    let mut wrong_aud = good.clone();
    wrong_aud["aud"] = "someone-else".into();
    let mut wrong_iss = good.clone();
    wrong_iss["iss"] = "evil".into();
    let mut tampered = sign(&reg, good.clone(), None);
    let payload = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        serde_json::to_vec(&serde_json::json!({"sub": "admin", "access": [{"type": "repository", "name": "dev/app", "actions": ["*"]}]})).unwrap(),
    );
    let parts: Vec<&str> = tampered.split('.').collect();
    tampered = format!("{}.{}.{}", parts[0], payload, parts[2]);
    let cases = [
        ("forged", forged),
        ("expired", sign(&reg, expired, None)),
        ("wrong audience", sign(&reg, wrong_aud, None)),
        ("wrong issuer", sign(&reg, wrong_iss, None)),
        ("tampered", tampered),
        ("garbage", "not.a.jwt".into()),
    ];
    for (what, t) in cases {
        let r = pull(t).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(r.error_code().as_deref(), Some("UNAUTHORIZED"), "{what}");
        assert!(r.header("www-authenticate").is_some(), "{what}");
    }
    // A token whose subject was deleted stops working.
    reg.add_user("temp", PW, true).await;
    let mut temp = good;
    temp["sub"] = "temp".into();
    let t = sign(&reg, temp, None);
    assert_eq!(pull(t.clone()).await.status, StatusCode::OK);
    reg.state.meta.delete_user("temp").await.unwrap();
    reg.state.credentials.clear();
    assert_eq!(pull(t).await.status, StatusCode::UNAUTHORIZED);
    let _ = sha256(b"");
}
