//! Tight loop of fresh instances, for profiling (`perf record --call-graph dwarf`):
//! `cargo build --release -p imr-benches --example prof_instance` then
//! `target/release/examples/prof_instance [guest dir or component.wasm] [iterations]`.

#![allow(missing_docs)]

use imr_host::{DeterministicEngine, Mechanism};

fn main() {
    let (bytes, n) = imr_benches::profiled_component(300_000);
    let engine = DeterministicEngine::new().unwrap();
    let m = Mechanism::from_bytes(&engine, &bytes, None).unwrap();
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
