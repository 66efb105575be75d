//! Maven version ordering (ComparableVersion); the rules are documented on [`Maven`].

use std::cmp::Ordering;

use crate::VersionScheme;
use crate::num::Num;

/// The Maven scheme (Java, Kotlin, Scala artifacts).
///
/// Maven versions, ordered by the rules of Maven's `ComparableVersion` (maven-artifact
/// 3.9), written here from its documentation.
///
/// A version (case-insensitive) splits into items at `.` and `-` and wherever digits meet
/// letters. Numbers compare by value. Words are qualifiers, ordered
/// `alpha` < `beta` < `milestone` < `rc` = `cr` < `snapshot` < `""` = `ga` = `final` =
/// `release` < `sp` < any other word (those compare alphabetically); `a1`, `b1`, `m1` (a
/// single letter followed by digits) mean `alpha-1`, `beta-1`, `milestone-1`. A `-`, a
/// digit/letter transition, and (since Maven 3.9) a word after `.` open a sub-list, which
/// sorts below a number at the same place and above a word: `1.0.RC2 < 1.0-RC3 < 1.0.1`.
/// Trailing "null" items (0, the empty qualifier, empty sub-lists) are dropped, so
/// `1 == 1.0 == 1.0.0 == 1-ga == 1.0.Final`; a missing item compares as null, so
/// `1.0-alpha-1 < 1.0 < 1.0-sp1 < 1.0.1`.
///
/// Deviations, so that the order is a total order on every input (Maven's is not):
/// - Maven compares a sub-list with a missing item by the sub-list's first item only
///   (making `1-0.1 == 1` and `1-0.2 == 1` yet `1-0.1 < 1-0.2`); here the whole sub-list
///   is compared with an empty one, so `1 < 1-0.1 < 1-0.2`.
/// - Where the items at one place are of different kinds, Maven's kind order decides
///   only between two rests that lie on the same side of "nothing more"; otherwise that
///   side decides. (Maven has `sp < -rc`, `-rc < ""` and `"" < sp`.) Real versions, which
///   start with a number, never reach this rule with a different outcome.
/// - Sub-lists nest at most 32 deep; deeper `-` separate like `.`.
///
/// Every string is a version; there is no invalid input to order separately.
#[derive(Debug, Clone, Copy, Default)]
pub struct Maven;

const MAX_DEPTH: usize = 32;

/// A qualifier's place: the known ones by index, then any other word alphabetically.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Qualifier<'a> {
    Known(u8),
    Other(&'a str),
}

/// The empty qualifier: a release.
const RELEASE: Qualifier<'static> = Qualifier::Known(5);

fn qualifier(word: &str, followed_by_digit: bool) -> Qualifier<'_> {
    let word = match word {
        "a" if followed_by_digit => "alpha",
        "b" if followed_by_digit => "beta",
        "m" if followed_by_digit => "milestone",
        w => w,
    };
    Qualifier::Known(match word {
        "alpha" => 0,
        "beta" => 1,
        "milestone" => 2,
        "rc" | "cr" => 3,
        "snapshot" => 4,
        "" | "ga" | "final" | "release" => 5,
        "sp" => 6,
        other => return Qualifier::Other(other),
    })
}

#[derive(Debug)]
enum Item<'a> {
    Number(Num<'a>),
    Word(Qualifier<'a>),
    List(Vec<Item<'a>>),
}

impl Item<'_> {
    fn is_null(&self) -> bool {
        match self {
            Item::Number(n) => n.is_zero(),
            Item::Word(q) => *q == RELEASE,
            Item::List(items) => items.is_empty(),
        }
    }
}

/// Drops null items from the end, looking past (non-null) sub-lists.
fn normalize(list: &mut Vec<Item<'_>>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        match list.get(i) {
            Some(item) if item.is_null() => {
                list.remove(i);
            }
            Some(Item::List(_)) => {}
            _ => break,
        }
    }
}

fn item(token: &str, digits: bool, followed_by_digit: bool) -> Item<'_> {
    if digits {
        Item::Number(Num::new(token))
    } else {
        Item::Word(qualifier(token, followed_by_digit))
    }
}

fn open(chain: &mut Vec<Vec<Item<'_>>>) {
    if chain.len() < MAX_DEPTH {
        chain.push(Vec::new());
    }
}

fn push<'a>(chain: &mut [Vec<Item<'a>>], it: Item<'a>) {
    if let Some(list) = chain.last_mut() {
        list.push(it);
    }
}

/// Parses a lowercased version into its (normalized) item list.
fn parse(v: &str) -> Vec<Item<'_>> {
    // The open lists, outermost first; each one's last item is the next (added when
    // closing, which is the same place since nothing follows it in its parent).
    let mut chain: Vec<Vec<Item<'_>>> = vec![Vec::new()];
    let (mut start, mut digits, mut prev) = (0, false, None);
    for (i, c) in v.char_indices() {
        let token = v.get(start..i).unwrap_or_default();
        match c {
            '.' | '-' => {
                let it = if token.is_empty() {
                    Item::Number(Num::ZERO)
                } else {
                    item(token, digits, false)
                };
                push(&mut chain, it);
                start = i + 1;
                if c == '-' {
                    open(&mut chain);
                }
            }
            c if c.is_ascii_digit() => {
                if !digits && !token.is_empty() {
                    push(&mut chain, item(token, false, true));
                    start = i;
                    open(&mut chain);
                }
                digits = true;
            }
            _ => {
                if digits && !token.is_empty() {
                    push(&mut chain, item(token, true, false));
                    start = i;
                    open(&mut chain);
                } else if token.is_empty() && prev == Some('.') {
                    open(&mut chain);
                }
                digits = false;
            }
        }
        prev = Some(c);
    }
    let last = v.get(start..).unwrap_or_default();
    if !last.is_empty() {
        push(&mut chain, item(last, digits, false));
    }
    let mut child: Option<Vec<Item<'_>>> = None;
    while let Some(mut list) = chain.pop() {
        if let Some(c) = child.take() {
            list.push(Item::List(c));
        }
        normalize(&mut list);
        child = Some(list);
    }
    child.unwrap_or_default()
}

/// An item against a missing one.
fn against_missing(x: &Item<'_>) -> Ordering {
    match x {
        Item::Number(n) if n.is_zero() => Ordering::Equal,
        Item::Number(_) => Ordering::Greater,
        Item::Word(q) => q.cmp(&RELEASE),
        Item::List(items) => compare_lists(items, &[]),
    }
}

/// Kinds at one position, as Maven orders them: word < sub-list < number.
fn kind(x: &Item<'_>) -> u8 {
    match x {
        Item::Word(_) => 0,
        Item::List(_) => 1,
        Item::Number(_) => 2,
    }
}

fn compare_lists(a: &[Item<'_>], b: &[Item<'_>]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let order = match (a.get(i), b.get(i)) {
            (Some(Item::Number(x)), Some(Item::Number(y))) => x.cmp(y),
            (Some(Item::Word(x)), Some(Item::Word(y))) => x.cmp(y),
            (Some(Item::List(x)), Some(Item::List(y))) => compare_lists(x, y),
            (Some(x), Some(y)) => {
                // Different kinds: first which side of "nothing more" each rest lies on,
                // then Maven's order of kinds.
                let rest_a = a.get(i..).unwrap_or_default();
                let rest_b = b.get(i..).unwrap_or_default();
                compare_lists(rest_a, &[])
                    .cmp(&compare_lists(rest_b, &[]))
                    .then(kind(x).cmp(&kind(y)))
            }
            (Some(x), None) => against_missing(x),
            (None, Some(y)) => against_missing(y).reverse(),
            (None, None) => Ordering::Equal,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

impl VersionScheme for Maven {
    fn name(&self) -> &'static str {
        "maven"
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        let (la, lb) = (a.trim().to_lowercase(), b.trim().to_lowercase());
        compare_lists(&parse(&la), &parse(&lb))
    }

    /// Maven takes any string; this asks for a non-empty one without whitespace or
    /// control characters.
    fn is_valid(&self, v: &str) -> bool {
        !v.is_empty() && !v.chars().any(|c| c.is_whitespace() || c.is_control())
    }
}

#[cfg(test)]
mod tests {
    use super::Maven;
    use crate::VersionScheme;
    use crate::testutil::{
        check_garbage, check_garbage_of, check_order_laws, check_table, osv_event_versions,
    };

    /// Qualifier and number orderings as `ComparableVersion`'s documentation describes them.
    const QUALIFIERS: &[&str] = &[
        "1-alpha2snapshot",
        "1-alpha2",
        "1-alpha-123",
        "1-beta-2",
        "1-beta123",
        "1-m2",
        "1-m11",
        "1-rc",
        "1-cr2",
        "1-rc123",
        "1-SNAPSHOT",
        "1",
        "1-sp",
        "1-sp2",
        "1-sp123",
        "1-abc",
        "1-def",
        "1-pom-1",
        "1-1-snapshot",
        "1-1",
        "1-2",
        "1-123",
    ];
    const NUMBERS: &[&str] = &[
        "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1",
        "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11",
        "11.a", "11b", "11c", "11m",
    ];

    const TABLE: &[&str] = &[
        "1.0-alpha-1 < 1.0-beta < 1.0-rc1 < 1.0-SNAPSHOT < 1.0 < 1.0-sp1 < 1.0.1",
        "2.14.1 < 2.15.0 < 2.16.0 < 2.17.0 < 2.17.1",
        "1.0 = 1.0.0 = 1-ga = 1 = 1.0-final = 1.0.0.Final = 1.0.RELEASE = 1-GA",
        "1.0-alpha1 = 1.0-a1 = 1.0-ALPHA-1 = 1.0alpha1",
        "1.0-b2 = 1.0-beta-2 < 1.0-m3 = 1.0-milestone-3 < 1.0-cr1 = 1.0-rc-1 = 1.0-RC1",
        "1.0-a < 1.0-b < 1.0-foo",
        "1.0 < 1.0-a",
        "1.0.RC2 < 1.0-RC3 < 1.0.1",
        "1.0.0.RC1 < 1.0.0-RC2",
        "1.0.X = 1-X = 1.0.0.X",
        "1a = 1-a = 1.0-a = 1.0.0-a",
        "2.0-1 < 2.0.1",
        "2.0.1 < 2.0.1-klm < 2.0.1-lmn < 2.0.1-xyz",
        "sp > . > -RC < sp",
        "2.9.10.7 < 2.9.10.8 < 2.10.0",
        "5.3.20.RELEASE = 5.3.20 < 5.3.21",
        "5.4.24.Final < 5.4.25.Final",
        "1.2.3-SNAPSHOT < 1.2.3",
        "1-0.1 > 1 < 1-0.2 > 1-0.1",
        "2.0.0.v200706041905-7C78EK9E_EkMNfNOd2d8qq < 2.0.0.v200706041906-7C78EK9E_EkMNfNOd2d8qq",
        "99999999999999999999999 > 9999999999999999999999",
    ];

    #[test]
    fn table() {
        check_table(&Maven, TABLE);
    }

    #[test]
    fn documented_sequences_ascend() {
        for list in [QUALIFIERS, NUMBERS] {
            for w in list.windows(2) {
                assert_eq!(
                    Maven.compare(w[0], w[1]),
                    std::cmp::Ordering::Less,
                    "{} < {}",
                    w[0],
                    w[1]
                );
            }
            check_order_laws(&Maven, list);
        }
    }

    #[test]
    fn validity() {
        assert!(Maven.is_valid("1.0-SNAPSHOT"));
        assert!(Maven.is_valid("anything-goes"));
        assert!(!Maven.is_valid(""));
        assert!(!Maven.is_valid("1.0 beta"));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = "1-".repeat(10_000);
        let deeper = format!("{deep}2");
        assert_eq!(Maven.compare(&deep, &deep), std::cmp::Ordering::Equal);
        assert_eq!(Maven.compare(&deep, &deeper), std::cmp::Ordering::Less);
    }

    #[test]
    fn real_versions() {
        let versions = osv_event_versions("vulndata/ghsa-subset/maven");
        assert!(versions.len() > 20, "{}", versions.len());
        assert!(versions.iter().all(|v| Maven.is_valid(v)));
        check_order_laws(&Maven, &versions);
    }

    #[test]
    fn order_laws() {
        let list: Vec<&str> = TABLE.iter().flat_map(|l| l.split_whitespace()).collect();
        let list: Vec<&str> = list.into_iter().filter(|w| w.len() > 1).collect();
        check_order_laws(&Maven, &list);
        check_garbage(&Maven, &["1.0", "1-0.1", "1.0-sp", "1-1-1", "1.ga.1"]);
        // Strings made only of what Maven's grammar is about.
        #[rustfmt::skip]
        let pieces = [
            "0", "1", "2", "10", ".", ".", "-", "-", "a", "b", "m", "rc", "cr", "sp", "ga",
            "final", "snapshot", "x", "alpha",
        ];
        check_garbage_of(&Maven, &pieces, &["1", "1.0", "1-sp", "1-rc"]);
    }
}
