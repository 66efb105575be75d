//! rpm's own "NDB" package database (`Packages.db`, used by SUSE).
//!
//! The file starts with slot pages of 4096 bytes. The first 32 bytes are the database
//! header (magic `RpmP`, version, generation, number of slot pages, next package index);
//! the rest are 16-byte slots (magic `Slot`, package index, block offset, block count).
//! Blocks are 16 bytes; a slot's blocks hold one blob: a 16-byte head (magic `BlbS`,
//! package index, timestamp, length), the header blob, padding, and a 12-byte tail (Adler-32
//! of everything before it, length, magic `BlbE`). All integers are little-endian.

use std::borrow::Cow;

use super::{Endian, HeaderBlobs, MAX_HEADER_BYTES, check_record_count};
use crate::CatalogError;

const FORMAT: &str = "rpm NDB database";

pub(super) const MAGIC: &[u8] = b"RpmP";
const SLOT_MAGIC: &[u8] = b"Slot";
const BLOB_HEAD_MAGIC: &[u8] = b"BlbS";
const BLOB_TAIL_MAGIC: &[u8] = b"BlbE";

const SLOT_PAGE: usize = 4096;
const SLOT_SIZE: usize = 16;
const DB_HEADER: usize = 32;
const BLOCK: usize = 16;
const BLOB_HEAD: usize = 16;
const BLOB_TAIL: usize = 12;

/// The header blobs of an NDB `Packages.db`.
pub fn parse_ndb(data: &[u8]) -> Result<HeaderBlobs<'_>, CatalogError> {
    if !data.starts_with(MAGIC) {
        return Err(malformed("no `RpmP` magic"));
    }
    let le = |at| Endian::Little.u32(data, at).map(|v| v as usize);
    let version = le(4).ok_or_else(|| malformed("truncated database header"))?;
    if version != 0 {
        return Err(malformed(format!("unsupported version {version}")));
    }
    let slot_pages = le(12).ok_or_else(|| malformed("truncated database header"))?;
    let slots_end = slot_pages
        .checked_mul(SLOT_PAGE)
        .filter(|&end| end > 0 && end <= data.len())
        .ok_or_else(|| malformed(format!("{slot_pages} slot pages do not fit in the file")))?;
    let file_blocks = data.len() / BLOCK;
    let first_data_block = slots_end / BLOCK;

    let mut out = HeaderBlobs::default();
    let mut used_blocks = 0usize;
    for (i, slot) in data
        .get(DB_HEADER..slots_end)
        .unwrap_or_default()
        .chunks_exact(SLOT_SIZE)
        .enumerate()
    {
        if !slot.starts_with(SLOT_MAGIC) {
            return Err(malformed(format!("slot {i} has no `Slot` magic")));
        }
        let field = |at| Endian::Little.u32(slot, at).unwrap_or(0) as usize;
        let (pkg, block, count) = (field(4), field(8), field(12));
        if block == 0 {
            continue; // a free slot
        }
        if pkg == 0 || count == 0 || block < first_data_block {
            return Err(malformed(format!(
                "slot {i} is invalid (package {pkg}, blocks {block}+{count})"
            )));
        }
        if block.saturating_add(count) > file_blocks {
            return Err(malformed(format!(
                "truncated: slot {i} points past the end of the file"
            )));
        }
        // Slots never share blocks; refusing overlap bounds the work to the file size.
        used_blocks += count;
        if used_blocks > file_blocks {
            return Err(malformed("slots overlap"));
        }
        check_record_count(out.blobs.len() + out.skipped.len() + 1)?;
        let area = data
            .get(block * BLOCK..(block + count) * BLOCK)
            .unwrap_or_default();
        match blob(area, pkg) {
            Ok(b) => out.blobs.push(Cow::Borrowed(b)),
            Err(reason) => out.skipped.push(format!("package {pkg}: {reason}")),
        }
    }
    Ok(out)
}

/// The header blob inside one slot's blocks, after checking head, tail and checksum.
fn blob(area: &[u8], pkg: usize) -> Result<&[u8], String> {
    let le = |at| Endian::Little.u32(area, at).map(|v| v as usize);
    if !area.starts_with(BLOB_HEAD_MAGIC) || le(4) != Some(pkg) {
        return Err("blob head does not match its slot".to_string());
    }
    let len = le(12).unwrap_or(usize::MAX);
    if len > MAX_HEADER_BYTES {
        return Err(format!(
            "blob of {len} bytes exceeds the limit of {MAX_HEADER_BYTES}"
        ));
    }
    if (BLOB_HEAD + len + BLOB_TAIL).div_ceil(BLOCK) * BLOCK != area.len() {
        return Err(format!(
            "blob of {len} bytes does not fill its {} bytes",
            area.len()
        ));
    }
    let tail_at = area.len() - BLOB_TAIL;
    let (body, tail) = area.split_at(tail_at);
    let tail_field = |at| Endian::Little.u32(tail, at);
    if tail.get(8..) != Some(BLOB_TAIL_MAGIC) || tail_field(4) != Some(len as u32) {
        return Err("blob tail is damaged".to_string());
    }
    if tail_field(0) != Some(adler32(body)) {
        return Err("blob checksum mismatch".to_string());
    }
    Ok(body.get(BLOB_HEAD..BLOB_HEAD + len).unwrap_or_default())
}

/// Adler-32 (RFC 1950).
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    // 5552 bytes is the most that can be summed before the u32 sums could overflow.
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

fn malformed(reason: impl Into<String>) -> CatalogError {
    CatalogError::malformed(FORMAT, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpm::parse_header;
    use crate::test_support::testdata;

    fn sle15() -> Vec<u8> {
        std::fs::read(testdata().join("fixtures/go-rpmdb/pkg/testdata/sle15-bci/Packages.db"))
            .unwrap()
    }

    #[test]
    fn adler32_known_value() {
        // RFC 1950 example value for "Wikipedia".
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
    }

    #[test]
    fn real_database() {
        let data = sle15();
        let blobs = parse_ndb(&data).unwrap();
        assert!(blobs.skipped.is_empty(), "{:?}", blobs.skipped);
        // go-rpmdb's sle15-bci/packages.csv lists 35 packages, system-user-root first.
        assert_eq!(blobs.blobs.len(), 35);
        let first = parse_header(&blobs.blobs[0]).unwrap();
        assert_eq!(first.name, "system-user-root");
    }

    #[test]
    fn truncated_copies_fail() {
        let data = sle15();
        for len in [
            0,
            3,
            20,
            31,
            4095,
            4096 + 100,
            data.len() / 2,
            data.len() - 16,
        ] {
            assert!(
                parse_ndb(data.get(..len).unwrap()).is_err(),
                "truncated at {len}"
            );
        }
    }

    #[test]
    fn corruption() {
        let data = sle15();
        // Structural damage is an error.
        for (at, byte) in [(0, b'X'), (4, 1), (12, 0), (13, 0xff), (32, b'X')] {
            let mut bad = data.clone();
            bad[at] = byte;
            assert!(parse_ndb(&bad).is_err(), "byte {at}");
        }
        // Damage inside one blob skips that package only.
        let mut bad = data.clone();
        let first_blob = 4096 + BLOB_HEAD + 40;
        bad[first_blob] ^= 0xff;
        let blobs = parse_ndb(&bad).unwrap();
        assert_eq!((blobs.blobs.len(), blobs.skipped.len()), (34, 1));
        assert!(blobs.skipped[0].contains("checksum"), "{:?}", blobs.skipped);
    }
}
