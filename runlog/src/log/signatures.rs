//! Receipt signatures in a run log: `receipts/<n>.sig.json` beside `receipts/<n>.json`.
//!
//! A signature is a file of its own, outside the receipt's hashed content, so that signing
//! changes no receipt, no hash chain and no anchor, unsigned logs stay valid, and a log can be
//! signed after the fact. The record names the receipt hash it signs, so a signature moved to
//! another receipt is caught as such (see `imr_signing::verify`).

use imr_signing::SignatureRecord;

use super::durable::{sync_dir, write_then_rename};
use super::layout::{signature_name, RECEIPTS};
use super::regular;
use super::{Log, LogError};

/// Largest signature file read (a record is about 300 bytes).
pub const MAX_SIGNATURE_BYTES: u64 = 4096;

impl Log {
    /// Stores `record` as the signature of receipt `seq` (atomically and durably; replaces an
    /// earlier signature of that receipt). Needs the log open for appending.
    pub fn put_signature(&self, seq: u64, record: &SignatureRecord) -> Result<(), LogError> {
        if !self.is_appender() {
            return Err(LogError::ReadOnly {
                path: self.path().to_path_buf(),
            });
        }
        let name = signature_name(seq);
        let full = format!("{RECEIPTS}/{name}");
        write_then_rename(&self.receipts, &name, record.to_json().as_bytes())
            .map_err(|e| self.io("write", full, e))?;
        sync_dir(&self.receipts).map_err(|e| self.io("sync", RECEIPTS.into(), e))
    }

    /// The signature of receipt `seq`, if the log holds one. Only a regular file of at most
    /// [`MAX_SIGNATURE_BYTES`] is read.
    pub fn signature(&self, seq: u64) -> Result<Option<SignatureRecord>, LogError> {
        let name = signature_name(seq);
        match self.receipts.symlink_metadata(&name) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            _ => {}
        }
        let bytes = regular::read_regular(&self.receipts, &name, MAX_SIGNATURE_BYTES)
            .map_err(|e| self.io("read", format!("{RECEIPTS}/{name}"), e))?;
        SignatureRecord::from_json(&bytes)
            .map(Some)
            .map_err(|e| LogError::BadSignature {
                path: self.path().to_path_buf(),
                seq,
                message: e.to_string(),
            })
    }
}
