//! Reading a file a user names on the command line (a component, an epoch):
//! only a regular file, never more than a stated bound.
//!
//! The file is opened non-blocking, so a FIFO, a socket or a device is refused
//! at once instead of hanging the read, and its size is checked before a byte
//! is read (and again while reading, for a file that grows). Symbolic links are
//! followed: the user named the file.

use std::io::Read;
use std::path::Path;

/// The largest epoch file imr reads: 64 MiB. Parsing needs several times the
/// file's size in memory (every payload, task and params value is a JSON tree
/// before it is made canonical), so the bound also bounds memory.
pub const MAX_EPOCH_FILE_BYTES: u64 = 64 << 20;

/// Reads `path` whole when it is a regular file of at most `max` bytes. The
/// errors say what the file is instead (`a FIFO (named pipe), not a regular
/// file`) or how large it is; they do not repeat the path (callers add it).
pub fn read_regular(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{}, not a regular file", file_kind(&meta)),
        ));
    }
    let too_large = |size: u64| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{size} bytes, over the limit of {max} bytes"),
        )
    };
    if meta.len() > max {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// What a non-regular file is, in words.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    "not a file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_within_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"12345").unwrap();
        assert_eq!(read_regular(&p, 5).unwrap(), b"12345");
        let e = read_regular(&p, 4).unwrap_err();
        assert_eq!(e.to_string(), "5 bytes, over the limit of 4 bytes");
    }

    #[test]
    fn a_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_regular(dir.path(), 10).unwrap_err();
        assert_eq!(e.to_string(), "a directory, not a regular file");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pipe");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &p,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        )
        .unwrap();
        let e = read_regular(&p, 10).unwrap_err();
        assert_eq!(e.to_string(), "a FIFO (named pipe), not a regular file");
    }
}
