//! Tag immutability, garbage collection (also while pushes run), the audit trail and
//! metrics, driven in-process.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use axum::http::{Method, StatusCode};
use support::{Auth, Registry, sha256};

fn admin() -> Auth {
    Auth::basic("admin", support::ADMIN_PW)
}

#[tokio::test]
async fn immutable_tags_never_move_or_disappear() {
    let reg = Registry::start().await;
    reg.state.meta.create_project("prod", false).await.unwrap();
    reg.state
        .meta
        .set_immutable_rules("prod", vec!["v*".into()])
        .await
        .unwrap();
    let first = reg.push_image("prod/app", "v1.0", &admin()).await;
    // Re-pushing the same manifest to the same tag is fine (idempotent).
    let same = reg.get("/v2/prod/app/manifests/v1.0", &admin()).await.body;
    assert_eq!(
        reg.put_manifest("prod/app", "v1.0", &same, &admin())
            .await
            .status,
        StatusCode::CREATED
    );
    // Moving it is refused, and the tag still points at the first manifest.
    let other = reg.push_image("prod/app", "scratch", &admin()).await;
    let other_body = reg
        .get(&format!("/v2/prod/app/manifests/{other}"), &admin())
        .await
        .body;
    let r = reg
        .put_manifest("prod/app", "v1.0", &other_body, &admin())
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code().as_deref(), Some("TAG_IMMUTABLE"));
    assert_eq!(
        sha256(&reg.get("/v2/prod/app/manifests/v1.0", &admin()).await.body),
        first
    );
    // Neither the tag nor its manifest can be deleted.
    let r = reg
        .call(
            Method::DELETE,
            "/v2/prod/app/manifests/v1.0",
            &admin(),
            Vec::new(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = reg
        .call(
            Method::DELETE,
            &format!("/v2/prod/app/manifests/{first}"),
            &admin(),
            Vec::new(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Tags outside the rule move freely.
    assert_eq!(
        reg.put_manifest("prod/app", "latest", &same, &admin())
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        reg.put_manifest("prod/app", "latest", &other_body, &admin())
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        sha256(
            &reg.get("/v2/prod/app/manifests/latest", &admin())
                .await
                .body
        ),
        other
    );
}

fn blob_file(reg: &Registry, digest: &str) -> std::path::PathBuf {
    let hex = digest.trim_start_matches("sha256:");
    reg.data_dir()
        .join("blobs/sha256")
        .join(&hex[..2])
        .join(hex)
}

#[tokio::test]
async fn gc_removes_only_unreferenced_content_past_the_grace_period() {
    let reg = Registry::start_with(|c| c.gc.grace_secs = 0).await;
    reg.state.meta.create_project("dev", false).await.unwrap();
    let kept = reg.push_image("dev/app", "v1", &admin()).await;
    let manifest: serde_json::Value =
        serde_json::from_slice(&reg.get("/v2/dev/app/manifests/v1", &admin()).await.body).unwrap();
    let layer = manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    // Big enough to be a file in the blob store (small blobs are kept inline).
    let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let orphan = reg.push_blob("dev/app", &big, &admin()).await;
    let known = |d: String| {
        let meta = reg.state.meta.clone();
        async move { meta.blob(&d.parse().unwrap()).await.unwrap().is_some() }
    };
    // A manifest deleted by digest frees its unique layer.
    let doomed = reg.push_image("dev/app", "tmp", &admin()).await;
    let doomed_m: serde_json::Value = serde_json::from_slice(
        &reg.get(&format!("/v2/dev/app/manifests/{doomed}"), &admin())
            .await
            .body,
    )
    .unwrap();
    let doomed_layer = doomed_m["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let r = reg
        .call(
            Method::DELETE,
            &format!("/v2/dev/app/manifests/{doomed}"),
            &admin(),
            Vec::new(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert!(blob_file(&reg, &orphan).exists(), "a 100 kB blob is a file");
    assert!(
        !blob_file(&reg, &doomed_layer).exists(),
        "a small layer is stored inline"
    );
    assert!(known(doomed_layer.clone()).await);
    // Everything is "old" once a second has passed (grace 0 s, one-second clock).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let report = bulwark_registry::gc::run(&reg.state).await.unwrap();
    assert_eq!(report.blobs_deleted, 2, "{report:?}");
    assert!(!blob_file(&reg, &orphan).exists());
    assert!(!known(orphan.clone()).await && !known(doomed_layer.clone()).await);
    assert!(known(layer.clone()).await);
    assert_eq!(
        reg.get(&format!("/v2/dev/app/blobs/{orphan}"), &admin())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        sha256(&reg.get("/v2/dev/app/manifests/v1", &admin()).await.body),
        kept
    );
    assert_eq!(
        reg.get(&format!("/v2/dev/app/blobs/{layer}"), &admin())
            .await
            .status,
        StatusCode::OK
    );
    // A second pass finds nothing more.
    let again = bulwark_registry::gc::run(&reg.state).await.unwrap();
    assert_eq!(
        again.blobs_deleted + again.orphan_files_deleted,
        0,
        "{again:?}"
    );
}

#[tokio::test]
async fn gc_keeps_recent_unreferenced_blobs_and_orphan_files() {
    let reg = Registry::start().await; // default grace: one hour
    reg.state.meta.create_project("dev", false).await.unwrap();
    let pending = reg
        .push_blob("dev/app", b"layer whose manifest is still coming", &admin())
        .await;
    let big: Vec<u8> = (0..70_000u32).map(|i| (i % 13) as u8).collect();
    let pending_file = reg.push_blob("dev/app", &big, &admin()).await;
    // An orphan file as a crash between rename and link would leave it.
    let stray = sha256(b"stray");
    let path = blob_file(&reg, &stray);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"stray").unwrap();
    let report = bulwark_registry::gc::run(&reg.state).await.unwrap();
    assert_eq!(
        report.blobs_deleted + report.orphan_files_deleted,
        0,
        "{report:?}"
    );
    assert!(path.exists() && blob_file(&reg, &pending_file).exists());
    assert!(
        reg.state
            .meta
            .blob(&pending.parse().unwrap())
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gc_running_during_pushes_never_breaks_a_push() {
    let reg = std::sync::Arc::new(Registry::start().await);
    reg.state.meta.create_project("dev", false).await.unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let gc = {
        let (reg, stop) = (reg.clone(), stop.clone());
        tokio::spawn(async move {
            let mut passes = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                bulwark_registry::gc::run(&reg.state).await.unwrap();
                passes += 1;
                tokio::task::yield_now().await;
            }
            passes
        })
    };
    let mut pushed = Vec::new();
    for i in 0..40 {
        pushed.push((
            format!("t{i}"),
            reg.push_image("dev/app", &format!("t{i}"), &admin()).await,
        ));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(gc.await.unwrap() > 0);
    for (tag, digest) in pushed {
        let m = reg
            .get(&format!("/v2/dev/app/manifests/{tag}"), &admin())
            .await;
        assert_eq!(sha256(&m.body), digest);
        let v: serde_json::Value = serde_json::from_slice(&m.body).unwrap();
        for d in [&v["config"]["digest"], &v["layers"][0]["digest"]] {
            let b = reg
                .get(
                    &format!("/v2/dev/app/blobs/{}", d.as_str().unwrap()),
                    &admin(),
                )
                .await;
            assert_eq!(b.status, StatusCode::OK);
            assert_eq!(sha256(&b.body), d.as_str().unwrap());
        }
    }
}

/// Sets a file's or directory's modification time `secs` seconds into the past, as if it
/// had been last written then (a directory opened read-only accepts new times on Unix).
fn backdate(path: &std::path::Path, secs: u64) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
    std::fs::File::open(path)
        .unwrap()
        .set_modified(then)
        .unwrap();
}

#[tokio::test]
async fn gc_purges_stale_uploads_but_not_chunked_uploads_still_being_appended() {
    let reg = &Registry::start_with(|c| c.gc.grace_secs = 60).await;
    reg.state.meta.create_project("dev", false).await.unwrap();
    let start = || async {
        let r = reg
            .call(
                Method::POST,
                "/v2/dev/app/blobs/uploads/",
                &admin(),
                Vec::new(),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
        r.header("location").unwrap()
    };
    let patch = |loc: String, offset: usize, chunk: &'static [u8]| async move {
        let range = format!("{offset}-{}", offset + chunk.len() - 1);
        reg.call(
            Method::PATCH,
            &loc,
            &admin(),
            chunk.to_vec(),
            &[
                ("content-type", "application/octet-stream"),
                ("content-range", &range),
            ],
        )
        .await
        .status
    };
    let upload_dir = |loc: &str| {
        let id = loc.rsplit('/').next().unwrap();
        reg.data_dir().join("uploads").join(id)
    };
    let (first, second) = (b"first chunk, ".as_slice(), b"second chunk".as_slice());
    let active = start().await;
    let stale = start().await;
    assert_eq!(patch(active.clone(), 0, first).await, StatusCode::ACCEPTED);
    assert_eq!(patch(stale.clone(), 0, first).await, StatusCode::ACCEPTED);
    // Both uploads began two minutes ago, past the 60 s grace period...
    for loc in [&active, &stale] {
        let dir = upload_dir(loc);
        backdate(&dir.join("data"), 120);
        backdate(&dir, 120);
    }
    // ...but one is still receiving chunks, which touch its data file, not its directory.
    assert_eq!(
        patch(active.clone(), first.len(), second).await,
        StatusCode::ACCEPTED
    );
    let report = bulwark_registry::gc::run(&reg.state).await.unwrap();
    assert_eq!(report.uploads_purged, 1, "{report:?}");
    assert!(!upload_dir(&stale).exists());
    assert_eq!(
        reg.get(&stale, &admin()).await.error_code().as_deref(),
        Some("BLOB_UPLOAD_UNKNOWN")
    );
    // The active upload lost nothing and completes.
    let whole = [first, second].concat();
    let digest = sha256(&whole);
    let r = reg
        .call(
            Method::PUT,
            &format!("{active}?digest={digest}"),
            &admin(),
            Vec::new(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.error_code());
    let blob = reg
        .get(&format!("/v2/dev/app/blobs/{digest}"), &admin())
        .await;
    assert_eq!(blob.body, whole);
}

#[tokio::test]
async fn audit_log_records_who_did_what() {
    let reg = Registry::start().await;
    reg.state.meta.create_project("dev", false).await.unwrap();
    let digest = reg.push_image("dev/app", "v1", &admin()).await;
    reg.get("/v2/dev/app/manifests/v1", &admin()).await;
    reg.call(
        Method::DELETE,
        &format!("/v2/dev/app/manifests/{digest}"),
        &admin(),
        Vec::new(),
        &[],
    )
    .await;
    reg.get(
        "/service/token?service=bulwark&scope=repository:dev/app:pull",
        &admin(),
    )
    .await;
    reg.get(
        "/service/token?service=bulwark",
        &Auth::basic("admin", "wrong"),
    )
    .await;
    // The writer batches; give it a moment.
    let mut events = Vec::new();
    for _ in 0..100 {
        events = reg.state.meta.audit(Default::default()).await.unwrap();
        if events.len() >= 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let seen: Vec<(String, String, String, String)> = events
        .iter()
        .map(|e| {
            (
                e.actor.clone(),
                e.action.clone(),
                e.resource.clone(),
                e.outcome.clone(),
            )
        })
        .collect();
    for want in [
        ("admin", "push", "dev/app:v1", "ok"),
        ("admin", "pull", "dev/app:v1", "ok"),
        ("admin", "delete", &*format!("dev/app:{digest}"), "ok"),
        ("admin", "login", "token", "ok"),
        ("admin", "login", "token", "failed"),
    ] {
        let want = (
            want.0.to_string(),
            want.1.to_string(),
            want.2.to_string(),
            want.3.to_string(),
        );
        assert!(seen.contains(&want), "missing {want:?} in {seen:?}");
    }
    assert!(
        events.iter().all(|e| e.time > 1_700_000_000_000),
        "times are unix milliseconds"
    );
    let dev_only = reg
        .state
        .meta
        .audit(bulwark_registry::store::AuditQuery {
            project: Some("dev".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(dev_only.iter().all(|e| e.project.as_deref() == Some("dev")) && dev_only.len() >= 3);
}

#[tokio::test]
async fn metrics_count_requests_and_storage() {
    let reg = Registry::start().await;
    reg.state.meta.create_project("dev", false).await.unwrap();
    reg.push_image("dev/app", "v1", &admin()).await;
    reg.get("/v2/dev/app/manifests/nope", &admin()).await;
    let text = String::from_utf8(reg.get("/metrics", &Auth::None).await.body).unwrap();
    assert!(
        text.contains(
            r#"bulwark_http_requests_total{method="PUT",route="manifest",status="201"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"bulwark_http_requests_total{method="GET",route="manifest",status="404"} 1"#
        )
    );
    assert!(text.contains("bulwark_storage_blobs 2"));
    assert!(text.contains("bulwark_storage_tags 1"));
    assert!(text.contains("bulwark_http_request_duration_seconds_bucket{"));
    // The project, two blobs and the manifest with its tag are four writes at least;
    // each commit holds one or more of them.
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing:\n{text}"))
    };
    let commits = value("bulwark_store_commits_total");
    let writes = value("bulwark_store_committed_writes_total");
    assert!(
        writes >= 4.0 && commits >= 1.0 && writes >= commits,
        "{commits} {writes}"
    );
    assert!(value("bulwark_store_commit_seconds_total") > 0.0);
    // No repository names or digests leak into labels.
    assert!(!text.contains("dev/app"));
    assert_eq!(
        reg.get("/healthz", &Auth::None).await.status,
        StatusCode::OK
    );
    assert_eq!(reg.get("/readyz", &Auth::None).await.status, StatusCode::OK);
}
