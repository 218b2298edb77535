//! The phases of one full time-series epoch (`runner::execute`), each timed in its own tight loop, for a quick
//! per-phase breakdown and for profiling: `cargo build --release -p imr-benches --example prof_boundary` then
//! `target/release/examples/prof_boundary [miners] [iterations] [component.wasm]`
//! (`PROF_ONLY=echo_run` times that phase alone). `miners` is 12 (the bundled
//! scenario, epoch 100) or a scaled scenario's size (epoch 7), as in `benches/benches/runtime.rs`. The criterion
//! figures are `cargo bench -p imr-benches --bench runtime -- boundary/`; this prints all phases in one go.

#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use imr_example_time_series::TimeSeries;
use imr_guest::Mechanism as _;
use imr_host::build::{build_guest, BuildOptions};
use imr_host::runner::execute;
use imr_host::{DeterministicEngine, Mechanism};
use imr_weights::Sdk;

fn time(name: &str, n: u32, mut f: impl FnMut()) {
    // `PROF_ONLY=phase` loops that phase alone (for `perf record`).
    if std::env::var("PROF_ONLY").is_ok_and(|only| only != name) {
        return;
    }
    f();
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    eprintln!(
        "{name:>16}: {:>10.2} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let miners: u16 = args.get(1).map(|s| s.parse().unwrap()).unwrap_or(12);
    let n: u32 = args.get(2).map(|s| s.parse().unwrap()).unwrap_or(1000);
    let (epochs, k, state) = imr_benches::measured_epoch(miners);
    let input = &epochs[k];
    let ws = imr_test_support::workspace_root();
    let path = match args.get(3) {
        Some(p) => p.into(),
        None => {
            build_guest(&ws.join("examples/time-series"), &BuildOptions::default())
                .unwrap()
                .path
        }
    };
    let engine = DeterministicEngine::new().unwrap();
    let m = Mechanism::from_bytes(&engine, &std::fs::read(path).unwrap(), None).unwrap();
    let echo_path = build_guest(
        &ws.join("host/tests/guests/hostile"),
        &BuildOptions::default(),
    )
    .unwrap()
    .path;
    let echo = Mechanism::from_bytes(&engine, &std::fs::read(echo_path).unwrap(), None).unwrap();
    let mut echo_epoch = input.epoch.clone();
    echo_epoch.params = br#"{"mode":"echo"}"#.to_vec();

    let executed = execute(&m, input, &state, None, Sdk::V11);
    let outcome = executed.outcome().unwrap().clone();
    let uids: Vec<u16> = outcome.scores.iter().map(|s| s.uid).collect();
    let scores: Vec<f64> = outcome.scores.iter().map(|s| s.score).collect();
    let params = input.chain_params().unwrap();
    let receipt = executed.receipt.clone();
    eprintln!(
        "{miners} miners, state {} bytes, receipt {} bytes of JSON",
        state.len(),
        serde_json::to_vec(&receipt).unwrap().len()
    );

    time("native", n, || {
        black_box(TimeSeries::score(&input.epoch, &state).unwrap());
    });
    time("full_epoch", n, || {
        black_box(execute(&m, input, &state, None, Sdk::V11));
    });
    time("run", n, || {
        black_box(m.run(&input.epoch, &state));
    });
    // Every run is a fresh instance: after all those runs, one more gives the same result and fuel.
    let first = m.run(&input.epoch, &state);
    for _ in 0..3 {
        let again = m.run(&input.epoch, &state);
        assert_eq!(again.result, first.result);
        assert_eq!(again.fuel_consumed, first.fuel_consumed);
    }
    assert_eq!(first.result.as_ref().unwrap().scores, outcome.scores);
    eprintln!(
        "{:>16}: {} fuel, same result on every run",
        "checked", first.fuel_consumed
    );
    time("echo_run", n, || {
        black_box(echo.run(&echo_epoch, &state));
    });
    time("instantiate", n, || m.instantiate_only().unwrap());
    time("to_wit_epoch", n, || {
        imr_host::mechanism::convert_epoch_only(&input.epoch)
    });
    time("to_wit_owned", n, || {
        imr_host::mechanism::convert_epoch_owned_only(&input.epoch)
    });
    time("epoch_bytes", n, || {
        black_box(input.canonical_bytes());
    });
    time("chain_params", n, || {
        black_box(input.chain_params().unwrap());
    });
    time("weights", n, || {
        black_box(imr_weights::emit(&uids, &scores, &params, Sdk::V11).unwrap());
    });
    time("outcome_bytes", n, || {
        black_box(imr_host::receipt::outcome_bytes(&outcome));
    });
    let b = executed.blobs(&state);
    let outcome_blob = b.outcome.unwrap().to_vec();
    eprintln!(
        "blobs: epoch {} state_in {} state_out {} outcome {} log {} bytes",
        b.epoch.len(),
        b.state_in.len(),
        b.state_out.map_or(0, <[u8]>::len),
        outcome_blob.len(),
        b.log.len()
    );
    time("blob_hashes", n, || {
        for blob in [
            b.epoch,
            b.state_in,
            b.state_out.unwrap(),
            &outcome_blob,
            b.log,
        ] {
            black_box(imr_host::receipt::blake3_hex(blob));
        }
    });
    time("receipt_seal", n, || {
        black_box(receipt.clone().seal());
    });
}
