//! RPM version ordering (rpmvercmp); the rules are documented on [`Rpm`].

use std::cmp::Ordering;

use crate::VersionScheme;
use crate::num::{Num, all_digits, digit_bytes};

/// The rpm scheme (RHEL, Rocky, Alma, Fedora, SUSE, Mariner, ...).
///
/// RPM versions, `[epoch:]version[-release]`, ordered as rpm's `rpmvercmp` and EVR
/// comparison do.
///
/// The epoch (digits before the first `:`; missing is 0) compares as a number, then the
/// version, then the release. Each of those is read as a sequence of tokens, skipping every
/// character that is not an ASCII letter, digit, `~` or `^`: a run of digits (compared as
/// a number), a run of letters (compared byte-wise), `~` or `^`. Sequences compare token
/// by token, where at one position `~` < end < `^` < letters < digits. So `1.0~rc1 < 1.0`
/// (tilde: a pre-release), `1.0 < 1.0^git1 < 1.0.1` (caret: a post-release snapshot).
///
/// Deviation: rpm ignores the release when only one side has one; that is not a total
/// order, so here a missing release compares as the empty release (`1.0 < 1.0-1`, which is
/// also what `rpm.vercmp` answers). Every string is accepted; there is no invalid input.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rpm;

/// One token; the variant order is the order at one position.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Token<'a> {
    Tilde,
    End,
    Caret,
    Alpha(&'a [u8]),
    Digits(Num<'a>),
}

/// The tokens of a version or release, ending with one [`Token::End`].
struct Tokens<'a> {
    rest: &'a [u8],
    done: bool,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        if self.done {
            return None;
        }
        let skip = self
            .rest
            .iter()
            .take_while(|b| !b.is_ascii_alphanumeric() && **b != b'~' && **b != b'^')
            .count();
        self.rest = self.rest.get(skip..).unwrap_or_default();
        let Some(&first) = self.rest.first() else {
            self.done = true;
            return Some(Token::End);
        };
        let (token, rest) = match first {
            b'~' => (Token::Tilde, self.rest.get(1..).unwrap_or_default()),
            b'^' => (Token::Caret, self.rest.get(1..).unwrap_or_default()),
            b if b.is_ascii_digit() => {
                let (d, rest) = digit_bytes(self.rest);
                (Token::Digits(Num::from_bytes(d)), rest)
            }
            _ => {
                let n = self
                    .rest
                    .iter()
                    .take_while(|b| b.is_ascii_alphabetic())
                    .count();
                let (alpha, rest) = self.rest.split_at_checked(n).unwrap_or((self.rest, b""));
                (Token::Alpha(alpha), rest)
            }
        };
        self.rest = rest;
        Some(token)
    }
}

fn tokens(s: &str) -> Tokens<'_> {
    Tokens {
        rest: s.as_bytes(),
        done: false,
    }
}

/// Compares two versions or two releases (rpm's `rpmvercmp`).
pub(crate) fn vercmp(a: &str, b: &str) -> Ordering {
    tokens(a).cmp(tokens(b))
}

/// An EVR split into its three parts; release `""` when there is none.
struct Evr<'a> {
    epoch: Num<'a>,
    version: &'a str,
    release: &'a str,
}

fn evr(s: &str) -> Evr<'_> {
    let s = s.trim();
    let (epoch, rest) = match s.split_once(':') {
        Some((e, rest)) if e.is_empty() || all_digits(e) => (Num::new(e), rest),
        _ => (Num::ZERO, s),
    };
    let (version, release) = rest.rsplit_once('-').unwrap_or((rest, ""));
    Evr {
        epoch,
        version,
        release,
    }
}

impl VersionScheme for Rpm {
    fn name(&self) -> &'static str {
        "rpm"
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        let (a, b) = (evr(a), evr(b));
        a.epoch
            .cmp(&b.epoch)
            .then_with(|| vercmp(a.version, b.version))
            .then_with(|| vercmp(a.release, b.release))
    }

    /// What rpm would build: a non-empty version of letters, digits and `._+~^`, an
    /// optional numeric epoch and an optional non-empty release of the same characters.
    fn is_valid(&self, v: &str) -> bool {
        let ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '~' | '^'))
        };
        let rest = match v.split_once(':') {
            Some((e, rest)) if all_digits(e) => rest,
            Some(_) => return false,
            None => v,
        };
        match rest.split_once('-') {
            Some((version, release)) => ok(version) && ok(release),
            None => ok(rest),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::Rpm;
    use crate::VersionScheme;
    use crate::num::all_digits;
    use crate::testutil::{
        adjacent_pairs, assert_agrees, check_garbage, check_order_laws, check_table, ordering_of,
        read_testdata,
    };

    /// Hand-picked edge cases of rpmvercmp; the real versions come from Rocky Linux OVAL.
    const TABLE: &[&str] = &[
        "1.0~rc1 < 1.0 < 1.0^git1 < 1.0.1",
        "1.0^ < 1.0.1",
        "1.0 < 1.0^",
        "1.0~rc1 < 1.0~rc2 < 1.0~rc2^1 < 1.0",
        "1.0~~ < 1.0~ < 1.0",
        "1.0^git1 < 1.0^git2 < 1.0^git2.1",
        "1.0^git1~pre < 1.0^git1",
        "1:0.9 > 2.0",
        "0:1.0 = 1.0",
        ":1.0 = 1.0",
        "1.0 < 1.0-1 < 1.0-2 < 1.0-10",
        "1.0-1.el9 < 1.0-1.el9_1 < 1.0-2.el9",
        "2.9.1-9.el9 < 2.9.1-9.el9_2.1",
        "1.0 < 1.0a < 1.0.1",
        "1.0 = 1_0 = 1..0",
        "1.a < 1.1",
        "1.0010 = 1.10",
        "a < ab < b",
        "2.0.1a < 2.0.1b",
        "5.5p1 < 5.5p2 < 5.5p10",
        "10.37-5.el9_0 < 10.40-2.el9",
        "99999999999999999999 < 100000000000000000000",
        "1:2.06-46.el9_1.3.rocky.0.2 > 1:2.06-46.el9_1.3",
        "0:4.6.5-3.el9 < 1:4.6.5-2.el9",
    ];

    #[test]
    fn table() {
        check_table(&Rpm, TABLE);
    }

    #[test]
    fn validity() {
        for v in ["1.0", "1:2.3-4.el9", "1.0~rc1", "1.0^git1-1.fc38"] {
            assert!(Rpm.is_valid(v), "{v}");
        }
        for v in ["", "x:1.0", "1.0-", "1.0-1-1", "1 0", "-1"] {
            assert!(!Rpm.is_valid(v), "{v}");
        }
    }

    #[test]
    fn order_laws() {
        let list: Vec<&str> = TABLE.iter().flat_map(|l| l.split_whitespace()).collect();
        let list: Vec<&str> = list.into_iter().filter(|w| w.len() > 1).collect();
        check_order_laws(&Rpm, &list);
        check_garbage(&Rpm, &["1.0", "1:1", "1.0~", "1.0^", "~", "^"]);
    }

    /// EVRs of the fixed packages in Rocky Linux 9's OVAL feed, plus the table above.
    fn real_versions() -> Vec<String> {
        let oval = read_testdata("vulndata/rocky-oval/org.rockylinux.rlsa-9.xml");
        let mut out: Vec<String> = oval
            .split("datatype=\"evr_string\"")
            .skip(1)
            .filter_map(|s| s.split_once('>').and_then(|(_, s)| s.split_once('<')))
            .map(|(v, _)| v.to_string())
            .collect();
        assert!(out.len() > 100, "too few OVAL versions: {}", out.len());
        // And every `epoch:version-release` in trivy's Red Hat family advisory fixtures.
        for distro in ["redhat", "almalinux", "rockylinux", "oracle"] {
            let text = read_testdata(&format!(
                "fixtures/trivy/integration/testdata/fixtures/db/{distro}.yaml"
            ));
            let evr = |w: &&str| {
                w.split_once(':').is_some_and(|(e, rest)| {
                    all_digits(e)
                        && rest.starts_with(|c: char| c.is_ascii_digit())
                        && rest.contains('-')
                })
            };
            let words = text.split(|c: char| c.is_whitespace() || c == '"');
            out.extend(words.filter(evr).map(String::from));
        }
        out.extend(
            TABLE
                .iter()
                .flat_map(|l| l.split_whitespace())
                .filter(|w| w.len() > 1)
                .map(String::from),
        );
        out
    }

    /// Our order agrees with rpm's own (`rpm.vercmp` in rpm's embedded Lua) on every adjacent
    /// pair of the sorted versions, hence on every pair.
    #[test]
    fn agrees_with_rpm() {
        let pairs = adjacent_pairs(&Rpm, real_versions());
        let mut script = String::new();
        for (a, b, _) in &pairs {
            script.push_str(&format!(
                "print(rpm.vercmp([==[{a}]==], [==[{b}]==]) .. '\\n')\n"
            ));
        }
        let dir = std::env::temp_dir().join(format!("bulwark-version-rpm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pairs.lua");
        std::fs::write(&file, script).unwrap();
        let out = Command::new("rpm")
            .arg("--eval")
            .arg(format!("%{{lua: dofile([==[{}]==])}}", file.display()))
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run rpm: {e}\nhint: this test needs rpm (apt-get install rpm)")
            });
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            out.status.success(),
            "rpm failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let answers: Vec<_> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(ordering_of)
            .collect();
        assert_agrees("rpm.vercmp", &pairs, &answers);
    }
}
