//! The simulation loop: every validator acts on every epoch according to its behaviour, then the
//! chain runs the Yuma epoch on what they set.
//!
//! Running the mechanism itself is left to a [`Runner`] (the host runs one Wasm session per
//! validator; tests use native functions), so this crate needs no runtime.

use std::sync::Arc;
use std::time::{Duration, Instant};

use imr_types::Epoch;
use imr_weights::{ChainParams, Sdk};
use imr_yuma::state::U16Row;
use imr_yuma::{EpochOutput, Hyperparams, YumaError};

use crate::chain::Chain;
use crate::validators::{Behaviour, Validators};
use crate::views::{random_scores, sampled_view};

/// One epoch of the simulation's input.
#[derive(Debug, Clone)]
pub struct SimEpoch {
    /// What an honest validator sees.
    pub epoch: Epoch,
    /// The epoch's chain parameters (for the weights pipeline of random validators).
    pub params: ChainParams,
    /// The epoch's canonical hash (recorded in the simulation receipt).
    pub hash: String,
}

/// What one validator did in one epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// It set this row (uids and u16 values as submitted).
    Set {
        /// `[uid, value]` pairs, ascending uids.
        row: Arc<U16Row>,
    },
    /// A stale validator between two submissions (it ran the mechanism, set nothing).
    Waiting,
    /// An offline validator.
    Offline,
    /// A copier whose source had set nothing `k` epochs earlier.
    NothingToCopy,
    /// The mechanism run failed, or the weights pipeline refused its scores: nothing set.
    Failed {
        /// Why.
        error: String,
    },
}

/// One epoch's result.
#[derive(Debug, Clone)]
pub struct EpochRecord {
    /// 0-based epoch index (the epoch files' order).
    pub index: usize,
    /// The block the epoch ran at (the epoch file's `block`).
    pub block: u64,
    /// Each validator's action, in validators-file order.
    pub actions: Vec<Action>,
    /// What the Yuma epoch wrote.
    pub output: EpochOutput,
}

/// Where the time went (measured; never written into outputs, which must be reproducible).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Mechanism runs and weights pipelines.
    pub mechanism: Duration,
    /// Number of mechanism runs.
    pub runs: usize,
    /// Yuma epochs.
    pub yuma: Duration,
    /// Everything.
    pub total: Duration,
}

/// A finished simulation.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The validators.
    pub validators: Validators,
    /// The subnet's hyperparameters.
    pub hyperparams: Hyperparams,
    /// The SDK generation whose pipeline turned scores into weights.
    pub sdk: Sdk,
    /// Miner uids are `0..miners`; validator `i` is uid `miners + i`.
    pub miners: u16,
    /// The inputs' epoch hashes, in order.
    pub epoch_hashes: Vec<String>,
    /// One record per epoch.
    pub records: Vec<EpochRecord>,
    /// Where the time went.
    pub timings: Timings,
}

impl Simulation {
    /// The uid of validator `index`.
    pub fn validator_uid(&self, index: usize) -> u16 {
        self.miners + index as u16
    }
}

/// Runs validator `validator`'s own mechanism instance (its own state and run log) on an epoch.
pub trait Runner {
    /// A failure that stops the simulation (not a mechanism's deterministic failure).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Runs the mechanism for `validator` on epoch `epoch`, seen as `view` (`None`: the whole
    /// epoch, as given). `Ok(Ok(row))`: the `[uid, value]` row its weights pipeline emitted;
    /// `Ok(Err(why))`: a deterministic failure (the validator sets nothing this epoch).
    fn run(
        &mut self,
        validator: usize,
        epoch: usize,
        view: Option<&Epoch>,
    ) -> Result<Result<U16Row, String>, Self::Error>;
}

/// Why a simulation cannot run or stopped.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// No epochs.
    #[error("there are no epochs to simulate")]
    NoEpochs,
    /// Epoch blocks must increase.
    #[error("epoch {index} is at block {block}, not after the previous epoch's block {previous}: epochs must be in block order")]
    BlockOrder {
        /// The epoch.
        index: usize,
        /// Its block.
        block: u64,
        /// The previous epoch's block.
        previous: u64,
    },
    /// Too many uids for a subnet.
    #[error("{miners} miner uids and {validators} validators exceed the 65535 uids of a subnet")]
    TooManyUids {
        /// Miner uids.
        miners: usize,
        /// Validators.
        validators: usize,
    },
    /// The Yuma epoch refused its input.
    #[error("epoch {index}: the Yuma epoch failed: {source}")]
    Yuma {
        /// The epoch.
        index: usize,
        /// The error.
        source: YumaError,
    },
    /// The runner failed.
    #[error("epoch {index}, validator {validator:?}: {source}")]
    Runner {
        /// The epoch.
        index: usize,
        /// The validator's name.
        validator: String,
        /// The error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// The number of miner uids: every uid an epoch names (its neurons, or its chain's `n`).
pub fn miner_uids(epochs: &[SimEpoch]) -> usize {
    epochs
        .iter()
        .map(|e| {
            let neurons = e.epoch.neurons.iter().map(|n| n.uid as usize + 1).max();
            neurons.unwrap_or(0).max(e.params.n.unwrap_or(0) as usize)
        })
        .max()
        .unwrap_or(0)
}

fn row_of(e: &imr_weights::Emission) -> U16Row {
    e.uids
        .iter()
        .copied()
        .zip(e.values.iter().copied())
        .collect()
}

/// Runs the simulation (see the module docs); `progress` is called after each epoch with the
/// number of epochs done.
pub fn simulate<R: Runner>(
    validators: &Validators,
    hyperparams: &Hyperparams,
    epochs: &[SimEpoch],
    sdk: Sdk,
    runner: &mut R,
    progress: &mut dyn FnMut(usize),
) -> Result<Simulation, SimError> {
    let started = Instant::now();
    if epochs.is_empty() {
        return Err(SimError::NoEpochs);
    }
    for (index, w) in epochs.windows(2).enumerate() {
        if w[1].epoch.block <= w[0].epoch.block {
            return Err(SimError::BlockOrder {
                index: index + 1,
                block: w[1].epoch.block,
                previous: w[0].epoch.block,
            });
        }
    }
    let vs = &validators.validators;
    let miners = miner_uids(epochs);
    if miners + vs.len() > u16::MAX as usize {
        return Err(SimError::TooManyUids {
            miners,
            validators: vs.len(),
        });
    }
    let stakes: Vec<u64> = vs.iter().map(|v| v.stake_rao()).collect();
    let mut chain = Chain::new(hyperparams.clone(), miners as u16, &stakes)
        .map_err(|source| SimError::Yuma { index: 0, source })?;
    let source_index = |name: &str| vs.iter().position(|w| w.name == name);
    // Copiers act after everyone else, so that a copier with k = 0 sees its source's row.
    let order: Vec<usize> = (0..vs.len())
        .filter(|&i| !matches!(vs[i].behaviour, Behaviour::Copier { .. }))
        .chain((0..vs.len()).filter(|&i| matches!(vs[i].behaviour, Behaviour::Copier { .. })))
        .collect();
    // latest[t][v]: the last row validator v had set by the end of epoch t (what the chain holds).
    let mut latest: Vec<Vec<Option<Arc<U16Row>>>> = Vec::with_capacity(epochs.len());
    let mut records = Vec::with_capacity(epochs.len());
    let mut timings = Timings::default();
    for (t, sim_epoch) in epochs.iter().enumerate() {
        let mut actions: Vec<Option<Action>> = vec![None; vs.len()];
        let mut now: Vec<Option<Arc<U16Row>>> = match latest.last() {
            Some(prev) => prev.clone(),
            None => vec![None; vs.len()],
        };
        for &i in &order {
            let v = &vs[i];
            let runner_err = |source: R::Error| SimError::Runner {
                index: t,
                validator: v.name.clone(),
                source: Box::new(source),
            };
            let ran = |runner: &mut R, view: Option<&Epoch>, timings: &mut Timings| {
                let clock = Instant::now();
                let result = runner.run(i, t, view).map_err(runner_err);
                timings.mechanism += clock.elapsed();
                timings.runs += 1;
                result.map(|r| match r {
                    Ok(row) => Action::Set { row: Arc::new(row) },
                    Err(error) => Action::Failed { error },
                })
            };
            let action = match &v.behaviour {
                Behaviour::Honest => ran(runner, None, &mut timings)?,
                Behaviour::Sampled { fraction } => {
                    let view = sampled_view(&sim_epoch.epoch, i as u32, *fraction);
                    ran(runner, Some(&view), &mut timings)?
                }
                Behaviour::Stale { k } => {
                    let action = ran(runner, None, &mut timings)?;
                    if t % (*k as usize) == 0 {
                        action
                    } else {
                        Action::Waiting
                    }
                }
                Behaviour::Random => {
                    let clock = Instant::now();
                    let (uids, scores) = random_scores(&sim_epoch.epoch, i as u32);
                    let action = match imr_weights::emit(&uids, &scores, &sim_epoch.params, sdk) {
                        Ok(e) => Action::Set {
                            row: Arc::new(row_of(&e)),
                        },
                        Err(e) => Action::Failed {
                            error: format!("the weights pipeline refused the scores: {e}"),
                        },
                    };
                    timings.mechanism += clock.elapsed();
                    action
                }
                Behaviour::Offline { from: None } => Action::Offline,
                Behaviour::Offline { from: Some(from) } => {
                    if t < *from as usize {
                        ran(runner, None, &mut timings)?
                    } else {
                        Action::Offline
                    }
                }
                Behaviour::Copier { source, k } => {
                    let s = source_index(source).expect("validated: the source exists");
                    let k = *k as usize;
                    let row = if k == 0 {
                        now[s].clone()
                    } else if t >= k {
                        latest[t - k][s].clone()
                    } else {
                        None
                    };
                    match row {
                        Some(row) => Action::Set { row },
                        None => Action::NothingToCopy,
                    }
                }
            };
            if let Action::Set { row } = &action {
                // Copiers act last, so a k = 0 copier reads its source's row of this epoch.
                now[i] = Some(row.clone());
            }
            actions[i] = Some(action);
        }
        let actions: Vec<Action> = actions
            .into_iter()
            .map(|a| a.expect("every validator acted"))
            .collect();
        let submissions: Vec<(usize, &U16Row)> = actions
            .iter()
            .enumerate()
            .filter_map(|(i, a)| match a {
                Action::Set { row } => Some((i, row.as_ref())),
                _ => None,
            })
            .collect();
        let registrations: Vec<(u16, u64)> = sim_epoch
            .epoch
            .neurons
            .iter()
            .map(|n| (n.uid, n.registered_at_block))
            .collect();
        let clock = Instant::now();
        let output = chain
            .step(sim_epoch.epoch.block, &registrations, &submissions)
            .map_err(|source| SimError::Yuma { index: t, source })?;
        timings.yuma += clock.elapsed();
        records.push(EpochRecord {
            index: t,
            block: sim_epoch.epoch.block,
            actions,
            output,
        });
        latest.push(now);
        progress(t + 1);
    }
    timings.total = started.elapsed();
    Ok(Simulation {
        validators: validators.clone(),
        hyperparams: hyperparams.clone(),
        sdk,
        miners: miners as u16,
        epoch_hashes: epochs.iter().map(|e| e.hash.clone()).collect(),
        records,
        timings,
    })
}

impl Action {
    /// The action's name in the outputs (`set`, `waiting`, `offline`, `nothing_to_copy`, `failed`).
    pub fn name(&self) -> &'static str {
        match self {
            Action::Set { .. } => "set",
            Action::Waiting => "waiting",
            Action::Offline => "offline",
            Action::NothingToCopy => "nothing_to_copy",
            Action::Failed { .. } => "failed",
        }
    }

    /// The row set, if any.
    pub fn row(&self) -> Option<&U16Row> {
        match self {
            Action::Set { row } => Some(row),
            _ => None,
        }
    }
}
