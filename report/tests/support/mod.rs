//! A small real simulation for the tests: imr-sim's loop with its native test mechanism
//! (`imr_sim::testing`) and its output folder as `imr simulate` writes it.

use std::path::Path;

use imr_sim::outputs::write_outputs;
use imr_sim::testing::{epochs, NativeRunner};
use imr_sim::{simulate, Simulation, Summary, Validators};
use imr_weights::Sdk;
use imr_yuma::Hyperparams;

/// Validators with every behaviour that sets weights differently.
pub const VALIDATORS: &str = r#"{"validators": [
  {"name": "a", "stake": 4000, "behaviour": {"kind": "honest"}},
  {"name": "b", "stake": 2000, "behaviour": {"kind": "honest"}},
  {"name": "s", "stake": 1000, "behaviour": {"kind": "sampled", "fraction": 0.5}},
  {"name": "c", "stake": 1000, "behaviour": {"kind": "copier", "source": "a", "k": 1}},
  {"name": "o", "stake": 500, "behaviour": {"kind": "offline"}}]}"#;

/// Simulates `count` epochs of `miners` miners (scores shifted by `shift`).
pub fn simulation(count: usize, miners: u16, shift: usize) -> (Simulation, Summary) {
    let e = epochs(count, miners);
    let v = Validators::parse(VALIDATORS, Path::new("V.json")).unwrap();
    let mut runner = NativeRunner::new(&e, shift);
    let sim = simulate(
        &v,
        &Hyperparams::default(),
        &e,
        Sdk::V11,
        &mut runner,
        &mut |_| {},
    )
    .unwrap();
    let summary = Summary::of(&sim);
    (sim, summary)
}

/// Writes a simulation's output folder into `dir` (as `imr simulate` does) and returns `dir`.
pub fn folder(dir: &Path, count: usize, miners: u16, shift: usize) -> &Path {
    let (sim, summary) = simulation(count, miners, shift);
    std::fs::create_dir_all(dir).unwrap();
    write_outputs(
        &sim,
        &summary,
        dir,
        serde_json::json!({"mechanism": "native"}),
        serde_json::json!({}),
    )
    .unwrap();
    dir
}

/// Replaces output file `name` of the folder by `bytes` and re-seals the receipt (its output
/// hash and its own hash), as a consistent but different folder.
pub fn reseal(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
    let path = dir.join("simulation.json");
    let mut r: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    r["outputs"][name] = blake3::hash(bytes).to_hex().to_string().into();
    r.as_object_mut().unwrap().remove("hash");
    let hash = blake3::hash(&imr_types::canonical_json(&r).unwrap())
        .to_hex()
        .to_string();
    r["hash"] = hash.into();
    std::fs::write(&path, serde_json::to_vec_pretty(&r).unwrap()).unwrap();
}
