//! One complete run: mechanism → validated outcome → weights → receipt, with
//! the bytes the receipt names ([`RunBlobs`], what the run log stores).
//! The CLI, the session and replay all go through [`execute`].

use imr_types::Outcome;
use imr_weights::{ChainParams, Emission, Sdk};

use crate::epoch::EpochInput;
use crate::error::RunError;
use crate::mechanism::{Mechanism, Run};
use crate::receipt::{
    blake3_hex, log_bytes, outcome_bytes, PipelineRecord, Receipt, TimelockedRecord, WeightsRecord,
    RECEIPT_FORMAT,
};
use crate::run_blobs::RunBlobs;

/// Everything one run produced.
#[derive(Debug, Clone)]
pub struct Executed {
    /// The mechanism run (outcome or error, fuel, log).
    pub run: Run,
    /// The weights pipeline's output, when the run succeeded.
    pub emission: Option<Emission>,
    /// The commit-reveal v4 commit, when commit-reveal is on and the chain parameters give a
    /// `schedule` (as the SDKs do on such a subnet): the call data with its ciphertext (OS
    /// randomness, so it differs on every run; the receipt records only its plan), or why it
    /// could not be built.
    pub timelocked: Option<Result<imr_weights::timelocked::TimelockedCommit, String>>,
    /// The sealed receipt.
    pub receipt: Receipt,
    /// The bytes the receipt names, as the run log stores them.
    pub blobs: RunBlobs,
}

impl Executed {
    /// The outcome, if the run succeeded.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.run.result.as_ref().ok()
    }
}

/// The chain parameters for an epoch (see [`EpochInput::chain_params`]).
pub fn chain_params(input: &EpochInput) -> Result<ChainParams, String> {
    input.chain_params()
}

/// Runs `mechanism` on `input` with `state_in`, turns the scores into weights
/// with the `sdk` pipeline, and seals a receipt chained to `previous`.
///
/// The guest runs on the caller's guest thread ([`crate::guest_thread`]); meanwhile the
/// calling thread encodes and hashes the epoch and the state handed in and then, as soon as the
/// guest's scores arrive, runs the weights pipeline and hashes the returned state while the
/// guest thread encodes and hashes the outcome. Every blob and hash is the same as computed one
/// after the other; only the waiting is shorter.
pub fn execute(
    mechanism: &Mechanism,
    input: &EpochInput,
    state_in: &[u8],
    previous: Option<String>,
    sdk: Sdk,
) -> Executed {
    let (scores_tx, scores_rx) = std::sync::mpsc::sync_channel::<(Vec<u16>, Vec<f64>)>(1);
    let (state_tx, state_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(1);
    let (guest, beside) = crate::guest_thread::run_beside_guest_thread(
        move || {
            let run = mechanism.run_here(&input.epoch, state_in);
            let outcome = run.result.as_ref().ok().map(|o| {
                // Capacity 1 and one send each: never blocks. The receiver hangs up only by
                // panicking.
                let _ = scores_tx.send((
                    o.scores.iter().map(|s| s.uid).collect(),
                    o.scores.iter().map(|s| s.score).collect(),
                ));
                let _ = state_tx.send(o.state.clone());
                Hashed::new(outcome_bytes(o))
            });
            (run, outcome)
        },
        || {
            let epoch = Hashed::new(input.canonical_bytes());
            let state_in = Hashed::new(state_in.to_vec());
            // The scores, once the run succeeded (the sender is gone when it did not).
            let emitted = scores_rx.recv().ok().map(|(uids, scores)| {
                chain_params(input).and_then(|params| {
                    let e = imr_weights::emit(&uids, &scores, &params, sdk)
                        .map_err(|e| e.to_string())?;
                    Ok((e, params))
                })
            });
            let state_out = state_rx.recv().ok().map(Hashed::new);
            (epoch, state_in, emitted, state_out)
        },
    );
    let (mut run, outcome) =
        guest.unwrap_or_else(|e| (mechanism.host_failure(&e.to_string()), None));
    let (epoch, state_in, emitted, state_out) = beside;
    let mut emission = None;
    let mut params_used = None;
    match emitted {
        Some(Ok((e, params))) => {
            emission = Some(e);
            params_used = Some(params);
        }
        Some(Err(reason)) => run.result = Err(RunError::WeightsRefused { reason }),
        None => {}
    }
    let engine = mechanism.engine();
    let (state_out, outcome) = match run.result {
        Ok(_) => (state_out, outcome),
        Err(_) => (None, None),
    };
    let (state_out, state_out_hash) = Hashed::split(state_out);
    let (outcome, outcome_hash) = Hashed::split(outcome);
    let blobs = RunBlobs {
        component: mechanism.shared_bytes(),
        epoch: epoch.bytes,
        state_in: state_in.bytes,
        state_out,
        outcome,
        log: log_bytes(&run.log, run.log_dropped),
    };
    let timelocked = emission
        .as_ref()
        .zip(params_used.as_ref())
        .filter(|(_, params)| params.commit_reveal_enabled && params.schedule.is_some())
        .map(|(e, params)| {
            imr_tlock::timelocked_commit(e, params, sdk, &imr_tlock::Randomness::Os)
                .map_err(|err| err.to_string())
        });
    let weights = emission
        .as_ref()
        .zip(params_used.as_ref())
        .map(|(e, params)| WeightsRecord {
            netuid: params.netuid,
            uids: e.uids.clone(),
            values: e.values.clone(),
            version_key: params.version_key,
            set_weights_call: e.set_weights_scale_hex.clone(),
            pipeline: pipeline_record(e, params, timelocked.as_ref()),
        });
    let receipt = Receipt {
        format: RECEIPT_FORMAT.to_string(),
        component: mechanism.id().to_string(),
        epoch: epoch.hash,
        state_in: state_in.hash,
        state_out: state_out_hash,
        outcome: outcome_hash,
        error: run.result.as_ref().err().cloned(),
        log: blake3_hex(&blobs.log),
        fuel_limit: run.fuel_limit,
        fuel_consumed: run.fuel_consumed,
        memory_limit: engine.limits().memory_bytes,
        engine: engine.fingerprint().clone(),
        weights,
        previous,
        hash: String::new(),
    }
    .seal();
    Executed {
        run,
        emission,
        timelocked,
        receipt,
        blobs,
    }
}

/// A blob and its blake3 (hex).
struct Hashed {
    bytes: Vec<u8>,
    hash: String,
}

impl Hashed {
    fn new(bytes: Vec<u8>) -> Self {
        let hash = blake3_hex(&bytes);
        Self { bytes, hash }
    }

    fn split(h: Option<Self>) -> (Option<Vec<u8>>, Option<String>) {
        h.map_or((None, None), |h| (Some(h.bytes), Some(h.hash)))
    }
}

/// The receipt's `pipeline` record: the choices, the chain parameters, the pre-flight verdict
/// and, only when a timelocked commit was built, its plan (payload hash, reveal round and its
/// inputs). The ciphertext is an output, not part of what replay reproduces.
fn pipeline_record(
    e: &Emission,
    params: &ChainParams,
    timelocked: Option<&Result<imr_weights::timelocked::TimelockedCommit, String>>,
) -> PipelineRecord {
    PipelineRecord {
        choices: e.choices.clone(),
        chain: params.clone(),
        preflight: e.preflight.clone(),
        timelocked: timelocked.map(|t| match t {
            Ok(c) => TimelockedRecord::Plan(Box::new(c.plan.clone())),
            Err(reason) => TimelockedRecord::Error(reason.clone()),
        }),
    }
}
