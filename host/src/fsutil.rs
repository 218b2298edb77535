//! File helpers: every output file is written atomically.

use std::fs;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically and durably: a temporary file in the same
/// directory, fsync, rename, then fsync of the directory. An interrupted write
/// leaves the old file or none, never a partial one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".imr-tmp-")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
