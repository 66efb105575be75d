//! Push in chunks: PATCH with Content-Range, the closing PUT, out-of-order chunks, the
//! upload status and cancelling an upload.

use ureq::http::Method;

use super::{Stop, Suite, Verdict, ensure, expect};
use crate::http::{Req, Response, url};
use crate::report::Category::Push;

/// The chunk size when the registry asks for no minimum.
const DEFAULT_CHUNK: usize = 1024;
/// The largest minimum chunk size the suite honours.
const MAX_CHUNK: usize = 16 << 20;

pub(crate) fn run(suite: &mut Suite<'_>) {
    suite.check(
        Push,
        "blob_chunked_upload",
        "chunks sent by PATCH with Content-Range each answer 202 with Location and Range 0-<end>; \
         the closing PUT ?digest= answers 201 and the blob is pullable",
        |s| {
            let (mut upload, chunk) = start(s)?;
            let blob = s.content.blob(chunk * 3);
            for (index, part) in blob.bytes.chunks(chunk).enumerate() {
                upload = patch(s, &upload, index * chunk, part)?;
            }
            let response = s.send(
                &Req::new(
                    Method::PUT,
                    url::with_query(&upload, "digest", &blob.digest),
                )
                .body(Vec::new()),
            )?;
            expect::status(&response, &[201])?;
            s.blob_at(&expect::location(&response)?, &blob)
        },
    );
    suite.check(
        Push,
        "blob_chunked_final_put",
        "the last chunk may travel in the closing PUT with Content-Range: 201, blob pullable",
        |s| {
            let (upload, chunk) = start(s)?;
            let blob = s.content.blob(chunk * 2);
            let (first, last) = blob.bytes.split_at(chunk);
            let upload = patch(s, &upload, 0, first)?;
            let response = s.send(
                &Req::new(
                    Method::PUT,
                    url::with_query(&upload, "digest", &blob.digest),
                )
                .header("Content-Type", "application/octet-stream")
                .header(
                    "Content-Range",
                    format!("{chunk}-{}", blob.bytes.len().saturating_sub(1)),
                )
                .body(last.to_vec()),
            )?;
            expect::status(&response, &[201])?;
            s.blob_at(&expect::location(&response)?, &blob)
        },
    );
    suite.check(
        Push,
        "blob_chunk_out_of_order",
        "a PATCH whose Content-Range does not start right after the previous chunk answers 416",
        |s| {
            let (upload, chunk) = start(s)?;
            let blob = s.content.blob(chunk * 2);
            let (first, second) = blob.bytes.split_at(chunk);
            let upload = patch(s, &upload, 0, first)?;
            let skipped = chunk + 10;
            let response = s.send(&chunk_request(&upload, skipped, second))?;
            cancel_quietly(s, &upload);
            expect::status(&response, &[416])
        },
    );
    suite.check(
        Push,
        "blob_upload_status",
        "GET of an upload in progress answers 204 with Location and Range 0-<last byte received>",
        |s| {
            let (upload, chunk) = start(s)?;
            let blob = s.content.blob(chunk);
            let upload = patch(s, &upload, 0, &blob.bytes)?;
            let response = s.send(&Req::new(Method::GET, upload.clone()))?;
            cancel_quietly(s, &upload);
            expect::status(&response, &[204])?;
            expect::location(&response)?;
            range_is(&response, chunk.saturating_sub(1))
        },
    );
    suite.check(
        Push,
        "blob_upload_cancel",
        "DELETE of an upload answers 204 (success) and the upload is gone: GET of it answers 404",
        |s| {
            let (upload, chunk) = start(s)?;
            let blob = s.content.blob(chunk);
            let upload = patch(s, &upload, 0, &blob.bytes)?;
            let response = s.send(&Req::new(Method::DELETE, upload.clone()).body(Vec::new()))?;
            expect::status(&response, &[204])?;
            let after = s.send(&Req::new(Method::GET, upload))?;
            expect::status(&after, &[404])?;
            expect::error_code(&after, &["BLOB_UPLOAD_UNKNOWN"])
        },
    );
}

/// Starts an upload: its URL and the chunk size to use (the registry's
/// `OCI-Chunk-Min-Length`, when it sends one).
fn start(suite: &Suite<'_>) -> Result<(String, usize), Stop> {
    let response =
        suite.send(&Req::new(Method::POST, suite.repo_url("blobs/uploads/")).body(Vec::new()))?;
    expect::status(&response, &[202])?;
    let minimum = response
        .header("oci-chunk-min-length")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    ensure!(
        minimum <= MAX_CHUNK,
        "OCI-Chunk-Min-Length {minimum} is beyond what the suite uploads ({MAX_CHUNK})"
    );
    Ok((expect::location(&response)?, minimum.max(DEFAULT_CHUNK)))
}

fn chunk_request(upload: &str, start: usize, bytes: &[u8]) -> Req {
    let end = start + bytes.len().saturating_sub(1);
    Req::new(Method::PATCH, upload)
        .header("Content-Type", "application/octet-stream")
        .header("Content-Range", format!("{start}-{end}"))
        .body(bytes.to_vec())
}

/// Sends one chunk starting at `start`: 202, Location and Range required. Returns the
/// upload URL for the next request.
fn patch(suite: &Suite<'_>, upload: &str, start: usize, bytes: &[u8]) -> Result<String, Stop> {
    let response = suite.send(&chunk_request(upload, start, bytes))?;
    expect::status(&response, &[202])?;
    range_is(&response, (start + bytes.len()).saturating_sub(1))?;
    expect::location(&response)
}

/// The `Range` header reads `0-<end>`.
fn range_is(response: &Response, end: usize) -> Verdict {
    let range = expect::header(response, "range")?;
    ensure!(
        range.trim() == format!("0-{end}"),
        "{} answered Range {range}, expected 0-{end}",
        response.describe()
    );
    Ok(())
}

/// Ends an upload the check no longer needs; failures do not matter.
fn cancel_quietly(suite: &Suite<'_>, upload: &str) {
    let _ = suite.send(&Req::new(Method::DELETE, upload).body(Vec::new()));
}
