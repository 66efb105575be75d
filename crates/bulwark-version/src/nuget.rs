//! NuGet version ordering; the rules are documented on [`NuGet`].

use std::cmp::Ordering;

use crate::VersionScheme;
use crate::num::{Num, all_digits};

/// The NuGet scheme (.NET packages).
///
/// NuGet versions, ordered as NuGet's version documentation describes (SemVer 2.0.0 with a
/// fourth number and a few relaxations).
///
/// `Major[.Minor[.Patch[.Revision]]][-label(.label)*][+metadata]`: missing numbers are 0
/// (`1.0 == 1.0.0 == 1.0.0.0`) and numbers compare by value (leading zeros allowed, as
/// NuGet normalizes them away). A version with labels is a pre-release, before the same
/// version without. Labels compare one by one: numeric labels by value and below the
/// others, which compare case-insensitively (`1.0.0-Beta == 1.0.0-beta`); a shorter list
/// of equal labels sorts first. Metadata is ignored.
///
/// A leading `v` and surrounding whitespace are tolerated when ordering but make
/// [`NuGet::is_valid`] false. Anything else that does not parse sorts before every
/// version, byte-wise among itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct NuGet;

/// One pre-release label; numeric ones sort first.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Label<'a> {
    Numeric(Num<'a>),
    Text(String),
}

#[derive(Debug, PartialEq, Eq)]
struct Version<'a> {
    numbers: [Num<'a>; 4],
    labels: Vec<Label<'a>>,
}

impl Ord for Version<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers.cmp(&other.numbers).then_with(|| {
            match (self.labels.is_empty(), other.labels.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.labels.cmp(&other.labels),
            }
        })
    }
}

impl PartialOrd for Version<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn label_ok(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn parse(v: &str) -> Option<Version<'_>> {
    let (main, metadata) = match v.split_once('+') {
        Some((m, meta)) => (m, Some(meta)),
        None => (v, None),
    };
    if !metadata.is_none_or(|m| m.split('.').all(label_ok)) {
        return None;
    }
    let (core, labels_text) = match main.split_once('-') {
        Some((c, l)) => (c, Some(l)),
        None => (main, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 4 || !parts.iter().all(|p| all_digits(p)) {
        return None;
    }
    let mut numbers = [Num::ZERO; 4];
    for (slot, p) in numbers.iter_mut().zip(&parts) {
        *slot = Num::new(p);
    }
    let mut labels = Vec::new();
    if let Some(text) = labels_text {
        for l in text.split('.') {
            if !label_ok(l) {
                return None;
            }
            labels.push(if all_digits(l) {
                Label::Numeric(Num::new(l))
            } else {
                Label::Text(l.to_ascii_lowercase())
            });
        }
    }
    Some(Version { numbers, labels })
}

fn strip(v: &str) -> &str {
    let t = v.trim();
    t.strip_prefix(['v', 'V']).unwrap_or(t)
}

impl VersionScheme for NuGet {
    fn name(&self) -> &'static str {
        "nuget"
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        match (parse(strip(a)), parse(strip(b))) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (None, None) => a.cmp(b),
        }
    }

    fn is_valid(&self, v: &str) -> bool {
        parse(v).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::NuGet;
    use crate::VersionScheme;
    use crate::testutil::{check_garbage, check_order_laws, check_table, osv_event_versions};

    const TABLE: &[&str] = &[
        "1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 \
         < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0",
        "1.0.0-alpha < 1.0.0",
        "1.0.0 < 1.0.0.1 < 1.0.1 < 1.1",
        "1.0.0.1 > 1.0.0",
        "1 = 1.0 = 1.0.0 = 1.0.0.0 = 01.00.000",
        "1.0.0-Beta = 1.0.0-beta = 1.0.0-BETA",
        "1.0.0-beta.A = 1.0.0-beta.a < 1.0.0-beta.b",
        "1.0.0-1 < 1.0.0-2 < 1.0.0-10 < 1.0.0-a",
        "1.0.0-alpha1 < 1.0.0-alpha10 < 1.0.0-alpha2",
        "1.0.0+meta = 1.0.0+other = 1.0.0",
        "1.0.0-rc.1+meta < 1.0.0",
        "13.0.1 > 12.0.3",
        "4.7.2 < 4.7.10",
        "v1.0.0 = 1.0.0",
        "not.a.version < 0.0.0-0",
        "1.2.3.4.5 < 0.0.0-0",
    ];

    #[test]
    fn table() {
        check_table(&NuGet, TABLE);
    }

    #[test]
    fn validity() {
        for v in [
            "1",
            "1.0",
            "1.0.0",
            "1.0.0.0",
            "1.0.0-beta.1+sha.abc",
            "1.0.0-Alpha-2",
        ] {
            assert!(NuGet.is_valid(v), "{v}");
        }
        for v in [
            "",
            "v1.0.0",
            "1.0.0.0.0",
            "1.0.0-",
            "1.0.0-beta..1",
            "1.0.0+",
            "1.a",
            " 1.0",
        ] {
            assert!(!NuGet.is_valid(v), "{v}");
        }
    }

    #[test]
    fn real_versions() {
        let versions = osv_event_versions("vulndata/ghsa-subset/nuget");
        assert!(versions.len() >= 4, "{}", versions.len());
        let invalid: Vec<&String> = versions.iter().filter(|v| !NuGet.is_valid(v)).collect();
        assert!(invalid.is_empty(), "rejected {invalid:?}");
        check_order_laws(&NuGet, &versions);
    }

    #[test]
    fn order_laws() {
        let list: Vec<&str> = TABLE.iter().flat_map(|l| l.split_whitespace()).collect();
        let list: Vec<&str> = list.into_iter().filter(|w| w.len() > 1).collect();
        check_order_laws(&NuGet, &list);
        check_garbage(&NuGet, &["1.0", "1.0.0.0", "1.0.0-beta", "v1"]);
    }
}
