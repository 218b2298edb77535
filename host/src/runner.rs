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
pub fn execute(
    mechanism: &Mechanism,
    input: &EpochInput,
    state_in: &[u8],
    previous: Option<String>,
    sdk: Sdk,
) -> Executed {
    let mut run = mechanism.run(&input.epoch, state_in);
    let mut emission = None;
    let mut params_used = None;
    if let Ok(outcome) = &run.result {
        let uids: Vec<u16> = outcome.scores.iter().map(|s| s.uid).collect();
        let scores: Vec<f64> = outcome.scores.iter().map(|s| s.score).collect();
        let emitted = chain_params(input).and_then(|params| {
            let e = imr_weights::emit(&uids, &scores, &params, sdk).map_err(|e| e.to_string())?;
            Ok((e, params))
        });
        match emitted {
            Ok((e, params)) => {
                emission = Some(e);
                params_used = Some(params);
            }
            Err(reason) => run.result = Err(RunError::WeightsRefused { reason }),
        }
    }
    let engine = mechanism.engine();
    let (state_out, outcome) = match &run.result {
        Ok(o) => (Some(o.state.clone()), Some(outcome_bytes(o))),
        Err(_) => (None, None),
    };
    let blobs = RunBlobs {
        component: mechanism.shared_bytes(),
        epoch: input.canonical_bytes(),
        state_in: state_in.to_vec(),
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
        epoch: blake3_hex(&blobs.epoch),
        state_in: blake3_hex(&blobs.state_in),
        state_out: blobs.state_out.as_deref().map(blake3_hex),
        outcome: blobs.outcome.as_deref().map(blake3_hex),
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
