//! Tight loop of fresh instances, for profiling (`perf record --call-graph dwarf`):
//! `cargo build --release -p imr-benches --example prof_instance` then
//! `target/release/examples/prof_instance [guest dir or component.wasm] [iterations]`.

#![allow(missing_docs)]

use imr_host::build::{build_guest, BuildOptions};
use imr_host::{DeterministicEngine, Mechanism};
fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or("examples/time-series".into());
    let n: u32 = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(300_000);
    let ws = imr_test_support::workspace_root();
    let path = if dir.ends_with(".wasm") {
        dir.clone().into()
    } else {
        build_guest(&ws.join(dir), &BuildOptions::default())
            .unwrap()
            .path
    };
    let engine = DeterministicEngine::new().unwrap();
    let m = Mechanism::from_bytes(&engine, &std::fs::read(path).unwrap(), None).unwrap();
    for _ in 0..1000 {
        m.instantiate_only().unwrap();
    }
    let t = std::time::Instant::now();
    for _ in 0..n {
        m.instantiate_only().unwrap();
    }
    eprintln!(
        "{:.2} us/instance",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
