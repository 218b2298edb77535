//! The audit of a run log against the weights its validator has on chain (issue 17 item 4):
//! reads each receipt's computed row and its epoch's block from the log, then applies the pure
//! check of [`imr_audit::chain_weights`] (where the export format is documented).

use imr_audit::chain_weights::{
    audit, AuditReport, ChainEntry, ChainWeights, ComputedWeights, CHAIN_WEIGHTS_FORMAT,
};

use crate::epoch::EpochInput;
use crate::runlog::{Log, LogError};

/// Why a log cannot be audited.
#[derive(Debug, thiserror::Error)]
pub enum ChainAuditError {
    /// The log (or one of its receipts or epoch blobs) could not be read.
    #[error(transparent)]
    Log(#[from] LogError),
    /// A receipt's epoch blob is not an epoch.
    #[error("receipt {seq}: its epoch blob {epoch} does not decode: {message}")]
    BadEpoch {
        /// The receipt.
        seq: u64,
        /// The blob's name.
        epoch: String,
        /// Why.
        message: String,
    },
}

/// What each receipt of `log` computed, with its epoch's block, netuid and mecid (the weights
/// record's; for a run without weights, the epoch's netuid and the mecid of its chain
/// parameters, 0 when it has none). Fails on a gap in the log or an unreadable receipt or epoch.
pub fn computed_weights(log: &Log) -> Result<Vec<ComputedWeights>, ChainAuditError> {
    let receipts = log.receipts()?;
    let mut out = Vec::with_capacity(receipts.len());
    for (seq, receipt) in receipts.into_iter().enumerate() {
        let seq = seq as u64;
        let blob = log.blob("epoch", &receipt.epoch)?;
        let epoch =
            EpochInput::from_canonical_bytes(&blob).map_err(|e| ChainAuditError::BadEpoch {
                seq,
                epoch: receipt.epoch.clone(),
                message: e.to_string(),
            })?;
        let (netuid, mecid, row) = match receipt.weights {
            Some(w) => (w.netuid, w.pipeline.chain.mecid, Some((w.uids, w.values))),
            None => (
                epoch.epoch.netuid,
                epoch.chain_params().map(|p| p.mecid).unwrap_or(0),
                None,
            ),
        };
        out.push(ComputedWeights {
            seq,
            block: epoch.epoch.block,
            netuid,
            mecid,
            row,
        });
    }
    Ok(out)
}

/// Audits `log` against the chain rows in `chain`.
pub fn audit_log(log: &Log, chain: &ChainWeights) -> Result<AuditReport, ChainAuditError> {
    Ok(audit(&computed_weights(log)?, chain))
}

/// What `computed` would look like as chain rows, each at its epoch's block: the chain-weights
/// export an honest validator's hotkey matches (runs without weights have no row).
pub fn as_chain_weights(computed: &[ComputedWeights]) -> ChainWeights {
    ChainWeights {
        format: CHAIN_WEIGHTS_FORMAT.into(),
        hotkey: None,
        entries: computed
            .iter()
            .filter_map(|c| {
                let (uids, values) = c.row.clone()?;
                Some(ChainEntry {
                    block: c.block,
                    netuid: c.netuid,
                    mecid: c.mecid,
                    uids,
                    values,
                })
            })
            .collect(),
    }
}
