//! Subnet hyperparameters read by the epoch, with the chain's defaults for a new subnet.

use serde::{Deserialize, Serialize};

use crate::consensus_mode::ConsensusMode;

/// Hyperparameters of one subnet (and the epoch's emission), named as in the vector schema's
/// `params` object. Unknown names are rejected when parsing.
///
/// Defaults are those of a newly registered subnet (spec/chain.md §4): tempo 360, kappa 32767,
/// bonds moving average 900000, bonds penalty 65535, Yuma3 on, liquid alpha off, consensus mode Auto, alpha values
/// (45875, 58982), steepness 1000, 64 validators, activity factor 13889, no stake threshold, no
/// TAO weight, no owner, commit-reveal masking off, one mechanism, 1e9 rao per epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Hyperparams {
    /// Number of UIDs; optional, and when given it must equal the length of the state vectors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u16>,
    /// The subnet's netuid; informational (the epoch does not read it), recorded with the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netuid: Option<u16>,
    /// Blocks per epoch (`Tempo`). Also the block step of the multi-epoch driver.
    pub tempo: u16,
    /// `ActivityCutoffFactorMilli`: the activity cutoff is `max(factor·tempo/1000, 1)` blocks.
    pub activity_cutoff_factor_milli: u32,
    /// Optional check value: when given it must equal the cutoff computed from the factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_cutoff_blocks: Option<u64>,
    /// `Kappa`: consensus majority, as a u16 proportion (32767 ≈ 0.5).
    pub kappa_u16: u16,
    /// `BondsPenalty` as a u16 proportion (65535 = 1: bonds follow clipped weights).
    pub bonds_penalty_u16: u16,
    /// `BondsMovingAverage` in parts per million; the EMA alpha is `1 - bma/1e6`.
    pub bonds_moving_average: u64,
    /// `Yuma3On`: Yuma3 bonds instead of classic Yuma.
    pub yuma3: bool,
    /// `LiquidAlphaOn`: per-entry alpha in the Yuma3 bond EMA.
    pub liquid_alpha: bool,
    /// `LiquidAlphaConsensusMode`: which consensus the liquid-alpha sigmoid reads (`"Current"`,
    /// `"Previous"`, or `"Auto"`, the chain's default since runtime spec 446).
    pub liquid_alpha_consensus_mode: ConsensusMode,
    /// Lower liquid-alpha bound as a u16 proportion (`AlphaValues.0`).
    pub alpha_low_u16: u16,
    /// Upper liquid-alpha bound as a u16 proportion (`AlphaValues.1`).
    pub alpha_high_u16: u16,
    /// `AlphaSigmoidSteepness` (the sigmoid uses steepness/100).
    pub alpha_sigmoid_steepness: i16,
    /// `MaxAllowedValidators`: size of the top-k stake set that gets validator permits.
    pub max_allowed_validators: u16,
    /// `StakeThreshold`: stake (rao, floored) below which a uid's stake weight is zeroed.
    pub stake_threshold: u64,
    /// `TaoWeight` as the raw u64 storage value; the weight is `tao_weight / u64::MAX`.
    pub tao_weight: u64,
    /// The subnet owner's uid, if the owner hotkey is registered (forced permit, kept self-weight,
    /// exempt from the stake threshold).
    pub owner_uid: Option<u16>,
    /// `CommitRevealWeightsEnabled`: apply the commit-reveal column mask using the input's
    /// `commit_block`.
    pub commit_reveal_enabled: bool,
    /// `MechanismCountCurrent`: the number of mechanisms (1 for [`crate::run_epoch`]; 1 to 16
    /// for [`crate::mechanisms::run_epoch_with_mechanisms`]).
    pub mechanism_count: u8,
    /// `MechanismEmissionSplit` (u16 parts of 65535 per mechanism), or `None` for an even split.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emission_split: Option<Vec<u16>>,
    /// The rao this epoch distributes (`rao_emission`).
    pub rao_emission: u64,
}

impl Default for Hyperparams {
    fn default() -> Self {
        Hyperparams {
            n: None,
            netuid: None,
            tempo: 360,
            activity_cutoff_factor_milli: 13_889,
            activity_cutoff_blocks: None,
            kappa_u16: 32_767,
            bonds_penalty_u16: 65_535,
            bonds_moving_average: 900_000,
            yuma3: true,
            liquid_alpha: false,
            liquid_alpha_consensus_mode: ConsensusMode::Auto,
            alpha_low_u16: 45_875,
            alpha_high_u16: 58_982,
            alpha_sigmoid_steepness: 1000,
            max_allowed_validators: 64,
            stake_threshold: 0,
            tao_weight: 0,
            owner_uid: None,
            commit_reveal_enabled: false,
            mechanism_count: 1,
            emission_split: None,
            rao_emission: 1_000_000_000,
        }
    }
}

impl Hyperparams {
    /// The activity cutoff in blocks: `max(floor(factor · tempo / 1000), 1)`
    /// (`get_activity_cutoff_blocks`).
    pub fn activity_cutoff(&self) -> u64 {
        (self.activity_cutoff_factor_milli as u64)
            .saturating_mul(self.tempo as u64)
            .checked_div(1000)
            .unwrap_or(0)
            .max(1)
    }
}
