//! Which packages one Java archive stands for, from its `pom.properties` files, its
//! manifest and its file name.

use bulwark_types::{Ecosystem, Package};

use super::manifest::Manifest;
use super::pom::PomProperties;

/// The packages of one archive (not of the archives nested in it).
///
/// Every distinct `pom.properties` gives a package: the archive's own, and those of
/// libraries shaded into it. The manifest adds a package only when no `pom.properties`
/// is the archive's own (see [`own_pom`]), so that a Maven-built jar is not counted twice.
/// `Bundle-License` licences go to the archive's own package.
pub(crate) fn packages(
    file_name: &str,
    manifest: Option<&Manifest>,
    poms: &[PomProperties],
) -> Vec<Package> {
    let (stem, file_version) = split_file_name(file_name);
    let licenses = manifest
        .map(super::license::from_manifest)
        .unwrap_or_default();
    let mut unique: Vec<&PomProperties> = Vec::new();
    for p in poms {
        if !unique.contains(&p) {
            unique.push(p);
        }
    }
    let own = own_pom(stem, file_version.is_some(), &unique);
    let mut out: Vec<Package> = unique
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut pkg =
                Package::new(Ecosystem::Maven, p.artifact_id.as_str(), p.version.as_str());
            pkg.namespace = p.group_id.clone();
            if own == Some(i) {
                pkg.licenses = licenses.clone();
            }
            pkg
        })
        .collect();
    if own.is_none()
        && let Some(mut pkg) = manifest_package(stem, file_version, manifest)
        && !out
            .iter()
            .any(|p| p.name == pkg.name && p.version == pkg.version)
    {
        pkg.licenses = licenses;
        out.push(pkg);
    }
    out
}

/// The `pom.properties` describing the archive itself: the one whose artifactId is the file
/// name's (`guava-31.1-jre.jar` -> `guava`; also `io.quarkus.gizmo.gizmo-1.1.jar` ->
/// `gizmo`), else the only one when the file name does not name something else.
fn own_pom(stem: &str, stem_is_versioned: bool, poms: &[&PomProperties]) -> Option<usize> {
    let matches = |p: &PomProperties| {
        p.artifact_id == stem
            || stem
                .strip_suffix(p.artifact_id.as_str())
                .is_some_and(|head| head.ends_with('.'))
    };
    if let Some(i) = poms.iter().position(|p| matches(p)) {
        return Some(i);
    }
    (poms.len() == 1 && !stem_is_versioned).then_some(0)
}

/// A package from the manifest, named after the file when it is `name-version.jar`, else
/// after the manifest (Jenkins `Short-Name`, `Bundle-SymbolicName`, `Implementation-Title`,
/// `Specification-Title`, whichever comes first and is a single word), else the bare file
/// name. The version comes from `Implementation-Version`, `Bundle-Version`,
/// `Plugin-Version`, `Specification-Version`, else the file name. No version, no package.
fn manifest_package(
    stem: &str,
    file_version: Option<&str>,
    manifest: Option<&Manifest>,
) -> Option<Package> {
    let get = |key: &str| manifest.and_then(|m| m.get(key));
    let word = |key: &str| get(key).filter(|v| !v.contains(char::is_whitespace));
    let name = if file_version.is_some() {
        stem.to_string()
    } else {
        word("Short-Name")
            .or_else(|| {
                get("Bundle-SymbolicName")
                    .and_then(|v| v.split(';').next())
                    .map(str::trim)
            })
            .or_else(|| word("Implementation-Title"))
            .or_else(|| word("Specification-Title"))
            .unwrap_or(stem)
            .to_string()
    };
    let version = [
        "Implementation-Version",
        "Bundle-Version",
        "Plugin-Version",
        "Specification-Version",
    ]
    .into_iter()
    .find_map(get)
    .and_then(|v| v.split_whitespace().next())
    .or(file_version)?;
    if name.is_empty() {
        return None;
    }
    let mut pkg = Package::new(Ecosystem::Maven, name, version);
    pkg.namespace = get("Implementation-Vendor-Id")
        .or_else(|| get("Group-Id"))
        .map(str::to_string);
    Some(pkg)
}

/// `commons-lang3-3.12.0.jar` -> (`commons-lang3`, `3.12.0`): the version starts at the
/// first `-` followed by a digit, or for Eclipse bundles (`org.eclipse.osgi_3.7.1.jar`) at
/// the first `_` followed by a dotted number.
pub(crate) fn split_file_name(file_name: &str) -> (&str, Option<&str>) {
    let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
    let starts_version = |rest: &str, dotted: bool| {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        digits > 0 && (!dotted || rest.get(digits..).is_some_and(|r| r.starts_with('.')))
    };
    for (sep, dotted) in [('-', false), ('_', true)] {
        let split = stem.match_indices(sep).map(|(i, _)| i).find(|&i| {
            i > 0
                && stem
                    .get(i + 1..)
                    .is_some_and(|rest| starts_version(rest, dotted))
        });
        if let Some(i) = split {
            return (stem.get(..i).unwrap_or(stem), stem.get(i + 1..));
        }
    }
    (stem, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pom(g: &str, a: &str, v: &str) -> PomProperties {
        PomProperties {
            group_id: Some(g.into()),
            artifact_id: a.into(),
            version: v.into(),
        }
    }

    fn ids(pkgs: &[Package]) -> Vec<String> {
        pkgs.iter()
            .map(|p| {
                format!(
                    "{}:{}:{}",
                    p.namespace.as_deref().unwrap_or(""),
                    p.name,
                    p.version
                )
            })
            .collect()
    }

    #[test]
    fn file_names() {
        assert_eq!(
            split_file_name("commons-lang3-3.12.0.jar"),
            ("commons-lang3", Some("3.12.0"))
        );
        assert_eq!(
            split_file_name("guava-31.1-jre.jar"),
            ("guava", Some("31.1-jre"))
        );
        assert_eq!(
            split_file_name("io.quarkus.gizmo.gizmo-1.1.jar"),
            ("io.quarkus.gizmo.gizmo", Some("1.1"))
        );
        assert_eq!(
            split_file_name("org.eclipse.osgi_3.7.1.R37x.jar"),
            ("org.eclipse.osgi", Some("3.7.1.R37x"))
        );
        assert_eq!(split_file_name("nested.jar"), ("nested", None));
        assert_eq!(split_file_name("nested_at_10.jar"), ("nested_at_10", None));
        assert_eq!(split_file_name("-1.0.jar"), ("-1.0", None));
        assert_eq!(split_file_name("noext"), ("noext", None));
    }

    #[test]
    fn own_pom_suppresses_the_manifest_package() {
        let m = Manifest::parse(
            "Implementation-Title: Apache Hadoop shaded Guava\nImplementation-Version: 1.1.0\n",
        );
        let poms = [
            pom(
                "org.apache.hadoop.thirdparty",
                "hadoop-shaded-guava",
                "1.1.0",
            ),
            pom("com.google.guava", "guava", "29.0"),
        ];
        let got = packages("hadoop-shaded-guava-1.1.0.jar", Some(&m), &poms);
        assert_eq!(
            ids(&got),
            [
                "org.apache.hadoop.thirdparty:hadoop-shaded-guava:1.1.0",
                "com.google.guava:guava:29.0"
            ]
        );
        // A shaded jar without its own pom: the manifest names it, the embedded pom is kept.
        let got = packages("myapp-2.0.jar", Some(&m), &poms[1..]);
        assert_eq!(ids(&got), ["com.google.guava:guava:29.0", ":myapp:1.1.0"]);
        // One pom, file name without a version: it is the archive's own.
        let got = packages("app.jar", Some(&m), &poms[1..]);
        assert_eq!(ids(&got), ["com.google.guava:guava:29.0"]);
        // Duplicates count once.
        let got = packages("x.jar", None, &[poms[1].clone(), poms[1].clone()]);
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn manifest_only_archives() {
        let m = Manifest::parse(
            "Bundle-SymbolicName: com.google.src.yolo;singleton:=true\nBundle-Version: 0.1.2\n",
        );
        assert_eq!(
            ids(&packages("yolo.jar", Some(&m), &[])),
            [":com.google.src.yolo:0.1.2"]
        );
        let m = Manifest::parse(
            "Implementation-Vendor-Id: com.example\nImplementation-Title: jenkins-plugin\nImplementation-Version: 1.0.0\n",
        );
        assert_eq!(
            ids(&packages("x.jar", Some(&m), &[])),
            ["com.example:jenkins-plugin:1.0.0"]
        );
        let m = Manifest::parse(
            "Short-Name: gradle\nGroup-Id: org.jenkins-ci.plugins\nPlugin-Version: 2.11\n",
        );
        assert_eq!(
            ids(&packages("gradle.hpi", Some(&m), &[])),
            ["org.jenkins-ci.plugins:gradle:2.11"]
        );
        let m = Manifest::parse("Implementation-Version: 1.3 2244 October 5 2005\n");
        assert_eq!(ids(&packages("thing.jar", Some(&m), &[])), [":thing:1.3"]);
        // Nothing but the file name.
        assert_eq!(
            ids(&packages("heuristic-1.0.0-SNAPSHOT.jar", None, &[])),
            [":heuristic:1.0.0-SNAPSHOT"]
        );
        assert!(
            packages(
                "app.jar",
                Some(&Manifest::parse("Manifest-Version: 1.0\n")),
                &[]
            )
            .is_empty()
        );
    }
}
