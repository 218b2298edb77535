//! The logical stack limit's cost (issue 14): the time to instrument a
//! component at load, and one epoch of each example with and without the
//! instrumentation, side by side. The fuel of both is printed before measuring.
//!
//! Run: `cargo bench -p imr-benches --bench stack_limit -- --warm-up-time 1 --measurement-time 3`.

#![allow(missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use imr_host::build::{build_guest, BuildOptions};
use imr_host::epoch::EpochInput;
use imr_host::stack_limit::instrument_component;
use imr_host::{DeterministicEngine, Mechanism};

use imr_test_support::workspace_root as workspace;

/// The example's component bytes and its bundled epochs, in order.
fn example(name: &str) -> (Vec<u8>, Vec<EpochInput>) {
    let dir = workspace().join("examples").join(name);
    let built = build_guest(&dir, &BuildOptions::default())
        .expect("build the example (rustup target add wasm32-unknown-unknown)");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("data/epochs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let epochs = files
        .iter()
        .map(|f| imr_host::epoch::load(f).unwrap())
        .collect();
    (std::fs::read(built.path).unwrap(), epochs)
}

/// The state before epoch `k`, by running the mechanism over the earlier epochs.
fn state_before(m: &Mechanism, epochs: &[EpochInput], k: usize) -> Vec<u8> {
    let mut state = Vec::new();
    for input in &epochs[..k] {
        state = m.run(&input.epoch, &state).result.unwrap().state;
    }
    state
}

fn bench_example(c: &mut Criterion, name: &str, label: &str) {
    let (bytes, epochs) = example(name);
    let engine = DeterministicEngine::new().unwrap();
    let with = Mechanism::from_bytes(&engine, &bytes, None).unwrap();
    let without = Mechanism::from_bytes_uninstrumented(&engine, &bytes).unwrap();
    let k = (epochs.len() - 1).min(100);
    let state = state_before(&without, &epochs, k);
    let epoch = &epochs[k].epoch;
    let a = with.run(epoch, &state);
    let b = without.run(epoch, &state);
    assert_eq!(
        a.result, b.result,
        "same outcome with and without the limit"
    );
    let instrumented = instrument_component(&bytes, engine.stack_limit()).unwrap();
    eprintln!(
        "stack_limit {label}: epoch {k}: fuel {} instrumented vs {} without (+{:.2}%); component {} -> {} bytes",
        a.fuel_consumed,
        b.fuel_consumed,
        100.0 * (a.fuel_consumed as f64 / b.fuel_consumed as f64 - 1.0),
        bytes.len(),
        instrumented.len()
    );

    let mut g = c.benchmark_group("stack_limit");
    g.sample_size(10);
    g.bench_function(BenchmarkId::new("instrument", label), |bch| {
        bch.iter(|| instrument_component(black_box(&bytes), engine.stack_limit()).unwrap())
    });
    g.bench_function(BenchmarkId::new("epoch_instrumented", label), |bch| {
        bch.iter(|| with.run(black_box(epoch), black_box(&state)))
    });
    g.bench_function(BenchmarkId::new("epoch_uninstrumented", label), |bch| {
        bch.iter(|| without.run(black_box(epoch), black_box(&state)))
    });
    g.finish();
}

fn examples(c: &mut Criterion) {
    bench_example(c, "time-series", "time_series");
    bench_example(c, "prompt-ranking", "prompt_ranking");
}

criterion_group!(benches, examples);
criterion_main!(benches);
