//! Whole-log verification: every blob against its name, every receipt's own
//! hash, signature and link to the previous receipt, the state carried from each
//! receipt to the next, and a replay of every receipt, on all cores.
//!
//! Replaying needs a wasm runtime, which this crate does not have: it comes in through
//! the [`Rerun`] trait (`imr_host`'s `Replayer` implements it, and `imr_host::verify` is
//! the one-call API). Without one ([`verify_with`] given `None`), the log's chain,
//! hashes, blobs and signatures are still checked.
//!
//! Tokio orchestrates; blob hashing and re-runs are blocking work, so they run
//! on tokio's blocking pool (one thread per core by default), never on the async
//! threads. Problems are reported in receipt order, each naming the receipt and
//! the field or blob concerned.

mod blobs;
mod receipts;
mod replays;
mod report;

use std::sync::Arc;

use crate::compare::ReplayReport;
use crate::log::{BlobState, Log, LogError};
use crate::receipt::Receipt;
use crate::signatures::SignaturePolicy;

use report::Findings;
pub use report::{Problem, VerifyReport};

/// Why re-running a receipt failed (not a verdict: the receipt could not be replayed).
pub type RerunError = Box<dyn std::error::Error + Send + Sync>;

/// Re-runs a logged receipt from the log's blobs and compares the receipt it produces with
/// the logged one (see [`crate::compare::compare`]). Called from several threads at once.
pub trait Rerun: Send + Sync {
    /// The replay of `receipt`, or why it could not be made.
    fn rerun(&self, log: &Log, receipt: &Receipt) -> Result<ReplayReport, RerunError>;

    /// How many re-runs may run at once (a wasm engine's instance pool, say); unlimited
    /// by default.
    fn max_concurrent(&self) -> usize {
        usize::MAX
    }
}

/// What to check besides the chain, hashes and blobs.
#[derive(Debug, Clone, Default)]
pub struct LogChecks {
    /// Worker threads for blocking work; 0 means one per core.
    pub threads: usize,
    /// What to check of the receipts' signatures (present signatures are always checked).
    pub signatures: SignaturePolicy,
}

/// Why verification could not run at all (problems in the log are reported in
/// the [`VerifyReport`], not as errors).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The log cannot be listed.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The async runtime could not start.
    #[error("cannot start the verification runtime: {0}")]
    Runtime(std::io::Error),
    /// A verification task died.
    #[error("a verification task failed: {0}")]
    Task(String),
}

/// Progress of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Replays are about to start; this many will run.
    Start(u64),
    /// One more replay finished.
    Replayed,
}

/// Verifies the whole log (see the module docs), replaying every receipt whose inputs are
/// intact with `rerun` (none: no replays), reporting progress to `progress`.
pub fn verify_with(
    log: &Log,
    checks: &LogChecks,
    rerun: Option<Arc<dyn Rerun>>,
    progress: &mut dyn FnMut(Progress),
) -> Result<VerifyReport, VerifyError> {
    let threads = match checks.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(threads)
        .thread_name("imr-verify")
        .build()
        .map_err(VerifyError::Runtime)?;
    let log = Arc::new(log.reader()?);
    runtime.block_on(run(log, &checks.signatures, rerun, threads, progress))
}

async fn run(
    log: Arc<Log>,
    signatures: &SignaturePolicy,
    rerun: Option<Arc<dyn Rerun>>,
    threads: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<VerifyReport, VerifyError> {
    let mut found = Findings::default();
    // 1. Receipts: numbering, own hashes, signatures, links, carried state.
    let scan = {
        let log = log.clone();
        tokio::task::spawn_blocking(move || log.scan())
            .await
            .map_err(|e| VerifyError::Task(e.to_string()))??
    };
    let receipts = receipts::read_receipts(&scan, &mut found);
    for (&seq, r) in &receipts {
        let prev = receipts.get(&seq.wrapping_sub(1));
        receipts::check_receipt(&log, seq, r, prev, signatures, &mut found);
    }
    // 2. Blobs: every file against its name, every reference present.
    let blob_states = blobs::check_blobs(&log, &receipts, threads, &mut found).await?;
    // 3. Replays of every receipt whose inputs are intact.
    if let Some(rerun) = rerun {
        let valid = |name: &str| blob_states.get(name) == Some(&BlobState::Valid);
        let replayable: Vec<(u64, Receipt)> = receipts
            .iter()
            .filter(|(_, r)| valid(&r.component) && valid(&r.epoch) && valid(&r.state_in))
            .map(|(&s, r)| (s, r.clone()))
            .collect();
        replays::replay_all(&log, replayable, rerun, threads, progress, &mut found).await;
    }
    Ok(found.finish())
}

#[cfg(test)]
mod tests;
