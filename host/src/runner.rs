//! One complete run: mechanism → validated outcome → weights → receipt, with
//! the bytes the receipt names ([`RunBlobs`], what the run log stores).
//! The CLI, the session and replay all go through [`execute`].

use std::sync::Arc;

use imr_types::Outcome;
use imr_weights::{ChainParams, Emission, Sdk};

use crate::epoch::EpochInput;
use crate::error::RunError;
use crate::hashing::Halves;
use crate::mechanism::{Mechanism, Run};
use crate::receipt::{
    blake3_hex, log_bytes, outcome_around_state, PipelineRecord, Receipt, TimelockedRecord,
    WeightsRecord, RECEIPT_FORMAT,
};
use crate::run_blobs::{Pieces, RunBlobs};

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
    /// The blobs that are neither in `run` nor handed in (see [`Executed::blobs`]).
    kept: KeptBlobs,
}

/// The bytes of a run's blobs that [`Executed`] holds only for [`Executed::blobs`].
#[derive(Debug, Clone)]
struct KeptBlobs {
    component: Arc<[u8]>,
    epoch: Vec<u8>,
    /// The outcome's encoding before and after its state, when the run succeeded.
    outcome_around_state: Option<(Vec<u8>, Vec<u8>)>,
    log: Vec<u8>,
}

impl Executed {
    /// The outcome, if the run succeeded.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.run.result.as_ref().ok()
    }

    /// The bytes the receipt names, as the run log stores them ([`crate::Log::append`]),
    /// borrowed from this result, with `state_in`: the state handed to [`execute`], which is
    /// not copied. (The log checks every blob against the receipt's names, so other bytes
    /// given as `state_in` are refused, never stored.) The returned state is the outcome's
    /// own, named both as `state_out` and inside the outcome's encoding.
    pub fn blobs<'a>(&'a self, state_in: &'a [u8]) -> RunBlobs<'a> {
        let k = &self.kept;
        let state_out = self.outcome().map(|o| &o.state[..]);
        RunBlobs {
            component: &k.component,
            epoch: &k.epoch,
            state_in,
            state_out,
            outcome: k
                .outcome_around_state
                .as_ref()
                .zip(state_out)
                .map(|((before, after), state)| Pieces::new(before, state, after)),
            log: &k.log,
        }
    }
}

/// The chain parameters for an epoch (see [`EpochInput::chain_params`]).
pub fn chain_params(input: &EpochInput) -> Result<ChainParams, String> {
    input.chain_params()
}

/// What the guest thread hands the caller as soon as a run succeeded: the scores (for the
/// weights), the returned state and the outcome's encoding around it (to hash), shared rather
/// than copied.
struct Handed {
    uids: Vec<u16>,
    scores: Vec<f64>,
    outcome: SharedOutcome,
}

/// A successful run's returned state and its outcome's encoding before and after it (see
/// [`outcome_around_state`]): together, the outcome blob.
#[derive(Clone)]
struct SharedOutcome {
    state: Arc<Vec<u8>>,
    around: Arc<(Vec<u8>, Vec<u8>)>,
}

impl SharedOutcome {
    fn blob(&self) -> Pieces<'_> {
        Pieces::new(&self.around.0, &self.state, &self.around.1)
    }
}

/// The guest thread's share of the outcome blob's hash: all of it when it is small, else the
/// left half's chaining value (the caller hashes the right half).
enum OutcomeShare {
    Whole(String),
    Left(blake3::hazmat::ChainingValue),
}

/// Runs `mechanism` on `input` with `state_in`, turns the scores into weights
/// with the `sdk` pipeline, and seals a receipt chained to `previous`.
///
/// The guest runs on the caller's guest thread ([`crate::guest_thread`]); meanwhile the
/// calling thread encodes and hashes the epoch and hashes the state handed in. As soon as the
/// guest's outcome is validated, its scores, state and outcome encoding go to the calling
/// thread (shared, not copied), which runs the weights pipeline, hashes the returned state and
/// (for a large outcome) the right half of the outcome blob, while the guest thread drops the
/// run's store (the pool's memory reset) and hashes the rest of the outcome blob
/// ([`crate::hashing`]: the halves merge to the hash of the whole). Every blob and hash is the
/// same as computed one after the other; only the waiting is shorter. No blob is copied:
/// [`Executed::blobs`] borrows them.
pub fn execute(
    mechanism: &Mechanism,
    input: &EpochInput,
    state_in: &[u8],
    previous: Option<String>,
    sdk: Sdk,
) -> Executed {
    let (handed_tx, handed_rx) = std::sync::mpsc::sync_channel::<Handed>(1);
    let (guest, beside) = crate::guest_thread::run_beside_guest_thread(
        move || {
            let (mut run, store) = mechanism.run_keeping_store(&input.epoch, state_in);
            let shared = run.result.as_mut().ok().map(|o| {
                let state = std::mem::take(&mut o.state);
                let around = outcome_around_state(&o.scores, state.len(), &o.diagnostics);
                let shared = SharedOutcome {
                    state: Arc::new(state),
                    around: Arc::new(around),
                };
                // Capacity 1 and one send: never blocks. The receiver hangs up only by
                // panicking.
                let _ = handed_tx.send(Handed {
                    uids: o.scores.iter().map(|s| s.uid).collect(),
                    scores: o.scores.iter().map(|s| s.score).collect(),
                    outcome: shared.clone(),
                });
                shared
            });
            drop(handed_tx);
            drop(store);
            let share = shared.as_ref().map(|shared| {
                let blob = shared.blob();
                match Halves::of(blob.len()).and_then(|halves| halves.left(blob)) {
                    Some(left) => OutcomeShare::Left(left),
                    None => OutcomeShare::Whole(blob.blake3_hex()),
                }
            });
            (run, shared, share)
        },
        || {
            let epoch = input.canonical_bytes();
            let epoch_hash = blake3_hex(&epoch);
            let state_in_hash = blake3_hex(state_in);
            // The scores and state, once the run succeeded (the sender is gone when it did not).
            let handed = handed_rx.recv().ok();
            let emitted = handed.as_ref().map(|h| {
                chain_params(input).and_then(|params| {
                    let e = imr_weights::emit(&h.uids, &h.scores, &params, sdk)
                        .map_err(|e| e.to_string())?;
                    Ok((e, params))
                })
            });
            let hashed = handed.map(|h| {
                let blob = h.outcome.blob();
                let right = Halves::of(blob.len()).and_then(|halves| halves.right(blob));
                (blake3_hex(&h.outcome.state), right)
            });
            (epoch, epoch_hash, state_in_hash, emitted, hashed)
        },
    );
    let (epoch, epoch_hash, state_in_hash, emitted, hashed) = beside;
    let (state_out_hash, right) = hashed.unzip();
    let (mut run, outcome) = match guest {
        Ok((mut run, shared, share)) => {
            let outcome = shared.zip(share).map(|(shared, share)| {
                let hash = match (share, right.flatten()) {
                    (OutcomeShare::Left(left), Some(right)) => {
                        Halves::root(&left, &right).to_hex().to_string()
                    }
                    (OutcomeShare::Whole(hash), None) => hash,
                    // Both threads split the same blob length the same way: not reached.
                    _ => shared.blob().blake3_hex(),
                };
                (shared, hash)
            });
            // Both threads are done with the shared buffers: these are the only references left.
            let outcome = outcome.map(|(shared, hash)| {
                let state = Arc::try_unwrap(shared.state).unwrap_or_else(|s| (*s).clone());
                let around = Arc::try_unwrap(shared.around).unwrap_or_else(|a| (*a).clone());
                if let Ok(o) = run.result.as_mut() {
                    o.state = state;
                }
                (around, hash)
            });
            (run, outcome)
        }
        Err(e) => (mechanism.host_failure(&e.to_string()), None),
    };
    let mut emission = None;
    let mut params_used = None;
    // (A guest thread that failed after handing its scores over leaves no outcome to weigh.)
    match emitted.filter(|_| run.result.is_ok()) {
        Some(Ok((e, params))) => {
            emission = Some(e);
            params_used = Some(params);
        }
        Some(Err(reason)) => run.result = Err(RunError::WeightsRefused { reason }),
        None => {}
    }
    let engine = mechanism.engine();
    let (state_out_hash, outcome) = match run.result {
        Ok(_) => (state_out_hash, outcome),
        Err(_) => (None, None),
    };
    let (outcome_around_state, outcome_hash) = outcome.unzip();
    let kept = KeptBlobs {
        component: mechanism.shared_bytes(),
        epoch,
        outcome_around_state,
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
        epoch: epoch_hash,
        state_in: state_in_hash,
        state_out: state_out_hash,
        outcome: outcome_hash,
        error: run.result.as_ref().err().cloned(),
        log: blake3_hex(&kept.log),
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
        kept,
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
