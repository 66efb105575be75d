//! OSV records (JSON `.json`, YAML `.yaml`/`.yml`) from a directory tree, a single file,
//! or a zip such as osv.dev's per-ecosystem `all.zip` (zip entries are read up to
//! [`MAX_ENTRY_BYTES`] each, checked against both the declared and the inflated size).
//!
//! - Ecosystems map to [`Ecosystem`]s; distro ecosystems also give the release
//!   ([`ecosystem`]). An affected entry in any other ecosystem is dropped and counted,
//!   with one log line per import; a record left with no affected entry is dropped too.
//! - `SEMVER` and `ECOSYSTEM` ranges become events; `GIT` ranges are ignored (Bulwark
//!   matches versions, not commits). `versions` lists are kept.
//! - CVSS vectors in `severity[]` (top level and per package) keep their vector and get
//!   a computed base score for v2 and v3.x ([`crate::cvss`]); other severity types
//!   (`Ubuntu`) are read as words. `database_specific.severity` (GitHub's rating) is the
//!   advisory's severity; `ecosystem_specific` / `database_specific` `severity` or
//!   `urgency` words on a package are that package's.

use std::collections::BTreeMap;
use std::io::{BufReader, Read};
use std::path::Path;

use bulwark_types::{Advisory, Affected, Ecosystem, Event, Severity};
use serde::Deserialize;
use serde_json::Value;

use super::distro::{feed_files, has_suffix};
use super::{ImportError, ImportReport, Importer, Skipped};

/// Largest zip entry read, uncompressed.
const MAX_ENTRY_BYTES: u64 = 16 << 20;

/// OSV JSON and YAML: directories, single files, and osv.dev `all.zip` exports.
#[derive(Debug, Default, Clone, Copy)]
pub struct Osv;

#[derive(Deserialize)]
struct Record {
    id: String,
    aliases: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    published: Option<String>,
    modified: Option<String>,
    withdrawn: Option<String>,
    severity: Option<Vec<SeverityEntry>>,
    affected: Option<Vec<AffectedEntry>>,
    references: Option<Vec<Reference>>,
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct SeverityEntry {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct AffectedEntry {
    package: Option<Package>,
    ranges: Option<Vec<Range>>,
    versions: Option<Vec<String>>,
    severity: Option<Vec<SeverityEntry>>,
    ecosystem_specific: Option<Value>,
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct Package {
    ecosystem: String,
    name: String,
}

#[derive(Deserialize)]
struct Range {
    #[serde(rename = "type")]
    kind: String,
    events: Vec<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct Reference {
    url: String,
}

/// Affected entries dropped for their ecosystem, by ecosystem name; records dropped.
#[derive(Default)]
struct Unknown {
    entries: BTreeMap<String, usize>,
    records: usize,
}

impl Importer for Osv {
    fn kind(&self) -> &'static str {
        "osv"
    }

    fn import(
        &self,
        path: &Path,
        sink: &mut dyn FnMut(Advisory),
        report: &mut ImportReport,
    ) -> Result<(), ImportError> {
        let hidden = |p: &Path| {
            p.strip_prefix(path)
                .unwrap_or(p)
                .components()
                .any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with('.')))
        };
        let wanted = |p: &Path| has_suffix(p, &[".json", ".yaml", ".yml", ".zip"]) && !hidden(p);
        let mut unknown = Unknown::default();
        for file in feed_files(path, &wanted, report)? {
            let label = file.display().to_string();
            if has_suffix(&file, &[".zip"]) {
                match read_zip(&file, MAX_ENTRY_BYTES, sink, report, &mut unknown) {
                    Err(e) if file != path => report.skipped.push(Skipped {
                        file: label,
                        reason: e.to_string(),
                    }),
                    result => result?,
                }
                continue;
            }
            report.files += 1;
            let result = std::fs::read_to_string(&file).map_err(|e| format!("cannot read: {e}"));
            let result = result.and_then(|text| parse(&text, &label));
            deliver(result, label, sink, report, &mut unknown);
        }
        if !unknown.entries.is_empty() {
            tracing::info!(
                entries = unknown.entries.values().sum::<usize>(),
                records = unknown.records,
                ecosystems = ?unknown.entries,
                "OSV affected entries in ecosystems Bulwark does not match were left out"
            );
        }
        Ok(())
    }
}

/// Reads every OSV entry of a zip archive, each at most `limit` bytes uncompressed.
fn read_zip(
    path: &Path,
    limit: u64,
    sink: &mut dyn FnMut(Advisory),
    report: &mut ImportReport,
    unknown: &mut Unknown,
) -> Result<(), ImportError> {
    let file = std::fs::File::open(path).map_err(|source| ImportError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut zip =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|e| ImportError::NotThisFormat {
            path: path.display().to_string(),
            kind: "osv",
            reason: format!("not a readable zip archive: {e}"),
        })?;
    for index in 0..zip.len() {
        let mut label = format!("{}!/#{index}", path.display());
        let result = match zip.by_index(index) {
            Err(e) => Err(format!("unreadable zip entry: {e}")),
            Ok(entry) if entry.is_dir() => continue,
            Ok(mut entry) => {
                let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
                if !has_suffix(Path::new(&name), &[".json", ".yaml", ".yml"]) {
                    continue;
                }
                label = format!("{}!/{name}", path.display());
                let mut bytes = Vec::new();
                if entry.size() > limit {
                    Err(format!(
                        "{} bytes uncompressed, over the {limit} limit",
                        entry.size()
                    ))
                } else if let Err(e) = (&mut entry).take(limit + 1).read_to_end(&mut bytes) {
                    Err(format!("cannot inflate: {e}"))
                } else if bytes.len() as u64 > limit {
                    Err(format!("inflates past the {limit}-byte limit"))
                } else {
                    String::from_utf8(bytes)
                        .map_err(|_| "not UTF-8".to_owned())
                        .and_then(|text| parse(&text, &name))
                }
            }
        };
        report.files += 1;
        deliver(result, label, sink, report, unknown);
    }
    Ok(())
}

/// Hands a parsed record on, or records why it was skipped or dropped.
fn deliver(
    result: Result<(Advisory, Vec<String>), String>,
    file: String,
    sink: &mut dyn FnMut(Advisory),
    report: &mut ImportReport,
    unknown: &mut Unknown,
) {
    match result {
        Ok((advisory, left_out)) => {
            let dropped_all = !left_out.is_empty() && advisory.affected.is_empty();
            for ecosystem in left_out {
                *unknown.entries.entry(ecosystem).or_default() += 1;
            }
            if dropped_all {
                unknown.records += 1;
            } else {
                report.advisories += 1;
                sink(advisory);
            }
        }
        Err(reason) => report.skipped.push(Skipped { file, reason }),
    }
}

/// Parses one record (YAML when `name` says so, else JSON). Also returns the ecosystems
/// of the affected entries left out.
fn parse(text: &str, name: &str) -> Result<(Advisory, Vec<String>), String> {
    let record: Record = if has_suffix(Path::new(name), &[".yaml", ".yml"]) {
        serde_norway::from_str(text).map_err(|e| format!("invalid OSV YAML: {e}"))?
    } else {
        serde_json::from_str(text).map_err(|e| format!("invalid OSV JSON: {e}"))?
    };
    let mut cvss = Vec::new();
    let mut word = None;
    let mut affected = Vec::new();
    let mut left_out = Vec::new();
    let severities = record.severity.iter().flatten();
    let package_severities = record.affected.iter().flatten().flat_map(|a| &a.severity);
    for s in severities.chain(package_severities.flatten()) {
        match s.kind.as_str() {
            "CVSS_V2" | "CVSS_V3" | "CVSS_V4" => {
                let parsed = crate::cvss::from_vector(&s.score);
                if let Some(c) = parsed.filter(|c| !cvss.contains(c)) {
                    cvss.push(c);
                }
            }
            _ => word = word.or_else(|| Severity::from_word(&s.score)),
        }
    }
    for entry in record.affected.into_iter().flatten() {
        let Some(package) = entry.package else {
            left_out.push("(no package)".to_owned());
            continue;
        };
        let Some((eco, distro)) = ecosystem(&package.ecosystem) else {
            let base = package.ecosystem.split(':').next().unwrap_or_default();
            left_out.push(base.to_owned());
            continue;
        };
        let specific = [&entry.ecosystem_specific, &entry.database_specific];
        affected.push(Affected {
            ecosystem: Some(eco),
            distro,
            package: package.name,
            ranges: entry
                .ranges
                .into_iter()
                .flatten()
                .filter_map(events)
                .collect(),
            versions: entry.versions.unwrap_or_default(),
            severity: specific
                .iter()
                .find_map(|v| word_at(v, &["severity", "urgency"])),
        });
    }
    let db = &record.database_specific;
    let cwes = db
        .as_ref()
        .and_then(|v| v.get("cwe_ids"))
        .and_then(Value::as_array);
    let advisory = Advisory {
        id: record.id,
        aliases: record.aliases.unwrap_or_default(),
        source: "osv".to_owned(),
        summary: record.summary,
        details: record.details,
        severity: word_at(db, &["severity"]).or(word),
        cvss,
        cwes: cwes
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        references: record
            .references
            .into_iter()
            .flatten()
            .map(|r| r.url)
            .collect(),
        published: record.published,
        modified: record.modified,
        withdrawn: record.withdrawn,
        affected,
    };
    Ok((advisory, left_out))
}

/// The first of `keys` in an object that holds a severity word.
fn word_at(value: &Option<Value>, keys: &[&str]) -> Option<Severity> {
    let value = value.as_ref()?;
    keys.iter().find_map(|k| {
        value
            .get(k)
            .and_then(Value::as_str)
            .and_then(Severity::from_word)
    })
}

/// The events of a `SEMVER` or `ECOSYSTEM` range; `None` for other types.
fn events(range: Range) -> Option<Vec<Event>> {
    if range.kind != "SEMVER" && range.kind != "ECOSYSTEM" {
        return None;
    }
    let events: Vec<Event> = (range.events.into_iter())
        .filter_map(|e| {
            let (key, version) = e.into_iter().next()?;
            Some(match key.as_str() {
                "introduced" => Event::Introduced(version),
                "fixed" => Event::Fixed(version),
                "last_affected" => Event::LastAffected(version),
                "limit" => Event::Limit(version),
                _ => return None,
            })
        })
        .collect();
    (!events.is_empty()).then_some(events)
}

/// Bulwark's ecosystem for an OSV ecosystem name and, for a distro, the release as
/// `<os-release id>:<release>`: `Debian:12` -> `debian:12`, `Ubuntu:22.04:LTS` and
/// `Ubuntu:Pro:22.04:LTS` -> `ubuntu:22.04`, `Alpine:v3.18` -> `alpine:3.18`,
/// `Rocky Linux:9` -> `rocky:9`, `AlmaLinux:8` -> `almalinux:8`,
/// `Red Hat:enterprise_linux:9::appstream` -> `rhel:9`. Distro names without a release,
/// and Red Hat's extended-support streams (`rhel_eus:8.6`), are not matched.
fn ecosystem(name: &str) -> Option<(Ecosystem, Option<String>)> {
    let (base, rest) = name.split_once(':').unwrap_or((name, ""));
    let language = match base {
        "Go" => Some(Ecosystem::Golang),
        "PyPI" => Some(Ecosystem::Pypi),
        "crates.io" => Some(Ecosystem::Cargo),
        "npm" => Some(Ecosystem::Npm),
        "RubyGems" => Some(Ecosystem::Gem),
        "Packagist" => Some(Ecosystem::Composer),
        "Maven" => Some(Ecosystem::Maven),
        "NuGet" => Some(Ecosystem::Nuget),
        _ => None,
    };
    if let Some(eco) = language {
        return Some((eco, None));
    }
    let release = || {
        let part = rest
            .split(':')
            .find(|p| p.starts_with(|c: char| c.is_ascii_digit()));
        part.or_else(|| {
            rest.strip_prefix('v')
                .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        })
    };
    let (eco, id, release) = match base {
        "Debian" => (Ecosystem::Deb, "debian", release()),
        "Ubuntu" => (Ecosystem::Deb, "ubuntu", release()),
        "Alpine" => (Ecosystem::Apk, "alpine", release()),
        "Rocky Linux" => (Ecosystem::Rpm, "rocky", release()),
        "AlmaLinux" => (Ecosystem::Rpm, "almalinux", release()),
        "Red Hat" => (
            Ecosystem::Rpm,
            "rhel",
            rest.strip_prefix("enterprise_linux:")
                .and_then(|r| r.split(':').next()),
        ),
        _ => return None,
    };
    let release = release.filter(|r| !r.is_empty())?;
    Some((eco, Some(format!("{id}:{release}"))))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use bulwark_types::Event::{Fixed, Introduced};

    use super::*;
    use crate::test_support::{import, vulndata};

    fn range(from: &str, to: &str) -> Vec<Event> {
        vec![Introduced(from.to_owned()), Fixed(to.to_owned())]
    }

    fn one(path: &str) -> Advisory {
        import(&Osv, &vulndata(path)).0.remove(0)
    }

    /// Files, records, affected entries, ranges, listed versions, CVSS vectors, severity
    /// words, CWE ids and withdrawn records of an import that skipped nothing.
    fn totals(dir: &str) -> [usize; 9] {
        let (all, report) = import(&Osv, &vulndata(dir));
        assert!(report.skipped.is_empty(), "{:?}", report.skipped.first());
        assert_eq!(report.advisories, all.len());
        let sum = |f: &dyn Fn(&Advisory) -> usize| all.iter().map(f).sum::<usize>();
        let affected = |f: &dyn Fn(&Affected) -> usize| sum(&|a| a.affected.iter().map(f).sum());
        [
            report.files,
            all.len(),
            sum(&|a| a.affected.len()),
            affected(&|x| x.ranges.len()),
            affected(&|x| x.versions.len()),
            sum(&|a| a.cvss.len()),
            sum(&|a| usize::from(a.severity.is_some())),
            sum(&|a| a.cwes.len()),
            sum(&|a| usize::from(a.withdrawn.is_some())),
        ]
    }

    #[test]
    fn real_feeds_import_completely() {
        // Cross-checked with python3 (json, PyYAML) over the same files. PyPA's 1391 GIT
        // ranges are not counted: they are ignored.
        let go = totals("golang-vulndb/data/osv");
        assert_eq!(go, [4291, 4291, 6125, 6125, 0, 0, 0, 0, 17]);
        let pypa = totals("pypa-advisory-database/vulns");
        assert_eq!(pypa, [2661, 2661, 2661, 2659, 140847, 202, 0, 0, 10]);
        let ghsa = totals("ghsa-subset");
        assert_eq!(ghsa, [95, 95, 209, 209, 4, 85, 95, 116, 0]);
    }

    #[test]
    fn go_and_pypa_records_field_by_field() {
        let gin = one("golang-vulndb/data/osv/GO-2020-0001.json");
        assert_eq!(gin.aliases, ["CVE-2020-36567", "GHSA-6vm3-jj99-7229"]);
        let summary = "Arbitrary log line injection in github.com/gin-gonic/gin";
        assert_eq!(gin.summary.as_deref(), Some(summary));
        assert_eq!(gin.published.as_deref(), Some("2021-04-14T20:04:52Z"));
        assert_eq!(gin.references.len(), 2);
        let affected = &gin.affected[0];
        assert_eq!(affected.ecosystem, Some(Ecosystem::Golang));
        assert_eq!(affected.package, "github.com/gin-gonic/gin");
        assert_eq!(affected.ranges, [range("0", "1.6.0")]);

        let sky = one("pypa-advisory-database/vulns/apache-skywalking/PYSEC-2020-342.yaml");
        assert_eq!(sky.aliases, ["CVE-2020-13921"]);
        assert_eq!(sky.published.as_deref(), Some("2020-08-05T14:15:00Z"));
        assert_eq!(
            (sky.cvss[0].version.as_str(), sky.cvss[0].score),
            ("3.1", Some(9.8))
        );
        let affected = &sky.affected[0];
        assert_eq!(affected.ecosystem, Some(Ecosystem::Pypi));
        assert_eq!(affected.package, "apache-skywalking");
        assert_eq!(affected.ranges, [vec![Introduced("0".to_owned())]]);
        assert_eq!(affected.versions.len(), 10);
        assert_eq!(affected.versions[9], "1.0.1");
    }

    #[test]
    fn github_django_advisory_field_by_field() {
        let django = one("ghsa-subset/pypi/GHSA-2gwj-7jmv-h26r.json");
        assert_eq!(
            (django.id.as_str(), django.source.as_str()),
            ("GHSA-2gwj-7jmv-h26r", "osv")
        );
        assert_eq!(django.aliases, ["CVE-2022-28346"]);
        assert_eq!(django.summary.as_deref(), Some("SQL Injection in Django"));
        let details = django.details.as_deref().unwrap();
        assert!(details.starts_with("An issue was discovered in Django 2.2"));
        assert_eq!(django.severity, Some(Severity::Critical));
        let vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
        assert_eq!(
            (django.cvss[0].vector.as_str(), django.cvss[0].score),
            (vector, Some(9.8))
        );
        assert_eq!(django.cwes, ["CWE-89"]);
        assert_eq!(django.references.len(), 10);
        assert_eq!(django.modified.as_deref(), Some("2022-04-22T20:33:03Z"));
        let expected = [
            range("2.2", "2.2.28"),
            range("3.2", "3.2.13"),
            range("4.0", "4.0.4"),
        ];
        for (affected, expected) in django.affected.iter().zip(expected) {
            assert_eq!(affected.ecosystem, Some(Ecosystem::Pypi));
            assert_eq!(
                (affected.package.as_str(), &affected.ranges),
                ("Django", &vec![expected])
            );
        }
        assert_eq!(django.affected.len(), 3);
    }

    /// GitHub's copy of a RustSec advisory and RustSec's own, read by two importers,
    /// give the same affected ranges.
    #[test]
    fn github_and_rustsec_agree_on_tokio() {
        let ghsa = one("ghsa-subset/crates.io/GHSA-2grh-hm3w-w7hv.json");
        let mut from_ghsa: Vec<_> = ghsa
            .affected
            .iter()
            .flat_map(|a| a.ranges.clone())
            .collect();
        let path = vulndata("rustsec-advisory-db/crates/tokio/RUSTSEC-2021-0072.md");
        let mut from_rustsec = import(&super::super::RustSec, &path).0[0].affected[0]
            .ranges
            .clone();
        from_ghsa.sort_by_key(|r| format!("{r:?}"));
        from_rustsec.sort_by_key(|r| format!("{r:?}"));
        assert_eq!(from_ghsa, from_rustsec);
    }

    /// An osv.dev-style `all.zip` (one JSON file per record at the top level) built from
    /// the real GitHub records.
    #[test]
    fn zip_archives_import_like_directories() {
        let dir = vulndata("ghsa-subset");
        let json = |p: &Path| has_suffix(p, &[".json"]);
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        for file in feed_files(&dir, &json, &mut ImportReport::default()).unwrap() {
            zip.start_file(file.file_name().unwrap().to_str().unwrap(), options)
                .unwrap();
            zip.write_all(&std::fs::read(file).unwrap()).unwrap();
        }
        zip.add_directory("nested/", options).unwrap();
        zip.start_file("README.txt", options).unwrap();
        zip.start_file("broken.json", options).unwrap();
        zip.write_all(b"{\"id\": \"GHSA-x\", \"affected\": [")
            .unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let archive = tmp.path().join("all.zip");
        std::fs::write(&archive, zip.finish().unwrap().into_inner()).unwrap();

        let (mut from_zip, report) = import(&Osv, &archive);
        let (mut from_dir, _) = import(&Osv, &dir);
        assert_eq!((report.files, report.skipped.len()), (96, 1));
        let broken = &report.skipped[0];
        assert_eq!(broken.file, format!("{}!/broken.json", archive.display()));
        assert!(broken.reason.starts_with("invalid OSV JSON"));
        from_zip.sort_by(|a, b| a.id.cmp(&b.id));
        from_dir.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(from_zip, from_dir);

        // Entries over the size limit are skipped, not read.
        let (mut report, mut n) = (ImportReport::default(), 0);
        let mut unknown = Unknown::default();
        read_zip(&archive, 100, &mut |_| n += 1, &mut report, &mut unknown).unwrap();
        assert_eq!((n, report.skipped.len()), (0, 96));
        assert!(report.skipped[0].reason.ends_with("over the 100 limit"));

        // Not a zip: given alone it stops the import; inside a directory it is skipped.
        std::fs::write(&archive, b"PK not really").unwrap();
        let mut report = ImportReport::default();
        assert!(Osv.import(&archive, &mut |_| {}, &mut report).is_err());
        let (_, report) = import(&Osv, tmp.path());
        assert!(
            report.skipped[0]
                .reason
                .contains("not a readable zip archive")
        );
    }

    #[test]
    fn distro_ecosystems_carry_their_release() {
        for (name, expected) in [
            ("Debian:12", Some((Ecosystem::Deb, "debian:12"))),
            ("Ubuntu:22.04:LTS", Some((Ecosystem::Deb, "ubuntu:22.04"))),
            (
                "Ubuntu:Pro:18.04:LTS",
                Some((Ecosystem::Deb, "ubuntu:18.04")),
            ),
            ("Alpine:v3.18", Some((Ecosystem::Apk, "alpine:3.18"))),
            ("Rocky Linux:9", Some((Ecosystem::Rpm, "rocky:9"))),
            ("AlmaLinux:8", Some((Ecosystem::Rpm, "almalinux:8"))),
            (
                "Red Hat:enterprise_linux:9::appstream",
                Some((Ecosystem::Rpm, "rhel:9")),
            ),
            ("Red Hat:rhel_eus:8.6::baseos", None),
            ("Debian", None),
            ("Hex", None),
        ] {
            let got = ecosystem(name);
            let got = got.as_ref().map(|(e, d)| (*e, d.as_deref().unwrap()));
            assert_eq!(got, expected, "{name}");
        }
        assert_eq!(ecosystem("NuGet"), Some((Ecosystem::Nuget, None)));

        // osv.dev's own test record for Alpine: one affected entry per release.
        let libexif = one("osv.dev-testdata/vulnfeeds/test_data/CVE-2012-2812.json");
        let distros: Vec<_> = libexif
            .affected
            .iter()
            .map(|a| a.distro.as_deref())
            .collect();
        let alpine = [
            "alpine:3.10",
            "alpine:3.11",
            "alpine:3.12",
            "alpine:3.8",
            "alpine:3.9",
        ];
        assert_eq!(distros, alpine.map(Some));
        assert_eq!(libexif.affected[0].ranges, [range("0", "0.6.21-r0")]);

        // A real Ubuntu OSV record (vunnel's fixture, without vunnel's envelope): its
        // `Ubuntu` severity type is a word.
        let fixture = "vunnel-fixtures/tests/unit/providers/ubuntu/test-fixtures/snapshots/\
                       ubuntu-14.04-lts/ubuntu-cve-2013-2208.json";
        let text = std::fs::read_to_string(vulndata(fixture)).unwrap();
        let wrapped: Value = serde_json::from_str(&text).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("UBUNTU-CVE-2013-2208.json");
        std::fs::write(&file, wrapped["item"].to_string()).unwrap();
        let a = import(&Osv, &file).0.remove(0);
        assert_eq!(
            (a.id.as_str(), a.severity),
            ("UBUNTU-CVE-2013-2208", Some(Severity::Medium))
        );
        assert_eq!(a.withdrawn.as_deref(), Some("2025-07-18T16:42:51Z"));
        let tpp = &a.affected[0];
        assert_eq!(
            (tpp.ecosystem, tpp.distro.as_deref()),
            (Some(Ecosystem::Deb), Some("ubuntu:14.04"))
        );
        assert_eq!(
            (tpp.package.as_str(), &tpp.ranges),
            ("tpp", &vec![range("0", "1.3.1-3")])
        );
    }

    #[test]
    fn unknown_ecosystems_are_left_out_quietly() {
        // osv.dev's test record names `EcosystemD` only: the record is dropped, not skipped.
        let path = "osv.dev-testdata/vulnfeeds/test_data/combine-to-osv/nvd/CVE-2023-0002.json";
        let (all, report) = import(&Osv, &vulndata(path));
        assert!(all.is_empty() && report.skipped.is_empty());
        assert_eq!((report.files, report.advisories), (1, 0));
        // A real record with one more package, in an ecosystem Bulwark does not match,
        // keeps its other package.
        let real = vulndata("golang-vulndb/data/osv/GO-2020-0001.json");
        let mut record: Value =
            serde_json::from_str(&std::fs::read_to_string(real).unwrap()).unwrap();
        let extra = serde_json::json!({"package": {"name": "plug", "ecosystem": "Hex"}});
        record["affected"].as_array_mut().unwrap().push(extra);
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("GO-2020-0001.json"), record.to_string()).unwrap();
        let (all, report) = import(&Osv, tmp.path());
        assert_eq!(
            (all.len(), all[0].affected.len(), report.skipped.len()),
            (1, 1, 0)
        );
    }

    #[test]
    fn malformed_files_are_skipped_and_the_rest_imported() {
        let read = |p: &str| std::fs::read_to_string(vulndata(p)).unwrap();
        let go = read("golang-vulndb/data/osv/GO-2020-0001.json");
        let py = read("pypa-advisory-database/vulns/apache-skywalking/PYSEC-2020-342.yaml");
        let tmp = tempfile::tempdir().unwrap();
        let write = |name: &str, body: &str| std::fs::write(tmp.path().join(name), body).unwrap();
        write("GO-2020-0001.json", &go);
        write("PYSEC-2020-342.yaml", &py);
        write("truncated.json", &go[..go.len() / 3]);
        let head = &py[..py.find("affected:").unwrap()];
        write("truncated.yaml", &head.replace("id: ", "ident: "));
        write("garbage.yml", "- [ {");
        write(
            "events.json",
            &go.replace("\"fixed\": \"1.6.0\"", "\"fixed\": 160"),
        );
        std::fs::create_dir(tmp.path().join(".git")).unwrap();
        write(".git/config.json", "{}");
        let (all, report) = import(&Osv, tmp.path());
        assert_eq!((all.len(), report.files), (2, 6));
        let name = |s: &Skipped| {
            Path::new(&s.file)
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        };
        let mut skipped: Vec<_> = report
            .skipped
            .iter()
            .map(|s| (name(s), s.reason.as_str()))
            .collect();
        skipped.sort();
        let expected = [
            ("events.json", "invalid OSV JSON: invalid type: integer"),
            ("garbage.yml", "invalid OSV YAML"),
            ("truncated.json", "invalid OSV JSON: EOF"),
            ("truncated.yaml", "invalid OSV YAML: missing field `id`"),
        ];
        assert_eq!(skipped.len(), expected.len());
        for ((file, reason), (want_file, want_reason)) in skipped.iter().zip(expected) {
            assert_eq!(file, want_file);
            assert!(reason.starts_with(want_reason), "{file}: {reason}");
        }
    }
}
