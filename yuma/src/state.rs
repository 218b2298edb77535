//! State in (the chain state one epoch reads) and state out (everything it writes).

use serde::{Deserialize, Serialize};

use crate::error::{parse_json, YumaError};
use crate::hyperparams::Hyperparams;

/// A stored row: `[dest_uid, value]` pairs in stored order.
pub type U16Row = Vec<(u16, u16)>;

/// The chain state an epoch reads: the `input` object of the vector schema
/// (`subtensor-vectors/epoch-sequence/v1`), plus two optional extensions.
///
/// Every per-uid vector has one entry per uid; `stake` defines n. Optional fields default to
/// all-false / empty rows / zeros when absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochInput {
    /// The block the epoch runs in.
    pub current_block: u64,
    /// Alpha stake per uid in rao (raw u64, normalized inside the epoch).
    pub stake: Vec<u64>,
    /// Extension: root TAO stake per uid, weighted by `tao_weight` (default all 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tao_stake: Option<Vec<u64>>,
    /// `ValidatorPermit` written by the previous epoch (used for masking now).
    #[serde(default)]
    pub validator_permit: Option<Vec<bool>>,
    /// The stored `Weights` rows (already max-upscaled u16), in stored order.
    #[serde(default)]
    pub weights: Option<Vec<U16Row>>,
    /// The stored `Bonds` rows.
    #[serde(default)]
    pub bonds: Option<Vec<U16Row>>,
    /// `LastUpdate` per uid.
    #[serde(default)]
    pub last_update: Option<Vec<u64>>,
    /// `BlockAtRegistration` per uid.
    #[serde(default)]
    pub block_at_registration: Option<Vec<u64>>,
    /// `LastMechansimStepBlock` (0 = never, then the bond mask uses `current_block - tempo`).
    #[serde(default)]
    pub last_mechanism_step_block: u64,
    /// The `Consensus` stored by the previous epoch (u16 parts), read by liquid alpha in the
    /// `Previous` and `Auto` consensus modes; absent or `[]` means nothing is stored (the current
    /// consensus is used). Any length: it is zero-padded or truncated to n.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_consensus_u16: Option<Vec<u16>>,
    /// Extension: per uid, the block of its earliest unexpired commit (`null` = none); used only
    /// when `commit_reveal_enabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_block: Option<Vec<Option<u64>>>,
}

/// Everything one epoch writes: the `derived` object of the vector schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochOutput {
    /// `Consensus`, u16 proportions.
    pub consensus_u16: Vec<u16>,
    /// `Incentive`, u16 proportions.
    pub incentive_u16: Vec<u16>,
    /// `Dividends`, u16 proportions.
    pub dividends_u16: Vec<u16>,
    /// `ValidatorTrust`, u16 proportions.
    pub validator_trust_u16: Vec<u16>,
    /// `StakeWeight`, u16 proportions.
    pub stake_weight_u16: Vec<u16>,
    /// `Emission`: the combined emission per uid in rao.
    pub emission: Vec<u64>,
    /// Server (miner incentive) emission per uid in rao.
    pub server_emission: Vec<u64>,
    /// Validator (dividend) emission per uid in rao.
    pub validator_emission: Vec<u64>,
    /// `ValidatorPermit` written (used by the next epoch).
    pub new_validator_permit: Vec<bool>,
    /// `Active`.
    pub active: Vec<bool>,
    /// The `Bonds` rows written.
    pub bonds_u16: Vec<U16Row>,
}

/// A state file: hyperparameters plus the epoch input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    /// Hyperparameters (missing names take the defaults of [`Hyperparams`]).
    #[serde(default)]
    pub params: Hyperparams,
    /// The chain state the first epoch reads.
    pub input: EpochInput,
}

impl StateFile {
    /// Parse a state file and validate it strictly (see [`EpochInput::validate_strict`]).
    pub fn from_json(what: &str, text: &str) -> Result<StateFile, YumaError> {
        let s: StateFile = parse_json(what, text)?;
        s.input.validate_strict(&s.params)?;
        Ok(s)
    }
}

fn check_len(field: &str, len: usize, n: usize) -> Result<(), YumaError> {
    if len != n {
        return Err(YumaError::LengthMismatch {
            field: field.to_string(),
            len,
            n,
        });
    }
    Ok(())
}

fn check_rows(field: &str, rows: &[U16Row], n: usize) -> Result<(), YumaError> {
    for (row, entries) in rows.iter().enumerate() {
        for (pos, &(uid, _)) in entries.iter().enumerate() {
            if uid as usize >= n {
                return Err(YumaError::UidOutOfRange {
                    field: field.to_string(),
                    row,
                    pos,
                    uid,
                    n,
                });
            }
        }
    }
    Ok(())
}

impl EpochInput {
    /// The number of uids (the length of `stake`).
    pub fn n(&self) -> usize {
        self.stake.len()
    }

    /// Check shapes: every per-uid vector has n entries, n fits in u16, and the hyperparameters
    /// agree with the state. Stored rows may still name uids >= n; the epoch drops those as the
    /// chain does.
    pub fn validate(&self, hp: &Hyperparams) -> Result<(), YumaError> {
        let n = self.n();
        if n > u16::MAX as usize {
            return Err(YumaError::TooManyUids(n));
        }
        if let Some(d) = hp.n {
            if d as usize != n {
                return Err(YumaError::NMismatch {
                    declared: d,
                    actual: n,
                });
            }
        }
        if let Some(v) = &self.tao_stake {
            check_len("tao_stake", v.len(), n)?;
        }
        if let Some(v) = &self.validator_permit {
            check_len("validator_permit", v.len(), n)?;
        }
        if let Some(v) = &self.weights {
            check_len("weights", v.len(), n)?;
        }
        if let Some(v) = &self.bonds {
            check_len("bonds", v.len(), n)?;
        }
        if let Some(v) = &self.last_update {
            check_len("last_update", v.len(), n)?;
        }
        if let Some(v) = &self.block_at_registration {
            check_len("block_at_registration", v.len(), n)?;
        }
        if let Some(v) = &self.commit_block {
            check_len("commit_block", v.len(), n)?;
        }
        if let Some(declared) = hp.activity_cutoff_blocks {
            let computed = hp.activity_cutoff();
            if declared != computed {
                return Err(YumaError::CutoffMismatch { declared, computed });
            }
        }
        if let Some(uid) = hp.owner_uid {
            if uid as usize >= n {
                return Err(YumaError::OwnerOutOfRange { uid, n });
            }
        }
        if hp.mechanism_count != 1 {
            return Err(YumaError::UnsupportedMechanismCount(hp.mechanism_count));
        }
        if hp.commit_reveal_enabled && self.commit_block.is_none() {
            return Err(YumaError::MissingCommitBlocks);
        }
        Ok(())
    }

    /// [`validate`](Self::validate), and also reject weight or bond entries naming a uid >= n
    /// (a state file should describe a consistent chain state).
    pub fn validate_strict(&self, hp: &Hyperparams) -> Result<(), YumaError> {
        self.validate(hp)?;
        let n = self.n();
        if let Some(w) = &self.weights {
            check_rows("weights", w, n)?;
        }
        if let Some(b) = &self.bonds {
            check_rows("bonds", b, n)?;
        }
        Ok(())
    }
}
