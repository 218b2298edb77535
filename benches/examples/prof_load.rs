//! Tight loop of cached loads, for profiling (`perf record --call-graph dwarf`):
//! `cargo build --release -p imr-benches --example prof_load` then
//! `target/release/examples/prof_load [guest dir or component.wasm] [iterations]`.
//! What `load/cached_load` measures: `Mechanism::from_bytes` with a warm artifact cache.

#![allow(missing_docs)]

use imr_host::{ArtifactCache, CacheOutcome, DeterministicEngine, Mechanism};

fn main() {
    let (bytes, n) = imr_benches::profiled_component(2_000);
    let engine = DeterministicEngine::new().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cache = ArtifactCache::new(tmp.path());
    let first = Mechanism::from_bytes(&engine, &bytes, Some(&cache)).unwrap();
    let entry = std::fs::metadata(cache.entry_path(&engine, first.id())).unwrap();
    eprintln!(
        "component {} bytes, cache entry {} bytes",
        bytes.len(),
        entry.len()
    );
    for _ in 0..20 {
        let m = Mechanism::from_bytes(&engine, &bytes, Some(&cache)).unwrap();
        assert_eq!(m.cache_outcome(), CacheOutcome::Hit);
    }
    let t = std::time::Instant::now();
    for _ in 0..n {
        Mechanism::from_bytes(&engine, std::hint::black_box(&bytes), Some(&cache)).unwrap();
    }
    eprintln!("{:.1} us/load", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
