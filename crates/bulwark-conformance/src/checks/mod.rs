//! The checks, one file per area of the specification, and the [`Suite`] that runs them
//! and records their outcomes.

mod delete;
mod expect;
mod ops;
mod pull;
mod pull_missing;
mod push_blobs;
mod push_chunked;
mod push_manifests;
mod referrers;
mod seed;
mod tags;

use crate::content::Content;
use crate::http::{Client, ClientError};
use crate::report::{Category, Check, Outcome, Report};
use crate::target::Target;

/// Why a check did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stop {
    Fail(String),
    Skip(String),
}

impl From<ClientError> for Stop {
    fn from(error: ClientError) -> Self {
        Self::Fail(error.to_string())
    }
}

/// What a check function returns.
pub(crate) type Verdict = Result<(), Stop>;

/// Fails the check with a formatted message unless `$cond` holds.
macro_rules! ensure {
    ($cond:expr, $($message:tt)+) => {
        if !$cond {
            return Err($crate::checks::Stop::Fail(format!($($message)+)));
        }
    };
}
pub(crate) use ensure;

/// The state of one run.
pub(crate) struct Suite<'t> {
    pub target: &'t Target,
    pub client: Client,
    pub content: Content,
    checks: Vec<Check>,
}

impl<'t> Suite<'t> {
    fn new(target: &'t Target) -> Self {
        Self {
            target,
            client: Client::new(target),
            content: Content::new(),
            checks: Vec::new(),
        }
    }

    /// Runs one check and records its outcome.
    pub(crate) fn check(
        &mut self,
        category: Category,
        name: &'static str,
        requirement: &str,
        run: impl FnOnce(&Self) -> Verdict,
    ) {
        let outcome = match run(self) {
            Ok(()) => Outcome::Pass,
            Err(Stop::Fail(reason)) => Outcome::Fail(reason),
            Err(Stop::Skip(reason)) => Outcome::Skip(reason),
        };
        tracing::debug!(%category, name, ?outcome, "conformance check");
        self.checks.push(Check {
            category,
            name,
            requirement: requirement.to_owned(),
            outcome,
        });
    }

    /// `<base>/v2/<repo>/<rest>` in the target repository.
    pub(crate) fn repo_url(&self, rest: &str) -> String {
        self.url_in(&self.target.repo, rest)
    }

    /// `<base>/v2/<repo>/<rest>` in `repo`.
    pub(crate) fn url_in(&self, repo: &str, rest: &str) -> String {
        self.client.url(&format!("/v2/{repo}/{rest}"))
    }

    /// A repository name no run ever writes to.
    pub(crate) fn missing_repo(&self) -> String {
        format!("{}/missing-{}", self.target.repo, self.content.run_id())
    }

    fn into_report(mut self) -> Report {
        // Stable: within a category, checks keep the order they ran in.
        self.checks.sort_by_key(|check| check.category);
        Report {
            checks: self.checks,
        }
    }
}

/// Runs every check against `target`.
pub(crate) fn run(target: &Target) -> Report {
    let mut suite = Suite::new(target);
    pull::api_version(&mut suite);
    let seed = seed::push(&suite);
    push_blobs::run(&mut suite);
    push_chunked::run(&mut suite);
    push_manifests::run(&mut suite, seed.as_ref());
    pull::run(&mut suite, seed.as_ref());
    pull_missing::run(&mut suite);
    tags::run(&mut suite, seed.as_ref());
    referrers::run(&mut suite, seed.as_ref());
    delete::run(&mut suite);
    suite.into_report()
}
