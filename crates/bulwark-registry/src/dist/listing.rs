//! Tag listing, the catalog and the referrers API.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bulwark_auth::role::Action;
use serde_json::json;

use super::{Ctx, header_value, parse_digest};
use crate::access;
use crate::error::{ApiError, ApiResult, Code};
use crate::manifest::OCI_INDEX;
use crate::names::project_of;
use crate::store::Page;

/// Most entries one listing returns when the client gives no `n`.
const DEFAULT_PAGE: usize = 1000;
const MAX_PAGE: usize = 10_000;

fn page(ctx: &Ctx) -> ApiResult<Page> {
    let n = match ctx.param("n") {
        None => None,
        Some(n) => Some(
            n.parse::<usize>()
                .map_err(|_| ApiError::new(Code::BadRequest, "n must be a number"))?
                .min(MAX_PAGE),
        ),
    };
    Ok(Page {
        n,
        last: ctx.param("last").map(str::to_string),
    })
}

/// `Link: <...>; rel="next"` when the page was full.
fn with_link(mut resp: Response, path: &str, n: usize, last: Option<&String>) -> Response {
    if let Some(last) = last {
        let link = format!("<{path}?n={n}&last={last}>; rel=\"next\"");
        resp.headers_mut().insert(header::LINK, header_value(&link));
    }
    resp
}

pub async fn tags(ctx: &Ctx, repo: &str) -> ApiResult<Response> {
    ctx.require(repo, Action::Pull).await?;
    let mut page = page(ctx)?;
    let wanted = page.n;
    // Ask for one more to learn whether a next page exists.
    page.n = wanted.map(|n| n + 1);
    let Some(mut tags) = ctx.state.meta.tags(repo, page).await? else {
        return Err(ApiError::new(
            Code::NameUnknown,
            format!("repository {repo} is not known"),
        ));
    };
    let more = wanted.is_some_and(|n| tags.len() > n);
    if let Some(n) = wanted {
        tags.truncate(n);
    }
    let body = json!({ "name": repo, "tags": tags }).to_string();
    let resp = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    let last = if more { tags.last() } else { None };
    Ok(with_link(
        resp,
        &format!("/v2/{repo}/tags/list"),
        wanted.unwrap_or(DEFAULT_PAGE),
        last,
    ))
}

/// Lists the repositories the caller can pull from.
pub async fn catalog(ctx: &Ctx) -> ApiResult<Response> {
    if ctx.who.is_anonymous() {
        return Err(
            ApiError::new(Code::Unauthorized, "authentication required").with_header(
                header::WWW_AUTHENTICATE,
                access::challenge(&ctx.state, &ctx.headers, &[catalog_scope()], None),
            ),
        );
    }
    let page = page(ctx)?;
    let wanted = page.n.unwrap_or(DEFAULT_PAGE);
    let mut out = Vec::new();
    let mut cursor = page.last.clone();
    let mut more = false;
    'scan: loop {
        let batch = ctx
            .state
            .meta
            .repositories(Page {
                n: Some(500),
                last: cursor.clone(),
            })
            .await?;
        if batch.is_empty() {
            break;
        }
        for repo in batch {
            cursor = Some(repo.clone());
            // The catalog shows what the caller's account may pull, whatever scopes its
            // token carries (clients such as podman ask for a token without scopes).
            let visible = access::permitted(
                &ctx.state,
                &ctx.who.subject,
                project_of(&repo),
                Action::Pull,
            )
            .await?;
            if visible {
                if out.len() == wanted {
                    more = true;
                    break 'scan;
                }
                out.push(repo);
            }
        }
    }
    let body = json!({ "repositories": out }).to_string();
    let resp = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    let last = if more { out.last() } else { None };
    Ok(with_link(resp, "/v2/_catalog", wanted, last))
}

fn catalog_scope() -> bulwark_auth::scope::Scope {
    bulwark_auth::scope::Scope {
        kind: "registry".into(),
        name: "catalog".into(),
        actions: vec!["*".into()],
    }
}

pub async fn referrers(ctx: &Ctx, repo: &str, digest: &str) -> ApiResult<Response> {
    ctx.require(repo, Action::Pull).await?;
    let subject = parse_digest(digest).map_err(|e| ApiError::new(Code::BadRequest, e.message))?;
    let mut list = ctx.state.meta.referrers(repo, &subject).await?;
    let filter = ctx.param("artifactType").map(str::to_string);
    if let Some(t) = &filter {
        list.retain(|r| r.artifact_type.as_deref() == Some(t.as_str()));
    }
    let body = json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": list }).to_string();
    let mut resp = (StatusCode::OK, [(header::CONTENT_TYPE, OCI_INDEX)], body).into_response();
    if filter.is_some() {
        resp.headers_mut()
            .insert("OCI-Filters-Applied", header_value("artifactType"));
    }
    Ok(resp)
}
