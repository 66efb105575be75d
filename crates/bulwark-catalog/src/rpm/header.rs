//! One rpm header blob: the package's tags.
//!
//! Layout (all integers big-endian): `il: u32`, `dl: u32`, then `il` index entries of 16
//! bytes (`tag: u32`, `type: u32`, `offset: i32`, `count: u32`), then a data store of `dl`
//! bytes that the entries point into. Strings are NUL-terminated; `STRING_ARRAY` and
//! `I18NSTRING` values are several strings one after another, of which we want the first.
//! Region tags (`HEADER_IMMUTABLE` and friends) need no special treatment for reading.

use super::MAX_HEADER_BYTES;
use crate::CatalogError;

const FORMAT: &str = "rpm header";

/// rpm refuses headers with more index entries than this.
const MAX_INDEX_ENTRIES: usize = 0xffff;
const ENTRY_SIZE: usize = 16;

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_VENDOR: u32 = 1011;
const TAG_LICENSE: u32 = 1014;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// The tags of one installed package that Bulwark uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RpmHeader {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: Option<String>,
    pub arch: Option<String>,
    /// File name of the source package, `name-version-release.src.rpm`.
    pub source_rpm: Option<String>,
    /// As the packager wrote it (`GPLv2+`, `MIT and BSD`).
    pub license: Option<String>,
    pub vendor: Option<String>,
}

/// Decodes the tags Bulwark uses from one header blob. Bytes after the data store are
/// ignored. Fails if the blob is truncated, an entry points outside the data store, or
/// NAME or VERSION is missing.
pub fn parse_header(blob: &[u8]) -> Result<RpmHeader, CatalogError> {
    let il = be32(blob, 0).ok_or_else(|| malformed("shorter than its 8-byte preamble"))? as usize;
    let dl = be32(blob, 4).ok_or_else(|| malformed("shorter than its 8-byte preamble"))? as usize;
    if il == 0 || il > MAX_INDEX_ENTRIES {
        return Err(malformed(format!(
            "{il} index entries (allowed: 1 to {MAX_INDEX_ENTRIES})"
        )));
    }
    if dl > MAX_HEADER_BYTES {
        return Err(CatalogError::LimitExceeded {
            what: format!("rpm header data store of {dl} bytes"),
            limit: MAX_HEADER_BYTES as u64,
        });
    }
    let store_start = 8 + il * ENTRY_SIZE;
    let index = blob
        .get(8..store_start)
        .ok_or_else(|| malformed(format!("truncated: {il} index entries declared")))?;
    let store = blob
        .get(store_start..store_start + dl)
        .ok_or_else(|| malformed(format!("truncated: data store of {dl} bytes declared")))?;

    let mut h = RpmHeader::default();
    let (mut name, mut version) = (None, None);
    for entry in index.chunks_exact(ENTRY_SIZE) {
        let field = |at| be32(entry, at).unwrap_or(0);
        let (tag, ty, offset, count) = (field(0), field(4), field(8) as usize, field(12));
        let slot = match tag {
            TAG_NAME => &mut name,
            TAG_VERSION => &mut version,
            TAG_RELEASE => &mut h.release,
            TAG_VENDOR => &mut h.vendor,
            TAG_LICENSE => &mut h.license,
            TAG_ARCH => &mut h.arch,
            TAG_SOURCERPM => &mut h.source_rpm,
            TAG_EPOCH => {
                if h.epoch.is_none() {
                    h.epoch = Some(int32(store, tag, ty, offset, count)?);
                }
                continue;
            }
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(string(store, tag, ty, offset, count)?);
        }
    }
    h.name = name.ok_or_else(|| malformed("no NAME tag"))?;
    h.version = version.ok_or_else(|| malformed("no VERSION tag"))?;
    Ok(h)
}

/// The first string of a STRING, STRING_ARRAY or I18NSTRING entry.
fn string(
    store: &[u8],
    tag: u32,
    ty: u32,
    offset: usize,
    count: u32,
) -> Result<String, CatalogError> {
    if !matches!(ty, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) || count == 0 {
        return Err(malformed(format!(
            "tag {tag} has type {ty} and count {count}, expected a string"
        )));
    }
    let rest = store
        .get(offset..)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            malformed(format!(
                "tag {tag} points at offset {offset}, outside the data store"
            ))
        })?;
    let end = memchr::memchr(0, rest)
        .ok_or_else(|| malformed(format!("tag {tag}: string is not terminated")))?;
    let bytes = rest.get(..end).unwrap_or_default();
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

fn int32(store: &[u8], tag: u32, ty: u32, offset: usize, count: u32) -> Result<u32, CatalogError> {
    if ty != TYPE_INT32 || count == 0 {
        return Err(malformed(format!(
            "tag {tag} has type {ty} and count {count}, expected an INT32"
        )));
    }
    be32(store, offset).ok_or_else(|| {
        malformed(format!(
            "tag {tag} points at offset {offset}, outside the data store"
        ))
    })
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    super::Endian::Big.u32(data, at)
}

fn malformed(reason: impl Into<String>) -> CatalogError {
    CatalogError::malformed(FORMAT, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    /// Builds a header from (tag, type, payload) triples; invented, to reach the error paths
    /// that no real header shows.
    fn build(entries: &[(u32, u32, &[u8])]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut store = Vec::new();
        for (tag, ty, payload) in entries {
            for v in [*tag, *ty, store.len() as u32, 1] {
                index.extend_from_slice(&v.to_be_bytes());
            }
            store.extend_from_slice(payload);
        }
        let mut blob = (entries.len() as u32).to_be_bytes().to_vec();
        blob.extend_from_slice(&(store.len() as u32).to_be_bytes());
        blob.extend(index);
        blob.extend(store);
        blob
    }

    #[test]
    fn real_header_blob_from_go_rpmdb() {
        // blob.bin is one header as stored in an rpm database.
        let blob =
            std::fs::read(testdata().join("fixtures/go-rpmdb/pkg/testdata/blob.bin")).unwrap();
        let h = parse_header(&blob).unwrap();
        assert!(!h.name.is_empty());
        assert!(!h.version.is_empty());
        assert!(h.release.is_some());
        // Every truncation of a real header fails cleanly.
        for len in [0, 4, 8, 20, blob.len() / 2, blob.len() - 1] {
            let cut = blob.get(..len).unwrap();
            assert!(parse_header(cut).is_err(), "truncated at {len}");
        }
    }

    #[test]
    fn decodes_strings_and_epoch() {
        let blob = build(&[
            (TAG_NAME, TYPE_STRING, b"hello\0"),
            (TAG_EPOCH, TYPE_INT32, &7u32.to_be_bytes()),
            (TAG_VERSION, TYPE_STRING, b"1.0\0"),
            (TAG_LICENSE, TYPE_I18NSTRING, b"MIT\0ignored\0"),
        ]);
        let h = parse_header(&blob).unwrap();
        assert_eq!(
            (h.name.as_str(), h.version.as_str(), h.epoch),
            ("hello", "1.0", Some(7))
        );
        assert_eq!(h.license.as_deref(), Some("MIT"));
        assert_eq!(h.release, None);
    }

    #[test]
    fn rejects_bad_entries() {
        let unterminated = build(&[
            (TAG_VERSION, TYPE_STRING, b"1\0"),
            (TAG_NAME, TYPE_STRING, b"abc"),
        ]);
        assert!(parse_header(&unterminated).is_err());
        let wrong_type = build(&[
            (TAG_NAME, TYPE_INT32, b"abcd"),
            (TAG_VERSION, TYPE_STRING, b"1\0"),
        ]);
        assert!(parse_header(&wrong_type).is_err());
        let no_version = build(&[(TAG_NAME, TYPE_STRING, b"a\0")]);
        assert!(parse_header(&no_version).is_err());
        let mut past_end = build(&[
            (TAG_NAME, TYPE_STRING, b"a\0"),
            (TAG_VERSION, TYPE_STRING, b"1\0"),
        ]);
        past_end[8 + 8..8 + 12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_header(&past_end).is_err());
        let mut huge = vec![0, 0, 0, 1];
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            parse_header(&huge),
            Err(CatalogError::LimitExceeded { .. })
        ));
        assert!(parse_header(&[0, 0, 0, 0, 0, 0, 0, 0]).is_err());
    }
}
