//! Last step: merge duplicates, give every package its purl, and sort.

use std::collections::HashMap;

use bulwark_types::{Package, Sbom, Target, purl_for};

use super::Merged;

/// Merges the same package found in several files (e.g. an npm package's `package.json`
/// and the app's `package-lock.json`) into one with all locations, fills in purls and
/// sorts by ecosystem, name and version.
pub fn finish(target: Target, merged: Merged) -> Sbom {
    let mut out: Vec<Package> = Vec::with_capacity(merged.packages.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for mut p in merged.packages {
        p.purl = purl_for(&p, merged.distro.as_ref());
        match seen.get(&p.purl) {
            Some(&i) => {
                if let Some(existing) = out.get_mut(i) {
                    for loc in p.locations {
                        if !existing.locations.contains(&loc) {
                            existing.locations.push(loc);
                        }
                    }
                    for l in p.licenses {
                        if !existing.licenses.contains(&l) {
                            existing.licenses.push(l);
                        }
                    }
                    if existing.source.is_none() {
                        existing.source = p.source;
                    }
                }
            }
            None => {
                seen.insert(p.purl.clone(), out.len());
                out.push(p);
            }
        }
    }
    for p in &mut out {
        // Earliest layer first, so the primary location is where the package came in.
        p.locations
            .sort_by_key(|l| (l.layer.as_ref().map(|x| x.index), l.path.clone()));
    }
    out.sort_by(|a, b| {
        (a.ecosystem, &a.name, &a.version, &a.purl).cmp(&(
            b.ecosystem,
            &b.name,
            &b.version,
            &b.purl,
        ))
    });
    let mut warnings = merged.warnings;
    warnings.sort();
    warnings.dedup();
    Sbom {
        target,
        distro: merged.distro,
        packages: out,
        warnings,
    }
}
