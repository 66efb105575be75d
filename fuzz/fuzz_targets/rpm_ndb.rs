//! Fuzzes the NDB `Packages.db` reader and the header decoder behind it.
//! Seed with fixtures/go-rpmdb/pkg/testdata/sle15-bci/Packages.db.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(db) = bulwark_catalog::rpm::parse_ndb(data) {
        for blob in &db.blobs {
            let _ = bulwark_catalog::rpm::parse_header(blob);
        }
    }
});
