//! Reading a run log's files as an auditor must: a log is input from someone else, so only
//! regular files are read (a FIFO named like a blob or a receipt would hang the reader, a
//! device or a symlink would read something outside the log), and no file is read past a size
//! bound (a sparse 4 GB "blob" would exhaust memory).

use std::io::{Error, ErrorKind, Read};

use cap_std::fs::Dir;

/// The largest blob a log may hold: 1 GiB (components, canonical epochs and states are far
/// smaller; the run limits cap states and outputs at a few MiB).
pub const MAX_BLOB_BYTES: u64 = 1 << 30;
/// The largest receipt file: 16 MiB (a receipt holds hashes, counters, the weights record and
/// an error message capped at 4 KiB).
pub const MAX_RECEIPT_BYTES: u64 = 16 << 20;

/// Opens `name` in `dir` after checking that it is a regular file (not followed through a
/// symlink) of at most `max` bytes, and returns it with its length.
pub(super) fn open_regular(
    dir: &Dir,
    name: &str,
    max: u64,
) -> std::io::Result<(cap_std::fs::File, u64)> {
    let meta = dir.symlink_metadata(name)?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidData,
            "not a regular file (a FIFO, device, directory or symlink); refused",
        ));
    }
    if meta.len() > max {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!(
                "{} bytes, over the maximum of {max} bytes; refused",
                meta.len()
            ),
        ));
    }
    let file = dir.open(name)?;
    Ok((file, meta.len()))
}

/// Reads `name` whole, as [`open_regular`] allows (and never more than `max` bytes, should the
/// file grow while it is read).
pub(super) fn read_regular(dir: &Dir, name: &str, max: u64) -> std::io::Result<Vec<u8>> {
    let (file, len) = open_regular(dir, name, max)?;
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(max).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The blake3 of `name`, streamed (memory stays constant whatever the file's size).
pub(super) fn hash_regular(dir: &Dir, name: &str, max: u64) -> std::io::Result<String> {
    let (file, _) = open_regular(dir, name, max)?;
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(file.take(max))?;
    Ok(hasher.finalize().to_hex().to_string())
}
