//! RubyGems version ordering (Gem::Version); the rules are documented on [`RubyGems`].

use std::cmp::Ordering;

use crate::VersionScheme;
use crate::num::{Num, digits, take_while};

/// The RubyGems scheme.
///
/// RubyGems versions, ordered as `Gem::Version` documents.
///
/// A version is digits, then any number of `.`-separated alphanumeric parts, optionally a
/// `-` and more (`-` reads as `.pre.`, so `1.0.0-rc1` is `1.0.0.pre.rc1`). It splits into
/// segments, each a run of digits (a number) or of letters (a string), and any version
/// with a letter is a pre-release. Segments compare one by one: numbers by value, strings
/// byte-wise, and a string sorts below a number, so `1.0.a < 1.0` and `1.0.0.pre < 1.0.0`.
/// A missing segment counts as 0, so trailing zeros do not matter (`1.0 == 1`); as in
/// `Gem::Version#canonical_segments`, zeros just before the first string do not either
/// (`1.0.a == 1.a`).
///
/// Strings `Gem::Version` rejects sort before every valid version, byte-wise among
/// themselves.
#[derive(Debug, Clone, Copy, Default)]
pub struct RubyGems;

/// One segment; strings sort below numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Segment<'a> {
    Text(&'a str),
    Number(Num<'a>),
}

const ZERO: Segment<'static> = Segment::Number(Num::ZERO);

/// `Gem::Version`'s pattern: `\d+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`.
fn valid(v: &str) -> bool {
    let (main, pre) = match v.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (v, None),
    };
    let mut parts = main.split('.');
    let first_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let alnum = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric());
    let pre_ok = pre.is_none_or(|p| {
        p.split('.')
            .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    });
    first_ok && parts.all(alnum) && pre_ok
}

/// The canonical segments of a valid version.
fn segments(v: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = v;
    while !rest.is_empty() {
        let (d, after) = digits(rest);
        if !d.is_empty() {
            out.push(Segment::Number(Num::new(d)));
            rest = after;
            continue;
        }
        let (word, after) = take_while(rest, |c| c.is_ascii_alphabetic());
        if !word.is_empty() {
            out.push(Segment::Text(word));
            rest = after;
            continue;
        }
        // A separator: `.`, or `-`, which Gem::Version reads as `.pre.`.
        if rest.starts_with('-') {
            out.push(Segment::Text("pre"));
        }
        rest = rest.get(1..).unwrap_or_default();
    }
    // Drop zeros at the end of the numeric part and at the end of the rest.
    let first_text = out
        .iter()
        .position(|s| matches!(s, Segment::Text(_)))
        .unwrap_or(out.len());
    let mut numeric: Vec<Segment<'_>> = out.drain(..first_text).collect();
    while numeric.last() == Some(&ZERO) {
        numeric.pop();
    }
    while out.last() == Some(&ZERO) {
        out.pop();
    }
    numeric.extend(out);
    numeric
}

fn compare_segments(a: &[Segment<'_>], b: &[Segment<'_>]) -> Ordering {
    (0..a.len().max(b.len()))
        .map(|i| a.get(i).unwrap_or(&ZERO).cmp(b.get(i).unwrap_or(&ZERO)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

impl VersionScheme for RubyGems {
    fn name(&self) -> &'static str {
        "rubygems"
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        let (ta, tb) = (a.trim(), b.trim());
        match (valid(ta), valid(tb)) {
            (true, true) => compare_segments(&segments(ta), &segments(tb)),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => a.cmp(b),
        }
    }

    fn is_valid(&self, v: &str) -> bool {
        valid(v.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::RubyGems;
    use crate::VersionScheme;
    use crate::testutil::{check_garbage, check_order_laws, check_table, osv_event_versions};

    const TABLE: &[&str] = &[
        "1.0.0.pre < 1.0.0",
        "1.0.a < 1.0",
        "1.10 > 1.9",
        "1.0 = 1 = 1.0.0 = 1.0.0.0",
        "1.0.a = 1.a",
        "1.0.0-rc1 = 1.0.0.pre.rc1 < 1.0.0.rc1 < 1.0.0",
        "1.0.0-pre < 1.0.0.pre",
        "1.0.a < 1.0.b < 1.0.b1 < 1.0.b2 < 1.0.b10 < 1.0",
        "1.0.alpha < 1.0.beta < 1.0.rc < 1.0",
        "1.0.RC1 < 1.0.rc1",
        "2.0.0.beta1 < 2.0.0.rc1 < 2.0.0 < 2.0.0.1 < 2.0.1",
        "5.2.4.3 < 5.2.4.4 < 5.2.5 < 6.0.3.1",
        "1.2.3a < 1.2.3",
        "1.2.3a = 1.2.3.a",
        "0.0.1 > 0",
        "99999999999999999999999 > 9999999999999999999999",
        "junk < 0",
    ];

    #[test]
    fn table() {
        check_table(&RubyGems, TABLE);
    }

    #[test]
    fn validity() {
        for v in [
            "1",
            "1.0.0",
            "1.0.0.pre",
            "1.0.0-rc1",
            "1.0.0-rc-1.x",
            " 1.0 ",
            "1.2.3a",
        ] {
            assert!(RubyGems.is_valid(v), "{v}");
        }
        for v in ["", "a1", "1..0", "1.0-", "1.0-a..b", "1.0_1", ".1", "1.0 b"] {
            assert!(!RubyGems.is_valid(v), "{v}");
        }
    }

    #[test]
    fn real_versions() {
        let versions = osv_event_versions("vulndata/ghsa-subset/rubygems");
        assert!(versions.len() > 10, "{}", versions.len());
        let invalid: Vec<&String> = versions.iter().filter(|v| !RubyGems.is_valid(v)).collect();
        assert!(invalid.is_empty(), "rejected {invalid:?}");
        check_order_laws(&RubyGems, &versions);
    }

    #[test]
    fn order_laws() {
        let list: Vec<&str> = TABLE.iter().flat_map(|l| l.split_whitespace()).collect();
        let list: Vec<&str> = list.into_iter().filter(|w| w.len() > 1).collect();
        check_order_laws(&RubyGems, &list);
        check_garbage(&RubyGems, &["1.0", "1.0.a", "1.0-1", "1"]);
    }
}
