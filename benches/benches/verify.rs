//! Run-log verification (issue 5): `imr_host::verify` over the bundled
//! 200-epoch time-series scenario, logged once; and the replay of one receipt.
//!
//! Run: `cargo bench -p imr-benches --bench verify`. Target: at least 1,000
//! receipts per second on the 2-core VM (DESIGN.md §8, issue 5).

#![allow(missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use imr_host::build::{build_guest, BuildOptions};
use imr_host::replay::{ReplayOptions, Replayer};
use imr_host::runlog::Log;
use imr_host::session::{Session, Start};
use imr_host::verify::{verify, VerifyOptions};
use imr_host::weights::Sdk;
use imr_host::{epoch, ArtifactCache, DeterministicEngine, Mechanism};

use imr_test_support::workspace_root as workspace;

/// Logs the 200-epoch scenario into a fresh log under the bench tmp dir.
fn scenario_log() -> PathBuf {
    let built = build_guest(
        &workspace().join("examples/time-series"),
        &BuildOptions::default(),
    )
    .expect("build the time-series example (rustup target add wasm32-unknown-unknown)");
    let bytes = std::fs::read(built.path).unwrap();
    let engine = DeterministicEngine::new().unwrap();
    let m = Mechanism::from_bytes(&engine, &bytes, None).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("verify-bench-log");
    let _ = std::fs::remove_dir_all(&dir);
    let mut session = Session::open_log(&dir, Sdk::V11, Start::default()).unwrap();
    let files =
        imr_test_support::json_files(&workspace().join("examples/time-series/data/epochs"), false);
    for file in &files {
        let input = epoch::load(file).unwrap();
        let stepped = session.step(&m, &input).unwrap();
        stepped.executed.run.result.as_ref().unwrap();
    }
    dir
}

fn bench(c: &mut Criterion) {
    let path = scenario_log();
    let log = Log::open(&path).unwrap();
    let receipts = log.len().unwrap();
    let cache_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("verify-bench-cache");
    let options = |threads: usize, skip_replay: bool| VerifyOptions {
        replay: ReplayOptions {
            backend: imr_host::Backend::Cranelift,
            cache: Some(ArtifactCache::new(cache_dir.clone())),
        },
        threads,
        skip_replay,
        signatures: Default::default(),
    };
    // Warm the artifact cache once: an auditor's second verify loads, not compiles.
    assert!(verify(&log, &options(0, false)).unwrap().ok());

    let mut g = c.benchmark_group("verify");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(receipts));
    for (name, threads, skip) in [
        ("all cores", 0, false),
        ("one thread", 1, false),
        ("hashes and links only", 0, true),
    ] {
        g.bench_function(BenchmarkId::new("200-epoch log", name), |b| {
            b.iter(|| {
                let report = verify(&log, &options(threads, skip)).unwrap();
                assert!(report.ok());
                black_box(report)
            })
        });
    }
    g.finish();

    // One receipt, mechanism already compiled: the replay time per receipt.
    let replayer = Replayer::new(options(1, false).replay);
    let receipt = log.receipt(100).unwrap();
    assert!(replayer.replay(&log, &receipt).unwrap().identical());
    let mut g = c.benchmark_group("replay");
    g.sample_size(20);
    g.bench_function("receipt 100 (read blobs, run, weights, compare)", |b| {
        b.iter(|| black_box(replayer.replay(&log, &receipt).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
