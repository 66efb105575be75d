//! Go build information embedded in ELF, PE and Mach-O executables.
//!
//! The Go linker writes a small blob, aligned to 16 bytes and starting with the magic
//! `\xff Go buildinf:`, into its own section (`.go.buildinfo` in ELF, `__go_buildinfo` in
//! Mach-O) or at the start of the writable data (`.data` in PE). Its 32-byte header holds:
//!
//! | offset | content |
//! |---|---|
//! | 0..14 | the magic |
//! | 14 | pointer size in bytes (4 or 8) |
//! | 15 | flags: bit 0 big-endian, bit 1 strings inline |
//! | 16.. | Go < 1.18: two pointers to Go string headers `{data, len}`, the toolchain version and the module info |
//! | 32.. | Go >= 1.18 (inline): the same two strings, each a uvarint length and its bytes |
//!
//! The module info is the text `go version -m` prints (`path`, `mod`, `dep`, `=>`,
//! `build` lines), wrapped in 16-byte sentinels.

use object::read::macho::{FatArch, MachOFatFile32, MachOFatFile64};
use object::{FileKind, Object, ObjectSection, ObjectSegment, SectionKind, SegmentFlags};

const MAGIC: &[u8] = b"\xff Go buildinf:";
const HEADER_LEN: usize = 32;
const ALIGN: usize = 16;
/// How far into the data section the linker may have put the blob when it has no section.
const SEARCH_LIMIT: usize = 64 * 1024;
/// Longest version or module-info string accepted; real ones are a few KiB.
const MAX_STRING: u64 = 16 << 20;
const FLAG_BIG_ENDIAN: u8 = 0x1;
const FLAG_INLINE: u8 = 0x2;

/// What a Go binary says about how it was built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildInfo {
    /// Toolchain version as written, e.g. `go1.20.3` or `go1.22.1 X:loopvar`.
    pub go_version: String,
    /// Import path of the main package (`path` line).
    pub path: Option<String>,
    /// The main module (`mod` line); its version is `(devel)` for local builds.
    pub main: Option<Module>,
    /// Every module linked in (`dep` lines), in the order Go recorded them.
    pub deps: Vec<Module>,
    /// `build` settings (`GOOS`, `-ldflags`, `vcs.revision`, ...), in order.
    pub settings: Vec<(String, String)>,
}

/// One module of the build list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Module {
    pub path: String,
    /// Empty for a module replaced by a local directory.
    pub version: String,
    /// The `h1:` checksum, if recorded.
    pub sum: Option<String>,
    /// The `=>` replacement of this module.
    pub replace: Option<Box<Module>>,
}

/// Why build info could not be read from something that looked like an executable.
#[derive(Debug, thiserror::Error)]
pub enum BuildInfoError {
    #[error("cannot read executable headers: {0}")]
    Object(#[from] object::Error),
    #[error("corrupt Go build info: {0}")]
    Corrupt(&'static str),
}

/// Does `data` start like an ELF, PE (MZ) or Mach-O (thin or fat) file? Cheap enough to
/// run on every executable.
pub fn has_executable_magic(data: &[u8]) -> bool {
    matches!(
        data.get(..4),
        Some(
            [0x7f, b'E', b'L', b'F']
                | [b'M', b'Z', _, _]
                | [0xfe, 0xed, 0xfa, 0xce | 0xcf]
                | [0xce | 0xcf, 0xfa, 0xed, 0xfe]
                | [0xca, 0xfe, 0xba, 0xbe | 0xbf]
        )
    )
}

/// Reads the Go build info of an executable. `Ok(None)` when `data` is not an ELF, PE or
/// Mach-O file, or is one without Go build info; an error when the headers or the build
/// info are corrupt. Never panics.
pub fn parse_buildinfo(data: &[u8]) -> Result<Option<BuildInfo>, BuildInfoError> {
    match executable_kind(data)? {
        Some(FileKind::MachOFat32) => match MachOFatFile32::parse(data) {
            Ok(fat) => parse_fat(data, fat.arches()),
            Err(_) => Ok(None), // CAFEBABE is also the Java class file magic
        },
        Some(FileKind::MachOFat64) => match MachOFatFile64::parse(data) {
            Ok(fat) => parse_fat(data, fat.arches()),
            Err(_) => Ok(None),
        },
        Some(_) => parse_thin(data),
        None => Ok(None),
    }
}

/// The kind of executable `data` is: `None` when it is none (no magic, an MS-DOS program
/// without a PE header), an error when it starts like one but its headers are cut short.
pub(crate) fn executable_kind(data: &[u8]) -> Result<Option<FileKind>, BuildInfoError> {
    if !has_executable_magic(data) {
        return Ok(None);
    }
    match FileKind::parse(data) {
        Ok(FileKind::MachO32 | FileKind::MachO64) if !macho_commands_fit(data) => Err(
            BuildInfoError::Corrupt("Mach-O load commands run past the end of the file"),
        ),
        Ok(kind) => Ok(Some(kind)),
        Err(_) if data.starts_with(b"MZ") && !has_pe_signature(data) => Ok(None),
        Err(_) if data.starts_with(&[0xca, 0xfe, 0xba]) => Ok(None),
        Err(e) => Err(BuildInfoError::Object(e)),
    }
}

/// Whether the Mach-O load commands lie within the file (the `object` crate reads them
/// lazily and silently stops at a truncated one).
fn macho_commands_fit(data: &[u8]) -> bool {
    let (Some(magic), Some(&[a, b, c, d])) = (data.get(..4), data.get(20..24)) else {
        return false;
    };
    let header = if matches!(magic, [0xfe, 0xed, 0xfa, 0xcf] | [0xcf, 0xfa, 0xed, 0xfe]) {
        32
    } else {
        28
    };
    let size = if magic.first() == Some(&0xfe) {
        u32::from_be_bytes([a, b, c, d])
    } else {
        u32::from_le_bytes([a, b, c, d])
    };
    (size as usize).saturating_add(header) <= data.len()
}

/// An MZ header whose `e_lfanew` points at `PE\0\0`.
fn has_pe_signature(data: &[u8]) -> bool {
    let Some(&[a, b, c, d]) = data.get(0x3c..0x40) else {
        return false;
    };
    let at = u32::from_le_bytes([a, b, c, d]) as usize;
    data.get(at..at.saturating_add(4)) == Some(b"PE\0\0")
}

fn parse_fat<A: FatArch>(data: &[u8], arches: &[A]) -> Result<Option<BuildInfo>, BuildInfoError> {
    let mut first_err = None;
    for arch in arches {
        let Ok(slice) = arch.data(data) else { continue };
        match parse_thin(slice) {
            Ok(Some(info)) => return Ok(Some(info)),
            Ok(None) => {}
            Err(e) => first_err = first_err.or(Some(e)),
        }
    }
    first_err.map_or(Ok(None), Err)
}

fn parse_thin(data: &[u8]) -> Result<Option<BuildInfo>, BuildInfoError> {
    let file = object::File::parse(data)?;
    let Some(region) = search_region(&file) else {
        return Ok(None);
    };
    let Some(at) = find_header(region) else {
        return Ok(None);
    };
    let header = region.get(at..).unwrap_or_default();
    decode(header, &|addr, len| read_virtual(&file, addr, len)).map(Some)
}

/// The bytes where the blob should be: its own section if there is one, else the start of
/// the writable data, as the Go linker places it.
fn search_region<'d>(file: &object::File<'d>) -> Option<&'d [u8]> {
    for name in [".go.buildinfo", "__go_buildinfo"] {
        if let Some(data) = file.section_by_name(name).and_then(|s| s.data().ok()) {
            return Some(data);
        }
    }
    // PE `.data`, Mach-O `__DATA`: the first initialised writable data section.
    let data_section = file
        .sections()
        .filter(|s| s.kind() == SectionKind::Data && s.size() > 0)
        .min_by_key(|s| s.address());
    if let Some(section) = data_section {
        return section.data().ok();
    }
    // ELF without section headers: the first writable, non-executable PT_LOAD.
    file.segments()
        .find(|seg| match seg.flags() {
            SegmentFlags::Elf { p_flags, .. } => {
                p_flags.contains(object::elf::PF_W) && !p_flags.contains(object::elf::PF_X)
            }
            _ => false,
        })
        .and_then(|seg| seg.data().ok())
}

/// Offset of the first 16-byte aligned magic within the first [`SEARCH_LIMIT`] bytes.
fn find_header(region: &[u8]) -> Option<usize> {
    let window = region.get(..SEARCH_LIMIT.min(region.len()))?;
    memchr::memmem::find_iter(window, MAGIC).find(|at| at % ALIGN == 0)
}

/// Bytes at a virtual address, through the segments (or sections) that map it.
fn read_virtual<'d>(file: &object::File<'d>, addr: u64, len: u64) -> Option<&'d [u8]> {
    file.segments()
        .find_map(|seg| seg.data_range(addr, len).ok().flatten())
        .or_else(|| {
            file.sections()
                .find_map(|s| s.data_range(addr, len).ok().flatten())
        })
}

/// Decodes a build-info header (starting at the magic). `read` maps virtual addresses to
/// bytes for the pre-1.18 pointer format.
fn decode<'d>(
    header: &'d [u8],
    read: &dyn Fn(u64, u64) -> Option<&'d [u8]>,
) -> Result<BuildInfo, BuildInfoError> {
    let fixed = header
        .get(..HEADER_LEN)
        .ok_or(BuildInfoError::Corrupt("header truncated"))?;
    let ptr_size = usize::from(*fixed.get(14).unwrap_or(&0));
    let flags = *fixed.get(15).unwrap_or(&0);
    let (version, modinfo) = if flags & FLAG_INLINE != 0 {
        let rest = header.get(HEADER_LEN..).unwrap_or_default();
        let (version, rest) = varint_string(rest)?;
        let (modinfo, _) = varint_string(rest)?;
        (version, modinfo)
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return Err(BuildInfoError::Corrupt("pointer size is neither 4 nor 8"));
        }
        let big = flags & FLAG_BIG_ENDIAN != 0;
        let word = |b: &[u8], at: usize| uint(b.get(at..at + ptr_size), big);
        let string_at = |ptr: u64| -> Result<&'d [u8], BuildInfoError> {
            let head = read(ptr, 2 * ptr_size as u64)
                .ok_or(BuildInfoError::Corrupt("string header outside the file"))?;
            let (data, len) = (word(head, 0), word(head, ptr_size));
            let (Some(data), Some(len)) = (data, len) else {
                return Err(BuildInfoError::Corrupt("string header truncated"));
            };
            if len > MAX_STRING {
                return Err(BuildInfoError::Corrupt("string longer than the limit"));
            }
            if len == 0 {
                return Ok(&[]);
            }
            read(data, len).ok_or(BuildInfoError::Corrupt("string data outside the file"))
        };
        let vptr = word(fixed, 16).ok_or(BuildInfoError::Corrupt("header truncated"))?;
        let mptr = word(fixed, 16 + ptr_size).ok_or(BuildInfoError::Corrupt("header truncated"))?;
        (string_at(vptr)?, string_at(mptr)?)
    };
    let mut info = parse_modinfo(&String::from_utf8_lossy(strip_sentinels(modinfo)));
    info.go_version = String::from_utf8_lossy(version).into_owned();
    Ok(info)
}

fn uint(bytes: Option<&[u8]>, big: bool) -> Option<u64> {
    let bytes = bytes?;
    let fold = |acc: u64, b: &u8| (acc << 8) | u64::from(*b);
    Some(if big {
        bytes.iter().fold(0, fold)
    } else {
        bytes.iter().rev().fold(0, fold)
    })
}

/// A uvarint length followed by that many bytes; returns the bytes and what follows.
fn varint_string(data: &[u8]) -> Result<(&[u8], &[u8]), BuildInfoError> {
    let mut len: u64 = 0;
    let mut used = 0;
    for (i, b) in data.iter().enumerate().take(10) {
        len |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            used = i + 1;
            break;
        }
    }
    if used == 0 {
        return Err(BuildInfoError::Corrupt("bad string length"));
    }
    let len = usize::try_from(len.min(MAX_STRING + 1)).unwrap_or(usize::MAX);
    let rest = data.get(used..).unwrap_or_default();
    match (rest.get(..len), rest.get(len..)) {
        (Some(s), Some(after)) if len as u64 <= MAX_STRING => Ok((s, after)),
        _ => Err(BuildInfoError::Corrupt(
            "string runs past the end of the data",
        )),
    }
}

/// Module info is framed by two 16-byte sentinels, the last preceded by a newline.
fn strip_sentinels(modinfo: &[u8]) -> &[u8] {
    let n = modinfo.len();
    if n >= 33 && modinfo.get(n - 17) == Some(&b'\n') {
        modinfo.get(16..n - 16).unwrap_or_default()
    } else {
        modinfo
    }
}

/// Parses the module-info text (the lines `go version -m` shows). Unknown lines are skipped.
pub fn parse_modinfo(text: &str) -> BuildInfo {
    let mut info = BuildInfo::default();
    // Which module the next `=>` line replaces: None = main module, Some(i) = deps[i].
    let mut last: Option<Option<usize>> = None;
    for line in text.lines() {
        let mut fields = line.split('\t');
        let kind = fields.next().unwrap_or_default();
        let module = |mut f: std::str::Split<'_, char>| Module {
            path: f.next().unwrap_or_default().to_string(),
            version: f.next().unwrap_or_default().to_string(),
            sum: f.next().filter(|s| !s.is_empty()).map(str::to_string),
            replace: None,
        };
        match kind {
            "path" => info.path = fields.next().map(str::to_string),
            "mod" => {
                info.main = Some(module(fields));
                last = Some(None);
            }
            "dep" => {
                info.deps.push(module(fields));
                last = Some(Some(info.deps.len() - 1));
            }
            "=>" => {
                let target = match last.take() {
                    Some(Some(i)) => info.deps.get_mut(i),
                    Some(None) => info.main.as_mut(),
                    None => None,
                };
                if let Some(m) = target {
                    m.replace = Some(Box::new(module(fields)));
                }
            }
            "build" => {
                if let Some(setting) = split_setting(line.get(6..).unwrap_or_default()) {
                    info.settings.push(setting);
                }
            }
            _ => {}
        }
    }
    info
}

/// `key=value`, either side possibly Go-quoted (`-ldflags="-s -w"`).
fn split_setting(s: &str) -> Option<(String, String)> {
    let (key, value) = if let Some(rest) = s.strip_prefix('"') {
        let end = closing_quote(rest)?;
        let value = rest.get(end + 1..)?.strip_prefix('=')?;
        (unquote(s.get(..end + 2)?), value)
    } else {
        let (k, v) = s.split_once('=')?;
        (k.to_string(), v)
    };
    let value = if value.starts_with('"') {
        unquote(value)
    } else {
        value.to_string()
    };
    Some((key, value))
}

fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

/// Undoes the common escapes of a Go-quoted string; anything else is kept as written.
fn unquote(s: &str) -> String {
    let inner = s
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODINFO: &str = "path\texample.com/cmd/app\n\
        mod\texample.com\tv1.0.0\th1:main=\n\
        =>\texample.com/fork\tv1.0.1\th1:fork=\n\
        dep\tgolang.org/x/text\tv0.3.7\th1:text=\n\
        dep\tgithub.com/a/b\tv1.2.0\n\
        =>\t../b\t\t\n\
        \n\
        build\t-ldflags=\"-s -w\"\n\
        build\t\"weird=key\"=x\n\
        build\tCGO_ENABLED=0\n\
        unknown\tline\n";

    fn framed(text: &str) -> Vec<u8> {
        let mut v = vec![0x30; 16];
        v.extend_from_slice(text.as_bytes());
        v.extend_from_slice(&[0xf9; 16]);
        v
    }

    #[test]
    fn modinfo_lines_replacements_and_settings() {
        let info = parse_modinfo(MODINFO);
        assert_eq!(info.path.as_deref(), Some("example.com/cmd/app"));
        let main = info.main.unwrap();
        assert_eq!(main.replace.unwrap().path, "example.com/fork");
        assert_eq!(info.deps.len(), 2);
        assert_eq!(info.deps[0].sum.as_deref(), Some("h1:text="));
        assert!(info.deps[0].replace.is_none());
        let local = info.deps[1].replace.as_deref().unwrap();
        assert_eq!((local.path.as_str(), local.version.as_str()), ("../b", ""));
        assert_eq!(
            info.settings,
            vec![
                ("-ldflags".to_string(), "-s -w".to_string()),
                ("weird=key".to_string(), "x".to_string()),
                ("CGO_ENABLED".to_string(), "0".to_string()),
            ]
        );
    }

    // No fixture is big-endian or 32-bit with the old pointer format (every real pre-1.18
    // binary here is little-endian amd64), so this builds such a header and memory by hand.
    #[test]
    fn pointer_format_big_endian_32_bit() {
        let modinfo = framed(MODINFO);
        let version = b"go1.16.15".to_vec();
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&[4, FLAG_BIG_ENDIAN]);
        header.extend_from_slice(&0x1000u32.to_be_bytes());
        header.extend_from_slice(&0x1008u32.to_be_bytes());
        header.resize(HEADER_LEN, 0);
        let mut heads = Vec::new();
        for (addr, len) in [(0x2000u32, version.len()), (0x3000, modinfo.len())] {
            heads.extend_from_slice(&addr.to_be_bytes());
            heads.extend_from_slice(&(len as u32).to_be_bytes());
        }
        let memory: Vec<(u64, &[u8])> =
            vec![(0x1000, &heads), (0x2000, &version), (0x3000, &modinfo)];
        let read = |addr: u64, len: u64| {
            memory.iter().find_map(|(base, bytes)| {
                let start = usize::try_from(addr.checked_sub(*base)?).ok()?;
                bytes.get(start..start + usize::try_from(len).ok()?)
            })
        };
        // The same header read as little-endian points nowhere; 3-byte pointers do not exist.
        let mut little = header.clone();
        little[15] = 0;
        let mut odd = header.clone();
        odd[14] = 3;

        let info = decode(&header, &read).unwrap();
        assert_eq!(info.go_version, "go1.16.15");
        assert_eq!(info.deps[0].path, "golang.org/x/text");
        assert!(matches!(
            decode(&little, &read),
            Err(BuildInfoError::Corrupt(_))
        ));
        assert!(matches!(
            decode(&odd, &read),
            Err(BuildInfoError::Corrupt(_))
        ));
    }

    #[test]
    fn inline_format_and_its_bounds() {
        let modinfo = framed(MODINFO);
        let mut blob = MAGIC.to_vec();
        blob.extend_from_slice(&[8, FLAG_INLINE]);
        blob.resize(HEADER_LEN, 0);
        blob.push(8);
        blob.extend_from_slice(b"go1.21.5");
        // A two-byte uvarint length.
        let n = modinfo.len();
        assert!((128..16384).contains(&n));
        blob.extend_from_slice(&[(n as u8 & 0x7f) | 0x80, (n >> 7) as u8]);
        blob.extend_from_slice(&modinfo);
        let none = |_: u64, _: u64| None;
        let info = decode(&blob, &none).unwrap();
        assert_eq!(info.go_version, "go1.21.5");
        assert_eq!(info.settings.len(), 3);
        // Every truncation is an error, never a panic.
        for cut in 0..blob.len() {
            assert!(decode(&blob[..cut], &none).is_err(), "cut at {cut}");
        }
        // An absurd length is refused.
        let mut huge = blob[..HEADER_LEN].to_vec();
        huge.extend_from_slice(&[0xff; 10]);
        assert!(decode(&huge, &none).is_err());
    }

    #[test]
    fn magic_must_be_aligned() {
        let mut region = vec![0u8; 64];
        region[3..3 + MAGIC.len()].copy_from_slice(MAGIC);
        assert_eq!(find_header(&region), None);
        region[32..32 + MAGIC.len()].copy_from_slice(MAGIC);
        assert_eq!(find_header(&region), Some(32));
    }

    #[test]
    fn not_an_executable() {
        assert!(parse_buildinfo(b"").unwrap().is_none());
        assert!(parse_buildinfo(b"#!/bin/sh\necho hi\n").unwrap().is_none());
        assert!(
            parse_buildinfo(b"MZ but no PE header follows at all....")
                .unwrap()
                .is_none()
        );
        // A Java class file shares the fat Mach-O magic.
        let class = [0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(parse_buildinfo(&class).unwrap().is_none());
        // Cut inside the headers: an error, not "not an executable".
        assert!(parse_buildinfo(b"\x7fELF\x02\x01").is_err());
        let mut pe = vec![0u8; 0x90];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x80;
        pe[0x80..0x84].copy_from_slice(b"PE\0\0");
        assert!(parse_buildinfo(&pe).is_err());
        assert!(!has_executable_magic(b"PK\x03\x04"));
    }
}
