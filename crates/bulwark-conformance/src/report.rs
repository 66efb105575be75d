//! The outcome of a run: one [`Check`] per requirement.

use std::fmt;

/// The workflow categories of the specification's conformance section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Fetching manifests and blobs; every registry must support it.
    Pull,
    /// Uploading blobs and manifests.
    Push,
    /// Listing tags and referrers.
    ContentDiscovery,
    /// Deleting tags, manifests and blobs.
    ContentManagement,
}

impl Category {
    /// Every category, in the specification's order.
    pub const ALL: [Self; 4] = [
        Self::Pull,
        Self::Push,
        Self::ContentDiscovery,
        Self::ContentManagement,
    ];

    /// The short lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pull => "pull",
            Self::Push => "push",
            Self::ContentDiscovery => "discovery",
            Self::ContentManagement => "management",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The registry did what the requirement asks.
    Pass,
    /// The registry did not; the text says what it did instead.
    Fail(String),
    /// Not run: the feature is not claimed, or content it needs could not be created.
    Skip(String),
}

/// One requirement of the specification and how the registry fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The workflow category the requirement belongs to.
    pub category: Category,
    /// A stable identifier, unique within a report (e.g. `blob_chunked_upload`).
    pub name: &'static str,
    /// A short paraphrase of the requirement.
    pub requirement: String,
    /// The result.
    pub outcome: Outcome,
}

/// All checks of one run, in the order they ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The checks.
    pub checks: Vec<Check>,
}

impl Report {
    /// The checks that failed.
    pub fn failures(&self) -> Vec<&Check> {
        self.checks
            .iter()
            .filter(|check| matches!(check.outcome, Outcome::Fail(_)))
            .collect()
    }

    /// The check called `name`, if it ran.
    pub fn get(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|check| check.name == name)
    }

    /// The checks of one category.
    pub fn in_category(&self, category: Category) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(move |c| c.category == category)
    }

    /// `passed, failed, skipped` counts.
    pub fn counts(&self) -> (usize, usize, usize) {
        self.checks
            .iter()
            .fold((0, 0, 0), |(p, f, s), check| match check.outcome {
                Outcome::Pass => (p + 1, f, s),
                Outcome::Fail(_) => (p, f + 1, s),
                Outcome::Skip(_) => (p, f, s + 1),
            })
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (label, reason) = match &self.outcome {
            Outcome::Pass => ("PASS", None),
            Outcome::Fail(reason) => ("FAIL", Some(reason)),
            Outcome::Skip(reason) => ("SKIP", Some(reason)),
        };
        write!(
            f,
            "{label} {}/{}: {}",
            self.category, self.name, self.requirement
        )?;
        match reason {
            Some(reason) => write!(f, " -- {}", reason.replace('\n', " ")),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for check in &self.checks {
            writeln!(f, "{check}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &'static str, outcome: Outcome) -> Check {
        Check {
            category: Category::Push,
            name,
            requirement: "blobs can be pushed".to_owned(),
            outcome,
        }
    }

    #[test]
    fn failures_and_counts() {
        let report = Report {
            checks: vec![
                check("a", Outcome::Pass),
                check("b", Outcome::Fail("answered 500".to_owned())),
                check("c", Outcome::Skip("not claimed".to_owned())),
            ],
        };
        assert_eq!(report.counts(), (1, 1, 1));
        let failures: Vec<_> = report.failures().iter().map(|c| c.name).collect();
        assert_eq!(failures, ["b"]);
    }

    #[test]
    fn display_is_one_line_per_check() {
        let report = Report {
            checks: vec![
                check("a", Outcome::Pass),
                check("b", Outcome::Fail("answered\n500".to_owned())),
            ],
        };
        assert_eq!(
            report.to_string(),
            "PASS push/a: blobs can be pushed\n\
             FAIL push/b: blobs can be pushed -- answered 500\n"
        );
    }
}
