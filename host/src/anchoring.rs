//! A run log's on-chain anchor: what a validator publishes with the commitments pallet's
//! `set_commitment` to commit to its log (head receipt hash, receipt count, netuid), and the
//! auditor's completeness check of a log against it. The encoding is the pure `imr-audit`
//! crate's; this module reads the log.

use imr_audit::anchor::{check, Anchor, AnchorError, AnchorRef};

use crate::runlog::{Log, LogError};

/// Why a log cannot be anchored or does not match its anchor.
#[derive(Debug, thiserror::Error)]
pub enum AnchoringError {
    /// The log could not be read.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The log has no receipt: there is nothing to commit to.
    #[error("the run log has no receipt: there is nothing to anchor")]
    Empty,
    /// No netuid was given and the head receipt has no weights record naming one.
    #[error("the head receipt records no netuid (its run produced no weights): give the netuid")]
    NoNetuid,
    /// A receipt's hash is not 64 hex characters.
    #[error("receipt {seq}: hash {hash:?} is not a blake3 hex digest")]
    BadHash {
        /// The receipt.
        seq: u64,
        /// Its hash field.
        hash: String,
    },
    /// The log does not contain the anchored head.
    #[error(transparent)]
    Anchor(#[from] AnchorError),
}

fn hash_bytes(seq: u64, hash: &str) -> Result<[u8; 32], AnchoringError> {
    let bad = || AnchoringError::BadHash {
        seq,
        hash: hash.to_string(),
    };
    let bytes = hex::decode(hash).map_err(|_| bad())?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| bad())
}

/// The receipt hashes of `log` in sequence order, up to its first gap or unreadable receipt
/// (a log is complete only up to there).
pub fn receipt_hashes(log: &Log) -> Result<Vec<[u8; 32]>, AnchoringError> {
    let scan = log.scan()?;
    let mut hashes = Vec::with_capacity(scan.entries.len());
    for (seq, entry) in scan.entries {
        match entry {
            Ok(receipt) if seq == hashes.len() as u64 => {
                hashes.push(hash_bytes(seq, &receipt.hash)?);
            }
            _ => break,
        }
    }
    Ok(hashes)
}

/// The anchor of `log` as it stands: its head receipt's hash and its receipt count, for
/// `netuid` (default: the netuid the head receipt's weights record names).
pub fn anchor(log: &Log, netuid: Option<u16>) -> Result<Anchor, AnchoringError> {
    let hashes = receipt_hashes(log)?;
    let head = *hashes.last().ok_or(AnchoringError::Empty)?;
    let netuid = match netuid {
        Some(n) => n,
        None => {
            let seq = hashes.len() as u64 - 1;
            let receipt = log.receipt(seq)?;
            receipt
                .weights
                .map(|w| w.netuid)
                .ok_or(AnchoringError::NoNetuid)?
        }
    };
    Ok(Anchor {
        netuid,
        head,
        count: hashes.len() as u64,
    })
}

/// Checks that `log` contains the anchored head at the anchored position (see
/// [`imr_audit::anchor::check`]): a log truncated before it, or diverging from it, fails, naming
/// the first missing receipt or the mismatching one.
pub fn check_anchor(log: &Log, anchored: &AnchorRef) -> Result<(), AnchoringError> {
    check(&receipt_hashes(log)?, anchored).map_err(AnchoringError::from)
}
