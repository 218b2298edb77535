//! Shared helpers for vector-driven tests: locating the vectors root and discovering files.

use std::path::{Path, PathBuf};

/// The vectors root (`IMR_VECTORS`, see `imr-test-support`): a missing root fails the test.
pub use imr_test_support::vectors_root;

/// Files in `root/sub` whose names satisfy `pred`, sorted. A missing or unreadable folder is a
/// test failure (the root was either given explicitly or found to exist).
pub fn discover(root: &Path, sub: &str, pred: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let dir = root.join(sub);
    let rd = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read vectors folder {}: {e}", dir.display()));
    let mut v: Vec<PathBuf> = rd
        .map(|e| {
            e.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
                .path()
        })
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&pred))
        .collect();
    v.sort();
    v
}

/// Read a file as JSON, failing with its path.
pub use imr_test_support::read_json;
