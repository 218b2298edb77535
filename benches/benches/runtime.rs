//! Runtime benchmarks (issue 2, DESIGN.md §8): compile vs cached load,
//! instantiation, and one epoch of the time-series example in Wasm beside the
//! same code compiled natively, at the scenario's size (12 miners) and at 4096.
//!
//! Run: `cargo bench -p imr-benches --bench runtime`. Ratios matter more than
//! absolute times on a shared machine: every pair is measured side by side.

#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use imr_benches::{scenario, state_before};
use imr_example_time_series::TimeSeries;
use imr_guest::{Epoch, Mechanism as _};
use imr_host::build::{build_guest, BuildOptions};
use imr_host::epoch::EpochInput;
use imr_host::runner::execute;
use imr_host::{ArtifactCache, DeterministicEngine, Mechanism};
use imr_weights::Sdk;

use imr_test_support::workspace_root as workspace;

fn component() -> Vec<u8> {
    guest("examples/time-series")
}

/// Builds the guest crate at `dir` (relative to the workspace) with `imr build`'s defaults.
fn guest(dir: &str) -> Vec<u8> {
    let built = build_guest(&workspace().join(dir), &BuildOptions::default())
        .expect("build the guest (rustup target add wasm32-unknown-unknown)");
    std::fs::read(built.path).unwrap()
}

fn load_and_instantiate(c: &mut Criterion) {
    let bytes = component();
    let engine = DeterministicEngine::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = ArtifactCache::new(dir.path());
    Mechanism::from_bytes(&engine, &bytes, Some(&cache)).unwrap();

    let mut g = c.benchmark_group("load");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("compile", |b| {
        b.iter(|| Mechanism::from_bytes(&engine, black_box(&bytes), None).unwrap())
    });
    g.bench_function("cached_load", |b| {
        b.iter(|| Mechanism::from_bytes(&engine, black_box(&bytes), Some(&cache)).unwrap())
    });
    g.finish();

    let m = Mechanism::from_bytes(&engine, &bytes, Some(&cache)).unwrap();
    let mut g = c.benchmark_group("instance");
    g.bench_function("instantiate_fresh", |b| {
        b.iter(|| m.instantiate_only().unwrap())
    });
    g.finish();
}

fn epoch_wasm_vs_native(c: &mut Criterion, label: &str, epochs: &[EpochInput], k: usize) {
    let bytes = component();
    let engine = DeterministicEngine::new().unwrap();
    let m = Mechanism::from_bytes(&engine, &bytes, None).unwrap();
    let state = state_before(epochs, k);
    let epoch: &Epoch = &epochs[k].epoch;
    // Same outcome both ways, or the comparison is meaningless.
    let native = TimeSeries::score(epoch, &state).unwrap();
    let wasm = m.run(epoch, &state).result.unwrap();
    assert_eq!(native.scores, wasm.scores);
    assert_eq!(native.state, wasm.state);

    let mut g = c.benchmark_group(format!("epoch/{label}"));
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function(BenchmarkId::new("native", label), |b| {
        b.iter(|| TimeSeries::score(black_box(epoch), black_box(&state)).unwrap())
    });
    g.bench_function(BenchmarkId::new("wasm_run", label), |b| {
        b.iter(|| m.run(black_box(epoch), black_box(&state)))
    });
    g.bench_function(BenchmarkId::new("wasm_full_epoch", label), |b| {
        // run + validation + weights pipeline + receipt (the mechanism is loaded)
        b.iter(|| execute(&m, black_box(&epochs[k]), black_box(&state), None, Sdk::V11))
    });
    g.finish();
}

fn epochs(c: &mut Criterion) {
    let small = scenario(None);
    epoch_wasm_vs_native(c, "12_miners", &small, 100);
    let big = scenario(Some(4095));
    epoch_wasm_vs_native(c, "4096_miners", &big, 7);
}

/// What one epoch costs outside the mechanism's own work (issue 12 item 2), phase by
/// phase, on the same epoch and state as `epoch/{label}`:
/// - `epoch_hash`: the canonical epoch encoding and its blake3 (the receipt's `epoch`);
/// - `chain_params`: the epoch's chain parameters for the weights pipeline;
/// - `to_wit_epoch`: the host's conversion of the epoch into what is lowered (borrowed
///   records since issue 12 round 3; `to_wit_epoch_owned`: the owned copy runs made before);
/// - `thread_spawn_32mib` / `guest_thread`: handing a run to a new thread with a 32 MiB
///   stack (what every run did before) / to the caller's reused guest thread;
/// - `instantiate`: a fresh store and instance;
/// - `echo_run`: `Mechanism::run` of a guest that does nothing but take the epoch and the
///   state and hand the state back with a score per neuron: thread, instance, lowering,
///   the SDK's conversions, lifting and validation, without any mechanism work;
/// - `weights`: the weights pipeline on the mechanism's scores;
/// - `receipt_seal`: the receipt's hash (canonical JSON of the receipt);
/// - `validate`: output validation of the outcome.
fn boundary_phases(c: &mut Criterion, label: &str, epochs: &[EpochInput], k: usize) {
    let engine = DeterministicEngine::new().unwrap();
    let m = Mechanism::from_bytes(&engine, &component(), None).unwrap();
    let echo = Mechanism::from_bytes(&engine, &guest("host/tests/guests/hostile"), None).unwrap();
    let state = state_before(epochs, k);
    let input = &epochs[k];
    let mut echo_epoch = input.epoch.clone();
    echo_epoch.params = br#"{"mode":"echo"}"#.to_vec();
    let echoed = echo.run(&echo_epoch, &state).result.unwrap();
    assert_eq!(echoed.state, state);
    let executed = execute(&m, input, &state, None, Sdk::V11);
    let outcome = executed.outcome().unwrap().clone();
    let uids: Vec<u16> = outcome.scores.iter().map(|s| s.uid).collect();
    let scores: Vec<f64> = outcome.scores.iter().map(|s| s.score).collect();
    let params = input.chain_params().unwrap();
    let receipt = executed.receipt.clone();

    let mut g = c.benchmark_group(format!("boundary/{label}"));
    g.sample_size(20);
    g.bench_function("epoch_hash", |b| b.iter(|| black_box(input).hash()));
    g.bench_function("chain_params", |b| {
        b.iter(|| black_box(input).chain_params().unwrap())
    });
    g.bench_function("to_wit_epoch", |b| {
        b.iter(|| imr_host::mechanism::convert_epoch_only(black_box(&input.epoch)))
    });
    g.bench_function("to_wit_epoch_owned", |b| {
        b.iter(|| imr_host::mechanism::convert_epoch_owned_only(black_box(&input.epoch)))
    });
    g.bench_function("thread_spawn_32mib", |b| {
        b.iter(|| imr_host::guest_thread::run_on_new_thread(|| black_box(1)).unwrap())
    });
    g.bench_function("guest_thread", |b| {
        b.iter(|| imr_host::guest_thread::run_on_guest_thread(|| black_box(1)).unwrap())
    });
    g.bench_function("instantiate", |b| b.iter(|| m.instantiate_only().unwrap()));
    g.bench_function("echo_run", |b| {
        b.iter(|| echo.run(black_box(&echo_epoch), black_box(&state)))
    });
    g.bench_function("validate", |b| {
        b.iter_batched(
            || outcome.clone(),
            |o| imr_host::validate::validate_outcome(o, &input.epoch, engine.limits()).unwrap(),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("weights", |b| {
        b.iter(|| imr_weights::emit(black_box(&uids), black_box(&scores), &params, Sdk::V11))
    });
    g.bench_function("receipt_seal", |b| {
        b.iter_batched(|| receipt.clone(), |r| r.seal(), BatchSize::SmallInput)
    });
    g.finish();
}

fn boundaries(c: &mut Criterion) {
    let small = scenario(None);
    boundary_phases(c, "12_miners", &small, 100);
    let big = scenario(Some(4095));
    boundary_phases(c, "4096_miners", &big, 7);
}

criterion_group!(benches, load_and_instantiate, epochs, boundaries);
criterion_main!(benches);
