//! Image references: `[HOST[:PORT]/]REPO[:TAG][@DIGEST]`, with Docker Hub defaults.
//!
//! The grammar is the one registries and `docker pull` accept:
//!
//! - the first `/`-separated component is a registry host when it contains `.` or `:`,
//!   is `localhost`, or has uppercase letters (repositories never do); otherwise the
//!   whole name is a Docker Hub repository;
//! - repository components are lowercase alphanumerics joined by `.`, `_`, `__` or runs
//!   of `-`;
//! - a tag is `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`;
//! - a digest is `sha256:HEX` (or `sha512:HEX`), checked by [`Digest`].
//!
//! Docker Hub is spelled `docker.io` by users and served from `registry-1.docker.io`;
//! single-component Hub names live under `library/`.

use std::fmt;
use std::net::Ipv6Addr;
use std::str::FromStr;

use bulwark_types::Digest;

/// The host Docker Hub's registry API is served from.
pub const DOCKER_HUB_REGISTRY: &str = "registry-1.docker.io";
/// The name users write for Docker Hub, used in canonical references.
pub const DOCKER_HUB_DOMAIN: &str = "docker.io";
/// Host names that mean Docker Hub in references.
const DOCKER_HUB_ALIASES: &[&str] = &["docker.io", "index.docker.io", "registry-1.docker.io"];
/// Longest repository name (host included) registries accept.
const MAX_NAME_LEN: usize = 255;
/// Longest tag.
const MAX_TAG_LEN: usize = 128;

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry host and optional port, e.g. `127.0.0.1:5000`, `registry-1.docker.io`.
    pub registry: String,
    /// Repository path, e.g. `library/alpine`, `dev/app`.
    pub repository: String,
    /// Tag, if given (defaults to `latest` when neither tag nor digest is given).
    pub tag: Option<String>,
    /// Digest, if given; takes precedence over the tag when pulling.
    pub digest: Option<Digest>,
}

/// Why a reference string cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid image reference {input:?}: {reason}")]
pub struct ReferenceError {
    pub input: String,
    pub reason: String,
}

impl Reference {
    /// What to ask the registry for: the digest when there is one, else the tag, else
    /// `latest`.
    pub fn tag_or_digest(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(digest), _) => digest.to_string(),
            (None, Some(tag)) => tag.clone(),
            (None, None) => "latest".to_string(),
        }
    }

    /// Whether this reference points at Docker Hub.
    pub fn is_docker_hub(&self) -> bool {
        is_docker_hub_host(&self.registry)
    }

    /// The same repository pinned to `digest` (the tag is kept for display).
    pub fn with_digest(&self, digest: Digest) -> Self {
        Self {
            digest: Some(digest),
            ..self.clone()
        }
    }

    /// The same repository at `tag` (no digest).
    pub fn with_tag(&self, tag: impl Into<String>) -> Self {
        Self {
            tag: Some(tag.into()),
            digest: None,
            ..self.clone()
        }
    }

    /// Checks the fields of a reference built by hand (the fields are public), so that
    /// they can go into a URL: host grammar, repository grammar, tag grammar.
    pub fn validate(&self) -> Result<(), ReferenceError> {
        let fail = |reason: String| ReferenceError {
            input: self.to_string(),
            reason,
        };
        check_host(&self.registry).map_err(fail)?;
        check_repository(&self.repository).map_err(fail)?;
        if let Some(tag) = &self.tag {
            check_tag(tag).map_err(fail)?;
        }
        Ok(())
    }
}

/// Whether `host` (as written in a reference or a registry field) names Docker Hub.
pub(crate) fn is_docker_hub_host(host: &str) -> bool {
    DOCKER_HUB_ALIASES
        .iter()
        .any(|alias| host.eq_ignore_ascii_case(alias))
}

impl FromStr for Reference {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s).map_err(|reason| ReferenceError {
            input: s.to_string(),
            reason,
        })
    }
}

impl fmt::Display for Reference {
    /// The canonical form: `docker.io/library/alpine:latest`, `127.0.0.1:5000/x/y@sha256:..`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.is_docker_hub() {
            DOCKER_HUB_DOMAIN
        } else {
            &self.registry
        };
        write!(f, "{host}/{}", self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

fn parse(input: &str) -> Result<Reference, String> {
    if input.is_empty() {
        return Err("empty reference".into());
    }
    if let Some(c) = input.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("contains the character {c:?}"));
    }

    let (name_and_tag, digest) = match input.split_once('@') {
        Some((rest, digest)) => {
            let digest = digest
                .parse::<Digest>()
                .map_err(|e| format!("bad digest: {e}"))?;
            (rest, Some(digest))
        }
        None => (input, None),
    };

    // A tag's `:` comes after the last `/`; a `:` before it belongs to a host port.
    let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_and_tag
        .get(last_slash..)
        .and_then(|tail| tail.rfind(':'))
    {
        Some(colon) => {
            let at = last_slash + colon;
            let name = name_and_tag.get(..at).unwrap_or_default();
            let tag = name_and_tag.get(at + 1..).unwrap_or_default();
            check_tag(tag)?;
            (name, Some(tag.to_string()))
        }
        None => (name_and_tag, None),
    };

    if name.is_empty() {
        return Err("missing repository name".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "name is {} characters long, the limit is {MAX_NAME_LEN}",
            name.len()
        ));
    }

    let (registry, repository) = match name.split_once('/') {
        Some((first, rest)) if looks_like_host(first) => {
            check_host(first)?;
            if is_docker_hub_host(first) {
                (DOCKER_HUB_REGISTRY.to_string(), hub_repository(rest))
            } else {
                (first.to_string(), rest.to_string())
            }
        }
        _ => (DOCKER_HUB_REGISTRY.to_string(), hub_repository(name)),
    };
    check_repository(&repository)?;

    let tag = match (tag, &digest) {
        (None, None) => Some("latest".to_string()),
        (tag, _) => tag,
    };
    Ok(Reference {
        registry,
        repository,
        tag,
        digest,
    })
}

/// Docker Hub's official images live under `library/`.
fn hub_repository(path: &str) -> String {
    if path.contains('/') {
        path.to_string()
    } else {
        format!("library/{path}")
    }
}

fn looks_like_host(component: &str) -> bool {
    component.contains(['.', ':'])
        || component == "localhost"
        || component.bytes().any(|b| b.is_ascii_uppercase())
}

/// `host[:port]` where host is a DNS name, an IPv4 address or a bracketed IPv6 address.
fn check_host(host_port: &str) -> Result<(), String> {
    if host_port.is_empty() {
        return Err("empty registry host".into());
    }
    let (host, port) = if let Some(rest) = host_port.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("registry host {host_port:?} has an unclosed `[`"))?;
        inside
            .parse::<Ipv6Addr>()
            .map_err(|_| format!("registry host {host_port:?} is not a valid IPv6 address"))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| format!("unexpected {p:?} after IPv6 address"))?,
            ),
        };
        (None, port)
    } else {
        match host_port.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(host_port), None),
        }
    };
    if let Some(host) = host {
        if host.is_empty() {
            return Err(format!("registry {host_port:?} has an empty host name"));
        }
        for label in host.split('.') {
            let ok = !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !ok {
                return Err(format!("registry host {host:?} is not a valid host name"));
            }
        }
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p != 0);
        if !valid {
            return Err(format!(
                "registry port {port:?} is not a number from 1 to 65535"
            ));
        }
    }
    Ok(())
}

/// `component ('/' component)*`, each `[a-z0-9]+ (separator [a-z0-9]+)*` with separators
/// `.`, `_`, `__` or one or more `-`.
fn check_repository(repository: &str) -> Result<(), String> {
    if repository.is_empty() {
        return Err("missing repository name".into());
    }
    if repository.len() > MAX_NAME_LEN {
        return Err(format!(
            "repository is {} characters long, the limit is {MAX_NAME_LEN}",
            repository.len()
        ));
    }
    for component in repository.split('/') {
        if !valid_path_component(component) {
            let why = if component.is_empty() {
                "empty path component".to_string()
            } else if component.bytes().any(|b| b.is_ascii_uppercase()) {
                format!("repository component {component:?} must be lowercase")
            } else {
                format!(
                    "repository component {component:?} must be lowercase letters and digits \
                     joined by `.`, `_`, `__` or `-`"
                )
            };
            return Err(why);
        }
    }
    Ok(())
}

fn valid_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let is_alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !is_alnum(first) || !is_alnum(last) {
        return false;
    }
    // Walk the separator runs between alphanumeric runs.
    let mut run_start: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate() {
        if is_alnum(b) {
            if let Some(start) = run_start.take() {
                let sep = bytes.get(start..i).unwrap_or_default();
                let ok = matches!(sep, b"." | b"_" | b"__") || sep.iter().all(|&c| c == b'-');
                if !ok {
                    return false;
                }
            }
        } else if matches!(b, b'.' | b'_' | b'-') {
            run_start.get_or_insert(i);
        } else {
            return false;
        }
    }
    true
}

fn check_tag(tag: &str) -> Result<(), String> {
    let bytes = tag.as_bytes();
    let Some(&first) = bytes.first() else {
        return Err("empty tag".into());
    };
    if bytes.len() > MAX_TAG_LEN {
        return Err(format!(
            "tag is {} characters long, the limit is {MAX_TAG_LEN}",
            bytes.len()
        ));
    }
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if !word(first) || !bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-') {
        return Err(format!(
            "tag {tag:?} must be letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "73a958577213251ebbcc2cd4db47b3404b14a8b1fd7691c3052d03b072bd46e7";

    /// input, registry, repository, tag (`-` for none), canonical form; `DIGEST` stands
    /// for `sha256:HEX`.
    const VALID: &str = "
        alpine                               registry-1.docker.io  library/alpine    latest     docker.io/library/alpine:latest
        alpine:3.10                          registry-1.docker.io  library/alpine    3.10       docker.io/library/alpine:3.10
        docker.io/x/y                        registry-1.docker.io  x/y               latest     docker.io/x/y:latest
        docker.io/alpine                     registry-1.docker.io  library/alpine    latest     docker.io/library/alpine:latest
        index.docker.io/library/alpine:edge  registry-1.docker.io  library/alpine    edge       docker.io/library/alpine:edge
        registry-1.docker.io/bitnami/redis:7 registry-1.docker.io  bitnami/redis     7          docker.io/bitnami/redis:7
        bitnami/redis                        registry-1.docker.io  bitnami/redis     latest     docker.io/bitnami/redis:latest
        localhost/app                        localhost             app               latest     localhost/app:latest
        localhost:5000/dev/app:v1.2.3        localhost:5000        dev/app           v1.2.3     localhost:5000/dev/app:v1.2.3
        127.0.0.1:5000/test/alpine:3.10      127.0.0.1:5000        test/alpine       3.10       127.0.0.1:5000/test/alpine:3.10
        [::1]:5000/a/b                       [::1]:5000            a/b               latest     [::1]:5000/a/b:latest
        [fe80::1]/a                          [fe80::1]             a                 latest     [fe80::1]/a:latest
        ghcr.io/owner/team/image:tag_1-x.y   ghcr.io               owner/team/image  tag_1-x.y  ghcr.io/owner/team/image:tag_1-x.y
        Registry/app                         Registry              app               latest     Registry/app:latest
        quay.io/a.b/c__d/e---f/g_h           quay.io               a.b/c__d/e---f/g_h latest    quay.io/a.b/c__d/e---f/g_h:latest
        localhost:5000                       registry-1.docker.io  library/localhost 5000       docker.io/library/localhost:5000
        alpine@DIGEST                        registry-1.docker.io  library/alpine    -          docker.io/library/alpine@DIGEST
        r.example.com:443/x:1@DIGEST         r.example.com:443     x                 1          r.example.com:443/x:1@DIGEST
    ";

    #[test]
    fn parses_valid_references() {
        let digest = format!("sha256:{HEX}");
        for line in VALID.lines().filter(|l| !l.trim().is_empty()) {
            let line = line.replace("DIGEST", &digest);
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [input, registry, repository, tag, display] = fields[..] else {
                panic!("bad table row {line:?}");
            };
            let r: Reference = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(r.registry, registry, "{input}");
            assert_eq!(r.repository, repository, "{input}");
            assert_eq!(r.tag.as_deref(), Some(tag).filter(|t| *t != "-"), "{input}");
            assert_eq!(r.digest.is_some(), input.contains('@'), "{input}");
            assert_eq!(r.to_string(), display, "{input}");
            // The canonical form parses back to the same reference.
            assert_eq!(display.parse::<Reference>().unwrap(), r, "{input}");
            r.validate().unwrap();
        }
        assert_eq!(DOCKER_HUB_REGISTRY, "registry-1.docker.io");
    }

    #[test]
    fn rejects_bad_references() {
        let long_tag = format!("alpine:{}", "a".repeat(129));
        let long_name = format!("example.com/{}", "a".repeat(250));
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("Alpine", "lowercase"),
            ("example.com/Alpine", "lowercase"),
            ("alpine:", "empty tag"),
            (":tag", "missing repository"),
            ("alpine:-x", "tag"),
            ("alpine:.x", "tag"),
            ("alpine:a/b", "port"),
            (&long_tag, "limit is 128"),
            (&long_name, "limit is 255"),
            ("alpine@sha256:abc", "bad digest"),
            ("alpine@md5:0123", "bad digest"),
            ("alpine@", "bad digest"),
            ("example.com/", "missing repository"),
            ("_x", "joined by"),
            ("example.com//x", "empty path component"),
            ("a//b", "empty path component"),
            ("/alpine", "empty path component"),
            ("x/-y", "joined by"),
            ("x/y-", "joined by"),
            ("x/y..z", "joined by"),
            ("x/y___z", "joined by"),
            ("x/y._z", "joined by"),
            ("x/y$", "joined by"),
            ("x/y%2f", "joined by"),
            ("ex ample.com/x", "character"),
            ("example.com/x\n", "character"),
            ("example.com:0/x", "port"),
            ("example.com:99999/x", "port"),
            ("example.com:5x/x", "port"),
            ("example.com:/x", "port"),
            ("-bad.com/x", "host name"),
            ("bad..com/x", "host name"),
            ("bad_host.com/x", "host name"),
            ("[::1/x", "unclosed"),
            ("[zz::1]/x", "IPv6"),
            ("[::1]x/y", "after IPv6"),
            ("x/../y", "joined by"),
        ];
        for &(input, expected) in cases {
            let err = input
                .parse::<Reference>()
                .expect_err(&format!("{input:?} should be rejected"));
            let message = err.to_string();
            assert!(
                message.contains(expected),
                "{input:?}: {message:?} should mention {expected:?}"
            );
        }
    }

    #[test]
    fn tag_or_digest_prefers_digest() {
        let r: Reference = format!("alpine:3.10@sha256:{HEX}").parse().unwrap();
        assert_eq!(r.tag_or_digest(), format!("sha256:{HEX}"));
        let r: Reference = "alpine:3.10".parse().unwrap();
        assert_eq!(r.tag_or_digest(), "3.10");
        let mut r: Reference = "alpine".parse().unwrap();
        r.tag = None;
        assert_eq!(r.tag_or_digest(), "latest");
        assert!(r.is_docker_hub());
        let pinned = r.with_digest(Digest::sha256_hex(HEX).unwrap());
        assert_eq!(pinned.tag_or_digest(), format!("sha256:{HEX}"));
    }

    #[test]
    fn validate_rejects_hand_built_paths() {
        let r = Reference {
            registry: "example.com".into(),
            repository: "../../etc".into(),
            tag: None,
            digest: None,
        };
        assert!(r.validate().is_err());
        let r = Reference {
            registry: "example.com/evil".into(),
            repository: "x".into(),
            tag: None,
            digest: None,
        };
        assert!(r.validate().is_err());
        let r = Reference {
            registry: "example.com".into(),
            repository: "x".into(),
            tag: Some("a/b".into()),
            digest: None,
        };
        assert!(r.validate().is_err());
    }
}
