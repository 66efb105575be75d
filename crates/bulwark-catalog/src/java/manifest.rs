//! `META-INF/MANIFEST.MF`: the main section of a JAR manifest.
//!
//! The format (JAR File Specification): `Name: value` lines; a line starting with one space
//! continues the previous value, that space removed and nothing else added; a blank line
//! ends a section. Only the main (first) section describes the archive itself; the others
//! describe single entries.

/// The main-section attributes of a manifest, in file order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Manifest {
    attributes: Vec<(String, String)>,
}

impl Manifest {
    /// Parses the main section. Blank lines before the first attribute are skipped; lines
    /// that are neither attributes nor continuations are ignored.
    pub(crate) fn parse(text: &str) -> Self {
        let mut attributes: Vec<(String, String)> = Vec::new();
        for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
            if line.is_empty() {
                if attributes.is_empty() {
                    continue;
                }
                break;
            }
            if let Some(rest) = line.strip_prefix(' ') {
                if let Some((_, value)) = attributes.last_mut() {
                    value.push_str(rest);
                }
                continue;
            }
            if let Some((key, value)) = line.split_once(':') {
                let key = key.trim();
                if !key.is_empty() && !key.contains(char::is_whitespace) {
                    attributes.push((
                        key.to_string(),
                        value.strip_prefix(' ').unwrap_or(value).to_string(),
                    ));
                }
            }
        }
        Self { attributes }
    }

    /// The trimmed, non-empty value of an attribute; names are case-insensitive.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every attribute whose name starts with `prefix` (case-insensitive), in order.
    pub(crate) fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.attributes
            .iter()
            .filter(move |(k, _)| {
                k.get(..prefix.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
            })
            .map(|(_, v)| v.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    fn fixture(name: &str) -> Manifest {
        let dir = testdata().join("fixtures/syft/syft/pkg/cataloger/java/testdata/manifest");
        Manifest::parse(&std::fs::read_to_string(dir.join(name)).unwrap())
    }

    #[test]
    fn continuation_lines_join_without_the_leading_space() {
        let m = fixture("continuation");
        assert_eq!(
            m.get("plugin-scmurl"),
            Some("https://github.com/jenkinsci/plugin-pom/example-jenkins-plugin")
        );
    }

    #[test]
    fn only_the_main_section_counts() {
        let m = fixture("extra-info");
        assert_eq!(m.get("Created-By"), Some("Apache Maven 3.6.3"));
        assert_eq!(m.get("Built-By"), None);
        assert_eq!(m.get("Main-Class"), None);
        let m = fixture("extra-empty-lines");
        assert_eq!(m.get("Archiver-Version"), Some("Plexus Archiver"));
        assert_eq!(m.get("Name"), None);
        assert_eq!(m.get("Last"), None);
    }

    #[test]
    fn standard_attributes() {
        let m = fixture("standard-info");
        assert_eq!(m.get("Implementation-Title"), Some("the-impl-title"));
        assert_eq!(m.get("Specification-Version"), Some("the-spec-version"));
        assert_eq!(m.get("Name"), Some("the-best-name"));
        assert_eq!(fixture("small").get("Manifest-Version"), Some("1.0"));
        assert_eq!(
            fixture("version-with-date").get("Implementation-Version"),
            Some("1.3 2244 October 5 2005")
        );
    }

    #[test]
    fn crlf_and_odd_lines() {
        let m = Manifest::parse(
            "\r\n\r\nA: 1\r\nB:2\r\n long\r\nnot an attribute\r\nC : x\r\n\r\nD: 4\r\n",
        );
        assert_eq!(m.get("a"), Some("1"));
        assert_eq!(m.get("B"), Some("2long"));
        assert_eq!(m.get("C"), Some("x"));
        assert_eq!(m.get("D"), None);
        // Lines without a colon are skipped; a line starting with a space continues the
        // value before it, as the JAR specification says, however odd its content.
        let m = fixture("leading-space");
        assert_eq!(
            m.get("Key-keykeykey"),
            Some("initialconfig:com   $    # aka not empty line")
        );
        assert_eq!(m.get("should"), Some("parse"));
        assert_eq!(m.with_prefix("key-").count(), 1);
    }
}
