//! Go module and Go release ordering; the rules are documented on [`Go`].

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::VersionScheme;
use crate::num::{all_digits, digits, strip_prefix_ci, take_while};
use crate::semver::{compare_parsed, parse};

/// The Go scheme (Go modules and the Go standard library).
///
/// Go versions: module versions and Go (toolchain, standard library) releases.
///
/// Module versions are SemVer with a `v` prefix (`v1.2.3`, `v2.0.0+incompatible`), and
/// order like [`Semver`](crate::Semver): build metadata such as `+incompatible` is ignored, and
/// pseudo-versions are ordinary pre-releases, so
/// `v0.0.0-20210121094942-22b2f8951d46 < v0.0.0` and
/// `v1.2.3 < v1.2.4-0.20210121094942-22b2f8951d46 < v1.2.4`. As in Go, `v1` and `v1.2`
/// are shorthands for `v1.0.0` and `v1.2.0`. OSV's Go data writes versions without the
/// `v` (`1.19.10`, `1.20.0-0`), which is accepted too.
///
/// Go releases as the toolchain names them (`go1.20`, `go1.20.3`, `go1.21rc2`,
/// `go1.9beta1`) are read as `1.20.0`, `1.20.3`, `1.21.0-rc.2` and `1.9.0-beta.1`. Note
/// that since Go 1.21 `go1.21` names the language version, before `go1.21rc1`; it is read
/// as `1.21.0` here, which is what a binary built before 1.21 means by `go1.20`.
///
/// Strings that do not parse sort before every version that does (as Go's `semver.Compare`
/// does), byte-wise among themselves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Go;

/// Rewrites a toolchain name `go1.21rc2` as SemVer `1.21.0-rc.2`; `None` if `v` is not one.
fn toolchain(v: &str) -> Option<String> {
    let rest = strip_prefix_ci(v, "go")?;
    let (numbers, pre) = take_while(rest, |c| c.is_ascii_digit() || c == '.');
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts.is_empty() || parts.len() > 3 || !parts.iter().all(|p| all_digits(p)) {
        return None;
    }
    let mut text = parts.join(".");
    for _ in parts.len()..3 {
        text.push_str(".0");
    }
    if !pre.is_empty() {
        let (word, num) = take_while(pre, |c| c.is_ascii_alphabetic());
        let (n, tail) = digits(num);
        if word.is_empty() || n.is_empty() || !tail.is_empty() {
            return None;
        }
        text.push_str(&format!("-{word}.{n}"));
    }
    Some(text)
}

/// The SemVer text of a Go version, and whether Go accepts the original.
fn normalize(v: &str) -> (Cow<'_, str>, bool) {
    let v = v.trim();
    if let Some(t) = toolchain(v) {
        return (Cow::Owned(t), true);
    }
    let (text, has_v) = match v.strip_prefix('v') {
        Some(t) => (t, true),
        None => (v, false),
    };
    let valid = parse(text).is_some_and(|p| {
        // Go's shorthands `v1`, `v1.2` take no pre-release or build.
        let shorthand_ok = p.parts < 3 && has_v && !text.contains(['-', '+']);
        (p.strict && p.parts == 3) || shorthand_ok
    });
    (Cow::Borrowed(text), valid)
}

impl VersionScheme for Go {
    fn name(&self) -> &'static str {
        "go"
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        let (na, nb) = (normalize(a).0, normalize(b).0);
        compare_parsed((a, parse(&na)), (b, parse(&nb)))
    }

    fn is_valid(&self, v: &str) -> bool {
        v.trim() == v && normalize(v).1
    }
}

/// Splits a pseudo-version's pre-release into its timestamp and revision, if it is one
/// (`v0.0.0-20210121094942-22b2f8951d46` → `("20210121094942", "22b2f8951d46")`).
pub fn pseudo_version_parts(v: &str) -> Option<(&str, &str)> {
    let main = v.split_once('+').map_or(v, |(m, _)| m);
    let (_, pre) = main.split_once('-')?;
    let last = pre.rsplit('.').next()?;
    let (stamp, rev) = last.split_once('-')?;
    let ok = stamp.len() == 14
        && all_digits(stamp)
        && rev.len() == 12
        && rev.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then_some((stamp, rev))
}

#[cfg(test)]
mod tests {
    use super::{Go, pseudo_version_parts};
    use crate::VersionScheme;
    use crate::testutil::{check_garbage, check_order_laws, check_table, osv_event_versions};

    const TABLE: &[&str] = &[
        // Pseudo-versions are pre-releases of the next version.
        "v0.0.0-20210121094942-22b2f8951d46 < v0.0.0-20220314234659-1baeb8b6c2a4 < v0.0.0",
        "v0.0.0 < v0.1.0",
        "v1.2.3 < v1.2.4-0.20210121094942-22b2f8951d46 < v1.2.4",
        "v1.2.4-0.20210121094942-22b2f8951d46 < v1.2.4-0.20220101000000-abcdefabcdef",
        "v1.2.4-pre < v1.2.4-pre.0.20210121094942-22b2f8951d46 < v1.2.4",
        // Build metadata, including +incompatible, does not take part.
        "v2.0.0+incompatible = v2.0.0 < v2.1.0+incompatible",
        "v1.0.0 = 1.0.0",
        "v1 = v1.0.0 < v1.2 = v1.2.0",
        // Go releases, as OSV writes them and as toolchains name them.
        "1.19.9 < 1.19.10 < 1.20.0-0 < 1.20.0-beta.1 < 1.20.0-rc.1 < 1.20.0 < 1.20.5",
        "go1.20 = 1.20.0 = v1.20.0",
        "go1.20.3 = v1.20.3 = 1.20.3",
        "go1.21rc2 = v1.21.0-rc.2 < go1.21rc10 < go1.21.0",
        "go1.9beta1 < go1.9rc1 < go1.9 < go1.9.1 < go1.10",
        "1.20.0-0 < go1.20rc1",
        "v1.10.0 > v1.9.99",
        "devel < v0.0.0-0",
    ];

    #[test]
    fn table() {
        check_table(&Go, TABLE);
    }

    #[test]
    fn validity() {
        for v in [
            "v1.2.3",
            "v0.0.0-20210121094942-22b2f8951d46",
            "v2.0.0+incompatible",
            "1.20.3",
            "go1.21rc2",
            "go1.20",
            "v1",
            "v1.2",
            "1.20.0-0",
        ] {
            assert!(Go.is_valid(v), "{v}");
        }
        for v in [
            "", "1.2", "v01.2.3", "v1.2-pre", "devel", "go1.21x", " v1.2.3", "v1.2.3.4",
        ] {
            assert!(!Go.is_valid(v), "{v}");
        }
    }

    #[test]
    fn pseudo_versions() {
        assert_eq!(
            pseudo_version_parts("v0.0.0-20210121094942-22b2f8951d46"),
            Some(("20210121094942", "22b2f8951d46"))
        );
        assert_eq!(
            pseudo_version_parts("v1.2.4-0.20210121094942-22b2f8951d46+incompatible"),
            Some(("20210121094942", "22b2f8951d46"))
        );
        assert_eq!(pseudo_version_parts("v1.2.4-rc.1"), None);
    }

    /// Every version in the Go vulnerability database (module and standard library ranges) is
    /// valid, and a spread of them obeys the order laws.
    #[test]
    fn real_versions() {
        let versions = osv_event_versions("vulndata/golang-vulndb/data/osv");
        assert!(versions.len() > 2000, "{}", versions.len());
        let invalid: Vec<&String> = versions.iter().filter(|v| !Go.is_valid(v)).collect();
        assert!(invalid.is_empty(), "rejected {invalid:?}");
        let spread: Vec<&String> = versions.iter().step_by(versions.len() / 150).collect();
        check_order_laws(&Go, &spread);
    }

    #[test]
    fn order_laws() {
        let list: Vec<&str> = TABLE.iter().flat_map(|l| l.split_whitespace()).collect();
        let list: Vec<&str> = list.into_iter().filter(|w| w.len() > 1).collect();
        check_order_laws(&Go, &list);
        check_garbage(&Go, &["v1.0.0", "go1.2", "v1", "1.0.0-0"]);
    }
}
