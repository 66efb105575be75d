//! SemVer 2.0.0 ordering (npm, crates.io); the rules are documented on [`Semver`].

use std::cmp::Ordering;

use crate::VersionScheme;
use crate::num::{Num, all_digits};

/// The SemVer 2.0.0 scheme (npm, crates.io).
///
/// Semantic Versioning 2.0.0, as npm and crates.io order versions.
///
/// `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`: the three numbers compare by value; a version
/// with a pre-release sorts before the same version without; pre-release identifiers
/// compare one by one, numeric ones by value and below alphanumeric ones (compared in ASCII
/// order), and a shorter list of equal identifiers sorts first. Build metadata is ignored,
/// so `1.0.0+a` equals `1.0.0+b`.
///
/// Leniency (which still orders, but [`Semver::is_valid`] rejects): a leading `v` or `=`
/// (the brief's `v1.2.3`, which npm also accepts, is valid), surrounding whitespace, leading
/// zeros, and one or two numbers instead of three (`1.2` reads as `1.2.0`). Anything else
/// sorts before every version that parses, byte-wise among itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Semver;

/// One pre-release identifier; numeric ones sort first.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Ident<'a> {
    Numeric(Num<'a>),
    Alpha(&'a str),
}

/// A parsed version. `strict` tells whether it met the specification exactly.
#[derive(Debug)]
pub(crate) struct Version<'a> {
    pub(crate) core: [Num<'a>; 3],
    /// How many numbers the text had (1 to 3).
    pub(crate) parts: usize,
    pub(crate) pre: Vec<Ident<'a>>,
    pub(crate) strict: bool,
}

impl Ord for Version<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.core
            .cmp(&other.core)
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for Version<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version<'_> {}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

fn no_leading_zero(d: &str) -> bool {
    d == "0" || !d.starts_with('0')
}

/// Parses `s` (already stripped of any prefix) leniently; `None` if even that fails.
pub(crate) fn parse(s: &str) -> Option<Version<'_>> {
    let (main, build) = match s.split_once('+') {
        Some((m, b)) => (m, Some(b)),
        None => (s, None),
    };
    let build_ok = build.is_none_or(|b| {
        b.split('.')
            .all(|i| !i.is_empty() && i.chars().all(ident_char))
    });
    if !build_ok {
        return None;
    }
    let (core_text, pre_text) = match main.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (main, None),
    };
    let numbers: Vec<&str> = core_text.split('.').collect();
    if numbers.len() > 3 || !numbers.iter().all(|n| all_digits(n)) {
        return None;
    }
    let mut strict = numbers.len() == 3 && numbers.iter().all(|n| no_leading_zero(n));
    let mut core = [Num::ZERO; 3];
    for (slot, n) in core.iter_mut().zip(&numbers) {
        *slot = Num::new(n);
    }
    let mut pre = Vec::new();
    if let Some(p) = pre_text {
        for id in p.split('.') {
            if id.is_empty() || !id.chars().all(ident_char) {
                return None;
            }
            if all_digits(id) {
                strict &= no_leading_zero(id);
                pre.push(Ident::Numeric(Num::new(id)));
            } else {
                pre.push(Ident::Alpha(id));
            }
        }
    }
    Some(Version {
        core,
        parts: numbers.len(),
        pre,
        strict,
    })
}

/// Strips what npm tolerates before a version: whitespace, `=`, `v`.
fn strip(s: &str) -> (&str, bool) {
    let t = s.trim();
    let t2 = t.strip_prefix('=').unwrap_or(t).trim_start();
    let t3 = t2.strip_prefix(['v', 'V']).unwrap_or(t2);
    (t3, t3 == s || s.strip_prefix('v') == Some(t3))
}

/// Orders two optional parses: unparsable strings first, byte-wise among themselves.
pub(crate) fn compare_parsed(a: (&str, Option<Version>), b: (&str, Option<Version>)) -> Ordering {
    match (a.1, b.1) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => a.0.cmp(b.0),
    }
}

impl VersionScheme for Semver {
    fn name(&self) -> &'static str {
        "semver"
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        let (sa, sb) = (strip(a).0, strip(b).0);
        compare_parsed((a, parse(sa)), (b, parse(sb)))
    }

    fn is_valid(&self, v: &str) -> bool {
        let (s, clean) = strip(v);
        clean && parse(s).is_some_and(|p| p.strict)
    }
}

#[cfg(test)]
mod tests {
    use super::{Semver, parse, strip};
    use crate::VersionScheme;
    use crate::testutil::{check_garbage, check_order_laws, check_table, osv_event_versions};

    /// The precedence examples of SemVer 2.0.0 §11 and further edge cases.
    const TABLE: &[&str] = &[
        "1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 \
         < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0",
        "1.0.0 < 2.0.0 < 2.1.0 < 2.1.1",
        "1.9.0 < 1.10.0 < 1.11.0",
        "1.0.0+build.1 = 1.0.0+build.2 = 1.0.0",
        "1.0.0-alpha+001 = 1.0.0-alpha",
        "v1.2.3 = 1.2.3 = =1.2.3 = V1.2.3",
        "1.2 = 1.2.0 < 1.2.1",
        "1 = 1.0.0",
        "1.0.0-1 < 1.0.0-2 < 1.0.0-10 < 1.0.0-a",
        "1.0.0-A < 1.0.0-a",
        "1.0.0-alpha-1 < 1.0.0-alpha-2",
        "0.0.0-0 < 0.0.0",
        "4.17.20 < 4.17.21",
        "99999999999999999999.0.0 > 9999999999999999999.0.0",
        "latest < 0.0.0-0",
        "1.2.3.4 < 0.0.0-0",
    ];

    #[test]
    fn table() {
        check_table(&Semver, TABLE);
    }

    #[test]
    fn validity() {
        for v in [
            "1.2.3",
            "v1.2.3",
            "1.0.0-alpha.1+build.5",
            "0.0.0-0",
            "1.0.0-x-y-z.--",
        ] {
            assert!(Semver.is_valid(v), "{v}");
        }
        for v in [
            "", "1.2", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "1.2.3.4", "=1.2.3", " 1.2.3",
            "latest",
        ] {
            assert!(!Semver.is_valid(v), "{v}");
        }
    }

    /// Every npm and crates.io version in the GitHub advisory subset parses (a few are
    /// shorthands like `1.0`), and they obey the order laws.
    #[test]
    fn real_versions() {
        for dir in ["vulndata/ghsa-subset/npm", "vulndata/ghsa-subset/crates.io"] {
            let versions = osv_event_versions(dir);
            assert!(versions.len() > 10, "{dir}: {}", versions.len());
            let invalid: Vec<&String> = versions
                .iter()
                .filter(|v| parse(strip(v).0).is_none())
                .collect();
            assert!(invalid.is_empty(), "{dir}: rejected {invalid:?}");
            check_order_laws(&Semver, &versions);
        }
    }

    #[test]
    fn order_laws() {
        let list: Vec<&str> = TABLE.iter().flat_map(|l| l.split_whitespace()).collect();
        let list: Vec<&str> = list.into_iter().filter(|w| w.len() > 1).collect();
        check_order_laws(&Semver, &list);
        check_garbage(&Semver, &["1.0.0", "1.0.0-rc.1", "v1", "1.0.0+x"]);
    }
}
