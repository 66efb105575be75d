//! Comparing package URLs the way suppression rules need: without qualifiers or subpath,
//! type and name compared case-insensitively, and a version-less purl standing for every
//! version.

/// A purl cut into the part before the version and the version.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PurlParts<'a> {
    /// `pkg:type/namespace/name`, as written.
    pub base: &'a str,
    pub version: Option<&'a str>,
}

pub(crate) fn split(purl: &str) -> PurlParts<'_> {
    let end = purl.find(['?', '#']).unwrap_or(purl.len());
    let core = purl.get(..end).unwrap_or(purl);
    // The version follows the last `@` after the last `/` (an npm scope's `%40` is
    // encoded, but tolerate a literal `@scope` in the namespace too).
    let name_start = core.rfind('/').map_or(0, |i| i + 1);
    match core
        .get(name_start..)
        .and_then(|name| name.rfind('@'))
        .map(|i| i + name_start)
    {
        Some(at) => PurlParts {
            base: core.get(..at).unwrap_or(core),
            version: core.get(at + 1..).filter(|v| !v.is_empty()),
        },
        None => PurlParts {
            base: core,
            version: None,
        },
    }
}

fn decode(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `pattern` (from a VEX product) matches the package purl `purl`: same base, and same
/// version unless the pattern has none. Qualifiers and subpaths are ignored.
pub(crate) fn matches(pattern: &str, purl: &str) -> bool {
    let p = split(pattern);
    let q = split(purl);
    if !decode(p.base).eq_ignore_ascii_case(&decode(q.base)) {
        return false;
    }
    match (p.version, q.version) {
        (None, _) => true,
        (Some(pv), Some(qv)) => decode(pv) == decode(qv),
        (Some(_), None) => false,
    }
}

/// `prefix` (from an ignore rule) is a prefix of the package purl `purl` that ends on a
/// component boundary: `pkg:apk/alpine/libssl1.1` matches every version of `libssl1.1`
/// but not `libssl1.10`; `pkg:pypi/django@3.2` matches `3.2` and `3.2.1` but not `3.20`.
/// A prefix ending in `/` matches a whole namespace.
pub(crate) fn prefix_matches(prefix: &str, purl: &str) -> bool {
    let p = split(prefix);
    let q = split(purl);
    match p.version {
        None if p.base.ends_with('/') => decode(q.base)
            .to_ascii_lowercase()
            .starts_with(&decode(p.base).to_ascii_lowercase()),
        None => decode(p.base).eq_ignore_ascii_case(&decode(q.base)),
        Some(pv) => {
            if !decode(p.base).eq_ignore_ascii_case(&decode(q.base)) {
                return false;
            }
            let (pv, qv) = (decode(pv), decode(q.version.unwrap_or_default()));
            qv.strip_prefix(pv.as_str())
                .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_alphanumeric()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_off_version_qualifiers_and_subpath() {
        let p = split("pkg:apk/alpine/libssl1.1@1.1.1d-r0?arch=x86_64&distro=alpine-3.10.4");
        assert_eq!(p.base, "pkg:apk/alpine/libssl1.1");
        assert_eq!(p.version, Some("1.1.1d-r0"));
        let p = split("pkg:npm/%40babel/core@7.0.0#lib");
        assert_eq!(p.base, "pkg:npm/%40babel/core");
        assert_eq!(p.version, Some("7.0.0"));
        assert_eq!(split("pkg:pypi/django").version, None);
    }

    #[test]
    fn vex_products_match_with_or_without_version() {
        let pkg = "pkg:pypi/django@3.2?foo=bar";
        assert!(matches("pkg:pypi/django@3.2", pkg));
        assert!(matches("pkg:pypi/Django", pkg));
        assert!(!matches("pkg:pypi/django@3.2.1", pkg));
        assert!(!matches("pkg:pypi/django@3.2", "pkg:pypi/django@3.2.1"));
        assert!(!matches("pkg:pypi/django@3.2", "pkg:pypi/django"));
        assert!(matches(
            "pkg:npm/%40babel/core@7.0.0",
            "pkg:npm/@babel/core@7.0.0"
        ));
    }

    #[test]
    fn ignore_prefixes_stop_at_component_boundaries() {
        let ssl = "pkg:apk/alpine/libssl1.1@1.1.1d-r0?arch=x86_64";
        assert!(prefix_matches("pkg:apk/alpine/libssl1.1", ssl));
        assert!(prefix_matches("pkg:apk/alpine/libssl1.1@1.1.1d", ssl));
        assert!(prefix_matches("pkg:apk/alpine/", ssl));
        assert!(!prefix_matches("pkg:apk/alpine/libssl", ssl));
        assert!(!prefix_matches("pkg:apk/alpine/libssl1.1@1.1.1e", ssl));
        assert!(prefix_matches(
            "pkg:pypi/django@3.2",
            "pkg:pypi/django@3.2.1"
        ));
        assert!(prefix_matches("pkg:pypi/django@3.2", "pkg:pypi/django@3.2"));
        assert!(!prefix_matches(
            "pkg:pypi/django@3.2",
            "pkg:pypi/django@3.20"
        ));
        assert!(!prefix_matches("pkg:pypi/django@3.2", "pkg:pypi/flask@3.2"));
    }
}
