//! The content-addressed blob store: `blobs/<blake3 hex>`. A blob's name is the
//! blake3 of its bytes, so a blob can be checked on its own, and a receipt that
//! names it pins its content.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use cap_std::fs::Dir;

use super::durable::write_pieces_then_rename;
use super::error::LogError;
use super::layout::{is_blob_name, BLOBS, TMP_PREFIX};
use super::regular::{hash_regular, read_regular, MAX_BLOB_BYTES};
use crate::receipt::blake3_hex;
use crate::run_blobs::Pieces;

/// The blob directory of one log.
#[derive(Debug)]
pub struct Blobs {
    dir: Dir,
    log: PathBuf,
}

/// What checking one blob file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobState {
    /// The content hashes to the name.
    Valid,
    /// The content hashes to something else (given).
    Corrupt(String),
    /// The file cannot be read (a symlink out of the log, permissions...).
    Unreadable(String),
}

impl Blobs {
    /// Wraps the opened `blobs/` directory of the log at `log`.
    pub fn new(dir: Dir, log: &Path) -> Self {
        Self {
            dir,
            log: log.to_path_buf(),
        }
    }

    /// The directory handle.
    pub fn dir(&self) -> &Dir {
        &self.dir
    }

    fn io(&self, action: &'static str, name: &str, source: std::io::Error) -> LogError {
        LogError::Io {
            path: self.log.clone(),
            action,
            name: format!("{BLOBS}/{name}"),
            source,
        }
    }

    /// Whether a blob of this name is present (not checked).
    pub fn contains(&self, name: &str) -> bool {
        is_blob_name(name) && self.dir.symlink_metadata(name).is_ok()
    }

    /// Stores `bytes` under their blake3 unless a blob of that name is present;
    /// returns the name and whether a file was written (the caller then syncs the
    /// directory before publishing anything that names it).
    pub fn put(&self, bytes: Pieces<'_>) -> Result<(String, bool), LogError> {
        let name = bytes.blake3_hex();
        if self.contains(&name) {
            return Ok((name, false));
        }
        write_pieces_then_rename(&self.dir, &name, bytes)
            .map_err(|e| self.io("write", &name, e))?;
        Ok((name, true))
    }

    /// Reads the blob a receipt's `field` names and checks it against its name.
    pub fn get(&self, field: &str, name: &str) -> Result<Vec<u8>, LogError> {
        if !is_blob_name(name) {
            return Err(LogError::BadName {
                field: field.to_string(),
                name: name.to_string(),
            });
        }
        let bytes = read_regular(&self.dir, name, MAX_BLOB_BYTES).map_err(|e| {
            if e.kind() == ErrorKind::NotFound {
                LogError::MissingBlob {
                    path: self.log.clone(),
                    field: field.to_string(),
                    name: name.to_string(),
                }
            } else {
                self.io("read", name, e)
            }
        })?;
        let actual = blake3_hex(&bytes);
        if actual != name {
            return Err(LogError::CorruptBlob {
                field: field.to_string(),
                name: name.to_string(),
                actual,
            });
        }
        Ok(bytes)
    }

    /// The names of every file in the store, sorted, without temporaries.
    pub fn list(&self) -> Result<Vec<String>, LogError> {
        let mut names = Vec::new();
        for entry in self.dir.entries().map_err(|e| self.io("list", "", e))? {
            let entry = entry.map_err(|e| self.io("list", "", e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with(TMP_PREFIX) {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// Checks one file of the store against its name.
    pub fn check(&self, name: &str) -> BlobState {
        if !is_blob_name(name) {
            return BlobState::Unreadable("the name is not a blake3 hex digest".into());
        }
        match hash_regular(&self.dir, name, MAX_BLOB_BYTES) {
            Ok(actual) => {
                if actual == name {
                    BlobState::Valid
                } else {
                    BlobState::Corrupt(actual)
                }
            }
            Err(e) => BlobState::Unreadable(e.to_string()),
        }
    }
}
