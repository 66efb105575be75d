//! Alpine version ordering (apk-tools); the rules are documented on [`Apk`].

use std::cmp::{Ordering, Reverse};

use crate::VersionScheme;
use crate::num::{Num, digits, split, take_while};

/// The apk scheme (Alpine, Wolfi, Chainguard).
///
/// Alpine (apk-tools) versions: `number{.number}[letter]{_suffix[number]}[~hash][-rN]`, the
/// Gentoo-derived grammar apk uses.
///
/// A version is read as a sequence of tokens and compared token by token; where the tokens
/// at one position are of different kinds, the kind decides, in this order (lowest first):
///
/// 1. a pre-release suffix `_alpha` < `_beta` < `_pre` < `_rc` (so `1.2_rc1 < 1.2`),
/// 2. the end of the version,
/// 3. the package revision `-rN`,
/// 4. a commit hash `~abc123` (apk v3; hashes compare byte-wise),
/// 5. the number after a suffix,
/// 6. a post-release suffix `_cvs` < `_svn` < `_git` < `_hg` < `_p` (so `1.2_p1 > 1.2`),
/// 7. a letter after the digits (`1.2a`, compared by letter),
/// 8. digits after a letter or after leading zeros,
/// 9. a dot-separated number,
/// 10. text the grammar does not allow, which sorts last, byte-wise among itself (apk
///     also sorts such versions after valid ones).
///
/// Numbers compare by value, except that a dot-separated component with leading zeros
/// sorts before every component without: the zeros count as one token (more zeros sort
/// lower) followed by the number after them, so `1.01 < 1.1`, `1.001 < 1.01` and
/// `1.0 < 1.05` (as apk-tools 2.14 does, which also keeps `6.0_pre1 < 6.0`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Apk;

const PRE: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

/// A dot-separated component: leading zeros, or a number without them.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Component<'a> {
    Zeros(Reverse<usize>),
    Number(Num<'a>),
}

/// One token; the variant order is the order of kinds at one position.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Token<'a> {
    PreSuffix(usize),
    End,
    Revision(Num<'a>),
    Hash(&'a str),
    SuffixNumber(Num<'a>),
    PostSuffix(usize),
    Letter(char),
    Digits(Num<'a>),
    Dotted(Component<'a>),
    Invalid(&'a str),
}

/// What the previous token was, which decides what may follow.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    Number,
    Letter,
    Suffix,
    SuffixNumber,
    Hash,
    Revision,
}

fn tokens(v: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let (first, mut rest) = digits(v);
    if first.is_empty() && !v.is_empty() {
        out.push(Token::Invalid(v));
        return out;
    }
    out.push(Token::Digits(Num::new(first)));
    let mut prev = Prev::Number;
    loop {
        let Some(c) = rest.chars().next() else {
            out.push(Token::End);
            return out;
        };
        let after = split(rest, c.len_utf8()).1;
        let step = match c {
            'a'..='z' if prev == Prev::Number => Some((Token::Letter(c), Prev::Letter, after)),
            '0'..='9' if prev == Prev::Letter => {
                let (d, after) = digits(rest);
                Some((Token::Digits(Num::new(d)), Prev::Number, after))
            }
            '0'..='9' if prev == Prev::Suffix => {
                let (d, after) = digits(rest);
                Some((Token::SuffixNumber(Num::new(d)), Prev::SuffixNumber, after))
            }
            '.' if prev == Prev::Number => {
                let (zeros, after) = take_while(after, |c| c == '0');
                if zeros.is_empty() {
                    let (d, after) = digits(after);
                    Some((
                        Token::Dotted(Component::Number(Num::new(d))),
                        Prev::Number,
                        after,
                    ))
                } else {
                    // Leading zeros: one token for them, then the digits after them.
                    out.push(Token::Dotted(Component::Zeros(Reverse(zeros.len()))));
                    let (d, after) = digits(after);
                    Some((Token::Digits(Num::new(d)), Prev::Number, after))
                }
            }
            '_' if matches!(
                prev,
                Prev::Number | Prev::Letter | Prev::Suffix | Prev::SuffixNumber
            ) =>
            {
                suffix(after)
            }
            '~' if matches!(
                prev,
                Prev::Number | Prev::Letter | Prev::Suffix | Prev::SuffixNumber
            ) =>
            {
                let (hash, after) = take_while(after, |c| c.is_ascii_hexdigit());
                (!hash.is_empty()).then_some((Token::Hash(hash), Prev::Hash, after))
            }
            '-' if after.starts_with('r') => {
                let (d, after) = digits(split(after, 1).1);
                Some((Token::Revision(Num::new(d)), Prev::Revision, after))
            }
            _ => None,
        };
        match step {
            Some((token, p, after)) => {
                out.push(token);
                prev = p;
                rest = after;
            }
            None => {
                out.push(Token::Invalid(rest));
                return out;
            }
        }
    }
}

/// Reads a suffix name after `_`.
fn suffix(s: &str) -> Option<(Token<'_>, Prev, &str)> {
    if let Some((i, name)) = PRE.iter().enumerate().find(|(_, n)| s.starts_with(**n)) {
        return Some((Token::PreSuffix(i), Prev::Suffix, split(s, name.len()).1));
    }
    let (i, name) = POST.iter().enumerate().find(|(_, n)| s.starts_with(**n))?;
    Some((Token::PostSuffix(i), Prev::Suffix, split(s, name.len()).1))
}

impl VersionScheme for Apk {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        tokens(a.trim()).cmp(&tokens(b.trim()))
    }

    fn is_valid(&self, v: &str) -> bool {
        !v.is_empty() && !tokens(v).iter().any(|t| matches!(t, Token::Invalid(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::Apk;
    use crate::VersionScheme;
    use crate::testutil::{
        check_garbage, check_garbage_of, check_order_laws, check_table, read_testdata,
    };

    /// Edge cases of the apk grammar (several after apk-tools' own expectations for
    /// `apk version -t`); real versions come from Alpine's secdb below.
    const TABLE: &[&str] = &[
        "1.2.3_rc1 < 1.2.3 < 1.2.3-r1 < 1.2.3_p1 < 1.2.3a < 1.2.3.1",
        "1.2.3_alpha < 1.2.3_alpha1 < 1.2.3_alpha2 < 1.2.3_beta < 1.2.3_pre < 1.2.3_rc",
        "1.2.3_cvs < 1.2.3_svn < 1.2.3_git < 1.2.3_hg < 1.2.3_p",
        "1.1.1d-r2 < 1.1.1d-r3 < 1.1.1g-r0",
        "1.1.1g-r0 > 1.1.1d-r3",
        "1.0.4-r3 < 1.0.4-r4 < 1.6",
        "1.2 < 1.2.1 < 1.3_alpha < 1.3_alpha2 < 1.3",
        "0.1.0_alpha_pre2 < 0.1.0_alpha < 0.1.0_alpha2",
        "2.3.0b-r1 < 2.3.0b-r2 > 0.12.1",
        "1.0 < 1.0bc",
        "1.06-r6 < 006",
        "2.10.1 > 02.08.01b",
        "1.2.07.8 < 1.2.12.04 < 1.2.12.05",
        "1.01 < 1.1 < 1.10",
        "1.001 < 1.01",
        "3.0.20060720 < 20060720",
        "0.20070118 < 0.20070207_rc1 < 1.0",
        "4.5_p1 < 4.5_p1-r1",
        "1.0_p9-r0 < 1.0_p10-r0",
        "1.0.0_pre20191002222144-r0 < 1.0.0_pre20210530193627-r0",
        "2.0.0_rc3-r1 < 2.0.0 < 20040401",
        "1.0 = 1.0",
        "1.0 < 1.0-r0 < 1.0-r1",
        "1.2.3~abc < 1.2.3~abd < 1.2.3_p1",
        "1.2.3-r1 < 1.2.3~abc",
        "1.2 < 1.2.0",
        "99999999999999999999999 > 9999999999999999999999",
    ];

    #[test]
    fn table() {
        check_table(&Apk, TABLE);
    }

    #[test]
    fn validity() {
        for v in [
            "1.2.3",
            "1.2.3-r0",
            "1.2.3_rc1-r2",
            "1.1.1d-r3",
            "2.3.0b-r1",
            "3.9_pre20060124",
            "1.0~1a2b-r1",
        ] {
            assert!(Apk.is_valid(v), "{v}");
        }
        for v in [
            "",
            "1.0bc",
            "1.2.3-rc1",
            "1.2.3_foo",
            "a1",
            "1.2A",
            "1.2-r1.3",
            "1.0~xyz",
        ] {
            assert!(!Apk.is_valid(v), "{v}");
        }
    }

    /// Every fixed version in Alpine's secdb (v3.2 .. v3.21 and edge, 2024) parses, and a
    /// spread of them obeys the order laws.
    #[test]
    fn real_versions() {
        let mut versions = Vec::new();
        for dir in std::fs::read_dir(
            crate::testutil::testdata().join("vulndata/alpine-secdb-json-2024/alpine"),
        )
        .unwrap()
        {
            let dir = dir.unwrap().path();
            for repo in ["main", "community"] {
                let rel = dir.join(format!("{repo}.json"));
                let Ok(text) = std::fs::read_to_string(&rel) else {
                    continue;
                };
                for piece in text
                    .split("\": [")
                    .map(|p| p.rsplit('"').next().unwrap_or(""))
                {
                    if piece.starts_with(|c: char| c.is_ascii_digit()) {
                        versions.push(piece.to_string());
                    }
                }
            }
        }
        // The same data is also read through read_testdata so a missing folder fails loudly.
        let _ = read_testdata("vulndata/alpine-secdb-json-2024/alpine/v3.18/main.json");
        versions.sort();
        versions.dedup();
        assert!(
            versions.len() > 3000,
            "too few secdb versions: {}",
            versions.len()
        );
        // A handful of secdb entries are not valid apk versions (`1.11-20-r0`, `10.0.11-0`):
        // apk itself would reject them. Everything else must parse.
        let invalid: Vec<&String> = versions.iter().filter(|v| !Apk.is_valid(v)).collect();
        assert!(invalid.len() < 10, "real versions rejected: {invalid:?}");
        for v in &invalid {
            let dash = v.split_once('-').map(|(_, r)| r);
            assert!(
                dash.is_some_and(|r| !r.starts_with('r')),
                "wrongly rejected {v}"
            );
        }
        let spread: Vec<&String> = versions.iter().step_by(versions.len() / 120).collect();
        check_order_laws(&Apk, &spread);
    }

    #[test]
    fn order_laws() {
        let list: Vec<&str> = TABLE.iter().flat_map(|l| l.split_whitespace()).collect();
        let list: Vec<&str> = list.into_iter().filter(|w| w.len() > 1).collect();
        check_order_laws(&Apk, &list);
        check_garbage(&Apk, &["1.0", "1.0_rc1", "1.0-r1", "1.0a", "1.0~ab"]);
        #[rustfmt::skip]
        let pieces = [
            "0", "1", "2", "00", "10", ".", ".", "a", "b", "_rc", "_p", "_alpha", "_pre",
            "_git", "-r", "~", "c0", "_",
        ];
        check_garbage_of(&Apk, &pieces, &["1", "1.0", "1.0_rc1", "1.0-r1"]);
    }
}
