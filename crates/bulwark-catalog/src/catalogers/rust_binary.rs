//! Rust crates embedded by cargo-auditable in compiled binaries.
//!
//! `cargo auditable build` stores the resolved dependency tree in a section named
//! `.dep-v0` (in ELF and PE; in Mach-O inside the `__DATA` segment) as zlib-compressed
//! JSON: `{"packages":[{"name","version","source","kind","dependencies","root"}]}`.

use std::io::Read;

use bulwark_types::{Ecosystem, Package};
use object::read::macho::{FatArch, MachOFatFile32, MachOFatFile64};
use object::{FileKind, Object, ObjectSection};
use serde::Deserialize;

use super::go_binary::wants_binary;
use crate::gobuildinfo::executable_kind;
use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

const SECTION: &str = ".dep-v0";
/// Largest decompressed dependency list accepted; real ones are a few hundred KiB at most.
const MAX_JSON: u64 = 8 << 20;
const FORMAT: &str = "cargo-auditable dependency data";

/// Rust crates embedded by cargo-auditable in compiled binaries.
///
/// Reports the crates that came from a registry (`crates.io`, or another registry) and are
/// linked into the binary. Skipped, on purpose:
/// - `local` crates: workspace members and path dependencies, the root package among them
///   when built from a checkout. They are the project itself, not published releases, and
///   their names can collide with unrelated crates.io crates, which would give false
///   advisory matches. A root installed with `cargo install <crate>` has a registry source
///   and is reported.
/// - `git` crates: the version a git checkout declares does not say which code was built,
///   so registry advisories cannot be matched against it.
/// - `build` crates (build scripts, proc-macros and their dependencies): they ran at
///   compile time and are not in the binary.
#[derive(Debug, Default, Clone, Copy)]
pub struct RustBinary;

#[derive(Debug, Deserialize)]
struct Audit {
    packages: Vec<AuditPackage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct AuditPackage {
    name: String,
    version: String,
    /// `crates.io`, `registry`, `git`, `local`, or something newer we do not know.
    #[serde(default)]
    source: String,
    /// `runtime` (the default, often omitted) or `build`.
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    root: bool,
}

impl Cataloger for RustBinary {
    fn name(&self) -> &'static str {
        "rust-binary"
    }

    fn wants(&self, path: &str, meta: &FileMeta) -> bool {
        wants_binary(path, meta)
    }

    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        let Some(packages) = read_audit(file.data)? else {
            return Ok(());
        };
        out.packages.extend(
            packages
                .into_iter()
                .filter(reported)
                .map(|p| Package::new(Ecosystem::Cargo, p.name, p.version)),
        );
        Ok(())
    }
}

fn reported(p: &AuditPackage) -> bool {
    matches!(p.source.as_str(), "crates.io" | "registry") && p.kind.as_deref() != Some("build")
}

/// The dependency list of an executable; `None` when it is not one or has no `.dep-v0`.
fn read_audit(data: &[u8]) -> Result<Option<Vec<AuditPackage>>, CatalogError> {
    let kind =
        executable_kind(data).map_err(|e| CatalogError::malformed("executable", e.to_string()))?;
    let section = match kind {
        Some(FileKind::MachOFat32) => MachOFatFile32::parse(data)
            .ok()
            .and_then(|f| fat_section(data, f.arches())),
        Some(FileKind::MachOFat64) => MachOFatFile64::parse(data)
            .ok()
            .and_then(|f| fat_section(data, f.arches())),
        Some(_) => {
            let file = object::File::parse(data)
                .map_err(|e| CatalogError::malformed("executable", e.to_string()))?;
            section_data(&file)?
        }
        None => None,
    };
    section.map(decode).transpose()
}

fn section_data<'d>(file: &object::File<'d>) -> Result<Option<&'d [u8]>, CatalogError> {
    let Some(section) = file.section_by_name(SECTION) else {
        return Ok(None);
    };
    section
        .data()
        .map(Some)
        .map_err(|e| CatalogError::malformed(FORMAT, format!("cannot read section {SECTION}: {e}")))
}

/// The first architecture of a universal binary that has the section.
fn fat_section<'d, A: FatArch>(data: &'d [u8], arches: &[A]) -> Option<&'d [u8]> {
    arches.iter().find_map(|arch| {
        let file = object::File::parse(arch.data(data).ok()?).ok()?;
        section_data(&file).ok().flatten()
    })
}

fn decode(compressed: &[u8]) -> Result<Vec<AuditPackage>, CatalogError> {
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(MAX_JSON + 1)
        .read_to_end(&mut json)
        .map_err(|e| CatalogError::malformed(FORMAT, format!("cannot decompress: {e}")))?;
    if json.len() as u64 > MAX_JSON {
        return Err(CatalogError::LimitExceeded {
            what: format!("decompressed {SECTION} section"),
            limit: MAX_JSON,
        });
    }
    let audit: Audit = serde_json::from_slice(&json)
        .map_err(|e| CatalogError::malformed(FORMAT, e.to_string()))?;
    Ok(audit.packages)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::test_support::testdata;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            testdata()
                .join("fixtures/trivy/pkg/dependency/parser/rust/binary/testdata")
                .join(name),
        )
        .unwrap()
    }

    fn run(data: &[u8]) -> Result<Vec<(String, String)>, CatalogError> {
        let input = FileInput {
            path: "/usr/bin/app",
            meta: FileMeta {
                size: data.len() as u64,
                mode: 0o755,
            },
            data,
        };
        let mut out = Output::default();
        RustBinary.catalog(&input, &mut out)?;
        assert!(
            out.packages
                .iter()
                .all(|p| p.ecosystem == Ecosystem::Cargo && p.locations.is_empty())
        );
        Ok(out
            .packages
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect())
    }

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    /// `test.elf` with its `.dep-v0` section header pointed at `payload`, appended to the
    /// file: every real binary here lists only `local` crates, so registry crates need this.
    fn elf_with_payload(payload: &[u8]) -> Vec<u8> {
        let mut elf = fixture("test.elf");
        let u64_at = |d: &[u8], at: usize| u64::from_le_bytes(d[at..at + 8].try_into().unwrap());
        let shoff = u64_at(&elf, 0x28) as usize;
        let shentsize = u16::from_le_bytes([elf[0x3a], elf[0x3b]]) as usize;
        let shnum = u16::from_le_bytes([elf[0x3c], elf[0x3d]]) as usize;
        let header = (0..shnum)
            .map(|i| shoff + i * shentsize)
            .find(|&h| u64_at(&elf, h + 0x18) == 0x4f523)
            .expect(".dep-v0 section header");
        let new_offset = elf.len() as u64;
        elf.extend_from_slice(payload);
        elf[header + 0x18..header + 0x20].copy_from_slice(&new_offset.to_le_bytes());
        elf[header + 0x20..header + 0x28].copy_from_slice(&(payload.len() as u64).to_le_bytes());
        elf
    }

    #[test]
    fn real_binaries_list_two_local_crates_and_report_none() {
        let want = vec![
            AuditPackage {
                name: "crate_with_features".into(),
                version: "0.1.0".into(),
                source: "local".into(),
                kind: None,
                root: true,
            },
            AuditPackage {
                name: "library_crate".into(),
                version: "0.1.0".into(),
                source: "local".into(),
                kind: None,
                root: false,
            },
        ];
        for name in ["test.elf", "test.exe", "test.macho"] {
            let data = fixture(name);
            assert_eq!(read_audit(&data).unwrap().unwrap(), want, "{name}");
            assert!(run(&data).unwrap().is_empty(), "{name}");
        }
    }

    // Invented content (no real fixture has registry crates), in a real ELF container.
    #[test]
    fn registry_runtime_crates_are_reported() {
        let json = br#"{"packages":[
            {"name":"app","version":"0.3.0","source":"crates.io","dependencies":[1,2,3,4,5],"root":true},
            {"name":"serde","version":"1.0.188","source":"crates.io"},
            {"name":"mycorp-util","version":"2.1.0","source":"registry","kind":"runtime"},
            {"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"},
            {"name":"forked","version":"0.1.0","source":"git"},
            {"name":"helper","version":"0.1.0","source":"local"}]}"#;
        let got = run(&elf_with_payload(&zlib(json))).unwrap();
        let want = [
            ("app", "0.3.0"),
            ("serde", "1.0.188"),
            ("mycorp-util", "2.1.0"),
        ];
        assert_eq!(got, want.map(|(n, v)| (n.to_string(), v.to_string())));
    }

    #[test]
    fn bad_payloads_are_errors() {
        let not_zlib = elf_with_payload(b"this is not zlib data");
        assert!(matches!(
            run(&not_zlib),
            Err(CatalogError::Malformed { .. })
        ));
        let not_json = elf_with_payload(&zlib(b"{\"packages\": [oops"));
        assert!(matches!(
            run(&not_json),
            Err(CatalogError::Malformed { .. })
        ));
        // A small section that inflates past the limit (zlib of 9 MiB of zeros is ~9 KiB).
        let bomb = elf_with_payload(&zlib(&vec![0u8; 9 << 20]));
        assert!(matches!(
            run(&bomb),
            Err(CatalogError::LimitExceeded {
                limit: MAX_JSON,
                ..
            })
        ));
    }

    #[test]
    fn truncated_binaries_error_without_panicking() {
        for name in ["test.elf", "test.exe", "test.macho"] {
            let data = fixture(name);
            assert!(run(&data[..200]).is_err(), "{name}");
            for i in 1..16 {
                if let Ok(found) = run(&data[..data.len() * i / 16]) {
                    assert!(found.is_empty());
                }
            }
        }
        // Section headers pointing past the end of the file.
        let mut elf = fixture("test.elf");
        elf.truncate(0x4f523 + 10);
        assert!(run(&elf).is_err());
    }

    #[test]
    fn non_binaries_give_nothing() {
        assert!(run(b"#!/bin/sh\nexit 0\n").unwrap().is_empty());
        assert!(run(&fixture("dummy")).unwrap().is_empty());
    }
}
