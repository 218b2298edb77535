//! Benchmarks live in benches/; this library holds the fixture that the runtime bench and the profiling
//! examples (`prof_epoch`, `prof_boundary`) share: the time-series scenario's epochs and the state before one.

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
