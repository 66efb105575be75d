//! The OCI Distribution v1.1 API under `/v2/`. Repository names contain slashes, so one
//! handler parses the path ([`Route::parse`]) and dispatches by route and method.

mod blobs;
mod listing;
mod manifests;
mod uploads;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bulwark_auth::role::Action;
use bulwark_types::Digest;

use crate::access::{self, Identity};
use crate::error::{ApiError, ApiResult, Code};
use crate::names;
use crate::state::AppState;

/// What a `/v2/...` path addresses.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    Base,
    Catalog,
    Tags { repo: String },
    Manifest { repo: String, reference: String },
    Blob { repo: String, digest: String },
    Uploads { repo: String },
    Upload { repo: String, id: String },
    Referrers { repo: String, digest: String },
}

impl Route {
    /// Parses the part of the path after `/v2/`.
    pub fn parse(rest: &str) -> Option<Self> {
        if rest.is_empty() {
            return Some(Self::Base);
        }
        if rest == "_catalog" {
            return Some(Self::Catalog);
        }
        if let Some(repo) = rest.strip_suffix("/tags/list") {
            return Some(Self::Tags { repo: repo.into() });
        }
        if let Some(repo) = rest
            .strip_suffix("/blobs/uploads/")
            .or_else(|| rest.strip_suffix("/blobs/uploads"))
        {
            return Some(Self::Uploads { repo: repo.into() });
        }
        // The last path segment is an id, reference or digest: it never holds a '/'.
        let (head, last) = rest.rsplit_once('/')?;
        if let Some(repo) = head.strip_suffix("/blobs/uploads") {
            return Some(Self::Upload {
                repo: repo.into(),
                id: last.into(),
            });
        }
        if let Some(repo) = head.strip_suffix("/manifests") {
            return Some(Self::Manifest {
                repo: repo.into(),
                reference: last.into(),
            });
        }
        if let Some(repo) = head.strip_suffix("/blobs") {
            return Some(Self::Blob {
                repo: repo.into(),
                digest: last.into(),
            });
        }
        if let Some(repo) = head.strip_suffix("/referrers") {
            return Some(Self::Referrers {
                repo: repo.into(),
                digest: last.into(),
            });
        }
        None
    }

    fn repo(&self) -> Option<&str> {
        match self {
            Self::Base | Self::Catalog => None,
            Self::Tags { repo }
            | Self::Manifest { repo, .. }
            | Self::Blob { repo, .. }
            | Self::Uploads { repo }
            | Self::Upload { repo, .. }
            | Self::Referrers { repo, .. } => Some(repo),
        }
    }
}

/// Everything a handler needs about the request.
pub struct Ctx {
    pub state: AppState,
    pub headers: HeaderMap,
    pub query: Vec<(String, String)>,
    pub who: Identity,
}

impl Ctx {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub async fn require(&self, repo: &str, action: Action) -> ApiResult<()> {
        access::require(&self.state, &self.headers, &self.who, repo, action).await
    }

    /// Records an audit event for this caller.
    pub fn audit(&self, action: &str, resource: &str, outcome: &str, detail: Option<String>) {
        self.state.audit.record(crate::audit::Entry {
            actor: self.who.name(),
            action,
            resource,
            project: Some(names::project_of(resource)),
            outcome,
            client: self.who.client.clone(),
            detail,
        });
    }
}

/// Parses a digest from a path or query, as `DIGEST_INVALID` on failure.
pub fn parse_digest(text: &str) -> ApiResult<Digest> {
    text.parse()
        .map_err(|e: bulwark_types::DigestError| ApiError::new(Code::DigestInvalid, e.to_string()))
}

pub fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `/v2/*` entry point.
pub async fn handle(State(state): State<AppState>, req: Request) -> Response {
    match dispatch(state, req).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

/// Decoded `key=value` pairs of a query string or a form body.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` in a query component.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i) {
            Some(b'%') => {
                let hex = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(b) = hex {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            Some(b'+') => out.push(b' '),
            Some(&b) => out.push(b),
            None => {}
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn dispatch(state: AppState, req: Request) -> ApiResult<Response> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    let rest = path
        .strip_prefix("/v2/")
        .or_else(|| (path == "/v2").then_some(""))
        .unwrap_or("");
    let route =
        Route::parse(rest).ok_or_else(|| ApiError::new(Code::NotFound, "unknown registry path"))?;
    let client = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let who = access::identify(&state, &parts.headers, client).await?;
    if let Some(repo) = route.repo()
        && !names::valid_repo(repo)
    {
        return Err(ApiError::new(
            Code::NameInvalid,
            format!("invalid repository name {repo:?} (expected <project>/<name>)"),
        ));
    }
    let ctx = Ctx {
        state,
        headers: parts.headers,
        query: parse_query(parts.uri.query().unwrap_or("")),
        who,
    };
    let m = &parts.method;
    match route {
        Route::Base => base(&ctx),
        Route::Catalog if m == Method::GET => listing::catalog(&ctx).await,
        Route::Tags { repo } if m == Method::GET => listing::tags(&ctx, &repo).await,
        Route::Referrers { repo, digest } if m == Method::GET => {
            listing::referrers(&ctx, &repo, &digest).await
        }
        Route::Manifest { repo, reference } => match *m {
            Method::GET => manifests::get(&ctx, &repo, &reference, true).await,
            Method::HEAD => manifests::get(&ctx, &repo, &reference, false).await,
            Method::PUT => manifests::put(&ctx, &repo, &reference, body).await,
            Method::DELETE => manifests::delete(&ctx, &repo, &reference).await,
            _ => Err(not_allowed()),
        },
        Route::Blob { repo, digest } => match *m {
            Method::GET => blobs::get(&ctx, &repo, &digest, true).await,
            Method::HEAD => blobs::get(&ctx, &repo, &digest, false).await,
            Method::DELETE => blobs::delete(&ctx, &repo, &digest).await,
            _ => Err(not_allowed()),
        },
        Route::Uploads { repo } if m == Method::POST => uploads::start(&ctx, &repo, body).await,
        Route::Upload { repo, id } => match *m {
            Method::GET => uploads::status(&ctx, &repo, &id).await,
            Method::PATCH => uploads::patch(&ctx, &repo, &id, body).await,
            Method::PUT => uploads::finish(&ctx, &repo, &id, body).await,
            Method::DELETE => uploads::cancel(&ctx, &repo, &id).await,
            _ => Err(not_allowed()),
        },
        _ => Err(not_allowed()),
    }
}

fn not_allowed() -> ApiError {
    ApiError::new(Code::Unsupported, "method not supported on this path")
}

/// `GET /v2/`: 200 for any authenticated caller, 401 with a challenge otherwise.
fn base(ctx: &Ctx) -> ApiResult<Response> {
    if ctx.who.is_anonymous() {
        return Err(
            ApiError::new(Code::Unauthorized, "authentication required").with_header(
                header::WWW_AUTHENTICATE,
                access::challenge(&ctx.state, &ctx.headers, &[], None),
            ),
        );
    }
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "{}",
    )
        .into_response())
}

/// Turns a request body into the blob store's stream type.
pub fn body_stream(body: Body) -> crate::blob::ByteStream {
    use futures_util::TryStreamExt;
    Box::pin(body.into_data_stream().map_err(std::io::Error::other))
}

/// Pushes need the repository's project to exist (`NAME_UNKNOWN` otherwise).
pub async fn require_project_exists(ctx: &Ctx, repo: &str) -> ApiResult<()> {
    let project = names::project_of(repo);
    if ctx.state.meta.project(project).await?.is_none() {
        return Err(ApiError::new(
            Code::NameUnknown,
            format!("project {project} does not exist"),
        ));
    }
    Ok(())
}

/// Deletes must be enabled in the configuration.
pub fn require_delete_enabled(ctx: &Ctx) -> ApiResult<()> {
    if ctx.state.config.storage.delete_enabled {
        Ok(())
    } else {
        Err(ApiError::new(
            Code::Unsupported,
            "deletes are disabled on this registry",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn parses_paths_with_slashes_in_names() {
        assert_eq!(Route::parse(""), Some(Route::Base));
        assert_eq!(
            Route::parse("dev/app/tags/list"),
            Some(Route::Tags {
                repo: "dev/app".into()
            })
        );
        assert_eq!(
            Route::parse("dev/a/manifests/latest"),
            Some(Route::Manifest {
                repo: "dev/a".into(),
                reference: "latest".into()
            })
        );
        assert_eq!(
            Route::parse("dev/blobs/x/blobs/uploads/"),
            Some(Route::Uploads {
                repo: "dev/blobs/x".into()
            })
        );
        assert_eq!(
            Route::parse("dev/x/blobs/uploads/abc"),
            Some(Route::Upload {
                repo: "dev/x".into(),
                id: "abc".into()
            })
        );
        assert_eq!(
            Route::parse("dev/manifests/blobs/sha256:00"),
            Some(Route::Blob {
                repo: "dev/manifests".into(),
                digest: "sha256:00".into()
            })
        );
        assert_eq!(Route::parse("nothing"), None);
    }
}
