//! Atomic, durable file creation inside a capability directory: write a
//! temporary file, fsync it, rename it into place, fsync the directory.
//! A crash at any point leaves the old name absent or complete, never partial.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use cap_std::fs::{Dir, OpenOptions};

use super::layout::TMP_PREFIX;
use crate::run_blobs::Pieces;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to a temporary file in `dir`, fsyncs it and renames it to
/// `name`. The caller fsyncs `dir` (see [`sync_dir`]) before anything that must
/// not become durable before this file.
pub fn write_then_rename(dir: &Dir, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    write_pieces_then_rename(dir, name, Pieces::from(bytes))
}

/// [`write_then_rename`] of a file whose content is `pieces`, one after the other.
pub fn write_pieces_then_rename(dir: &Dir, name: &str, pieces: Pieces<'_>) -> std::io::Result<()> {
    let tmp = format!(
        "{TMP_PREFIX}{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let result = (|| {
        let mut file = dir.open_with(&tmp, OpenOptions::new().write(true).create_new(true))?;
        for piece in pieces.iter() {
            file.write_all(piece)?;
        }
        file.sync_all()?;
        drop(file);
        dir.rename(&tmp, dir, name)
    })();
    if result.is_err() {
        let _ = dir.remove_file(&tmp);
    }
    result
}

/// Makes the renames done in `dir` durable (fsync of the directory itself).
pub fn sync_dir(dir: &Dir) -> std::io::Result<()> {
    // The handle itself may be an O_PATH descriptor, which cannot be synced:
    // open the directory for reading through it.
    dir.open_with(".", OpenOptions::new().read(true))?
        .sync_all()
}

/// Removes temporary files left in `dir` by an interrupted appender. Only called
/// under the log's lock.
pub fn remove_stale_temporaries(dir: &Dir) -> std::io::Result<()> {
    for entry in dir.entries()? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
            dir.remove_file(entry.file_name())?;
        }
    }
    Ok(())
}
