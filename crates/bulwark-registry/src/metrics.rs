//! Prometheus metrics: request counts, latencies and bytes by route and status, plus
//! storage gauges read at scrape time. Written by hand in the text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;
use crate::store::StorageStats;

/// Latency histogram bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Counters shared by all requests.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, &'static str, u16), Series>>,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    in_flight: AtomicU64,
}

/// A coarse route label with no user data in it (no repository names or digests).
pub fn route_of(method: &str, path: &str) -> &'static str {
    if path == "/v2/" || path == "/v2" {
        "base"
    } else if path.starts_with("/v2/_catalog") {
        "catalog"
    } else if path.starts_with("/v2/") {
        if path.ends_with("/tags/list") {
            "tags"
        } else if path.contains("/manifests/") {
            "manifest"
        } else if path.contains("/blobs/uploads") {
            "upload"
        } else if path.contains("/blobs/") {
            "blob"
        } else if path.contains("/referrers/") {
            "referrers"
        } else {
            "other"
        }
    } else if path.starts_with("/service/token") {
        "token"
    } else if path.starts_with("/api/") {
        if method == "GET" {
            "api_read"
        } else {
            "api_write"
        }
    } else {
        "other"
    }
}

impl Metrics {
    fn observe(&self, method: &str, route: &'static str, status: u16, seconds: f64) {
        if let Ok(mut map) = self.series.lock() {
            let s = map.entry((method.to_string(), route, status)).or_default();
            s.count += 1;
            s.seconds += seconds;
            for (i, bound) in BUCKETS.iter().enumerate() {
                if seconds <= *bound
                    && let Some(b) = s.buckets.get_mut(i)
                {
                    *b += 1;
                }
            }
        }
    }

    /// Renders the exposition text.
    pub fn render(&self, stats: &StorageStats) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP bulwark_http_requests_total HTTP requests by method, route and status."
        );
        let _ = writeln!(out, "# TYPE bulwark_http_requests_total counter");
        let map = self.series.lock().map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.count, v.seconds, v.buckets))
                .collect::<Vec<_>>()
        });
        let rows = map.unwrap_or_default();
        for ((method, route, status), count, _, _) in &rows {
            let _ = writeln!(
                out,
                "bulwark_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP bulwark_http_request_duration_seconds Request latency."
        );
        let _ = writeln!(
            out,
            "# TYPE bulwark_http_request_duration_seconds histogram"
        );
        for ((method, route, status), count, seconds, buckets) in &rows {
            let labels = format!("method=\"{method}\",route=\"{route}\",status=\"{status}\"");
            for (bound, n) in BUCKETS.iter().zip(buckets) {
                let _ = writeln!(
                    out,
                    "bulwark_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "bulwark_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "bulwark_http_request_duration_seconds_sum{{{labels}}} {seconds}"
            );
            let _ = writeln!(
                out,
                "bulwark_http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        let gauges: [(&str, &str, &str, u64); 10] = [
            (
                "bulwark_http_received_bytes_total",
                "counter",
                "Request body bytes (by Content-Length).",
                self.bytes_in.load(Ordering::Relaxed),
            ),
            (
                "bulwark_http_sent_bytes_total",
                "counter",
                "Response body bytes (by Content-Length).",
                self.bytes_out.load(Ordering::Relaxed),
            ),
            (
                "bulwark_http_requests_in_flight",
                "gauge",
                "Requests being served.",
                self.in_flight.load(Ordering::Relaxed),
            ),
            (
                "bulwark_storage_repositories",
                "gauge",
                "Repositories.",
                stats.repositories,
            ),
            (
                "bulwark_storage_manifests",
                "gauge",
                "Stored manifests.",
                stats.manifests,
            ),
            ("bulwark_storage_tags", "gauge", "Tags.", stats.tags),
            (
                "bulwark_storage_blobs",
                "gauge",
                "Stored blobs.",
                stats.blobs,
            ),
            (
                "bulwark_storage_blob_bytes",
                "gauge",
                "Bytes in stored blobs.",
                stats.blob_bytes,
            ),
            (
                "bulwark_store_commits_total",
                "counter",
                "Metadata transactions committed (each a group of writes sharing one fsync).",
                stats.commits,
            ),
            (
                "bulwark_store_committed_writes_total",
                "counter",
                "Writes in those transactions (divided by the commits: mean group size).",
                stats.committed_writes,
            ),
        ];
        for (name, kind, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP bulwark_store_commit_seconds_total Time spent committing metadata \
             transactions (BEGIN to the end of COMMIT, fsync included).\n\
             # TYPE bulwark_store_commit_seconds_total counter\n\
             bulwark_store_commit_seconds_total {}",
            stats.commit_seconds
        );
        out
    }
}

fn content_length(headers: &axum::http::HeaderMap) -> u64 {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Middleware recording every request.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    // The path only: query strings are not logged.
    let path = req.uri().path().to_string();
    let route = route_of(&method, &path);
    let m = &state.metrics;
    m.bytes_in
        .fetch_add(content_length(req.headers()), Ordering::Relaxed);
    m.in_flight.fetch_add(1, Ordering::Relaxed);
    let start = Instant::now();
    let resp = next.run(req).await;
    m.in_flight.fetch_sub(1, Ordering::Relaxed);
    if method != "HEAD" {
        m.bytes_out
            .fetch_add(content_length(resp.headers()), Ordering::Relaxed);
    }
    let seconds = start.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    m.observe(&method, route, status, seconds);
    tracing::info!(target: "bulwark::access", %method, %path, route, status, ms = seconds * 1000.0, "request");
    resp
}

/// `GET /metrics`.
pub async fn handler(State(state): State<AppState>) -> Response {
    let stats = state.meta.storage_stats().await.unwrap_or_default();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&stats),
    )
        .into_response()
}
