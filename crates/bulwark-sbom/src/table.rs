//! A plain-text table for people: one row per package, then a summary line.
//!
//! ```text
//! NAME      VERSION           TYPE  LAYER                LOCATION
//! libssl3   3.0.11-1~deb12u2  deb   sha256:9f86d081884c  /var/lib/dpkg/status
//! ```
//!
//! No colours or borders, so the output is the same on a terminal, in a pipe and in a file.

use std::collections::BTreeMap;

use bulwark_types::{Ecosystem, Package, Sbom};
use comfy_table::{ContentArrangement, Table, presets};

use crate::SbomError;

fn layer(pkg: &Package) -> String {
    match pkg.layer() {
        Some(l) => match l.diff_id.as_ref().or(l.digest.as_ref()) {
            Some(d) => d.short(),
            None => format!("layer {}", l.index),
        },
        None => String::new(),
    }
}

fn sorted(sbom: &Sbom) -> Vec<&Package> {
    let mut packages: Vec<&Package> = sbom.packages.iter().collect();
    packages.sort_by(|a, b| {
        (a.ecosystem, &a.name, &a.version, &a.namespace).cmp(&(
            b.ecosystem,
            &b.name,
            &b.version,
            &b.namespace,
        ))
    });
    packages
}

fn display_name(pkg: &Package) -> String {
    match (pkg.ecosystem, &pkg.namespace) {
        (Ecosystem::Maven, Some(_)) => pkg.advisory_name(),
        _ => pkg.name.clone(),
    }
}

/// `12 packages: 5 deb, 4 npm, 3 pypi`, in ecosystem order.
fn summary(sbom: &Sbom) -> String {
    let mut counts: BTreeMap<Ecosystem, usize> = BTreeMap::new();
    for p in &sbom.packages {
        *counts.entry(p.ecosystem).or_default() += 1;
    }
    let total = sbom.packages.len();
    let noun = if total == 1 { "package" } else { "packages" };
    let mut line = format!("{total} {noun}");
    if !counts.is_empty() {
        let parts: Vec<String> = counts.iter().map(|(e, n)| format!("{n} {e}")).collect();
        line.push_str(": ");
        line.push_str(&parts.join(", "));
    }
    if let Some(d) = &sbom.distro {
        line.push_str(&format!(" (distro {})", d.purl_qualifier()));
    }
    if !sbom.warnings.is_empty() {
        let n = sbom.warnings.len();
        line.push_str(&format!("; {n} warning{}", if n == 1 { "" } else { "s" }));
    }
    line
}

pub(crate) fn render(sbom: &Sbom) -> String {
    let mut out = String::new();
    if !sbom.packages.is_empty() {
        let mut table = Table::new();
        table
            .load_style(presets::NOTHING)
            .force_no_tty()
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(["NAME", "VERSION", "TYPE", "LAYER", "LOCATION"]);
        for pkg in sorted(sbom) {
            let location = pkg
                .locations
                .first()
                .map(|l| l.path.clone())
                .unwrap_or_default();
            table.add_row([
                display_name(pkg),
                pkg.version.clone(),
                pkg.ecosystem.to_string(),
                layer(pkg),
                location,
            ]);
        }
        for column in table.column_iter_mut() {
            column.set_padding((0, 2));
        }
        for line in table.lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out.push_str(&summary(sbom));
    out.push('\n');
    out
}

pub(crate) fn write(sbom: &Sbom, out: &mut dyn std::io::Write) -> Result<(), SbomError> {
    out.write_all(render(sbom).as_bytes())
        .map_err(|source| SbomError::Write {
            format: "table",
            source,
        })
}

#[cfg(test)]
mod tests {
    use bulwark_types::{Digest, LayerRef, Location};

    use super::*;

    #[test]
    fn sorts_and_summarizes() {
        let mut sbom = Sbom::default();
        let mut a = Package::new(Ecosystem::Npm, "zod", "3.22.4");
        a.locations.push(Location {
            path: "/app/node_modules/zod/package.json".into(),
            layer: Some(LayerRef {
                index: 2,
                digest: None,
                diff_id: Some(Digest::sha256_hex(&"ab".repeat(32)).unwrap()),
            }),
        });
        let mut b = Package::new(Ecosystem::Maven, "log4j-core", "2.14.1");
        b.namespace = Some("org.apache.logging.log4j".into());
        let c = Package::new(Ecosystem::Deb, "bash", "5.2.15-2+b2");
        let d = Package::new(Ecosystem::Npm, "express", "4.18.2");
        sbom.packages = vec![a, b, c, d];
        sbom.warnings.push("x".into());
        let text = render(&sbom);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("NAME  "), "{text}");
        assert!(lines[1].contains("bash"));
        assert!(lines[2].contains("express"));
        assert!(lines[3].contains("zod") && lines[3].contains("sha256:abababababab"));
        assert!(lines[4].contains("org.apache.logging.log4j:log4j-core"));
        assert_eq!(lines[5], "4 packages: 1 deb, 2 npm, 1 maven; 1 warning");
        assert!(!text.contains('\x1b'));
        assert_eq!(render(&Sbom::default()), "0 packages\n");
    }
}
