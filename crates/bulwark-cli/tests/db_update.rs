//! `bulwark db update` from a mirror of real feed files, served over HTTP on 127.0.0.1
//! and as a directory; a tampered file is refused and the old database kept.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use common::*;
use sha2::Digest as _;

/// A mirror directory made of real files: the GHSA subset's PyPI advisories and the
/// Alpine 3.10 secdb.
fn make_mirror(dir: &Path, tamper: bool) -> usize {
    let mut feeds = Vec::new();
    let mut add = |kind: &str, rel: String, src: PathBuf| {
        let dest = dir.join(&rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&src, &dest).unwrap();
        let bytes = std::fs::read(&dest).unwrap();
        let mut sha = hex::encode(sha2::Sha256::digest(&bytes));
        if tamper && kind == "alpine-secdb" {
            sha = "0".repeat(64);
        }
        feeds.push(serde_json::json!({"kind": kind, "path": rel, "sha256": sha}));
    };
    let ghsa = testdata().join("vulndata/ghsa-subset/pypi");
    let mut n = 0;
    for e in std::fs::read_dir(&ghsa).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            add(
                "osv",
                format!("osv/pypi/{}", p.file_name().unwrap().to_string_lossy()),
                p,
            );
            n += 1;
        }
    }
    add(
        "alpine-secdb",
        "alpine/v3.10/main.json".into(),
        testdata().join("vulndata/alpine-secdb-json-2024/alpine/v3.10/main.json"),
    );
    std::fs::write(
        dir.join("bulwark-feeds.json"),
        serde_json::to_vec(&serde_json::json!({"feeds": feeds})).unwrap(),
    )
    .unwrap();
    n
}

/// Serves `root` over HTTP/1.0 on 127.0.0.1 until the test ends.
fn serve(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            BufReader::new(&stream)
                .read_line(&mut line)
                .unwrap_or_default();
            let path = line
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_string();
            let reply = if path.contains("..") {
                None
            } else {
                std::fs::read(root.join(&path)).ok()
            };
            let _ = match reply {
                Some(body) => {
                    let _ = write!(
                        stream,
                        "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    stream.write_all(&body)
                }
                None => stream.write_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
            };
        }
    });
    port
}

fn status(db: &Path) -> serde_json::Value {
    let out = bulwark(&["db", "status", "--db", db.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn update_from_http_and_directory_mirrors() {
    let tmp = tempfile::tempdir().unwrap();
    let mirror = tmp.path().join("mirror");
    let n_osv = make_mirror(&mirror, false);
    let port = serve(mirror.clone());

    for (i, m) in [
        format!("http://127.0.0.1:{port}/"),
        mirror.display().to_string(),
    ]
    .iter()
    .enumerate()
    {
        let db = tmp.path().join(format!("v{i}.db"));
        let out = bulwark(&["db", "update", "--mirror", m, "-o", db.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{m}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let meta = status(&db);
        let kinds: Vec<_> = meta["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["kind"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(kinds, ["osv", "alpine-secdb"], "{m}");
        assert_eq!(meta["sources"][0]["advisories"], n_osv, "{m}");
        // The updated database is usable: alpine 3.10's openssl flaw is found.
        let image = format!(
            "docker-archive:{}",
            testdata().join("images/alpine-310.docker.tar").display()
        );
        let scan = bulwark(&[
            "scan",
            &image,
            "--db",
            db.to_str().unwrap(),
            "--format",
            "json",
            "-q",
        ]);
        assert!(String::from_utf8_lossy(&scan.stdout).contains("CVE-2020-1967"));
    }
}

#[test]
fn tampered_feed_is_refused_and_the_old_database_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    make_mirror(&good, false);
    let db = tmp.path().join("v.db");
    let out = bulwark(&[
        "db",
        "update",
        "--mirror",
        good.to_str().unwrap(),
        "-o",
        db.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let before = std::fs::read(&db).unwrap();

    let bad = tmp.path().join("bad");
    make_mirror(&bad, true);
    let port = serve(bad);
    let out = bulwark(&[
        "db",
        "update",
        "--mirror",
        &format!("http://127.0.0.1:{port}"),
        "-o",
        db.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sha256") && err.contains("main.json"), "{err}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the old database must be untouched"
    );

    // An index naming a path outside the mirror is refused.
    let evil = tmp.path().join("evil");
    std::fs::create_dir_all(&evil).unwrap();
    std::fs::write(
        evil.join("bulwark-feeds.json"),
        br#"{"feeds":[{"kind":"osv","path":"../../etc/passwd"}]}"#,
    )
    .unwrap();
    let out = bulwark(&[
        "db",
        "update",
        "--mirror",
        evil.to_str().unwrap(),
        "-o",
        db.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".."));
}
