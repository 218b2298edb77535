//! Deregistration: a new hotkey takes over a uid (subtensor's `replace_neuron` followed by
//! `clear_neuron`, opentensor/subtensor @ `14bc6f9`), as edits of the state an epoch reads.
//!
//! The new hotkey starts with no weights and no bonds. Everyone's weights to the uid are set to 0
//! (the entries stay, so the stored rows keep their order), its `Bonds` row is removed (bonds
//! *to* it are kept: the chain's bond mask decides later whether they are inherited), its
//! validator permit is cleared, its stored `Consensus` entry is set to 0, and `LastUpdate` and
//! `BlockAtRegistration` become the registration block. Its stake is the new hotkey's.

use serde::{Deserialize, Serialize};

use crate::error::YumaError;
use crate::state::EpochInput;

/// A uid taken over by a new hotkey before an epoch (a `replace` event of the driver).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replace {
    /// The 0-based epoch before which the uid is replaced.
    pub epoch: usize,
    /// The uid.
    pub uid: u16,
    /// The new hotkey's alpha stake in rao (default 0: a freshly registered hotkey).
    #[serde(default)]
    pub stake: u64,
    /// The registration block (default: the block of that epoch). It may not be later than the
    /// epoch's block.
    #[serde(default)]
    pub block: Option<u64>,
}

/// Clear what the chain stores for `uid` from earlier epochs' outputs: its `Bonds` row, its
/// `ValidatorPermit` and its stored `Consensus` entry. Missing vectors are left missing.
pub fn clear_stored_terms(input: &mut EpochInput, uid: u16) -> Result<(), YumaError> {
    let n = input.n();
    let u = uid as usize;
    if u >= n {
        return Err(YumaError::ReplaceOutOfRange { uid, n });
    }
    if let Some(bonds) = input.bonds.as_mut() {
        if let Some(row) = bonds.get_mut(u) {
            row.clear();
        }
    }
    if let Some(permits) = input.validator_permit.as_mut() {
        if let Some(p) = permits.get_mut(u) {
            *p = false;
        }
    }
    if let Some(consensus) = input.previous_consensus_u16.as_mut() {
        if let Some(c) = consensus.get_mut(u) {
            *c = 0;
        }
    }
    Ok(())
}

/// Replace `uid` by a new hotkey with `stake`, registered at `block`: every edit of
/// `replace_neuron` + `clear_neuron` (see the module documentation).
pub fn replace_neuron(
    input: &mut EpochInput,
    uid: u16,
    stake: u64,
    block: u64,
) -> Result<(), YumaError> {
    clear_stored_terms(input, uid)?;
    let n = input.n();
    let u = uid as usize;
    if let Some(weights) = input.weights.as_mut() {
        for (i, row) in weights.iter_mut().enumerate() {
            if i == u {
                row.clear();
            } else {
                for (dest, value) in row.iter_mut() {
                    if *dest == uid {
                        *value = 0;
                    }
                }
            }
        }
    }
    input.last_update.get_or_insert_with(|| vec![0; n])[u] = block;
    input
        .block_at_registration
        .get_or_insert_with(|| vec![0; n])[u] = block;
    input.stake[u] = stake;
    if let Some(tao) = input.tao_stake.as_mut() {
        tao[u] = 0;
    }
    if let Some(commits) = input.commit_block.as_mut() {
        commits[u] = None;
    }
    Ok(())
}
