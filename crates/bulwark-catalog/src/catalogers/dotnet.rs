//! .NET packages from the `*.deps.json` file the SDK writes beside every built application
//! and library.
//!
//! Its `libraries` object is keyed `Name/Version`. Entries of type `package` are NuGet
//! packages. Entries of type `runtimepack` are the .NET runtime bundled into a
//! self-contained app (`runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0`); they are
//! reported under their NuGet name, without the `runtimepack.` prefix, because advisories
//! name the runtime packages that way. `project` entries (the application itself and its
//! project references) and `referenceassembly` entries (compile-time facades) are not
//! packages and are skipped. The file carries no licences.

use bulwark_types::{Ecosystem, Package};
use serde_json::Value;

use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

const FORMAT: &str = "deps.json";

/// .NET packages from `*.deps.json`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Dotnet;

impl Cataloger for Dotnet {
    fn name(&self) -> &'static str {
        "dotnet"
    }

    fn wants(&self, path: &str, _meta: &FileMeta) -> bool {
        path.rsplit('/')
            .next()
            .and_then(|file| file.strip_suffix(".deps.json"))
            .is_some_and(|stem| !stem.is_empty())
    }

    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        let doc: Value = serde_json::from_slice(file.data)
            .map_err(|e| CatalogError::malformed(FORMAT, e.to_string()))?;
        let Some(doc) = doc.as_object() else {
            return Err(CatalogError::malformed(FORMAT, "not a JSON object"));
        };
        // A deps.json without `libraries` (all framework, nothing restored) lists no package.
        let Some(libraries) = doc.get("libraries") else {
            return Ok(());
        };
        let Some(libraries) = libraries.as_object() else {
            return Err(CatalogError::malformed(
                FORMAT,
                "libraries is not an object",
            ));
        };
        for (key, library) in libraries {
            let kind = library.get("type").and_then(Value::as_str).unwrap_or("");
            let key = match kind {
                "package" => key.as_str(),
                "runtimepack" => key.strip_prefix("runtimepack.").unwrap_or(key),
                _ => continue,
            };
            match key.split_once('/') {
                Some((name, version)) if !name.is_empty() && !version.is_empty() => {
                    out.packages
                        .push(Package::new(Ecosystem::Nuget, name, version));
                }
                _ => out
                    .warnings
                    .push(format!("library key {key:?} is not Name/Version; skipped")),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    const TRIVY: &str = "fixtures/trivy/pkg/dependency/parser/dotnet/core_deps/testdata";
    const SYFT: &str = "fixtures/syft/syft/pkg/cataloger/dotnet/testdata";

    fn run(rel: &str) -> Result<Vec<(String, String)>, CatalogError> {
        let data = std::fs::read(testdata().join(rel)).unwrap();
        run_bytes(&data)
    }

    fn run_bytes(data: &[u8]) -> Result<Vec<(String, String)>, CatalogError> {
        let input = FileInput {
            path: "/app/App.deps.json",
            meta: FileMeta {
                size: data.len() as u64,
                mode: 0o644,
            },
            data,
        };
        let mut out = Output::default();
        Dotnet.catalog(&input, &mut out)?;
        assert!(
            out.packages
                .iter()
                .all(|p| p.ecosystem == Ecosystem::Nuget && p.licenses.is_empty())
        );
        Ok(out
            .packages
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect())
    }

    fn pair(n: &str, v: &str) -> (String, String) {
        (n.to_string(), v.to_string())
    }

    #[test]
    fn wants_deps_json() {
        let m = FileMeta {
            size: 1,
            mode: 0o644,
        };
        assert!(Dotnet.wants("/srv/dotnet/TestLibrary.deps.json", &m));
        assert!(!Dotnet.wants("/srv/dotnet/.deps.json", &m));
        assert!(!Dotnet.wants("/srv/dotnet/TestLibrary.runtimeconfig.json", &m));
    }

    #[test]
    fn packages_not_projects() {
        assert_eq!(
            run(&format!("{TRIVY}/happy.deps.json")).unwrap(),
            [pair("Newtonsoft.Json", "13.0.1")]
        );
        assert_eq!(
            run(&format!("{TRIVY}/multi-project.deps.json")).unwrap(),
            [pair("Newtonsoft.Json", "13.0.3")]
        );
        assert_eq!(
            run(&format!(
                "{SYFT}/deps-with-referenceassembly/MyApp.deps.json"
            ))
            .unwrap(),
            [pair("Newtonsoft.Json", "13.0.3")]
        );
        let p = run(&format!("{SYFT}/dir-example-1/TestLibrary.deps.json")).unwrap();
        assert_eq!(p.len(), 12);
        assert_eq!(p[0], pair("AWSSDK.Core", "3.7.10.6"));
        assert!(
            !p.iter()
                .any(|(n, _)| n == "TestLibrary" || n == "TestCommon")
        );
        let p = run(&format!("{TRIVY}/without-runtime.deps.json")).unwrap();
        assert_eq!(p.len(), 7);
        assert!(p.contains(&pair("Microsoft.NETCore.App", "1.1.2")));
    }

    #[test]
    fn self_contained_runtime_packs() {
        let p = run(&format!("{TRIVY}/self-contained.deps.json")).unwrap();
        assert_eq!(
            p,
            [
                pair("Newtonsoft.Json", "13.0.1"),
                pair("Microsoft.NETCore.App.Runtime.linux-x64", "8.0.0"),
                pair("Microsoft.AspNetCore.App.Runtime.linux-x64", "8.0.0"),
            ]
        );
    }

    #[test]
    fn empty_and_broken() {
        assert!(
            run(&format!("{TRIVY}/no-libraries.deps.json"))
                .unwrap()
                .is_empty()
        );
        for f in [
            format!("{TRIVY}/invalid.deps.json"),
            format!("{SYFT}/glob-paths/src/something.deps.json"),
        ] {
            assert!(
                matches!(run(&f), Err(CatalogError::Malformed { .. })),
                "{f}"
            );
        }
        for data in [
            &b"[]"[..],
            b"{\"libraries\": []}",
            b"\xff\xfe\x00",
            b"{\"libraries\": {",
        ] {
            assert!(matches!(
                run_bytes(data),
                Err(CatalogError::Malformed { .. })
            ));
        }
    }
}
