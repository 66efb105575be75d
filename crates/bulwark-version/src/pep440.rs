//! PEP 440 ordering (PyPI); the rules are documented on [`Pep440`].

use std::cmp::Ordering;

use crate::VersionScheme;
use crate::num::{Num, digits, split};

/// The PEP 440 scheme (PyPI).
///
/// Python package versions as PEP 440 defines them (the "Version scheme" of the PyPA
/// specifications), with its normalization rules.
///
/// `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, read case-insensitively, with the
/// spellings PEP 440 normalizes: a leading `v`, surrounding whitespace, `-`/`_`/`.` or
/// nothing between parts, `alpha`/`beta`/`c`/`pre`/`preview` for `a`/`b`/`rc`/`rc`/`rc`,
/// `rev`/`r` for `post`, `1.0-1` for `1.0.post1`, and a missing number meaning 0.
///
/// Order: epoch, then the release compared as numbers with trailing zeros ignored
/// (`1.0 == 1.0.0`), then pre-release (a dev release of a final version sorts before its
/// pre-releases: `1.0.dev1 < 1.0a1`), then post-release, then dev-release, then the local
/// label (none sorts first; segments compare numbers above strings).
///
/// Strings that are not PEP 440 versions sort before every valid version, byte-wise among
/// themselves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pep440;

/// A pre-release, or where a version without one sorts.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Pre<'a> {
    /// A dev release of a final version: before every pre-release.
    BeforeAll,
    /// `a` = 0, `b` = 1, `rc` = 2.
    Release(u8, Num<'a>),
    /// No pre-release.
    None,
}

/// One segment of a local version label; numbers sort above strings.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Local<'a> {
    Text(&'a str),
    Number(Num<'a>),
}

/// The comparison key; field order is comparison order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key<'a> {
    epoch: Num<'a>,
    release: Vec<Num<'a>>,
    pre: Pre<'a>,
    /// `None` sorts before any post-release.
    post: Option<Num<'a>>,
    /// `Err(())` (no dev release) sorts after any dev release.
    dev: Result<Num<'a>, ()>,
    local: Option<Vec<Local<'a>>>,
}

fn is_sep(c: char) -> bool {
    matches!(c, '-' | '_' | '.')
}

fn skip_sep(s: &str) -> &str {
    s.strip_prefix(is_sep).unwrap_or(s)
}

/// After a label: an optional separator and an optional number. A separator with no
/// number after it belongs to this label only when nothing but a separator, a `+` or the
/// end follows (so `1.0a.post1` keeps its `.` for `post`, as PEP 440's grammar resolves).
fn label_number(s: &str) -> (Num<'_>, &str) {
    let (d, rest) = digits(s);
    if !d.is_empty() {
        return (Num::new(d), rest);
    }
    if let Some(after) = s.strip_prefix(is_sep) {
        let (d, rest) = digits(after);
        if !d.is_empty() {
            return (Num::new(d), rest);
        }
        if after.is_empty() || after.starts_with('+') || after.starts_with(is_sep) {
            return (Num::ZERO, after);
        }
    }
    (Num::ZERO, s)
}

/// Matches one of `labels` (longest first) after an optional separator.
fn label<'a>(s: &'a str, labels: &[&str]) -> Option<(usize, &'a str)> {
    let t = skip_sep(s);
    labels
        .iter()
        .position(|l| t.starts_with(l))
        .and_then(|i| labels.get(i).map(|l| (i, split(t, l.len()).1)))
}

/// Parses a lowercased, trimmed version.
fn parse(s: &str) -> Option<Key<'_>> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let (first, mut rest) = digits(s);
    let (epoch, first) = match rest.strip_prefix('!') {
        Some(after) if !first.is_empty() => {
            let (f, after) = digits(after);
            rest = after;
            (Num::new(first), f)
        }
        _ => (Num::ZERO, first),
    };
    if first.is_empty() {
        return None;
    }
    let mut release = vec![Num::new(first)];
    while let Some(after) = rest.strip_prefix('.') {
        let (d, after) = digits(after);
        if d.is_empty() {
            break;
        }
        release.push(Num::new(d));
        rest = after;
    }
    while release.last().is_some_and(|n| n.is_zero()) {
        release.pop();
    }

    const PRE: [&str; 8] = ["alpha", "beta", "preview", "pre", "rc", "c", "a", "b"];
    let mut pre = None;
    if let Some((i, after)) = label(rest, &PRE) {
        let kind = match i {
            0 | 6 => 0,
            1 | 7 => 1,
            _ => 2,
        };
        let (n, after) = label_number(after);
        pre = Some((kind, n));
        rest = after;
    }
    let mut post = None;
    if let Some(after) = rest
        .strip_prefix('-')
        .filter(|a| a.starts_with(|c: char| c.is_ascii_digit()))
    {
        let (d, after) = digits(after);
        post = Some(Num::new(d));
        rest = after;
    } else if let Some((_, after)) = label(rest, &["post", "rev", "r"]) {
        let (n, after) = label_number(after);
        post = Some(n);
        rest = after;
    }
    let mut dev = Err(());
    if let Some((_, after)) = label(rest, &["dev"]) {
        let (n, after) = label_number(after);
        dev = Ok(n);
        rest = after;
    }
    let mut local = None;
    if let Some(after) = rest.strip_prefix('+') {
        let mut segments = Vec::new();
        for seg in after.split(is_sep) {
            if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return None;
            }
            segments.push(if seg.bytes().all(|b| b.is_ascii_digit()) {
                Local::Number(Num::new(seg))
            } else {
                Local::Text(seg)
            });
        }
        local = Some(segments);
        rest = "";
    }
    if !rest.is_empty() {
        return None;
    }
    let pre = match pre {
        Some((kind, n)) => Pre::Release(kind, n),
        None if post.is_none() && dev.is_ok() => Pre::BeforeAll,
        None => Pre::None,
    };
    Some(Key {
        epoch,
        release,
        pre,
        post,
        dev,
        local,
    })
}

impl VersionScheme for Pep440 {
    fn name(&self) -> &'static str {
        "pep440"
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        let (la, lb) = (a.trim().to_ascii_lowercase(), b.trim().to_ascii_lowercase());
        match (parse(&la), parse(&lb)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (None, None) => a.cmp(b),
        }
    }

    fn is_valid(&self, v: &str) -> bool {
        parse(&v.trim().to_ascii_lowercase()).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::Pep440;
    use crate::VersionScheme;
    use crate::testutil::{
        adjacent_pairs, assert_agrees, check_garbage, check_order_laws, check_table, ordering_of,
        run_tool, testdata,
    };

    /// PEP 440's own ordering examples and normalization rules; the real versions come from
    /// the PyPA advisory database below.
    const TABLE: &[&str] = &[
        "1.0.dev1 < 1.0a1 < 1.0b1 < 1.0rc1 < 1.0 < 1.0.post1",
        "1.0.dev456 < 1.0a1 < 1.0a2.dev456 < 1.0a12.dev456 < 1.0a12 < 1.0b1.dev456 < 1.0b2 \
         < 1.0b2.post345.dev456 < 1.0b2.post345 < 1.0rc1.dev456 < 1.0rc1 < 1.0 < 1.0+abc.5 \
         < 1.0+abc.7 < 1.0+5 < 1.0.post456.dev34 < 1.0.post456 < 1.0.15 < 1.1.dev1",
        "1!0.1 > 2.0",
        "0!2.0 = 2.0",
        "1.0+local > 1.0",
        "1.0+a < 1.0+a.b < 1.0+a.1 < 1.0+1",
        "1.0+ABC = 1.0+abc = 1.0+abc",
        "1.0+a-b_c = 1.0+a.b.c",
        "1.0 = 1.0.0 = 1 = v1.0 = V1.0",
        "1.0a1 = 1.0alpha1 = 1.0-a1 = 1.0.a.1 = 1.0A1",
        "1.0b2 = 1.0beta2 = 1.0-beta-2",
        "1.0rc3 = 1.0c3 = 1.0pre3 = 1.0preview3 = 1.0-RC3",
        "1.0a = 1.0a0",
        "1.0.post1 = 1.0-1 = 1.0post1 = 1.0-post1 = 1.0_post_1 = 1.0.r1 = 1.0rev1",
        "1.0.post = 1.0.post0 = 1.0-post",
        "1.0.dev = 1.0.dev0 = 1.0-dev",
        "1.0a1-1 = 1.0a1.post1",
        "01.02 = 1.2",
        "1.9 < 1.10 < 1.11",
        "2.0.0 < 10.0.0",
        "1.0.post1 < 1.0.1",
        "1.0a1.post1 < 1.0a2",
        "not-a-version < 0.0.dev0",
        "99999999999999999999999 > 9999999999999999999999",
    ];

    #[test]
    fn table() {
        check_table(&Pep440, TABLE);
    }

    #[test]
    fn validity() {
        for v in [
            "1.0",
            "1!2.0.post1.dev2+abc.5",
            " 1.0 ",
            "v1.0",
            "1.0a.",
            "1.0a..dev",
        ] {
            assert!(Pep440.is_valid(v), "{v}");
        }
        for v in [
            "", "1.0-", "1.0+", "1.0+a..b", "1!", "a1", "1.0.", "1.0 a1", "1.0-1-1", "1.0a1a1",
        ] {
            assert!(!Pep440.is_valid(v), "{v}");
        }
    }

    #[test]
    fn order_laws() {
        let list: Vec<&str> = TABLE.iter().flat_map(|l| l.split_whitespace()).collect();
        let list: Vec<&str> = list.into_iter().filter(|w| w.len() > 1).collect();
        check_order_laws(&Pep440, &list);
        check_garbage(&Pep440, &["1.0", "1.0a1", "1.0.dev0", "1.0+x", "1!0"]);
    }

    /// The affected-version lists of the PyPA advisory database (real PyPI versions), plus
    /// the table above.
    fn real_versions() -> Vec<String> {
        let root = testdata().join("vulndata/pypa-advisory-database/vulns");
        let mut out = Vec::new();
        for dir in std::fs::read_dir(&root).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}\nhint: set BULWARK_TESTDATA",
                root.display()
            )
        }) {
            let dir = dir.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(dir).unwrap() {
                let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
                let mut in_versions = false;
                for line in text.lines() {
                    if line.trim_end() == "  versions:" {
                        in_versions = true;
                    } else if in_versions && line.starts_with("  - ") {
                        out.push(
                            line[4..]
                                .trim()
                                .trim_matches('"')
                                .trim_matches('\'')
                                .to_string(),
                        );
                    } else {
                        in_versions = false;
                    }
                }
            }
        }
        assert!(out.len() > 10_000, "too few PyPI versions: {}", out.len());
        out.extend(
            TABLE
                .iter()
                .flat_map(|l| l.split_whitespace())
                .filter(|w| w.len() > 1)
                .map(String::from),
        );
        out.sort();
        out.dedup();
        out
    }

    /// Runs a Python program over `input`, failing with an install hint when Python or
    /// the `packaging` library is missing.
    fn python(program: &str, input: &str) -> String {
        let hint = "this test needs Python 3 with `packaging` (python3 -m pip install packaging)";
        run_tool("python3", &["-c", program], input, hint)
    }

    /// Our parser accepts exactly what `packaging.version.Version` accepts, and our order
    /// agrees with it on every adjacent pair of the sorted real versions, hence on every pair.
    #[test]
    fn agrees_with_packaging() {
        let versions = real_versions();
        let validity = python(
            "import sys\nfrom packaging.version import Version, InvalidVersion\n\
             for line in sys.stdin.read().split('\\n')[:-1]:\n\
             \x20   try:\n\
             \x20       Version(line); print('1')\n\
             \x20   except InvalidVersion:\n\
             \x20       print('0')\n",
            &versions
                .iter()
                .map(|v| format!("{v}\n"))
                .collect::<String>(),
        );
        let theirs: Vec<bool> = validity.lines().map(|l| l == "1").collect();
        assert_eq!(theirs.len(), versions.len());
        let disagree: Vec<String> = versions
            .iter()
            .zip(&theirs)
            .filter(|(v, t)| Pep440.is_valid(v) != **t)
            .map(|(v, t)| format!("{v:?}: packaging valid={t}"))
            .collect();
        assert!(
            disagree.is_empty(),
            "validity differs:\n{}",
            disagree.join("\n")
        );

        let valid: Vec<String> = versions
            .into_iter()
            .zip(theirs)
            .filter(|(_, t)| *t)
            .map(|(v, _)| v)
            .collect();
        let pairs = adjacent_pairs(&Pep440, valid);
        let answers = python(
            "import sys\nfrom packaging.version import Version\n\
             for line in sys.stdin.read().split('\\n')[:-1]:\n\
             \x20   a, b = (Version(x) for x in line.split('\\t'))\n\
             \x20   print((a > b) - (a < b))\n",
            &pairs
                .iter()
                .map(|(a, b, _)| format!("{a}\t{b}\n"))
                .collect::<String>(),
        );
        let answers: Vec<_> = answers.lines().map(ordering_of).collect();
        assert!(pairs.len() > 5000, "{}", pairs.len());
        assert_agrees("packaging", &pairs, &answers);
    }
}
