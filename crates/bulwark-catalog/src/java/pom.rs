//! `pom.properties`, which Maven writes into every jar it builds:
//! `META-INF/maven/<groupId>/<artifactId>/pom.properties` with `groupId`, `artifactId` and
//! `version`, in Java properties syntax.

/// The coordinates a `pom.properties` file gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PomProperties {
    pub(crate) group_id: Option<String>,
    pub(crate) artifact_id: String,
    pub(crate) version: String,
}

impl PomProperties {
    /// The coordinates, when `artifactId` and `version` are present and are not unexpanded
    /// build placeholders (`${project.version}`, as in templates shipped inside jars).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let props = properties(text);
        let get = |key: &str| {
            props
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| !v.is_empty() && !v.contains("${"))
        };
        Some(Self {
            group_id: get("groupId"),
            artifact_id: get("artifactId")?,
            version: get("version")?,
        })
    }
}

/// Java `.properties` key/value pairs: `#`/`!` comments, `=`, `:` or whitespace between key
/// and value, a trailing backslash continuing the line, and the usual escapes.
pub(crate) fn properties(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = if logical.is_empty() {
            raw.trim_start()
        } else {
            raw.trim_start_matches([' ', '\t', '\x0c'])
        };
        if logical.is_empty() && (line.is_empty() || line.starts_with(['#', '!'])) {
            continue;
        }
        let trailing = line.len() - line.trim_end_matches('\\').len();
        if trailing % 2 == 1 {
            logical.push_str(line.get(..line.len() - 1).unwrap_or_default());
            continue;
        }
        logical.push_str(line);
        out.push(split_pair(&logical));
        logical.clear();
    }
    if !logical.is_empty() {
        out.push(split_pair(&logical));
    }
    out
}

fn split_pair(line: &str) -> (String, String) {
    let mut key = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => push_escape(&mut key, &mut chars),
            '=' | ':' => break,
            c if c.is_whitespace() => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|c| *c == '=' || *c == ':') {
                    chars.next();
                }
                break;
            }
            c => key.push(c),
        }
    }
    while chars.peek().is_some_and(|c| c.is_whitespace()) {
        chars.next();
    }
    let mut value = String::new();
    while let Some(c) = chars.next() {
        if c == '\\' {
            push_escape(&mut value, &mut chars);
        } else {
            value.push(c);
        }
    }
    (key, value)
}

fn push_escape(out: &mut String, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('t') => out.push('\t'),
        Some('n') => out.push('\n'),
        Some('r') => out.push('\r'),
        Some('f') => out.push('\x0c'),
        Some('u') => {
            let hex: String = chars.by_ref().take(4).collect();
            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                Some(c) => out.push(c),
                None => out.push_str(&hex),
            }
        }
        Some(c) => out.push(c),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    fn fixture(name: &str) -> Option<PomProperties> {
        let dir = testdata().join("fixtures/syft/syft/pkg/cataloger/java/testdata/pom");
        PomProperties::parse(&std::fs::read_to_string(dir.join(name)).unwrap())
    }

    fn coords(p: Option<PomProperties>) -> (String, String, String) {
        let p = p.unwrap();
        (p.group_id.unwrap_or_default(), p.artifact_id, p.version)
    }

    #[test]
    fn real_pom_properties_with_each_delimiter() {
        let want = |a: &str, v: &str| ("org.anchore".to_string(), a.to_string(), v.to_string());
        assert_eq!(
            coords(fixture("small.pom.properties")),
            want("example-java-app-maven", "0.1.0")
        );
        assert_eq!(
            coords(fixture("extra.pom.properties")),
            want("example-java-app-maven", "0.1.0")
        );
        assert_eq!(
            coords(fixture("colon-delimited.pom.properties")),
            want("example-java-app-maven", "0.1.0")
        );
        assert_eq!(
            coords(fixture("colon-delimited-with-equals.pom.properties")),
            want("example-java=app-maven", "0.1.0=something")
        );
        assert_eq!(
            coords(fixture("equals-delimited-with-colons.pom.properties")),
            want("example-java:app-maven", "0.1.0:something")
        );
    }

    #[test]
    fn escapes_continuations_and_missing_fields() {
        let p =
            PomProperties::parse("artifactId = a\\\n    b\nversion 1.0\\u0021\ngroupId\\:x=g\n")
                .unwrap();
        assert_eq!((p.artifact_id.as_str(), p.version.as_str()), ("ab", "1.0!"));
        assert_eq!(p.group_id, None); // the key was `groupId:x`
        assert!(PomProperties::parse("artifactId=a\n").is_none());
        assert!(PomProperties::parse("artifactId=a\nversion=${project.version}\n").is_none());
        assert!(PomProperties::parse("").is_none());
        assert_eq!(
            properties("k=v\\"),
            vec![("k".to_string(), "v".to_string())]
        );
    }
}
