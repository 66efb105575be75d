//! Composer version ordering; the rules are documented on [`Composer`].

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::VersionScheme;
use crate::num::{Num, digits, strip_prefix_ci, take_while};

/// The Composer scheme (PHP packages).
///
/// Composer (Packagist) versions: normalized as Composer's `VersionParser` documents, then
/// ordered as PHP's `version_compare`, which is what Composer does.
///
/// Normalization: a leading `v`, a `#ref` or `@stability` flag and `+build` metadata are
/// dropped; `1.2` becomes `1.2.0.0`; a stability suffix (after `-`, `.`, `_` or nothing)
/// is spelled out (`a`/`alpha` → `alpha`, `b`/`beta` → `beta`, `rc` → `RC`,
/// `p`/`pl`/`patch` → `patch`; `stable` drops); a trailing `dev` becomes `-dev`; dates
/// like `20230101` or `2023-01-01` keep their numbers. Branches (`dev-main`, `1.x-dev`)
/// are not normalized, and strings that do not normalize are compared as written.
///
/// Order (PHP `version_compare`): the string is split into parts at `.`, `-`, `_`, `+` and
/// wherever digits meet non-digits; parts compare one by one. Numbers compare by value;
/// words rank `dev` < `alpha`/`a` < `beta`/`b` < `RC`/`rc` < (end) < numbers <
/// `patch`/`pl`/`p` by their first letters as PHP matches them, and any other word ranks
/// below `dev` (all such words equal). So `1.0.0-dev < 1.0.0-alpha < 1.0.0-beta <
/// 1.0.0-RC1 < 1.0.0 < 1.0.0-patch1 < 1.0.0.1`, and `v1.0.0 == 1.0.0 == 1.0`. (PHP ranks a
/// word starting with `#` like a number; here it ranks as an unknown word, so the order
/// stays transitive.)
#[derive(Debug, Clone, Copy, Default)]
pub struct Composer;

/// One part of a version; the variant order is PHP's ranking of kinds.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Part<'a> {
    Unknown,
    Dev,
    Alpha,
    Beta,
    Rc,
    End,
    Number(Num<'a>),
    Patch,
}

fn word(w: &str) -> Part<'static> {
    const FORMS: [(&str, Part<'static>); 9] = [
        ("dev", Part::Dev),
        ("alpha", Part::Alpha),
        ("a", Part::Alpha),
        ("beta", Part::Beta),
        ("b", Part::Beta),
        ("RC", Part::Rc),
        ("rc", Part::Rc),
        ("pl", Part::Patch),
        ("p", Part::Patch),
    ];
    FORMS
        .into_iter()
        .find(|(f, _)| w.starts_with(f))
        .map_or(Part::Unknown, |(_, p)| p)
}

/// PHP's `version_compare` parts, without the implicit end.
fn parts(v: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut rest = v;
    while let Some(c) = rest.chars().next() {
        if matches!(c, '.' | '-' | '_' | '+') {
            rest = rest.get(1..).unwrap_or_default();
        } else if c.is_ascii_digit() {
            let (d, after) = digits(rest);
            out.push(Part::Number(Num::new(d)));
            rest = after;
        } else {
            let (w, after) = take_while(rest, |c| {
                !c.is_ascii_digit() && !matches!(c, '.' | '-' | '_' | '+')
            });
            out.push(word(w));
            rest = after;
        }
    }
    out
}

fn compare_parts(a: &[Part<'_>], b: &[Part<'_>]) -> Ordering {
    (0..a.len().max(b.len()))
        .map(|i| {
            let x = a.get(i).unwrap_or(&Part::End);
            let y = b.get(i).unwrap_or(&Part::End);
            x.cmp(y)
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// The stability modifier after the numbers:
/// `[._-]?((stable|beta|b|RC|alpha|a|patch|pl|p)([.-]?\d+)*)?([.-]?dev)?`, ignoring case,
/// normalized (`-beta2`, `-patch1`, `-RC1-dev`, `` for none or `stable`).
fn modifier(s: &str) -> Option<String> {
    // The leading separator is optional: try both readings, as a regex engine would.
    [s.strip_prefix(['.', '_', '-']), Some(s)]
        .into_iter()
        .flatten()
        .find_map(modifier_after_separator)
}

fn modifier_after_separator(s: &str) -> Option<String> {
    const STABILITY: [(&str, &str); 9] = [
        ("stable", ""),
        ("alpha", "alpha"),
        ("beta", "beta"),
        ("patch", "patch"),
        ("pl", "patch"),
        ("rc", "RC"),
        ("a", "alpha"),
        ("b", "beta"),
        ("p", "patch"),
    ];
    let mut out = String::new();
    let mut rest = s;
    let found = STABILITY
        .iter()
        .find_map(|(k, name)| strip_prefix_ci(s, k).map(|after| (*name, after)));
    if let Some((name, after)) = found {
        // `([.-]?\d+)*`: numbers, each after an optional `.` or `-`.
        let mut numbers = String::new();
        rest = after;
        loop {
            let t = rest.strip_prefix(['.', '-']).unwrap_or(rest);
            let (d, after) = digits(t);
            if d.is_empty() {
                break;
            }
            if !numbers.is_empty() {
                numbers.push('.');
            }
            numbers.push_str(d);
            rest = after;
        }
        if !name.is_empty() {
            out = format!("-{name}{numbers}");
        }
    }
    if rest.is_empty() {
        return Some(out);
    }
    let dev = rest.strip_prefix(['.', '-']).unwrap_or(rest);
    dev.eq_ignore_ascii_case("dev").then(|| out + "-dev")
}

/// Composer's normalized form of a version (`v1.2-beta2` → `1.2.0.0-beta2`), or `None`
/// for branches (`dev-main`, `1.x-dev`) and strings Composer rejects.
pub(crate) fn normalize(v: &str) -> Option<String> {
    let mut v = v.trim();
    if let Some((head, _)) = v.split_once('#') {
        v = head.trim_end();
    }
    if let Some((head, flag)) = v.rsplit_once('@') {
        let flags = ["stable", "rc", "beta", "alpha", "dev"];
        if flags.iter().any(|f| flag.eq_ignore_ascii_case(f)) {
            v = head;
        }
    }
    if strip_prefix_ci(v, "dev-").is_some() {
        return None;
    }
    if let Some((head, _)) = v.split_once('+') {
        v = head;
    }
    let body = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let (first, mut rest) = digits(body);
    if first.is_empty() {
        return None;
    }
    if first.len() <= 5 {
        // Classical: up to four numbers.
        let mut numbers = vec![first];
        while numbers.len() < 4 {
            let next = rest.strip_prefix('.').map(digits);
            let Some((d, after)) = next.filter(|(d, _)| !d.is_empty()) else {
                break;
            };
            numbers.push(d);
            rest = after;
        }
        if let Some(m) = modifier(rest) {
            numbers.resize(4, "0");
            return Some(format!("{}{m}", numbers.join(".")));
        }
    }
    // A date (`20230101`, `2023-01-01`): its numbers joined by dots.
    let (date, _) = take_while(body, |c| c.is_ascii_digit() || matches!(c, '.' | ':' | '-'));
    let date = date.trim_end_matches(['.', ':', '-']);
    let date_digits = date.bytes().filter(u8::is_ascii_digit).count();
    if first.len() < 4 || date_digits < 6 {
        return None;
    }
    let m = modifier(body.get(date.len()..).unwrap_or_default())?;
    let numbers: String = date
        .chars()
        .map(|c| if c.is_ascii_digit() { c } else { '.' })
        .collect();
    Some(format!("{numbers}{m}"))
}

/// The text that is compared: the normalized form, or the string as written.
fn text(v: &str) -> Cow<'_, str> {
    normalize(v).map_or(Cow::Borrowed(v.trim()), Cow::Owned)
}

impl VersionScheme for Composer {
    fn name(&self) -> &'static str {
        "composer"
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        let (na, nb) = (text(a), text(b));
        compare_parts(&parts(&na), &parts(&nb))
    }

    fn is_valid(&self, v: &str) -> bool {
        normalize(v).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::{Composer, normalize};
    use crate::VersionScheme;
    use crate::testutil::{
        check_garbage, check_garbage_of, check_order_laws, check_table, testdata,
    };

    const TABLE: &[&str] = &[
        "v1.0.0 = 1.0.0 = 1.0 = 1 = 1.0.0.0 = V1.0.0",
        "1.0.0-beta < 1.0.0",
        "1.0.0-dev < 1.0.0-alpha < 1.0.0-alpha2 < 1.0.0-beta < 1.0.0-beta.1 < 1.0.0-RC1 < 1.0.0 \
         < 1.0.0-patch1 < 1.0.0.1 < 1.0.1",
        "1.0.0-a1 = 1.0.0-alpha1 = 1.0.0alpha1 = 1.0.0.alpha.1 = 1.0.0-ALPHA1",
        "1.0.0-b2 = 1.0.0-beta2 = 1.0.0-BETA.2",
        "1.0.0-rc1 = 1.0.0-RC1 = 1.0.0RC1",
        "1.0.0-p1 = 1.0.0-pl1 = 1.0.0-patch1",
        "1.0.0-stable = 1.0.0",
        "1.0.0-beta2-dev < 1.0.0-beta2 < 1.0.0-beta3-dev",
        "1.0.0+build.5 = 1.0.0",
        "1.0.0@stable = 1.0.0 = 1.0.0#abc123",
        "2.3.2-p2 < 2.3.2-p10 < 2.3.3",
        "4.0.0-rc2 < 4.0.0-rc10 < 4.0.0",
        "2.0.99 > 2.0.9",
        "20230101 < 20230102",
        "2023-01-01 < 2023-01-02",
        "2023-01-01 < 2023.01.01",
        "dev-master < 0.0.1-dev",
    ];

    #[test]
    fn table() {
        check_table(&Composer, TABLE);
    }

    #[test]
    fn normalization() {
        let cases = [
            ("1.0.0", "1.0.0.0"),
            ("v1.2", "1.2.0.0"),
            ("1.2.3.4", "1.2.3.4"),
            ("1.0.0-beta", "1.0.0.0-beta"),
            ("1.0.0-b2", "1.0.0.0-beta2"),
            ("1.0.0RC1", "1.0.0.0-RC1"),
            ("1.0.0-pl3", "1.0.0.0-patch3"),
            ("1.0.0-stable", "1.0.0.0"),
            ("1.0.0-dev", "1.0.0.0-dev"),
            ("1.0.0-beta2-dev", "1.0.0.0-beta2-dev"),
            ("1.0.0+foo", "1.0.0.0"),
            ("1.0.0@beta", "1.0.0.0"),
            ("20230101", "20230101"),
            ("2023-01-01-beta", "2023.01.01-beta"),
        ];
        for (v, n) in cases {
            assert_eq!(normalize(v).as_deref(), Some(n), "{v}");
        }
        for v in [
            "",
            "dev-master",
            "1.x-dev",
            "foo",
            "1.0.0-foo",
            "1.2.3.4.5",
            "1.0.0-beta-foo",
        ] {
            assert_eq!(normalize(v), None, "{v}");
            assert!(!Composer.is_valid(v), "{v}");
        }
    }

    /// Every version bound in FriendsOfPHP's security advisories normalizes, and a spread of
    /// them obeys the order laws.
    #[test]
    fn real_versions() {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for piece in text.split('\'').skip(1).step_by(2) {
                        let v = piece.trim_start_matches(['<', '>', '=']);
                        if v.len() < piece.len() {
                            out.push(v.to_string());
                        }
                    }
                }
            }
        }
        let mut versions = Vec::new();
        walk(
            &testdata().join("vulndata/php-security-advisories"),
            &mut versions,
        );
        versions.sort();
        versions.dedup();
        assert!(versions.len() > 800, "{}", versions.len());
        let invalid: Vec<&String> = versions.iter().filter(|v| !Composer.is_valid(v)).collect();
        assert!(invalid.is_empty(), "rejected {invalid:?}");
        let spread: Vec<&String> = versions.iter().step_by(versions.len() / 150).collect();
        check_order_laws(&Composer, &spread);
    }

    #[test]
    fn order_laws() {
        let list: Vec<&str> = TABLE.iter().flat_map(|l| l.split_whitespace()).collect();
        let list: Vec<&str> = list.into_iter().filter(|w| w.len() > 1).collect();
        check_order_laws(&Composer, &list);
        check_garbage(
            &Composer,
            &["1.0.0", "1.0.0-dev", "1.0.0-p1", "dev-x", "#1"],
        );
        #[rustfmt::skip]
        let pieces = [
            "0", "1", "2", "10", ".", ".", "-", "_", "v", "alpha", "a", "b", "beta", "RC", "rc",
            "p", "pl", "patch", "dev", "stable", "x", "@dev", "+", "#",
        ];
        check_garbage_of(&Composer, &pieces, &["1", "1.0.0", "1.0.0-dev"]);
    }
}
