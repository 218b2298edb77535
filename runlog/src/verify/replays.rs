//! Replays: every receipt whose inputs are intact re-run through a [`Rerun`] on the
//! blocking pool, and each replay judged against the logged receipt.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::report::Findings;
use super::{Progress, Rerun};
use crate::compare::ReplayReport;
use crate::log::Log;
use crate::receipt::Receipt;

/// Replays `replayable` on the blocking pool and judges each replay.
pub(super) async fn replay_all(
    log: &Arc<Log>,
    replayable: Vec<(u64, Receipt)>,
    rerun: Arc<dyn Rerun>,
    threads: usize,
    progress: &mut dyn FnMut(Progress),
    found: &mut Findings,
) {
    progress(Progress::Start(replayable.len() as u64));
    // At most as many replays at once as the re-runner can run (its engine's instance pool):
    // more would fail to instantiate, and an honest receipt would look tampered with.
    let slots = Arc::new(tokio::sync::Semaphore::new(
        threads.clamp(1, rerun.max_concurrent().max(1)),
    ));
    let mut replays = tokio::task::JoinSet::new();
    for (seq, receipt) in replayable {
        let log = log.clone();
        let rerun = rerun.clone();
        let slots = slots.clone();
        replays.spawn(async move {
            // The semaphore is never closed, so acquiring cannot fail.
            let _slot = slots.acquire_owned().await.ok();
            let replayed = tokio::task::spawn_blocking(move || rerun.rerun(&log, &receipt)).await;
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
pub(super) fn judge_replay(seq: u64, rep: &ReplayReport, found: &mut Findings) {
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
