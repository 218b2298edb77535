//! The `score` call's arguments lowered into the guest straight from the host's
//! own records, borrowed: no copy of any hotkey, payload, task or parameter
//! string is made before the canonical ABI copies it into the guest's memory.
//! And its result lifted with the scores read in one pass ([`OutcomeOut`]).
//!
//! The records mirror `wit/mechanism.wit`'s `epoch`, `neuron` and `response`
//! field for field (wasmtime type-checks them against the component's export on
//! every run, so a mismatch is an error, never a wrong lowering), and what the
//! guest receives is the same bytes as from the bindings' owned records (the
//! host tests compare whole runs: fuel, outcomes and receipts).

use imr_types::{Epoch, Scored};
use wasmtime::component::__internal::{CanonicalAbiInfo, InstanceType, InterfaceType, LiftContext};
use wasmtime::component::{ComponentType, Lift, Lower, WasmList};

/// The bindings' `scored` record, whose list type [`Scores`] checks and lifts as.
type WitScored = crate::bindings::imr::mechanism::types::Scored;

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

/// `imr:mechanism/types.outcome` as a run lifts it: the bindings' record, with the scores
/// lifted by [`Scores`].
#[derive(ComponentType, Lift)]
#[component(record)]
pub(crate) struct OutcomeOut {
    pub(crate) scores: Scores,
    pub(crate) state: Vec<u8>,
    pub(crate) diagnostics: Vec<u8>,
}

/// `list<scored>` read in one pass over the guest's memory. wasmtime lifts a `Vec` of
/// records element by element, each through the record's type information (4096 scores were
/// about 3% of the 4096-miner time-series run); this is the same list, checked the same way:
/// the type check is `Vec<scored>`'s, and the pointer, length, alignment and host-call fuel
/// checks are [`WasmList`]'s (the same errors, which [`crate::guest_fault`] classifies), then
/// each 16-byte element is read as the canonical ABI lays out `record { uid: u16, score: f64 }`:
/// the uid's little-endian bytes at 0, the score's at 8 (no canonicalization: wasmtime lifts an
/// `f64` from its bits).
pub(crate) struct Scores(pub(crate) Vec<Scored>);

/// The canonical ABI size of one `scored` and the offset of its `score` (`uid` is at 0).
const SCORED_SIZE: usize = 16;
const SCORE_OFFSET: usize = 8;
const _: () = assert!(<WitScored as ComponentType>::SIZE32 == SCORED_SIZE);

// SAFETY: the same lowered form, ABI and type check as `Vec<scored>` (a pointer and a length);
// only lifting is implemented.
unsafe impl ComponentType for Scores {
    type Lower = <Vec<WitScored> as ComponentType>::Lower;
    const ABI: CanonicalAbiInfo = <Vec<WitScored> as ComponentType>::ABI;

    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> wasmtime::Result<()> {
        <Vec<WitScored> as ComponentType>::typecheck(ty, types)
    }
}

// SAFETY: every pointer and length is checked by `WasmList`'s lift before memory is read.
unsafe impl Lift for Scores {
    fn linear_lift_from_flat(
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        src: &Self::Lower,
    ) -> wasmtime::Result<Self> {
        let list = <WasmList<WitScored> as Lift>::linear_lift_from_flat(cx, ty, src)?;
        let ptr = src[0].get_u32() as usize;
        Ok(Self::read(cx.memory(), ptr, list.len()))
    }

    fn linear_lift_from_memory(
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        bytes: &[u8],
    ) -> wasmtime::Result<Self> {
        let list = <WasmList<WitScored> as Lift>::linear_lift_from_memory(cx, ty, bytes)?;
        let ptr = bytes
            .first_chunk::<4>()
            .map_or(0, |p| u32::from_le_bytes(*p) as usize);
        Ok(Self::read(cx.memory(), ptr, list.len()))
    }
}

impl Scores {
    /// The `len` scores at `ptr` (checked to lie in `memory`).
    fn read(memory: &[u8], ptr: usize, len: usize) -> Self {
        let bytes = &memory[ptr..ptr + len * SCORED_SIZE];
        Self(
            bytes
                .chunks_exact(SCORED_SIZE)
                .map(|e| Scored {
                    uid: u16::from_le_bytes([e[0], e[1]]),
                    score: f64::from_le_bytes(
                        e[SCORE_OFFSET..SCORED_SIZE].try_into().unwrap_or_default(),
                    ),
                })
                .collect(),
        )
    }
}
