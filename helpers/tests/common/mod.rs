//! Shared by the vector-driven tests of this crate.

use std::path::{Path, PathBuf};

/// The vectors root: `IMR_VECTORS` (relative paths resolve against the workspace root),
/// else `../shared/vectors` next to the workspace. `None` (with a note) only when the
/// variable is unset and the default is missing.
pub fn vectors_root() -> Option<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    match std::env::var_os("IMR_VECTORS") {
        Some(v) => {
            let p = PathBuf::from(v);
            Some(if p.is_relative() {
                workspace.join(p)
            } else {
                p
            })
        }
        None => {
            let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors"));
            if p.is_dir() {
                Some(p)
            } else {
                eprintln!(
                    "note: no vectors at {} and IMR_VECTORS unset; skipping",
                    p.display()
                );
                None
            }
        }
    }
}
