//! Licences declared in a manifest: OSGi `Bundle-License` and Jenkins `Plugin-License-Name`.
//!
//! `Bundle-License` is a comma-separated list of clauses `name;description=..;link=..`,
//! where the name is an SPDX id, a licence name or, very often, a URL. Only what maps to
//! SPDX is kept: a licence list is for matching policies, and free text cannot be matched.

use super::manifest::Manifest;
use crate::util::to_spdx;

/// The SPDX licences a manifest declares, in order, without duplicates.
pub(crate) fn from_manifest(manifest: &Manifest) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |l: Option<String>| {
        if let Some(l) = l.filter(|l| !out.contains(l)) {
            out.push(l);
        }
    };
    if let Some(value) = manifest.get("Bundle-License") {
        let clauses: Vec<Option<String>> = split_clauses(value)
            .into_iter()
            .map(|c| clause_name(c).and_then(spdx_of))
            .collect();
        // An unquoted name with a comma (`Apache License, Version 2.0`) is one licence.
        let whole = clauses
            .iter()
            .any(Option::is_none)
            .then(|| clause_name(value).and_then(spdx_of))
            .flatten();
        match whole {
            Some(l) => push(Some(l)),
            None => clauses.into_iter().for_each(&mut push),
        }
    }
    for name in manifest.with_prefix("Plugin-License-Name") {
        push(spdx_of(name));
    }
    out
}

/// The licence part of a clause: before the first `;`, unquoted.
fn clause_name(clause: &str) -> Option<&str> {
    let name = clause.split(';').next()?.trim().trim_matches('"').trim();
    (!name.is_empty()).then_some(name)
}

/// Commas outside double quotes separate clauses.
fn split_clauses(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(value.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(value.get(start..).unwrap_or_default());
    out
}

/// An SPDX expression for a licence name, id or well-known licence URL.
fn spdx_of(name: &str) -> Option<String> {
    let name = name.trim();
    if name.contains("://") || name.starts_with("www.") {
        return from_url(name);
    }
    let mapped = to_spdx(name);
    spdx::Expression::parse(&mapped).is_ok().then_some(mapped)
}

/// Licence URLs: opensource.org / spdx.org pages named after the id, and the few other
/// addresses that licence texts are published at.
fn from_url(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let path = lower.split_once("://").map_or(lower.as_str(), |(_, p)| p);
    let path = path
        .strip_prefix("www.")
        .unwrap_or(path)
        .trim_end_matches('/');
    let path = [".txt", ".html", ".php", ".htm"]
        .iter()
        .fold(path, |p, ext| p.strip_suffix(ext).unwrap_or(p));
    const KNOWN: &[(&str, &str)] = &[
        ("apache.org/licenses/license-2.0", "Apache-2.0"),
        ("opensource.org/licenses/mit-license", "MIT"),
        ("eclipse.org/legal/epl-v10", "EPL-1.0"),
        ("eclipse.org/legal/epl-2.0", "EPL-2.0"),
        ("eclipse.org/legal/epl-v20", "EPL-2.0"),
        ("eclipse.org/org/documents/edl-v10", "BSD-3-Clause"),
        ("mozilla.org/mpl/2.0", "MPL-2.0"),
    ];
    if let Some((_, id)) = KNOWN.iter().find(|(p, _)| *p == path) {
        return Some((*id).to_string());
    }
    let (site, id) = path.rsplit_once('/')?;
    if matches!(site, "opensource.org/licenses" | "spdx.org/licenses") {
        return spdx::identifiers::LICENSES
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(id))
            .map(|l| l.name.to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn licences(bundle_license: &str) -> Vec<String> {
        from_manifest(&Manifest::parse(&format!(
            "Bundle-License: {bundle_license}\n"
        )))
    }

    #[test]
    fn bundle_license_forms() {
        assert_eq!(
            licences("http://www.apache.org/licenses/LICENSE-2.0.txt"),
            ["Apache-2.0"]
        );
        assert_eq!(licences("https://opensource.org/licenses/MIT"), ["MIT"]);
        assert_eq!(
            licences("https://spdx.org/licenses/bsd-3-clause.html"),
            ["BSD-3-Clause"]
        );
        assert_eq!(licences("Apache-2.0"), ["Apache-2.0"]);
        assert_eq!(licences("Apache License, Version 2.0"), ["Apache-2.0"]);
        assert_eq!(licences("MIT OR Apache-2.0"), ["MIT OR Apache-2.0"]);
        assert_eq!(
            licences(
                "EPL-2.0;link=\"https://www.eclipse.org/legal/epl-2.0\", GPL-2.0-only WITH Classpath-exception-2.0"
            ),
            ["EPL-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"]
        );
        assert!(licences("Proprietary; see LICENSE.txt").is_empty());
        assert!(licences("<<EXTERNAL>>").is_empty());
        assert!(licences("https://example.com/our-licence").is_empty());
    }

    #[test]
    fn jenkins_plugin_licences() {
        let m = Manifest::parse(
            "Plugin-License-Name: Apache License, Version 2.0\nPlugin-License-Name-2: MIT License\n",
        );
        assert_eq!(from_manifest(&m), ["Apache-2.0", "MIT"]);
    }
}
