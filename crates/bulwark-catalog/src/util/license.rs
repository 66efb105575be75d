//! Turning licences as packages declare them into SPDX expressions.
//!
//! Packages write licences every which way: SPDX ids (`MIT`), ids in the wrong case (`mit`),
//! full names (`Apache License 2.0`), PyPI trove classifiers (`BSD License`), Fedora's old
//! short names (`GPLv2+`, `ASL 2.0`), Debian's (`GPL-2+`, `Expat`), and expressions of
//! those joined by `and`/`or`. [`to_spdx`] maps what it can recognise without guessing and
//! returns anything else as written, trimmed.

use spdx::LicenseId;

/// The SPDX form of `raw`: an id or an expression where every term is recognised, else
/// `raw` trimmed. Operators come out upper case (`GPLv2+ and MIT` becomes
/// `GPL-2.0-or-later AND MIT`); deprecated GNU ids get their `-only` suffix.
pub(crate) fn to_spdx(raw: &str) -> String {
    let raw = raw.trim();
    if let Some(id) = term(raw) {
        return id;
    }
    expression(raw).unwrap_or_else(|| raw.to_string())
}

/// Maps each licence of a list, dropping empty entries and duplicates, keeping order.
pub(crate) fn to_spdx_all<I, S>(raw: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out: Vec<String> = Vec::new();
    for r in raw {
        let l = to_spdx(r.as_ref());
        if !l.is_empty() && !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

/// An expression whose operands are all recognisable terms, operators normalised.
fn expression(raw: &str) -> Option<String> {
    let spaced = raw.replace('(', " ( ").replace(')', " ) ");
    let mut out: Vec<String> = Vec::new();
    let mut words: Vec<&str> = Vec::new();
    let mut after_with = false;
    let mut has_operator = false;
    for w in spaced.split_whitespace() {
        let op = match w.to_ascii_uppercase().as_str() {
            "AND" | "&" => Some("AND"),
            "OR" => Some("OR"),
            "WITH" => Some("WITH"),
            "(" => Some("("),
            ")" => Some(")"),
            _ => None,
        };
        match op {
            Some(op) => {
                if !words.is_empty() {
                    out.push(operand(&words.join(" "), after_with)?);
                    words.clear();
                }
                has_operator |= matches!(op, "AND" | "OR" | "WITH");
                after_with = op == "WITH";
                out.push(op.to_string());
            }
            None => words.push(w),
        }
    }
    if !words.is_empty() {
        out.push(operand(&words.join(" "), after_with)?);
    }
    if !has_operator {
        return None;
    }
    let joined = out.join(" ").replace("( ", "(").replace(" )", ")");
    // Reject what SPDX itself cannot parse (dangling operators, unbalanced parentheses).
    spdx::Expression::parse_mode(&joined, spdx::ParseMode::LAX).ok()?;
    Some(joined)
}

fn operand(words: &str, exception: bool) -> Option<String> {
    if exception {
        spdx::exception_id(words).map(|e| e.name.to_string())
    } else {
        term(words)
    }
}

/// One licence, not an expression.
fn term(t: &str) -> Option<String> {
    let t = t.trim();
    if t.is_empty() || t.len() > 200 {
        return None;
    }
    if let Some(base) = t.strip_suffix('+') {
        return lookup(base.trim_end()).map(or_later).or_else(|| gnu(t));
    }
    if let Some(id) = lookup(t) {
        return Some(canonical(id));
    }
    gnu(t)
}

/// Finds the licence `t` names, as an id, full name, alias or whole imprecise name.
fn lookup(t: &str) -> Option<LicenseId> {
    if let Some(id) = spdx::license_id(t).filter(|_| !t.ends_with('+')) {
        return Some(id);
    }
    let licenses = spdx::identifiers::LICENSES;
    if let Some(l) = licenses.iter().find(|l| l.name.eq_ignore_ascii_case(t)) {
        return spdx::license_id(l.name);
    }
    let stripped = strip_noise(t);
    if let Some(alias) = ALIASES
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(stripped))
    {
        return spdx::license_id(alias.1);
    }
    if let Some(l) = licenses
        .iter()
        .find(|l| !l.name.ends_with('+') && strip_noise(l.full_name).eq_ignore_ascii_case(stripped))
    {
        return spdx::license_id(l.name);
    }
    let lower = stripped.to_ascii_lowercase();
    if AMBIGUOUS.contains(&lower.as_str()) {
        return None;
    }
    match spdx::imprecise_license_id(stripped) {
        Some((id, len)) if len == stripped.len() => Some(id),
        _ => None,
    }
}

/// Drops a leading `The ` and a trailing `License`/`Licence`, which vary freely.
fn strip_noise(t: &str) -> &str {
    let t = t.trim();
    let t = strip_prefix_ci(t, "the ").unwrap_or(t);
    let t = strip_suffix_ci(t, " license")
        .or_else(|| strip_suffix_ci(t, " licence"))
        .unwrap_or(t);
    t.trim()
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let at = s.len().checked_sub(suffix.len())?;
    let tail = s.get(at..)?;
    tail.eq_ignore_ascii_case(suffix)
        .then(|| s.get(..at))
        .flatten()
}

/// Deprecated GNU ids (`GPL-2.0`) become `-only`; `GPL-2.0+` becomes `-or-later`.
fn canonical(id: LicenseId) -> String {
    if id.name.ends_with('+') {
        return or_later(id);
    }
    if id.is_gnu() && !id.name.ends_with("-only") && !id.name.ends_with("-or-later") {
        let only = format!("{}-only", id.name);
        if spdx::license_id(&only).is_some() {
            return only;
        }
    }
    id.name.to_string()
}

fn or_later(id: LicenseId) -> String {
    let base = id.name.trim_end_matches('+');
    if id.is_gnu() {
        let base = base.trim_end_matches("-only").trim_end_matches("-or-later");
        let later = format!("{base}-or-later");
        if spdx::license_id(&later).is_some() {
            return later;
        }
    }
    format!("{base}+")
}

/// GNU family names in the shapes Fedora and Debian write them: `GPLv2`, `LGPL-2.1`, `GPL-3`,
/// `GPL v3`. Bare `GPL` has no version and stays unmapped.
fn gnu(t: &str) -> Option<String> {
    let upper = t.to_ascii_uppercase();
    let family = ["LGPL", "AGPL", "GFDL", "GPL"]
        .into_iter()
        .find(|f| upper.starts_with(f))?;
    let rest = upper
        .get(family.len()..)?
        .trim_start_matches([' ', '-', 'V']);
    let (version, later) = match rest.strip_suffix('+') {
        Some(v) => (v, true),
        None => (rest, false),
    };
    let version = match version {
        "1" | "2" | "3" => format!("{version}.0"),
        "1.0" | "1.1" | "1.2" | "1.3" | "2.0" | "2.1" | "3.0" => version.to_string(),
        _ => return None,
    };
    let id = format!(
        "{family}-{version}-{}",
        if later { "or-later" } else { "only" }
    );
    spdx::license_id(&id).map(|l| l.name.to_string())
}

/// Names that say too little to pick one SPDX licence (which BSD? which GPL version?).
const AMBIGUOUS: &[&str] = &[
    "bsd",
    "gpl",
    "lgpl",
    "agpl",
    "mpl",
    "gnu gpl v2",
    "gnu gpl v3",
];

/// Common names that are neither SPDX ids nor SPDX full names. Matched case-insensitively
/// after [`strip_noise`].
const ALIASES: &[(&str, &str)] = &[
    // PyPI trove classifiers (`License :: OSI Approved :: <name>`).
    ("Apache Software", "Apache-2.0"),
    ("Python Software Foundation", "PSF-2.0"),
    ("Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0"),
    ("Mozilla Public License 1.1 (MPL 1.1)", "MPL-1.1"),
    ("ISC License (ISCL)", "ISC"),
    ("ISCL", "ISC"),
    ("The Unlicense (Unlicense)", "Unlicense"),
    ("zlib/libpng", "Zlib"),
    ("GNU General Public License v2 (GPLv2)", "GPL-2.0-only"),
    (
        "GNU General Public License v2 or later (GPLv2+)",
        "GPL-2.0-or-later",
    ),
    ("GNU General Public License v3 (GPLv3)", "GPL-3.0-only"),
    (
        "GNU General Public License v3 or later (GPLv3+)",
        "GPL-3.0-or-later",
    ),
    (
        "GNU Lesser General Public License v2 (LGPLv2)",
        "LGPL-2.0-only",
    ),
    (
        "GNU Lesser General Public License v2 or later (LGPLv2+)",
        "LGPL-2.0-or-later",
    ),
    (
        "GNU Lesser General Public License v3 (LGPLv3)",
        "LGPL-3.0-only",
    ),
    (
        "GNU Lesser General Public License v3 or later (LGPLv3+)",
        "LGPL-3.0-or-later",
    ),
    ("GNU Affero General Public License v3", "AGPL-3.0-only"),
    (
        "GNU Affero General Public License v3 or later (AGPLv3+)",
        "AGPL-3.0-or-later",
    ),
    ("Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0"),
    ("Universal Permissive License (UPL)", "UPL-1.0"),
    ("Boost Software License 1.0 (BSL-1.0)", "BSL-1.0"),
    // Fedora's old short names and other common spellings.
    ("ASL 2.0", "Apache-2.0"),
    ("ASL-2.0", "Apache-2.0"),
    ("Apache 2", "Apache-2.0"),
    ("Apache 2.0", "Apache-2.0"),
    ("Apache-2", "Apache-2.0"),
    ("Apache2", "Apache-2.0"),
    ("Apache License, Version 2.0", "Apache-2.0"),
    ("Apache, Version 2.0", "Apache-2.0"),
    ("Apache Software License 2.0", "Apache-2.0"),
    ("MIT/X11", "MIT"),
    ("Expat", "MIT"),
    ("MIT-style", "MIT"),
    ("new BSD", "BSD-3-Clause"),
    ("BSD 3-Clause", "BSD-3-Clause"),
    ("3-Clause BSD", "BSD-3-Clause"),
    ("BSD-3", "BSD-3-Clause"),
    ("modified BSD", "BSD-3-Clause"),
    ("revised BSD", "BSD-3-Clause"),
    ("simplified BSD", "BSD-2-Clause"),
    ("BSD 2-Clause", "BSD-2-Clause"),
    ("2-Clause BSD", "BSD-2-Clause"),
    ("BSD-2", "BSD-2-Clause"),
    ("FreeBSD", "BSD-2-Clause"),
    ("MPLv2.0", "MPL-2.0"),
    ("MPL 2.0", "MPL-2.0"),
    ("MPLv1.1", "MPL-1.1"),
    ("EPL 2.0", "EPL-2.0"),
    ("PSF", "PSF-2.0"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_names_and_aliases() {
        let cases = [
            ("MIT", "MIT"),
            ("mit", "MIT"),
            (" Apache-2.0 ", "Apache-2.0"),
            ("MIT License", "MIT"),
            ("The MIT License", "MIT"),
            ("Apache License 2.0", "Apache-2.0"),
            ("Apache License, Version 2.0", "Apache-2.0"),
            ("Apache Software License", "Apache-2.0"),
            (
                "BSD 3-Clause \"New\" or \"Revised\" License",
                "BSD-3-Clause",
            ),
            ("bsd-3-clause", "BSD-3-Clause"),
            ("Python Software Foundation License", "PSF-2.0"),
            ("ISC License (ISCL)", "ISC"),
            ("GPL-2.0", "GPL-2.0-only"),
            ("GPL-2.0+", "GPL-2.0-or-later"),
            ("GPLv2+", "GPL-2.0-or-later"),
            ("GPLv3", "GPL-3.0-only"),
            ("GPL-2", "GPL-2.0-only"),
            ("LGPL-2.1+", "LGPL-2.1-or-later"),
            ("LGPLv2+", "LGPL-2.0-or-later"),
            ("ASL 2.0", "Apache-2.0"),
            ("Expat", "MIT"),
            ("apache2", "Apache-2.0"),
            ("Apache-2.0+", "Apache-2.0+"),
        ];
        for (raw, want) in cases {
            assert_eq!(to_spdx(raw), want, "{raw}");
        }
    }

    #[test]
    fn expressions() {
        assert_eq!(to_spdx("GPLv2+ and MIT"), "GPL-2.0-or-later AND MIT");
        assert_eq!(to_spdx("MIT OR Apache-2.0"), "MIT OR Apache-2.0");
        assert_eq!(
            to_spdx("(MIT or GPL-3) and BSD-2-Clause"),
            "(MIT OR GPL-3.0-only) AND BSD-2-Clause"
        );
        assert_eq!(
            to_spdx("GPL-2.0-or-later WITH Classpath-exception-2.0"),
            "GPL-2.0-or-later WITH Classpath-exception-2.0"
        );
    }

    #[test]
    fn unknown_or_ambiguous_stays_as_written() {
        for raw in [
            "BSD",
            "GPL",
            "Public Domain",
            "Proprietary",
            "MIT and Whatever",
            "MIT AND",
            "LGPL",
        ] {
            assert_eq!(to_spdx(raw), raw);
        }
        assert_eq!(to_spdx("  "), "");
        assert_eq!(to_spdx_all(["MIT", "", "mit", "BSD"]), vec!["MIT", "BSD"]);
    }
}
