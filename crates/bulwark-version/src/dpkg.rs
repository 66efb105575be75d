//! Debian version ordering (dpkg); the rules are documented on [`Dpkg`].

use std::cmp::Ordering;

use crate::VersionScheme;
use crate::num::{Num, all_digits, digit_bytes};

/// The dpkg scheme (Debian, Ubuntu).
///
/// Debian versions, `[epoch:]upstream_version[-debian_revision]`, ordered as Debian Policy
/// §5.6.12 specifies and `dpkg --compare-versions` does.
///
/// Epochs compare as numbers. The upstream version and then the revision are compared by
/// alternating runs: a run of non-digits compared character by character, where `~` sorts
/// before everything (even the end of the run), then the end, then letters, then all other
/// characters; then a run of digits compared as a number.
///
/// Lenient reading of strings dpkg would reject (so every string still orders): surrounding
/// whitespace is ignored, a part before the first `:` that is not all digits is not an
/// epoch (the whole string is then the version), and a missing revision compares as
/// `""` (as in dpkg, `1.0` equals `1.0-0`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Dpkg;

struct Parts<'a> {
    epoch: Num<'a>,
    upstream: &'a str,
    revision: &'a str,
}

fn parts(v: &str) -> Parts<'_> {
    let v = v.trim();
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) if all_digits(e) => (Num::new(e), rest),
        _ => (Num::ZERO, v),
    };
    let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, ""));
    Parts {
        epoch,
        upstream,
        revision,
    }
}

/// The weight of one character of a non-digit run; `None` is the end of the run.
fn weight(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// Compares two upstream versions or two revisions (dpkg's `verrevcmp`).
pub(crate) fn compare_part(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    while !a.is_empty() || !b.is_empty() {
        // The non-digit runs, one byte at a time.
        loop {
            let ca = a.first().copied().filter(|c| !c.is_ascii_digit());
            let cb = b.first().copied().filter(|c| !c.is_ascii_digit());
            if ca.is_none() && cb.is_none() {
                break;
            }
            let order = weight(ca).cmp(&weight(cb));
            if order != Ordering::Equal {
                return order;
            }
            // Equal weights of two present bytes: the same byte, so both advance.
            a = a.get(1..).unwrap_or_default();
            b = b.get(1..).unwrap_or_default();
        }
        let (da, ra) = digit_bytes(a);
        let (db, rb) = digit_bytes(b);
        let order = Num::from_bytes(da).cmp(&Num::from_bytes(db));
        if order != Ordering::Equal {
            return order;
        }
        (a, b) = (ra, rb);
    }
    Ordering::Equal
}

fn upstream_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~' | '-' | ':')
}

fn revision_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~')
}

impl VersionScheme for Dpkg {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        let (a, b) = (parts(a), parts(b));
        a.epoch
            .cmp(&b.epoch)
            .then_with(|| compare_part(a.upstream, b.upstream))
            .then_with(|| compare_part(a.revision, b.revision))
    }

    /// What dpkg accepts without error or warning: an epoch that fits a signed 32-bit
    /// integer, an upstream version that starts with a digit, and only the characters
    /// Policy allows in each part.
    fn is_valid(&self, v: &str) -> bool {
        if v.is_empty() || v.trim() != v {
            return false;
        }
        let rest = match v.split_once(':') {
            Some((e, rest)) => {
                if !all_digits(e) || e.parse::<i32>().is_err() {
                    return false;
                }
                rest
            }
            None => v,
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) => (u, Some(r)),
            None => (rest, None),
        };
        upstream.starts_with(|c: char| c.is_ascii_digit())
            && upstream.chars().all(upstream_char)
            && revision.is_none_or(|r| !r.is_empty() && r.chars().all(revision_char))
    }
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering;
    use std::process::Command;

    use super::Dpkg;
    use crate::VersionScheme;
    use crate::testutil::{
        adjacent_pairs, assert_agrees, check_garbage, check_order_laws, check_table, read_testdata,
    };

    /// Hand-picked edge cases of Policy §5.6.12; the real versions come from the shared data.
    const TABLE: &[&str] = &[
        "1.0~rc1 < 1.0 < 1.0-1 < 1.0-1+deb12u1 < 1.0.1",
        "1:0.9 > 2.0",
        "0:1.0 = 1.0 = 1.0-0 = 01.0",
        "1.0~~ < 1.0~~a < 1.0~ < 1.0",
        "1.0 < 1.0a < 1.0+ < 1.0.",
        "1.0a < 1.0b < 1.0z < 1.0+",
        "1.0-1 < 1.0-1.1 < 1.0-2 < 1.0-10",
        "2.36.1-8 < 2.36.1-8+deb11u1 < 2.36.1-8+deb11u2 < 2.36.1-9",
        "2.36.1-8+deb11u1 > 2.36.1-8+b1",
        "1.2.3-1~deb11u1 < 1.2.3-1 < 1.2.3-1+b1",
        "102.9.0esr-1~deb11u1 < 102.9.0esr-1 < 102.10.0esr-1~deb11u1",
        "1:102.9.0-1~deb11u1 > 102.10.0-1",
        "4.14.5+94-ge49571868d-1 > 4.14.5+86-g1e1c8e7b14-1",
        "5.2.15-2+b13 > 5.2.15-2+b2",
        "12.4+deb12u15 > 12.4+deb12u9 > 12.4",
        "1.2.3 < 1.2.10 < 1.10",
        "9.18.0 < 10.0",
        "99999999999999999999999 < 100000000000000000000000",
        "2:1.20.11-1+deb11u6 > 2:1.20.11-1+deb11u5",
        "0.2.0-3+deb11u1 < 0.2.0-3+deb11u1.1",
        "7.74.0-1.3+deb11u7 < 7.74.0-1.3+deb11u10",
        "1.0-a < 1.0-b",
        "a < b",
    ];

    #[test]
    fn table() {
        check_table(&Dpkg, TABLE);
    }

    #[test]
    fn validity() {
        for v in [
            "1.0",
            "1:2.3-4",
            "2.36.1-8+deb11u1",
            "1.0~rc1",
            "0:1",
            "1.0-1-1",
        ] {
            assert!(Dpkg.is_valid(v), "{v}");
        }
        for v in [
            "",
            " 1.0",
            "a1.0",
            "x:1.0",
            ":1.0",
            "1.0-",
            "1.0_1",
            "99999999999:1",
        ] {
            assert!(!Dpkg.is_valid(v), "{v}");
        }
    }

    #[test]
    fn order_laws() {
        let list: Vec<&str> = TABLE.iter().flat_map(|l| l.split_whitespace()).collect();
        let list: Vec<&str> = list.into_iter().filter(|w| w.len() > 1).collect();
        check_order_laws(&Dpkg, &list);
        check_garbage(&Dpkg, &["1.0", "1:1", "1.0~", "~"]);
    }

    /// Real Debian versions: the fixed versions of the Debian security advisories (DSA list,
    /// 2023 snapshot) and the installed packages of the `debian-rich` test image.
    fn real_versions() -> Vec<String> {
        let mut out = Vec::new();
        let dsa = read_testdata("vulndata/debian-security-tracker-2023/data/DSA/list");
        for line in dsa
            .lines()
            .filter(|l| l.starts_with("\t[") && l.contains(" - "))
        {
            if let Some(v) = line.split_whitespace().last() {
                out.push(v.to_string());
            }
        }
        assert!(out.len() > 5000, "too few DSA versions: {}", out.len());
        let images = std::env::var_os("BULWARK_TEST_IMAGES").map_or_else(
            || {
                let home = std::env::var_os("HOME").unwrap_or_default();
                std::path::PathBuf::from(home).join(".cache/bulwark-test-images")
            },
            std::path::PathBuf::from,
        );
        let tsv = images.join("debian-rich.truth/dpkg.tsv");
        let tsv = std::fs::read_to_string(&tsv).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}\nhint: build the test images with \
                 ../shared/tools/build-test-images.sh (scripts/test.sh does)",
                tsv.display()
            )
        });
        for line in tsv.lines() {
            let cols: Vec<&str> = line.split('\t').collect();
            out.extend(
                [cols.get(1), cols.get(3)]
                    .into_iter()
                    .flatten()
                    .map(|s| s.to_string()),
            );
        }
        out.retain(|v| Dpkg.is_valid(v));
        out.extend(
            TABLE
                .iter()
                .flat_map(|l| l.split_whitespace())
                .filter(|w| w.len() > 1)
                .map(String::from),
        );
        out
    }

    fn dpkg_says(a: &str, op: &str, b: &str) -> bool {
        let status = Command::new("dpkg")
            .args(["--compare-versions", a, op, b])
            .status()
            .unwrap_or_else(|e| {
                panic!("cannot run dpkg: {e}\nhint: this test needs dpkg (apt-get install dpkg)")
            });
        match status.code() {
            Some(0) => true,
            Some(1) => false,
            other => panic!("dpkg --compare-versions {a} {op} {b} failed: {other:?}"),
        }
    }

    /// Our order agrees with `dpkg --compare-versions` on every adjacent pair of the sorted
    /// real versions, hence on every pair.
    #[test]
    fn agrees_with_dpkg_on_real_versions() {
        let pairs = adjacent_pairs(&Dpkg, real_versions());
        let chunks: Vec<&[(String, String, Ordering)]> =
            pairs.chunks(pairs.len() / 2 + 1).collect();
        let answers: Vec<Ordering> = std::thread::scope(|s| {
            let handles: Vec<_> = chunks
                .iter()
                .map(|chunk| {
                    s.spawn(move || {
                        chunk
                            .iter()
                            .map(|(a, b, ours)| {
                                // Ask only what would confirm our answer; ask more when it fails.
                                let op = if *ours == Ordering::Equal { "eq" } else { "lt" };
                                if dpkg_says(a, op, b) {
                                    *ours
                                } else if dpkg_says(a, "lt", b) {
                                    Ordering::Less
                                } else if dpkg_says(a, "eq", b) {
                                    Ordering::Equal
                                } else {
                                    Ordering::Greater
                                }
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        assert!(pairs.len() > 5000);
        assert_agrees("dpkg", &pairs, &answers);
    }
}
