//! The epoch input: file format (parsed by [`imr_guest::epoch_file`], the same
//! parser the guest SDK uses natively), canonical encoding and hash.
//!
//! The canonical encoding is SCALE (parity-scale-codec) of the epoch with every
//! JSON value already in canonical form, so reformatting a file does not change
//! its hash. Floats are encoded by their bits.

use std::path::{Path, PathBuf};

use imr_guest::{Epoch, Neuron, Response};
use parity_scale_codec::{Decode, Encode};

/// An epoch file that could not be used. Names the file and the field.
#[derive(Debug, thiserror::Error)]
pub enum EpochError {
    /// The file could not be read.
    #[error("cannot read epoch file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a valid epoch.
    #[error("invalid epoch file {path}: {field}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The field, as a path (`neurons[2].uid`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A canonical epoch blob could not be decoded.
    #[error("invalid canonical epoch encoding: {0}")]
    Canonical(String),
}

/// A parsed, validated epoch with its chain parameters and hash.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochInput {
    /// What the mechanism sees.
    pub epoch: Epoch,
    /// The optional `chain` object, as canonical JSON bytes.
    pub chain: Option<Vec<u8>>,
}

#[derive(Encode, Decode)]
struct CanonicalNeuron {
    uid: u16,
    hotkey: String,
    stake_bits: u64,
    registered_at_block: u64,
    validator_permit: bool,
}

#[derive(Encode, Decode)]
struct CanonicalResponse {
    uid: u16,
    payload: Vec<u8>,
    latency_ms: Option<u32>,
}

#[derive(Encode, Decode)]
struct CanonicalEpoch {
    format: u8,
    netuid: u16,
    block: u64,
    seed: Vec<u8>,
    neurons: Vec<CanonicalNeuron>,
    task: Vec<u8>,
    responses: Vec<CanonicalResponse>,
    params: Vec<u8>,
    chain: Option<Vec<u8>>,
}

const CANONICAL_FORMAT: u8 = 1;

impl EpochInput {
    /// Parses epoch file bytes; `path` is only used in errors.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Self, EpochError> {
        let file = imr_guest::epoch_file::parse_file(bytes).map_err(|e| EpochError::Invalid {
            path: path.to_path_buf(),
            field: e.field,
            message: e.message,
        })?;
        let chain = match file.chain {
            None => None,
            Some(v) => Some(
                imr_guest::canonical_json(&v).map_err(|e| EpochError::Invalid {
                    path: path.to_path_buf(),
                    field: "chain".into(),
                    message: e.to_string(),
                })?,
            ),
        };
        let input = Self {
            epoch: file.epoch,
            chain,
        };
        // A bad `chain` object is the input's fault: refuse it here, before any run, rather
        // than let the weights pipeline blame the mechanism for it afterwards.
        input
            .chain_params()
            .map_err(|message| EpochError::Invalid {
                path: path.to_path_buf(),
                field: "chain".into(),
                message: message.trim_start_matches("chain: ").to_string(),
            })?;
        Ok(input)
    }

    /// The chain parameters of this epoch: its `chain` object, with `netuid` and `n` filled in
    /// from the epoch when the object does not give them, and the chain's defaults for the rest.
    pub fn chain_params(&self) -> Result<imr_weights::ChainParams, String> {
        let mut value = match &self.chain {
            Some(bytes) => serde_json::from_slice::<serde_json::Value>(bytes)
                .map_err(|e| format!("chain: {e}"))?,
            None => serde_json::json!({}),
        };
        let map = value
            .as_object_mut()
            .ok_or_else(|| "chain: must be an object".to_string())?;
        map.entry("netuid").or_insert(self.epoch.netuid.into());
        if let Some(last) = self.epoch.neurons.last() {
            map.entry("n")
                .or_insert((u32::from(last.uid) + 1).min(65535).into());
        }
        serde_json::from_value(value).map_err(|e| format!("chain: {e}"))
    }

    /// The canonical encoding (SCALE): what the hash covers and the run log stores.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let e = &self.epoch;
        CanonicalEpoch {
            format: CANONICAL_FORMAT,
            netuid: e.netuid,
            block: e.block,
            seed: e.seed.clone(),
            neurons: e
                .neurons
                .iter()
                .map(|n| CanonicalNeuron {
                    uid: n.uid,
                    hotkey: n.hotkey.clone(),
                    stake_bits: n.stake.to_bits(),
                    registered_at_block: n.registered_at_block,
                    validator_permit: n.validator_permit,
                })
                .collect(),
            task: e.task.clone(),
            responses: e
                .responses
                .iter()
                .map(|r| CanonicalResponse {
                    uid: r.uid,
                    payload: r.payload.clone(),
                    latency_ms: r.latency_ms,
                })
                .collect(),
            params: e.params.clone(),
            chain: self.chain.clone(),
        }
        .encode()
    }

    /// Decodes a canonical encoding (as stored in a run log).
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Self, EpochError> {
        let c = CanonicalEpoch::decode(&mut &bytes[..])
            .map_err(|e| EpochError::Canonical(e.to_string()))?;
        if c.format != CANONICAL_FORMAT {
            return Err(EpochError::Canonical(format!(
                "unknown format {}",
                c.format
            )));
        }
        Ok(Self {
            epoch: Epoch {
                netuid: c.netuid,
                block: c.block,
                seed: c.seed,
                neurons: c
                    .neurons
                    .into_iter()
                    .map(|n| Neuron {
                        uid: n.uid,
                        hotkey: n.hotkey,
                        stake: f64::from_bits(n.stake_bits),
                        registered_at_block: n.registered_at_block,
                        validator_permit: n.validator_permit,
                    })
                    .collect(),
                task: c.task,
                responses: c
                    .responses
                    .into_iter()
                    .map(|r| Response {
                        uid: r.uid,
                        payload: r.payload,
                        latency_ms: r.latency_ms,
                    })
                    .collect(),
                params: c.params,
            },
            chain: c.chain,
        })
    }

    /// blake3 of the canonical encoding (hex).
    pub fn hash(&self) -> String {
        blake3::hash(&self.canonical_bytes()).to_hex().to_string()
    }
}

/// Reads and parses an epoch file.
pub fn load(path: &Path) -> Result<EpochInput, EpochError> {
    let bytes = std::fs::read(path).map_err(|source| EpochError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    EpochInput::parse(&bytes, path)
}
