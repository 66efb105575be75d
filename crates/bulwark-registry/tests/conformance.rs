//! Our OCI Distribution conformance suite (crates/bulwark-conformance) against the real
//! server listening on 127.0.0.1: every check must pass, with every optional feature on,
//! and with deletes disabled the delete checks must see `UNSUPPORTED`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use bulwark_conformance::{Auth, Features, Target};
use bulwark_registry::Config;

async fn serve(
    tweak: impl FnOnce(&mut Config),
) -> (String, tempfile::TempDir, tokio::sync::oneshot::Sender<()>) {
    let dir = tempfile::tempdir().unwrap();
    let port = bulwark_testkit::free_port();
    let mut config = Config {
        data_dir: dir.path().join("data"),
        listen: format!("127.0.0.1:{port}").parse().unwrap(),
        ..Config::default()
    };
    config.tls.insecure_http = true;
    tweak(&mut config);
    let opened = bulwark_registry::open(config, Some("pw-admin-1".into()))
        .await
        .unwrap();
    opened
        .state
        .meta
        .create_project("conformance", false)
        .await
        .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(bulwark_registry::serve(opened.state, async move {
        let _ = rx.await;
    }));
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    (url, dir, tx)
}

fn target(url: String, features: Features) -> Target {
    Target {
        base_url: url,
        repo: "conformance/app".into(),
        mount_source_repo: "conformance/source".into(),
        auth: Auth::Basic {
            username: "admin".into(),
            password: "pw-admin-1".into(),
        },
        features,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_every_check_with_every_feature() {
    let (url, _dir, _stop) = serve(|_| {}).await;
    let report = tokio::task::spawn_blocking(move || {
        bulwark_conformance::run(&target(url, Features::all()))
    })
    .await
    .unwrap();
    println!("{report}");
    let (passed, failed, skipped) = report.counts();
    assert!(report.failures().is_empty(), "failures:\n{report}");
    assert_eq!(skipped, 0, "{report}");
    assert_eq!(failed, 0);
    assert!(passed >= 50, "only {passed} checks passed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_deletes_when_disabled() {
    let (url, _dir, _stop) = serve(|c| c.storage.delete_enabled = false).await;
    let features = Features {
        delete_manifests: false,
        delete_blobs: false,
        delete_tags: false,
        ..Features::all()
    };
    let report =
        tokio::task::spawn_blocking(move || bulwark_conformance::run(&target(url, features)))
            .await
            .unwrap();
    assert!(report.failures().is_empty(), "failures:\n{report}");
    for name in ["delete_manifest", "delete_tag", "delete_blob"] {
        let check = report
            .get(name)
            .unwrap_or_else(|| panic!("no check {name}"));
        assert!(
            matches!(check.outcome, bulwark_conformance::Outcome::Pass),
            "{name}: {:?}",
            check.outcome
        );
    }
}
