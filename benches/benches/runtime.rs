//! Runtime benchmarks (issue 2, DESIGN.md §8): compile vs cached load,
//! instantiation, and one epoch of the time-series example in Wasm beside the
//! same code compiled natively, at the scenario's size (12 miners) and at 4096.
//!
//! Run: `cargo bench -p imr-benches --bench runtime`. Ratios matter more than
//! absolute times on a shared machine: every pair is measured side by side.

#![allow(missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use imr_example_time_series::TimeSeries;
use imr_guest::{Epoch, Mechanism as _};
use imr_host::build::{build_guest, BuildOptions};
use imr_host::epoch::EpochInput;
use imr_host::runner::execute;
use imr_host::{ArtifactCache, DeterministicEngine, Mechanism};
use imr_weights::Sdk;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn component() -> Vec<u8> {
    let built = build_guest(
        &workspace().join("examples/time-series"),
        &BuildOptions::default(),
    )
    .expect("build the time-series example (rustup target add wasm32-unknown-unknown)");
    std::fs::read(built.path).unwrap()
}

/// Epoch inputs of a scenario, parsed like the host parses them.
fn inputs(texts: &[String]) -> Vec<EpochInput> {
    texts
        .iter()
        .map(|t| EpochInput::parse(t.as_bytes(), Path::new("bench.json")).unwrap())
        .collect()
}

/// The state before epoch `k`, by running the native mechanism over the earlier epochs.
fn state_before(epochs: &[EpochInput], k: usize) -> Vec<u8> {
    let mut state = Vec::new();
    for input in &epochs[..k] {
        state = TimeSeries::score(&input.epoch, &state).unwrap().state;
    }
    state
}

fn scenario(miners: Option<u16>) -> Vec<EpochInput> {
    let days = imr_ts_scenario::series::generate();
    let files = match miners {
        None => imr_ts_scenario::scenario::generate(&days),
        Some(m) => imr_ts_scenario::scenario::scaled(&days, m, 8),
    };
    inputs(&files.iter().map(|f| f.to_text()).collect::<Vec<_>>())
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

criterion_group!(benches, load_and_instantiate, epochs);
criterion_main!(benches);
