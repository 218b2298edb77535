//! Same component, same epoch, same state: same bytes, in any process.

use std::path::Path;
use std::process::Command;

use imr_host::{Backend, DeterministicEngine, Limits};

use crate::support::{engine, epoch_with_params, load_hostile, time_series, time_series_epochs};

fn imr(args: &[&std::ffi::OsStr], cache: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_imr"))
        .args(args)
        .env("IMR_CACHE_DIR", cache)
        .output()
        .expect("run imr")
}

#[test]
fn two_processes_give_byte_identical_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let component = time_series();
    let epochs = time_series_epochs();
    let mut outputs = Vec::new();
    for process in 0..2 {
        // Chain three epochs, feeding each state into the next run.
        let cache = tmp.path().join(format!("cache{process}"));
        let mut state: Option<std::path::PathBuf> = None;
        let mut files = Vec::new();
        for (i, epoch) in epochs.iter().take(8).enumerate() {
            let out = tmp.path().join(format!("p{process}-e{i}"));
            let mut args: Vec<&std::ffi::OsStr> = vec![
                "run".as_ref(),
                "--mechanism".as_ref(),
                component.as_os_str(),
                "--epoch".as_ref(),
                epoch.as_os_str(),
                "--out".as_ref(),
                out.as_os_str(),
                "--quiet".as_ref(),
            ];
            if let Some(s) = &state {
                args.push("--state".as_ref());
                args.push(s.as_os_str());
            }
            let o = imr(&args, &cache);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            for name in [
                "weights.json",
                "receipt.json",
                "state.json",
                "diagnostics.json",
            ] {
                files.push(std::fs::read(out.join(name)).unwrap());
            }
            state = Some(out.join("state.json"));
        }
        outputs.push(files);
    }
    assert_eq!(outputs[0].len(), 32);
    for (a, b) in outputs[0].iter().zip(&outputs[1]) {
        assert_eq!(String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    }
    // And the receipts carry fuel: it is part of what was compared.
    let receipt: serde_json::Value = serde_json::from_slice(&outputs[0][1]).unwrap();
    assert!(receipt["fuel_consumed"].as_u64().unwrap() > 0);
}

#[test]
fn nan_bit_patterns_are_canonical() {
    let engine = engine();
    let m = load_hostile(&engine);
    let run = m.run(&epoch_with_params(r#"{"mode":"nan_bits"}"#).epoch, &[]);
    let outcome = run.result.unwrap();
    let bits: Vec<u64> = serde_json::from_slice(&outcome.diagnostics).unwrap();
    let canonical_f64 = 0x7ff8_0000_0000_0000u64;
    let canonical_f32 = 0x7fc0_0000u64;
    assert_eq!(bits[..5], [canonical_f64; 5], "{bits:x?}");
    assert_eq!(bits[5], canonical_f32, "{bits:x?}");
    // Natively, x86 produces the negative default NaN for 0/0: the engine is what pins it.
    let native = (std::hint::black_box(0.0f64) / std::hint::black_box(-0.0f64)).to_bits();
    assert!(native & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000);
}

#[test]
fn fresh_instances_make_fuel_independent_of_history() {
    let engine = engine();
    let m = load_hostile(&engine);
    let epoch = epoch_with_params(r#"{"mode":"ok"}"#);
    let first = m.run(&epoch.epoch, b"1");
    // A run that traps in between must not influence the next one.
    let _ = m.run(&epoch_with_params(r#"{"mode":"panic"}"#).epoch, &[]);
    let again = m.run(&epoch.epoch, b"1");
    assert_eq!(first.fuel_consumed, again.fuel_consumed);
    assert_eq!(first.result, again.result);
    assert_eq!(first.log, again.log);
}

#[test]
fn a_fresh_instance_never_sees_what_an_earlier_run_wrote() {
    // The pooling allocator reuses memory slots, and keeps the pages a run wrote resident
    // where the host allows (`PAGEMAP_SCAN`): every run must still start from the initial
    // image. The `residue` mode reports its data-segment statics, its zeroed statics and the
    // non-zero bytes of 8 pages it grows, then overwrites all of them.
    let engine = engine();
    let m = load_hostile(&engine);
    let epoch = epoch_with_params(r#"{"mode":"residue","size":8}"#);
    let expected: [u64; 9] = [0x1111, 0x2222, 0x3333, 0x4444, 0, 0, 0, 0, 0];
    let mut fuel = None;
    for i in 0..4 {
        let run = m.run(&epoch.epoch, &[]);
        let outcome = run.result.unwrap();
        let seen: [u64; 9] = serde_json::from_slice(&outcome.diagnostics).unwrap();
        assert_eq!(seen, expected, "run {i} saw an earlier run's memory");
        assert_eq!(*fuel.get_or_insert(run.fuel_consumed), run.fuel_consumed);
        // A run that grows far more memory and traps in between changes nothing either.
        let _ = m.run(
            &epoch_with_params(r#"{"mode":"grow","size":300}"#).epoch,
            &[],
        );
        let _ = m.run(&epoch_with_params(r#"{"mode":"panic"}"#).epoch, &[]);
    }
}

#[test]
fn fingerprint_tracks_semantics_not_backend() {
    let a = engine();
    let b = engine();
    assert_eq!(a.fingerprint(), b.fingerprint());
    let pulley = DeterministicEngine::with(Backend::Pulley, Limits::default()).unwrap();
    assert_eq!(a.fingerprint(), pulley.fingerprint());
    let other = DeterministicEngine::with(
        Backend::Cranelift,
        Limits {
            fuel: 1,
            ..Limits::default()
        },
    )
    .unwrap();
    assert_ne!(a.fingerprint().config_hash, other.fingerprint().config_hash);
    assert!(a
        .description()
        .contains("cranelift_nan_canonicalization=true"));
    assert!(a.description().contains("wasm_simd=false"));
}
