//! `WWW-Authenticate` challenges and `Authorization` header parsing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::Secret;
use crate::scope::Scope;

/// Appends `"value"` with `\` and `"` backslash-escaped (RFC 9110 quoted-string).
/// Control characters, which cannot appear in a header, are dropped.
fn push_quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A Docker bearer challenge:
/// `Bearer realm="https://r/token",service="r",scope="repository:a:pull"`, with
/// several scopes space-separated in one `scope` parameter, and
/// `error="insufficient_scope"` (or any other `error`) appended when given.
pub fn bearer(realm: &str, service: &str, scopes: &[Scope], error: Option<&str>) -> String {
    let mut out = String::from("Bearer realm=");
    push_quoted(&mut out, realm);
    out.push_str(",service=");
    push_quoted(&mut out, service);
    if !scopes.is_empty() {
        let joined: Vec<String> = scopes.iter().map(Scope::to_string).collect();
        out.push_str(",scope=");
        push_quoted(&mut out, &joined.join(" "));
    }
    if let Some(error) = error {
        out.push_str(",error=");
        push_quoted(&mut out, error);
    }
    out
}

/// A basic challenge: `Basic realm="..."`.
pub fn basic(realm: &str) -> String {
    let mut out = String::from("Basic realm=");
    push_quoted(&mut out, realm);
    out
}

/// Credentials presented in an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// `Basic base64(username:password)`.
    Basic {
        /// The part before the first `:`.
        username: String,
        /// Everything after the first `:` (may itself contain `:`).
        password: Secret,
    },
    /// `Bearer <token>`.
    Bearer(Secret),
}

/// Parses an `Authorization` header value. The scheme is case-insensitive.
/// Returns `None` for anything unusable: unknown scheme, missing credentials, bad
/// base64, non-UTF-8, or a Basic pair without `:`.
pub fn parse_authorization(value: &str) -> Option<Credentials> {
    let value = value.trim();
    let (scheme, rest) = value.split_once([' ', '\t'])?;
    let rest = rest.trim();
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return None;
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD.decode(rest).ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (username, password) = decoded.split_once(':')?;
        Some(Credentials::Basic {
            username: username.to_owned(),
            password: Secret::new(password),
        })
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Some(Credentials::Bearer(Secret::new(rest)))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::parse;

    #[test]
    fn bearer_challenges() {
        assert_eq!(
            bearer("https://reg.example/v2/token", "reg.example", &[], None),
            r#"Bearer realm="https://reg.example/v2/token",service="reg.example""#
        );
        let scopes = [
            parse("repository:dev/app:pull,push").unwrap(),
            parse("repository:127.0.0.1:5000/x:pull").unwrap(),
        ];
        assert_eq!(
            bearer("https://r/token", "r", &scopes, Some("insufficient_scope")),
            r#"Bearer realm="https://r/token",service="r",scope="repository:dev/app:pull,push repository:127.0.0.1:5000/x:pull",error="insufficient_scope""#
        );
    }

    #[test]
    fn values_are_quote_escaped() {
        assert_eq!(
            bearer(r#"a"b\c"#, "s\r\n", &[], None),
            r#"Bearer realm="a\"b\\c",service="s""#
        );
        assert_eq!(basic(r#"Bulwark "x""#), r#"Basic realm="Bulwark \"x\"""#);
    }

    fn basic_header(pair: &str) -> String {
        format!("Basic {}", STANDARD.encode(pair))
    }

    fn user_pass(c: Option<Credentials>) -> Option<(String, String)> {
        match c? {
            Credentials::Basic { username, password } => {
                Some((username, password.expose().to_owned()))
            }
            Credentials::Bearer(_) => None,
        }
    }

    #[test]
    fn parses_basic() {
        let got = user_pass(parse_authorization(&basic_header("alice:s3cr:et:")));
        assert_eq!(got, Some(("alice".into(), "s3cr:et:".into())));
        let got = user_pass(parse_authorization(&basic_header("robot$dev+ci:")));
        assert_eq!(got, Some(("robot$dev+ci".into(), String::new())));
        let lower = basic_header("a:b").replacen("Basic", "basic", 1);
        assert_eq!(
            user_pass(parse_authorization(&lower)),
            Some(("a".into(), "b".into()))
        );
        let upper = basic_header("a:b").replacen("Basic", "BASIC", 1);
        assert_eq!(
            user_pass(parse_authorization(&format!("  {upper}  "))),
            Some(("a".into(), "b".into()))
        );
    }

    #[test]
    fn parses_bearer() {
        for header in [
            "Bearer abc.def.ghi",
            "bearer abc.def.ghi",
            "BEARER  abc.def.ghi ",
        ] {
            match parse_authorization(header) {
                Some(Credentials::Bearer(t)) => assert_eq!(t.expose(), "abc.def.ghi"),
                other => panic!("{header}: {other:?}"),
            }
        }
    }

    #[test]
    fn garbage_is_none() {
        let cases = [
            String::new(),
            "Basic".into(),
            "Basic ".into(),
            "Bearer".into(),
            "Bearer ".into(),
            "Bearer a b".into(),
            "Basic !!!notbase64".into(),
            "Basic YWxpY2U=".into(), // "alice": no ':'
            format!("Basic {}", STANDARD.encode([0xff, 0xfe, b':', b'x'])),
            "Digest username=\"a\"".into(),
            "Basicx YTpi".into(),
            "YTpi".into(),
        ];
        for case in &cases {
            assert_eq!(parse_authorization(case), None, "{case:?}");
        }
    }

    #[test]
    fn credentials_debug_is_redacted() {
        let c = parse_authorization(&basic_header("alice:hunter2")).unwrap();
        let debug = format!("{c:?}");
        assert!(
            debug.contains("alice") && !debug.contains("hunter2"),
            "{debug}"
        );
    }
}
