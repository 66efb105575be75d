//! Crash safety: `kill -9` the registry while 8 clients push, restart it on the same data
//! directory, and check that every acknowledged push survived, every visible tag resolves
//! to a manifest whose blobs are all present, and every blob matches its digest.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::server::{BulwarkServer, ServerOptions, basic_auth};
use common::sha256;

const PW: &str = "crash-test-admin";

fn auth() -> String {
    basic_auth("admin", PW)
}

/// Pushes one blob; `Ok(digest)` only when the registry acknowledged it with 201.
fn push_blob(a: &ureq::Agent, base: &str, repo: &str, data: &[u8]) -> Result<String, String> {
    let digest = sha256(data);
    let r = a
        .post(&format!("{base}/v2/{repo}/blobs/uploads/"))
        .header("authorization", auth())
        .send_empty()
        .map_err(|e| e.to_string())?;
    if r.status() != 202 {
        return Err(format!("POST {}", r.status()));
    }
    let loc = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("no location")?
        .to_string();
    let r = a
        .put(&format!("{base}{loc}?digest={digest}"))
        .header("authorization", auth())
        .header("content-type", "application/octet-stream")
        .send(data)
        .map_err(|e| e.to_string())?;
    if r.status() != 201 {
        return Err(format!("PUT {}", r.status()));
    }
    Ok(digest)
}

#[derive(Clone)]
struct Acked {
    repo: String,
    tag: String,
    manifest: String,
    blobs: Vec<String>,
}

fn pusher(
    a: ureq::Agent,
    base: String,
    worker: usize,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<Acked>>>,
) {
    let repo = format!("library/crash{worker}");
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        // Sizes from 1 KiB to ~3 MiB so that some pushes are mid-body when the kill lands.
        let size = 1024 + ((n * 7919 + worker as u64 * 104_729) % (3 << 20)) as usize;
        let layer: Vec<u8> = (0..size)
            .map(|i| ((i as u64 * 31 + n + worker as u64) % 251) as u8)
            .collect();
        let config =
            format!(r#"{{"architecture":"amd64","os":"linux","worker":{worker},"n":{n}}}"#)
                .into_bytes();
        let (Ok(ld), Ok(cd)) = (
            push_blob(&a, &base, &repo, &layer),
            push_blob(&a, &base, &repo, &config),
        ) else {
            continue;
        };
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": config.len()},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": layer.len()}],
        }))
        .unwrap();
        let tag = format!("w{worker}-{n}");
        let r = a
            .put(&format!("{base}/v2/{repo}/manifests/{tag}"))
            .header("authorization", auth())
            .header("content-type", "application/vnd.oci.image.manifest.v1+json")
            .send(&manifest[..]);
        if matches!(r, Ok(ref r) if r.status() == 201) {
            acked.lock().unwrap().push(Acked {
                repo: repo.clone(),
                tag,
                manifest: sha256(&manifest),
                blobs: vec![cd, ld],
            });
        }
    }
}

fn get(a: &ureq::Agent, url: &str) -> (u16, Vec<u8>) {
    let mut r = a.get(url).header("authorization", auth()).call().unwrap();
    let status = r.status().as_u16();
    let body = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap();
    (status, body)
}

/// Everything visible must be whole: tags resolve, manifests' blobs exist and hash right.
fn check_consistent(a: &ureq::Agent, base: &str) -> usize {
    let (status, body) = get(a, &format!("{base}/v2/_catalog?n=10000"));
    assert_eq!(status, 200);
    let catalog: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let mut tags_checked = 0;
    for repo in catalog["repositories"].as_array().unwrap() {
        let repo = repo.as_str().unwrap();
        let (_, body) = get(a, &format!("{base}/v2/{repo}/tags/list"));
        let list: serde_json::Value = serde_json::from_slice(&body).unwrap();
        for tag in list["tags"].as_array().unwrap() {
            let tag = tag.as_str().unwrap();
            let (status, manifest) = get(a, &format!("{base}/v2/{repo}/manifests/{tag}"));
            assert_eq!(status, 200, "{repo}:{tag} is listed but does not resolve");
            let m: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
            let mut blobs = vec![m["config"]["digest"].as_str().unwrap().to_string()];
            blobs.extend(
                m["layers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l["digest"].as_str().unwrap().to_string()),
            );
            for d in blobs {
                let (status, data) = get(a, &format!("{base}/v2/{repo}/blobs/{d}"));
                assert_eq!(status, 200, "{repo}:{tag} references missing blob {d}");
                assert_eq!(
                    sha256(&data),
                    d,
                    "{repo}:{tag} blob content does not match its digest"
                );
            }
            tags_checked += 1;
        }
    }
    tags_checked
}

#[test]
fn kill_dash_nine_during_concurrent_pushes_loses_nothing_acknowledged() {
    let mut server = BulwarkServer::start(ServerOptions {
        admin_password: PW.into(),
        ..ServerOptions::default()
    });
    let base = server.url();
    let acked = Arc::new(Mutex::new(Vec::<Acked>::new()));
    for round in 0..3 {
        let stop = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..8)
            .map(|w| {
                let (a, base) = (server.agent().clone(), base.clone());
                let (stop, acked) = (Arc::clone(&stop), Arc::clone(&acked));
                std::thread::spawn(move || pusher(a, base, w + round * 8, stop, acked))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1500));
        server.kill_hard();
        stop.store(true, Ordering::Relaxed);
        for w in workers {
            w.join().unwrap();
        }
        // Same data directory, same port.
        server.restart();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 10,
        "too few pushes were acknowledged ({}) for the test to mean anything",
        acked.len()
    );
    let a = server.agent();
    for p in &acked {
        let (status, manifest) = get(a, &format!("{base}/v2/{}/manifests/{}", p.repo, p.tag));
        assert_eq!(status, 200, "acknowledged push {}:{} lost", p.repo, p.tag);
        assert_eq!(sha256(&manifest), p.manifest);
        for b in &p.blobs {
            let (status, data) = get(a, &format!("{base}/v2/{}/blobs/{b}", p.repo));
            assert_eq!(status, 200, "acknowledged blob {b} lost");
            assert_eq!(&sha256(&data), b);
        }
    }
    let visible = check_consistent(a, &base);
    println!(
        "{} pushes acknowledged across 3 kills; {visible} tags visible and whole",
        acked.len()
    );
    assert!(
        visible >= acked.len(),
        "{visible} visible tags < {} acknowledged",
        acked.len()
    );
    // The interrupted uploads are garbage, not corruption: a GC pass must run cleanly.
    let r = a
        .post(&format!("{base}/api/v1/gc"))
        .header("authorization", auth())
        .send_empty();
    if let Ok(r) = r {
        assert!(r.status() == 200 || r.status() == 404, "gc: {}", r.status());
    }
    assert_eq!(check_consistent(a, &base), visible);
}
