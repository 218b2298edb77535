//! Tight loop of cached loads, for profiling (`perf record --call-graph dwarf`):
//! `cargo build --release -p imr-benches --example prof_load` then
//! `target/release/examples/prof_load [guest dir or component.wasm] [iterations]`.
//! What `load/cached_load` measures: `Mechanism::from_bytes` with a warm artifact cache.

#![allow(missing_docs)]

use imr_host::build::{build_guest, BuildOptions};
use imr_host::{ArtifactCache, CacheOutcome, DeterministicEngine, Mechanism};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or("examples/time-series".into());
    let n: u32 = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(2_000);
    let ws = imr_test_support::workspace_root();
    let path = if dir.ends_with(".wasm") {
        dir.clone().into()
    } else {
        build_guest(&ws.join(dir), &BuildOptions::default())
            .unwrap()
            .path
    };
    let bytes = std::fs::read(path).unwrap();
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
