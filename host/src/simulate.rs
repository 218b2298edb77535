//! `imr simulate`: a multi-validator, multi-epoch simulation of a subnet ([`imr_sim`]) in which
//! every validator that runs the mechanism (honest, sampled, stale, and offline-from-an-epoch before it) has its own [`Session`]: its
//! own state, receipt chain and run log (`OUT/runs/NAME`).
//!
//! Everything is written into a staging folder and moved to `out` when complete; the
//! simulation receipt (`OUT/simulation.json`) hashes every input and output, so two runs on the
//! same inputs give byte-identical folders.

use std::path::{Path, PathBuf};

use imr_sim::outputs::{write_outputs, OutputError, Staging};
use imr_sim::simulate::Timings;
use imr_sim::subnet::SubnetError;
use imr_sim::validators::ValidatorsError;
use imr_sim::{Runner, SimEpoch, SimError, Summary, Validators};
use imr_types::Epoch;
use imr_weights::Sdk;
use imr_yuma::state::U16Row;

use crate::epoch::{self, EpochError, EpochInput};
use crate::mechanism::Mechanism;
use crate::session::{is_result, Session, SessionError, Start};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The mechanism every running validator executes.
    pub mechanism: &'a Mechanism,
    /// The epoch files, in order.
    pub epochs: &'a [PathBuf],
    /// The validators file.
    pub validators: &'a Path,
    /// The subnet file (`None`: a new subnet's hyperparameters).
    pub subnet: Option<&'a Path>,
    /// The output folder (created or replaced; see [`Staging`]).
    pub out: &'a Path,
    /// The SDK generation whose weights pipeline the validators use.
    pub sdk: Sdk,
    /// Whether each running validator appends its runs to a run log under `OUT/runs/`.
    pub run_logs: bool,
}

/// A finished simulation.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The totals.
    pub summary: Summary,
    /// The simulation receipt (as written to `simulation.json`).
    pub receipt: serde_json::Value,
    /// Where the time went.
    pub timings: Timings,
}

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// An epoch file is unusable.
    #[error(transparent)]
    Epoch(#[from] EpochError),
    /// The validators file is unusable.
    #[error(transparent)]
    Validators(#[from] ValidatorsError),
    /// The subnet file is unusable.
    #[error(transparent)]
    Subnet(#[from] SubnetError),
    /// The simulation stopped.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// The outputs could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// An epoch's chain parameters are unusable.
    #[error("{file}: {message}")]
    Chain {
        /// The epoch file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Why one validator's run could not give a result.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// Its session (run log) failed.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The run gave no deterministic result (a host fault, not the mechanism's).
    #[error("the run gave no result: {0}")]
    NoResult(String),
}

/// One [`Session`] per validator that runs the mechanism, created at its first run.
struct SessionRunner<'a> {
    mechanism: &'a Mechanism,
    epochs: &'a [EpochInput],
    sdk: Sdk,
    /// `Some(dir)`: run logs at `dir/NAME`.
    logs: Option<PathBuf>,
    names: Vec<String>,
    sessions: Vec<Option<Session>>,
}

impl SessionRunner<'_> {
    fn session(&mut self, validator: usize) -> Result<&mut Session, SessionError> {
        if self.sessions[validator].is_none() {
            let session = match &self.logs {
                Some(dir) => Session::open_log(
                    &dir.join(&self.names[validator]),
                    self.sdk,
                    Start::default(),
                )?,
                None => Session::new(self.sdk, Start::default()),
            };
            self.sessions[validator] = Some(session);
        }
        Ok(self.sessions[validator].as_mut().expect("just created"))
    }

    /// Each running validator's last receipt hash, by name.
    fn heads(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for (name, s) in self.names.iter().zip(&self.sessions) {
            if let Some(s) = s {
                map.insert(name.clone(), s.head().into());
            }
        }
        map.into()
    }
}

impl Runner for SessionRunner<'_> {
    type Error = RunnerError;

    fn run(
        &mut self,
        validator: usize,
        epoch: usize,
        view: Option<&Epoch>,
    ) -> Result<Result<U16Row, String>, RunnerError> {
        let mechanism = self.mechanism;
        let full = &self.epochs[epoch];
        let sampled;
        let input = match view {
            None => full,
            Some(v) => {
                sampled = EpochInput {
                    epoch: v.clone(),
                    chain: full.chain.clone(),
                };
                &sampled
            }
        };
        let stepped = self.session(validator)?.step(mechanism, input)?;
        let executed = stepped.executed;
        if !is_result(&executed) {
            let e = executed.run.result.err().map(|e| e.to_string());
            return Err(RunnerError::NoResult(e.unwrap_or_default()));
        }
        Ok(match (&executed.emission, &executed.run.result) {
            (Some(e), _) => Ok(e
                .uids
                .iter()
                .copied()
                .zip(e.values.iter().copied())
                .collect()),
            (None, Err(e)) => Err(e.to_string()),
            (None, Ok(_)) => Err("the run emitted no weights".into()),
        })
    }
}

/// The `*.json` files of `dir`, sorted by name.
pub fn epoch_files(dir: &Path) -> Result<Vec<PathBuf>, EpochError> {
    let read_err = |source| EpochError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        if path.extension().is_some_and(|x| x == "json") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn file_hash(path: &Path) -> Result<String, SimulateError> {
    let bytes = std::fs::read(path).map_err(|source| ValidatorsError::Read {
        file: path.to_path_buf(),
        source,
    })?;
    Ok(blake3::hash(&bytes).to_hex().to_string())
}

/// Runs a simulation (see the module docs); `progress` is called after each epoch with the
/// number done and the total.
pub fn simulate(
    req: &Request<'_>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Finished, SimulateError> {
    let validators = Validators::read(req.validators)?;
    let (hyperparams, subnet_bytes) = imr_sim::subnet::read(req.subnet)?;
    let mut inputs = Vec::with_capacity(req.epochs.len());
    let mut sim_epochs = Vec::with_capacity(req.epochs.len());
    for file in req.epochs {
        let input = epoch::load(file)?;
        let params = input
            .chain_params()
            .map_err(|message| SimulateError::Chain {
                file: file.clone(),
                message,
            })?;
        sim_epochs.push(SimEpoch {
            epoch: input.epoch.clone(),
            params,
            hash: input.hash(),
        });
        inputs.push(input);
    }
    let staging = Staging::new(req.out)?;
    let total = sim_epochs.len();
    let mut runner = SessionRunner {
        mechanism: req.mechanism,
        epochs: &inputs,
        sdk: req.sdk,
        logs: req.run_logs.then(|| staging.path().join("runs")),
        names: validators
            .validators
            .iter()
            .map(|v| v.name.clone())
            .collect(),
        sessions: (0..validators.validators.len()).map(|_| None).collect(),
    };
    let sim = imr_sim::simulate(
        &validators,
        &hyperparams,
        &sim_epochs,
        req.sdk,
        &mut runner,
        &mut |done| progress(done, total),
    )?;
    let summary = Summary::of(&sim);
    let engine = req.mechanism.engine();
    let record_inputs = serde_json::json!({
        "mechanism": req.mechanism.id(),
        "engine": engine.fingerprint(),
        "fuel_limit": engine.limits().fuel,
        "memory_limit": engine.limits().memory_bytes,
        "validators_file": file_hash(req.validators)?,
        "subnet_file": subnet_bytes.map(|b| blake3::hash(&b).to_hex().to_string()),
        "run_logs": req.run_logs,
    });
    let heads = runner.heads();
    drop(runner);
    let receipt = write_outputs(&sim, &summary, staging.path(), record_inputs, heads)?;
    staging.commit()?;
    Ok(Finished {
        summary,
        receipt,
        timings: sim.timings,
    })
}
