//! Matching packages against the database: OS packages by source package and the
//! distro release's own fixed versions, language packages by OSV ranges; aliases of one
//! flaw merged into one finding.

use std::collections::HashMap;
use std::rc::Rc;

use bulwark_types::{
    Advisory, Distro, Ecosystem, Finding, FindingPackage, FixState, Package, Sbom, Severity,
};
use bulwark_version::{affects, fixed_versions, for_ecosystem};

use crate::db::{AffectedRef, Database, DbError};

/// What a package's findings depend on: ecosystem, release, names looked up, version.
type ResultKey = (Ecosystem, String, Vec<String>, String);

/// Matches packages; caches decoded database records, so one matcher should serve many
/// SBOMs (re-checking a registry's worth of stored SBOMs reuses every lookup).
pub struct Matcher<'a> {
    db: &'a Database,
    affected: HashMap<(Ecosystem, String, String), Rc<Vec<AffectedRef>>>,
    advisories: HashMap<(String, String), Option<Rc<Advisory>>>,
    enrichment: HashMap<String, Option<Rc<Advisory>>>,
    /// Findings per (ecosystem, release, names, compared version): stored SBOMs repeat
    /// the same package versions over and over, so each is matched once.
    results: HashMap<ResultKey, Rc<Vec<Finding>>>,
}

/// The `<distro>:<release>` key OS advisories are stored under for this distro, e.g.
/// `debian:12`, `alpine:3.10`, `ubuntu:22.04`, `rocky:9`.
pub fn release_key(distro: &Distro) -> Option<String> {
    let version = distro.version_id.as_deref()?;
    let mut parts = version.split('.');
    let release = match distro.id.as_str() {
        "alpine" => {
            let major = parts.next()?;
            let minor = parts.next()?;
            format!("{major}.{minor}")
        }
        "ubuntu" => version.to_string(),
        _ => parts.next()?.to_string(),
    };
    Some(format!("{}:{release}", distro.id))
}

impl<'a> Matcher<'a> {
    pub fn new(db: &'a Database) -> Self {
        Self {
            db,
            affected: HashMap::new(),
            advisories: HashMap::new(),
            enrichment: HashMap::new(),
            results: HashMap::new(),
        }
    }

    /// Every finding for every package of an SBOM.
    pub fn match_sbom(&mut self, sbom: &Sbom) -> Result<Vec<Finding>, DbError> {
        let release = sbom.distro.as_ref().and_then(release_key);
        let mut out = Vec::new();
        for pkg in &sbom.packages {
            out.extend(self.match_package(pkg, release.as_deref())?);
        }
        Ok(out)
    }

    /// Findings for one package; `release` is the distro release key for OS packages.
    pub fn match_package(
        &mut self,
        pkg: &Package,
        release: Option<&str>,
    ) -> Result<Vec<Finding>, DbError> {
        let scheme = for_ecosystem(pkg.ecosystem);
        let (names, distro, version) = if pkg.ecosystem.is_os() {
            let Some(release) = release else {
                return Ok(Vec::new());
            };
            let mut names = Vec::new();
            if let Some(src) = &pkg.source {
                names.push(src.name.clone());
            }
            if !names.contains(&pkg.name) {
                names.push(pkg.name.clone());
            }
            (names, release.to_string(), os_version(pkg))
        } else {
            (
                vec![pkg.advisory_name()],
                String::new(),
                pkg.version.clone(),
            )
        };
        let key = (pkg.ecosystem, distro, names, version);
        if let Some(hit) = self.results.get(&key) {
            let fresh = finding_package(pkg, None);
            return Ok(hit
                .iter()
                .map(|f| Finding {
                    package: FindingPackage {
                        source: f.package.source.clone(),
                        ..fresh.clone()
                    },
                    ..f.clone()
                })
                .collect());
        }
        let (eco, distro, names, version) = &key;
        let mut raw: Vec<Finding> = Vec::new();
        for name in names {
            let entries = self.lookup(*eco, distro, name)?;
            for entry in entries.iter() {
                if !affects(scheme, version, &entry.affected) {
                    continue;
                }
                let finding = self.finding(pkg, name, entry)?;
                raw.extend(split_bundle(finding));
            }
        }
        let merged = merge_aliases(raw);
        self.results.insert(key, Rc::new(merged.clone()));
        Ok(merged)
    }

    fn lookup(
        &mut self,
        eco: Ecosystem,
        distro: &str,
        name: &str,
    ) -> Result<Rc<Vec<AffectedRef>>, DbError> {
        let key = (eco, distro.to_string(), name.to_string());
        if let Some(hit) = self.affected.get(&key) {
            return Ok(hit.clone());
        }
        let found = Rc::new(self.db.affected(eco, distro, name)?);
        self.affected.insert(key, found.clone());
        Ok(found)
    }

    fn advisory(&mut self, source: &str, id: &str) -> Result<Option<Rc<Advisory>>, DbError> {
        let key = (source.to_string(), id.to_string());
        if let Some(hit) = self.advisories.get(&key) {
            return Ok(hit.clone());
        }
        let found = self.db.advisory(source, id)?.map(Rc::new);
        self.advisories.insert(key, found.clone());
        Ok(found)
    }

    fn nvd(&mut self, id: &str) -> Result<Option<Rc<Advisory>>, DbError> {
        if let Some(hit) = self.enrichment.get(id) {
            return Ok(hit.clone());
        }
        let found = self.db.enrichment(id)?.map(Rc::new);
        self.enrichment.insert(id.to_string(), found.clone());
        Ok(found)
    }

    fn finding(
        &mut self,
        pkg: &Package,
        matched_name: &str,
        entry: &AffectedRef,
    ) -> Result<Finding, DbError> {
        let adv = self.advisory(&entry.source, &entry.id)?;
        let aliases = adv.as_ref().map(|a| a.aliases.clone()).unwrap_or_default();
        let ids: Vec<&str> = std::iter::once(entry.id.as_str())
            .chain(aliases.iter().map(String::as_str))
            .collect();
        let mut nvd = None;
        for id in ids.iter().filter(|i| i.starts_with("CVE-")) {
            if let Some(n) = self.nvd(id)? {
                nvd = Some(n);
                break;
            }
        }
        let fixed: Vec<String> = entry
            .affected
            .ranges
            .iter()
            .flat_map(|r| fixed_versions(r))
            .collect();
        let severity = entry
            .affected
            .severity
            .filter(|s| *s != Severity::Unknown)
            .or_else(|| nvd.as_deref().and_then(rated))
            .or_else(|| adv.as_deref().and_then(rated))
            .unwrap_or_default();
        let mut cvss = adv.as_ref().map(|a| a.cvss.clone()).unwrap_or_default();
        if let Some(n) = &nvd {
            cvss.extend(n.cvss.iter().cloned());
        }
        let text = |a: &Advisory| a.summary.clone().or_else(|| a.details.clone());
        let title = adv
            .as_deref()
            .and_then(text)
            .or_else(|| nvd.as_deref().and_then(text))
            .map(|t| one_line(&t))
            .unwrap_or_default();
        let mut cwes = adv.as_ref().map(|a| a.cwes.clone()).unwrap_or_default();
        if let Some(n) = &nvd {
            cwes.extend(n.cwes.iter().cloned());
        }
        cwes.sort();
        cwes.dedup();
        Ok(Finding {
            id: entry.id.clone(),
            aliases,
            package: finding_package(
                pkg,
                (pkg.ecosystem.is_os() && matched_name != pkg.name)
                    .then(|| matched_name.to_string()),
            ),
            fix_state: if fixed.is_empty() {
                FixState::NotFixed
            } else {
                FixState::Fixed
            },
            fixed_versions: fixed,
            severity,
            cvss,
            title,
            description: adv.as_ref().and_then(|a| a.details.clone()),
            cwes,
            references: adv
                .as_ref()
                .map(|a| a.references.clone())
                .unwrap_or_default(),
            sources: vec![entry.source.clone()],
            suppressed: None,
        })
    }
}

/// The package part of a finding.
fn finding_package(pkg: &Package, source: Option<String>) -> FindingPackage {
    FindingPackage {
        name: pkg.name.clone(),
        version: pkg.version.clone(),
        ecosystem: pkg.ecosystem,
        purl: pkg.purl.clone(),
        source,
        layer: pkg.layer().cloned(),
        path: pkg.locations.first().map(|l| l.path.clone()),
    }
}

/// The version string OS advisories compare against: the source version for Debian (the
/// tracker records source versions), `epoch:version-release` for rpm.
fn os_version(pkg: &Package) -> String {
    match pkg.ecosystem {
        Ecosystem::Deb => pkg
            .source
            .as_ref()
            .and_then(|s| s.version.clone())
            .unwrap_or_else(|| pkg.version.clone()),
        Ecosystem::Rpm => match pkg.epoch {
            Some(e) if e > 0 => format!("{e}:{}", pkg.version),
            _ => pkg.version.clone(),
        },
        _ => pkg.version.clone(),
    }
}

/// The rating a record carries: its own word, else its highest CVSS score.
fn rated(a: &Advisory) -> Option<Severity> {
    a.severity.filter(|s| *s != Severity::Unknown).or_else(|| {
        a.cvss
            .iter()
            .filter_map(|c| c.score)
            .fold(None, |m: Option<f32>, s| Some(m.map_or(s, |m| m.max(s))))
            .map(Severity::from_cvss_score)
    })
}

fn one_line(s: &str) -> String {
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let mut out: String = line.chars().take(120).collect();
    if line.chars().count() > 120 {
        out.push('…');
    }
    out
}

/// A distro notice that fixes several CVEs at once (a DSA, USN or RLSA listing more than
/// one CVE) is several flaws: one finding per CVE, each naming the notice as an alias.
fn split_bundle(f: Finding) -> Vec<Finding> {
    let cves: Vec<String> = f
        .aliases
        .iter()
        .filter(|a| a.starts_with("CVE-"))
        .cloned()
        .collect();
    if f.id.starts_with("CVE-") || cves.len() < 2 {
        return vec![f];
    }
    let others: Vec<String> = std::iter::once(f.id.clone())
        .chain(f.aliases.iter().filter(|a| !a.starts_with("CVE-")).cloned())
        .collect();
    cves.into_iter()
        .map(|cve| Finding {
            id: cve,
            aliases: others.clone(),
            ..f.clone()
        })
        .collect()
}

fn ids(x: &Finding) -> Vec<String> {
    std::iter::once(x.id.clone())
        .chain(x.aliases.iter().cloned())
        .collect()
}

/// Two findings describe the same flaw: the same CVE, or (when either has no CVE id)
/// any shared id or alias.
fn same_flaw(a: &Finding, b: &Finding) -> bool {
    if a.id.starts_with("CVE-") && b.id.starts_with("CVE-") {
        return a.id == b.id;
    }
    let theirs = ids(b);
    ids(a).iter().any(|i| theirs.contains(i))
}

/// Makes a CVE alias the primary id of a finding whose own id is not a CVE.
fn promote_cve(mut f: Finding) -> Finding {
    let cve = f.aliases.iter().position(|a| a.starts_with("CVE-"));
    if let (false, Some(cve)) = (f.id.starts_with("CVE-"), cve) {
        let cve = f.aliases.remove(cve);
        f.aliases.push(std::mem::replace(&mut f.id, cve));
    }
    f
}

/// Merges findings of one package that describe the same flaw into one finding: CVE id
/// preferred, every other id an alias, fixed versions and sources united, highest
/// severity kept.
fn merge_aliases(raw: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for f in raw {
        let f = promote_cve(f);
        let Some(o) = out.iter_mut().find(|o| same_flaw(o, &f)) else {
            out.push(f);
            continue;
        };
        let mut all = ids(o);
        all.extend(ids(&f));
        all.sort();
        all.dedup();
        let primary = if o.id.starts_with("CVE-") {
            o.id.clone()
        } else {
            all.iter()
                .find(|i| i.starts_with("CVE-"))
                .cloned()
                .unwrap_or_else(|| o.id.clone())
        };
        o.aliases = all.into_iter().filter(|i| *i != primary).collect();
        o.id = primary;
        for v in f.fixed_versions {
            if !o.fixed_versions.contains(&v) {
                o.fixed_versions.push(v);
            }
        }
        if !o.fixed_versions.is_empty() {
            o.fix_state = FixState::Fixed;
        }
        for s in f.sources {
            if !o.sources.contains(&s) {
                o.sources.push(s);
            }
        }
        if o.severity == Severity::Unknown
            || (f.severity > o.severity && f.severity != Severity::Unknown)
        {
            o.severity = f.severity;
        }
        if o.title.is_empty() {
            o.title = f.title;
        }
    }
    out
}
