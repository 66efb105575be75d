//! OSV range evaluation: is a version inside the range that `introduced`, `fixed`,
//! `last_affected` and `limit` events describe?
//!
//! This follows the evaluation pseudocode of the OSV schema: a version must be below some
//! `limit` (when there are any; `*` is infinity); then the other events, sorted by version
//! in the ecosystem's scheme, are walked in order: reaching an `introduced` (`"0"` = before
//! every version) makes the version affected, reaching a `fixed` makes it unaffected, and
//! passing a `last_affected` makes it unaffected. So with several introduced/fixed pairs a
//! version is affected when it lies in any `[introduced, fixed)` or
//! `[introduced, last_affected]` interval.

use std::cmp::Ordering;

use bulwark_types::{Affected, Event};

use crate::VersionScheme;

/// The version of an event and its place among events of equal version.
fn parts(e: &Event) -> (&str, u8) {
    match e {
        Event::Introduced(v) => (v, 0),
        Event::LastAffected(v) => (v, 1),
        Event::Fixed(v) => (v, 2),
        Event::Limit(v) => (v, 3),
    }
}

fn is_zero_introduced(e: &Event) -> bool {
    matches!(e, Event::Introduced(v) if v == "0")
}

/// Orders events by version; `introduced: "0"` first; at equal versions introduced, then
/// last_affected, then fixed, so an empty `[v, v)` range stays empty.
fn compare_events(scheme: &dyn VersionScheme, a: &Event, b: &Event) -> Ordering {
    match (is_zero_introduced(a), is_zero_introduced(b)) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        (false, false) => {}
    }
    let ((va, ka), (vb, kb)) = (parts(a), parts(b));
    scheme.compare(va, vb).then(ka.cmp(&kb))
}

/// Sorts by insertion: event lists are short, and unlike the standard sorts this cannot
/// panic whatever the comparison answers.
fn sorted<'a>(scheme: &dyn VersionScheme, events: &'a [Event]) -> Vec<&'a Event> {
    let mut out: Vec<&Event> = Vec::with_capacity(events.len());
    for e in events.iter().filter(|e| !matches!(e, Event::Limit(_))) {
        let at = out
            .iter()
            .rposition(|x| compare_events(scheme, x, e) != Ordering::Greater)
            .map_or(0, |i| i + 1);
        out.insert(at, e);
    }
    out
}

fn before_limits(scheme: &dyn VersionScheme, version: &str, events: &[Event]) -> bool {
    let mut limits = events
        .iter()
        .filter_map(|e| match e {
            Event::Limit(l) => Some(l.as_str()),
            _ => None,
        })
        .peekable();
    if limits.peek().is_none() {
        return true;
    }
    limits.any(|l| l.contains('*') || scheme.compare(version, l) == Ordering::Less)
}

/// Is `version` inside the OSV range given by `events` (introduced / fixed /
/// last_affected / limit, evaluated as the OSV schema specifies)?
pub fn in_range(scheme: &dyn VersionScheme, version: &str, events: &[Event]) -> bool {
    if !before_limits(scheme, version, events) {
        return false;
    }
    let mut affected = false;
    for event in sorted(scheme, events) {
        match event {
            Event::Introduced(v) => {
                if v == "0" || scheme.compare(version, v) != Ordering::Less {
                    affected = true;
                }
            }
            Event::Fixed(v) => {
                if scheme.compare(version, v) != Ordering::Less {
                    affected = false;
                }
            }
            Event::LastAffected(v) => {
                if scheme.compare(version, v) == Ordering::Greater {
                    affected = false;
                }
            }
            Event::Limit(_) => {}
        }
    }
    affected
}

/// The `fixed` versions of a range, in the order given, without repeats.
pub fn fixed_versions(events: &[Event]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in events {
        if let Event::Fixed(v) = e
            && !out.contains(v)
        {
            out.push(v.clone());
        }
    }
    out
}

/// Does `affected` cover `version`: is it listed in `versions` (equal in the scheme) or
/// inside any of `ranges`? (The OSV schema's `IsVulnerable` for one package.)
pub fn affects(scheme: &dyn VersionScheme, version: &str, affected: &Affected) -> bool {
    affected
        .versions
        .iter()
        .any(|v| v == version || scheme.compare(v, version) == Ordering::Equal)
        || affected
            .ranges
            .iter()
            .any(|events| in_range(scheme, version, events))
}

#[cfg(test)]
mod tests {
    use bulwark_types::{Affected, Event};

    use super::{affects, fixed_versions, in_range};
    use crate::{Dpkg, Go, Maven, Pep440, Semver, VersionScheme};

    fn intro(v: &str) -> Event {
        Event::Introduced(v.into())
    }
    fn fixed(v: &str) -> Event {
        Event::Fixed(v.into())
    }
    fn last(v: &str) -> Event {
        Event::LastAffected(v.into())
    }
    fn limit(v: &str) -> Event {
        Event::Limit(v.into())
    }

    /// Checks `versions` (`+v` affected, `-v` not) against `events`.
    fn check(scheme: &dyn VersionScheme, events: &[Event], versions: &[&str]) {
        for spec in versions {
            let (want, v) = match spec.split_at(1) {
                ("+", v) => (true, v),
                ("-", v) => (false, v),
                _ => panic!("bad spec {spec}"),
            };
            assert_eq!(in_range(scheme, v, events), want, "{v} in {events:?}");
        }
    }

    #[test]
    fn unfixed_covers_everything() {
        check(
            &Semver,
            &[intro("0")],
            &["+0.0.0", "+1.0.0", "+999.0.0", "+1.0.0-alpha"],
        );
    }

    #[test]
    fn introduced_zero_and_fixed() {
        let events = [intro("0"), fixed("1.0.2")];
        check(
            &Semver,
            &events,
            &[
                "+0.0.1",
                "+1.0.1",
                "+1.0.2-rc.1",
                "-1.0.2",
                "-1.0.3",
                "-2.0.0",
            ],
        );
    }

    #[test]
    fn multiple_ranges() {
        let events = [
            intro("1.0.0"),
            fixed("1.0.2"),
            intro("3.0.0"),
            fixed("3.2.5"),
        ];
        check(
            &Semver,
            &events,
            &[
                "-0.9.0", "+1.0.0", "+1.0.1", "-1.0.2", "-2.0.0", "+3.0.0", "+3.2.4", "-3.2.5",
                "-4.0.0",
            ],
        );
    }

    #[test]
    fn events_need_not_be_sorted() {
        let events = [
            fixed("3.2.5"),
            intro("3.0.0"),
            fixed("1.0.2"),
            intro("1.0.0"),
        ];
        check(
            &Semver,
            &events,
            &["-0.9.0", "+1.0.1", "-2.0.0", "+3.1.0", "-3.2.5"],
        );
    }

    #[test]
    fn last_affected_is_inclusive() {
        let events = [intro("0"), last("2.1.214")];
        check(
            &Semver,
            &events,
            &["+1.0.0", "+2.1.214", "-2.1.215", "-3.0.0"],
        );
    }

    #[test]
    fn limits_bound_the_range() {
        check(
            &Semver,
            &[intro("0"), limit("2.0.0")],
            &["+1.9.9", "-2.0.0", "-3.0.0"],
        );
        check(&Semver, &[intro("0"), limit("*")], &["+1.0.0", "+99.0.0"]);
        // Below any one of several limits is enough.
        let events = [intro("1.0.0"), limit("1.5.0"), limit("3.0.0")];
        check(&Semver, &events, &["-0.5.0", "+1.2.0", "+2.0.0", "-3.0.0"]);
        check(
            &Semver,
            &[intro("1.0.0"), fixed("2.0.0"), limit("1.5.0")],
            &["+1.4.0", "-1.6.0"],
        );
    }

    #[test]
    fn degenerate_ranges() {
        check(&Semver, &[], &["-1.0.0"]);
        check(&Semver, &[fixed("1.0.0")], &["-0.5.0", "-1.0.0"]);
        check(
            &Semver,
            &[intro("1.0.0"), fixed("1.0.0")],
            &["-0.5.0", "-1.0.0", "-2.0.0"],
        );
        check(&Semver, &[fixed("1.0.0"), intro("1.0.0")], &["-1.0.0"]);
        check(
            &Semver,
            &[intro("1.0.0"), last("1.0.0")],
            &["-0.9.0", "+1.0.0", "-1.0.1"],
        );
    }

    #[test]
    fn debian_security_fix() {
        // DSA-5335-1 style: fixed in bullseye's 2.36.1-8+deb11u1.
        let events = [intro("0"), fixed("2.36.1-8+deb11u1")];
        check(
            &Dpkg,
            &events,
            &[
                "+2.36.1-8",
                "+2.36.1-8+b1",
                "-2.36.1-8+deb11u1",
                "-2.36.1-9",
                "-1:1.0",
            ],
        );
    }

    #[test]
    fn go_standard_library() {
        // GO-2023-1840 (CVE-2023-29403) as the Go vulnerability database writes it.
        let events = [
            intro("0"),
            fixed("1.19.10"),
            intro("1.20.0-0"),
            fixed("1.20.5"),
        ];
        check(
            &Go,
            &events,
            &[
                "+go1.19.9",
                "-go1.19.10",
                "+go1.20rc1",
                "+go1.20",
                "+go1.20.4",
                "-go1.20.5",
                "-go1.21.0",
            ],
        );
        let events = [intro("0"), fixed("0.0.0-20220314234659-1baeb8b6c2a4")];
        check(
            &Go,
            &events,
            &[
                "+v0.0.0-20210121094942-22b2f8951d46",
                "-v0.0.0-20220314234659-1baeb8b6c2a4",
                "-v0.1.0",
            ],
        );
    }

    #[test]
    fn pypi_two_branches() {
        // PYSEC-2021-335 (AccessControl): [4.0, 4.3) and [5.0, 5.2).
        let events = [intro("4.0"), fixed("4.3"), intro("5.0"), fixed("5.2")];
        check(
            &Pep440,
            &events,
            &[
                "-3.9",
                "+4.0",
                "+4.2",
                "-4.3",
                "-5.0rc1",
                "+5.1",
                "+5.1.post1",
                "-5.2",
            ],
        );
    }

    #[test]
    fn maven_log4shell() {
        let events = [intro("2.0-beta9"), fixed("2.15.0")];
        check(
            &Maven,
            &events,
            &[
                "-2.0-beta8",
                "+2.0-beta9",
                "+2.0-rc1",
                "+2.0",
                "+2.14.1",
                "-2.15.0",
                "-2.17.1",
            ],
        );
    }

    #[test]
    fn fixed_versions_in_order_without_repeats() {
        let events = [
            intro("0"),
            fixed("1.19.10"),
            intro("1.20.0-0"),
            fixed("1.20.5"),
            fixed("1.19.10"),
        ];
        assert_eq!(fixed_versions(&events), ["1.19.10", "1.20.5"]);
        assert!(fixed_versions(&[intro("0"), last("1.0")]).is_empty());
    }

    #[test]
    fn affects_uses_versions_and_ranges() {
        let affected = Affected {
            package: "accesscontrol".into(),
            ranges: vec![vec![intro("4.0"), fixed("4.3")]],
            versions: vec!["5.0".into(), "5.1".into()],
            ..Default::default()
        };
        for (v, want) in [
            ("4.1", true),
            ("4.3", false),
            ("5.0", true),
            ("5.1.0", true),
            ("5.2", false),
        ] {
            assert_eq!(affects(&Pep440, v, &affected), want, "{v}");
        }
    }
}
