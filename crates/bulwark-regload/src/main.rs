//! `regload`: the load generator of `bench/registry.py`.
//!
//! Every subcommand prints one JSON line on stdout. Registry subcommands speak the OCI
//! distribution API over [`http::Conn`] (one keep-alive connection per thread) and
//! authenticate like Docker: anonymous, Basic, or a Bearer token from the realm that a
//! `401` names.

mod http;

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use base64::Engine;
use clap::{Args, Parser, Subcommand};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::http::{Conn, Head, Url, encode, parse_challenge};

#[derive(Parser)]
#[command(
    name = "regload",
    about = "Registry load generator (one JSON line per run)"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args, Clone)]
struct Target {
    /// Registry base URL, e.g. http://127.0.0.1:5000
    #[arg(long)]
    url: String,
    /// Repository to push to and pull from
    #[arg(long, default_value = "library/bench")]
    repo: String,
    #[arg(long, env = "BULWARK_BENCH_USER")]
    username: Option<String>,
    #[arg(long, env = "BULWARK_BENCH_PASS", hide_env_values = true)]
    password: Option<String>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Push one random blob: POST then one PUT ?digest= with the whole body, or PATCHes
    /// of --chunk bytes and an empty PUT.
    PushBig {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value = "200MiB", value_parser = parse_size)]
        size: u64,
        /// Upload in PATCH chunks of this size instead of one monolithic PUT
        #[arg(long, value_parser = parse_size)]
        chunk: Option<u64>,
        /// Seed of the random content (use a new one per run: a fresh blob)
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// GET one blob to a sink, checking its size and SHA-256 while reading.
    PullBig {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        digest: String,
        /// Where the SHA-256 check runs: on a second thread fed while reading, inline in
        /// the reading thread, or not at all (size is still checked)
        #[arg(long, default_value = "thread", value_parser = ["thread", "inline", "none"])]
        hash: String,
    },
    /// Push --count random blobs (POST + PUT ?digest= each) over --conns connections.
    PushSmall {
        #[command(flatten)]
        target: Target,
        #[arg(long, default_value_t = 1000)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        conns: usize,
        #[arg(long, default_value = "4KiB", value_parser = parse_size)]
        size: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write `digest size` lines of the pushed blobs here (input of get-small)
        #[arg(long)]
        digests_out: Option<PathBuf>,
    },
    /// GET or HEAD the blobs of a digest list round-robin for --secs seconds.
    GetSmall {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        digests: PathBuf,
        #[arg(long, default_value_t = 16)]
        conns: usize,
        #[arg(long, default_value_t = 5.0)]
        secs: f64,
        #[arg(long, default_value = "GET", value_parser = ["GET", "HEAD"])]
        method: String,
    },
    /// Reference: serve --size bytes from memory over a std TcpListener HTTP/1.1
    /// responder on 127.0.0.1 and read them back with the same client.
    Loopback {
        #[arg(long, default_value = "200MiB", value_parser = parse_size)]
        size: u64,
        /// Server side writes of this size (default: one write_all of everything)
        #[arg(long, value_parser = parse_size)]
        write_chunk: Option<u64>,
        /// Serve from a file written (not synced) in this directory with std::io::copy,
        /// which is sendfile(2) on Linux, instead of from memory
        #[arg(long)]
        sendfile_dir: Option<PathBuf>,
    },
    /// Reference: write --size bytes to a file in --dir, then fdatasync.
    Disk {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value = "200MiB", value_parser = parse_size)]
        size: u64,
    },
    /// Reference: SHA-256 of --size bytes in memory, one thread.
    Sha256 {
        #[arg(long, default_value = "200MiB", value_parser = parse_size)]
        size: u64,
    },
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("bad size {s:?}"))?;
    let mul = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => return Err(format!("unknown size unit {other:?}")),
    };
    Ok(n * mul)
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let out = match cli.cmd {
        Cmd::PushBig {
            target,
            size,
            chunk,
            seed,
        } => push_big(&target, size, chunk, seed)?,
        Cmd::PullBig {
            target,
            digest,
            hash,
        } => pull_big(&target, &digest, &hash)?,
        Cmd::PushSmall {
            target,
            count,
            conns,
            size,
            seed,
            digests_out,
        } => push_small(&target, count, conns, size, seed, digests_out)?,
        Cmd::GetSmall {
            target,
            digests,
            conns,
            secs,
            method,
        } => get_small(&target, &digests, conns, secs, &method)?,
        Cmd::Loopback {
            size,
            write_chunk,
            sendfile_dir,
        } => loopback(size, write_chunk, sendfile_dir.as_deref())?,
        Cmd::Disk { dir, size } => disk(&dir, size)?,
        Cmd::Sha256 { size } => sha256_ref(size)?,
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{out}")?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------

/// Fast incompressible bytes (xorshift64*), different for every seed.
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    let mut x = seed.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for chunk in buf.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let word = x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
        for (d, s) in chunk.iter_mut().zip(word) {
            *d = s;
        }
    }
    buf
}

fn sha256_digest(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

fn usize_of(n: u64) -> Result<usize> {
    usize::try_from(n).map_err(|_| anyhow!("size {n} too large"))
}

fn rate(bytes: u64, secs: f64) -> (f64, f64) {
    let b = bytes as f64;
    (b / secs / 1e6, b / secs / (1u64 << 20) as f64)
}

/// p50/p90/p99/max in milliseconds.
fn percentiles(mut lat: Vec<Duration>) -> serde_json::Value {
    lat.sort_unstable();
    let pick = |q: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 - 1.0) * q).round() as usize;
        lat.get(i.min(lat.len() - 1))
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    json!({
        "p50_ms": round3(pick(0.50)),
        "p90_ms": round3(pick(0.90)),
        "p99_ms": round3(pick(0.99)),
        "max_ms": round3(pick(1.0)),
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

// ---------------------------------------------------------------------------------------
// Registry session: base URL, repository, authorization shared by all threads
// ---------------------------------------------------------------------------------------

struct Session {
    base: Url,
    repo: String,
    user: Option<String>,
    pass: Option<String>,
    /// the `Authorization` value, None for anonymous
    authz: RwLock<Option<String>>,
    bearer: bool,
    /// how many times a token was fetched
    tokens: AtomicUsize,
}

impl Session {
    fn open(t: &Target) -> Result<Arc<Self>> {
        let base = Url::parse(&t.url)?;
        let mut s = Self {
            base,
            repo: t.repo.clone(),
            user: t.username.clone(),
            pass: t.password.clone(),
            authz: RwLock::new(None),
            bearer: false,
            tokens: AtomicUsize::new(0),
        };
        let mut conn = Conn::new(&s.base.authority);
        let (head, _) = conn.request_collect("GET", "/v2/", &[], &[])?;
        match head.status {
            200 => {}
            401 => {
                let challenge = head
                    .header("www-authenticate")
                    .ok_or_else(|| anyhow!("/v2/ answered 401 without WWW-Authenticate"))?;
                let (scheme, _) = parse_challenge(challenge);
                if scheme.eq_ignore_ascii_case("bearer") {
                    s.bearer = true;
                    let token = s.fetch_token(challenge)?;
                    s.authz = RwLock::new(Some(token));
                } else if scheme.eq_ignore_ascii_case("basic") {
                    let basic = s.basic().ok_or_else(|| {
                        anyhow!("registry wants Basic auth: give --username/--password")
                    })?;
                    s.authz = RwLock::new(Some(basic));
                } else {
                    bail!("unsupported auth scheme in {challenge:?}");
                }
            }
            other => bail!("GET /v2/ answered {other}"),
        }
        Ok(Arc::new(s))
    }

    fn basic(&self) -> Option<String> {
        let user = self.user.as_deref()?;
        let pass = self.pass.as_deref().unwrap_or("");
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        ))
    }

    /// Docker token flow: GET realm?service=..&scope=repository:<repo>:pull,push.
    fn fetch_token(&self, challenge: &str) -> Result<String> {
        let (_, params) = parse_challenge(challenge);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let realm = get("realm").ok_or_else(|| anyhow!("no realm in {challenge:?}"))?;
        let realm = if realm.starts_with('/') {
            self.base.join(&realm)?
        } else {
            Url::parse(&realm)?
        };
        let mut query = Vec::new();
        if let Some(service) = get("service") {
            query.push(format!("service={}", encode(&service)));
        }
        query.push(format!(
            "scope={}",
            encode(&format!("repository:{}:pull,push", self.repo))
        ));
        let sep = if realm.path.contains('?') { '&' } else { '?' };
        let path = format!("{}{sep}{}", realm.path, query.join("&"));
        let basic = self.basic();
        let mut headers = Vec::new();
        if let Some(b) = &basic {
            headers.push(("Authorization", b.as_str()));
        }
        let mut conn = Conn::new(&realm.authority);
        let (head, body) = conn.request_collect("GET", &path, &headers, &[])?;
        ensure!(
            head.status == 200,
            "token endpoint {path} answered {}: {}",
            head.status,
            String::from_utf8_lossy(&body)
        );
        let v: serde_json::Value =
            serde_json::from_slice(&body).context("token endpoint answer is not JSON")?;
        let token = v
            .get("token")
            .or_else(|| v.get("access_token"))
            .and_then(|t| t.as_str())
            .ok_or_else(|| anyhow!("no token in the token endpoint's answer"))?;
        self.tokens.fetch_add(1, Ordering::Relaxed);
        Ok(format!("Bearer {token}"))
    }

    fn authz(&self) -> Option<String> {
        self.authz.read().ok().and_then(|g| g.clone())
    }

    /// One request with the session's authorization; a 401 on a Bearer session (token
    /// expired) fetches a new token and retries once.
    fn call(
        &self,
        conn: &mut Conn,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: &[u8],
        on_body: &mut dyn FnMut(&[u8]),
    ) -> Result<Head> {
        for attempt in 0..2 {
            let authz = self.authz();
            let mut headers: Vec<(&str, &str)> = extra.to_vec();
            if let Some(a) = &authz {
                headers.push(("Authorization", a.as_str()));
            }
            // A 401 that leads to a retry must not reach the caller's body handler.
            let retry_401 = self.bearer && attempt == 0;
            let head = conn.request(method, path, &headers, body, &mut |status, b| {
                if !(status == 401 && retry_401) {
                    on_body(b);
                }
            })?;
            if head.status == 401
                && retry_401
                && let Some(challenge) = head.header("www-authenticate")
            {
                let token = self.fetch_token(challenge)?;
                if let Ok(mut g) = self.authz.write() {
                    *g = Some(token);
                }
                continue;
            }
            return Ok(head);
        }
        bail!("{method} {path}: still 401 after a new token")
    }

    /// Like [`Session::call`] but streams the body to `on_body` directly (no retry on
    /// 401: used for big pulls after a successful small request).
    fn call_stream(
        &self,
        conn: &mut Conn,
        method: &str,
        path: &str,
        on_body: &mut dyn FnMut(u16, &[u8]),
    ) -> Result<Head> {
        let authz = self.authz();
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &authz {
            headers.push(("Authorization", a.as_str()));
        }
        conn.request(method, path, &headers, &[], on_body)
    }
}

fn status_error(what: &str, head: &Head, body: &[u8]) -> anyhow::Error {
    anyhow!(
        "{what}: HTTP {} {}",
        head.status,
        String::from_utf8_lossy(body.get(..body.len().min(500)).unwrap_or(&[]))
    )
}

/// Location of the next upload step, on the same connection's host.
fn upload_location(s: &Session, conn: &Conn, head: &Head) -> Result<String> {
    let loc = head
        .header("location")
        .ok_or_else(|| anyhow!("upload answer without Location"))?;
    let url = s.base.join(loc)?;
    ensure!(
        url.authority == conn.authority(),
        "upload Location {loc} is on another host"
    );
    Ok(url.path)
}

/// Pushes one blob: POST, then one PUT with the body (`chunk` None) or PATCHes and an
/// empty PUT.
fn push_blob(
    s: &Session,
    conn: &mut Conn,
    data: &[u8],
    digest: &str,
    chunk: Option<usize>,
) -> Result<()> {
    let mut body = Vec::new();
    let start = format!("/v2/{}/blobs/uploads/", s.repo);
    let head = s.call(conn, "POST", &start, &[], &[], &mut |b| {
        body.extend_from_slice(b)
    })?;
    if head.status != 202 {
        return Err(status_error("POST blobs/uploads/", &head, &body));
    }
    let mut loc = upload_location(s, conn, &head)?;
    let octet = ("Content-Type", "application/octet-stream");
    let final_body: &[u8] = match chunk {
        None => data,
        Some(size) => {
            let mut offset = 0usize;
            for piece in data.chunks(size.max(1)) {
                let range = format!("{}-{}", offset, offset + piece.len() - 1);
                let mut body = Vec::new();
                let head = s.call(
                    conn,
                    "PATCH",
                    &loc,
                    &[octet, ("Content-Range", &range)],
                    piece,
                    &mut |b| body.extend_from_slice(b),
                )?;
                if head.status != 202 {
                    return Err(status_error("PATCH upload", &head, &body));
                }
                loc = upload_location(s, conn, &head)?;
                offset += piece.len();
            }
            &[]
        }
    };
    let sep = if loc.contains('?') { '&' } else { '?' };
    let put = format!("{loc}{sep}digest={}", encode(digest));
    let mut body = Vec::new();
    let head = s.call(conn, "PUT", &put, &[octet], final_body, &mut |b| {
        body.extend_from_slice(b)
    })?;
    if head.status != 201 {
        return Err(status_error("PUT upload", &head, &body));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Subcommands
// ---------------------------------------------------------------------------------------

fn push_big(t: &Target, size: u64, chunk: Option<u64>, seed: u64) -> Result<serde_json::Value> {
    let data = random_bytes(usize_of(size)?, seed);
    let digest = sha256_digest(&data);
    let s = Session::open(t)?;
    let mut conn = Conn::new(&s.base.authority);
    let chunk = chunk.map(usize_of).transpose()?;
    let started = Instant::now();
    push_blob(&s, &mut conn, &data, &digest, chunk)?;
    let secs = started.elapsed().as_secs_f64();
    let (mb_s, mib_s) = rate(size, secs);
    Ok(json!({
        "op": "push-big",
        "mode": if chunk.is_some() { "chunked" } else { "monolithic" },
        "chunk": chunk,
        "bytes": size,
        "digest": digest,
        "secs": round3(secs),
        "mb_s": round3(mb_s),
        "mib_s": round3(mib_s),
        "requests": conn.requests,
        "connections": conn.connects,
    }))
}

/// SHA-256 on a second thread: the reading thread copies each piece into a pooled
/// 1 MiB buffer and hands full buffers over, so reading and hashing overlap.
struct ThreadHasher {
    full: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    empty: std::sync::mpsc::Receiver<Vec<u8>>,
    current: Vec<u8>,
    worker: Option<std::thread::JoinHandle<[u8; 32]>>,
}

impl ThreadHasher {
    const BUF: usize = 1 << 20;

    fn new() -> Self {
        let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(8);
        let (empty_tx, empty_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(16);
        for _ in 0..8 {
            let _ = empty_tx.send(Vec::with_capacity(Self::BUF));
        }
        let worker = std::thread::spawn(move || {
            let mut h = Sha256::new();
            for mut buf in full_rx {
                h.update(&buf);
                buf.clear();
                let _ = empty_tx.send(buf);
            }
            h.finalize().into()
        });
        Self {
            full: Some(full_tx),
            empty: empty_rx,
            current: Vec::with_capacity(Self::BUF),
            worker: Some(worker),
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let room = Self::BUF - self.current.len();
            let (now, rest) = data.split_at(room.min(data.len()));
            self.current.extend_from_slice(now);
            data = rest;
            if self.current.len() == Self::BUF {
                let next = self
                    .empty
                    .recv()
                    .unwrap_or_else(|_| Vec::with_capacity(Self::BUF));
                let full = std::mem::replace(&mut self.current, next);
                if let Some(tx) = &self.full {
                    let _ = tx.send(full);
                }
            }
        }
    }

    fn finish(mut self) -> Result<[u8; 32]> {
        if let Some(tx) = self.full.take() {
            if !self.current.is_empty() {
                let _ = tx.send(std::mem::take(&mut self.current));
            }
            drop(tx);
        }
        self.worker
            .take()
            .ok_or_else(|| anyhow!("hasher already finished"))?
            .join()
            .map_err(|_| anyhow!("hasher thread panicked"))
    }
}

enum PullHash {
    Thread(ThreadHasher),
    Inline(Sha256),
    None,
}

fn pull_big(t: &Target, digest: &str, hash: &str) -> Result<serde_json::Value> {
    let s = Session::open(t)?;
    let mut conn = Conn::new(&s.base.authority);
    let mut path = format!("/v2/{}/blobs/{digest}", s.repo);
    let mut hasher = match hash {
        "thread" => PullHash::Thread(ThreadHasher::new()),
        "inline" => PullHash::Inline(Sha256::new()),
        _ => PullHash::None,
    };
    let mut bytes = 0u64;
    let started = Instant::now();
    let mut redirects = 0;
    let head = loop {
        let head = s.call_stream(&mut conn, "GET", &path, &mut |status, b| {
            if status != 200 {
                return;
            }
            bytes += b.len() as u64;
            match &mut hasher {
                PullHash::Thread(h) => h.update(b),
                PullHash::Inline(h) => h.update(b),
                PullHash::None => {}
            }
        })?;
        if matches!(head.status, 301 | 302 | 303 | 307 | 308) && redirects < 3 {
            let loc = head
                .header("location")
                .ok_or_else(|| anyhow!("redirect without Location"))?;
            let url = s.base.join(loc)?;
            if url.authority != conn.authority() {
                conn = Conn::new(&url.authority);
            }
            path = url.path;
            redirects += 1;
            continue;
        }
        break head;
    };
    ensure!(head.status == 200, "GET blob answered {}", head.status);
    let sum: Option<[u8; 32]> = match hasher {
        PullHash::Thread(h) => Some(h.finish()?),
        PullHash::Inline(h) => Some(h.finalize().into()),
        PullHash::None => None,
    };
    // the clock stops when the digest is known
    let secs = started.elapsed().as_secs_f64();
    if let Some(sum) = sum {
        let got = format!("sha256:{}", hex::encode(sum));
        ensure!(got == digest, "digest mismatch: got {got}, want {digest}");
    }
    if let Some(len) = head.header("content-length") {
        ensure!(
            len.parse::<u64>().ok() == Some(bytes),
            "got {bytes} bytes, Content-Length {len}"
        );
    }
    let (mb_s, mib_s) = rate(bytes, secs);
    Ok(json!({
        "op": "pull-big",
        "bytes": bytes,
        "hash": hash,
        "secs": round3(secs),
        "mb_s": round3(mb_s),
        "mib_s": round3(mib_s),
        "redirects": redirects,
        "connections": conn.connects,
    }))
}

fn push_small(
    t: &Target,
    count: usize,
    conns: usize,
    size: u64,
    seed: u64,
    digests_out: Option<PathBuf>,
) -> Result<serde_json::Value> {
    ensure!(conns > 0, "--conns must be at least 1");
    let size = usize_of(size)?;
    let blobs: Vec<(Vec<u8>, String)> = (0..count)
        .map(|i| {
            let data = random_bytes(size, seed.wrapping_mul(1_000_003).wrapping_add(i as u64));
            let d = sha256_digest(&data);
            (data, d)
        })
        .collect();
    let s = Session::open(t)?;
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let results: Vec<Result<(Vec<Duration>, u64, u64)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..conns)
            .map(|_| {
                let s = &s;
                let next = &next;
                let blobs = &blobs;
                scope.spawn(move || -> Result<(Vec<Duration>, u64, u64)> {
                    let mut conn = Conn::new(&s.base.authority);
                    let mut lat = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((data, digest)) = blobs.get(i) else {
                            break;
                        };
                        let t0 = Instant::now();
                        push_blob(s, &mut conn, data, digest, None)
                            .with_context(|| format!("blob {i}"))?;
                        lat.push(t0.elapsed());
                    }
                    Ok((lat, conn.connects, conn.requests))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow!("thread panicked"))))
            .collect()
    });
    let secs = started.elapsed().as_secs_f64();
    let mut lat = Vec::new();
    let (mut connects, mut requests) = (0, 0);
    for r in results {
        let (l, c, q) = r?;
        lat.extend(l);
        connects += c;
        requests += q;
    }
    if let Some(path) = digests_out {
        let text: String = blobs
            .iter()
            .map(|(d, g)| format!("{g} {}\n", d.len()))
            .collect();
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(json!({
        "op": "push-small",
        "count": count,
        "conns": conns,
        "blob_bytes": size,
        "secs": round3(secs),
        "per_s": round3(count as f64 / secs),
        "latency": percentiles(lat),
        "requests": requests,
        "connections": connects,
        "tokens": s.tokens.load(Ordering::Relaxed),
    }))
}

fn get_small(
    t: &Target,
    digests: &Path,
    conns: usize,
    secs: f64,
    method: &str,
) -> Result<serde_json::Value> {
    ensure!(conns > 0, "--conns must be at least 1");
    let text = std::fs::read_to_string(digests)
        .with_context(|| format!("reading {}", digests.display()))?;
    let list: Vec<(String, u64)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut it = l.split_whitespace();
            let d = it.next().unwrap_or("").to_string();
            let n = it.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            (d, n)
        })
        .collect();
    ensure!(!list.is_empty(), "no digests in {}", digests.display());
    let s = Session::open(t)?;
    let barrier = Barrier::new(conns + 1);
    let window = Duration::from_secs_f64(secs);
    let get = method == "GET";
    let one = |conn: &mut Conn, i: usize| -> Result<()> {
        let (digest, size) = list
            .get(i % list.len())
            .ok_or_else(|| anyhow!("empty list"))?;
        let path = format!("/v2/{}/blobs/{digest}", s.repo);
        let mut hasher = Sha256::new();
        let mut n = 0u64;
        let head = s.call(conn, method, &path, &[], &[], &mut |b| {
            n += b.len() as u64;
            hasher.update(b);
        })?;
        ensure!(
            head.status == 200,
            "{method} {digest}: HTTP {}",
            head.status
        );
        if get {
            ensure!(n == *size, "{digest}: {n} bytes, want {size}");
            let got = format!("sha256:{}", hex::encode(hasher.finalize()));
            ensure!(&got == digest, "{digest}: content has digest {got}");
        } else {
            let len: Option<u64> = head.header("content-length").and_then(|v| v.parse().ok());
            ensure!(len == Some(*size), "HEAD {digest}: Content-Length {len:?}");
        }
        Ok(())
    };
    let (results, elapsed) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..conns)
            .map(|c| {
                let s = &s;
                let barrier = &barrier;
                let one = &one;
                let list_len = list.len();
                scope.spawn(move || -> Result<(Vec<Duration>, u64, u64)> {
                    let mut conn = Conn::new(&s.base.authority);
                    let mut i = c * list_len / conns;
                    // one untimed request: connect before the clock starts
                    let warm = one(&mut conn, i);
                    barrier.wait();
                    warm?;
                    let deadline = Instant::now() + window;
                    let mut lat = Vec::with_capacity(1 << 16);
                    loop {
                        i += 1;
                        let t0 = Instant::now();
                        one(&mut conn, i)?;
                        let now = Instant::now();
                        lat.push(now - t0);
                        if now >= deadline {
                            break;
                        }
                    }
                    Ok((lat, conn.connects, conn.requests))
                })
            })
            .collect();
        barrier.wait();
        let started = Instant::now();
        let results: Vec<Result<(Vec<Duration>, u64, u64)>> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow!("thread panicked"))))
            .collect();
        (results, started.elapsed())
    });
    let mut lat = Vec::new();
    let (mut connects, mut requests) = (0, 0);
    for r in results {
        let (l, c, q) = r?;
        lat.extend(l);
        connects += c;
        requests += q;
    }
    let n = lat.len();
    let secs = elapsed.as_secs_f64();
    Ok(json!({
        "op": "get-small",
        "method": method,
        "conns": conns,
        "blobs": list.len(),
        "requests": n,
        "secs": round3(secs),
        "per_s": round3(n as f64 / secs),
        "latency": percentiles(lat),
        "total_requests": requests,
        "connections": connects,
    }))
}

fn loopback(
    size: u64,
    write_chunk: Option<u64>,
    sendfile_dir: Option<&Path>,
) -> Result<serde_json::Value> {
    let data = Arc::new(random_bytes(usize_of(size)?, 7));
    let file_path = match sendfile_dir {
        Some(dir) => {
            let path = dir.join(format!("regload-loopback-{}.tmp", std::process::id()));
            std::fs::write(&path, data.as_slice())
                .with_context(|| format!("writing {}", path.display()))?;
            Some(path)
        }
        None => None,
    };
    let chunk = usize_of(write_chunk.unwrap_or(size).max(1))?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let served = Arc::clone(&data);
    let served_file = file_path.clone();
    let server = std::thread::spawn(move || -> Result<()> {
        use std::io::Read;
        let (mut stream, _) = listener.accept()?;
        stream.set_nodelay(true)?;
        let mut req = Vec::new();
        let mut buf = [0u8; 4096];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf)?;
            ensure!(n > 0, "client closed before its request");
            req.extend_from_slice(buf.get(..n).unwrap_or(&[]));
        }
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
            served.len()
        );
        stream.write_all(head.as_bytes())?;
        match &served_file {
            Some(path) => {
                let mut file = std::fs::File::open(path)?;
                std::io::copy(&mut file, &mut stream)?;
            }
            None => {
                for piece in served.chunks(chunk) {
                    stream.write_all(piece)?;
                }
            }
        }
        // wait for the client to close
        while stream.read(&mut buf)? > 0 {}
        Ok(())
    });
    let mut conn = Conn::new(&addr.to_string());
    let mut bytes = 0u64;
    let started = Instant::now();
    let head = conn.request("GET", "/", &[], &[], &mut |_, b| bytes += b.len() as u64)?;
    let secs = started.elapsed().as_secs_f64();
    drop(conn);
    server
        .join()
        .map_err(|_| anyhow!("loopback server panicked"))??;
    ensure!(
        head.status == 200 && bytes == size,
        "loopback: got {bytes} bytes"
    );
    if let Some(path) = &file_path {
        let _ = std::fs::remove_file(path);
    }
    let (mb_s, mib_s) = rate(size, secs);
    Ok(json!({
        "op": "loopback",
        "source": if file_path.is_some() { "file (std::io::copy: sendfile)" } else { "memory" },
        "write_chunk": write_chunk,
        "bytes": size,
        "secs": round3(secs),
        "mb_s": round3(mb_s),
        "mib_s": round3(mib_s),
    }))
}

fn disk(dir: &Path, size: u64) -> Result<serde_json::Value> {
    let block = random_bytes(4 << 20, 11);
    let path = dir.join(format!("regload-disk-{}.tmp", std::process::id()));
    let started = Instant::now();
    let result = (|| -> Result<()> {
        let mut file = std::fs::File::create(&path)?;
        let mut left = size;
        while left > 0 {
            let n = usize_of(left.min(block.len() as u64))?;
            file.write_all(block.get(..n).unwrap_or(&[]))?;
            left -= n as u64;
        }
        file.sync_data()?;
        Ok(())
    })();
    let secs = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&path);
    result.with_context(|| format!("writing {}", path.display()))?;
    let (mb_s, mib_s) = rate(size, secs);
    Ok(json!({
        "op": "disk",
        "bytes": size,
        "secs": round3(secs),
        "mb_s": round3(mb_s),
        "mib_s": round3(mib_s),
    }))
}

fn sha256_ref(size: u64) -> Result<serde_json::Value> {
    let data = random_bytes(usize_of(size)?, 13);
    let started = Instant::now();
    let d = Sha256::digest(&data);
    let secs = started.elapsed().as_secs_f64();
    std::hint::black_box(d);
    let (mb_s, mib_s) = rate(size, secs);
    Ok(json!({
        "op": "sha256",
        "bytes": size,
        "secs": round3(secs),
        "mb_s": round3(mb_s),
        "mib_s": round3(mib_s),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("200MiB"), Ok(200 << 20));
        assert_eq!(parse_size("4KiB"), Ok(4096));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("4 parsecs").is_err());
    }

    #[test]
    fn random_differs_by_seed() {
        assert_ne!(random_bytes(64, 1), random_bytes(64, 2));
        assert_eq!(random_bytes(13, 5).len(), 13);
    }
}
