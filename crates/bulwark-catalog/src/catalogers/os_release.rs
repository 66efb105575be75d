//! Identifies the operating system from /etc/os-release, /usr/lib/os-release and friends.
//!
//! `os-release` is the standard: shell-style `KEY=value` lines (values may be quoted, `#`
//! starts a comment). Older or minimal systems only have a distribution's own file:
//! `/etc/lsb-release` (Ubuntu), `/etc/redhat-release` (`CentOS Linux release 7.9.2009
//! (Core)`), `/etc/alpine-release` (`3.10.4`) or `/etc/debian_version` (`12.4`). Each file
//! is read on its own and yields its own [`Distro`]; when an image has several, the walker
//! keeps the one whose path has the highest [`priority`].

use bulwark_types::Distro;

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

const FORMAT: &str = "os-release";

/// Real files are a few hundred bytes; anything much bigger is not one.
const MAX_SIZE: u64 = 64 * 1024;

/// The files this cataloger reads, most trustworthy first, with their priorities.
const FILES: [(&str, u8); 6] = [
    ("/etc/os-release", 100),
    ("/usr/lib/os-release", 90),
    ("/etc/lsb-release", 50),
    ("/etc/redhat-release", 40),
    ("/etc/alpine-release", 30),
    ("/etc/debian_version", 20),
];

/// How much to trust the [`Distro`] read from `path` (absolute, as given to the cataloger):
/// higher wins when an image has several. `/etc/os-release` (100) beats
/// `/usr/lib/os-release` (90), as the os-release specification says; both beat
/// `/etc/lsb-release` (50), which beats the single-distribution files
/// `/etc/redhat-release` (40), `/etc/alpine-release` (30) and `/etc/debian_version` (20;
/// Ubuntu has one too, naming the Debian release it builds on). Other paths get 0.
pub fn priority(path: &str) -> u8 {
    FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map_or(0, |(_, prio)| *prio)
}

/// Identifies the operating system from /etc/os-release, /usr/lib/os-release and friends.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRelease;

impl OsRelease {
    /// Same as the module's [`priority`], reachable through the re-exported type.
    pub fn priority(path: &str) -> u8 {
        priority(path)
    }
}

impl Cataloger for OsRelease {
    fn name(&self) -> &'static str {
        "os-release"
    }

    fn wants(&self, path: &str, meta: &FileMeta) -> bool {
        meta.size <= MAX_SIZE && priority(path) > 0
    }

    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        let text = String::from_utf8_lossy(file.data);
        let distro = match file.path {
            "/etc/os-release" | "/usr/lib/os-release" => os_release(&text),
            "/etc/lsb-release" => lsb_release(&text),
            "/etc/redhat-release" => redhat_release(&text),
            "/etc/alpine-release" => first_line(&text).map(|v| Distro {
                id: "alpine".to_string(),
                version_id: Some(v.to_string()),
                ..Distro::default()
            }),
            "/etc/debian_version" => debian_version(&text),
            _ => return Ok(()),
        };
        out.distro = Some(distro.ok_or_else(|| {
            CatalogError::malformed(
                FORMAT,
                format!("{} does not identify a distribution", file.path),
            )
        })?);
        Ok(())
    }
}

fn os_release(text: &str) -> Option<Distro> {
    let vars = assignments(text);
    let get = |key: &str| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let id = get("ID")?.to_ascii_lowercase();
    // Debian before 9 and some others only put the codename in VERSION: `8 (jessie)`.
    let from_version = get("VERSION").and_then(|v| {
        let inner = v.split_once('(')?.1.split(')').next()?.trim().to_string();
        inner
            .chars()
            .all(|c| c.is_ascii_lowercase())
            .then_some(inner)
            .filter(|c| !c.is_empty())
    });
    Some(Distro {
        id,
        version_id: get("VERSION_ID"),
        codename: get("VERSION_CODENAME")
            .or_else(|| get("UBUNTU_CODENAME"))
            .or(from_version),
        pretty_name: get("PRETTY_NAME").or_else(|| get("NAME")),
        id_like: get("ID_LIKE")
            .map(|l| l.split_whitespace().map(str::to_ascii_lowercase).collect())
            .unwrap_or_default(),
    })
}

fn lsb_release(text: &str) -> Option<Distro> {
    let vars = assignments(text);
    let get = |key: &str| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    Some(Distro {
        id: get("DISTRIB_ID")?.to_ascii_lowercase(),
        version_id: get("DISTRIB_RELEASE"),
        codename: get("DISTRIB_CODENAME"),
        pretty_name: get("DISTRIB_DESCRIPTION"),
        id_like: Vec::new(),
    })
}

/// `<Name> release <version> (<codename>)`, e.g. `Rocky Linux release 9.1 (Blue Onyx)`.
fn redhat_release(text: &str) -> Option<Distro> {
    const IDS: [(&str, &str); 9] = [
        ("red hat enterprise linux", "rhel"),
        ("centos", "centos"),
        ("rocky linux", "rocky"),
        ("almalinux", "almalinux"),
        ("fedora", "fedora"),
        ("oracle linux", "ol"),
        ("amazon linux", "amzn"),
        ("scientific linux", "scientific"),
        ("cloudlinux", "cloudlinux"),
    ];
    let line = first_line(text)?;
    let lower = line.to_ascii_lowercase();
    let (name, rest) = lower.split_once(" release ")?;
    let id = IDS
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix))
        .map(|(_, id)| (*id).to_string())
        .or_else(|| name.split_whitespace().next().map(str::to_string))?;
    let version = rest
        .split_whitespace()
        .next()
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()));
    // CentOS's os-release says `7` where this file says `7.9.2009`; match os-release.
    let version = match (id.as_str(), version) {
        ("centos", Some(v)) => v.split('.').next().map(str::to_string),
        (_, v) => v.map(str::to_string),
    };
    Some(Distro {
        id,
        version_id: version,
        codename: None,
        pretty_name: Some(line.to_string()),
        id_like: Vec::new(),
    })
}

/// `12.4` (a point release: os-release's VERSION_ID is `12`) or `bookworm/sid` (testing).
fn debian_version(text: &str) -> Option<Distro> {
    let line = first_line(text)?;
    let mut d = Distro {
        id: "debian".to_string(),
        ..Distro::default()
    };
    if line.starts_with(|c: char| c.is_ascii_digit()) {
        d.version_id = line.split('.').next().map(str::to_string);
    } else {
        d.codename = line
            .split('/')
            .next()
            .map(str::to_string)
            .filter(|c| !c.is_empty());
    }
    Some(d)
}

fn first_line(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The `KEY=value` lines of a shell-style file, values unquoted and unescaped.
fn assignments(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        out.push((key.to_string(), unquote(value.trim())));
    }
    out
}

/// Shell quoting as os-release uses it: `"..."` with `\` escapes, `'...'` verbatim, or a
/// bare word that ends at a ` #` comment.
fn unquote(value: &str) -> String {
    let mut chars = value.chars();
    match chars.next() {
        Some('"') => {
            let mut out = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => out.extend(chars.next()),
                    c => out.push(c),
                }
            }
            out
        }
        Some('\'') => chars.take_while(|&c| c != '\'').collect(),
        _ => value
            .split(" #")
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{docker_archive_file, testdata};

    fn catalog(path: &str, data: &[u8]) -> Result<Option<Distro>, CatalogError> {
        let mut out = Output::default();
        let file = FileInput {
            path,
            meta: FileMeta {
                size: data.len() as u64,
                mode: 0o644,
            },
            data,
        };
        OsRelease.catalog(&file, &mut out).map(|()| out.distro)
    }

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(testdata().join("fixtures").join(rel)).unwrap()
    }

    #[test]
    fn debian_12() {
        let data = fixture("syft/syft/pkg/cataloger/debian/testdata/image-dpkg/etc/os-release");
        let d = catalog("/etc/os-release", &data).unwrap().unwrap();
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id.as_deref(), Some("12"));
        assert_eq!(d.codename.as_deref(), Some("bookworm"));
        assert_eq!(
            d.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert!(d.id_like.is_empty());
        assert_eq!(d.purl_qualifier(), "debian-12");
    }

    #[test]
    fn ubuntu_20_04() {
        let data = fixture(
            "syft/cmd/syft/internal/test/integration/testdata/image-pkg-coverage/etc/os-release",
        );
        let d = catalog("/usr/lib/os-release", &data).unwrap().unwrap();
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("ubuntu", Some("20.04"))
        );
        assert_eq!(d.codename.as_deref(), Some("focal"));
        assert_eq!(d.id_like, ["debian"]);
        assert_eq!(d.pretty_name.as_deref(), Some("Ubuntu 20.04 LTS"));
    }

    #[test]
    fn alpine_310_image() {
        let archive = testdata().join("images/alpine-310.docker.tar");
        let d = catalog(
            "/etc/os-release",
            &docker_archive_file(&archive, "etc/os-release"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("alpine", Some("3.10.4"))
        );
        assert_eq!(d.pretty_name.as_deref(), Some("Alpine Linux v3.10"));
        assert_eq!(d.codename, None);
        let alone = catalog(
            "/etc/alpine-release",
            &docker_archive_file(&archive, "etc/alpine-release"),
        )
        .unwrap();
        assert_eq!(
            alone.map(|d| d.purl_qualifier()),
            Some("alpine-3.10.4".to_string())
        );
    }

    #[test]
    fn quoting_comments_and_old_debian() {
        // Invented in the shape of Debian 8's file, which had no VERSION_CODENAME.
        let text = "# comment\nPRETTY_NAME=\"Debian GNU/Linux 8 (jessie)\"\nNAME='Debian GNU/Linux'\n\
                    VERSION_ID=\"8\"\nVERSION=\"8 (jessie)\"\nID=Debian # trailing\nJUNK LINE\n\
                    HOME_URL=\"http://www.debian.org/\\\"x\\\"\"\n";
        let d = catalog("/etc/os-release", text.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(d.id, "debian");
        assert_eq!(d.codename.as_deref(), Some("jessie"));
        assert_eq!(d.version_id.as_deref(), Some("8"));
        assert_eq!(unquote("\"a\\\"b\" # c"), "a\"b");
        assert_eq!(unquote("'a b'"), "a b");
        assert_eq!(unquote("\"unterminated"), "unterminated");
    }

    #[test]
    fn single_distribution_files() {
        // Invented, with the exact contents these distributions ship.
        let cases = [
            ("/etc/debian_version", "12.4\n", "debian", Some("12"), None),
            (
                "/etc/debian_version",
                "bookworm/sid\n",
                "debian",
                None,
                Some("bookworm"),
            ),
            (
                "/etc/redhat-release",
                "CentOS Linux release 7.9.2009 (Core)\n",
                "centos",
                Some("7"),
                None,
            ),
            (
                "/etc/redhat-release",
                "Red Hat Enterprise Linux release 8.6 (Ootpa)\n",
                "rhel",
                Some("8.6"),
                None,
            ),
            (
                "/etc/redhat-release",
                "Rocky Linux release 9.1 (Blue Onyx)\n",
                "rocky",
                Some("9.1"),
                None,
            ),
            (
                "/etc/lsb-release",
                "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.3 LTS\"\n",
                "ubuntu",
                Some("22.04"),
                Some("jammy"),
            ),
        ];
        for (path, text, id, version, codename) in cases {
            let d = catalog(path, text.as_bytes()).unwrap().unwrap();
            assert_eq!(
                (
                    d.id.as_str(),
                    d.version_id.as_deref(),
                    d.codename.as_deref()
                ),
                (id, version, codename),
                "{text}"
            );
        }
    }

    #[test]
    fn files_that_identify_nothing_are_errors() {
        for (path, text) in [
            ("/etc/os-release", "NAME=\"Some Linux\"\n"),
            ("/etc/os-release", ""),
            ("/etc/alpine-release", "\n"),
            ("/etc/redhat-release", "garbage\n"),
            ("/etc/lsb-release", "DISTRIB_RELEASE=1\n"),
        ] {
            assert!(catalog(path, text.as_bytes()).is_err(), "{path}: {text:?}");
        }
        assert_eq!(catalog("/etc/hostname", b"x").unwrap(), None);
    }

    #[test]
    fn wants_and_priorities() {
        let small = FileMeta {
            size: 200,
            mode: 0o644,
        };
        for (path, _) in FILES {
            assert!(OsRelease.wants(path, &small), "{path}");
        }
        assert!(!OsRelease.wants(
            "/etc/os-release",
            &FileMeta {
                size: MAX_SIZE + 1,
                mode: 0o644
            }
        ));
        assert!(!OsRelease.wants("/opt/etc/os-release", &small));
        assert!(priority("/etc/os-release") > priority("/usr/lib/os-release"));
        assert!(priority("/usr/lib/os-release") > priority("/etc/lsb-release"));
        assert!(priority("/etc/lsb-release") > priority("/etc/debian_version"));
        assert!(OsRelease::priority("/etc/alpine-release") > 0);
        assert_eq!(priority("/etc/hostname"), 0);
    }
}
