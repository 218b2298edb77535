//! Receipt format 2: a refusal by the weights pipeline is `weights_refused`, and logs of
//! format 1 (which recorded it as `mechanism_failed`) still replay to identical receipts.

use imr_host::receipt::{RECEIPT_FORMAT, RECEIPT_FORMAT_V1};
use imr_host::replay::{ReplayOptions, Replayer};
use imr_host::runner::execute;
use imr_host::session::{Session, Start};
use imr_host::{Log, Mechanism, ReplayError, RunError};
use imr_weights::Sdk;

use crate::abi_faults::{component, RET};
use crate::runlog::scratch;
use crate::support::{engine, epoch_with_params};

/// A well-formed mechanism that scores nobody: the SDK's pipeline refuses an all-zero row.
fn scores_nobody() -> Mechanism {
    Mechanism::from_bytes(&engine(), &component(&format!("(i32.const {RET})")), None)
        .expect("loads")
}

#[test]
fn a_pipeline_refusal_is_weights_refused_in_format_2() {
    let executed = execute(
        &scores_nobody(),
        &epoch_with_params("{}"),
        b"",
        None,
        Sdk::V11,
    );
    assert_eq!(executed.receipt.format, RECEIPT_FORMAT);
    match &executed.receipt.error {
        Some(e @ RunError::WeightsRefused { reason }) => {
            assert!(e.deterministic());
            assert!(!reason.is_empty());
        }
        other => panic!("expected WeightsRefused, got {other:?}"),
    }
    assert!(executed.receipt.weights.is_none());
}

#[test]
fn format_1_receipts_replay_identically() {
    let mechanism = scores_nobody();
    let dir = scratch();
    let path = dir.path().join("log");
    let mut session = Session::open_log(&path, Sdk::V11, Start::default()).unwrap();
    let stepped = session.step(&mechanism, &epoch_with_params("{}")).unwrap();
    let v2 = stepped.executed.receipt.clone();
    // What imr wrote for the same run before format 2.
    let v1 = v2.clone().in_format(RECEIPT_FORMAT_V1).unwrap();
    assert_eq!(v1.format, RECEIPT_FORMAT_V1);
    assert!(v1.hash_is_valid());
    assert_ne!(v1.hash, v2.hash);
    match &v1.error {
        Some(RunError::MechanismFailed { message }) => assert!(
            message.starts_with("the weights pipeline refused the scores: "),
            "{message}"
        ),
        other => panic!("format 1 records mechanism_failed, got {other:?}"),
    }
    let log = Log::open(&path).unwrap();
    let replayer = Replayer::new(ReplayOptions::default());
    for receipt in [&v1, &v2] {
        let report = replayer.replay(&log, receipt).unwrap();
        assert!(
            report.identical(),
            "{}: {:?}",
            receipt.format,
            report.differences
        );
    }
    // A format this version does not know is refused by name, not replayed.
    let mut unknown = v2.clone();
    unknown.format = "imr-receipt/9".into();
    let unknown = unknown.seal();
    match replayer.replay(&log, &unknown) {
        Err(e @ ReplayError::Format(_)) => {
            let text = e.to_string();
            assert!(
                text.contains("imr-receipt/9") && text.contains(RECEIPT_FORMAT_V1),
                "{text}"
            );
        }
        other => panic!("expected a format error, got {other:?}"),
    }
}
