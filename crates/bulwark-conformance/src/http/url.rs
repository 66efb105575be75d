//! URL handling the registry protocol needs: `Location` resolution, query parameters and
//! the token scope a request will likely need.

/// Resolves a `Location` header value against the URL of the request that returned it.
/// Registries may answer with an absolute URL, a network-path (`//host/...`), an absolute
/// path (`/v2/...`) or, rarely, a relative path.
pub(crate) fn resolve(request_url: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_owned();
    }
    let (scheme, rest) = request_url
        .split_once("://")
        .unwrap_or(("http", request_url));
    if let Some(network_path) = location.strip_prefix("//") {
        return format!("{scheme}://{network_path}");
    }
    let authority = rest.split('/').next().unwrap_or(rest);
    if location.starts_with('/') {
        return format!("{scheme}://{authority}{location}");
    }
    let path = rest.split(['?', '#']).next().unwrap_or(rest);
    let directory = path.rfind('/').map_or(path, |end| &path[..=end]);
    let directory = if directory.ends_with('/') {
        directory.to_owned()
    } else {
        format!("{directory}/")
    };
    format!("{scheme}://{directory}{location}")
}

/// The path and query of `url` (for messages).
pub(crate) fn path_of(url: &str) -> &str {
    url.split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|start| &rest[start..]))
        .unwrap_or(url)
}

/// Appends `key=value` to `url`'s query, keeping the query parameters already there (an
/// upload `Location` may carry state the registry needs).
pub(crate) fn with_query(url: &str, key: &str, value: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{key}={}", encode(value))
}

/// Percent-encodes a query value. `:` and `/` stay readable (RFC 3986 allows them in a
/// query); `+`, which form decoding turns into a space, does not.
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b':' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The Docker token scope a request most likely needs, used as the key of the token cache:
/// `repository:<name>:<actions>`, plus `repository:<from>:pull` for mounts. `None` for
/// requests outside a repository (`GET /v2/`).
pub(crate) fn predicted_scope(url: &str, method: &str) -> Option<String> {
    let path = path_of(url);
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let rest = path.strip_prefix("/v2/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    let end = segments
        .iter()
        .position(|s| matches!(*s, "blobs" | "manifests" | "tags" | "referrers"))?;
    let name = segments.get(..end)?.join("/");
    if name.is_empty() {
        return None;
    }
    let actions = match method {
        "GET" | "HEAD" => "pull",
        "DELETE" => "delete",
        _ => "pull,push",
    };
    let mut scope = format!("repository:{name}:{actions}");
    if let Some(from) = query.split('&').find_map(|pair| pair.strip_prefix("from=")) {
        scope.push_str(&format!(" repository:{from}:pull"));
    }
    Some(scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUEST: &str = "http://127.0.0.1:5000/v2/app/blobs/uploads/";

    #[test]
    fn resolves_every_location_form() {
        assert_eq!(
            resolve(REQUEST, "https://cdn.example/x?sig=1"),
            "https://cdn.example/x?sig=1"
        );
        assert_eq!(resolve(REQUEST, "//other:9/up/1"), "http://other:9/up/1");
        assert_eq!(
            resolve(REQUEST, "/v2/app/blobs/uploads/abc?_state=s"),
            "http://127.0.0.1:5000/v2/app/blobs/uploads/abc?_state=s"
        );
        assert_eq!(
            resolve(REQUEST, "abc"),
            "http://127.0.0.1:5000/v2/app/blobs/uploads/abc"
        );
    }

    #[test]
    fn query_values_are_appended_and_encoded() {
        assert_eq!(
            with_query("http://h/up/1?_state=x", "digest", "sha256:ab"),
            "http://h/up/1?_state=x&digest=sha256:ab"
        );
        assert_eq!(
            with_query("http://h/r", "artifactType", "application/vnd.x+json"),
            "http://h/r?artifactType=application/vnd.x%2Bjson"
        );
    }

    #[test]
    fn scopes_follow_the_repository_and_method() {
        let url = "http://h/v2/org/app/manifests/latest";
        assert_eq!(
            predicted_scope(url, "GET").as_deref(),
            Some("repository:org/app:pull")
        );
        assert_eq!(
            predicted_scope(url, "PUT").as_deref(),
            Some("repository:org/app:pull,push")
        );
        let mount = "http://h/v2/app/blobs/uploads/?mount=sha256:ab&from=lib/src";
        assert_eq!(
            predicted_scope(mount, "POST").as_deref(),
            Some("repository:app:pull,push repository:lib/src:pull")
        );
        assert_eq!(predicted_scope("http://h/v2/", "GET"), None);
    }

    #[test]
    fn path_of_strips_scheme_and_authority() {
        assert_eq!(path_of("http://h:1/v2/x?n=1"), "/v2/x?n=1");
    }
}
