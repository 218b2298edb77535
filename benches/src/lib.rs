//! Benchmarks live in benches/; this library holds the fixture that the runtime bench and the profiling
//! examples (`prof_epoch`, `prof_boundary`, `prof_instance`, `prof_load`) share: the time-series scenario's
//! epochs and the state before one, and the component a profiling loop runs.

use std::path::Path;

use imr_example_time_series::TimeSeries;
use imr_guest::Mechanism as _;
use imr_host::epoch::EpochInput;

/// The time-series scenario's epochs, parsed like the host parses them: the bundled 12-miner scenario
/// (`None`) or the scaled one with `miners` miners beside the owner (`Some`).
pub fn scenario(miners: Option<u16>) -> Vec<EpochInput> {
    let days = imr_ts_scenario::series::generate();
    let files = match miners {
        None => imr_ts_scenario::scenario::generate(&days),
        Some(m) => imr_ts_scenario::scenario::scaled(&days, m, 8),
    };
    files
        .iter()
        .map(|f| EpochInput::parse(f.to_text().as_bytes(), Path::new("bench.json")).unwrap())
        .collect()
}

/// The state before epoch `k`, by running the native mechanism over the earlier epochs.
pub fn state_before(epochs: &[EpochInput], k: usize) -> Vec<u8> {
    let mut state = Vec::new();
    for input in &epochs[..k] {
        state = TimeSeries::score(&input.epoch, &state).unwrap().state;
    }
    state
}

/// The epoch the benches measure at `miners` miners (12: the bundled scenario's epoch 100; otherwise the scaled
/// scenario's epoch 7), with the scenario's epochs, its index and the state before it.
pub fn measured_epoch(miners: u16) -> (Vec<EpochInput>, usize, Vec<u8>) {
    let (epochs, k) = if miners == 12 {
        (scenario(None), 100)
    } else {
        (scenario(Some(miners - 1)), 7)
    };
    let state = state_before(&epochs, k);
    (epochs, k, state)
}

/// The component bytes and iteration count of a profiling example's command line,
/// `[guest dir or component.wasm] [iterations]`: a guest directory (relative to the workspace) is
/// built first; by default the time-series example and `default_iterations`.
pub fn profiled_component(default_iterations: u32) -> (Vec<u8>, u32) {
    use imr_host::build::{build_guest, BuildOptions};
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "examples/time-series".into());
    let iterations = args.next().map_or(default_iterations, |s| {
        s.parse()
            .unwrap_or_else(|_| panic!("iterations: not a number: {s}"))
    });
    let path = if dir.ends_with(".wasm") {
        dir.into()
    } else {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        build_guest(&workspace.join(&dir), &BuildOptions::default())
            .unwrap_or_else(|e| panic!("building {dir}: {e}"))
            .path
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (bytes, iterations)
}
