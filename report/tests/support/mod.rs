//! A small real simulation for the tests: imr-sim's loop with a native mechanism (the same
//! shape as imr-sim's own tests) and its output folder as `imr simulate` writes it.

use std::path::Path;

use imr_types::{Epoch, Neuron, Response};
use imr_sim::outputs::write_outputs;
use imr_sim::{simulate, Runner, SimEpoch, Simulation, Summary, Validators};
use imr_weights::{ChainParams, Sdk};
use imr_yuma::state::U16Row;
use imr_yuma::Hyperparams;

/// Scores: the responses a validator sees from a miner, plus `(uid * (epoch + 1) + shift) % 5`.
struct Native<'a> {
    epochs: &'a [SimEpoch],
    shift: usize,
}

impl Runner for Native<'_> {
    type Error = std::io::Error;
    fn run(
        &mut self,
        _validator: usize,
        epoch: usize,
        view: Option<&Epoch>,
    ) -> Result<Result<U16Row, String>, Self::Error> {
        let e = view.unwrap_or(&self.epochs[epoch].epoch);
        let uids: Vec<u16> = e.neurons.iter().map(|n| n.uid).collect();
        let scores: Vec<f64> = uids
            .iter()
            .map(|&u| {
                let seen = e.responses.iter().filter(|r| r.uid == u).count() as f64;
                seen + ((u as usize * (epoch + 1) + self.shift) % 5) as f64
            })
            .collect();
        Ok(
            imr_weights::emit(&uids, &scores, &self.epochs[epoch].params, Sdk::V11)
                .map(|e| e.uids.into_iter().zip(e.values).collect())
                .map_err(|e| e.to_string()),
        )
    }
}

fn epochs(count: usize, miners: u16) -> Vec<SimEpoch> {
    (0..count)
        .map(|k| {
            let epoch = Epoch {
                netuid: 1,
                block: 1000 + 360 * k as u64,
                seed: blake3::hash(&k.to_le_bytes()).as_bytes().to_vec(),
                neurons: (0..miners)
                    .map(|uid| Neuron {
                        uid,
                        hotkey: format!("h{uid}"),
                        stake: 0.0,
                        registered_at_block: 0,
                        validator_permit: false,
                    })
                    .collect(),
                task: b"{}".to_vec(),
                responses: (0..miners)
                    .flat_map(|uid| {
                        (0..=uid % 3).map(move |_| Response {
                            uid,
                            payload: b"{}".to_vec(),
                            latency_ms: None,
                        })
                    })
                    .collect(),
                params: b"{}".to_vec(),
            };
            let params: ChainParams = serde_json::from_value(serde_json::json!({
                "netuid": 1, "n": miners, "commit_reveal_enabled": false
            }))
            .unwrap();
            SimEpoch {
                epoch,
                params,
                hash: format!("epoch-{k}"),
            }
        })
        .collect()
}

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
    let mut runner = Native { epochs: &e, shift };
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
