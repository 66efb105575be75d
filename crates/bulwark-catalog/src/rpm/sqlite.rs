//! rpm's SQLite database (`rpmdb.sqlite`): one row per package in table `Packages`,
//! column `blob`.
//!
//! The file is copied into an in-memory SQLite connection (nothing touches the disk) and
//! opened read-only. rpm runs it in WAL mode; the `-wal` file is not ours to see, so the
//! header is switched to rollback-journal mode in our copy, which SQLite's in-memory
//! backend needs. The file is untrusted: `Packages` must be a plain table whose `blob`
//! column is stored, not computed, so reading it costs no more than the file's size.

use std::borrow::Cow;
use std::io::Read;

use rusqlite::{Connection, MAIN_DB, OpenFlags};

use super::{HeaderBlobs, MAX_HEADER_BYTES, check_record_count};
use crate::CatalogError;

const FORMAT: &str = "rpm SQLite database";

pub(super) const MAGIC: &[u8] = b"SQLite format 3\0";

/// Offsets of the file format write/read versions: 1 = rollback journal, 2 = WAL.
const WRITE_VERSION: usize = 18;
const HEADER_SIZE: usize = 100;

/// The header blobs of an `rpmdb.sqlite`. The blobs are copies: SQLite owns its pages.
pub fn parse_sqlite(data: &[u8]) -> Result<HeaderBlobs<'static>, CatalogError> {
    if !data.starts_with(MAGIC) || data.len() < HEADER_SIZE {
        return Err(malformed("not an SQLite 3 database"));
    }
    let conn = open(data).map_err(|e| malformed(format!("cannot open: {e}")))?;
    check_schema(&conn)?;
    let mut stmt = conn
        .prepare("SELECT blob FROM Packages ORDER BY rowid")
        .map_err(|e| malformed(format!("cannot query table Packages: {e}")))?;
    let mut rows = stmt
        .query([])
        .map_err(|e| malformed(format!("cannot query table Packages: {e}")))?;
    let mut out = HeaderBlobs::default();
    let mut records = 0usize;
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => return Err(malformed(format!("reading table Packages: {e}"))),
        };
        records += 1;
        check_record_count(records)?;
        match row
            .get_ref(0)
            .map_err(|e| e.to_string())
            .and_then(|v| v.as_blob().map_err(|e| e.to_string()))
        {
            Ok(blob) if blob.len() > MAX_HEADER_BYTES => out.skipped.push(format!(
                "row {records}: blob of {} bytes exceeds the limit of {MAX_HEADER_BYTES}",
                blob.len()
            )),
            Ok(blob) => out.blobs.push(Cow::Owned(blob.to_vec())),
            Err(reason) => out.skipped.push(format!("row {records}: {reason}")),
        }
    }
    Ok(out)
}

fn open(data: &[u8]) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // Our copy of the header, in rollback-journal mode.
    let mut header = [0u8; HEADER_SIZE];
    header.copy_from_slice(data.get(..HEADER_SIZE).unwrap_or(&[0; HEADER_SIZE]));
    header[WRITE_VERSION] = header[WRITE_VERSION].min(1);
    header[WRITE_VERSION + 1] = header[WRITE_VERSION + 1].min(1);
    let rest = data.get(HEADER_SIZE..).unwrap_or_default();
    conn.deserialize_read_exact(MAIN_DB, header.as_slice().chain(rest), data.len(), true)?;
    conn.execute_batch(
        "PRAGMA trusted_schema = OFF; PRAGMA query_only = ON; PRAGMA temp_store = MEMORY;",
    )?;
    Ok(conn)
}

/// `Packages` must be a table with a stored `blob` column (no view, no generated column).
fn check_schema(conn: &Connection) -> Result<(), CatalogError> {
    let kind: Option<String> = conn
        .query_row(
            "SELECT type FROM sqlite_master WHERE name = 'Packages'",
            [],
            |r| r.get(0),
        )
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .map_err(|e| malformed(format!("cannot read the schema: {e}")))?;
    match kind.as_deref() {
        Some("table") => {}
        Some(other) => return Err(malformed(format!("Packages is a {other}, not a table"))),
        None => return Err(malformed("no table Packages")),
    }
    // `hidden` is 0 for ordinary columns, 2 or 3 for generated ones.
    let hidden: Option<i64> = conn
        .query_row(
            "SELECT hidden FROM pragma_table_xinfo('Packages') WHERE name = 'blob'",
            [],
            |r| r.get(0),
        )
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .map_err(|e| malformed(format!("cannot read the schema: {e}")))?;
    match hidden {
        Some(0) => Ok(()),
        Some(_) => Err(malformed("column Packages.blob is computed, not stored")),
        None => Err(malformed("table Packages has no column blob")),
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
        std::fs::read(testdata().join("fixtures/go-rpmdb/pkg/testdata").join(rel)).unwrap()
    }

    #[test]
    fn real_database() {
        let data = fixture("cbl-mariner-2.0/rpmdb.sqlite");
        let blobs = parse_sqlite(&data).unwrap();
        assert!(blobs.skipped.is_empty());
        // 129 rows, as `rpm -qa --dbpath` (rpm 4.18, sqlite backend) also lists.
        assert_eq!(blobs.blobs.len(), 129);
        let curl = blobs
            .blobs
            .iter()
            .map(|b| parse_header(b).unwrap())
            .find(|h| h.name == "curl")
            .unwrap();
        assert_eq!(curl.version, "7.76.0");
    }

    #[test]
    fn empty_packages_table() {
        // sle15-bci ships an rpmdb.sqlite whose Packages table has no rows.
        let blobs = parse_sqlite(&fixture("sle15-bci/rpmdb.sqlite")).unwrap();
        assert!(blobs.blobs.is_empty() && blobs.skipped.is_empty());
    }

    #[test]
    fn truncated_and_corrupted_copies_fail() {
        let data = fixture("cbl-mariner-2.0/rpmdb.sqlite");
        for len in [0, 15, 99, 4096, data.len() / 2] {
            assert!(
                parse_sqlite(data.get(..len).unwrap()).is_err(),
                "truncated at {len}"
            );
        }
        // Page size field set to an invalid value.
        let mut bad = data.clone();
        bad[16] = 0x12;
        bad[17] = 0x34;
        assert!(parse_sqlite(&bad).is_err());
        // Zeroed pages in the middle.
        let mut bad = data.clone();
        bad[4096..4096 * 64].fill(0);
        assert!(parse_sqlite(&bad).is_err());
    }

    #[test]
    fn hostile_schemas_are_refused() {
        // Invented databases: a view and a computed column named like rpm's table.
        for schema in [
            "CREATE VIEW Packages AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS blob FROM c",
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob AS (zeroblob(1000000000)))",
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, other BLOB)",
            "CREATE TABLE Other (x)",
        ] {
            let mut conn = Connection::open_in_memory().unwrap();
            conn.execute_batch(schema).unwrap();
            let bytes = conn.serialize(MAIN_DB).unwrap().to_vec();
            assert!(
                matches!(parse_sqlite(&bytes), Err(CatalogError::Malformed { .. })),
                "{schema}"
            );
        }
    }
}
