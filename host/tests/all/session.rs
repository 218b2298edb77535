//! The session API: state and receipt chain carried, the determinism gate, and
//! the resume checks.

use imr_host::session::{Session, SessionError, Start};
use imr_host::{epoch, Mechanism};
use imr_weights::Sdk;

use crate::runlog::scratch;
use crate::support::{engine, epoch_with_params, load_hostile, time_series, time_series_epochs};

#[test]
fn a_run_without_a_result_is_neither_logged_nor_carried() {
    let engine = engine();
    let hostile = load_hostile(&engine);
    let dir = scratch();
    let mut session = Session::open_log(&dir.path().join("log"), Sdk::V11, Start::default())
        .expect("open a new log");
    // A deterministic failure (fuel) is a result: logged, chained, state carried unchanged.
    let fuel = session
        .step(&hostile, &epoch_with_params(r#"{"mode":"loop"}"#))
        .unwrap();
    assert!(fuel.is_result());
    assert_eq!(fuel.seq, Some(0));
    let head = session.head().unwrap().to_string();
    assert_eq!(head, fuel.executed.receipt.hash);
    // A native stack overflow is no result: returned, but the log and the chain stay as they were.
    // (Only an uninstrumented component can still reach the native limit: the
    // logical stack limit traps first otherwise.)
    let bare = imr_host::Mechanism::from_bytes_uninstrumented(
        &engine,
        &std::fs::read(crate::support::hostile()).unwrap(),
    )
    .unwrap();
    let deep = session
        .step(
            &bare,
            &epoch_with_params(r#"{"mode":"recurse_native","size":1000000000}"#),
        )
        .unwrap();
    assert!(!deep.is_result(), "{:?}", deep.executed.run.result);
    assert_eq!(deep.seq, None);
    assert_eq!(session.head(), Some(head.as_str()));
    assert_eq!(session.len().unwrap(), 1);
}

#[test]
fn a_reopened_log_continues_the_chain_and_resume_checks_the_epochs() {
    let engine = engine();
    let bytes = std::fs::read(time_series()).unwrap();
    let m = Mechanism::from_bytes(&engine, &bytes, None).unwrap();
    let files = time_series_epochs();
    let inputs: Vec<_> = files[..3].iter().map(|f| epoch::load(f).unwrap()).collect();
    let hashes: Vec<String> = inputs.iter().map(|e| e.hash()).collect();
    let dir = scratch();
    let log = dir.path().join("log");

    // Straight through, without a log, as the reference.
    let mut reference = Session::new(Sdk::V11, Start::default());
    let expected: Vec<String> = inputs
        .iter()
        .map(|i| reference.step(&m, i).unwrap().executed.receipt.hash)
        .collect();

    // Two epochs, close, reopen: the third chains to the second with its state.
    {
        let mut s = Session::open_log(&log, Sdk::V11, Start::default()).unwrap();
        assert_eq!(s.resume_point(&m, &hashes).unwrap(), 0);
        for i in &inputs[..2] {
            s.step(&m, i).unwrap();
        }
    }
    let mut s = Session::open_log(&log, Sdk::V11, Start::default()).unwrap();
    assert_eq!(s.resume_point(&m, &hashes).unwrap(), 2);
    assert_eq!(s.head(), Some(expected[1].as_str()));
    assert_eq!(
        s.state(),
        reference_state_after(&m, &inputs[..2]).as_slice()
    );
    let third = s.step(&m, &inputs[2]).unwrap();
    assert_eq!(third.executed.receipt.hash, expected[2]);
    assert_eq!(third.seq, Some(2));

    // The resume checks: other epochs, too few epochs, a state or a wrong previous with a non-empty log.
    let mut swapped = hashes.clone();
    swapped.swap(0, 1);
    assert!(matches!(
        s.resume_point(&m, &swapped),
        Err(SessionError::EpochMismatch { seq: 0, .. })
    ));
    assert!(matches!(
        s.resume_point(&m, &hashes[..1]),
        Err(SessionError::LogLongerThanEpochs {
            logged: 3,
            epochs: 1
        })
    ));
    drop(s);
    let with_state = Start {
        state: Some(b"{}".to_vec()),
        previous: None,
    };
    assert!(matches!(
        Session::open_log(&log, Sdk::V11, with_state),
        Err(SessionError::StateWithLog)
    ));
    let wrong_previous = Start {
        state: None,
        previous: Some("00".repeat(32)),
    };
    assert!(matches!(
        Session::open_log(&log, Sdk::V11, wrong_previous),
        Err(SessionError::PreviousMismatch { .. })
    ));
}

fn reference_state_after(m: &Mechanism, inputs: &[epoch::EpochInput]) -> Vec<u8> {
    let mut s = Session::new(Sdk::V11, Start::default());
    for i in inputs {
        s.step(m, i).unwrap();
    }
    s.state().to_vec()
}
