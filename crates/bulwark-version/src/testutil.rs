//! Test helpers shared by the schemes' tests: order tables, order-law checks, generated
//! garbage, and the plumbing for cross-checks against reference tools.

use std::cmp::Ordering;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::VersionScheme;

/// Checks lines like `"1.0~rc1 < 1.0 = 1.0-0 < 1:0.1"`: each adjacent pair must compare as
/// written, and the reverse comparison must be the reverse.
pub(crate) fn check_table(scheme: &dyn VersionScheme, lines: &[&str]) {
    let mut failures = Vec::new();
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert!(
            words.len() >= 3 && words.len() % 2 == 1,
            "bad table line {line:?}"
        );
        for w in words.windows(3).step_by(2) {
            let (a, op, b) = (w[0], w[1], w[2]);
            let want = match op {
                "<" => Ordering::Less,
                "=" => Ordering::Equal,
                ">" => Ordering::Greater,
                _ => panic!("bad operator {op:?} in {line:?}"),
            };
            let got = scheme.compare(a, b);
            if got != want || scheme.compare(b, a) != want.reverse() {
                failures.push(format!("{a} {op} {b}: got {got:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}: {} wrong:\n{}",
        scheme.name(),
        failures.len(),
        failures.join("\n")
    );
}

/// Checks that `compare` is a total preorder on `versions`: reflexive, antisymmetric and
/// transitive, over every pair and triple.
pub(crate) fn check_order_laws<S: AsRef<str>>(scheme: &dyn VersionScheme, versions: &[S]) {
    let v: Vec<&str> = versions.iter().map(AsRef::as_ref).collect();
    let n = v.len();
    let m: Vec<Vec<Ordering>> = v
        .iter()
        .map(|a| v.iter().map(|b| scheme.compare(a, b)).collect())
        .collect();
    for i in 0..n {
        assert_eq!(
            m[i][i],
            Ordering::Equal,
            "{}: {:?} != itself",
            scheme.name(),
            v[i]
        );
        for j in 0..n {
            assert_eq!(
                m[i][j],
                m[j][i].reverse(),
                "{}: not antisymmetric on {:?} / {:?}",
                scheme.name(),
                v[i],
                v[j]
            );
            if m[i][j] == Ordering::Greater {
                continue;
            }
            for k in 0..n {
                if m[j][k] != Ordering::Greater {
                    assert_ne!(
                        m[i][k],
                        Ordering::Greater,
                        "{}: not transitive: {:?} <= {:?} <= {:?} but first > last",
                        scheme.name(),
                        v[i],
                        v[j],
                        v[k]
                    );
                }
            }
        }
    }
}

/// Pieces version parsers trip on, for [`garbage`].
#[rustfmt::skip]
pub(crate) const PIECES: &[&str] = &[
    "0", "1", "2", "9", "00", "10", "007", "99999999999999999999999", ".", ".", "-", "-", "_",
    "+", "~", "^", ":", "!", "*", "#", "@", "a", "b", "c", "p", "r", "x", "rc", "alpha",
    "beta", "pre", "post", "dev", "sp", "ga", "final", "snapshot", "pl", "patch", "git", "v",
    "V", "go", "RC", "-r", "incompatible", " ", "é", "\u{0}",
];

/// Deterministic pseudo-random strings of up to six `pieces`.
pub(crate) fn garbage(pieces: &[&str], seed: u64, count: usize) -> Vec<String> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = (next() % 7) as usize;
            (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect()
        })
        .collect()
}

/// Runs `compare` and `is_valid` over generated garbage plus `extra`, checking the order
/// laws, so no input can panic or break sorting. `BULWARK_VERSION_SEEDS=N` tries N seeds
/// instead of 6 (for a longer hunt, best with `--release`).
pub(crate) fn check_garbage(scheme: &dyn VersionScheme, extra: &[&str]) {
    check_garbage_of(scheme, PIECES, extra);
}

/// [`check_garbage`] with strings built from `pieces`.
pub(crate) fn check_garbage_of(scheme: &dyn VersionScheme, pieces: &[&str], extra: &[&str]) {
    let seeds: u64 = std::env::var("BULWARK_VERSION_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    for seed in 1..=seeds {
        let mut list = garbage(pieces, seed, 60);
        list.extend(extra.iter().map(|s| s.to_string()));
        for v in &list {
            let _ = scheme.is_valid(v);
        }
        check_order_laws(scheme, &list);
    }
}

/// The shared real test data (`$BULWARK_TESTDATA`, default `../shared/testdata` beside the
/// repository).
pub(crate) fn testdata() -> PathBuf {
    std::env::var_os("BULWARK_TESTDATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"),
        PathBuf::from,
    )
}

/// Reads a file of the shared test data, failing with a hint when it is missing.
pub(crate) fn read_testdata(rel: &str) -> String {
    let path = testdata().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}\nhint: set BULWARK_TESTDATA to the shared test data \
             (scripts/fetch-testdata.sh fetches it)",
            path.display()
        )
    })
}

/// Sorts and deduplicates `versions` with `scheme` and returns the adjacent pairs with our
/// ordering of each. If a reference tool agrees on every adjacent pair of our sorted
/// list, the two orders agree on every pair.
pub(crate) fn adjacent_pairs(
    scheme: &dyn VersionScheme,
    mut versions: Vec<String>,
) -> Vec<(String, String, Ordering)> {
    versions.sort();
    versions.dedup();
    versions.sort_by(|a, b| scheme.compare(a, b));
    versions
        .windows(2)
        .map(|w| (w[0].clone(), w[1].clone(), scheme.compare(&w[0], &w[1])))
        .collect()
}

/// Asserts that the reference's answers match ours, listing every disagreement.
pub(crate) fn assert_agrees(
    tool: &str,
    pairs: &[(String, String, Ordering)],
    reference: &[Ordering],
) {
    assert_eq!(
        pairs.len(),
        reference.len(),
        "{tool} answered a different count"
    );
    let bad: Vec<String> = pairs
        .iter()
        .zip(reference)
        .filter(|((_, _, ours), theirs)| ours != *theirs)
        .map(|((a, b, ours), theirs)| format!("{a} vs {b}: ours {ours:?}, {tool} {theirs:?}"))
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} pairs disagree with {tool}:\n{}",
        bad.len(),
        pairs.len(),
        bad.join("\n")
    );
}

/// Parses `-1`/`0`/`1` (or any negative/positive integer) as an ordering.
pub(crate) fn ordering_of(word: &str) -> Ordering {
    let n: i64 = word
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("not an ordering: {word:?}"));
    n.cmp(&0)
}

/// Drops the Go database's `custom_ranges` (versions outside the ecosystem's scheme, kept
/// for reference only) from an OSV JSON text.
fn without_custom_ranges(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some((head, tail)) = rest.split_once("\"custom_ranges\"") {
        out.push_str(head);
        let mut depth = 0usize;
        let mut end = tail.len();
        for (i, c) in tail.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The `introduced`/`fixed`/`last_affected`/`limit` versions of every OSV JSON file under
/// `rel` (recursively) in the shared test data, without the special `"0"`.
pub(crate) fn osv_event_versions(rel: &str) -> Vec<String> {
    fn walk(dir: &std::path::Path, files: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}\nhint: set BULWARK_TESTDATA",
                dir.display()
            )
        });
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&testdata().join(rel), &mut files);
    let mut out = Vec::new();
    for file in files {
        let text = without_custom_ranges(&std::fs::read_to_string(&file).unwrap());
        for key in [
            "\"introduced\":",
            "\"fixed\":",
            "\"last_affected\":",
            "\"limit\":",
        ] {
            for piece in text.split(key).skip(1) {
                let value = piece
                    .trim_start()
                    .strip_prefix('"')
                    .and_then(|p| p.split_once('"'));
                if let Some((v, _)) = value
                    && v != "0"
                {
                    out.push(v.to_string());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Runs a reference tool with `input` on its standard input and returns its output,
/// failing with `hint` when the tool is missing or fails.
pub(crate) fn run_tool(program: &str, args: &[&str], input: &str, hint: &str) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}\nhint: {hint}"));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{program} failed: {}\nhint: {hint}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
