//! Manifest GET/HEAD/PUT/DELETE by tag or digest.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bulwark_auth::role::Action;

use super::{Ctx, header_value, parse_digest, require_delete_enabled};
use crate::blob::hashing_digest_like;
use crate::error::{ApiError, ApiResult, Code};
use crate::manifest;
use crate::names;
use crate::store::{ManifestRef, NewManifest};

fn reference(text: &str) -> ApiResult<ManifestRef> {
    if text.contains(':') {
        Ok(ManifestRef::Digest(parse_digest(text)?))
    } else if names::valid_tag(text) {
        Ok(ManifestRef::Tag(text.to_string()))
    } else {
        Err(ApiError::new(
            Code::ManifestInvalid,
            format!("invalid tag {text:?}"),
        ))
    }
}

pub async fn get(
    ctx: &Ctx,
    repo: &str,
    reference_text: &str,
    with_body: bool,
) -> ApiResult<Response> {
    ctx.require(repo, Action::Pull).await?;
    let reference = reference(reference_text)?;
    let Some(m) = ctx.state.meta.manifest(repo, &reference).await? else {
        return Err(ApiError::new(
            Code::ManifestUnknown,
            format!("manifest {reference_text} is unknown to {repo}"),
        ));
    };
    if with_body {
        ctx.audit(
            "pull",
            &format!("{repo}:{reference_text}"),
            "ok",
            Some(m.digest.to_string()),
        );
    }
    let digest = m.digest.to_string();
    let builder = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, header_value(&m.media_type))
        .header(header::CONTENT_LENGTH, m.content.len())
        .header("Docker-Content-Digest", header_value(&digest))
        .header(header::ETAG, header_value(&format!("\"{digest}\"")));
    let body = if with_body {
        Body::from(m.content)
    } else {
        Body::empty()
    };
    builder.body(body).map_err(ApiError::internal)
}

pub async fn put(ctx: &Ctx, repo: &str, reference_text: &str, body: Body) -> ApiResult<Response> {
    ctx.require(repo, Action::Push).await?;
    let reference = reference(reference_text)?;
    let limit = ctx.state.config.storage.max_manifest_bytes;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            Code::SizeInvalid,
            format!("manifest larger than {limit} bytes or body failed"),
        )
    })?;
    let content_type = ctx
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let parsed = manifest::parse(&bytes, content_type)
        .map_err(|msg| ApiError::new(Code::ManifestInvalid, msg))?;
    let digest = match &reference {
        ManifestRef::Digest(expected) => {
            let actual = hashing_digest_like(expected, &bytes)
                .ok_or_else(|| ApiError::internal("digest computation failed"))?;
            if &actual != expected {
                return Err(ApiError::new(
                    Code::DigestInvalid,
                    format!("manifest digest is {actual}, not {expected}"),
                ));
            }
            actual
        }
        ManifestRef::Tag(_) => bulwark_types::Digest::from_hash(&{
            use sha2::Digest as _;
            sha2::Sha256::digest(&bytes)
        })
        .ok_or_else(|| ApiError::internal("digest computation failed"))?,
    };
    super::require_project_exists(ctx, repo).await?;
    let tag = match &reference {
        ManifestRef::Tag(t) => Some(t.as_str()),
        ManifestRef::Digest(_) => None,
    };
    let subject = parsed.subject.clone();
    let record = NewManifest {
        digest: digest.clone(),
        media_type: parsed.media_type,
        artifact_type: parsed.artifact_type,
        subject: parsed.subject,
        annotations: parsed.annotations,
        content: bytes.to_vec(),
        blobs: parsed.blobs,
        manifests: parsed.manifests,
    };
    let resource = format!("{repo}:{reference_text}");
    if let Err(e) = ctx.state.meta.put_manifest(repo, record, tag).await {
        ctx.audit("push", &resource, "refused", Some(e.to_string()));
        return Err(e.into());
    }
    ctx.audit("push", &resource, "ok", Some(digest.to_string()));
    let mut resp = (
        StatusCode::CREATED,
        [
            (
                header::LOCATION,
                header_value(&format!("/v2/{repo}/manifests/{digest}")),
            ),
            (
                header::HeaderName::from_static("docker-content-digest"),
                header_value(&digest.to_string()),
            ),
            (header::CONTENT_LENGTH, header_value("0")),
        ],
    )
        .into_response();
    if let Some(subject) = subject {
        resp.headers_mut()
            .insert("OCI-Subject", header_value(&subject.to_string()));
    }
    Ok(resp)
}

pub async fn delete(ctx: &Ctx, repo: &str, reference_text: &str) -> ApiResult<Response> {
    ctx.require(repo, Action::Delete).await?;
    require_delete_enabled(ctx)?;
    let found = match reference(reference_text)? {
        ManifestRef::Digest(d) => ctx.state.meta.delete_manifest(repo, &d).await?,
        ManifestRef::Tag(t) => ctx.state.meta.delete_tag(repo, &t).await?,
    };
    if !found {
        return Err(ApiError::new(
            Code::ManifestUnknown,
            format!("manifest {reference_text} is unknown to {repo}"),
        ));
    }
    ctx.audit("delete", &format!("{repo}:{reference_text}"), "ok", None);
    Ok((StatusCode::ACCEPTED, [(header::CONTENT_LENGTH, "0")]).into_response())
}
