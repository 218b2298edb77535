//! Commit-reveal v4: the plaintext of a drand-timelocked weight commit and the
//! `commit_timelocked_mechanism_weights` call around its ciphertext.
//!
//! The plaintext is the SCALE encoding of subtensor's `WeightsTlockPayload { hotkey: Vec<u8>,
//! uids: Vec<u16>, values: Vec<u16>, version_key: u64 }` (fields in that order; the chain
//! decodes it after `tle::tld` and checks `hotkey` against the committer, spec/chain.md §2.2).
//! This module is pure: the encryption itself is `imr-tlock`'s, and its ciphertext is an output
//! that differs on every run; what a receipt records is this plan (the plaintext's hash, the
//! reveal round and every input it came from).

use parity_scale_codec::Encode;
use serde::{Deserialize, Serialize};

use crate::call_data::{self, AccountId};
use crate::chain::{self, ChainParams, Extrinsic, Verdict};
use crate::error::WeightsError;
use crate::pipeline::{hex0x, Emission, Sdk};
use crate::reveal_round::{self, CommitSchedule, RevealFormula, RevealRound};

/// `commit_timelocked_mechanism_weights`'s call index in `SubtensorModule`.
pub const CALL_INDEX: u8 = 118;

/// The `commit_reveal_version` both SDKs send (`DEFAULT_COMMIT_REVEAL_VERSION`).
pub const COMMIT_REVEAL_VERSION: u16 = 4;

/// SCALE of `WeightsTlockPayload { hotkey, uids, values, version_key }`: compact length and
/// bytes of the hotkey (the 32-byte public key), compact length and little-endian items of
/// each vector, then the u64.
pub fn payload(hotkey: &[u8], uids: &[u16], values: &[u16], version_key: u64) -> Vec<u8> {
    (hotkey, uids, values, version_key).encode()
}

/// SCALE of `commit_timelocked_mechanism_weights(netuid, mecid, commit, reveal_round,
/// commit_reveal_version)`'s arguments (`commit` is a `BoundedVec<u8, 5000>`: compact length,
/// then the bytes).
pub fn commit_timelocked_mechanism_weights_args(
    netuid: u16,
    mecid: u8,
    commit: &[u8],
    reveal_round: u64,
    commit_reveal_version: u16,
) -> Vec<u8> {
    (netuid, mecid, commit, reveal_round, commit_reveal_version).encode()
}

/// Everything about a timelocked commit except its ciphertext: what a receipt records and
/// replay recomputes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TimelockedPlan {
    /// `commit_timelocked_mechanism_weights`.
    pub call: String,
    /// [`CALL_INDEX`].
    pub call_index: u8,
    /// The subnet.
    pub netuid: u16,
    /// The mechanism.
    pub mecid: u8,
    /// The hotkey's public key, hex (it is inside the payload).
    pub hotkey_public_key: String,
    /// The plaintext's length in bytes.
    pub payload_len: usize,
    /// BLAKE2b-256 of the plaintext, `0x…` (the plaintext itself is not recorded).
    pub payload_blake2b_256: String,
    /// The schedule the reveal round came from, as given.
    pub schedule: CommitSchedule,
    /// The reveal round and the steps to it.
    pub reveal: RevealRound,
    /// [`COMMIT_REVEAL_VERSION`].
    pub commit_reveal_version: u16,
    /// The pre-flight verdict for this commit (the ciphertext size is checked once it exists).
    pub preflight: Verdict,
}

/// The SDK's reveal-round formula for each generation: 10.x uses bittensor-drand 1.x's
/// fixed-tempo formula, 11.x the stateful schedule.
pub fn formula_for(sdk: Sdk) -> RevealFormula {
    match sdk {
        Sdk::V10 => RevealFormula::Sdk10,
        Sdk::V11 => RevealFormula::Sdk11,
    }
}

/// The plan for committing `emission` as a timelocked commit from `hotkey`, with the reveal
/// round from `params.schedule` by the `sdk`'s formula. Returns the plan and the plaintext
/// (which the caller encrypts with `imr-tlock` and then drops).
///
/// Errors: no `schedule` in the chain parameters, a schedule with tempo 0 or a bad block time,
/// a mechanism storage index beyond u16.
pub fn plan(
    emission: &Emission,
    params: &ChainParams,
    hotkey: &AccountId,
    sdk: Sdk,
) -> Result<(TimelockedPlan, Vec<u8>), WeightsError> {
    let schedule = params
        .schedule
        .clone()
        .ok_or_else(|| WeightsError::ChainParams {
            problem: "a timelocked commit needs \"schedule\" (current_block, block_timestamp_ms, \
                  tempo, reveal_period_epochs, ...): imr reads no clock and no chain"
                .into(),
        })?;
    let index = call_data::netuid_index(params.netuid, params.mecid).ok_or_else(|| {
        WeightsError::ChainParams {
            problem: format!(
                "mecid {} * 4096 + netuid {} does not fit in a u16 storage index",
                params.mecid, params.netuid
            ),
        }
    })?;
    let reveal = reveal_round::reveal_round(&schedule, formula_for(sdk), index)?;
    let plaintext = payload(hotkey, &emission.uids, &emission.values, params.version_key);
    let mut preflight = chain::preflight(
        params,
        &emission.uids,
        &emission.values,
        Extrinsic::TimelockedCommit,
    );
    chain::check_timelocked_commit(&mut preflight, params, reveal.reveal_round, None);
    Ok((
        TimelockedPlan {
            call: "commit_timelocked_mechanism_weights".into(),
            call_index: CALL_INDEX,
            netuid: params.netuid,
            mecid: params.mecid,
            hotkey_public_key: hex0x(hotkey),
            payload_len: plaintext.len(),
            payload_blake2b_256: hex0x(&call_data::blake2b_256(&plaintext)),
            schedule,
            reveal,
            commit_reveal_version: COMMIT_REVEAL_VERSION,
            preflight,
        },
        plaintext,
    ))
}

/// A plan with its ciphertext: the call data to submit.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TimelockedCommit {
    /// The plan (replayable).
    pub plan: TimelockedPlan,
    /// The ciphertext's length in bytes.
    pub commit_len: usize,
    /// SCALE hex of the call's arguments, ciphertext included (differs on every encryption).
    pub args_scale_hex: String,
}

/// Attach a ciphertext to a plan: re-check its size against the chain's bound and encode the
/// call's arguments.
pub fn with_ciphertext(
    mut plan: TimelockedPlan,
    ciphertext: &[u8],
    params: &ChainParams,
) -> TimelockedCommit {
    plan.preflight
        .not_checked
        .retain(|c| !c.starts_with("CommitTooLarge"));
    plan.preflight
        .rejections
        .retain(|r| r.error != "InvalidRevealRound");
    plan.preflight
        .not_checked
        .retain(|c| !c.starts_with("InvalidRevealRound"));
    chain::check_timelocked_commit(
        &mut plan.preflight,
        params,
        plan.reveal.reveal_round,
        Some(ciphertext.len()),
    );
    let args = commit_timelocked_mechanism_weights_args(
        plan.netuid,
        plan.mecid,
        ciphertext,
        plan.reveal.reveal_round,
        plan.commit_reveal_version,
    );
    TimelockedCommit {
        commit_len: ciphertext.len(),
        args_scale_hex: hex0x(&args),
        plan,
    }
}
