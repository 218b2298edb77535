//! The epoch input: file format (parsed by [`imr_types::epoch_file`], the same
//! parser the guest SDK uses natively), canonical encoding and hash.
//!
//! The canonical encoding is SCALE (parity-scale-codec) of the epoch with every
//! JSON value already in canonical form, so reformatting a file does not change
//! its hash. Floats are encoded by their bits. It is `imr_types::scale`'s: the
//! encoding lives with the records it encodes.

use std::path::{Path, PathBuf};

use imr_types::Epoch;

use crate::input_file::read_regular;
pub use crate::input_file::MAX_EPOCH_FILE_BYTES;

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

    /// The canonical encoding (SCALE): what the hash covers and the run log stores
    /// ([`imr_types::scale::encode_epoch`]).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        imr_types::scale::encode_epoch(&self.epoch, self.chain.as_deref())
    }

    /// Decodes a canonical encoding (as stored in a run log).
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Self, EpochError> {
        let (epoch, chain) = imr_types::scale::decode_epoch(bytes)
            .map_err(|e| EpochError::Canonical(e.to_string()))?;
        Ok(Self { epoch, chain })
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
