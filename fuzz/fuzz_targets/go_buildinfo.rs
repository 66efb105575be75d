//! Go build info reader: arbitrary bytes as an executable, and as module-info text.
//! Seed the corpus with the Go binaries under `../shared/testdata/fixtures` (see README).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bulwark_catalog::gobuildinfo::parse_buildinfo(data);
    let _ = bulwark_catalog::gobuildinfo::parse_modinfo(&String::from_utf8_lossy(data));
});
