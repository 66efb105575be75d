//! Fuzzes the rpm header blob decoder: any bytes must give a header or an error.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bulwark_catalog::rpm::parse_header(data);
});
