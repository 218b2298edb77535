//! Verify's judging, with fake re-runners: no wasm runtime needed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::*;
use crate::compare::compare;
use crate::log::layout::{receipt_name, BLOBS, RECEIPTS};
use crate::receipt::{blake3_hex, RECEIPT_FORMAT};
use crate::{Fingerprint, RunBlobs, RunError};

fn fingerprint() -> Fingerprint {
    Fingerprint {
        imr_version: "0.1.0".into(),
        wasmtime_version: "48.0.8".into(),
        protocol: 1,
        config_hash: blake3_hex(b"config"),
    }
}

/// The bytes of run `seq` (starting from `state_in`): component, epoch, state in and out,
/// outcome, log.
type Bytes = [Vec<u8>; 6];

fn bytes_of(seq: u64, state_in: &[u8]) -> Bytes {
    [
        b"component".to_vec(),
        format!("epoch {seq}").into_bytes(),
        state_in.to_vec(),
        format!("state after {seq}").into_bytes(),
        format!("outcome {seq}").into_bytes(),
        b"[[],0]".to_vec(),
    ]
}

fn blobs_of(b: &Bytes) -> RunBlobs<'_> {
    let (head, tail) = b[4].split_at(3);
    RunBlobs {
        component: &b[0],
        epoch: &b[1],
        state_in: &b[2],
        state_out: Some(&b[3]),
        outcome: Some(crate::run_blobs::Pieces::new(head, &[], tail)),
        log: &b[5],
    }
}

/// A run `seq` chained to `previous`, starting from `state_in`.
fn run(seq: u64, previous: Option<String>, state_in: &[u8]) -> (Receipt, Bytes) {
    let bytes = bytes_of(seq, state_in);
    let blobs = blobs_of(&bytes);
    let receipt = Receipt {
        format: RECEIPT_FORMAT.into(),
        component: blake3_hex(blobs.component),
        epoch: blake3_hex(blobs.epoch),
        state_in: blake3_hex(blobs.state_in),
        state_out: blobs.state_out.map(blake3_hex),
        outcome: blobs.outcome.map(|o| o.blake3_hex()),
        error: None,
        log: blake3_hex(blobs.log),
        fuel_limit: 1_000,
        fuel_consumed: 100 + seq,
        memory_limit: 1 << 20,
        engine: fingerprint(),
        weights: None,
        previous,
        hash: String::new(),
    }
    .seal();
    (receipt, bytes)
}

/// A log of `n` chained runs in a temporary directory.
fn log_of(n: u64) -> (tempfile::TempDir, Log, Vec<Receipt>) {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Log::open_append(&dir.path().join("log")).unwrap();
    let (mut previous, mut state) = (None, b"initial state".to_vec());
    let mut receipts = Vec::new();
    for seq in 0..n {
        let (receipt, bytes) = run(seq, previous.clone(), &state);
        log.append(&receipt, &blobs_of(&bytes)).unwrap();
        previous = Some(receipt.hash.clone());
        state = bytes[3].clone();
        receipts.push(receipt);
    }
    (dir, log, receipts)
}

/// Replays every receipt as `edit` changes it (none: identical), or fails for those
/// `edit` refuses; counts the calls and the most that ran at once.
struct Fake {
    edit: fn(u64, &mut Receipt) -> Result<(), String>,
    limit: usize,
    calls: AtomicUsize,
    running: AtomicUsize,
    most: Mutex<usize>,
}

impl Fake {
    fn new(edit: fn(u64, &mut Receipt) -> Result<(), String>) -> Arc<Self> {
        Arc::new(Self {
            edit,
            limit: usize::MAX,
            calls: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            most: Mutex::new(0),
        })
    }
}

impl Rerun for Fake {
    fn rerun(&self, _log: &Log, receipt: &Receipt) -> Result<ReplayReport, RerunError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        {
            let mut most = self.most.lock().unwrap();
            *most = (*most).max(now);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
        self.running.fetch_sub(1, Ordering::SeqCst);
        let mut replayed = receipt.clone();
        (self.edit)(receipt.fuel_consumed.wrapping_sub(100), &mut replayed)?;
        Ok(compare(receipt, replayed.seal()))
    }

    fn max_concurrent(&self) -> usize {
        self.limit
    }
}

fn verify(log: &Log, rerun: Option<Arc<dyn Rerun>>) -> VerifyReport {
    let checks = LogChecks {
        threads: 4,
        ..LogChecks::default()
    };
    verify_with(log, &checks, rerun, &mut |_| {}).unwrap()
}

fn problems(report: &VerifyReport) -> Vec<(Option<u64>, String)> {
    let p = report.problems.iter();
    p.map(|p| (p.receipt, p.subject.clone())).collect()
}

#[test]
fn an_honest_log_replayed_identically_verifies() {
    let (_dir, log, receipts) = log_of(3);
    let fake = Fake::new(|_, _| Ok(()));
    let report = verify(&log, Some(fake.clone()));
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(
        (report.receipts, report.replayed, report.identical),
        (3, 3, 3)
    );
    assert_eq!(
        (report.mismatched, report.no_result, report.missing),
        (0, 0, 0)
    );
    // component (shared), 3 epochs, initial state + 3 states out, 3 outcomes, log (shared).
    assert_eq!(report.blobs, 1 + 3 + 4 + 3 + 1);
    assert_eq!(report.head.as_deref(), Some(receipts[2].hash.as_str()));
    assert_eq!(fake.calls.load(Ordering::SeqCst), 3);
}

#[test]
fn each_replay_is_judged_and_located() {
    let (_dir, log, _) = log_of(4);
    let fake = Fake::new(|seq, r| match seq {
        1 => {
            r.fuel_consumed += 1;
            Ok(())
        }
        2 => {
            r.error = Some(RunError::Host {
                message: "no instance".into(),
            });
            Ok(())
        }
        3 => Err("the component cannot be loaded".into()),
        _ => Ok(()),
    });
    let report = verify(&log, Some(fake));
    assert_eq!(report.replayed, 3, "the failed re-run is not a replay");
    assert_eq!(
        (report.identical, report.mismatched, report.no_result),
        (1, 1, 1)
    );
    // Receipt 1's difference is the field and the hash; receipt 2 gave no result; receipt 3
    // could not be replayed at all.
    assert_eq!(
        problems(&report),
        [
            (Some(1), "fuel_consumed".to_string()),
            (Some(1), "hash".to_string()),
            (Some(2), "replay".to_string()),
            (Some(3), "replay".to_string()),
        ]
    );
    let text: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert!(text[0].contains("logged 101, replayed 102"), "{}", text[0]);
    assert!(text[2].contains("no result here (host"), "{}", text[2]);
    assert!(
        text[3].contains("the component cannot be loaded"),
        "{}",
        text[3]
    );
}

#[test]
fn another_engine_fingerprint_is_reported_apart_from_the_results() {
    let (_dir, log, _) = log_of(1);
    let fake = Fake::new(|_, r| {
        r.engine.config_hash = blake3_hex(b"another configuration");
        Ok(())
    });
    let report = verify(&log, Some(fake));
    assert_eq!((report.mismatched, report.identical), (1, 0));
    assert_eq!(problems(&report), [(Some(0), "engine".to_string())]);
    assert!(report.problems[0].message.ends_with("results agree"));
}

#[test]
fn without_a_rerun_only_the_log_is_checked() {
    let (_dir, log, _) = log_of(2);
    let report = verify(&log, None);
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!((report.receipts, report.replayed), (2, 0));
}

#[test]
fn tampering_is_found_and_damaged_inputs_are_not_replayed() {
    let (dir, log, receipts) = log_of(3);
    let root = dir.path().join("log");
    // Receipt 1 edited (its hash no longer matches); receipt 2's epoch blob corrupted.
    let mut edited = receipts[1].clone();
    edited.fuel_consumed = 5;
    let file = root.join(RECEIPTS).join(receipt_name(1));
    std::fs::write(&file, edited.to_json_pretty()).unwrap();
    std::fs::write(root.join(BLOBS).join(&receipts[2].epoch), b"other epoch").unwrap();
    let fake = Fake::new(|_, _| Ok(()));
    let report = verify(&log, Some(fake.clone()));
    let found = problems(&report);
    assert!(found.contains(&(Some(1), "hash".to_string())), "{found:?}");
    let blob = format!("blob {} (epoch)", receipts[2].epoch);
    assert!(found.contains(&(Some(2), blob)), "{found:?}");
    assert_eq!(
        fake.calls.load(Ordering::SeqCst),
        2,
        "receipt 2's epoch is corrupt"
    );
    assert_eq!(report.replayed, 2);
}

#[test]
fn no_more_re_runs_at_once_than_the_rerun_allows() {
    let (_dir, log, _) = log_of(6);
    let fake = Arc::new(Fake {
        limit: 2,
        ..Arc::into_inner(Fake::new(|_, _| Ok(()))).unwrap()
    });
    let report = verify(&log, Some(fake.clone()));
    assert_eq!(report.identical, 6);
    let most = *fake.most.lock().unwrap();
    assert!((1..=2).contains(&most), "{most} re-runs at once");
}

#[test]
fn findings_sort_by_receipt_and_keep_their_order_within_one() {
    let mut found = Findings::default();
    found.note(Some(2), "b".into(), "x".into());
    found.note(None, "log".into(), "x".into());
    found.note(Some(0), "a".into(), "x".into());
    found.note(Some(2), "a".into(), "x".into());
    let order: BTreeMap<usize, (Option<u64>, String)> = found
        .finish()
        .problems
        .into_iter()
        .map(|p| (p.receipt, p.subject))
        .enumerate()
        .collect();
    let order: Vec<_> = order.into_values().collect();
    assert_eq!(
        order,
        [
            (Some(0), "a".to_string()),
            (Some(2), "b".to_string()),
            (Some(2), "a".to_string()),
            (None, "log".to_string()),
        ]
    );
}
