//! The appender's lock: an advisory exclusive lock (`flock`) on `LOG/lock`,
//! held for as long as the log is open for appending. The lock dies with the
//! process, so a crashed appender never leaves the log locked.

use std::fs::{File, TryLockError};
use std::path::Path;

use cap_std::fs::{Dir, OpenOptions};

use super::error::LogError;
use super::layout::LOCK;

/// A held lock; released on drop (or when the process dies).
#[derive(Debug)]
pub struct LockGuard {
    file: File,
}

impl LockGuard {
    /// Takes the lock of the log opened as `root` (at `path`, for errors), or
    /// fails at once with [`LogError::Locked`] when another appender holds it.
    pub fn acquire(root: &Dir, path: &Path) -> Result<Self, LogError> {
        let file = root
            .open_with(LOCK, OpenOptions::new().read(true).write(true).create(true))
            .map_err(|source| LogError::Io {
                path: path.to_path_buf(),
                action: "open",
                name: LOCK.into(),
                source,
            })?
            .into_std();
        match file.try_lock() {
            Ok(()) => Ok(Self { file }),
            Err(TryLockError::WouldBlock) => Err(LogError::Locked {
                path: path.to_path_buf(),
            }),
            Err(TryLockError::Error(source)) => Err(LogError::Io {
                path: path.to_path_buf(),
                action: "lock",
                name: LOCK.into(),
                source,
            }),
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}
