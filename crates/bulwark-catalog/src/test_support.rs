//! Where tests find the shared real-world test data.

use std::path::PathBuf;

/// The shared test data directory: `$BULWARK_TESTDATA`, else `../shared/testdata` beside
/// the repository.
pub fn testdata() -> PathBuf {
    std::env::var_os("BULWARK_TESTDATA").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/testdata"
            ))
        },
        PathBuf::from,
    )
}

/// The content of `path` (no leading `/`) from the layers of a `docker save` archive; the
/// last layer holding it wins. Panics when it is missing: for tests only.
pub fn docker_archive_file(archive: &std::path::Path, path: &str) -> Vec<u8> {
    use std::io::Read;
    let mut found = None;
    let mut outer = tar::Archive::new(std::fs::File::open(archive).unwrap());
    for layer in outer.entries().unwrap() {
        let layer = layer.unwrap();
        let name = layer.path().unwrap().to_string_lossy().into_owned();
        if !name.ends_with("layer.tar") {
            continue;
        }
        for entry in tar::Archive::new(layer).entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            if name.trim_start_matches("./") == path {
                let mut data = Vec::new();
                entry.read_to_end(&mut data).unwrap();
                found = Some(data);
            }
        }
    }
    found.unwrap_or_else(|| panic!("{path} not in {}", archive.display()))
}

/// Asserts that `cataloger` rejects every one of `inputs` (as the content of `path`) as
/// malformed: garbage must be a clear error, never a panic or an empty success.
pub fn assert_all_malformed(cataloger: &dyn crate::Cataloger, path: &str, inputs: &[&[u8]]) {
    for data in inputs {
        let input = crate::FileInput {
            path,
            meta: crate::FileMeta {
                size: data.len() as u64,
                mode: 0,
            },
            data,
        };
        let mut out = crate::Output::default();
        let result = cataloger.catalog(&input, &mut out);
        assert!(
            matches!(result, Err(crate::CatalogError::Malformed { .. })),
            "{path}: {:?} gave {result:?}",
            String::from_utf8_lossy(data)
        );
    }
}
