//! Version requirements (`>= 1.2.3`, `^0.9.5`, `~> 5.2.4`) to OSV-style events, for the
//! feeds that publish requirements instead of ranges (RustSec, rubysec, nodejs-wg).
//!
//! Each requirement becomes an [`Interval`] of versions. Feeds that list the *safe*
//! versions (patched or unaffected) are turned around with [`complement`]: affected =
//! not (patched or unaffected), as cargo-audit and bundler-audit decide it. Each interval
//! of affected versions becomes one range ([`to_events`]):
//! - lower bound: none -> `introduced: "0"`; `>= x` -> `introduced: x`; `> x` ->
//!   `introduced:` the smallest version above x ([`Point::successor`]), as events have
//!   no exclusive start;
//! - upper bound: none -> open; `< x` -> `fixed: x`; `<= x` -> `last_affected: x`;
//! - a single version (`= x`) goes to the affected entry's `versions` list instead.
//!
//! Versions are compared by plain ordering, as OSV ranges are, not by the pre-release
//! matching rules of Cargo and npm (where `>= 1.0.0` does not match `2.0.0-beta`).
//! Where a requirement means "this release line" (`^0.9.5`, `~1.2`, `1.x`, `<= 1.2`), the
//! line ends just before the next line's first pre-release (`0.10.0-0`), as node-semver
//! writes it, so `0.10.0-alpha` is not counted in the `0.9` line.

use std::cmp::Ordering;
use std::fmt;

use bulwark_types::Event;
use bulwark_version::VersionScheme;

/// A parsed version of one scheme.
pub(super) trait Point: Ord + Clone + fmt::Display {
    /// The smallest version above this one (or the documented stand-in where the scheme
    /// has none), for an exclusive lower bound.
    fn successor(&self) -> String;
}

/// One end of an interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Bound<V> {
    pub(super) version: V,
    pub(super) inclusive: bool,
}

/// The versions between two bounds; `None` is unbounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Interval<V> {
    pub(super) lower: Option<Bound<V>>,
    pub(super) upper: Option<Bound<V>>,
}

impl<V: Point> Interval<V> {
    /// Every version.
    pub(super) fn all() -> Self {
        Self {
            lower: None,
            upper: None,
        }
    }

    pub(super) fn above(version: V, inclusive: bool) -> Self {
        Self {
            lower: Some(Bound { version, inclusive }),
            upper: None,
        }
    }

    pub(super) fn below(version: V, inclusive: bool) -> Self {
        Self {
            lower: None,
            upper: Some(Bound { version, inclusive }),
        }
    }

    /// `[from, to)`.
    pub(super) fn half_open(from: V, to: V) -> Self {
        Self::above(from, true).intersect(Self::below(to, false))
    }

    pub(super) fn exactly(version: V) -> Self {
        Self::above(version.clone(), true).intersect(Self::below(version, true))
    }

    /// The versions in both (a comma-separated requirement is the intersection of its
    /// comparators).
    pub(super) fn intersect(self, other: Self) -> Self {
        let lower = match cmp_lower(&self.lower, &other.lower) {
            Ordering::Less => other.lower,
            _ => self.lower,
        };
        let upper = match cmp_upper(&self.upper, &other.upper) {
            Ordering::Greater => other.upper,
            _ => self.upper,
        };
        Self { lower, upper }
    }

    pub(super) fn is_empty(&self) -> bool {
        match (&self.lower, &self.upper) {
            (Some(l), Some(u)) => match l.version.cmp(&u.version) {
                Ordering::Less => false,
                Ordering::Equal => !(l.inclusive && u.inclusive),
                Ordering::Greater => true,
            },
            _ => false,
        }
    }

    /// The single version this interval holds, if it holds exactly one.
    fn single(&self) -> Option<&V> {
        match (&self.lower, &self.upper) {
            (Some(l), Some(u)) if l.inclusive && u.inclusive && l.version == u.version => {
                Some(&l.version)
            }
            _ => None,
        }
    }
}

/// Orders lower bounds: unbounded first; at the same version `>= x` before `> x`.
fn cmp_lower<V: Ord>(a: &Option<Bound<V>>, b: &Option<Bound<V>>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => a
            .version
            .cmp(&b.version)
            .then_with(|| b.inclusive.cmp(&a.inclusive)),
    }
}

/// Orders upper bounds: unbounded last; at the same version `< x` before `<= x`.
fn cmp_upper<V: Ord>(a: &Option<Bound<V>>, b: &Option<Bound<V>>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => a
            .version
            .cmp(&b.version)
            .then_with(|| a.inclusive.cmp(&b.inclusive)),
    }
}

/// The versions in none of `covered`, as sorted, disjoint intervals.
pub(super) fn complement<V: Point>(covered: Vec<Interval<V>>) -> Vec<Interval<V>> {
    let mut covered: Vec<_> = covered.into_iter().filter(|i| !i.is_empty()).collect();
    covered.sort_by(|a, b| cmp_lower(&a.lower, &b.lower));
    let mut gaps = Vec::new();
    // Where the next gap starts: just after everything covered so far.
    let mut start: Option<Bound<V>> = None;
    for interval in covered {
        if let Some(lower) = interval.lower {
            let gap = Interval {
                lower: start.clone(),
                upper: Some(Bound {
                    version: lower.version,
                    inclusive: !lower.inclusive,
                }),
            };
            if !gap.is_empty() {
                gaps.push(gap);
            }
        }
        let Some(upper) = interval.upper else {
            return gaps;
        };
        let after = Some(Bound {
            version: upper.version,
            inclusive: !upper.inclusive,
        });
        if cmp_lower(&after, &start) == Ordering::Greater {
            start = after;
        }
    }
    gaps.push(Interval {
        lower: start,
        upper: None,
    });
    gaps
}

/// The events of each interval (one range each) and the single versions.
pub(super) fn to_events<V: Point>(intervals: &[Interval<V>]) -> (Vec<Vec<Event>>, Vec<String>) {
    let mut ranges = Vec::new();
    let mut versions = Vec::new();
    for interval in intervals.iter().filter(|i| !i.is_empty()) {
        if let Some(v) = interval.single() {
            versions.push(v.to_string());
            continue;
        }
        let mut events = vec![Event::Introduced(match &interval.lower {
            None => "0".to_owned(),
            Some(b) if b.inclusive => b.version.to_string(),
            Some(b) => b.version.successor(),
        })];
        match &interval.upper {
            None => {}
            Some(b) if b.inclusive => events.push(Event::LastAffected(b.version.to_string())),
            Some(b) => events.push(Event::Fixed(b.version.to_string())),
        }
        ranges.push(events);
    }
    (ranges, versions)
}

/// A comparison operator at the start of a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
    /// `~` (semver: same minor line).
    Tilde,
    /// `^` (semver: same left-most non-zero component).
    Caret,
    /// `~>` (RubyGems: same line as the version minus its last component).
    Pessimistic,
}

/// Splits the operator off a comparator: `(Some(Op::Ge), "1.2.3")` for `">= 1.2.3"`,
/// `(None, "1.2.3")` for a bare version.
pub(super) fn split_op(comparator: &str) -> (Option<Op>, &str) {
    let s = comparator.trim();
    for (text, op) in [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("~>", Op::Pessimistic),
        ("==", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("=", Op::Eq),
        ("^", Op::Caret),
        ("~", Op::Tilde),
    ] {
        if let Some(rest) = s.strip_prefix(text) {
            return (Some(op), rest.trim_start());
        }
    }
    (None, s)
}

/// A semantic version (Cargo, npm): `MAJOR.MINOR.PATCH[-PRE]`; build metadata is dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Semver {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Ident>,
}

/// A pre-release identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ident {
    Num(u64),
    Alpha(String),
}

impl Semver {
    fn new(major: u64, minor: u64, patch: u64) -> Self {
        Self {
            major,
            minor,
            patch,
            pre: Vec::new(),
        }
    }

    /// The first pre-release of this version (`1.3.0-0`): where a release line ends.
    fn first_pre(self) -> Self {
        Self {
            pre: vec![Ident::Num(0)],
            ..self
        }
    }
}

impl Ord for Semver {
    /// As the matcher orders them: [`bulwark_version::Semver`].
    fn cmp(&self, other: &Self) -> Ordering {
        bulwark_version::Semver.compare(&self.to_string(), &other.to_string())
    }
}

impl PartialOrd for Semver {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Semver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        for (i, id) in self.pre.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            match id {
                Ident::Num(n) => write!(f, "{n}")?,
                Ident::Alpha(s) => f.write_str(s)?,
            }
        }
        Ok(())
    }
}

impl Point for Semver {
    /// Exact: `1.2.4-0` above `1.2.3`, `1.2.3-rc.1.0` above `1.2.3-rc.1`.
    fn successor(&self) -> String {
        let mut next = self.clone();
        if next.pre.is_empty() {
            next = Semver::new(self.major, self.minor, self.patch.saturating_add(1)).first_pre();
        } else {
            next.pre.push(Ident::Num(0));
        }
        next.to_string()
    }
}

/// A semver version that may leave out or wildcard its last components (`1.2`, `1.x`,
/// `*`), as requirements write them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Partial {
    major: Option<u64>,
    minor: Option<u64>,
    patch: Option<u64>,
    pre: Vec<Ident>,
}

impl Partial {
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a version");
        let t = text.trim();
        let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
        let t = t.split_once('+').map_or(t, |(v, _build)| v);
        let (core, pre) = match t.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (t, None),
        };
        let mut parts = Vec::new();
        for part in core.split('.') {
            let n = match part {
                "x" | "X" | "*" => None,
                _ if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) => {
                    Some(part.parse::<u64>().map_err(|_| bad())?)
                }
                _ => return Err(bad()),
            };
            if n.is_some() && parts.last().is_some_and(Option::is_none) {
                return Err(bad());
            }
            parts.push(n);
        }
        let mut parts = parts.into_iter();
        let (major, minor, patch) = (
            parts.next().flatten(),
            parts.next().flatten(),
            parts.next().flatten(),
        );
        if parts.next().is_some() || (pre.is_some() && patch.is_none()) {
            return Err(bad());
        }
        let mut idents = Vec::new();
        for id in pre.map(|p| p.split('.')).into_iter().flatten() {
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(bad());
            }
            idents.push(match id.parse::<u64>() {
                Ok(n) if id.bytes().all(|b| b.is_ascii_digit()) => Ident::Num(n),
                _ => Ident::Alpha(id.to_owned()),
            });
        }
        Ok(Self {
            major,
            minor,
            patch,
            pre: idents,
        })
    }

    /// The version with missing components as zeros.
    fn floor(&self) -> Semver {
        Semver {
            pre: self.pre.clone(),
            ..Semver::new(
                self.major.unwrap_or(0),
                self.minor.unwrap_or(0),
                self.patch.unwrap_or(0),
            )
        }
    }
}

/// The versions one semver comparator accepts (Cargo's and node-semver's meaning of
/// partial versions: `>1.2` is `>=1.3.0`, `<=1.2` is `<1.3.0-0`, `^0.0.3` is `<0.0.4-0`).
pub(super) fn semver_interval(op: Op, p: &Partial) -> Interval<Semver> {
    let Some(major) = p.major else {
        return Interval::all();
    };
    let lo = p.floor();
    let bump_major = Semver::new(major.saturating_add(1), 0, 0);
    // The first version after the line a partial version names (`1.2` -> `1.3.0`).
    let next = match (p.minor, p.patch) {
        (None, _) => Some(bump_major.clone()),
        (Some(minor), None) => Some(Semver::new(major, minor.saturating_add(1), 0)),
        _ => None,
    };
    match (op, next) {
        (Op::Eq, Some(next)) => Interval::half_open(lo, next.first_pre()),
        (Op::Eq, None) => Interval::exactly(lo),
        (Op::Ge, _) => Interval::above(lo, true),
        (Op::Gt, Some(next)) => Interval::above(next, true),
        (Op::Gt, None) => Interval::above(lo, false),
        (Op::Lt, Some(_)) => Interval::below(lo.first_pre(), false),
        (Op::Lt, None) => Interval::below(lo, false),
        (Op::Le, Some(next)) => Interval::below(next.first_pre(), false),
        (Op::Le, None) => Interval::below(lo, true),
        (Op::Tilde | Op::Pessimistic, _) => {
            let end = match p.minor {
                Some(minor) => Semver::new(major, minor.saturating_add(1), 0),
                None => bump_major,
            };
            Interval::half_open(lo, end.first_pre())
        }
        (Op::Caret, _) => {
            let end = match (major, p.minor, p.patch) {
                (0, Some(0), Some(patch)) => Semver::new(0, 0, patch.saturating_add(1)),
                (0, Some(minor), _) => Semver::new(0, minor.saturating_add(1), 0),
                _ => bump_major,
            };
            Interval::half_open(lo, end.first_pre())
        }
    }
}

/// One semver requirement: comparators separated by commas or spaces, all of which must
/// hold. An operator may stand apart from its version (`>= 1.2.3`); `bare` is what a
/// version without one means (`^` in Cargo, `=` in npm).
pub(super) fn semver_requirement(text: &str, bare: Op) -> Result<Interval<Semver>, String> {
    let mut interval = Interval::all();
    let mut comparators = 0;
    let mut pending = String::new();
    for token in text.split(|c: char| c == ',' || c.is_whitespace()) {
        if token.is_empty() {
            continue;
        }
        pending.push_str(token);
        if token.chars().all(|c| "<>=^~".contains(c)) {
            continue;
        }
        let (op, version) = split_op(&pending);
        let partial = Partial::parse(version).map_err(|e| format!("in {text:?}: {e}"))?;
        interval = interval.intersect(semver_interval(op.unwrap_or(bare), &partial));
        comparators += 1;
        pending.clear();
    }
    if comparators == 0 || !pending.is_empty() {
        return Err(format!("{text:?} is not a version requirement"));
    }
    Ok(interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Semver {
        Partial::parse(text).unwrap().floor()
    }

    /// `requirement` (Cargo syntax) as `(introduced, fixed or last_affected)` pairs.
    fn events_of(requirement: &str) -> Vec<Vec<Event>> {
        let (ranges, versions) = to_events(&[semver_requirement(requirement, Op::Caret).unwrap()]);
        assert!(versions.is_empty());
        ranges
    }

    fn r(from: &str, to: &str) -> Vec<Vec<Event>> {
        vec![vec![
            Event::Introduced(from.to_owned()),
            Event::Fixed(to.to_owned()),
        ]]
    }

    #[test]
    fn semver_precedence_follows_the_spec() {
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1-0",
            "1.0.1",
            "1.10.0",
            "2.0.0",
        ];
        for pair in order.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("v1.2.3+build.5"), v("1.2.3"));
        assert_eq!(v("1.2.3").successor(), "1.2.4-0");
        assert_eq!(v("1.2.3-rc.1").successor(), "1.2.3-rc.1.0");
        for bad in [
            "",
            "1.2.3.4",
            "1.x.3",
            "a.b",
            "+1.2.3",
            "1.2-beta",
            "1.2.3-",
            "1.2.3-a..b",
        ] {
            assert!(Partial::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn operators_and_partial_versions() {
        assert_eq!(events_of("^1.2.3"), r("1.2.3", "2.0.0-0"));
        assert_eq!(events_of("^0.2.3"), r("0.2.3", "0.3.0-0"));
        assert_eq!(events_of("^0.0.3"), r("0.0.3", "0.0.4-0"));
        assert_eq!(events_of("^0.0"), r("0.0.0", "0.1.0-0"));
        assert_eq!(events_of("^0"), r("0.0.0", "1.0.0-0"));
        assert_eq!(events_of("1.2"), r("1.2.0", "2.0.0-0"));
        assert_eq!(events_of("~1.2.3"), r("1.2.3", "1.3.0-0"));
        assert_eq!(events_of("~1"), r("1.0.0", "2.0.0-0"));
        assert_eq!(events_of("=1.2"), r("1.2.0", "1.3.0-0"));
        assert_eq!(events_of("1.*"), r("1.0.0", "2.0.0-0"));
        assert_eq!(events_of(">1.2, <= 1.4"), r("1.3.0", "1.5.0-0"));
        assert_eq!(events_of(">= 0.4, < 0.12"), r("0.4.0", "0.12.0-0"));
        assert_eq!(
            events_of("*"),
            vec![vec![Event::Introduced("0".to_owned())]]
        );
        assert_eq!(events_of(">= 2.0.0, < 1.0.0"), Vec::<Vec<Event>>::new());
        let (ranges, versions) = to_events(&[semver_requirement("=1.2.3", Op::Caret).unwrap()]);
        assert!(ranges.is_empty());
        assert_eq!(versions, ["1.2.3"]);
        for bad in ["", ">=", "1.2.3 <", ">= x.1"] {
            assert!(semver_requirement(bad, Op::Caret).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn complement_of_overlapping_and_open_intervals() {
        let req = |s: &str| semver_requirement(s, Op::Caret).unwrap();
        // Overlapping safe intervals merge; the gap after `<= 1.0.0` starts just above it.
        let gaps = complement(vec![
            req(">= 3.0.0"),
            req("<= 1.0.0"),
            req(">= 2.0.0, < 2.5.0"),
            req("~2.1"),
        ]);
        let (ranges, _) = to_events(&gaps);
        assert_eq!(
            ranges,
            [
                vec![
                    Event::Introduced("1.0.1-0".into()),
                    Event::Fixed("2.0.0".into())
                ],
                vec![
                    Event::Introduced("2.5.0".into()),
                    Event::Fixed("3.0.0".into())
                ],
            ]
        );
        // Nothing safe: everything affected; everything safe: nothing affected.
        assert_eq!(
            to_events(&complement::<Semver>(vec![])).0,
            [vec![Event::Introduced("0".into())]]
        );
        assert!(complement(vec![req("*")]).is_empty());
        // `> x` safe leaves x itself as the last affected version.
        let (ranges, _) = to_events(&complement(vec![req("> 1.0.0")]));
        assert_eq!(
            ranges,
            [vec![
                Event::Introduced("0".into()),
                Event::LastAffected("1.0.0".into())
            ]]
        );
    }
}
