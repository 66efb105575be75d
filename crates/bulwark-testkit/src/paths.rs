//! Where the test data lives.

use std::path::{Component, Path, PathBuf};

/// The workspace root (the folder holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    normalize(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// The shared real-world test files: `$BULWARK_TESTDATA`, or `<workspace>/../shared/testdata`.
pub fn testdata_dir() -> PathBuf {
    std::env::var_os("BULWARK_TESTDATA").map_or_else(
        || normalize(&workspace_root().join("../shared/testdata")),
        PathBuf::from,
    )
}

/// The cache of larger test images built or downloaded once per machine:
/// `$BULWARK_TEST_IMAGES`, or `$HOME/.cache/bulwark-test-images`.
pub fn test_images_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BULWARK_TEST_IMAGES") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".cache/bulwark-test-images")
}

/// Removes `.` and `..` components without touching the file system, so paths in test
/// messages read well even when a folder does not exist yet.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_root_holds_the_workspace_manifest() {
        let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
        assert!(manifest.contains("[workspace]"));
    }

    #[test]
    fn normalize_resolves_parent_components() {
        assert_eq!(
            normalize(Path::new("/a/b/../../c/./d")),
            PathBuf::from("/c/d")
        );
    }
}
