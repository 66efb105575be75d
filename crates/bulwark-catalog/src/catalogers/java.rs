//! Java archives (jar/war/ear, nested) via pom.properties and MANIFEST.MF.

use crate::java::{self, ArchiveLimits};
use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Java archives (jar/war/ear, nested) via pom.properties and MANIFEST.MF.
///
/// Each archive gives one Maven package per `pom.properties` (its own and those of the
/// libraries shaded into it), plus one from its manifest or file name when none of those
/// is its own. Archives nested inside (`WEB-INF/lib`, `BOOT-INF/lib`, or anywhere else) are
/// opened down to 8 levels; their packages are located at `<file>!/<inner path>`. Reads
/// are bounded (512 MiB uncompressed per top-level file, 256 MiB per nested archive);
/// hitting a bound gives a warning and keeps what was found.
#[derive(Debug, Default, Clone, Copy)]
pub struct Java;

impl Cataloger for Java {
    fn name(&self) -> &'static str {
        "java"
    }

    fn wants(&self, path: &str, _meta: &FileMeta) -> bool {
        java::is_archive_name(path)
    }

    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        java::scan(file.path, file.data, ArchiveLimits::default(), out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    const TRIVY: &str = "fixtures/trivy/pkg/dependency/parser/java/jar/testdata";
    const SCALIBR: &str =
        "fixtures/osv-scalibr/extractor/filesystem/language/java/archive/testdata";
    const SYFT_PKGS: &str =
        "fixtures/syft/cmd/syft/internal/test/integration/testdata/image-pkg-coverage/pkgs/java";

    fn read(dir: &str, name: &str) -> Vec<u8> {
        std::fs::read(testdata().join(dir).join(name)).unwrap()
    }

    fn scan_with(
        name: &str,
        data: &[u8],
        limits: ArchiveLimits,
    ) -> (Result<(), CatalogError>, Output) {
        let path = format!("/opt/app/{name}");
        let mut out = Output::default();
        let result = java::scan(&path, data, limits, &mut out);
        (result, out)
    }

    /// `group:artifact:version` plus ` @ <inner path>` for nested packages.
    fn run(name: &str, data: &[u8]) -> Vec<String> {
        let input = FileInput {
            path: &format!("/opt/app/{name}"),
            meta: FileMeta {
                size: 0,
                mode: 0o644,
            },
            data,
        };
        let mut out = Output::default();
        Java.catalog(&input, &mut out).unwrap();
        assert!(out.warnings.is_empty(), "{name}: {:?}", out.warnings);
        describe(&out)
    }

    fn describe(out: &Output) -> Vec<String> {
        let prefix = "/opt/app/";
        out.packages
            .iter()
            .map(|p| {
                assert_eq!(p.ecosystem, bulwark_types::Ecosystem::Maven);
                let mut s = format!(
                    "{}:{}:{}",
                    p.namespace.as_deref().unwrap_or(""),
                    p.name,
                    p.version
                );
                for l in &p.locations {
                    assert!(l.layer.is_none());
                    s.push_str(" @ ");
                    s.push_str(l.path.strip_prefix(prefix).unwrap());
                }
                s
            })
            .collect()
    }

    // Expected coordinates cross-checked with Python's zipfile reading every pom.properties,
    // nested archives included.
    #[test]
    fn wars_report_their_libraries_at_nested_locations() {
        assert_eq!(
            run("maven.war", &read(TRIVY, "maven.war")),
            [
                "com.example:web-app:1.0-SNAPSHOT",
                "org.glassfish:javax.el:3.0.0 @ maven.war!/WEB-INF/lib/javax.el-3.0.0.jar",
                "com.fasterxml.jackson.core:jackson-databind:2.9.10.6 @ maven.war!/WEB-INF/lib/jackson-databind-2.9.10.6.jar",
                "com.fasterxml.jackson.core:jackson-annotations:2.9.10 @ maven.war!/WEB-INF/lib/jackson-annotations-2.9.10.jar",
                "com.fasterxml.jackson.core:jackson-core:2.9.10 @ maven.war!/WEB-INF/lib/jackson-core-2.9.10.jar",
                "org.slf4j:slf4j-api:1.7.30 @ maven.war!/WEB-INF/lib/slf4j-api-1.7.30.jar",
                "com.cronutils:cron-utils:9.1.2 @ maven.war!/WEB-INF/lib/cron-utils-9.1.2.jar",
                "org.apache.commons:commons-lang3:3.11 @ maven.war!/WEB-INF/lib/commons-lang3-3.11.jar",
            ]
        );
        // The war itself has an empty manifest, no pom.properties and no version in its name.
        assert_eq!(
            run("gradle.war", &read(TRIVY, "gradle.war")),
            [
                "commons-dbcp:commons-dbcp:1.4 @ gradle.war!/WEB-INF/lib/commons-dbcp-1.4.jar",
                "commons-pool:commons-pool:1.6 @ gradle.war!/WEB-INF/lib/commons-pool-1.6.jar",
                "log4j:log4j:1.2.17 @ gradle.war!/WEB-INF/lib/log4j-1.2.17.jar",
                "org.apache.commons:commons-compress:1.19 @ gradle.war!/WEB-INF/lib/commons-compress-1.19.jar",
            ]
        );
    }

    #[test]
    fn nested_jars_and_boot_inf_lib() {
        assert_eq!(
            run("nested.jar", &read(TRIVY, "nested.jar")),
            [
                "test:nested:0.0.1",
                "test:nested2:0.0.2 @ nested.jar!/META-INF/jars/nested2.jar",
                "test:nested3:0.0.3 @ nested.jar!/META-INF/jars/nested2.jar!/META-INF/jars/nested3.jar",
            ]
        );
        assert_eq!(
            run("complex.jar", &read(SCALIBR, "complex.jar")),
            [
                "com.some.package:package-name:1.2.3",
                "com.some.anotherpackage:another-package-name:3.2.1 @ complex.jar!/BOOT-INF/lib/inner.jar",
            ]
        );
    }

    #[test]
    fn shaded_poms_count_once_each_and_the_manifest_adds_nothing() {
        assert_eq!(
            run(
                "hadoop-shaded-guava-1.1.0-SNAPSHOT.jar",
                &read(TRIVY, "hadoop-shaded-guava-1.1.0-SNAPSHOT.jar")
            ),
            [
                "org.apache.hadoop.thirdparty:hadoop-shaded-guava:1.1.0-SNAPSHOT",
                "com.google.j2objc:j2objc-annotations:1.3",
                "com.google.guava:guava:29.0-jre",
                "com.google.guava:failureaccess:1.0.1",
                "com.google.guava:listenablefuture:9999.0-empty-to-avoid-conflict-with-guava",
            ]
        );
        // Four pom.properties outside META-INF/maven, two pairs of duplicates.
        assert_eq!(
            run(
                "io.quarkus.gizmo.gizmo-1.1.jar",
                &read(TRIVY, "io.quarkus.gizmo.gizmo-1.1.jar")
            ),
            [
                "io.quarkus.gizmo:gizmo:1.1",
                "com.fasterxml.jackson.core:jackson-databind:2.12.3",
                "com.fasterxml.jackson.core:jackson-databind:2.13.4",
                "log4j:log4j:1.2.16 @ io.quarkus.gizmo.gizmo-1.1.jar!/jars/log4j-1.2.16.jar",
                "log4j:log4j:1.2.17 @ io.quarkus.gizmo.gizmo-1.1.jar!/jars/log4j-1.2.17.jar",
            ]
        );
        let maven = "example-java-app-maven-0.1.0.jar";
        assert_eq!(
            run(maven, &read(SYFT_PKGS, maven)),
            [
                "org.anchore:example-java-app-maven:0.1.0",
                "joda-time:joda-time:2.9.2"
            ]
        );
        // The plugin and the jar inside it are the same artifact, found in two places.
        assert_eq!(
            run(
                "example-jenkins-plugin.hpi",
                &read(SYFT_PKGS, "example-jenkins-plugin.hpi")
            ),
            [
                "io.jenkins.plugins:example-jenkins-plugin:1.0-SNAPSHOT",
                "io.jenkins.plugins:example-jenkins-plugin:1.0-SNAPSHOT @ example-jenkins-plugin.hpi!/WEB-INF/lib/example-jenkins-plugin.jar",
            ]
        );
    }

    #[test]
    fn manifest_and_file_name_fallbacks() {
        // Spring Core 2.5.6.SEC03 renamed to test.jar: OSGi symbolic name and version.
        assert_eq!(
            run("test.jar", &read(TRIVY, "test.jar")),
            [":org.springframework.core:2.5.6.SEC03"]
        );
        assert_eq!(
            run(
                "heuristic-1.0.0-SNAPSHOT.jar",
                &read(TRIVY, "heuristic-1.0.0-SNAPSHOT.jar")
            ),
            [":heuristic:1.0.0-SNAPSHOT"]
        );
        let yolo = "com.google.src.yolo-0.1.2.jar";
        assert_eq!(
            run(yolo, &read(SCALIBR, yolo)),
            [":com.google.src.yolo:0.1.2"]
        );
        let sisu = "org.eclipse.sisu.inject-0.3.5.jar";
        assert_eq!(
            run(sisu, &read(SCALIBR, sisu)),
            [":org.eclipse.sisu.inject:0.3.5"]
        );
        assert_eq!(
            run(
                "no_pom_properties-2.4.0.jar",
                &read(SCALIBR, "no_pom_properties-2.4.0.jar")
            ),
            [":no_pom_properties:2.4.0"]
        );
        assert!(
            run(
                "no_pom_properties.jar",
                &read(SCALIBR, "no_pom_properties.jar")
            )
            .is_empty()
        );
        assert!(run("empty.jar", &read(SCALIBR, "empty.jar")).is_empty());
        // A pom.properties without groupId: no namespace. When the file name names another
        // artifact with a version, both are reported.
        assert_eq!(
            run(
                "pom_missing_group_id.jar",
                &read(SCALIBR, "pom_missing_group_id.jar")
            ),
            [":package-name:1.2.3"]
        );
        assert_eq!(
            run(
                "pom_missing_group_id-2.4.0.jar",
                &read(SCALIBR, "pom_missing_group_id-2.4.0.jar")
            ),
            [":package-name:1.2.3", ":pom_missing_group_id:2.4.0"]
        );
    }

    #[test]
    fn licences_from_the_manifest() {
        let licences = |name: &str, data: &[u8]| {
            let input = FileInput {
                path: name,
                meta: FileMeta { size: 0, mode: 0 },
                data,
            };
            let mut out = Output::default();
            Java.catalog(&input, &mut out).unwrap();
            out.packages
                .into_iter()
                .map(|p| (p.name, p.licenses))
                .collect::<Vec<_>>()
        };
        // Bundle-License: http://www.apache.org/licenses/LICENSE-2.0.txt
        assert_eq!(
            licences("/guava-31.1-jre.jar", &read(SCALIBR, "guava-31.1-jre.jar")),
            [("guava".into(), vec!["Apache-2.0".to_string()])]
        );
        let jenkins = licences(
            "/license-from-jenkins-plugin.jar",
            &read(TRIVY, "license-from-jenkins-plugin.jar"),
        );
        assert_eq!(
            jenkins,
            [(
                "jenkins-plugin".into(),
                vec!["Apache-2.0".to_string(), "MIT".to_string()]
            )]
        );
        // Licence files but no manifest licence: nothing claimed.
        let multi = licences(
            "/multi-license-1.0.0.jar",
            &read(TRIVY, "multi-license-1.0.0.jar"),
        );
        assert_eq!(multi, [("multi-license".into(), Vec::<String>::new())]);
    }

    #[test]
    fn corrupt_and_non_zip_files_are_errors() {
        for (dir, name) in [
            (SCALIBR, "invalid_jar.jar"),
            (SCALIBR, "not_jar"),
            (
                "fixtures/syft/syft/pkg/cataloger/java/testdata/corrupt",
                "example.jar",
            ),
        ] {
            let (result, out) = scan_with(name, &read(dir, name), ArchiveLimits::default());
            assert!(
                matches!(result, Err(CatalogError::Malformed { .. })),
                "{name}"
            );
            assert!(out.packages.is_empty());
        }
    }

    #[test]
    fn truncated_and_damaged_archives_never_panic() {
        let war = read(TRIVY, "maven.war");
        // Without its central directory (at the end) a zip cannot be opened.
        for cut in [10, war.len() / 3, war.len() - 30] {
            assert!(
                scan_with("maven.war", &war[..cut], ArchiveLimits::default())
                    .0
                    .is_err(),
                "cut at {cut}"
            );
        }
        // Damage inside one nested jar: a warning for it, the other libraries still found.
        let at = memchr::memmem::find(&war, b"WEB-INF/lib/jackson-core-2.9.10.jar").unwrap();
        let mut damaged = war.clone();
        for b in &mut damaged[at + 200..at + 5000] {
            *b ^= 0x5a;
        }
        let (result, out) = scan_with("maven.war", &damaged, ArchiveLimits::default());
        assert!(result.is_ok());
        assert!(!out.warnings.is_empty());
        assert!(
            out.warnings
                .iter()
                .all(|w| w.contains("jackson-core-2.9.10.jar")),
            "{:?}",
            out.warnings
        );
        assert_eq!(out.packages.len(), 7);
        // Byte flips all over a small nested jar: whatever happens, no panic.
        let nested = read(TRIVY, "nested.jar");
        for i in (0..nested.len()).step_by(7) {
            let mut d = nested.clone();
            d[i] ^= 0xff;
            let _ = scan_with("nested.jar", &d, ArchiveLimits::default());
        }
    }

    #[test]
    fn real_deeply_nested_jars_stop_at_eight_levels() {
        // The only pom.properties sits 9 levels down (10 archives deep).
        for name in ["nested_at_10.jar", "nested_at_100.jar"] {
            let (result, out) = scan_with(name, &read(SCALIBR, name), ArchiveLimits::default());
            assert!(result.is_ok());
            assert!(out.packages.is_empty(), "{name}");
            assert_eq!(out.warnings.len(), 1);
            assert!(
                out.warnings[0].contains("deeper than 8 levels"),
                "{}",
                out.warnings[0]
            );
        }
    }

    #[test]
    fn wants_java_archive_extensions() {
        let meta = FileMeta {
            size: 1000,
            mode: 0o644,
        };
        for path in [
            "/a.jar", "/a.WAR", "/x/y.ear", "/p.jpi", "/p.hpi", "/a.par", "/a.sar", "/a.nar",
            "/a.kar",
        ] {
            assert!(Java.wants(path, &meta), "{path}");
        }
        for path in ["/a.zip", "/a.jar.sha1", "/jar", "/x/.jar", "/a.tar"] {
            assert!(!Java.wants(path, &meta), "{path}");
        }
    }
}
