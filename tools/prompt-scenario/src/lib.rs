//! # imr-prompt-scenario
//!
//! Generates the epochs bundled with `examples/prompt-ranking` (see `examples/prompt-ranking/data/README.md`):
//! `epochs/0000.json … 0009.json`, ten epochs in the epoch file format of DESIGN.md §4, built from the
//! hand-written task set `tasks.json` (CC0), nine deterministic miner archetypes and a synthetic judge.
//!
//! Everything is a pure function of `tasks.json` and the constants in [`scenario`]; the randomness is SplitMix64
//! (the time-series tool's generator, reused from `imr-ts-scenario`), seeded from each epoch's seed.

pub mod archetypes;
pub mod scenario;

use std::fs;
use std::io;
use std::path::Path;

/// The bundled task set, as committed.
pub const TASKS_JSON: &str = include_str!("../../../examples/prompt-ranking/data/tasks.json");

/// Every generated file as (path relative to the data directory, bytes), in order.
pub fn files() -> Vec<(String, Vec<u8>)> {
    let tasks = scenario::load_tasks(TASKS_JSON);
    scenario::generate(&tasks)
        .into_iter()
        .enumerate()
        .map(|(k, e)| (format!("epochs/{k:04}.json"), e.to_text().into_bytes()))
        .collect()
}

/// Writes every generated file under `dir` (creating `dir/epochs`).
pub fn write_all(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir.join("epochs"))?;
    for (rel, bytes) in files() {
        fs::write(dir.join(rel), bytes)?;
    }
    Ok(())
}
