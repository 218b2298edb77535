//! The drand round a timelocked weight commit is encrypted to, computed as the SDKs compute it,
//! from inputs the caller passes (imr reads no clock).
//!
//! * [`RevealFormula::Sdk11`], the default: bittensor 11.x `_build_timelocked` →
//!   `bittensor_core.get_encrypted_commit_v2` → `timelock::generate_commit_v2`
//!   (RaoFoundation/subtensor `sdk/bittensor-core/src/timelock/mod.rs` and
//!   `epoch_schedule.rs` at `843795a7`; the same code as opentensor/bittensor-drand v2,
//!   `src/epoch_schedule.rs` at `d7baf976`). It simulates the chain's `block_step` from the
//!   subnet's stored epoch state to find the first block whose pre-coinbase epoch index is the
//!   commit's epoch plus `RevealPeriodEpochs`, aims 3 blocks later, converts the blocks to
//!   seconds with `block_time`, adds them to "now" and floors to a quicknet round.
//! * [`RevealFormula::Sdk10`]: bittensor 10.x `commit_timelocked_weights_extrinsic` →
//!   `bittensor_drand.get_encrypted_commit` (bittensor-drand 1.2.0 `src/drand.rs::generate_commit`):
//!   the fixed-tempo formula `(block + netuid + 1) / (tempo + 1)`, called with the mechanism
//!   storage index `mecid*4096 + netuid` in place of the netuid, as 10.x does.
//!
//! Both SDKs take "now" from the wall clock (`SystemTime::now()`); here it is the timestamp of
//! `current_block` (`pallet_timestamp::Now`, milliseconds), given by the caller and recorded.

use serde::{Deserialize, Serialize};
use std::time::Duration;

use crate::error::WeightsError;

/// drand quicknet genesis time, unix seconds (`GENESIS_TIME`).
pub const QUICKNET_GENESIS_TIME: u64 = 1_692_803_367;
/// drand quicknet period, seconds (`DRAND_PERIOD`).
pub const QUICKNET_PERIOD: u64 = 3;
/// Blocks added to the predicted reveal block so the pulse is already on chain
/// (`SECURITY_BLOCK_OFFSET`).
pub const SECURITY_BLOCK_OFFSET: u64 = 3;
/// The commit lands in the block after the one the SDK read (`COMMIT_INCLUSION_BLOCK_OFFSET`).
pub const COMMIT_INCLUSION_BLOCK_OFFSET: u64 = 1;
/// The largest tempo an owner may set (`MAX_TEMPO`), which also bounds the simulation.
pub const MAX_TEMPO: u64 = 50_400;

fn default_reveal_period() -> u64 {
    1
}
fn default_block_time() -> f64 {
    12.0
}

/// Which SDK's reveal-round calculation to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RevealFormula {
    /// bittensor 11.x: `get_encrypted_commit_v2`, the stateful epoch schedule.
    #[default]
    Sdk11,
    /// bittensor 10.x: bittensor-drand 1.x `get_encrypted_commit`, fixed tempo.
    Sdk10,
}

/// Everything the reveal round depends on, read at one block. Field names follow the chain's
/// storage items; the four schedule fields default to 0 as the SDK's `int(x or 0)` does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitSchedule {
    /// The block the SDK reads the chain at (the commit lands one block later).
    pub current_block: u64,
    /// `Timestamp::Now` of `current_block`, unix milliseconds: the "now" of the calculation.
    pub block_timestamp_ms: u64,
    /// `Tempo` of the subnet.
    pub tempo: u16,
    /// `RevealPeriodEpochs` (the chain's default is 1).
    #[serde(default = "default_reveal_period")]
    pub reveal_period_epochs: u64,
    /// Seconds per block (12 on finney, 0.25 on fast-block chains; 10.x's default is 12).
    #[serde(default = "default_block_time")]
    pub block_time: f64,
    /// `LastEpochBlock` (11.x only).
    #[serde(default)]
    pub last_epoch_block: u64,
    /// `PendingEpochAt` (11.x only).
    #[serde(default)]
    pub pending_epoch_at: u64,
    /// `SubnetEpochIndex` (11.x only).
    #[serde(default)]
    pub subnet_epoch_index: u64,
    /// `BlocksSinceLastStep` (11.x only).
    #[serde(default)]
    pub blocks_since_last_step: u64,
}

/// How the reveal round was reached, for the receipt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevealRound {
    /// The formula followed.
    pub formula: RevealFormula,
    /// The first block of the reveal epoch as the formula predicts it.
    pub first_reveal_block: u64,
    /// `first_reveal_block + 3`.
    pub target_ingest_block: u64,
    /// `target_ingest_block - current_block`, saturating at 0.
    pub blocks_until_ingest: u64,
    /// `blocks_until_ingest * block_time`.
    pub seconds_until_ingest: f64,
    /// The "now" used, seconds (`block_timestamp_ms / 1000`).
    pub now_seconds: f64,
    /// The drand quicknet round: `max(1, floor((now + seconds - genesis) / 3))`.
    pub reveal_round: u64,
}

/// The epoch state the 11.x simulation carries from block to block (`EpochScheduleState`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct EpochState {
    last_epoch_block: u64,
    pending_epoch_at: u64,
    subnet_epoch_index: u64,
    tempo: u16,
    blocks_since_last_step: u64,
}

impl EpochState {
    /// `should_run_epoch` (subtensor `run_coinbase.rs`, as ported by the SDK).
    fn should_run_epoch(&self, block: u64) -> bool {
        if self.tempo == 0 {
            return false;
        }
        if self.pending_epoch_at > 0 && block >= self.pending_epoch_at {
            return true;
        }
        if self.blocks_since_last_step > MAX_TEMPO {
            return true;
        }
        block.saturating_sub(self.last_epoch_block) >= u64::from(self.tempo)
    }

    /// The epoch index the reveal step sees at `block` (it runs before `run_coinbase`).
    fn epoch_before_coinbase(&self, block: u64) -> u64 {
        if self.should_run_epoch(block) {
            self.subnet_epoch_index.saturating_add(1)
        } else {
            self.subnet_epoch_index
        }
    }

    /// The state after `run_coinbase` of `block`.
    fn after_coinbase(&self, block: u64) -> EpochState {
        let mut next = self.clone();
        next.blocks_since_last_step = next.blocks_since_last_step.saturating_add(1);
        if next.should_run_epoch(block) {
            next.last_epoch_block = block;
            next.pending_epoch_at = 0;
            next.subnet_epoch_index = next.subnet_epoch_index.saturating_add(1);
            next.blocks_since_last_step = 0;
        }
        next
    }
}

/// The 11.x prediction of the first block at which the chain reveals a commit submitted after
/// reading `schedule` (`predict_first_reveal_block`).
pub fn predict_first_reveal_block(schedule: &CommitSchedule) -> Result<u64, WeightsError> {
    let bad = |problem: String| WeightsError::ChainParams { problem };
    if schedule.tempo == 0 {
        return Err(bad(
            "schedule.tempo is 0: the subnet runs no epochs, so no reveal round exists".into(),
        ));
    }
    let mut state = EpochState {
        last_epoch_block: schedule.last_epoch_block,
        pending_epoch_at: schedule.pending_epoch_at,
        subnet_epoch_index: schedule.subnet_epoch_index,
        tempo: schedule.tempo,
        blocks_since_last_step: schedule.blocks_since_last_step,
    };
    let head = schedule.current_block;
    let extrinsic_block = head.saturating_add(COMMIT_INCLUSION_BLOCK_OFFSET);
    // Blocks strictly between the head and the extrinsic's block (none with an offset of 1).
    for b in head.saturating_add(1)..extrinsic_block {
        state = state.after_coinbase(b);
    }
    let commit_epoch = state.epoch_before_coinbase(extrinsic_block);
    let target_epoch = commit_epoch.saturating_add(schedule.reveal_period_epochs);
    let budget = schedule
        .reveal_period_epochs
        .saturating_mul(MAX_TEMPO)
        .saturating_add(MAX_TEMPO);
    let last = extrinsic_block.saturating_add(budget);
    let mut block = extrinsic_block;
    loop {
        if state.epoch_before_coinbase(block) == target_epoch {
            return Ok(block);
        }
        if block >= last {
            return Err(bad(format!(
                "no reveal block within {budget} blocks of block {extrinsic_block} (the sdk's simulation budget)"
            )));
        }
        state = state.after_coinbase(block);
        block += 1;
    }
}

/// The 10.x first reveal block (bittensor-drand 1.x `generate_commit`), with `index` the
/// number 10.x passes as `netuid` (the mechanism storage index `mecid*4096 + netuid`).
fn first_reveal_block_sdk10(schedule: &CommitSchedule, index: u64) -> u64 {
    let tempo_plus_one = u64::from(schedule.tempo).saturating_add(1);
    let netuid_plus_one = index.saturating_add(1);
    let current_epoch = schedule.current_block.saturating_add(netuid_plus_one) / tempo_plus_one;
    let reveal_epoch = current_epoch.saturating_add(schedule.reveal_period_epochs);
    reveal_epoch
        .saturating_mul(tempo_plus_one)
        .saturating_sub(netuid_plus_one)
}

/// The reveal round for a commit by the given SDK formula. `storage_index` is
/// `mecid*4096 + netuid` (used by the 10.x formula only).
pub fn reveal_round(
    schedule: &CommitSchedule,
    formula: RevealFormula,
    storage_index: u16,
) -> Result<RevealRound, WeightsError> {
    if !schedule.block_time.is_finite() || schedule.block_time < 0.0 {
        return Err(WeightsError::ChainParams {
            problem: format!(
                "schedule.block_time is {}; it must be a finite number of seconds >= 0",
                schedule.block_time
            ),
        });
    }
    let first_reveal_block = match formula {
        RevealFormula::Sdk11 => predict_first_reveal_block(schedule)?,
        RevealFormula::Sdk10 => first_reveal_block_sdk10(schedule, u64::from(storage_index)),
    };
    let target_ingest_block = first_reveal_block.saturating_add(SECURITY_BLOCK_OFFSET);
    let blocks_until_ingest = target_ingest_block.saturating_sub(schedule.current_block);
    let seconds_until_ingest = blocks_until_ingest as f64 * schedule.block_time;
    // `SystemTime::now().duration_since(UNIX_EPOCH).as_secs_f64()` with the block's timestamp.
    let now_seconds = Duration::from_millis(schedule.block_timestamp_ms).as_secs_f64();
    let target = now_seconds + seconds_until_ingest;
    // Rust's `as u64` saturates (negative and NaN give 0), as in the SDK's code.
    let round = ((target - QUICKNET_GENESIS_TIME as f64) / QUICKNET_PERIOD as f64).floor() as u64;
    Ok(RevealRound {
        formula,
        first_reveal_block,
        target_ingest_block,
        blocks_until_ingest,
        seconds_until_ingest,
        now_seconds,
        reveal_round: round.max(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(last: u64, pending: u64, tempo: u16, current: u64, period: u64) -> CommitSchedule {
        CommitSchedule {
            current_block: current,
            block_timestamp_ms: 0,
            tempo,
            reveal_period_epochs: period,
            block_time: 12.0,
            last_epoch_block: last,
            pending_epoch_at: pending,
            subnet_epoch_index: 0,
            blocks_since_last_step: 0,
        }
    }

    #[test]
    fn the_sdks_own_schedule_vectors() {
        // bittensor-core `epoch_schedule_vectors.rs::predict_vectors` (RaoFoundation/subtensor
        // `b0869beb`): cycle_reset → 60, pending_fires_before_auto → 95, tempo 0 → error.
        assert_eq!(
            predict_first_reveal_block(&schedule(10, 0, 50, 10, 1)).ok(),
            Some(60)
        );
        assert_eq!(
            predict_first_reveal_block(&schedule(80, 95, 20, 91, 1)).ok(),
            Some(95)
        );
        assert!(predict_first_reveal_block(&schedule(10, 0, 0, 10, 1)).is_err());
    }
}
