//! Docker token scopes: `type:name:action[,action...]`.
//!
//! Examples: `repository:dev/app:pull,push`, `registry:catalog:*`,
//! `repository(plugin):name:pull`. The name runs from the first `:` to the *last* one,
//! because repository names may contain a registry host with a port
//! (`repository:127.0.0.1:5000/foo/bar:pull`).

use std::fmt;

use crate::AuthError;

/// Longest scope accepted; real ones are far shorter.
const MAX_SCOPE_LEN: usize = 1024;

/// One parsed scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    /// Resource type, e.g. `repository`, `registry`, `repository(plugin)`.
    pub kind: String,
    /// Resource name, e.g. `dev/app` or `catalog`.
    pub name: String,
    /// Requested actions in the order given, duplicates removed (`pull`, `push`, `*`...).
    pub actions: Vec<String>,
}

impl Scope {
    /// A `repository:<name>:<actions>` scope.
    pub fn repository(name: impl Into<String>, actions: &[&str]) -> Self {
        Self {
            kind: "repository".to_owned(),
            name: name.into(),
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.kind, self.name, self.actions.join(","))
    }
}

impl std::str::FromStr for Scope {
    type Err = AuthError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

fn invalid(scope: &str, reason: &'static str) -> AuthError {
    let scope = if scope.len() > 80 {
        let cut = (0..=80)
            .rev()
            .find(|i| scope.is_char_boundary(*i))
            .unwrap_or(0);
        format!("{}...", scope.get(..cut).unwrap_or_default())
    } else {
        scope.to_owned()
    };
    AuthError::InvalidScope { scope, reason }
}

/// `[a-zA-Z0-9]+` optionally followed by `(` `[a-zA-Z0-9]+` `)`.
fn valid_kind(kind: &str) -> bool {
    let alnum = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    match kind.split_once('(') {
        None => alnum(kind),
        Some((base, rest)) => alnum(base) && rest.strip_suffix(')').is_some_and(alnum),
    }
}

/// `*` alone, or `[a-zA-Z0-9_-]+`.
fn valid_action(action: &str) -> bool {
    action == "*"
        || (!action.is_empty()
            && action
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// Printable, no whitespace, no quote or backslash (names end up in quoted headers).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '"' && c != '\\')
}

/// Parses one scope. Errors (never panics) on empty input, missing parts, empty
/// actions, or characters that cannot appear in a scope.
pub fn parse(s: &str) -> Result<Scope, AuthError> {
    if s.is_empty() {
        return Err(invalid(s, "empty scope"));
    }
    if s.len() > MAX_SCOPE_LEN {
        return Err(invalid(s, "scope is longer than 1024 bytes"));
    }
    let (kind, rest) = s
        .split_once(':')
        .ok_or_else(|| invalid(s, "expected type:name:actions"))?;
    let (name, actions) = rest
        .rsplit_once(':')
        .ok_or_else(|| invalid(s, "expected type:name:actions"))?;
    if !valid_kind(kind) {
        return Err(invalid(
            s,
            "resource type must be alphanumeric, e.g. `repository`",
        ));
    }
    if !valid_name(name) {
        return Err(invalid(
            s,
            "resource name is empty or contains whitespace, quotes or control characters",
        ));
    }
    let mut parsed: Vec<String> = Vec::new();
    for action in actions.split(',') {
        if !valid_action(action) {
            return Err(invalid(
                s,
                "actions must be a comma-separated list like `pull,push`",
            ));
        }
        if !parsed.iter().any(|a| a == action) {
            parsed.push(action.to_owned());
        }
    }
    Ok(Scope {
        kind: kind.to_owned(),
        name: name.to_owned(),
        actions: parsed,
    })
}

/// Parses a whitespace-separated list of scopes (as in one `scope=` query value).
/// Call it once per repeated `scope=` parameter. An empty string gives no scopes.
pub fn parse_many(s: &str) -> Result<Vec<Scope>, AuthError> {
    s.split_ascii_whitespace().map(parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(kind: &str, name: &str, actions: &[&str]) -> Scope {
        Scope {
            kind: kind.into(),
            name: name.into(),
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    #[test]
    fn parses_documented_forms() {
        let cases = [
            (
                "repository:dev/app:pull,push",
                scope("repository", "dev/app", &["pull", "push"]),
            ),
            ("registry:catalog:*", scope("registry", "catalog", &["*"])),
            (
                "repository(plugin):name:pull",
                scope("repository(plugin)", "name", &["pull"]),
            ),
            (
                "repository:127.0.0.1:5000/foo/bar:pull,push",
                scope("repository", "127.0.0.1:5000/foo/bar", &["pull", "push"]),
            ),
            (
                "repository:a:pull,pull,push",
                scope("repository", "a", &["pull", "push"]),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn display_round_trips() {
        for input in [
            "repository:dev/app:pull,push",
            "registry:catalog:*",
            "repository(plugin):name:pull",
            "repository:127.0.0.1:5000/foo/bar:pull,push",
        ] {
            let parsed = parse(input).unwrap();
            assert_eq!(parsed.to_string(), input);
            assert_eq!(parse(&parsed.to_string()).unwrap(), parsed);
        }
    }

    #[test]
    fn garbage_is_an_error() {
        let long = format!("repository:{}:pull", "a".repeat(2000));
        let cases = [
            "",
            ":",
            "::",
            ":::",
            "repository",
            "repository:",
            "repository:foo",
            "repository:foo:",
            "repository::pull",
            ":foo:pull",
            "repository:foo:pull,",
            "repository:foo:,pull",
            "repository:foo:pu ll",
            "repo sitory:foo:pull",
            "repository(:foo:pull",
            "repository()x:foo:pull",
            "repository(a)(b):foo:pull",
            "repository:fo\"o:pull",
            "repository:fo\no:pull",
            "repository:foo:pull;push",
            "é:foo:pull",
            long.as_str(),
        ];
        for case in cases {
            assert!(parse(case).is_err(), "{case:?} should not parse");
        }
    }

    #[test]
    fn error_message_names_the_scope() {
        let err = parse("repository:foo").unwrap_err().to_string();
        assert!(err.contains("\"repository:foo\""), "{err}");
        let err = parse(&"é".repeat(100)).unwrap_err().to_string();
        assert!(err.contains("..."), "{err}");
    }

    #[test]
    fn many() {
        assert_eq!(parse_many("").unwrap(), vec![]);
        assert_eq!(parse_many("   ").unwrap(), vec![]);
        let got = parse_many("repository:a:pull  registry:catalog:*\trepository:b/c:push").unwrap();
        assert_eq!(
            got,
            vec![
                scope("repository", "a", &["pull"]),
                scope("registry", "catalog", &["*"]),
                scope("repository", "b/c", &["push"]),
            ]
        );
        assert!(parse_many("repository:a:pull garbage").is_err());
    }
}
