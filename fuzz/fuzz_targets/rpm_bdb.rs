//! Fuzzes the BerkeleyDB `Packages` reader and the header decoder behind it.
//! Seed with fixtures/go-rpmdb/pkg/testdata/libuuid/Packages (the smallest real one).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(db) = bulwark_catalog::rpm::parse_bdb(data) {
        for blob in &db.blobs {
            let _ = bulwark_catalog::rpm::parse_header(blob);
        }
    }
});
