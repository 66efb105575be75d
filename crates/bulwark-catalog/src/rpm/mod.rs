//! Reading rpm package databases without rpm.
//!
//! An rpm database stores one *header blob* per installed package (the same index + data
//! store structure as the header of a `.rpm` file, minus its magic). rpm has used three
//! containers for those blobs over the years, and an image may hold any of them:
//!
//! | file | container | module |
//! |---|---|---|
//! | `Packages` | BerkeleyDB hash database (RHEL/CentOS <= 8, Amazon Linux 2) | [`parse_bdb`] |
//! | `Packages.db` | rpm's own "NDB" format (SUSE 15) | [`parse_ndb`] |
//! | `rpmdb.sqlite` | SQLite, table `Packages` (Fedora 33+, RHEL 9, Mariner) | [`parse_sqlite`] |
//!
//! [`parse_database`] picks the container from the file's magic bytes and [`parse_header`]
//! decodes one blob. Every parser works on a byte slice, checks every offset it reads, and
//! caps what a hostile file can make it do: at most [`MAX_RECORDS`] packages, at most
//! [`MAX_HEADER_BYTES`] per header, and no page, slot or block of the file is used twice.
//! Problems confined to one package are reported in [`HeaderBlobs::skipped`]; problems with
//! the container itself are errors.

mod bdb;
mod header;
mod ndb;
mod sqlite;

use std::borrow::Cow;

pub use bdb::parse_bdb;
pub use header::{RpmHeader, parse_header};
pub use ndb::parse_ndb;
pub use sqlite::parse_sqlite;

use crate::CatalogError;

/// Most packages one database may hold; real systems have a few thousand.
pub const MAX_RECORDS: usize = 200_000;

/// Largest header blob accepted, in bytes; real headers are at most a few MiB.
pub const MAX_HEADER_BYTES: usize = 64 << 20;

/// The header blobs of a package database.
#[derive(Debug, Default)]
pub struct HeaderBlobs<'a> {
    /// One blob per package, in database order (not yet decoded: see [`parse_header`]).
    pub blobs: Vec<Cow<'a, [u8]>>,
    /// Records that could not be read, each with the reason; the others are still good.
    pub skipped: Vec<String>,
}

/// The on-disk containers of an rpm database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFormat {
    BerkeleyDb,
    Ndb,
    Sqlite,
}

impl DbFormat {
    /// Recognises a database by its magic bytes, whatever the file is called.
    pub fn detect(data: &[u8]) -> Option<Self> {
        if data.starts_with(sqlite::MAGIC) {
            Some(Self::Sqlite)
        } else if data.starts_with(ndb::MAGIC) {
            Some(Self::Ndb)
        } else if bdb::has_magic(data) {
            Some(Self::BerkeleyDb)
        } else {
            None
        }
    }
}

/// The header blobs of a database in any of the three containers.
pub fn parse_database(data: &[u8]) -> Result<HeaderBlobs<'_>, CatalogError> {
    match DbFormat::detect(data) {
        Some(DbFormat::BerkeleyDb) => parse_bdb(data),
        Some(DbFormat::Ndb) => parse_ndb(data),
        Some(DbFormat::Sqlite) => parse_sqlite(data),
        None => Err(CatalogError::malformed(
            "rpm database",
            "not a BerkeleyDB, NDB or SQLite rpm database (unknown magic bytes)",
        )),
    }
}

/// Fails once a database has produced more than [`MAX_RECORDS`] records.
fn check_record_count(count: usize) -> Result<(), CatalogError> {
    if count > MAX_RECORDS {
        return Err(CatalogError::LimitExceeded {
            what: "number of records in the rpm database".to_string(),
            limit: MAX_RECORDS as u64,
        });
    }
    Ok(())
}

/// Byte order of multi-byte fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endian {
    Little,
    Big,
}

impl Endian {
    fn u16(self, data: &[u8], at: usize) -> Option<u16> {
        let b: [u8; 2] = data.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            Endian::Little => u16::from_le_bytes(b),
            Endian::Big => u16::from_be_bytes(b),
        })
    }

    fn u32(self, data: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            Endian::Little => u32::from_le_bytes(b),
            Endian::Big => u32::from_be_bytes(b),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::testdata;

    #[test]
    fn detects_each_container_by_magic() {
        let go = testdata().join("fixtures/go-rpmdb/pkg/testdata");
        let cases = [
            ("libuuid/Packages", DbFormat::BerkeleyDb),
            ("sle15-bci/Packages.db", DbFormat::Ndb),
            ("cbl-mariner-2.0/rpmdb.sqlite", DbFormat::Sqlite),
        ];
        for (file, want) in cases {
            let data = std::fs::read(go.join(file)).unwrap();
            assert_eq!(DbFormat::detect(&data), Some(want), "{file}");
        }
        assert_eq!(DbFormat::detect(b"bogus"), None);
        assert!(parse_database(b"bogus").is_err());
        assert!(parse_database(b"").is_err());
    }

    #[test]
    fn endian_reads_are_bounds_checked() {
        let data = [1u8, 2, 3, 4];
        assert_eq!(Endian::Little.u32(&data, 0), Some(0x0403_0201));
        assert_eq!(Endian::Big.u16(&data, 2), Some(0x0304));
        assert_eq!(Endian::Big.u32(&data, 1), None);
        assert_eq!(Endian::Little.u16(&data, usize::MAX), None);
    }
}
