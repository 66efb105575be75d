//! Ignore files: YAML lists of findings a team has decided to accept.
//!
//! ```yaml
//! ignore:
//!   - id: CVE-2021-31542          # the finding id or any of its aliases
//!     package: Django              # optional: package name (case-insensitive)
//!     purl: pkg:pypi/django@3.2    # optional: purl prefix, cut at component boundaries
//!     reason: "not exposed: we do not use FileField uploads"
//!     expires: 2027-01-31          # optional: the last day the rule applies
//! ```

use std::path::{Path, PathBuf};

use bulwark_types::{Finding, Suppression};
use serde::{Deserialize, Deserializer};

use super::{ExpiredRule, SuppressError, purl};

/// A parsed ignore file.
#[derive(Debug, Clone)]
pub struct IgnoreFile {
    pub path: PathBuf,
    pub rules: Vec<IgnoreRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    ignore: Vec<IgnoreRule>,
}

/// One entry of an ignore file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreRule {
    pub id: String,
    #[serde(default)]
    pub package: Option<String>,
    #[serde(default)]
    pub purl: Option<String>,
    pub reason: String,
    #[serde(default, deserialize_with = "date")]
    pub expires: Option<time::Date>,
}

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<time::Date>, D::Error> {
    let s = String::deserialize(d)?;
    parse_date(&s)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("expires: {s:?} is not a YYYY-MM-DD date")))
}

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(s: &str) -> Option<time::Date> {
    let mut parts = s.trim().splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

pub(crate) fn format_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl IgnoreRule {
    /// The rule names this finding (ignoring expiry).
    pub fn matches(&self, f: &Finding) -> bool {
        let id_ok = f.id.eq_ignore_ascii_case(&self.id)
            || f.aliases.iter().any(|a| a.eq_ignore_ascii_case(&self.id));
        let pkg_ok = self
            .package
            .as_ref()
            .is_none_or(|p| p.eq_ignore_ascii_case(&f.package.name));
        let purl_ok = self
            .purl
            .as_ref()
            .is_none_or(|p| purl::prefix_matches(p, &f.package.purl));
        id_ok && pkg_ok && purl_ok
    }

    /// Still in force on `today` (the `expires` day itself included).
    pub fn in_force(&self, today: time::Date) -> bool {
        self.expires.is_none_or(|e| today <= e)
    }
}

impl IgnoreFile {
    pub fn load(path: &Path) -> Result<Self, SuppressError> {
        let text = std::fs::read_to_string(path).map_err(|source| SuppressError::Read {
            kind: "ignore file",
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, SuppressError> {
        let doc: Document = if text.trim().is_empty() {
            Document { ignore: Vec::new() }
        } else {
            serde_norway::from_str(text).map_err(|e| SuppressError::Ignore {
                path: path.to_path_buf(),
                line: e.location().map(|l| l.line()),
                message: without_location(&e.to_string()),
            })?
        };
        Ok(Self {
            path: path.to_path_buf(),
            rules: doc.ignore,
        })
    }

    /// Marks the findings that an in-force rule matches (first rule wins; findings that
    /// are already suppressed are left alone) and returns the expired rules that match.
    pub fn apply(&self, findings: &mut [Finding], today: time::Date) -> Vec<ExpiredRule> {
        let mut expired: Vec<IndexedExpired> = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            for f in findings.iter_mut().filter(|f| rule.matches(f)) {
                match rule.expires {
                    Some(e) if !rule.in_force(today) => {
                        let pkg = format!("{} {}", f.package.name, f.package.version);
                        match expired.iter_mut().find(|x| x.rule_index == i) {
                            Some(x) => x.rule.would_match.push(pkg),
                            None => expired.push(IndexedExpired {
                                rule_index: i,
                                rule: self.expired(rule, e, pkg),
                            }),
                        }
                    }
                    _ => {
                        if f.suppressed.is_none() {
                            f.suppressed = Some(Suppression::Ignored {
                                reason: rule.reason.clone(),
                                expires: rule.expires.map(format_date),
                            });
                        }
                    }
                }
            }
        }
        expired.into_iter().map(|x| x.rule).collect()
    }

    fn expired(&self, rule: &IgnoreRule, on: time::Date, pkg: String) -> ExpiredRule {
        let on = format_date(on);
        ExpiredRule {
            message: format!("ignore rule for {} expired on {on}", rule.id),
            id: rule.id.clone(),
            package: rule.package.clone(),
            purl: rule.purl.clone(),
            expired_on: on,
            file: self.path.display().to_string(),
            would_match: vec![pkg],
        }
    }
}

struct IndexedExpired {
    rule_index: usize,
    rule: ExpiredRule,
}

/// serde_norway appends "at line L column C"; the error names the line itself.
fn without_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg.get(..i).unwrap_or(msg).to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suppress::test_finding as finding;

    fn file(yaml: &str) -> IgnoreFile {
        IgnoreFile::parse(Path::new("ignore.yaml"), yaml).unwrap()
    }

    fn day(s: &str) -> time::Date {
        parse_date(s).unwrap()
    }

    #[test]
    fn expiry_day_itself_still_applies() {
        let f = file("ignore:\n  - id: CVE-1\n    reason: accepted\n    expires: 2026-01-31\n");
        for (today, applies) in [
            ("2026-01-30", true),
            ("2026-01-31", true),
            ("2026-02-01", false),
        ] {
            let mut fs = vec![finding("CVE-1", "openssl", "1.0")];
            let expired = f.apply(&mut fs, day(today));
            assert_eq!(fs[0].suppressed.is_some(), applies, "{today}");
            assert_eq!(expired.len(), usize::from(!applies), "{today}");
        }
        let mut fs = vec![
            finding("CVE-1", "openssl", "1.0"),
            finding("CVE-1", "libssl", "1.0"),
        ];
        let expired = f.apply(&mut fs, day("2026-02-01"));
        assert_eq!(expired.len(), 1, "one entry per rule");
        assert_eq!(
            expired[0].message,
            "ignore rule for CVE-1 expired on 2026-01-31"
        );
        assert_eq!(expired[0].would_match, ["openssl 1.0", "libssl 1.0"]);
        assert!(fs.iter().all(|f| f.suppressed.is_none()));
    }

    #[test]
    fn matches_aliases_names_and_purl_prefixes() {
        let f = file(
            "ignore:\n  - id: ghsa-xxxx\n    reason: r\n  - id: CVE-2\n    package: LIBSSL\n    reason: r2\n  - id: CVE-3\n    purl: pkg:pypi/django@3.2\n    reason: r3\n",
        );
        let mut aliased = finding("CVE-1", "openssl", "1.0");
        aliased.aliases = vec!["GHSA-xxxx".into()];
        let mut django = finding("CVE-3", "Django", "3.2.1");
        django.package.purl = "pkg:pypi/django@3.2.1".into();
        let mut django4 = finding("CVE-3", "Django", "4.0");
        django4.package.purl = "pkg:pypi/django@4.0".into();
        let mut fs = vec![
            aliased,
            finding("CVE-2", "libssl", "1.0"),
            finding("CVE-2", "libcrypto", "1.0"),
            django,
            django4,
        ];
        assert!(f.apply(&mut fs, day("2026-01-01")).is_empty());
        let got: Vec<bool> = fs.iter().map(|f| f.suppressed.is_some()).collect();
        assert_eq!(got, [true, true, false, true, false]);
        assert_eq!(
            fs[1].suppressed,
            Some(Suppression::Ignored {
                reason: "r2".into(),
                expires: None
            })
        );
    }

    #[test]
    fn malformed_files_name_the_file_and_line() {
        let err = IgnoreFile::parse(
            Path::new("/x/.bulwarkignore.yaml"),
            "ignore:\n  - id: CVE-1\n    reason: ok\n  - id: CVE-2\n    reasn: typo\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("/x/.bulwarkignore.yaml at line 5"), "{err}");
        assert!(err.contains("reasn"), "{err}");

        let err = IgnoreFile::parse(
            Path::new("i.yaml"),
            "ignore:\n  - id: CVE-1\n    reason: ok\n    expires: 2026-02-30\n",
        )
        .unwrap_err()
        .to_string();
        // A bad value is reported at the line its rule starts on.
        assert!(err.contains("i.yaml at line 2"), "{err}");
        assert!(err.contains("2026-02-30"), "{err}");

        let err = IgnoreFile::parse(Path::new("i.yaml"), "ignore:\n  - id: [\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("i.yaml at line"), "{err}");
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(format_date(day("2027-01-31")), "2027-01-31");
        assert!(parse_date("2027-1-31").is_none());
        assert!(parse_date("2027-13-01").is_none());
        assert!(parse_date("tomorrow").is_none());
    }
}
