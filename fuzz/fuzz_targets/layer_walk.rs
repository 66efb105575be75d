//! Arbitrary bytes as a layer tar: the walker and every cataloger must not panic.
#![no_main]

use bulwark_catalog::{Limits, catalogers, walk::scan_layer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cats = catalogers::all();
    let limits = Limits {
        max_file_size: 1 << 20,
        max_entries: 10_000,
    };
    let _ = scan_layer(data, &cats, &limits, "fuzz layer");
});
