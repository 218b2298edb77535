//! The epoch input: file format (parsed by [`imr_types::epoch_file`], the same
//! parser the guest SDK uses natively), canonical encoding and hash.
//!
//! The canonical encoding is SCALE (parity-scale-codec) of the epoch with every
//! JSON value already in canonical form, so reformatting a file does not change
//! its hash. Floats are encoded by their bits.

use std::path::{Path, PathBuf};

use imr_types::{Epoch, Neuron, Response};

use crate::input_file::read_regular;
pub use crate::input_file::MAX_EPOCH_FILE_BYTES;
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
        let file = imr_types::epoch_file::parse_file(bytes).map_err(|e| EpochError::Invalid {
            path: path.to_path_buf(),
            field: e.field,
            message: e.message,
        })?;
        let chain = match file.chain {
            None => None,
            Some(v) => Some(
                imr_types::canonical_json(&v).map_err(|e| EpochError::Invalid {
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
    ///
    /// Written field by field from the borrowed epoch, with no copy of its
    /// strings and payloads: exactly the bytes of the derived encoding of the
    /// owned record that [`from_canonical_bytes`](Self::from_canonical_bytes)
    /// decodes (a test proves it).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        use parity_scale_codec::Compact;
        let e = &self.epoch;
        let payloads: usize = e.responses.iter().map(|r| r.payload.len() + 16).sum();
        let hotkeys: usize = e.neurons.iter().map(|n| n.hotkey.len() + 24).sum();
        let mut out = Vec::with_capacity(
            64 + e.task.len()
                + e.params.len()
                + payloads
                + hotkeys
                + self.chain.as_ref().map_or(0, Vec::len),
        );
        CANONICAL_FORMAT.encode_to(&mut out);
        e.netuid.encode_to(&mut out);
        e.block.encode_to(&mut out);
        e.seed.encode_to(&mut out);
        Compact(e.neurons.len() as u32).encode_to(&mut out);
        for n in &e.neurons {
            n.uid.encode_to(&mut out);
            n.hotkey.encode_to(&mut out);
            n.stake.to_bits().encode_to(&mut out);
            n.registered_at_block.encode_to(&mut out);
            n.validator_permit.encode_to(&mut out);
        }
        e.task.encode_to(&mut out);
        Compact(e.responses.len() as u32).encode_to(&mut out);
        for r in &e.responses {
            r.uid.encode_to(&mut out);
            r.payload.encode_to(&mut out);
            r.latency_ms.encode_to(&mut out);
        }
        e.params.encode_to(&mut out);
        self.chain.encode_to(&mut out);
        out
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

/// Reads and parses an epoch file: a regular file (a FIFO or a directory is
/// refused at once) of at most [`MAX_EPOCH_FILE_BYTES`].
pub fn load(path: &Path) -> Result<EpochInput, EpochError> {
    let bytes = read_regular(path, MAX_EPOCH_FILE_BYTES).map_err(|source| EpochError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    EpochInput::parse(&bytes, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The owned record's derived encoding: what `canonical_bytes` must equal.
    fn derived(input: &EpochInput) -> Vec<u8> {
        let e = &input.epoch;
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
            chain: input.chain.clone(),
        }
        .encode()
    }

    fn input(neurons: u16, responses: u16, chain: bool) -> EpochInput {
        let neuron = |uid: u16| {
            format!(
                r#"{{"uid":{uid},"hotkey":"5F{uid:0>46}","stake":{},"registered_at_block":{},"validator_permit":{}}}"#,
                f64::from(uid) * 1.5,
                u64::from(uid) * 1_000_003,
                uid.is_multiple_of(3)
            )
        };
        let response = |i: u16| {
            let uid = i % neurons.max(1);
            if i.is_multiple_of(2) {
                format!(
                    r#"{{"uid":{uid},"payload":{{"b":[{i},1.25],"a":"x{i}"}},"latency_ms":{i}}}"#
                )
            } else {
                format!(r#"{{"uid":{uid},"payload":null}}"#)
            }
        };
        let text = format!(
            r#"{{"netuid":7,"block":123456789,"seed":"{}","neurons":[{}],"task":{{"z":1,"q":[1,2]}},"responses":[{}],"params":{{"k":0.5}}{}}}"#,
            "ab".repeat(32),
            (0..neurons).map(neuron).collect::<Vec<_>>().join(","),
            (0..if neurons == 0 { 0 } else { responses })
                .map(response)
                .collect::<Vec<_>>()
                .join(","),
            if chain {
                r#","chain":{"min_allowed_weights":1}"#
            } else {
                ""
            }
        );
        EpochInput::parse(text.as_bytes(), Path::new("t.json")).unwrap()
    }

    #[test]
    fn canonical_bytes_equal_the_derived_encoding_and_round_trip() {
        // Sizes on both sides of SCALE's compact-length boundaries (64, 16384).
        for (n, r, chain) in [
            (0, 0, false),
            (1, 1, true),
            (63, 64, false),
            (64, 200, true),
            (300, 70, false),
        ] {
            let i = input(n, r, chain);
            let bytes = i.canonical_bytes();
            assert_eq!(bytes, derived(&i), "{n} neurons, {r} responses");
            assert_eq!(EpochInput::from_canonical_bytes(&bytes).unwrap(), i);
        }
        let mut big = input(2, 2, false);
        big.epoch.task = vec![b'7'; 20_000];
        assert_eq!(big.canonical_bytes(), derived(&big));
    }
}
