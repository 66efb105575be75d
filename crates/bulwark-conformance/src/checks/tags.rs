//! Content discovery: the tag list, `n` and `last`, and `Link` pagination.

use ureq::http::Method;

use super::seed::{SeedRef, need};
use super::{Stop, Suite, Verdict, ensure, expect};
use crate::http::{Req, Response, url};
use crate::report::Category::ContentDiscovery;

/// How many tags the suite adds for the list checks.
const TAGS: usize = 5;

pub(crate) fn run(suite: &mut Suite<'_>, seed: SeedRef<'_>) {
    let mut listing: Result<Vec<String>, Stop> = Err(Stop::Fail("not listed".to_owned()));
    suite.check(
        ContentDiscovery,
        "tags_list",
        "GET /tags/list answers 200 with {name, tags}: every tag, in lexical order",
        |s| {
            let seed = need(seed)?;
            let ours: Vec<String> = (0..TAGS)
                .map(|i| format!("list-{}-{i}", s.content.run_id()))
                .collect();
            for tag in &ours {
                s.push_manifest(tag, &seed.manifest)?;
            }
            let all = walk(s, &s.repo_url("tags/list"))?;
            listing = Ok(all.clone());
            ensure!(
                sorted(&all),
                "the tag list is not in lexical order: {all:?}"
            );
            let missing: Vec<&String> = ours.iter().filter(|t| !all.contains(t)).collect();
            ensure!(
                missing.is_empty(),
                "the tag list lacks pushed tags {missing:?}"
            );
            Ok(())
        },
    );
    let listing = listing.map_err(|_| "the full tag list is not known".to_owned());
    let listing = listing.as_deref();
    suite.check(
        ContentDiscovery,
        "tags_list_n",
        "GET /tags/list?n=2 answers the first 2 tags (fewer only with a Link header)",
        |s| {
            let all = full(listing)?;
            page_matches(s, "tags/list?n=2", all, 0, Some(2))
        },
    );
    suite.check(
        ContentDiscovery,
        "tags_list_n_last",
        "GET /tags/list?n=2&last=<tag> answers the 2 tags after <tag>",
        |s| {
            let all = full(listing)?;
            let last = all
                .get(1)
                .ok_or_else(|| Stop::Fail("fewer than 2 tags".to_owned()))?;
            let query = format!("tags/list?n=2&last={}", url::encode(last));
            page_matches(s, &query, all, 2, Some(2))
        },
    );
    suite.check(
        ContentDiscovery,
        "tags_list_last",
        "GET /tags/list?last=<tag> (no n) answers tags after <tag> only, in order",
        |s| {
            let all = full(listing)?;
            let last = all
                .get(2)
                .ok_or_else(|| Stop::Fail("fewer than 3 tags".to_owned()))?;
            let query = format!("tags/list?last={}", url::encode(last));
            page_matches(s, &query, all, 3, None)
        },
    );
    suite.check(
        ContentDiscovery,
        "tags_list_n_zero",
        "GET /tags/list?n=0 answers an empty list and no Link header",
        |s| {
            let response = s.send(&Req::new(Method::GET, s.repo_url("tags/list?n=0")))?;
            let (tags, _) = parse(s, &response)?;
            ensure!(tags.is_empty(), "n=0 answered tags {tags:?}");
            ensure!(
                response.header("link").is_none(),
                "n=0 answered a Link header"
            );
            Ok(())
        },
    );
    suite.check(
        ContentDiscovery,
        "tags_list_paginate",
        "pages of n=2, followed by Link (or last), together give the whole list once, in order",
        |s| {
            let all = full(listing)?;
            let paged = walk(s, &s.repo_url("tags/list?n=2"))?;
            ensure!(
                paged == all,
                "paging by 2 gave {paged:?}, the whole list is {all:?}"
            );
            Ok(())
        },
    );
}

fn full<'a>(listing: Result<&'a [String], &String>) -> Result<&'a [String], Stop> {
    listing.map_err(|reason| Stop::Fail(reason.clone()))
}

/// Parses a tag list answer: 200, `name` the repository, `tags` strings. Returns the tags
/// and the next page's URL from a `Link: <..>; rel="next"` header.
fn parse(suite: &Suite<'_>, response: &Response) -> Result<(Vec<String>, Option<String>), Stop> {
    expect::status(response, &[200])?;
    let json: serde_json::Value = serde_json::from_slice(&response.body).map_err(|e| {
        Stop::Fail(format!(
            "{} answered invalid JSON: {e}",
            response.describe()
        ))
    })?;
    let name = json.get("name").and_then(|n| n.as_str());
    ensure!(
        name == Some(suite.target.repo.as_str()),
        "{} answered name {name:?}, expected {:?}",
        response.describe(),
        suite.target.repo
    );
    let tags = match json.get("tags") {
        Some(serde_json::Value::Array(tags)) => tags
            .iter()
            .map(|t| t.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Stop::Fail("`tags` holds something other than strings".to_owned()))?,
        Some(serde_json::Value::Null) => Vec::new(),
        _ => {
            return Err(Stop::Fail(format!(
                "{} answered no `tags` array",
                response.describe()
            )));
        }
    };
    let next = match response.header("link") {
        Some(link) => Some(next_link(response, link)?),
        None => None,
    };
    Ok((tags, next))
}

/// The target of `<url>; rel="next"`.
fn next_link(response: &Response, link: &str) -> Result<String, Stop> {
    let target = link
        .trim()
        .strip_prefix('<')
        .and_then(|rest| rest.split_once('>'))
        .filter(|(_, params)| params.replace(' ', "").contains("rel=\"next\""))
        .map(|(target, _)| target)
        .ok_or_else(|| {
            Stop::Fail(format!(
                "{} answered a malformed Link: {link}",
                response.describe()
            ))
        })?;
    Ok(url::resolve(&response.url, target))
}

/// Follows `Link` headers from `start` (or `last=` when a page is full and has none) and
/// returns every tag in the order served.
fn walk(suite: &Suite<'_>, start: &str) -> Result<Vec<String>, Stop> {
    let mut tags = Vec::new();
    let mut next = Some(start.to_owned());
    while let Some(page) = next.take() {
        ensure!(tags.len() < 100_000, "the tag list does not end");
        let response = suite.send(&Req::new(Method::GET, page))?;
        let (page_tags, link) = parse(suite, &response)?;
        let paged = start.contains("n=2");
        ensure!(
            !paged || page_tags.len() <= 2,
            "{} answered {} tags, more than n=2",
            response.describe(),
            page_tags.len()
        );
        let full_page = paged && page_tags.len() == 2;
        next = match (link, page_tags.last()) {
            (Some(link), _) => Some(link),
            (None, Some(last)) if full_page => Some(url::with_query(
                &suite.repo_url("tags/list?n=2"),
                "last",
                last,
            )),
            _ => None,
        };
        tags.extend(page_tags);
    }
    Ok(tags)
}

/// The page at `query` holds `all[from..]`, `n` of them when given: fewer only with a Link.
fn page_matches(
    suite: &Suite<'_>,
    query: &str,
    all: &[String],
    from: usize,
    n: Option<usize>,
) -> Verdict {
    let response = suite.send(&Req::new(Method::GET, suite.repo_url(query)))?;
    let (tags, link) = parse(suite, &response)?;
    let rest = all.get(from..).unwrap_or_default();
    let expected_len = n.map_or(rest.len(), |n| n.min(rest.len()));
    let expected = rest.get(..expected_len).unwrap_or_default();
    if tags.len() < expected_len && link.is_some() {
        let prefix = expected.get(..tags.len()).unwrap_or_default();
        ensure!(
            tags == prefix,
            "{query} answered {tags:?}, expected a prefix of {expected:?}"
        );
        return Ok(());
    }
    ensure!(
        tags == expected,
        "{query} answered {tags:?}, expected {expected:?}"
    );
    Ok(())
}

/// Lexical order: byte order (Go's `sort.Strings`) or case-insensitive.
fn sorted(tags: &[String]) -> bool {
    tags.is_sorted() || tags.is_sorted_by_key(|t| t.to_lowercase())
}
