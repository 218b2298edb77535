//! Fixtures for tests of the simulation and of what reads its output (cargo feature `testing`).
//!
//! [`NativeRunner`] is a small native "mechanism" that goes through the real weights pipeline, and
//! [`epochs`] builds a scenario for it, so that tests of imr-sim, imr-report and the CLI exercise the
//! simulation loop without building a component.

use imr_types::{Epoch, Neuron, Response};
use imr_weights::{ChainParams, Sdk};
use imr_yuma::state::U16Row;

use crate::{Runner, SimEpoch};

/// A native mechanism: each miner's score is the number of its responses the validator sees, plus
/// `(uid * (epoch + 1) + shift) % 5` (so weights change across epochs), emitted through the real
/// weights pipeline (SDK 11.x). It counts its runs per validator.
pub struct NativeRunner<'a> {
    epochs: &'a [SimEpoch],
    shift: usize,
    /// How many times each validator (by index) ran the mechanism.
    pub runs: Vec<usize>,
}

impl<'a> NativeRunner<'a> {
    /// A runner over `epochs` with scores shifted by `shift`.
    pub fn new(epochs: &'a [SimEpoch], shift: usize) -> Self {
        Self {
            epochs,
            shift,
            runs: Vec::new(),
        }
    }
}

impl Runner for NativeRunner<'_> {
    type Error = std::io::Error;
    fn run(
        &mut self,
        validator: usize,
        epoch: usize,
        view: Option<&Epoch>,
    ) -> Result<Result<U16Row, String>, Self::Error> {
        if self.runs.len() <= validator {
            self.runs.resize(validator + 1, 0);
        }
        self.runs[validator] += 1;
        let e = view.unwrap_or(&self.epochs[epoch].epoch);
        let uids: Vec<u16> = e.neurons.iter().map(|n| n.uid).collect();
        let scores: Vec<f64> = uids
            .iter()
            .map(|&u| {
                let seen = e.responses.iter().filter(|r| r.uid == u).count() as f64;
                seen + ((usize::from(u) * (epoch + 1) + self.shift) % 5) as f64
            })
            .collect();
        Ok(
            imr_weights::emit(&uids, &scores, &self.epochs[epoch].params, Sdk::V11)
                .map(|e| e.uids.into_iter().zip(e.values).collect())
                .map_err(|e| e.to_string()),
        )
    }
}

/// `count` epochs 360 blocks apart of `miners` neurons (uids 0..miners, no stake), where miner `uid`
/// answers `uid % 3 + 1` times; commit-reveal off.
pub fn epochs(count: usize, miners: u16) -> Vec<SimEpoch> {
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
            .expect("a valid chain object");
            SimEpoch {
                epoch,
                params,
                hash: format!("epoch-{k}"),
            }
        })
        .collect()
}
