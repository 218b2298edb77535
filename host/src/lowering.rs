//! The `score` call's arguments lowered into the guest straight from the host's
//! own records, borrowed: no copy of any hotkey, payload, task or parameter
//! string is made before the canonical ABI copies it into the guest's memory.
//!
//! The records mirror `wit/mechanism.wit`'s `epoch`, `neuron` and `response`
//! field for field (wasmtime type-checks them against the component's export on
//! every run, so a mismatch is an error, never a wrong lowering), and what the
//! guest receives is the same bytes as from the bindings' owned records (the
//! host tests compare whole runs: fuel, outcomes and receipts).

use imr_types::Epoch;
use wasmtime::component::{ComponentType, Lower};

/// `imr:mechanism/types.epoch`, borrowed.
#[derive(ComponentType, Lower)]
#[component(record)]
pub(crate) struct EpochRef<'a> {
    netuid: u16,
    block: u64,
    seed: &'a [u8],
    neurons: Vec<NeuronRef<'a>>,
    task: &'a [u8],
    responses: Vec<ResponseRef<'a>>,
    params: &'a [u8],
}

/// `imr:mechanism/types.neuron`, borrowed.
#[derive(ComponentType, Lower)]
#[component(record)]
pub(crate) struct NeuronRef<'a> {
    uid: u16,
    hotkey: &'a str,
    stake: f64,
    #[component(name = "registered-at-block")]
    registered_at_block: u64,
    #[component(name = "validator-permit")]
    validator_permit: bool,
}

/// `imr:mechanism/types.response`, borrowed.
#[derive(ComponentType, Lower)]
#[component(record)]
pub(crate) struct ResponseRef<'a> {
    uid: u16,
    payload: &'a [u8],
    #[component(name = "latency-ms")]
    latency_ms: Option<u32>,
}

impl<'a> EpochRef<'a> {
    /// The epoch's records, borrowed (two vectors of references; nothing else is allocated).
    pub(crate) fn new(e: &'a Epoch) -> Self {
        Self {
            netuid: e.netuid,
            block: e.block,
            seed: &e.seed,
            neurons: e
                .neurons
                .iter()
                .map(|n| NeuronRef {
                    uid: n.uid,
                    hotkey: &n.hotkey,
                    stake: n.stake,
                    registered_at_block: n.registered_at_block,
                    validator_permit: n.validator_permit,
                })
                .collect(),
            task: &e.task,
            responses: e
                .responses
                .iter()
                .map(|r| ResponseRef {
                    uid: r.uid,
                    payload: &r.payload,
                    latency_ms: r.latency_ms,
                })
                .collect(),
            params: &e.params,
        }
    }
}
