//! Guest ABI faults: a component that breaks the canonical ABI (a bad discriminant, invalid
//! UTF-8, a list out of bounds, a misaligned return area, an output over the host's copy limit)
//! gets a typed, deterministic error with a receipt, never "host error".
//!
//! The components are hand-written core modules in WAT that implement the mechanism world's
//! core ABI directly, so each fault is exactly the bytes the test writes.

use imr_host::guest_fault::AbiFault;
use imr_host::session::{Session, Start};
use imr_host::{Backend, DeterministicEngine, Limits, Mechanism, RunError};
use imr_weights::Sdk;
use wit_component::{embed_component_metadata, ComponentEncoder, StringEncoding};
use wit_parser::Resolve;

use crate::runlog::scratch;
use crate::support::{engine, epoch_with_params, workspace};

/// The return area the guest hands back (4-aligned) and a string of invalid UTF-8 at 16.
///
/// Layout of `result<outcome, mechanism-error>` in the canonical ABI: the case byte at +0,
/// the payload at +4 (outcome: three lists as pointer/length pairs at +4..+28; the error
/// variant: its case byte at +4 and the string's pointer/length at +8/+12).
pub(crate) const RET: u32 = 1024;

/// A component whose `score` runs `body` (core instructions, which must leave the return
/// area's address on the stack).
pub(crate) fn component(body: &str) -> Vec<u8> {
    let wat = format!(
        r#"(module
  (import "imr:mechanism/host@0.1.0" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 17)
  (global $bump (mut i32) (i32.const 65536))
  (data (i32.const 16) "\ff\fe")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p
      (i32.and
        (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
        (i32.xor (i32.sub (local.get 2) (i32.const 1)) (i32.const -1))))
    (global.set $bump (i32.add (local.get $p) (local.get 3)))
    (local.get $p))
  (func (export "score")
    (param i32 i64 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    {body}))"#
    );
    let mut core = wat::parse_str(&wat).expect("test WAT parses");
    let mut resolve = Resolve::default();
    let (pkg, _) = resolve.push_dir(workspace().join("wit")).unwrap();
    let world = resolve.select_world(&[pkg], Some("mechanism")).unwrap();
    embed_component_metadata(&mut core, &resolve, world, StringEncoding::UTF8).unwrap();
    ComponentEncoder::default()
        .module(&core)
        .unwrap()
        .validate(true)
        .encode()
        .expect("test component encodes")
}

fn load(engine: &DeterministicEngine, body: &str) -> Mechanism {
    Mechanism::from_bytes(engine, &component(body), None).expect("test component loads")
}

fn store8(addr: u32, v: u32) -> String {
    format!("(i32.store8 (i32.const {addr}) (i32.const {v}))")
}

fn store32(addr: u32, v: u32) -> String {
    format!("(i32.store (i32.const {addr}) (i32.const {v}))")
}

/// `result::err(mechanism-error::failed(<string at ptr, len>))`.
fn failed_with_string(ptr: u32, len: u32) -> String {
    format!(
        "{} {} {} {} (i32.const {RET})",
        store8(RET, 1),
        store8(RET + 4, 1),
        store32(RET + 8, ptr),
        store32(RET + 12, len)
    )
}

/// Every fault, as a `score` body, with the fault it must be reported as.
fn faults() -> Vec<(&'static str, String, AbiFault)> {
    vec![
        (
            "result case 2 of 2",
            format!("{} (i32.const {RET})", store8(RET, 2)),
            AbiFault::InvalidDiscriminant,
        ),
        (
            "mechanism-error case 9 of 2",
            format!(
                "{} {} (i32.const {RET})",
                store8(RET, 1),
                store8(RET + 4, 9)
            ),
            AbiFault::InvalidDiscriminant,
        ),
        (
            "error message of invalid UTF-8",
            failed_with_string(16, 2),
            AbiFault::InvalidUtf8,
        ),
        (
            "error message out of memory",
            failed_with_string(0xFFFF_FFF0, 64),
            AbiFault::OutOfBounds,
        ),
        (
            "scores list out of memory",
            format!(
                "{} {} {} (i32.const {RET})",
                store8(RET, 0),
                store32(RET + 4, 0xFFFF_FF00),
                store32(RET + 8, 1000)
            ),
            AbiFault::OutOfBounds,
        ),
        (
            "scores list misaligned",
            format!(
                "{} {} {} (i32.const {RET})",
                store8(RET, 0),
                store32(RET + 4, RET + 4),
                store32(RET + 8, 1)
            ),
            AbiFault::Misaligned,
        ),
        (
            "misaligned return area",
            format!("(i32.const {})", RET + 1),
            AbiFault::Misaligned,
        ),
        (
            "log line of invalid UTF-8",
            format!("(call $log (i32.const 1) (i32.const 16) (i32.const 2)) (i32.const {RET})"),
            AbiFault::InvalidUtf8,
        ),
        (
            "log level 7 of 3",
            format!("(call $log (i32.const 7) (i32.const 16) (i32.const 0)) (i32.const {RET})"),
            AbiFault::InvalidDiscriminant,
        ),
        (
            "a 130 MiB state",
            format!(
                "(drop (memory.grow (i32.const 2100))) {} {} (i32.const {RET})",
                store8(RET, 0),
                store32(RET + 16, 130 << 20)
            ),
            AbiFault::CopyLimit,
        ),
    ]
}

#[test]
fn each_abi_fault_is_a_typed_deterministic_error_on_both_backends() {
    let cranelift = engine();
    let pulley = DeterministicEngine::with(Backend::Pulley, Limits::default()).expect("pulley");
    let input = epoch_with_params("{}");
    for (name, body, fault) in faults() {
        let mut seen = Vec::new();
        for engine in [&cranelift, &pulley] {
            let run = load(engine, &body).run(&input.epoch, b"");
            match &run.result {
                Err(e @ RunError::AbiFault { fault: got }) => {
                    assert_eq!(*got, fault, "{name}");
                    assert!(e.deterministic(), "{name}");
                    assert_eq!(e.kind(), "abi_fault");
                }
                other => panic!("{name}: expected AbiFault({fault:?}), got {other:?}"),
            }
            seen.push(run.fuel_consumed);
        }
        assert_eq!(seen[0], seen[1], "{name}: fuel differs between backends");
    }
    // The same module returning a well-formed (empty) outcome runs: the faults are the bytes.
    let ok = load(&cranelift, &format!("(i32.const {RET})")).run(&input.epoch, b"");
    assert!(ok.result.is_ok(), "{:?}", ok.result);
}

#[test]
fn an_abi_fault_is_logged_with_a_receipt_and_the_session_goes_on() {
    let engine = engine();
    let faulty = load(&engine, &failed_with_string(16, 2));
    let dir = scratch();
    let log = dir.path().join("log");
    let mut session = Session::open_log(&log, Sdk::V11, Start::default()).expect("new log");
    let first = session.step(&faulty, &epoch_with_params("{}")).unwrap();
    assert!(first.is_result(), "{:?}", first.executed.run.result);
    assert_eq!(first.seq, Some(0));
    let error = first
        .executed
        .receipt
        .error
        .clone()
        .expect("error recorded");
    assert_eq!(
        serde_json::to_value(&error).unwrap(),
        serde_json::json!({"kind": "abi_fault", "fault": "invalid_utf8"})
    );
    // The next epoch is not blocked.
    let second = session.step(&faulty, &epoch_with_params("{}")).unwrap();
    assert_eq!(second.seq, Some(1));
    // And the log verifies: a replay gives the same receipts.
    let log = imr_host::Log::open(&log).expect("open the log");
    let report = imr_host::verify(&log, &imr_host::VerifyOptions::default()).expect("verify");
    assert!(report.ok(), "{report:?}");
}
