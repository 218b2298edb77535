//! Whole-log verification: every blob against its name, every receipt's own
//! hash and its link to the previous receipt, the state carried from each
//! receipt to the next, and a replay of every receipt, on all cores.
//!
//! The log's checks and the judging of replays are `imr_runlog::verify`'s (no
//! wasm runtime there); this module gives them the host's [`Replayer`] as the
//! re-runner and keeps the one-call API, [`verify`].

use std::sync::Arc;

use crate::replay::{ReplayOptions, Replayer};
use crate::runlog::Log;
use crate::signatures::SignaturePolicy;
use imr_runlog::verify::{verify_with, LogChecks, Rerun};

pub use imr_runlog::verify::{Problem, Progress, VerifyError, VerifyReport};

/// How to verify.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// How to replay (backend, artifact cache).
    pub replay: ReplayOptions,
    /// Worker threads for blocking work; 0 means one per core.
    pub threads: usize,
    /// Check hashes and links only, without replaying.
    pub skip_replay: bool,
    /// What to check of the receipts' signatures (present signatures are always checked).
    pub signatures: SignaturePolicy,
}

/// Verifies the whole log (see the module docs).
pub fn verify(log: &Log, options: &VerifyOptions) -> Result<VerifyReport, VerifyError> {
    verify_with_progress(log, options, &mut |_| {})
}

/// [`verify`], reporting progress to `progress`.
pub fn verify_with_progress(
    log: &Log,
    options: &VerifyOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<VerifyReport, VerifyError> {
    let checks = LogChecks {
        threads: options.threads,
        signatures: options.signatures.clone(),
    };
    let rerun = (!options.skip_replay)
        .then(|| Arc::new(Replayer::new(options.replay.clone())) as Arc<dyn Rerun>);
    verify_with(log, &checks, rerun, progress)
}
