//! The lock of an output directory (`imr run --out DIR`): one imr process at
//! a time writes a directory's output set.
//!
//! The lock is an advisory exclusive lock (`flock` on Unix, `LockFileEx` on
//! Windows, through `std::fs::File::try_lock`) on `DIR/.imr.lock`. It is taken
//! without waiting: a second process gets [`OutLockError::Busy`] at once, before
//! it runs anything, instead of queueing behind a validator that may run for
//! hours. The lock file stays (removing it would let two processes lock two
//! different files); the lock is released when the holder exits, however it exits.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file's name inside the output directory.
pub const LOCK_FILE: &str = ".imr.lock";

/// An output directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum OutLockError {
    /// Another process holds the lock.
    #[error("output directory {dir} is in use by another imr process (it holds the lock {dir}/{LOCK_FILE}); wait for it to finish or choose another --out", dir = .dir.display())]
    Busy {
        /// The output directory.
        dir: PathBuf,
    },
    /// The directory or its lock file could not be created or opened.
    #[error("cannot lock output directory {}: {source}", .dir.display())]
    Io {
        /// The output directory.
        dir: PathBuf,
        /// The OS error (shown in the message, so not also a `source`).
        #[source]
        source: std::io::Error,
    },
}

/// The held lock of an output directory (created when missing). Dropping it
/// releases the lock.
#[derive(Debug)]
pub struct OutLock {
    dir: PathBuf,
    _file: File,
}

impl OutLock {
    /// Creates `dir` when missing and takes its lock without waiting.
    pub fn acquire(dir: &Path) -> Result<Self, OutLockError> {
        let io = |source| OutLockError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(LOCK_FILE))
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(Self {
                dir: dir.to_path_buf(),
                _file: file,
            }),
            Err(TryLockError::WouldBlock) => Err(OutLockError::Busy {
                dir: dir.to_path_buf(),
            }),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }

    /// The locked directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let first = OutLock::acquire(&dir).unwrap();
        let second = OutLock::acquire(&dir).unwrap_err();
        assert!(matches!(second, OutLockError::Busy { .. }), "{second}");
        assert!(second.to_string().contains("in use by another imr process"));
        drop(first);
        OutLock::acquire(&dir).expect("free again");
    }
}
