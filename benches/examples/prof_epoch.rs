//! Tight loop of one time-series epoch, for profiling (`perf record --call-graph dwarf`):
//! `cargo build --release -p imr-benches --example prof_epoch` then
//! `target/release/examples/prof_epoch MODE [miners] [iterations] [component.wasm]` where MODE is `native`
//! (the mechanism compiled natively), `run` (`Mechanism::run` of the Wasm component) or `full`
//! (`runner::execute`: run, weights, receipt). `miners` is 12 (the bundled scenario, epoch 100) or a scaled
//! scenario's size (epoch 7), as in `benches/benches/runtime.rs`. Build the component first
//! (`imr build examples/time-series`) and pass it, or the example builds it in-process.

#![allow(missing_docs)]

use imr_example_time_series::TimeSeries;
use imr_guest::Mechanism as _;
use imr_host::build::{build_guest, BuildOptions};
use imr_host::runner::execute;
use imr_host::{DeterministicEngine, Mechanism};
use imr_weights::Sdk;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("native");
    let miners: u16 = args.get(2).map(|s| s.parse().unwrap()).unwrap_or(4096);
    let n: u32 = args.get(3).map(|s| s.parse().unwrap()).unwrap_or(50);
    let (epochs, k, state) = imr_benches::measured_epoch(miners);
    let input = &epochs[k];
    let m = (mode != "native").then(|| {
        let path = match args.get(4) {
            Some(p) => p.into(),
            None => {
                let ws = imr_test_support::workspace_root();
                build_guest(&ws.join("examples/time-series"), &BuildOptions::default())
                    .unwrap()
                    .path
            }
        };
        let engine = DeterministicEngine::new().unwrap();
        Mechanism::from_bytes(&engine, &std::fs::read(path).unwrap(), None).unwrap()
    });
    let once = || match (mode, &m) {
        ("native", _) => {
            std::hint::black_box(TimeSeries::score(&input.epoch, &state).unwrap());
        }
        ("run", Some(m)) => {
            std::hint::black_box(m.run(&input.epoch, &state).result.unwrap());
        }
        ("full", Some(m)) => {
            std::hint::black_box(execute(m, input, &state, None, Sdk::V11));
        }
        _ => panic!("mode: native, run or full"),
    };
    once();
    let t = std::time::Instant::now();
    for _ in 0..n {
        once();
    }
    eprintln!(
        "{mode} {miners} miners: {:.1} us/epoch (state {} bytes)",
        t.elapsed().as_secs_f64() * 1e6 / n as f64,
        state.len()
    );
}
