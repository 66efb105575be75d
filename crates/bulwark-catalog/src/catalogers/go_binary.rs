//! Go modules and the Go toolchain version from build info in ELF/PE/Mach-O binaries.
//!
//! Every executable of an image reaches this cataloger, so the common case (not a Go
//! binary) costs a magic check and a walk over the section headers; see
//! [`crate::gobuildinfo`] for the format.

use bulwark_types::{Ecosystem, Package};

use crate::gobuildinfo::{self, BuildInfo, BuildInfoError, Module};
use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Smallest file worth opening as a compiled program: even a stripped `hello world` in Go
/// or Rust is hundreds of KiB, and the headers alone take a few hundred bytes.
pub(super) const MIN_BINARY_SIZE: u64 = 4096;

/// Go modules and the Go toolchain version from build info in ELF/PE/Mach-O binaries.
///
/// Reports every `dep` module (its replacement when it was replaced by another module;
/// nothing when replaced by a local directory, which has no version), the main module when
/// it has a real version (not `(devel)`), and the standard library as `stdlib` at the
/// toolchain version in semver form (`go1.20.3` becomes `v1.20.3`), which is how the Go
/// vulnerability database names it.
#[derive(Debug, Default, Clone, Copy)]
pub struct GoBinary;

impl Cataloger for GoBinary {
    fn name(&self) -> &'static str {
        "go-binary"
    }

    fn wants(&self, path: &str, meta: &FileMeta) -> bool {
        wants_binary(path, meta)
    }

    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        match gobuildinfo::parse_buildinfo(file.data) {
            Ok(Some(info)) => {
                out.packages.extend(packages(&info));
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(BuildInfoError::Object(e)) => {
                Err(CatalogError::malformed("executable", e.to_string()))
            }
            Err(e @ BuildInfoError::Corrupt(_)) => {
                Err(CatalogError::malformed("Go build info", e.to_string()))
            }
        }
    }
}

/// Executable regular files of a plausible size; files whose mode is unknown (0) and
/// Windows `.exe` files, which carry no execute bit in an image, are taken too.
pub(super) fn wants_binary(path: &str, meta: &FileMeta) -> bool {
    if meta.size < MIN_BINARY_SIZE {
        return false;
    }
    let exe_name = path
        .len()
        .checked_sub(4)
        .and_then(|at| path.get(at..))
        .is_some_and(|ext| ext.eq_ignore_ascii_case(".exe"));
    meta.is_executable() || meta.mode == 0 || exe_name
}

/// The packages a binary's build info describes.
pub(crate) fn packages(info: &BuildInfo) -> Vec<Package> {
    let mut pkgs = Vec::new();
    if let Some(main) = &info.main {
        let m = effective(main);
        if m.version != "(devel)" {
            pkgs.extend(module_package(m));
        }
    }
    pkgs.extend(
        info.deps
            .iter()
            .filter_map(|d| module_package(effective(d))),
    );
    if let Some(version) = stdlib_version(&info.go_version) {
        pkgs.push(Package::new(Ecosystem::Golang, "stdlib", version));
    }
    pkgs
}

fn effective(m: &Module) -> &Module {
    m.replace.as_deref().unwrap_or(m)
}

/// A module with a version; local-directory replacements (no version) give nothing.
fn module_package(m: &Module) -> Option<Package> {
    if m.path.is_empty() || m.version.is_empty() {
        return None;
    }
    Some(Package::new(
        Ecosystem::Golang,
        m.path.as_str(),
        m.version.as_str(),
    ))
}

/// The toolchain version as the Go vulnerability database writes it: `go1.20.3` ->
/// `v1.20.3`, `go1.20` -> `v1.20.0`, `go1.21rc2` -> `v1.21.0-rc.2`. Anything after a space
/// (`go1.22.1 X:loopvar`) is dropped; development builds (`devel ...`) give `None`.
pub(crate) fn stdlib_version(go_version: &str) -> Option<String> {
    let v = go_version.split_whitespace().next()?.strip_prefix("go")?;
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (numbers, pre) = v.split_at(split);
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let part = |i: usize| parts.get(i).copied().unwrap_or("0");
    let pre = if pre.is_empty() {
        String::new()
    } else {
        let digits = pre.find(|c: char| c.is_ascii_digit())?;
        let (kind, n) = pre.split_at(digits);
        if !matches!(kind, "rc" | "beta" | "alpha") || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        format!("-{kind}.{n}")
    };
    Some(format!("v{}.{}.{}{pre}", part(0), part(1), part(2)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogers::RustBinary;
    use crate::test_support::testdata;

    fn trivy(name: &str) -> std::path::PathBuf {
        testdata()
            .join("fixtures/trivy/pkg/dependency/parser/golang/binary/testdata")
            .join(name)
    }

    fn scalibr(name: &str) -> std::path::PathBuf {
        testdata()
            .join("fixtures/osv-scalibr/extractor/filesystem/language/golang/gobinary/testdata")
            .join(name)
    }

    fn run(data: &[u8]) -> Result<Vec<(String, String)>, CatalogError> {
        let input = FileInput {
            path: "/usr/local/bin/app",
            meta: FileMeta {
                size: data.len() as u64,
                mode: 0o755,
            },
            data,
        };
        let mut out = Output::default();
        GoBinary.catalog(&input, &mut out)?;
        assert!(
            out.packages
                .iter()
                .all(|p| p.ecosystem == Ecosystem::Golang && p.locations.is_empty())
        );
        Ok(out
            .packages
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect())
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    // Expectations below were taken from `go version -m <file>` (go1.19.8).
    #[test]
    fn go_1_15_pointer_format_in_elf_pe_and_macho() {
        let want = pairs(&[
            (
                "github.com/aquasecurity/go-pep440-version",
                "v0.0.0-20210121094942-22b2f8951d46",
            ),
            (
                "github.com/aquasecurity/go-version",
                "v0.0.0-20210121072130-637058cfe492",
            ),
            ("golang.org/x/xerrors", "v0.0.0-20200804184101-5ec99f83aff1"),
            ("stdlib", "v1.15.2"),
        ]);
        for name in ["test.elf", "test.exe", "test.macho"] {
            let data = std::fs::read(trivy(name)).unwrap();
            assert_eq!(run(&data).unwrap(), want, "{name}");
            let info = gobuildinfo::parse_buildinfo(&data).unwrap().unwrap();
            assert_eq!(info.go_version, "go1.15.2");
            assert_eq!(info.path.as_deref(), Some("github.com/aquasecurity/test"));
            assert_eq!(info.main.as_ref().unwrap().version, "(devel)");
            assert_eq!(
                info.deps[2].sum.as_deref(),
                Some("h1:go1bK/D/BFZV2I8cIQd1NKEZ+0owSTG1fDTci4IqFcE=")
            );
        }
    }

    #[test]
    fn go_1_22_inline_format_with_replacement_on_every_platform() {
        let want = pairs(&[
            (
                "github.com/golang/xerrors",
                "v0.0.0-20220907171357-04be3eba64a2",
            ),
            ("stdlib", "v1.22.0"),
        ]);
        for platform in [
            "darwin-amd64",
            "darwin-arm64",
            "linux-386",
            "linux-amd64",
            "linux-arm64",
            "windows-386",
            "windows-amd64",
            "windows-arm64",
        ] {
            let data = std::fs::read(scalibr(&format!(
                "binary_with_module_replacement-{platform}"
            )))
            .unwrap();
            assert_eq!(run(&data).unwrap(), want, "{platform}");
            let info = gobuildinfo::parse_buildinfo(&data).unwrap().unwrap();
            assert_eq!(info.deps.len(), 1);
            assert_eq!(info.deps[0].path, "golang.org/x/xerrors");
            let (os, arch) = platform.split_once('-').unwrap();
            let goarch = if arch == "386" {
                "386".to_string()
            } else {
                arch.to_string()
            };
            let setting = |k: &str| {
                info.settings
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
            };
            assert_eq!(setting("GOOS").as_deref(), Some(os));
            assert_eq!(setting("GOARCH"), Some(goarch));
        }
    }

    #[test]
    fn main_module_reported_only_with_a_real_version() {
        let data = std::fs::read(trivy("semver-main-module-version.macho")).unwrap();
        assert_eq!(
            run(&data).unwrap(),
            pairs(&[("go.etcd.io/bbolt", "v1.3.5"), ("stdlib", "v1.20.6")])
        );

        let data = std::fs::read(trivy("main-version-via-ldflags.elf")).unwrap();
        assert_eq!(run(&data).unwrap(), pairs(&[("stdlib", "v1.22.1")]));
        let info = gobuildinfo::parse_buildinfo(&data).unwrap().unwrap();
        assert!(
            info.settings
                .contains(&("-ldflags".into(), "-w -X main.version=v1.0.0".into()))
        );
        assert!(
            info.settings
                .contains(&("vcs.modified".into(), "true".into()))
        );
    }

    #[test]
    fn goexperiment_suffix_is_dropped_from_the_stdlib_version() {
        let data = std::fs::read(trivy("goexperiment")).unwrap();
        assert_eq!(run(&data).unwrap(), pairs(&[("stdlib", "v1.22.1")]));
        let info = gobuildinfo::parse_buildinfo(&data).unwrap().unwrap();
        assert_eq!(info.go_version, "go1.22.1 X:loopvar");
        assert_eq!(info.path.as_deref(), Some("command-line-arguments"));
        assert!(info.main.is_none());
    }

    #[test]
    fn non_go_files_give_nothing() {
        for path in [trivy("dummy"), scalibr("dummy")] {
            assert!(run(&std::fs::read(path).unwrap()).unwrap().is_empty());
        }
        let rust = testdata().join("fixtures/trivy/pkg/dependency/parser/rust/binary/testdata");
        for name in ["test.elf", "test.exe", "test.macho"] {
            let data = std::fs::read(rust.join(name)).unwrap();
            assert!(run(&data).unwrap().is_empty(), "{name}");
            // And the other way round: the Rust cataloger finds nothing in Go binaries.
            let go = std::fs::read(trivy(name)).unwrap();
            let input = FileInput {
                path: "/app",
                meta: FileMeta {
                    size: 1 << 20,
                    mode: 0o755,
                },
                data: &go,
            };
            let mut out = Output::default();
            RustBinary.catalog(&input, &mut out).unwrap();
            assert!(out.packages.is_empty());
        }
    }

    #[test]
    fn truncated_and_corrupted_binaries_error_without_panicking() {
        for name in ["test.elf", "test.exe", "test.macho"] {
            let data = std::fs::read(trivy(name)).unwrap();
            // Cut inside the headers: the file cannot be parsed at all.
            assert!(run(&data[..200]).is_err(), "{name}");
            // Cut at every 1/16 of the file: an error or fewer packages, never a panic.
            for i in 1..16 {
                if let Ok(found) = run(&data[..data.len() * i / 16]) {
                    assert!(found.len() <= 4, "{name} cut at {i}/16");
                }
            }
        }
        // Damage the build info header of the ELF: its pointers go outside the file.
        let mut data = std::fs::read(trivy("test.elf")).unwrap();
        let at = memchr::memmem::find(&data, b"\xff Go buildinf:").unwrap();
        data[at + 16..at + 32].fill(0xee);
        assert!(matches!(
            run(&data),
            Err(CatalogError::Malformed {
                format: "Go build info",
                ..
            })
        ));
        // Flip bytes all over a 1.22 blob: never a panic.
        let clean = std::fs::read(scalibr("binary_with_module_replacement-linux-amd64")).unwrap();
        let at = memchr::memmem::find(&clean, b"\xff Go buildinf:").unwrap();
        for offset in 14..400 {
            let mut data = clean.clone();
            data[at + offset] ^= 0xa5;
            let _ = run(&data);
        }
    }

    #[test]
    fn wants_executables_and_exe_files_of_some_size() {
        let meta = |size, mode| FileMeta { size, mode };
        assert!(GoBinary.wants("/usr/bin/app", &meta(1 << 20, 0o755)));
        assert!(GoBinary.wants("/app/tool.EXE", &meta(1 << 20, 0o644)));
        assert!(GoBinary.wants("/unknown/mode", &meta(1 << 20, 0)));
        assert!(!GoBinary.wants("/usr/share/doc/README", &meta(1 << 20, 0o644)));
        assert!(!GoBinary.wants("/usr/bin/tiny", &meta(100, 0o755)));
    }

    #[test]
    fn stdlib_versions() {
        let cases = [
            ("go1.20.3", Some("v1.20.3")),
            ("go1.20", Some("v1.20.0")),
            ("go1.21rc2", Some("v1.21.0-rc.2")),
            ("go1.19beta1", Some("v1.19.0-beta.1")),
            ("go1.22.1 X:loopvar", Some("v1.22.1")),
            ("devel go1.23-abcdef", None),
            ("go1.2.3.4", None),
            ("go1..2", None),
            ("go1.21xx", None),
            ("", None),
        ];
        for (go, want) in cases {
            assert_eq!(stdlib_version(go).as_deref(), want, "{go}");
        }
    }
}
