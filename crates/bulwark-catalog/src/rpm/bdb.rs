//! BerkeleyDB hash databases, as rpm's `Packages` file uses them.
//!
//! The file is an array of fixed-size pages; page 0 is the hash metadata page. Each hash
//! bucket has a primary page (found through the metadata's `spares` table) and possibly a
//! chain of further pages linked by `next_pgno`. A page holds item pairs (key, value); rpm's
//! keys are 4-byte package numbers and its values are header blobs, usually too big for a
//! page and so stored "off page" as a chain of overflow pages.
//!
//! All fields are in the byte order of the machine that wrote the file; the magic number
//! tells which. Every page is used at most once, so page cycles end the walk and the blobs
//! returned together are never larger than the file.

use std::borrow::Cow;

use super::{Endian, HeaderBlobs, MAX_HEADER_BYTES, check_record_count};
use crate::CatalogError;

const FORMAT: &str = "rpm BerkeleyDB database";

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;

// Metadata page offsets.
const META_MAGIC: usize = 12;
const META_VERSION: usize = 16;
const META_PAGESIZE: usize = 20;
const META_ENCRYPT: usize = 24;
const META_LAST_PGNO: usize = 32;
const META_MAX_BUCKET: usize = 72;
const META_SPARES: usize = 96;
const SPARES: usize = 32;

// Page header offsets.
const PAGE_PGNO: usize = 8;
const PAGE_NEXT: usize = 16;
const PAGE_ENTRIES: usize = 20;
const PAGE_HF_OFFSET: usize = 22;
const PAGE_TYPE: usize = 25;
const PAGE_HEADER: usize = 26;

const P_INVALID: u8 = 0;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASH: u8 = 13;

const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
const OFFPAGE_ITEM: usize = 12;

/// A key and the raw value item stored with it on a hash page.
type Pair<'a> = (&'a [u8], &'a [u8]);

/// Does `data` start with a BerkeleyDB hash or btree metadata page?
pub(super) fn has_magic(data: &[u8]) -> bool {
    [Endian::Little, Endian::Big]
        .into_iter()
        .any(|e| matches!(e.u32(data, META_MAGIC), Some(HASH_MAGIC | BTREE_MAGIC)))
}

/// The header blobs of a BerkeleyDB hash `Packages` database.
pub fn parse_bdb(data: &[u8]) -> Result<HeaderBlobs<'_>, CatalogError> {
    let db = Db::open(data)?;
    let mut visited = vec![false; db.pages];
    let mut out = HeaderBlobs::default();
    let mut records = 0usize;
    for bucket in 0..=db.max_bucket {
        let mut pgno = db.bucket_page(bucket);
        loop {
            let page = db.page(pgno, &mut visited)?;
            match page.get(PAGE_TYPE).copied() {
                Some(P_HASH | P_HASH_UNSORTED) => {}
                // A bucket page that was never written: an empty bucket.
                Some(P_INVALID) if db.e.u32(page, PAGE_PGNO) == Some(0) => break,
                other => {
                    return Err(malformed(format!(
                        "bucket {bucket}: page {pgno} has type {other:?}, not a hash page"
                    )));
                }
            }
            if db.e.u32(page, PAGE_PGNO).map(|p| p as usize) != Some(pgno) {
                return Err(malformed(format!("page {pgno} says it is another page")));
            }
            for (key, value) in db
                .items(page)
                .map_err(|r| malformed(format!("page {pgno}: {r}")))?
            {
                // rpm keeps a bookkeeping record under key 0; it is not a package.
                if key == [0, 0, 0, 0] {
                    continue;
                }
                records += 1;
                check_record_count(records)?;
                match db.value(value, &mut visited) {
                    Ok(blob) => out.blobs.push(blob),
                    Err(reason) => out.skipped.push(format!("record on page {pgno}: {reason}")),
                }
            }
            pgno = db.e.u32(page, PAGE_NEXT).unwrap_or(0) as usize;
            if pgno == 0 {
                break;
            }
        }
    }
    Ok(out)
}

struct Db<'a> {
    data: &'a [u8],
    e: Endian,
    page_size: usize,
    pages: usize,
    max_bucket: usize,
    spares: [u32; SPARES],
}

impl<'a> Db<'a> {
    fn open(data: &'a [u8]) -> Result<Self, CatalogError> {
        let e = [Endian::Little, Endian::Big]
            .into_iter()
            .find(|e| e.u32(data, META_MAGIC) == Some(HASH_MAGIC))
            .ok_or_else(|| {
                if has_magic(data) {
                    malformed("a BerkeleyDB btree, not a hash database")
                } else {
                    malformed("no BerkeleyDB hash magic number")
                }
            })?;
        let field = |at| {
            e.u32(data, at)
                .ok_or_else(|| malformed("truncated metadata page"))
        };
        let version = field(META_VERSION)?;
        if !(8..=10).contains(&version) {
            return Err(malformed(format!("unsupported hash version {version}")));
        }
        let page_size = field(META_PAGESIZE)? as usize;
        if !page_size.is_power_of_two() || !(512..=65536).contains(&page_size) {
            return Err(malformed(format!("invalid page size {page_size}")));
        }
        if data.get(META_ENCRYPT).copied().unwrap_or(0) != 0 {
            return Err(malformed("encrypted databases are not supported"));
        }
        let pages = field(META_LAST_PGNO)? as usize + 1;
        let have = data.len() / page_size;
        if pages > have {
            return Err(malformed(format!(
                "truncated: {pages} pages declared, the file holds {have}"
            )));
        }
        let max_bucket = field(META_MAX_BUCKET)? as usize;
        if max_bucket >= pages {
            return Err(malformed(format!(
                "{} buckets cannot fit in {pages} pages",
                max_bucket + 1
            )));
        }
        let mut spares = [0u32; SPARES];
        for (i, s) in spares.iter_mut().enumerate() {
            *s = field(META_SPARES + 4 * i)?;
        }
        Ok(Self {
            data,
            e,
            page_size,
            pages,
            max_bucket,
            spares,
        })
    }

    /// The primary page of a bucket: the bucket number plus the spare pages allocated
    /// before its split point (the number of bits in the bucket number).
    fn bucket_page(&self, bucket: usize) -> usize {
        let split_point = (usize::BITS - bucket.leading_zeros()) as usize;
        let spare = self.spares.get(split_point).copied().unwrap_or(0) as usize;
        bucket.saturating_add(spare)
    }

    /// Page `pgno`, which must exist and not have been used before.
    fn page(&self, pgno: usize, visited: &mut [bool]) -> Result<&'a [u8], CatalogError> {
        if pgno == 0 {
            return Err(malformed("a page chain points at the metadata page"));
        }
        match visited.get_mut(pgno) {
            None => return Err(malformed(format!("page {pgno} is past the last page"))),
            Some(true) => {
                return Err(malformed(format!(
                    "page {pgno} is reached twice (a page cycle)"
                )));
            }
            Some(seen) => *seen = true,
        }
        let start = pgno * self.page_size;
        self.data
            .get(start..start + self.page_size)
            .ok_or_else(|| malformed(format!("page {pgno} is past the end of the file")))
    }

    /// The (key, value) item pairs of a hash page, as raw items (type byte first).
    fn items(&self, page: &'a [u8]) -> Result<Vec<Pair<'a>>, String> {
        let n = self.e.u16(page, PAGE_ENTRIES).unwrap_or(0) as usize;
        let index_end = PAGE_HEADER + 2 * n;
        if index_end > self.page_size {
            return Err(format!("{n} entries do not fit in the page"));
        }
        // Items are packed from the end of the page down: each ends where the previous begins.
        let mut items = Vec::with_capacity(n);
        let mut end = self.page_size;
        for i in 0..n {
            let at = self.e.u16(page, PAGE_HEADER + 2 * i).unwrap_or(0) as usize;
            if at < index_end || at >= end {
                return Err(format!("entry {i} has offset {at}, outside its space"));
            }
            items.push(page.get(at..end).unwrap_or_default());
            end = at;
        }
        let mut pairs = Vec::with_capacity(n / 2);
        for pair in items.chunks_exact(2) {
            if let [key, value] = pair {
                let key = match key.split_first() {
                    Some((&H_KEYDATA, k)) => k,
                    _ => return Err("a key is not stored on the page".to_string()),
                };
                pairs.push((key, *value));
            }
        }
        Ok(pairs)
    }

    /// The bytes of a value item: inline, or gathered from its overflow pages.
    fn value(&self, item: &'a [u8], visited: &mut [bool]) -> Result<Cow<'a, [u8]>, String> {
        match item.first().copied() {
            Some(H_KEYDATA) => Ok(Cow::Borrowed(item.get(1..).unwrap_or_default())),
            Some(H_OFFPAGE) if item.len() >= OFFPAGE_ITEM => {
                let pgno = self.e.u32(item, 4).unwrap_or(0) as usize;
                let len = self.e.u32(item, 8).unwrap_or(0) as usize;
                self.overflow(pgno, len, visited).map(Cow::Owned)
            }
            other => Err(format!("unsupported item type {other:?}")),
        }
    }

    fn overflow(
        &self,
        mut pgno: usize,
        len: usize,
        visited: &mut [bool],
    ) -> Result<Vec<u8>, String> {
        if len > MAX_HEADER_BYTES {
            return Err(format!(
                "value of {len} bytes exceeds the limit of {MAX_HEADER_BYTES}"
            ));
        }
        let mut out = Vec::with_capacity(len.min(self.data.len()));
        while out.len() < len {
            if pgno == 0 {
                return Err(format!(
                    "overflow chain ends after {} of {len} bytes",
                    out.len()
                ));
            }
            let page = self.page(pgno, visited).map_err(|e| e.to_string())?;
            if page.get(PAGE_TYPE) != Some(&P_OVERFLOW) {
                return Err(format!("page {pgno} is not an overflow page"));
            }
            let used = self.e.u16(page, PAGE_HF_OFFSET).unwrap_or(0) as usize;
            let chunk = page
                .get(PAGE_HEADER..PAGE_HEADER + used)
                .filter(|c| c.len() <= len - out.len())
                .ok_or_else(|| format!("overflow page {pgno} claims {used} bytes"))?;
            out.extend_from_slice(chunk);
            pgno = self.e.u32(page, PAGE_NEXT).unwrap_or(0) as usize;
        }
        Ok(out)
    }
}

fn malformed(reason: impl Into<String>) -> CatalogError {
    CatalogError::malformed(FORMAT, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpm::parse_header;
    use crate::test_support::testdata;

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(testdata().join("fixtures").join(rel)).unwrap()
    }

    fn names(data: &[u8]) -> Vec<String> {
        let blobs = parse_bdb(data).unwrap();
        assert!(blobs.skipped.is_empty(), "{:?}", blobs.skipped);
        blobs
            .blobs
            .iter()
            .map(|b| parse_header(b).unwrap().name)
            .collect()
    }

    #[test]
    fn real_databases() {
        // Expected lists cross-checked with `rpm -qa --dbpath` (rpm 4.18, bdb_ro backend).
        assert_eq!(
            names(&fixture("go-rpmdb/pkg/testdata/libuuid/Packages")),
            ["libuuid"]
        );
        assert_eq!(
            names(&fixture("syft/syft/pkg/cataloger/redhat/testdata/Packages")),
            ["dive"]
        );
        assert_eq!(
            names(&fixture(
                "osv-scalibr/extractor/filesystem/os/rpm/testdata/Packages_epoch"
            )),
            ["hello"]
        );
    }

    #[test]
    fn truncated_copies_fail() {
        let data = fixture("go-rpmdb/pkg/testdata/libuuid/Packages");
        for len in [
            0,
            11,
            100,
            511,
            4096,
            data.len() / 2,
            data.len() - 4096,
            data.len() - 1,
        ] {
            assert!(
                parse_bdb(data.get(..len).unwrap()).is_err(),
                "truncated at {len}"
            );
        }
    }

    #[test]
    fn corrupted_structure_fails() {
        let data = fixture("go-rpmdb/pkg/testdata/libuuid/Packages");
        let page_size = 4096;
        // Metadata: bad magic, bad page size, absurd bucket count, encryption.
        for (at, bytes) in [
            (12, &[0u8; 4][..]),
            (20, &[0, 3, 0, 0]),
            (72, &[0xff; 4]),
            (24, &[1]),
        ] {
            let mut bad = data.clone();
            bad[at..at + bytes.len()].copy_from_slice(bytes);
            assert!(parse_bdb(&bad).is_err(), "metadata byte {at}");
        }
        // A bucket chain that links a page to itself.
        let mut cycle = data.clone();
        let first = Db::open(&data).unwrap().bucket_page(0);
        let at = first * page_size;
        cycle[at + PAGE_NEXT..at + PAGE_NEXT + 4].copy_from_slice(&(first as u32).to_le_bytes());
        assert!(parse_bdb(&cycle).is_err());
    }

    #[test]
    fn broken_overflow_chain_is_skipped_not_fatal() {
        let data = fixture("go-rpmdb/pkg/testdata/libuuid/Packages");
        // Turn every overflow page into an unknown page type: the record is skipped.
        let mut bad = data.clone();
        for page in bad.chunks_exact_mut(4096).skip(1) {
            if page[PAGE_TYPE] == P_OVERFLOW {
                page[PAGE_TYPE] = 0x55;
            }
        }
        let blobs = parse_bdb(&bad).unwrap();
        assert!(blobs.blobs.is_empty());
        assert_eq!(blobs.skipped.len(), 1, "{:?}", blobs.skipped);
    }
}
