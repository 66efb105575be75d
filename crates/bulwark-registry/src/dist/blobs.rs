//! Blob GET/HEAD (with ranges) and DELETE.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bulwark_auth::role::Action;

use super::{Ctx, header_value, parse_digest, require_delete_enabled};
use crate::error::{ApiError, ApiResult, Code};

/// Parses `bytes=a-b`, `bytes=a-` or `bytes=-n` against a blob of `total` bytes into an
/// inclusive range. `Err(())` means unsatisfiable (416).
pub fn parse_range(value: &str, total: u64) -> Result<(u64, u64), ()> {
    let spec = value.trim().strip_prefix("bytes=").ok_or(())?;
    if spec.contains(',') || total == 0 {
        return Err(());
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 {
            return Err(());
        }
        (total.saturating_sub(n), total - 1)
    } else {
        let start: u64 = a.parse().map_err(|_| ())?;
        let end: u64 = if b.is_empty() {
            total - 1
        } else {
            b.parse().map_err(|_| ())?
        };
        (start, end.min(total - 1))
    };
    if range.0 > range.1 || range.0 >= total {
        return Err(());
    }
    Ok(range)
}

pub async fn get(ctx: &Ctx, repo: &str, digest: &str, with_body: bool) -> ApiResult<Response> {
    ctx.require(repo, Action::Pull).await?;
    let digest = parse_digest(digest)?;
    let unknown = || {
        ApiError::new(
            Code::BlobUnknown,
            format!("blob {digest} is unknown to {repo}"),
        )
    };
    // HEAD needs the size only; GET also takes a small blob's bytes in the same read.
    let found = if with_body {
        ctx.state.meta.repo_blob_data(repo, &digest).await?
    } else {
        ctx.state
            .meta
            .repo_blob(repo, &digest)
            .await?
            .map(|size| (size, None))
    };
    let Some((total, inline)) = found else {
        return Err(unknown());
    };
    let range = match ctx.headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => None,
        Some(v) => Some(parse_range(v, total).map_err(|()| {
            ApiError::new(Code::RangeInvalid, "requested range not satisfiable")
                .with_header(header::CONTENT_RANGE, format!("bytes */{total}"))
        })?),
    };
    let mut builder = Response::builder()
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header("Docker-Content-Digest", header_value(&digest.to_string()))
        .header(header::ETAG, header_value(&format!("\"{digest}\"")))
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CACHE_CONTROL, "max-age=31536000");
    let (status, len) = match range {
        Some((a, b)) => {
            builder = builder.header(header::CONTENT_RANGE, format!("bytes {a}-{b}/{total}"));
            (StatusCode::PARTIAL_CONTENT, b - a + 1)
        }
        None => (StatusCode::OK, total),
    };
    builder = builder.status(status).header(header::CONTENT_LENGTH, len);
    if !with_body {
        return builder.body(Body::empty()).map_err(ApiError::internal);
    }
    if let Some(data) = inline {
        let (a, b) = range.unwrap_or((0, total.saturating_sub(1)));
        let (a, b) = (
            usize::try_from(a).unwrap_or(usize::MAX),
            usize::try_from(b).unwrap_or(usize::MAX),
        );
        // The cached bytes are shared, not copied; a range is a view of them.
        let part = if total == 0 || a > b || b >= data.len() {
            bytes::Bytes::new()
        } else {
            data.slice(a..=b)
        };
        return builder.body(Body::from(part)).map_err(ApiError::internal);
    }
    let Some(read) = ctx
        .state
        .blobs
        .open(&digest, range)
        .await
        .map_err(ApiError::internal)?
    else {
        tracing::error!(%digest, repo, "blob linked in metadata but missing from storage");
        return Err(unknown());
    };
    builder
        .body(Body::from_stream(read.body))
        .map_err(ApiError::internal)
}

pub async fn delete(ctx: &Ctx, repo: &str, digest: &str) -> ApiResult<Response> {
    ctx.require(repo, Action::Delete).await?;
    require_delete_enabled(ctx)?;
    let digest = parse_digest(digest)?;
    if !ctx.state.meta.unlink_blob(repo, &digest).await? {
        return Err(ApiError::new(
            Code::BlobUnknown,
            format!("blob {digest} is unknown to {repo}"),
        ));
    }
    ctx.audit("delete-blob", &format!("{repo}@{digest}"), "ok", None);
    Ok((StatusCode::ACCEPTED, [(header::CONTENT_LENGTH, "0")]).into_response())
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Ok((0, 9)));
        assert_eq!(parse_range("bytes=90-", 100), Ok((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Ok((90, 99)));
        assert_eq!(parse_range("bytes=50-500", 100), Ok((50, 99)));
        assert_eq!(parse_range("bytes=100-", 100), Err(()));
        assert_eq!(parse_range("bytes=9-0", 100), Err(()));
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Err(()));
        assert_eq!(parse_range("items=0-1", 100), Err(()));
        assert_eq!(parse_range("bytes=x-1", 100), Err(()));
        assert_eq!(parse_range("bytes=0-0", 0), Err(()));
    }
}
