//! Blob uploads: monolithic (POST with `digest`, or POST then PUT), chunked (PATCH with
//! `Content-Range`), status, cancel, and cross-repository mounts.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bulwark_auth::role::Action;
use bulwark_types::Digest;

use super::{Ctx, body_stream, header_value, parse_digest};
use crate::access;
use crate::error::{ApiError, ApiResult, Code};
use crate::names::project_of;

/// Blobs up to this size are kept inline in the metadata store: one transaction (and one
/// shared fsync) instead of a file, its fsync, a rename and a directory fsync.
pub const INLINE_MAX: u64 = 64 * 1024;

fn content_length(ctx: &Ctx) -> Option<u64> {
    ctx.headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Reads a small body whole, checks it against `digest` and stores it inline.
async fn put_inline(ctx: &Ctx, repo: &str, digest: &Digest, body: Body) -> ApiResult<()> {
    let limit = usize::try_from(INLINE_MAX).unwrap_or(usize::MAX);
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|e| ApiError::new(Code::BlobUploadInvalid, format!("request body failed: {e}")))?;
    let actual = crate::blob::hashing_digest_like(digest, &bytes)
        .ok_or_else(|| ApiError::internal("hashing failed"))?;
    if &actual != digest {
        return Err(ApiError::new(
            Code::DigestInvalid,
            format!("content digest {actual} does not match {digest}"),
        ));
    }
    ctx.state
        .meta
        .put_inline_blob(repo, digest, bytes.to_vec())
        .await?;
    Ok(())
}

fn upload_location(repo: &str, id: &str) -> String {
    format!("/v2/{repo}/blobs/uploads/{id}")
}

/// `Range: 0-<last byte>` as the spec words upload progress.
fn range_header(size: u64) -> String {
    format!("0-{}", size.saturating_sub(1))
}

fn in_progress(status: StatusCode, repo: &str, id: &str, size: u64) -> Response {
    (
        status,
        [
            (header::LOCATION, header_value(&upload_location(repo, id))),
            (header::RANGE, header_value(&range_header(size))),
            (
                header::HeaderName::from_static("docker-upload-uuid"),
                header_value(id),
            ),
            (header::CONTENT_LENGTH, header_value("0")),
        ],
    )
        .into_response()
}

fn created(repo: &str, digest: &Digest) -> Response {
    (
        StatusCode::CREATED,
        [
            (
                header::LOCATION,
                header_value(&format!("/v2/{repo}/blobs/{digest}")),
            ),
            (
                header::HeaderName::from_static("docker-content-digest"),
                header_value(&digest.to_string()),
            ),
            (header::CONTENT_LENGTH, header_value("0")),
        ],
    )
        .into_response()
}

fn has_body(ctx: &Ctx) -> bool {
    match content_length(ctx) {
        Some(n) => n > 0,
        None => ctx.headers.contains_key(header::TRANSFER_ENCODING),
    }
}

pub async fn start(ctx: &Ctx, repo: &str, body: Body) -> ApiResult<Response> {
    ctx.require(repo, Action::Push).await?;
    super::require_project_exists(ctx, repo).await?;
    if let Some(mount) = ctx.param("mount") {
        let digest = parse_digest(mount)?;
        if let Some(size) = mountable(ctx, &digest).await? {
            let _guard = ctx.state.gc_lock.read().await;
            ctx.state.meta.link_blob(repo, &digest, size).await?;
            ctx.audit("mount-blob", repo, "ok", Some(digest.to_string()));
            return Ok(created(repo, &digest));
        }
    }
    if let Some(digest) = ctx.param("digest") {
        let digest = parse_digest(digest)?;
        if content_length(ctx).is_some_and(|n| n <= INLINE_MAX) {
            put_inline(ctx, repo, &digest, body).await?;
            return Ok(created(repo, &digest));
        }
        let _guard = ctx.state.gc_lock.read().await;
        let size = ctx.state.blobs.put(&digest, body_stream(body)).await?;
        ctx.state.meta.link_blob(repo, &digest, size).await?;
        return Ok(created(repo, &digest));
    }
    let id = ctx.state.blobs.start_upload(repo).await?;
    Ok(in_progress(StatusCode::ACCEPTED, repo, &id, 0))
}

/// The size of a blob the caller may mount: from `from` when given (and readable), else
/// from any repository holding it that the caller can pull from.
async fn mountable(ctx: &Ctx, digest: &Digest) -> ApiResult<Option<u64>> {
    let meta = &ctx.state.meta;
    if let Some(from) = ctx.param("from") {
        if !crate::names::valid_repo(from) || ctx.require(from, Action::Pull).await.is_err() {
            return Ok(None);
        }
        return Ok(meta.repo_blob(from, digest).await?);
    }
    if meta.blob(digest).await?.is_none() {
        return Ok(None);
    }
    for source in meta.blob_repositories(digest, 50).await? {
        let readable = match &ctx.who.claims {
            Some(claims) => claims.allows("repository", &source, "pull"),
            None => {
                access::permitted(
                    &ctx.state,
                    &ctx.who.subject,
                    project_of(&source),
                    Action::Pull,
                )
                .await?
            }
        };
        if readable {
            return Ok(meta.repo_blob(&source, digest).await?);
        }
    }
    Ok(None)
}

async fn upload_of(ctx: &Ctx, repo: &str, id: &str) -> ApiResult<u64> {
    match ctx.state.blobs.upload_info(id).await? {
        Some(info) if info.repo == repo => Ok(info.size),
        _ => Err(ApiError::new(
            Code::BlobUploadUnknown,
            format!("upload {id} is unknown to {repo}"),
        )),
    }
}

/// `Content-Range: <start>-<end>` (also tolerating a `bytes ` prefix and `/total`).
fn content_range_start(value: &str) -> Option<u64> {
    let v = value.trim().trim_start_matches("bytes").trim();
    let v = v.split('/').next()?;
    let (a, _) = v.split_once('-')?;
    a.trim().parse().ok()
}

pub async fn patch(ctx: &Ctx, repo: &str, id: &str, body: Body) -> ApiResult<Response> {
    ctx.require(repo, Action::Push).await?;
    let size = upload_of(ctx, repo, id).await?;
    let mut offset = size;
    if let Some(cr) = ctx.headers.get(header::CONTENT_RANGE) {
        let start = cr.to_str().ok().and_then(content_range_start);
        match start {
            Some(start) if start == size => offset = start,
            _ => {
                return Err(ApiError::new(
                    Code::RangeInvalid,
                    "chunk does not start where the upload ends",
                )
                .with_header(header::LOCATION, upload_location(repo, id))
                .with_header(header::RANGE, range_header(size)));
            }
        }
    }
    let new_size = ctx
        .state
        .blobs
        .append(id, offset, body_stream(body))
        .await
        .map_err(|e| {
            let err = ApiError::from(e);
            if err.code == Code::RangeInvalid {
                err.with_header(header::RANGE, range_header(size))
            } else {
                err
            }
        })?;
    Ok(in_progress(StatusCode::ACCEPTED, repo, id, new_size))
}

pub async fn finish(ctx: &Ctx, repo: &str, id: &str, body: Body) -> ApiResult<Response> {
    ctx.require(repo, Action::Push).await?;
    let size = upload_of(ctx, repo, id).await?;
    let digest = ctx
        .param("digest")
        .ok_or_else(|| {
            ApiError::new(
                Code::DigestInvalid,
                "the digest query parameter is required",
            )
        })
        .and_then(parse_digest)?;
    if size == 0 && content_length(ctx).is_some_and(|n| n > 0 && n <= INLINE_MAX) {
        put_inline(ctx, repo, &digest, body).await?;
        ctx.state.blobs.cancel(id).await?;
        return Ok(created(repo, &digest));
    }
    if has_body(ctx) {
        ctx.state.blobs.append(id, size, body_stream(body)).await?;
    }
    let _guard = ctx.state.gc_lock.read().await;
    let size = ctx.state.blobs.finish(id, &digest).await?;
    ctx.state.meta.link_blob(repo, &digest, size).await?;
    Ok(created(repo, &digest))
}

pub async fn status(ctx: &Ctx, repo: &str, id: &str) -> ApiResult<Response> {
    ctx.require(repo, Action::Push).await?;
    let size = upload_of(ctx, repo, id).await?;
    Ok(in_progress(StatusCode::NO_CONTENT, repo, id, size))
}

pub async fn cancel(ctx: &Ctx, repo: &str, id: &str) -> ApiResult<Response> {
    ctx.require(repo, Action::Push).await?;
    upload_of(ctx, repo, id).await?;
    ctx.state.blobs.cancel(id).await?;
    Ok((StatusCode::NO_CONTENT, [(header::CONTENT_LENGTH, "0")]).into_response())
}
