//! Several mechanisms (sub-subnets) per subnet: subtensor's `epoch_with_mechanisms`
//! (`pallets/subtensor/src/subnets/mechanism.rs`, opentensor/subtensor @ `14bc6f9`).
//!
//! The subnet's emission is split between the mechanisms ([`split_emissions`]), each mechanism
//! runs the single-mechanism epoch ([`crate::run_epoch`]) over its own weights, bonds and
//! last-update with the shared stake, permits and registration blocks, and the per-uid terms
//! are aggregated as the chain aggregates them: U64F64 weighted sums floored after every
//! mechanism for the u16 terms and the `Emission` storage, plain sums for the returned server
//! and validator emissions, OR for `active` and the permits, and the incentive of mechanism 0
//! only (the chain's update branch never touches it; the real incentive is per mechanism).

use serde::{Deserialize, Serialize};

use crate::epoch::run_epoch;
use crate::error::YumaError;
use crate::hyperparams::Hyperparams;
use crate::state::{EpochInput, EpochOutput, U16Row};

/// Storage indices of mechanism `m` are `m · 4096 + netuid` (`GLOBAL_MAX_SUBNET_COUNT`).
pub const GLOBAL_MAX_SUBNET_COUNT: u16 = 4096;
/// The most mechanisms a subnet can have (`MAX_MECHANISM_COUNT_PER_SUBNET`).
pub const MAX_MECHANISM_COUNT: u8 = 16;

/// One mechanism's own storage: what is kept under its storage index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MechanismState {
    /// The mechanism id; when given it must equal the mechanism's position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mecid: Option<u8>,
    /// Its storage index; when given it must equal `mecid · 4096 + netuid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netuid_index: Option<u16>,
    /// The stored `Weights` rows of this mechanism.
    #[serde(default)]
    pub weights: Option<Vec<U16Row>>,
    /// The stored `Bonds` rows of this mechanism.
    #[serde(default)]
    pub bonds: Option<Vec<U16Row>>,
    /// `LastUpdate` of this mechanism (a shorter vector is padded with 0, as `get_last_update`
    /// does).
    #[serde(default)]
    pub last_update: Option<Vec<u64>>,
}

/// The chain state `epoch_with_mechanisms` reads: the shared terms and one
/// [`MechanismState`] per mechanism (the `input` of `subtensor-vectors/epoch-mechanisms/v1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MechanismsInput {
    /// The block the epoch runs in.
    pub current_block: u64,
    /// The subnet's emission of this epoch, split between the mechanisms.
    pub rao_emission: u64,
    /// Alpha stake per uid (shared).
    pub stake: Vec<u64>,
    /// Root TAO stake per uid (shared; default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tao_stake: Option<Vec<u64>>,
    /// `ValidatorPermit` before this epoch (shared by every mechanism).
    #[serde(default)]
    pub validator_permit: Option<Vec<bool>>,
    /// `BlockAtRegistration` per uid (shared).
    #[serde(default)]
    pub block_at_registration: Option<Vec<u64>>,
    /// `LastMechansimStepBlock`.
    #[serde(default)]
    pub last_mechanism_step_block: u64,
    /// Per uid, the block of its earliest unexpired commit (only with commit-reveal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_block: Option<Vec<Option<u64>>>,
    /// The netuid-level stored `Consensus` (every mechanism reads the same one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_consensus_u16: Option<Vec<u16>>,
    /// One entry per mechanism, in mechanism order.
    pub mechanisms: Vec<MechanismState>,
}

/// One mechanism's epoch: its id and storage index, and every term the single-mechanism epoch
/// computes (its `incentive_u16` and `bonds_u16` are stored under the storage index; the other
/// terms enter the aggregation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MechanismOutput {
    /// The mechanism id.
    pub mecid: u8,
    /// Its storage index.
    pub netuid_index: u16,
    /// Its epoch's terms.
    #[serde(flatten)]
    pub output: EpochOutput,
}

/// The aggregated per-uid terms (`persist_netuid_epoch_terms` and the returned emissions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aggregated {
    /// `Active`: OR over the mechanisms.
    pub active: Vec<bool>,
    /// `Emission`: weighted sum, saturating.
    pub emission: Vec<u64>,
    /// `Consensus`: weighted sum.
    pub consensus_u16: Vec<u16>,
    /// `Dividends`: weighted sum.
    pub dividends_u16: Vec<u16>,
    /// `ValidatorTrust`: weighted sum.
    pub validator_trust_u16: Vec<u16>,
    /// `StakeWeight`: weighted sum.
    pub stake_weight_u16: Vec<u16>,
    /// `ValidatorPermit`: OR over the mechanisms.
    pub new_validator_permit: Vec<bool>,
    /// Server emission returned to the coinbase: plain sum.
    pub server_emission: Vec<u64>,
    /// Validator emission returned to the coinbase: plain sum.
    pub validator_emission: Vec<u64>,
    /// Mechanism 0's weighted incentive: neither persisted nor returned by the chain.
    pub incentive_u16_not_persisted: Vec<u16>,
    /// Raw stake summed over the mechanisms (it feeds only the voting-power EMA).
    pub stake_sum: Vec<u64>,
}

/// Everything `epoch_with_mechanisms` computes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MechanismsOutput {
    /// Each mechanism's share of the emission.
    pub sub_emission: Vec<u64>,
    /// Each mechanism's aggregation weight, U64F64 raw bits as decimal strings (they can be
    /// 2^64, just over u64).
    pub sub_weight_u64f64_bits: Vec<String>,
    /// Each mechanism's epoch.
    pub mechanisms: Vec<MechanismOutput>,
    /// The aggregated terms.
    pub aggregated: Aggregated,
}

/// `split_emissions`: the subnet's `alpha` split between `count` mechanisms, by the stored
/// `MechanismEmissionSplit` (`floor(alpha · s_m / 65535)` in u128) or evenly (`alpha / count`
/// each), zero-padded or truncated to `count`, with the rounding remainder credited to
/// mechanism 0.
pub fn split_emissions(alpha: u64, count: u8, split: Option<&[u16]>) -> Vec<u64> {
    let mut parts: Vec<u64> = match split {
        Some(split) => split
            .iter()
            .map(|&s| ((alpha as u128).saturating_mul(s as u128) / u16::MAX as u128) as u64)
            .collect(),
        None => vec![alpha.checked_div(count as u64).unwrap_or(0); count as usize],
    };
    parts.resize(count as usize, 0);
    let sum = parts.iter().fold(0u64, |a, &p| a.saturating_add(p));
    if let Some(first) = parts.first_mut() {
        *first = first.saturating_add(alpha.saturating_sub(sum));
    }
    parts
}

/// The aggregation weight of a mechanism, U64F64 raw bits: `sub_emission / rao_emission`
/// (truncating), or 1 for mechanism 0 and 0 for the others when the emission is 0.
pub fn sub_weight_bits(sub_emission: u64, rao_emission: u64, mecid: u8) -> u128 {
    if rao_emission == 0 {
        return if mecid == 0 { 1u128 << 64 } else { 0 };
    }
    // U64F64 division: (sub · 2^64) · 2^64 / (rao · 2^64), truncated. sub < 2^64, so the
    // numerator fits in u128, and a share never exceeds the emission it was split from.
    ((sub_emission as u128) << 64) / rao_emission as u128
}

/// `weighted_acc`: `existing + added · weight` in U64F64 (saturating), converted back with
/// truncation, saturating at `max`.
fn weighted_acc(existing: u64, added: u64, weight_bits: u128, max: u64) -> u64 {
    let sum =
        ((existing as u128) << 64).saturating_add((added as u128).saturating_mul(weight_bits));
    ((sum >> 64) as u64).min(max)
}

fn weighted_acc_u16(existing: u16, added: u16, weight_bits: u128) -> u16 {
    weighted_acc(existing as u64, added as u64, weight_bits, u16::MAX as u64) as u16
}

/// The single-mechanism epoch input of mechanism `m`.
fn mechanism_input(input: &MechanismsInput, m: &MechanismState) -> EpochInput {
    let n = input.stake.len();
    let last_update = m.last_update.clone().map(|mut v| {
        if v.len() < n {
            v.resize(n, 0);
        }
        v
    });
    EpochInput {
        current_block: input.current_block,
        stake: input.stake.clone(),
        tao_stake: input.tao_stake.clone(),
        validator_permit: input.validator_permit.clone(),
        weights: m.weights.clone(),
        bonds: m.bonds.clone(),
        last_update,
        block_at_registration: input.block_at_registration.clone(),
        last_mechanism_step_block: input.last_mechanism_step_block,
        commit_block: input.commit_block.clone(),
        previous_consensus_u16: input.previous_consensus_u16.clone(),
    }
}

/// Checks the mechanism count, the split and each mechanism's id and storage index.
fn check_mechanisms(hp: &Hyperparams, input: &MechanismsInput) -> Result<u16, YumaError> {
    let count = hp.mechanism_count;
    let bad = |m: String| Err(YumaError::Mechanisms(m));
    if count == 0 || count > MAX_MECHANISM_COUNT {
        return bad(format!(
            "`params.mechanism_count` is {count}; it must be 1 to {MAX_MECHANISM_COUNT}"
        ));
    }
    if input.mechanisms.len() != count as usize {
        return bad(format!(
            "`input.mechanisms` has {} entries but `params.mechanism_count` is {count}",
            input.mechanisms.len()
        ));
    }
    let netuid = hp.netuid.unwrap_or(0);
    for (m, state) in input.mechanisms.iter().enumerate() {
        let index = (m as u16)
            .saturating_mul(GLOBAL_MAX_SUBNET_COUNT)
            .saturating_add(netuid);
        if state.mecid.is_some_and(|id| id as usize != m) {
            return bad(format!(
                "`input.mechanisms[{m}].mecid` is {:?}; it must be {m}",
                state.mecid
            ));
        }
        if state.netuid_index.is_some_and(|i| i != index) {
            return bad(format!(
                "`input.mechanisms[{m}].netuid_index` is {:?}; mechanism {m} of netuid {netuid} is stored under {index}",
                state.netuid_index
            ));
        }
        if let Some(lu) = &state.last_update {
            if lu.len() > input.stake.len() {
                return bad(format!(
                    "`input.mechanisms[{m}].last_update` has {} entries but `stake` has {}",
                    lu.len(),
                    input.stake.len()
                ));
            }
        }
    }
    Ok(netuid)
}

/// Runs `epoch_with_mechanisms` (see the module documentation). The hyperparameters are shared;
/// their `rao_emission` is ignored (the input's is split).
pub fn run_epoch_with_mechanisms(
    hp: &Hyperparams,
    input: &MechanismsInput,
) -> Result<MechanismsOutput, YumaError> {
    let netuid = check_mechanisms(hp, input)?;
    let count = hp.mechanism_count;
    let sub_emission = split_emissions(input.rao_emission, count, hp.emission_split.as_deref());
    let n = input.stake.len();
    let mut mechanisms = Vec::with_capacity(count as usize);
    let mut weights = Vec::with_capacity(count as usize);
    for (m, state) in input.mechanisms.iter().enumerate() {
        let mut hp_m = hp.clone();
        hp_m.mechanism_count = 1;
        hp_m.rao_emission = sub_emission[m];
        let output = run_epoch(&hp_m, &mechanism_input(input, state))
            .map_err(|e| YumaError::Mechanisms(format!("mechanism {m}: {e}")))?;
        weights.push(sub_weight_bits(
            sub_emission[m],
            input.rao_emission,
            m as u8,
        ));
        mechanisms.push(MechanismOutput {
            mecid: m as u8,
            netuid_index: (m as u16) * GLOBAL_MAX_SUBNET_COUNT + netuid,
            output,
        });
    }
    let aggregated = aggregate(&mechanisms, &weights, &input.stake, n);
    Ok(MechanismsOutput {
        sub_emission,
        sub_weight_u64f64_bits: weights.iter().map(|w| w.to_string()).collect(),
        mechanisms,
        aggregated,
    })
}

/// The chain's fold over mechanisms: mechanism 0 initialises every uid's entry, later
/// mechanisms update it.
#[allow(clippy::needless_range_loop)] // one index over a dozen parallel vectors
fn aggregate(
    mechanisms: &[MechanismOutput],
    weights: &[u128],
    stake: &[u64],
    n: usize,
) -> Aggregated {
    let mut a = Aggregated {
        active: vec![false; n],
        emission: vec![0; n],
        consensus_u16: vec![0; n],
        dividends_u16: vec![0; n],
        validator_trust_u16: vec![0; n],
        stake_weight_u16: vec![0; n],
        new_validator_permit: vec![false; n],
        server_emission: vec![0; n],
        validator_emission: vec![0; n],
        incentive_u16_not_persisted: vec![0; n],
        stake_sum: vec![0; n],
    };
    for (m, (mech, &w)) in mechanisms.iter().zip(weights).enumerate() {
        let o = &mech.output;
        for uid in 0..n {
            let acc16 = |existing: u16, added: &[u16]| {
                weighted_acc_u16(existing, added.get(uid).copied().unwrap_or(0), w)
            };
            a.dividends_u16[uid] = acc16(a.dividends_u16[uid], &o.dividends_u16);
            a.stake_weight_u16[uid] = acc16(a.stake_weight_u16[uid], &o.stake_weight_u16);
            a.consensus_u16[uid] = acc16(a.consensus_u16[uid], &o.consensus_u16);
            a.validator_trust_u16[uid] = acc16(a.validator_trust_u16[uid], &o.validator_trust_u16);
            a.emission[uid] = weighted_acc(a.emission[uid], o.emission[uid], w, u64::MAX);
            a.server_emission[uid] = a.server_emission[uid].saturating_add(o.server_emission[uid]);
            a.validator_emission[uid] =
                a.validator_emission[uid].saturating_add(o.validator_emission[uid]);
            a.active[uid] |= o.active[uid];
            a.new_validator_permit[uid] |= o.new_validator_permit[uid];
            a.stake_sum[uid] = a.stake_sum[uid].saturating_add(stake[uid]);
            if m == 0 {
                a.incentive_u16_not_persisted[uid] = acc16(0, &o.incentive_u16);
            }
        }
    }
    a
}

/// A multi-mechanism state file: hyperparameters (with `mechanism_count` and, optionally,
/// `emission_split`) and the state [`run_epoch_with_mechanisms`] reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MechanismsStateFile {
    /// Hyperparameters shared by the mechanisms.
    #[serde(default)]
    pub params: Hyperparams,
    /// The chain state.
    pub input: MechanismsInput,
}

impl MechanismsStateFile {
    /// Parses a multi-mechanism state file (errors name the JSON path).
    pub fn from_json(what: &str, text: &str) -> Result<Self, YumaError> {
        crate::error::parse_json(what, text)
    }
}

/// Whether a state file's text describes several mechanisms (its `input` has `mechanisms`).
pub fn is_mechanisms_state(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .is_some_and(|v| v["input"].get("mechanisms").is_some())
}
