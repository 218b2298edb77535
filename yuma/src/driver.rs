//! Multi-epoch driver: run epochs back to back, carrying bonds and permits forward.
//!
//! Between epochs the block advances by `tempo` (at least 1), `bonds` and `validator_permit`
//! become the previous epoch's written values, and `last_mechanism_step_block` the previous
//! epoch's block. Weights are either held fixed (every uid with a non-empty row re-submits it
//! before each later epoch, so it stays active) or set per epoch from a [`WeightsFile`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::epoch::run_epoch;
use crate::error::{parse_json, YumaError};
use crate::fixed::vec_u16_max_upscale_to_u16;
use crate::hyperparams::Hyperparams;
use crate::replace::{replace_neuron, Replace};
use crate::state::{EpochInput, EpochOutput, U16Row};

/// Per-epoch input: weight submissions and deregistrations,
/// `{"epochs": [ {"<uid>": [[dest, value], ...], ...}, ... ], "replace": [{"epoch", "uid", ...}]}`.
///
/// Entry k of `epochs` lists the uids that call `set_weights` before epoch k (0-based, the first
/// epoch included). Values are as submitted (any u16 scale); they are max-upscaled as the chain
/// stores them. A submitting uid's `last_update` becomes the epoch's block. Unlisted uids keep
/// their row. A `replace` event gives uid `uid` to a new hotkey before epoch `epoch`'s
/// submissions (see [`crate::replace`]), so a creator can simulate a validator's or a miner's
/// deregistration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightsFile {
    /// One map per epoch from submitting uid to its row.
    pub epochs: Vec<BTreeMap<u16, U16Row>>,
    /// Uids taken over by new hotkeys, each before a given epoch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace: Vec<Replace>,
}

impl WeightsFile {
    /// Parse a weights file.
    pub fn from_json(what: &str, text: &str) -> Result<WeightsFile, YumaError> {
        parse_json(what, text)
    }
}

/// Where each epoch's weights come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeightsSchedule {
    /// The state's rows, re-submitted before every epoch after the first.
    Fixed,
    /// Submissions per epoch.
    PerEpoch(WeightsFile),
}

/// One epoch of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 0-based epoch index within the run.
    pub epoch: usize,
    /// The block the epoch ran at.
    pub block: u64,
    /// What it wrote.
    pub output: EpochOutput,
}

fn apply_submissions(
    input: &mut EpochInput,
    subs: &BTreeMap<u16, U16Row>,
    epoch: usize,
) -> Result<(), YumaError> {
    let n = input.n();
    let weights = input.weights.get_or_insert_with(|| vec![Vec::new(); n]);
    let last_update = input.last_update.get_or_insert_with(|| vec![0; n]);
    for (&uid, row) in subs {
        if uid as usize >= n {
            return Err(YumaError::WeightsFile(format!(
                "epoch {epoch}: uid {uid} submits weights, but there are only {n} uids"
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (pos, &(dest, _)) in row.iter().enumerate() {
            if dest as usize >= n {
                return Err(YumaError::WeightsFile(format!(
                    "epoch {epoch}: uid {uid} entry {pos} names uid {dest}, but there are only {n} uids"
                )));
            }
            if !seen.insert(dest) {
                return Err(YumaError::WeightsFile(format!(
                    "epoch {epoch}: uid {uid} names uid {dest} twice"
                )));
            }
        }
        let values: Vec<u16> = row.iter().map(|&(_, v)| v).collect();
        let stored = vec_u16_max_upscale_to_u16(&values);
        weights[uid as usize] = row.iter().map(|&(d, _)| d).zip(stored).collect();
        last_update[uid as usize] = input.current_block;
    }
    Ok(())
}

/// Run `epochs` epochs from `initial`, returning every epoch's output.
pub fn run_epochs(
    hp: &Hyperparams,
    initial: &EpochInput,
    epochs: usize,
    schedule: &WeightsSchedule,
) -> Result<Vec<EpochRecord>, YumaError> {
    if let WeightsSchedule::PerEpoch(f) = schedule {
        if f.epochs.len() < epochs {
            return Err(YumaError::WeightsFile(format!(
                "it has weights for {} epochs but {epochs} epochs were asked for",
                f.epochs.len()
            )));
        }
        if let Some(r) = f.replace.iter().find(|r| r.epoch >= epochs) {
            return Err(YumaError::WeightsFile(format!(
                "replace event for uid {} is before epoch {}, but the run has {epochs} epochs \
                 (0..{epochs})",
                r.uid, r.epoch
            )));
        }
    }
    let step = (hp.tempo as u64).max(1);
    let mut input = initial.clone();
    let mut records = Vec::with_capacity(epochs);
    for k in 0..epochs {
        match schedule {
            WeightsSchedule::PerEpoch(f) => {
                for r in f.replace.iter().filter(|r| r.epoch == k) {
                    let block = r.block.unwrap_or(input.current_block);
                    if block > input.current_block {
                        return Err(YumaError::WeightsFile(format!(
                            "replace event for uid {} before epoch {k} registers at block \
                             {block}, after the epoch's block {}",
                            r.uid, input.current_block
                        )));
                    }
                    replace_neuron(&mut input, r.uid, r.stake, block)?;
                }
                apply_submissions(&mut input, &f.epochs[k], k)?
            }
            WeightsSchedule::Fixed => {
                if k > 0 {
                    if let Some(w) = &input.weights {
                        let n = input.stake.len();
                        let lu = input.last_update.get_or_insert_with(|| vec![0; n]);
                        for (row, u) in w.iter().zip(lu.iter_mut()) {
                            if !row.is_empty() {
                                *u = input.current_block;
                            }
                        }
                    }
                }
            }
        }
        let output = run_epoch(hp, &input)?;
        let block = input.current_block;
        input.bonds = Some(output.bonds_u16.clone());
        input.validator_permit = Some(output.new_validator_permit.clone());
        // With one mechanism the aggregation weight is 1: `Consensus` is stored unchanged.
        input.previous_consensus_u16 = Some(output.consensus_u16.clone());
        input.last_mechanism_step_block = block;
        input.current_block = block.saturating_add(step);
        records.push(EpochRecord {
            epoch: k,
            block,
            output,
        });
    }
    Ok(records)
}
