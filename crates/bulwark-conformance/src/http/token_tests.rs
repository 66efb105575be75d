//! The Docker token flow against a small in-process server: a registry that answers 401
//! with a Bearer challenge, and its token endpoint. The server is invented; no real file
//! shows a token exchange.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use ureq::http::Method;

use super::{Client, Req};
use crate::target::{Auth, Features, Target};

/// Serves `/v2/` behind a Bearer challenge and `/token` behind basic auth (`u:p`);
/// records every request line with its Authorization header.
fn fake_registry() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (realm, log) = (format!("{base}/token"), Arc::clone(&seen));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut authorization = String::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("authorization:") {
                    authorization = line[line.len() - value.len()..].trim().to_owned();
                }
            }
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            log.lock()
                .unwrap()
                .push(format!("{path} [{authorization}]"));
            let (status, headers, body) = if path.starts_with("/token") {
                if authorization == "Basic dTpw" {
                    ("200 OK", String::new(), r#"{"access_token":"tok-1"}"#)
                } else {
                    ("401 Unauthorized", String::new(), "")
                }
            } else if authorization == "Bearer tok-1" {
                ("200 OK", String::new(), "{}")
            } else {
                let challenge = format!(
                    "WWW-Authenticate: Bearer realm=\"{realm}\",service=\"fake\",scope=\"repository:app:pull\"\r\n"
                );
                ("401 Unauthorized", challenge, "")
            };
            let response = format!(
                "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(response.as_bytes()).unwrap();
        }
    });
    (base, seen)
}

fn client(base: &str, auth: Auth) -> Client {
    Client::new(&Target {
        base_url: base.to_owned(),
        repo: "app".to_owned(),
        mount_source_repo: "base".to_owned(),
        auth,
        features: Features::default(),
    })
}

#[test]
fn basic_credentials_are_exchanged_for_a_cached_token() {
    let (base, seen) = fake_registry();
    let auth = Auth::Basic {
        username: "u".to_owned(),
        password: "p".to_owned(),
    };
    let client = client(&base, auth);
    let req = Req::new(Method::GET, client.url("/v2/"));
    assert_eq!(client.send(&req).unwrap().status, 200);
    assert_eq!(client.send(&req).unwrap().status, 200);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "/v2/ [Basic dTpw]",
            "/token?service=fake&scope=repository:app:pull [Basic dTpw]",
            "/v2/ [Bearer tok-1]",
            "/v2/ [Bearer tok-1]",
        ]
    );
}

#[test]
fn a_refused_token_is_an_error() {
    let (base, _) = fake_registry();
    let client = client(&base, Auth::Anonymous);
    let error = client
        .send(&Req::new(Method::GET, client.url("/v2/")))
        .unwrap_err();
    assert!(
        error.to_string().contains("token endpoint answered 401"),
        "{error}"
    );
}
