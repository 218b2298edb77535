//! Whole-log verification: every blob against its name, every receipt's own
//! hash and its link to the previous receipt, the state carried from each
//! receipt to the next, and a replay of every receipt, on all cores.
//!
//! Tokio orchestrates; blob hashing and wasm runs are blocking work, so they run
//! on tokio's blocking pool (one thread per core by default), never on the async
//! threads. Problems are reported in receipt order, each naming the receipt and
//! the field or blob concerned.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::receipt::Receipt;
use crate::replay::{ReplayOptions, ReplayReport, Replayer};
use crate::runlog::layout::is_blob_name;
use crate::runlog::{carried_state, BlobState, Log, LogError, Scan};
use crate::signatures::{check_signature, SignatureCheck, SignaturePolicy};

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

/// One problem found, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The receipt concerned, when there is one.
    pub receipt: Option<u64>,
    /// The field or blob concerned (`fuel_consumed`, `previous`, `blob 3fa2… (epoch)`).
    pub subject: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.receipt {
            Some(seq) => write!(f, "receipt {seq}: {}: {}", self.subject, self.message),
            None => write!(f, "{}: {}", self.subject, self.message),
        }
    }
}

/// What verifying a log found.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    /// Receipt files (including unreadable ones).
    pub receipts: u64,
    /// Blob files checked.
    pub blobs: u64,
    /// Receipts replayed.
    pub replayed: u64,
    /// Replays that reproduced the logged receipt exactly.
    pub identical: u64,
    /// Replays that did not.
    pub mismatched: u64,
    /// Replays that gave no result here (a non-deterministic error such as the native stack
    /// limit): those receipts are unverified, not shown to be tampered with.
    pub no_result: u64,
    /// Receipts whose signature verified (for the expected signer, when one was given).
    pub signed: u64,
    /// Missing receipts (gaps in the numbering) and missing blobs.
    pub missing: u64,
    /// Every problem, in receipt order.
    pub problems: Vec<Problem>,
    /// The last receipt's hash: compare it with the one the validator published.
    pub head: Option<String>,
}

impl VerifyReport {
    /// Whether the log verified without any problem.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
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
    let threads = match options.threads {
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
    runtime.block_on(run(log, options, threads, progress))
}

/// What verification has found so far: the counts and the problems (with the
/// receipt number they sort by).
#[derive(Default)]
struct Findings {
    report: VerifyReport,
    problems: Vec<(u64, Problem)>,
}

impl Findings {
    fn note(&mut self, seq: Option<u64>, subject: String, message: String) {
        self.problems.push((
            seq.unwrap_or(u64::MAX),
            Problem {
                receipt: seq,
                subject,
                message,
            },
        ));
    }

    /// The report, problems in receipt order.
    fn finish(mut self) -> VerifyReport {
        self.problems.sort_by_key(|(seq, _)| *seq);
        self.report.problems = self.problems.into_iter().map(|(_, p)| p).collect();
        self.report
    }
}

async fn run(
    log: Arc<Log>,
    options: &VerifyOptions,
    threads: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<VerifyReport, VerifyError> {
    let mut found = Findings::default();
    // 1. Receipts: numbering, own hashes, links, carried state.
    let scan = {
        let log = log.clone();
        tokio::task::spawn_blocking(move || log.scan())
            .await
            .map_err(|e| VerifyError::Task(e.to_string()))??
    };
    let receipts = read_receipts(&scan, &mut found);
    for (&seq, r) in &receipts {
        check_receipt(
            &log,
            seq,
            r,
            receipts.get(&seq.wrapping_sub(1)),
            options,
            &mut found,
        );
    }
    // 2. Blobs: every file against its name, every reference present.
    let blob_states = check_blobs(&log, &receipts, threads, &mut found).await?;
    // 3. Replays of every receipt whose inputs are intact.
    if !options.skip_replay {
        let valid = |name: &str| blob_states.get(name) == Some(&BlobState::Valid);
        let replayable: Vec<(u64, Receipt)> = receipts
            .iter()
            .filter(|(_, r)| valid(&r.component) && valid(&r.epoch) && valid(&r.state_in))
            .map(|(&s, r)| (s, r.clone()))
            .collect();
        replay_all(&log, replayable, options, threads, progress, &mut found).await;
    }
    Ok(found.finish())
}

/// The readable receipts of a scan by number; strays, gaps and unreadable files noted.
fn read_receipts(scan: &Scan, found: &mut Findings) -> BTreeMap<u64, Receipt> {
    found.report.receipts = scan.entries.len() as u64;
    for stray in &scan.strays {
        found.note(
            None,
            format!("receipts/{stray}"),
            "is not a receipt file name".into(),
        );
    }
    for &seq in &scan.missing {
        found.report.missing += 1;
        found.note(
            Some(seq),
            "receipt".into(),
            "is missing (deleted?): later receipts exist".into(),
        );
    }
    let mut receipts = BTreeMap::new();
    for (seq, entry) in &scan.entries {
        match entry {
            Ok(r) => {
                receipts.insert(*seq, r.clone());
            }
            Err(message) => found.note(
                Some(*seq),
                "receipt".into(),
                format!("unreadable: {message}"),
            ),
        }
    }
    found.report.head = scan
        .entries
        .last()
        .and_then(|(_, r)| r.as_ref().ok())
        .map(|r| r.hash.clone());
    receipts
}

/// One receipt's signature, own hash, and link to the receipt before it (`prev`).
fn check_receipt(
    log: &Log,
    seq: u64,
    r: &Receipt,
    prev: Option<&Receipt>,
    options: &VerifyOptions,
    found: &mut Findings,
) {
    match check_signature(log, seq, r, &options.signatures) {
        SignatureCheck::Signed(_) => found.report.signed += 1,
        SignatureCheck::Unsigned => {}
        SignatureCheck::Problem(message) => found.note(Some(seq), "signature".into(), message),
    }
    let computed = r.compute_hash();
    if computed != r.hash {
        found.note(
            Some(seq),
            "hash".into(),
            format!(
                "is {}, but the receipt's content hashes to {computed} (edited?)",
                r.hash
            ),
        );
    }
    let Some(prev) = prev.filter(|_| seq > 0) else {
        return;
    };
    if r.previous.as_deref() != Some(prev.hash.as_str()) {
        found.note(
            Some(seq),
            "previous".into(),
            format!(
                "is {}, but receipt {} has hash {} (re-ordered or replaced?)",
                r.previous.as_deref().unwrap_or("null"),
                seq - 1,
                prev.hash
            ),
        );
    }
    if r.state_in != carried_state(prev) {
        found.note(
            Some(seq),
            "state_in".into(),
            format!(
                "is {}, but receipt {} left state {}",
                r.state_in,
                seq - 1,
                carried_state(prev)
            ),
        );
    }
}

/// Every blob the receipts name, with the first (receipt, field) naming it.
fn blob_references(
    receipts: &BTreeMap<u64, Receipt>,
) -> BTreeMap<String, Vec<(u64, &'static str)>> {
    let mut references: BTreeMap<String, Vec<(u64, &'static str)>> = BTreeMap::new();
    for (&seq, r) in receipts {
        let fields: [(&'static str, Option<&String>); 6] = [
            ("component", Some(&r.component)),
            ("epoch", Some(&r.epoch)),
            ("state_in", Some(&r.state_in)),
            ("state_out", r.state_out.as_ref()),
            ("outcome", r.outcome.as_ref()),
            ("log", Some(&r.log)),
        ];
        for (field, name) in fields {
            if let Some(name) = name {
                references
                    .entry(name.clone())
                    .or_default()
                    .push((seq, field));
            }
        }
    }
    references
}

/// Checks every blob file against its name (on the blocking pool) and every
/// reference for a file; returns each blob's state.
async fn check_blobs(
    log: &Arc<Log>,
    receipts: &BTreeMap<u64, Receipt>,
    threads: usize,
    found: &mut Findings,
) -> Result<BTreeMap<String, BlobState>, VerifyError> {
    let references = blob_references(receipts);
    let names = log.blobs().list()?;
    found.report.blobs = names.len() as u64;
    let chunk = names.len().div_ceil(threads.max(1)).max(1);
    let mut checks = tokio::task::JoinSet::new();
    for part in names.chunks(chunk) {
        let part = part.to_vec();
        let log = log.clone();
        checks.spawn_blocking(move || {
            part.into_iter()
                .map(|n| {
                    let state = log.blobs().check(&n);
                    (n, state)
                })
                .collect::<Vec<_>>()
        });
    }
    let mut blob_states = BTreeMap::new();
    while let Some(done) = checks.join_next().await {
        if let Ok(states) = done {
            blob_states.extend(states);
        }
    }
    for (name, state) in &blob_states {
        let (seq, field) = references
            .get(name)
            .and_then(|r| r.first().copied())
            .map_or((None, String::new()), |(seq, field)| {
                (Some(seq), format!(" ({field})"))
            });
        match state {
            BlobState::Valid => {}
            BlobState::Corrupt(actual) => found.note(
                seq,
                format!("blob {name}{field}"),
                format!("is corrupt: its content hashes to {actual}"),
            ),
            BlobState::Unreadable(why) => found.note(
                seq,
                format!("blob {name}{field}"),
                format!("cannot be read: {why}"),
            ),
        }
    }
    for (name, refs) in &references {
        if blob_states.contains_key(name) {
            continue;
        }
        for &(seq, field) in refs {
            if is_blob_name(name) {
                found.report.missing += 1;
                found.note(Some(seq), field.into(), format!("blob {name} is missing"));
            } else {
                found.note(
                    Some(seq),
                    field.into(),
                    format!("{name:?} is not a blob name (a path?); refused"),
                );
            }
        }
    }
    Ok(blob_states)
}

/// Replays `replayable` on the blocking pool and judges each replay.
async fn replay_all(
    log: &Arc<Log>,
    replayable: Vec<(u64, Receipt)>,
    options: &VerifyOptions,
    threads: usize,
    progress: &mut dyn FnMut(Progress),
    found: &mut Findings,
) {
    progress(Progress::Start(replayable.len() as u64));
    let replayer = Arc::new(Replayer::new(options.replay.clone()));
    // At most as many replays at once as the engine's instance pool holds: more would fail
    // to instantiate, and an honest receipt would look tampered with.
    let slots = Arc::new(tokio::sync::Semaphore::new(
        threads.clamp(1, crate::engine::POOL_INSTANCES as usize),
    ));
    let mut replays = tokio::task::JoinSet::new();
    for (seq, receipt) in replayable {
        let log = log.clone();
        let replayer = replayer.clone();
        let slots = slots.clone();
        replays.spawn(async move {
            // The semaphore is never closed, so acquiring cannot fail.
            let _slot = slots.acquire_owned().await.ok();
            let replayed =
                tokio::task::spawn_blocking(move || replayer.replay(&log, &receipt)).await;
            (seq, replayed)
        });
    }
    let mut results = BTreeMap::new();
    while let Some(done) = replays.join_next().await {
        progress(Progress::Replayed);
        match done {
            Ok((seq, Ok(result))) => {
                results.insert(seq, result);
            }
            Ok((seq, Err(e))) => found.note(
                Some(seq),
                "replay".into(),
                format!("the replay task failed: {e}"),
            ),
            Err(e) => found.note(None, "replay".into(), format!("a replay task failed: {e}")),
        }
    }
    for (seq, result) in results {
        match result {
            Ok(rep) => judge_replay(seq, &rep, found),
            Err(e) => found.note(Some(seq), "replay".into(), e.to_string()),
        }
    }
}

/// Counts one replay and notes how it differs from the logged receipt.
fn judge_replay(seq: u64, rep: &ReplayReport, found: &mut Findings) {
    found.report.replayed += 1;
    if rep.identical() {
        found.report.identical += 1;
        return;
    }
    if let Some(e) = rep.no_result() {
        found.report.no_result += 1;
        found.note(
            Some(seq),
            "replay".into(),
            format!(
                "the replay gave no result here ({}: {e}); the receipt is \
                 unverified, which does not show that it was tampered with",
                e.kind()
            ),
        );
        return;
    }
    found.report.mismatched += 1;
    if rep.fingerprint_differs() {
        let (a, b) = rep.fingerprints();
        found.note(
            Some(seq),
            "engine".into(),
            format!(
                "logged fingerprint {} (imr {}, wasmtime {}), replayed under {} (imr {}, wasmtime {}); results {}",
                a.config_hash,
                a.imr_version,
                a.wasmtime_version,
                b.config_hash,
                b.imr_version,
                b.wasmtime_version,
                if rep.results_agree() { "agree" } else { "differ" }
            ),
        );
    }
    for d in &rep.differences {
        if d.field == "hash" && !rep.hash_valid {
            continue; // reported with the receipt's own hash above
        }
        found.note(
            Some(seq),
            d.field.clone(),
            format!("logged {}, replayed {}", d.logged, d.replayed),
        );
    }
    if rep.differences.is_empty() && !rep.hash_valid && !rep.fingerprint_differs() {
        found.note(
            Some(seq),
            "hash".into(),
            "the replay reproduces the content but not the logged hash".into(),
        );
    }
}
