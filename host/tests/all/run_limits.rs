//! Fuel and memory limits are each run's (its store's), not the engine's: one compiled
//! mechanism runs under any of them exactly as one compiled under them does, the
//! fingerprint records them, and a log whose receipts ran under several of them replays.

use imr_host::limits::{DEFAULT_FUEL, DEFAULT_MEMORY_BYTES, MAX_FUEL, MAX_MEMORY_BYTES};
use imr_host::runner::execute;
use imr_host::session::{Session, Start};
use imr_host::{
    verify, Backend, DeterministicEngine, Limits, LoadError, Mechanism, RunError, VerifyOptions,
};
use imr_weights::Sdk;

use crate::runlog::scratch;
use crate::support::{engine, epoch_with_params, load_hostile};

fn built_with(fuel: u64, memory_bytes: u64) -> DeterministicEngine {
    DeterministicEngine::with(
        Backend::Cranelift,
        Limits {
            fuel,
            memory_bytes,
            ..Limits::default()
        },
    )
    .unwrap()
}

#[test]
fn other_run_limits_are_in_the_fingerprint_as_if_the_engine_were_built_with_them() {
    let base = engine();
    for (fuel, memory) in [
        (5_000_000, DEFAULT_MEMORY_BYTES),
        (DEFAULT_FUEL, 64 << 20),
        (1, 1 << 30),
        (DEFAULT_FUEL, DEFAULT_MEMORY_BYTES),
    ] {
        let derived = base.with_run_limits(fuel, memory).unwrap();
        let built = built_with(fuel, memory);
        assert_eq!(
            derived.fingerprint(),
            built.fingerprint(),
            "{fuel} {memory}"
        );
        assert_eq!(derived.description(), built.description());
        assert_eq!(derived.limits(), built.limits());
        let defaults = (fuel, memory) == (DEFAULT_FUEL, DEFAULT_MEMORY_BYTES);
        assert_eq!(derived.fingerprint() == base.fingerprint(), defaults);
        // What the compiled code depends on does not change: one cache entry serves all.
        assert_eq!(derived.compile_hash(), base.compile_hash());
    }
}

#[test]
fn run_limits_over_the_maxima_are_refused_naming_the_maximum() {
    let base = engine();
    let e = base
        .with_run_limits(MAX_FUEL + 1, DEFAULT_MEMORY_BYTES)
        .unwrap_err();
    assert!(e.to_string().contains("over the maximum"), "{e}");
    let e = base
        .with_run_limits(DEFAULT_FUEL, MAX_MEMORY_BYTES + 1)
        .unwrap_err();
    assert!(e.to_string().contains("over the maximum"), "{e}");
}

#[test]
fn a_mechanism_under_other_run_limits_runs_as_one_compiled_under_them() {
    let base = load_hostile(&engine());
    let cases = [
        (
            r#"{"mode":"loop"}"#,
            5_000_000,
            DEFAULT_MEMORY_BYTES,
            Some(RunError::OutOfFuel { limit: 5_000_000 }),
        ),
        (r#"{"mode":"alloc"}"#, DEFAULT_FUEL, 64 << 20, None),
        (r#"{"mode":"ok"}"#, DEFAULT_FUEL / 2, 32 << 20, None),
    ];
    for (params, fuel, memory, expected) in cases {
        let epoch = epoch_with_params(params);
        let derived = base.with_run_limits(fuel, memory).unwrap();
        let compiled = load_hostile(&built_with(fuel, memory));
        let a = execute(&derived, &epoch, &[], None, Sdk::V11);
        let b = execute(&compiled, &epoch, &[], None, Sdk::V11);
        assert_eq!(a.run.result, b.run.result, "{params}");
        assert_eq!(a.run.fuel_consumed, b.run.fuel_consumed, "{params}");
        assert_eq!(a.receipt, b.receipt, "{params}");
        assert_eq!(a.receipt.fuel_limit, fuel);
        assert_eq!(a.receipt.memory_limit, memory);
        if let Some(expected) = expected {
            assert_eq!(a.run.result, Err(expected));
        }
    }
    // The memory bomb meets the run's cap, not the engine's.
    let bomb = epoch_with_params(r#"{"mode":"alloc"}"#);
    let run = base.with_run_limits(DEFAULT_FUEL, 64 << 20).unwrap();
    match run.run(&bomb.epoch, &[]).result {
        Err(RunError::MemoryLimit { limit, .. }) => assert_eq!(limit, 64 << 20),
        other => panic!("expected MemoryLimit at 64 MiB, got {other:?}"),
    }
}

#[test]
fn a_memory_over_the_cap_at_instantiation_is_refused_when_loading() {
    // 17 pages at instantiation.
    let bytes = crate::abi_faults::component(&format!("(i32.const {})", crate::abi_faults::RET));
    let initial = 17 * 65536;
    match Mechanism::from_bytes(&built_with(DEFAULT_FUEL, 1 << 20), &bytes, None) {
        Err(LoadError::MemoryOverLimit { initial: i, limit }) => {
            assert_eq!((i, limit), (initial, 1 << 20));
        }
        other => panic!("expected MemoryOverLimit, got {other:?}"),
    }
    let m = Mechanism::from_bytes(&engine(), &bytes, None).unwrap();
    assert!(matches!(
        m.with_run_limits(DEFAULT_FUEL, 1 << 20),
        Err(LoadError::MemoryOverLimit { .. })
    ));
    assert!(m.with_run_limits(DEFAULT_FUEL, initial).is_ok());
}

#[test]
fn a_log_of_runs_under_several_limits_verifies() {
    let dir = scratch();
    let path = dir.path().join("log");
    let base = load_hostile(&engine());
    let mut session = Session::open_log(&path, Sdk::V11, Start::default()).unwrap();
    let limits = [
        (DEFAULT_FUEL, DEFAULT_MEMORY_BYTES),
        (5_000_000, DEFAULT_MEMORY_BYTES),
        (DEFAULT_FUEL / 2, 64 << 20),
        (5_000_000, 64 << 20),
    ];
    for (i, (fuel, memory)) in limits.into_iter().enumerate() {
        let mode = if i % 2 == 0 { "ok" } else { "loop" };
        let epoch = epoch_with_params(&format!(r#"{{"mode":"{mode}"}}"#));
        let m = base.with_run_limits(fuel, memory).unwrap();
        let stepped = session.step(&m, &epoch).unwrap();
        assert_eq!(stepped.seq, Some(i as u64));
    }
    drop(session);
    let log = imr_host::Log::open(&path).unwrap();
    let report = verify(&log, &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.replayed, 4);
    assert_eq!(report.identical, 4);
}
