//! Hostile components each get their typed error, and the process stays healthy.

use imr_host::guest_fault::TrapCode;
use imr_host::{Backend, DeterministicEngine, Limits, RunError};

use crate::support::{engine, epoch_with_params, load_hostile};

fn run_mode(params: &str) -> imr_host::Run {
    let engine = engine();
    let m = load_hostile(&engine);
    m.run(&epoch_with_params(params).epoch, &[])
}

#[test]
fn infinite_loop_runs_out_of_fuel_deterministically() {
    let engine = DeterministicEngine::with(
        Backend::Cranelift,
        Limits {
            fuel: 5_000_000,
            ..Limits::default()
        },
    )
    .unwrap();
    let m = load_hostile(&engine);
    let epoch = epoch_with_params(r#"{"mode":"loop"}"#);
    let a = m.run(&epoch.epoch, &[]);
    assert_eq!(a.result, Err(RunError::OutOfFuel { limit: 5_000_000 }));
    assert_eq!(a.fuel_consumed, 5_000_000);
    assert!(a.result.as_ref().unwrap_err().deterministic());
    // The same mechanism still works afterwards (fresh instance per run).
    let ok = m.run(&epoch_with_params(r#"{"mode":"ok"}"#).epoch, &[]);
    assert!(ok.result.is_ok(), "{:?}", ok.result);
}

#[test]
fn memory_bomb_hits_the_memory_limit() {
    let run = run_mode(r#"{"mode":"alloc"}"#);
    match run.result {
        Err(RunError::MemoryLimit { requested, limit }) => {
            assert_eq!(limit, imr_host::limits::DEFAULT_MEMORY_BYTES);
            assert!(requested > limit);
        }
        other => panic!("expected MemoryLimit, got {other:?}"),
    }
}

#[test]
fn deep_recursion_is_a_clean_stack_error_not_a_crash() {
    // Frames on the wasm stack: the logical stack limit traps first, a
    // deterministic typed error (a result, the same everywhere).
    let run = run_mode(r#"{"mode":"recurse_native","size":1000000000}"#);
    match &run.result {
        Err(e @ RunError::StackLimit { limit }) => {
            assert!(e.deterministic(), "the logical stack limit is a result");
            assert_eq!(
                *limit,
                u64::from(imr_host::stack_limit::per_instance_limit(
                    Limits::default().instances
                ))
            );
        }
        other => panic!("expected StackLimit, got {other:?}"),
    }
    // Without the instrumentation, the same recursion ends in the native limit: "no result".
    let engine = engine();
    let bytes = std::fs::read(crate::support::hostile()).unwrap();
    let bare = imr_host::Mechanism::from_bytes_uninstrumented(&engine, &bytes).unwrap();
    let native = bare.run(
        &epoch_with_params(r#"{"mode":"recurse_native","size":1000000000}"#).epoch,
        &[],
    );
    match &native.result {
        Err(e @ RunError::StackOverflow { .. }) => assert!(!e.deterministic()),
        other => panic!("expected StackOverflow without instrumentation, got {other:?}"),
    }
    // A bounded recursion still works: the limit is about depth, not about recursion.
    let shallow = run_mode(r#"{"mode":"recurse_native","size":1000}"#);
    assert!(shallow.result.is_ok(), "{:?}", shallow.result);
    // Frames on Rust's shadow stack (linear memory) as well: the logical limit
    // (each call is charged) comes before the 1 MiB shadow stack is exhausted
    // (an out-of-bounds access); either is deterministic.
    let shadow = run_mode(r#"{"mode":"recurse_shadow"}"#);
    match &shadow.result {
        Err(e @ RunError::StackLimit { .. }) => assert!(e.deterministic()),
        other => panic!("expected StackLimit, got {other:?}"),
    }
    let again = run_mode(r#"{"mode":"recurse_shadow"}"#);
    assert_eq!(shadow.fuel_consumed, again.fuel_consumed);
    // The process is healthy: another run works.
    assert!(run_mode(r#"{"mode":"ok"}"#).result.is_ok());
}

#[test]
fn guest_panic_is_a_trap_with_the_guest_message() {
    let run = run_mode(r#"{"mode":"panic"}"#);
    match run.result {
        Err(RunError::Trap { trap, message }) => {
            assert_eq!(trap, TrapCode::UnreachableCodeReached);
            let message = message.expect("panic message through the SDK hook");
            assert!(
                message.contains("mechanism gave up on netuid 3"),
                "{message}"
            );
        }
        other => panic!("expected Trap, got {other:?}"),
    }
}

fn expect_invalid(params: &str, uid: u16, value: &str, reason: &str) {
    match run_mode(params).result {
        Err(RunError::InvalidOutput {
            uid: u,
            value: v,
            reason: r,
        }) => {
            assert_eq!((u, v.as_str()), (uid, value), "{params}");
            assert!(r.contains(reason), "{params}: {r}");
        }
        other => panic!("{params}: expected InvalidOutput, got {other:?}"),
    }
}

#[test]
fn invalid_scores_are_refused_naming_uid_and_value() {
    expect_invalid(r#"{"mode":"nan"}"#, 1, "NaN", "finite");
    expect_invalid(r#"{"mode":"infinite"}"#, 1, "inf", "finite");
    expect_invalid(r#"{"mode":"negative"}"#, 1, "-0.5", "non-negative");
    expect_invalid(r#"{"mode":"duplicate"}"#, 1, "2.0", "duplicate");
    expect_invalid(
        r#"{"mode":"unknown_uid"}"#,
        999,
        "1.0",
        "not among the epoch's neurons",
    );
}

#[test]
fn giant_output_is_refused() {
    let run = run_mode(r#"{"mode":"giant","size":40000000}"#);
    match run.result {
        Err(RunError::OutputTooLarge { what, size, limit }) => {
            assert!(what.starts_with("state"), "{what}");
            assert_eq!(size, 40_000_000);
            assert_eq!(limit, Limits::default().max_state_bytes as u64);
        }
        other => panic!("expected OutputTooLarge, got {other:?}"),
    }
    match run_mode(r#"{"mode":"too_many_scores"}"#).result {
        Err(RunError::OutputTooLarge { what, .. }) => assert!(what.starts_with("scores"), "{what}"),
        other => panic!("expected OutputTooLarge, got {other:?}"),
    }
}

#[test]
fn giant_mechanism_error_messages_are_cut_and_escaped() {
    let size = 50 << 20;
    let run = run_mode(&format!(r#"{{"mode":"giant_error","size":{size}}}"#));
    let Err(RunError::MechanismFailed { message }) = &run.result else {
        panic!("{:?}", run.result.as_ref().err())
    };
    let max = imr_host::Limits::default().max_error_bytes;
    assert!(
        message.len() < max + 200,
        "{} bytes recorded",
        message.len()
    );
    assert!(
        message.starts_with("\\u{1b}[2J\\u{0}"),
        "{}",
        &message[..40]
    );
    assert!(!message.contains('\u{1b}') && !message.contains('\0'));
    assert!(message.contains(&format!("the message had {} bytes", size + 4)));
    // The receipt stays small.
    let json = serde_json::to_string(&run.result.as_ref().unwrap_err()).unwrap();
    assert!(json.len() < 2 * max + 300, "{} bytes of JSON", json.len());
}

#[test]
fn mechanism_errors_are_passed_through() {
    assert_eq!(
        run_mode(r#"{"mode":"invalid_input"}"#).result,
        Err(RunError::MechanismInvalidInput {
            message: "task.prices[3]: must be > 0".into()
        })
    );
    match run_mode(r#"{"mode": 5}"#).result {
        Err(RunError::MechanismInvalidInput { message: m }) => {
            assert!(m.starts_with("params.mode: invalid type"), "{m}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn log_flood_is_capped_and_charged() {
    let quiet = run_mode(r#"{"mode":"log_flood","size":0}"#);
    let flood = run_mode(r#"{"mode":"log_flood","size":5000}"#);
    assert!(flood.result.is_ok());
    assert_eq!(flood.log.len(), Limits::default().max_log_lines);
    assert_eq!(
        flood.log_dropped,
        5000 - Limits::default().max_log_lines as u64
    );
    // Every call is charged at least LOG_CALL_FUEL, kept or not.
    assert!(flood.fuel_consumed - quiet.fuel_consumed >= 5000 * imr_host::engine::LOG_CALL_FUEL);
}

#[test]
fn memory_grow_is_charged_per_page() {
    let none = run_mode(r#"{"mode":"grow","size":0}"#);
    let some = run_mode(r#"{"mode":"grow","size":100}"#);
    assert!(
        none.result.is_ok() && some.result.is_ok(),
        "{:?} {:?}",
        none.result,
        some.result
    );
    // The two runs differ only in the pages grown (JSON decoding of "0" vs "100" aside).
    let per_page = u64::from(imr_host::engine::MEMORY_GROW_FUEL_PER_PAGE);
    let extra = some.fuel_consumed - none.fuel_consumed;
    assert!(extra >= 100 * per_page, "grew 100 pages for {extra} fuel");
    assert!(
        extra < 100 * per_page + 200,
        "grew 100 pages for {extra} fuel"
    );
}

#[test]
fn stack_limit_is_the_same_error_fuel_and_receipt_on_both_engines() {
    use imr_host::runner::execute;
    let bytes = std::fs::read(crate::support::hostile()).unwrap();
    let input = epoch_with_params(r#"{"mode":"recurse_native","size":1000000000}"#);
    let runs: Vec<_> = [Backend::Cranelift, Backend::Pulley]
        .into_iter()
        .map(|b| {
            let engine = DeterministicEngine::with(b, Limits::default()).unwrap();
            let m = imr_host::Mechanism::from_bytes(&engine, &bytes, None).unwrap();
            execute(&m, &input, &[], None, imr_weights::Sdk::V11)
        })
        .collect();
    let (a, b) = (&runs[0], &runs[1]);
    assert!(
        matches!(a.run.result, Err(RunError::StackLimit { .. })),
        "{:?}",
        a.run.result
    );
    assert_eq!(a.run.result, b.run.result);
    assert_eq!(a.run.fuel_consumed, b.run.fuel_consumed);
    assert!(a.run.fuel_consumed < Limits::default().fuel);
    assert_eq!(a.receipt, b.receipt);
    // And a recursion within the limit gives the same result and fuel on both.
    let shallow = epoch_with_params(r#"{"mode":"recurse_native","size":2000}"#);
    let ok: Vec<_> = [Backend::Cranelift, Backend::Pulley]
        .into_iter()
        .map(|b| {
            let engine = DeterministicEngine::with(b, Limits::default()).unwrap();
            let m = imr_host::Mechanism::from_bytes(&engine, &bytes, None).unwrap();
            m.run(&shallow.epoch, &[])
        })
        .collect();
    assert!(ok[0].result.is_ok(), "{:?}", ok[0].result);
    assert_eq!(ok[0].result, ok[1].result);
    assert_eq!(ok[0].fuel_consumed, ok[1].fuel_consumed);
}
