//! Walking a Java archive and the archives nested in it, within limits.
//!
//! Everything here comes from the image, so every read is bounded: a budget of
//! uncompressed bytes for the whole walk (shared by all nested archives), a cap per entry
//! checked against both the declared size and the bytes actually inflated, a cap on the
//! entries looked at per archive, and a nesting depth. Hitting a limit adds a warning and
//! keeps what was found so far.

use std::io::{Cursor, Read};

use bulwark_types::Location;
use zip::ZipArchive;

use super::identify;
use super::manifest::Manifest;
use super::pom::PomProperties;
use crate::{CatalogError, Output};

/// Bounds on the work one top-level archive can cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ArchiveLimits {
    /// Uncompressed bytes read in the whole walk.
    pub(crate) total_bytes: u64,
    /// Uncompressed size of one nested archive.
    pub(crate) archive_bytes: u64,
    /// Uncompressed size of one manifest or pom.properties.
    pub(crate) metadata_bytes: u64,
    /// Entries looked at in one archive.
    pub(crate) entries: usize,
    /// Nested archive levels opened below the top-level one.
    pub(crate) depth: usize,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        Self {
            total_bytes: 512 << 20,
            archive_bytes: 256 << 20,
            metadata_bytes: 1 << 20,
            entries: 200_000,
            depth: 8,
        }
    }
}

type Zip<'d> = ZipArchive<Cursor<&'d [u8]>>;

/// Catalogs the archive `data` found at `path` and everything nested in it. An error only
/// when the top-level file is not a zip archive at all; problems further in are warnings.
pub(crate) fn scan(
    path: &str,
    data: &[u8],
    limits: ArchiveLimits,
    out: &mut Output,
) -> Result<(), CatalogError> {
    let mut zip = ZipArchive::new(Cursor::new(data))
        .map_err(|e| CatalogError::malformed("Java archive", e.to_string()))?;
    let mut walk = Walk {
        limits,
        budget: limits.total_bytes,
        budget_warned: false,
        path,
        out,
    };
    walk.archive(&mut zip, "", file_name(path), 0);
    Ok(())
}

struct Walk<'a> {
    limits: ArchiveLimits,
    /// Uncompressed bytes still allowed.
    budget: u64,
    budget_warned: bool,
    /// Path of the top-level archive in the image.
    path: &'a str,
    out: &'a mut Output,
}

impl Walk<'_> {
    /// One archive: `inner` is its path inside the top-level one (`""` for the top level,
    /// `WEB-INF/lib/a.jar!/b.jar` deeper down).
    fn archive(&mut self, zip: &mut Zip<'_>, inner: &str, name: &str, depth: usize) {
        if zip.len() > self.limits.entries {
            self.warn(
                inner,
                format!(
                    "has {} entries; only the first {} were looked at",
                    zip.len(),
                    self.limits.entries
                ),
            );
        }
        let mut manifest = None;
        let mut poms = Vec::new();
        let mut nested = Vec::new();
        for index in 0..zip.len().min(self.limits.entries) {
            let Some(Ok(entry)) = zip.name_for_index(index).map(|n| n.map(|n| n.into_owned()))
            else {
                continue;
            };
            if entry.ends_with('/') {
                continue;
            }
            let base = file_name(&entry);
            if entry.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
                if let Some(bytes) =
                    self.read(zip, index, self.limits.metadata_bytes, inner, &entry)
                {
                    manifest = Some(Manifest::parse(&String::from_utf8_lossy(&bytes)));
                }
            } else if base == "pom.properties" {
                if let Some(bytes) =
                    self.read(zip, index, self.limits.metadata_bytes, inner, &entry)
                {
                    poms.extend(PomProperties::parse(&String::from_utf8_lossy(&bytes)));
                }
            } else if super::is_archive_name(&entry) {
                nested.push((index, entry));
            }
        }
        let location = (!inner.is_empty()).then(|| Location {
            path: format!("{}!/{inner}", self.path),
            layer: None,
        });
        for mut pkg in identify::packages(name, manifest.as_ref(), &poms) {
            pkg.locations.extend(location.clone());
            self.out.packages.push(pkg);
        }
        if !nested.is_empty() && depth >= self.limits.depth {
            self.warn(
                inner,
                format!(
                    "nests archives deeper than {} levels; {} not opened",
                    self.limits.depth,
                    nested.len()
                ),
            );
            return;
        }
        for (index, entry) in nested {
            let child = if inner.is_empty() {
                entry.clone()
            } else {
                format!("{inner}!/{entry}")
            };
            let Some(bytes) = self.read(zip, index, self.limits.archive_bytes, inner, &entry)
            else {
                continue;
            };
            match ZipArchive::new(Cursor::new(bytes.as_slice())) {
                Ok(mut z) => self.archive(&mut z, &child, file_name(&entry), depth + 1),
                Err(e) => self.warn(&child, format!("is not a readable zip archive: {e}")),
            }
        }
    }

    /// Reads one entry, at most `cap` bytes and what is left of the budget.
    fn read(
        &mut self,
        zip: &mut Zip<'_>,
        index: usize,
        cap: u64,
        inner: &str,
        entry: &str,
    ) -> Option<Vec<u8>> {
        let at = if inner.is_empty() {
            entry.to_string()
        } else {
            format!("{inner}!/{entry}")
        };
        let mut file = match zip.by_index(index) {
            Ok(f) => f,
            Err(e) => {
                self.warn(&at, format!("cannot be read: {e}"));
                return None;
            }
        };
        let declared = file.size();
        if declared > cap {
            self.warn(
                &at,
                format!("declares {declared} uncompressed bytes, over the limit of {cap}; skipped"),
            );
            return None;
        }
        if declared > self.budget {
            self.over_budget();
            return None;
        }
        let allowed = cap.min(self.budget);
        let mut bytes = Vec::with_capacity(usize::try_from(declared.min(1 << 20)).unwrap_or(0));
        if let Err(e) = (&mut file)
            .take(allowed.saturating_add(1))
            .read_to_end(&mut bytes)
        {
            self.warn(&at, format!("cannot be read: {e}"));
            return None;
        }
        let read = bytes.len() as u64;
        self.budget = self.budget.saturating_sub(read.min(allowed));
        if read > allowed {
            if allowed < cap {
                self.over_budget();
            } else {
                self.warn(
                    &at,
                    format!("inflates past the limit of {cap} bytes; skipped"),
                );
            }
            return None;
        }
        Some(bytes)
    }

    fn over_budget(&mut self) {
        if !self.budget_warned {
            self.budget_warned = true;
            let limit = self.limits.total_bytes;
            self.out.warnings.push(format!(
                "archive contents exceed the limit of {limit} uncompressed bytes; the rest was not read"
            ));
        }
    }

    fn warn(&mut self, inner: &str, what: String) {
        let subject = if inner.is_empty() {
            "archive".to_string()
        } else {
            format!("nested entry {inner}")
        };
        self.out.warnings.push(format!("{subject} {what}"));
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    // Every archive here is built by the test: no real fixture is a zip bomb, and the real
    // deeply nested jars (see `catalogers::java`) carry no package above the cut-off.
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn scan_with(
        name: &str,
        data: &[u8],
        limits: ArchiveLimits,
    ) -> (Result<(), CatalogError>, Output) {
        let mut out = Output::default();
        let result = scan(&format!("/opt/app/{name}"), data, limits, &mut out);
        (result, out)
    }

    fn describe(out: &Output) -> Vec<String> {
        out.packages
            .iter()
            .map(|p| {
                let mut s = format!(
                    "{}:{}:{}",
                    p.namespace.as_deref().unwrap_or(""),
                    p.name,
                    p.version
                );
                for l in &p.locations {
                    s.push_str(" @ ");
                    s.push_str(l.path.strip_prefix("/opt/app/").unwrap());
                }
                s
            })
            .collect()
    }

    fn jar(entries: &[(&str, &[u8])]) -> Vec<u8> {
        build(entries, zip::CompressionMethod::Deflated)
    }

    fn build(entries: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(
                *name,
                SimpleFileOptions::default().compression_method(method),
            )
            .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn pom(group: &str, artifact: &str, version: &str) -> Vec<u8> {
        format!("groupId={group}\nartifactId={artifact}\nversion={version}\n").into_bytes()
    }

    // Built here: the real deep fixtures above carry no package above the cut-off.
    #[test]
    fn built_nesting_reports_every_level_down_to_eight() {
        let nest = |levels: usize| {
            let mut inner = jar(&[(
                "META-INF/maven/g/lib0/pom.properties",
                &pom("g", &format!("lib{levels}"), "1.0"),
            )]);
            for level in (0..levels).rev() {
                inner = jar(&[
                    (
                        "META-INF/maven/g/x/pom.properties",
                        &pom("g", &format!("lib{level}"), "1.0"),
                    ),
                    ("lib/inner.jar", &inner),
                ]);
            }
            inner
        };
        let (_, out) = scan_with("outer.jar", &nest(8), ArchiveLimits::default());
        assert_eq!(out.packages.len(), 9);
        assert!(out.warnings.is_empty());
        let deepest = out.packages.last().unwrap();
        assert_eq!(deepest.name, "lib8");
        assert_eq!(
            deepest.locations[0].path,
            format!("/opt/app/outer.jar{}", "!/lib/inner.jar".repeat(8))
        );

        let (_, out) = scan_with("outer.jar", &nest(9), ArchiveLimits::default());
        assert_eq!(out.packages.len(), 9);
        assert_eq!(out.warnings.len(), 1);
    }

    // Zip bombs built here: no real fixture is one.
    #[test]
    fn zip_bomb_declared_size_over_the_limit() {
        let real = jar(&[(
            "META-INF/maven/g/real/pom.properties",
            &pom("g", "real", "1.0"),
        )]);
        let mut outer = jar(&[("lib/bomb.jar", &real), ("lib/real.jar", &real)]);
        // Claim 4 GiB - 1 uncompressed for the first entry in the central directory.
        let cd = memchr::memmem::find(&outer, b"PK\x01\x02").unwrap();
        outer[cd + 24..cd + 28].copy_from_slice(&u32::MAX.to_le_bytes());
        let (result, out) = scan_with("app.jar", &outer, ArchiveLimits::default());
        assert!(result.is_ok());
        assert_eq!(describe(&out), ["g:real:1.0 @ app.jar!/lib/real.jar"]);
        assert_eq!(out.warnings.len(), 1);
        assert!(
            out.warnings[0].contains("lib/bomb.jar declares 4294967295"),
            "{}",
            out.warnings[0]
        );
    }

    #[test]
    fn zip_bomb_total_budget_and_inflation_limits() {
        // Nested jars storing 300 KiB of zeros uncompressed: the outer jar deflates each to
        // a few hundred bytes, reading one inflates 300 KiB.
        let padding = vec![0u8; 300 << 10];
        let lib = |n: usize| {
            let p = pom("g", &format!("lib{n}"), "1.0");
            build(
                &[("META-INF/maven/g/l/pom.properties", &p), ("pad", &padding)],
                zip::CompressionMethod::Stored,
            )
        };
        let outer = jar(&[
            ("a.jar", &lib(1)),
            ("b.jar", &lib(2)),
            ("c.jar", &lib(3)),
            ("d.jar", &lib(4)),
        ]);
        // Each nested jar is ~300 KiB inflated: a 1 MiB budget reads three of them.
        let limits = ArchiveLimits {
            total_bytes: 1 << 20,
            ..ArchiveLimits::default()
        };
        let (result, out) = scan_with("app.jar", &outer, limits);
        assert!(result.is_ok());
        assert_eq!(out.packages.len(), 3);
        assert_eq!(out.warnings.len(), 1);
        assert!(
            out.warnings[0].contains("exceed the limit of 1048576"),
            "{}",
            out.warnings[0]
        );

        // Entries whose size is over the per-archive cap are skipped.
        let limits = ArchiveLimits {
            archive_bytes: 100 << 10,
            ..ArchiveLimits::default()
        };
        let (_, out) = scan_with("app.jar", &outer, limits);
        assert!(out.packages.is_empty());
        assert_eq!(out.warnings.len(), 4);

        // A lying header: declares 1 KiB, inflates to 300 KiB. Reading stops at the size it
        // declared (the zip reader checks) and in any case at the cap.
        let mut lying = jar(&[
            ("a.jar", &lib(1)),
            (
                "META-INF/maven/g/o/pom.properties",
                &pom("g", "outer", "2.0"),
            ),
        ]);
        let cd = memchr::memmem::find(&lying, b"PK\x01\x02").unwrap();
        lying[cd + 24..cd + 28].copy_from_slice(&1024u32.to_le_bytes());
        let limits = ArchiveLimits {
            archive_bytes: 2048,
            ..ArchiveLimits::default()
        };
        let (result, out) = scan_with("app.jar", &lying, limits);
        assert!(result.is_ok());
        assert_eq!(describe(&out), ["g:outer:2.0"]);
        assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
        assert!(
            out.warnings[0].starts_with("nested entry a.jar"),
            "{}",
            out.warnings[0]
        );
    }

    #[test]
    fn entry_count_is_capped() {
        let p = pom("g", "a", "1.0");
        let entries: Vec<(String, &[u8])> =
            (0..10).map(|i| (format!("f{i}.txt"), &b"x"[..])).collect();
        let mut all: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (n.as_str(), *d)).collect();
        all.push(("META-INF/maven/g/a/pom.properties", &p));
        let (_, out) = scan_with(
            "app.jar",
            &jar(&all),
            ArchiveLimits {
                entries: 5,
                ..ArchiveLimits::default()
            },
        );
        assert!(out.packages.is_empty());
        assert_eq!(out.warnings.len(), 1);
        assert!(out.warnings[0].contains("has 11 entries"));
        let (_, out) = scan_with("app.jar", &jar(&all), ArchiveLimits::default());
        assert_eq!(out.packages.len(), 1);
    }
}
