//! Shared helpers for vector-driven tests: locating the vectors root and discovering files.

use std::path::{Path, PathBuf};

/// The vectors root: `IMR_VECTORS` (relative paths resolved against the workspace root) or the
/// workspace's `../shared/vectors`. Returns `None` (after printing a note) only when the variable
/// is unset and the default folder is missing.
pub fn vectors_root() -> Option<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    match std::env::var_os("IMR_VECTORS") {
        Some(v) => {
            let p = PathBuf::from(v);
            Some(if p.is_absolute() {
                p
            } else {
                workspace.join(p)
            })
        }
        None => {
            let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors"));
            if p.is_dir() {
                Some(p)
            } else {
                eprintln!(
                    "note: IMR_VECTORS unset and {} missing; skipping",
                    p.display()
                );
                None
            }
        }
    }
}

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
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: bad JSON: {e}", path.display()))
}
