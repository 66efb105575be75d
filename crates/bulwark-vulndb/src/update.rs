//! Fetching feeds for `bulwark db update`: from the official sources online, or from a
//! mirror (an HTTP(S) base URL or a directory) for air-gapped sites.
//!
//! A mirror holds an index, `bulwark-feeds.json`, and the files it names:
//!
//! ```json
//! {"feeds": [
//!   {"kind": "osv", "path": "osv/PyPI/all.zip", "sha256": "…"},
//!   {"kind": "alpine-secdb", "path": "alpine/v3.20/main.json"}
//! ]}
//! ```
//!
//! Paths are relative, without `..`; a `sha256` given is checked. Files are fetched into
//! a private temp dir, grouped per kind, so the database is only replaced once every
//! feed arrived intact.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// The index file at the root of a mirror.
pub const INDEX: &str = "bulwark-feeds.json";
/// Largest single feed file accepted.
pub const MAX_FEED_BYTES: u64 = 4 << 30;

/// A mirror's index.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedIndex {
    pub feeds: Vec<FeedEntry>,
}

/// One feed file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedEntry {
    /// Importer kind (`osv`, `alpine-secdb`, ...).
    pub kind: String,
    /// Where it lives in the mirror (and in the download dir).
    pub path: String,
    /// Where it lives upstream, for the official list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Expected sha256 (hex), when the mirror records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// Where `db update` gets feeds from.
#[derive(Debug, Clone)]
pub enum Mirror {
    /// The official upstream URLs ([`official`]).
    Official,
    /// A mirror served over HTTP(S): base URL.
    Url(String),
    /// A mirror on disk.
    Dir(PathBuf),
}

impl Mirror {
    /// `http://…`/`https://…` is a URL mirror, anything else a directory.
    pub fn parse(s: &str) -> Self {
        if s.starts_with("http://") || s.starts_with("https://") {
            Mirror::Url(s.trim_end_matches('/').to_string())
        } else {
            Mirror::Dir(PathBuf::from(s))
        }
    }
}

/// Errors fetching feeds.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("cannot fetch {what}: {reason}")]
    Fetch { what: String, reason: String },
    #[error("mirror index {what} is invalid: {reason}")]
    Index { what: String, reason: String },
    #[error("{what} does not match its recorded sha256 {expected} (got {actual})")]
    Checksum {
        what: String,
        expected: String,
        actual: String,
    },
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// The official feeds Bulwark knows how to fetch online.
pub fn official() -> FeedIndex {
    const OSV: [&str; 12] = [
        "Go",
        "PyPI",
        "crates.io",
        "npm",
        "RubyGems",
        "Packagist",
        "Maven",
        "NuGet",
        "Debian",
        "Ubuntu",
        "Alpine",
        "Rocky Linux",
    ];
    let mut feeds: Vec<FeedEntry> = OSV
        .iter()
        .map(|eco| FeedEntry {
            kind: "osv".into(),
            path: format!("osv/{}/all.zip", eco.replace(' ', "-")),
            url: Some(format!(
                "https://osv-vulnerabilities.storage.googleapis.com/{}/all.zip",
                eco.replace(' ', "%20")
            )),
            sha256: None,
        })
        .collect();
    for release in ["3.18", "3.19", "3.20", "3.21"] {
        for repo in ["main", "community"] {
            feeds.push(FeedEntry {
                kind: "alpine-secdb".into(),
                path: format!("alpine/v{release}/{repo}.json"),
                url: Some(format!(
                    "https://secdb.alpinelinux.org/v{release}/{repo}.json"
                )),
                sha256: None,
            });
        }
    }
    feeds.push(FeedEntry {
        kind: "debian-tracker".into(),
        path: "debian/tracker.json".into(),
        url: Some("https://security-tracker.debian.org/tracker/data/json".into()),
        sha256: None,
    });
    FeedIndex { feeds }
}

/// Fetches every feed of `mirror` into `into/<kind>/<path>`; returns the kind
/// directories to import, in index order.
pub fn fetch(mirror: &Mirror, into: &Path) -> Result<Vec<(String, PathBuf)>, UpdateError> {
    let index = match mirror {
        Mirror::Official => official(),
        Mirror::Url(base) => {
            let mut bytes = Vec::new();
            download(&format!("{base}/{INDEX}"), &mut bytes, 16 << 20)?;
            parse_index(&bytes, &format!("{base}/{INDEX}"))?
        }
        Mirror::Dir(dir) => {
            let path = dir.join(INDEX);
            let bytes = std::fs::read(&path).map_err(|e| UpdateError::Fetch {
                what: path.display().to_string(),
                reason: e.to_string(),
            })?;
            parse_index(&bytes, &path.display().to_string())?
        }
    };
    let mut kinds: Vec<(String, PathBuf)> = Vec::new();
    for entry in &index.feeds {
        let rel = safe_relative(&entry.path).ok_or_else(|| UpdateError::Index {
            what: entry.path.clone(),
            reason: "paths must be relative, without `..`".into(),
        })?;
        let kind_dir = into.join(&entry.kind);
        let dest = kind_dir.join(&rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|source| UpdateError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let file = File::create(&dest).map_err(|source| UpdateError::Io {
            path: dest.clone(),
            source,
        })?;
        let mut sink = HashingWriter::new(io::BufWriter::new(file));
        let what = match mirror {
            Mirror::Official | Mirror::Url(_) => {
                let url = match (mirror, &entry.url) {
                    (Mirror::Url(base), _) => {
                        format!("{base}/{}", entry.path.trim_start_matches("./"))
                    }
                    (_, Some(u)) => u.clone(),
                    (_, None) => {
                        return Err(UpdateError::Index {
                            what: entry.path.clone(),
                            reason: "no URL".into(),
                        });
                    }
                };
                download(&url, &mut sink, MAX_FEED_BYTES)?;
                url
            }
            Mirror::Dir(dir) => {
                let src = dir.join(&rel);
                let mut f = File::open(&src).map_err(|e| UpdateError::Fetch {
                    what: src.display().to_string(),
                    reason: e.to_string(),
                })?;
                io::copy(&mut f, &mut sink).map_err(|source| UpdateError::Io {
                    path: dest.clone(),
                    source,
                })?;
                src.display().to_string()
            }
        };
        let actual = sink.finish().map_err(|source| UpdateError::Io {
            path: dest.clone(),
            source,
        })?;
        if let Some(expected) = entry
            .sha256
            .as_ref()
            .filter(|e| !e.eq_ignore_ascii_case(&actual))
        {
            return Err(UpdateError::Checksum {
                what,
                expected: expected.clone(),
                actual,
            });
        }
        if !kinds.iter().any(|(k, _)| k == &entry.kind) {
            kinds.push((entry.kind.clone(), kind_dir));
        }
    }
    Ok(kinds)
}

fn parse_index(bytes: &[u8], what: &str) -> Result<FeedIndex, UpdateError> {
    serde_json::from_slice(bytes).map_err(|e| UpdateError::Index {
        what: what.to_string(),
        reason: e.to_string(),
    })
}

/// A relative path with only normal components, as a `PathBuf`.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p if p.contains('\\') || p.contains(':') => return None,
            p => out.push(p),
        }
    }
    (!out.as_os_str().is_empty() && !path.starts_with('/')).then_some(out)
}

fn download(url: &str, sink: &mut dyn Write, limit: u64) -> Result<(), UpdateError> {
    let fail = |reason: String| UpdateError::Fetch {
        what: url.to_string(),
        reason,
    };
    let response = ureq::get(url)
        .header("User-Agent", concat!("bulwark/", env!("CARGO_PKG_VERSION")))
        .call()
        .map_err(|e| fail(e.to_string()))?;
    let mut body = response
        .into_body()
        .into_reader()
        .take(limit.saturating_add(1));
    let n = io::copy(&mut body, sink).map_err(|e| fail(e.to_string()))?;
    if n > limit {
        return Err(fail(format!("larger than the {limit}-byte limit")));
    }
    Ok(())
}

struct HashingWriter<W: Write> {
    inner: W,
    hasher: sha2::Sha256,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: sha2::Sha256::new(),
        }
    }

    fn finish(mut self) -> io::Result<String> {
        self.inner.flush()?;
        Ok(hex::encode(self.hasher.finalize()))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_accepted() {
        assert_eq!(
            safe_relative("osv/PyPI/all.zip"),
            Some(PathBuf::from("osv/PyPI/all.zip"))
        );
        for bad in [
            "../etc/passwd",
            "/etc/passwd",
            "a/../../b",
            "",
            "c:\\x",
            "a\\..\\b",
        ] {
            assert_eq!(safe_relative(bad), None, "{bad}");
        }
    }

    #[test]
    fn official_list_covers_the_feed_kinds() {
        let idx = official();
        assert!(
            idx.feeds
                .iter()
                .all(|f| f.url.as_deref().is_some_and(|u| u.starts_with("https://")))
        );
        for kind in ["osv", "alpine-secdb", "debian-tracker"] {
            assert!(idx.feeds.iter().any(|f| f.kind == kind), "{kind}");
        }
        assert!(idx.feeds.iter().all(|f| safe_relative(&f.path).is_some()));
    }
}
