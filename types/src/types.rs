//! Plain Rust mirrors of the WIT contract's records.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::json::{decode_json, encode_canonical};
use crate::Rng;

/// One registered neuron of the subnet.
///
/// Also the epoch file's neuron entry ([`crate::epoch_file`]): the same fields, in this order; `stake` (0) and
/// `validator_permit` (false) may be left out, other fields are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Neuron {
    /// The neuron's uid.
    pub uid: u16,
    /// Its hotkey (an ss58 address on chain).
    pub hotkey: String,
    /// Stake in TAO (informational).
    #[serde(default)]
    pub stake: f64,
    /// The block at which the current hotkey registered at this uid.
    pub registered_at_block: u64,
    /// Whether the neuron holds a validator permit.
    #[serde(default)]
    pub validator_permit: bool,
}

/// A miner's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The answering uid.
    pub uid: u16,
    /// Canonical JSON bytes, in the subnet's own format.
    pub payload: Vec<u8>,
    /// How long the miner took, when known.
    pub latency_ms: Option<u32>,
}

impl Response {
    /// Decodes the payload into `T`; the error names the uid and the field.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, MechanismError> {
        decode_json(
            &self.payload,
            &format!("responses[uid {}].payload", self.uid),
        )
    }
}

/// Everything a mechanism may read in one epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Epoch {
    /// The subnet.
    pub netuid: u16,
    /// The block the epoch is evaluated at.
    pub block: u64,
    /// 32 bytes: the only randomness a mechanism may use (see [`Epoch::rng`]).
    pub seed: Vec<u8>,
    /// The metagraph, ascending by uid.
    pub neurons: Vec<Neuron>,
    /// Subnet-defined task data, canonical JSON bytes.
    pub task: Vec<u8>,
    /// Miner answers, ascending by uid (file order within a uid).
    pub responses: Vec<Response>,
    /// Subnet-defined parameters, canonical JSON bytes.
    pub params: Vec<u8>,
}

impl Epoch {
    /// Decodes the task into `T`; the error names the field (`task.open_requests[0].base_price: ...`).
    pub fn task<T: DeserializeOwned>(&self) -> Result<T, MechanismError> {
        decode_json(&self.task, "task")
    }

    /// Decodes the parameters into `T`; absent (`null` or empty) parameters give `T::default()`.
    pub fn params<T: DeserializeOwned + Default>(&self) -> Result<T, MechanismError> {
        if self.params.is_empty() || self.params == b"null" {
            return Ok(T::default());
        }
        decode_json(&self.params, "params")
    }

    /// The neuron at `uid`, if registered.
    pub fn neuron(&self, uid: u16) -> Option<&Neuron> {
        self.neurons
            .binary_search_by_key(&uid, |n| n.uid)
            .ok()
            .map(|i| &self.neurons[i])
    }

    /// A deterministic generator seeded from the epoch seed.
    pub fn rng(&self) -> Rng {
        Rng::from_seed(&self.seed)
    }
}

/// A score for one uid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// The uid.
    pub uid: u16,
    /// Relative score: finite and >= 0.
    pub score: f64,
}

/// What a mechanism returns for one epoch.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// Relative, finite, >= 0 scores; uids not listed score 0.
    pub scores: Vec<Scored>,
    /// Handed back unchanged as `state` in the next epoch.
    pub state: Vec<u8>,
    /// For people: shown by the CLI and hashed into the receipt.
    pub diagnostics: Vec<u8>,
}

impl Outcome {
    /// An outcome with these scores, sorted by uid, and empty state and diagnostics.
    pub fn new(scores: impl IntoIterator<Item = (u16, f64)>) -> Self {
        let mut scores: Vec<Scored> = scores
            .into_iter()
            .map(|(uid, score)| Scored { uid, score })
            .collect();
        scores.sort_by_key(|s| s.uid);
        Self {
            scores,
            state: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Sets the state to the canonical JSON encoding of `state` (see [`Outcome::with_typed_state`] for the binary
    /// format).
    pub fn with_state<S: Serialize>(mut self, state: &S) -> Result<Self, MechanismError> {
        self.state = encode_canonical(state, "state")?;
        Ok(self)
    }

    /// Sets the state to `state` in its type's encoding ([`crate::state::save`]: the binary state format unless
    /// the type chose canonical JSON).
    pub fn with_typed_state<S: crate::state::MechanismState>(
        mut self,
        state: &S,
    ) -> Result<Self, MechanismError> {
        self.state = crate::state::save(state)?;
        Ok(self)
    }

    /// Sets the diagnostics to the canonical JSON encoding of `diagnostics`.
    pub fn with_diagnostics<D: Serialize>(
        mut self,
        diagnostics: &D,
    ) -> Result<Self, MechanismError> {
        self.diagnostics = encode_canonical(diagnostics, "diagnostics")?;
        Ok(self)
    }

    /// The scores as a map (convenient in tests).
    pub fn score_map(&self) -> BTreeMap<u16, f64> {
        self.scores.iter().map(|s| (s.uid, s.score)).collect()
    }
}

/// Why a mechanism produced no outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MechanismError {
    /// The epoch, the state or the params could not be used; the message names the field.
    InvalidInput(String),
    /// The mechanism could not score this epoch.
    Failed(String),
}

impl fmt::Display for MechanismError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidInput(m) => write!(f, "invalid input: {m}"),
            Self::Failed(m) => write!(f, "failed: {m}"),
        }
    }
}

impl std::error::Error for MechanismError {}

/// A helper's error inside a mechanism (`?` on an `imr_guest::helpers` call) is a failure of the mechanism.
#[cfg(feature = "helpers")]
impl From<imr_helpers::HelperError> for MechanismError {
    fn from(e: imr_helpers::HelperError) -> Self {
        Self::Failed(e.to_string())
    }
}
