//! What the suite runs against: a registry, the repositories it may write to, credentials
//! and the optional features the registry claims.

use std::fmt;

/// A registry under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// The registry's base URL without `/v2/`, e.g. `http://127.0.0.1:5000`.
    pub base_url: String,
    /// The repository the suite pushes to, pulls from and deletes in, e.g. `conformance/app`.
    pub repo: String,
    /// A second repository, the source of cross-repository blob mounts.
    pub mount_source_repo: String,
    /// How to authenticate.
    pub auth: Auth,
    /// Which optional parts of the specification the registry claims.
    pub features: Features,
}

/// Credentials for the registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// No credentials. A registry that answers with a Bearer challenge still gets the
    /// anonymous Docker token flow.
    Anonymous,
    /// A user name and password. Sent as HTTP basic auth, or, when the registry answers
    /// 401 with a Bearer challenge, exchanged for a token at the challenge's realm.
    Basic {
        /// The user name.
        username: String,
        /// The password; never printed.
        password: String,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Anonymous => f.write_str("Anonymous"),
            Self::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
        }
    }
}

/// Optional behaviour. A check of a feature the registry does not claim is skipped, except
/// deletion: a registry without it must refuse deletes (400 or 405), and that is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Features {
    /// `DELETE /v2/<name>/manifests/<digest>` deletes manifests.
    pub delete_manifests: bool,
    /// `DELETE /v2/<name>/blobs/<digest>` deletes blobs.
    pub delete_blobs: bool,
    /// `DELETE /v2/<name>/manifests/<tag>` deletes tags.
    pub delete_tags: bool,
    /// The referrers API (`GET /v2/<name>/referrers/<digest>`) and the `OCI-Subject`
    /// header on pushes of manifests with a `subject`.
    pub referrers: bool,
    /// Blobs addressed by `sha512:` digests.
    pub sha512: bool,
    /// Cross-repository mounts by digest alone, without `from`.
    pub mount_without_from: bool,
}

impl Features {
    /// Every optional feature on: what a complete v1.1 registry offers.
    pub fn all() -> Self {
        Self {
            delete_manifests: true,
            delete_blobs: true,
            delete_tags: true,
            referrers: true,
            sha512: true,
            mount_without_from: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let auth = Auth::Basic {
            username: "alice".to_owned(),
            password: "s3cret".to_owned(),
        };
        let shown = format!("{auth:?}");
        assert!(shown.contains("alice"));
        assert!(!shown.contains("s3cret"));
    }
}
