//! The chain's side: the subnet parameters a submission is checked against ([`ChainParams`]),
//! a pre-flight check that lists every reason subtensor would reject it, with subtensor's own
//! error names ([`preflight`]), and the max-upscale subtensor applies before storing a row
//! ([`max_upscale`]).
//!
//! Source: spec/chain.md §1.2–1.3 and §2.1 (subtensor `14bc6f9f`, `internal_set_weights`,
//! `internal_commit_weights`, `CheckWeights`/`CheckRateLimits`). The chain stops at the first
//! failing check; [`preflight`] runs them all, in the chain's order, and reports each failure.

use crate::error::WeightsError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

fn default_netuid() -> u16 {
    1
}
fn default_one_u8() -> u8 {
    1
}
fn default_min_allowed_weights() -> u16 {
    1
}
fn default_max_weight_limit() -> u16 {
    u16::MAX
}
fn default_true() -> bool {
    true
}
fn default_rate_limit() -> u64 {
    100
}

/// A subnet's state as far as a weight submission is concerned, plus the submission's own
/// version key. Every field has a default, the chain's default where the chain has one
/// (spec/chain.md §4), so `{}` is a valid value; unknown fields are refused.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChainParams {
    /// The subnet (`netuid` 0, the root network, refuses weights). Default 1: the chain has no
    /// default subnet.
    #[serde(default = "default_netuid")]
    pub netuid: u16,
    /// The mechanism (`mecid`); 0 sends `set_weights`, others `set_mechanism_weights`.
    #[serde(default)]
    pub mecid: u8,
    /// `MechanismCountCurrent` (default 1).
    #[serde(default = "default_one_u8")]
    pub mechanism_count: u8,
    /// `SubnetworkN`, the number of neurons. `None`: unknown, taken as max uid + 1 (and the
    /// checks that need it are reported as not checked).
    #[serde(default)]
    pub n: Option<u16>,
    /// `MinAllowedWeights` (default 1, what `init_new_network` sets).
    #[serde(default = "default_min_allowed_weights")]
    pub min_allowed_weights: u16,
    /// `MaxWeightsLimit` as the raw u16 (default 65535). The chain no longer enforces it; the
    /// SDKs clip to `max_weight_limit / 65535` client-side.
    #[serde(default = "default_max_weight_limit")]
    pub max_weight_limit: u16,
    /// `WeightsVersionKey` the subnet requires (default 0: check disabled).
    #[serde(default)]
    pub weights_version_key: u64,
    /// The `version_key` this submission sends (default 0).
    #[serde(default)]
    pub version_key: u64,
    /// `CommitRevealWeightsEnabled` (the chain's default is `true`: plain `set_weights` is then
    /// refused with `CommitRevealEnabled`).
    #[serde(default = "default_true")]
    pub commit_reveal_enabled: bool,
    /// The SDK 10.x `exclude_quantile` (u16-scaled, default 0). SDK 11.x has none.
    #[serde(default)]
    pub exclude_quantile: u16,
    /// The caller's uid, if known (registration, permit and self-weight rules need it).
    #[serde(default)]
    pub caller_uid: Option<u16>,
    /// `ValidatorPermit[netuid][caller_uid]`, if known.
    #[serde(default)]
    pub caller_permit: Option<bool>,
    /// Whether the caller is the subnet owner's hotkey (exempt from the permit and stake checks).
    #[serde(default)]
    pub caller_is_owner: bool,
    /// `WeightsSetRateLimit` in blocks (default 100).
    #[serde(default = "default_rate_limit")]
    pub weights_set_rate_limit: u64,
    /// Blocks since the caller's `LastUpdate`, if known (`None` also when it was never set).
    #[serde(default)]
    pub blocks_since_last_update: Option<u64>,
    /// `StakeThreshold` (default 0).
    #[serde(default)]
    pub stake_threshold: u64,
    /// The caller's stake weight, if known.
    #[serde(default)]
    pub caller_stake: Option<u64>,
}

impl Default for ChainParams {
    fn default() -> Self {
        ChainParams {
            netuid: default_netuid(),
            mecid: 0,
            mechanism_count: 1,
            n: None,
            min_allowed_weights: default_min_allowed_weights(),
            max_weight_limit: u16::MAX,
            weights_version_key: 0,
            version_key: 0,
            commit_reveal_enabled: true,
            exclude_quantile: 0,
            caller_uid: None,
            caller_permit: None,
            caller_is_owner: false,
            weights_set_rate_limit: default_rate_limit(),
            blocks_since_last_update: None,
            stake_threshold: 0,
            caller_stake: None,
        }
    }
}

impl ChainParams {
    /// Parse from JSON text; errors name the offending field (unknown fields included).
    pub fn from_json(text: &str) -> Result<ChainParams, WeightsError> {
        serde_json::from_str(text).map_err(|e| WeightsError::ChainParams {
            problem: e.to_string(),
        })
    }

    /// The neuron count to use: `n`, or max uid + 1 when unknown.
    pub fn effective_n(&self, uids: &[u16]) -> u16 {
        self.n
            .unwrap_or_else(|| uids.iter().max().map_or(0, |&m| m.saturating_add(1)))
    }
}

/// Which call the submission goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Extrinsic {
    /// `set_weights` / `set_mechanism_weights`, weights in the clear.
    SetWeights,
    /// `commit_weights` now and `reveal_weights` later (commit-reveal v2); the reveal runs the
    /// full `set_weights` validation except the rate limit.
    CommitReveal,
}

/// One reason the chain would reject the submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// subtensor's error name (`WeightVecLengthIsLow`, `DuplicateUids`, ...).
    pub error: String,
    /// What exactly fails, with positions and values.
    pub detail: String,
}

/// The pre-flight verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// No rejection found (checks that could not run are listed in `not_checked`).
    pub ok: bool,
    /// The call checked.
    pub extrinsic: Extrinsic,
    /// Every failing check, in the chain's order.
    pub rejections: Vec<Rejection>,
    /// Checks the chain runs that these parameters do not allow to run.
    pub not_checked: Vec<String>,
}

fn reject(out: &mut Vec<Rejection>, error: &str, detail: String) {
    out.push(Rejection {
        error: error.to_string(),
        detail,
    });
}

/// Every reason subtensor would reject `(uids, values)` from the caller described by `params`,
/// for the given extrinsic, in the chain's order (spec/chain.md §1.2, §2.1).
pub fn preflight(
    params: &ChainParams,
    uids: &[u16],
    values: &[u16],
    extrinsic: Extrinsic,
) -> Verdict {
    let mut r = Vec::new();
    let mut not_checked = Vec::new();
    let n = params.n;
    let is_self_weight = uids.len() == 1 && params.caller_uid == Some(uids[0]);
    let registered = match (params.caller_uid, n) {
        (Some(uid), Some(n)) => Some(uid < n),
        _ => None,
    };

    match extrinsic {
        Extrinsic::SetWeights => {
            if params.commit_reveal_enabled {
                reject(
                    &mut r,
                    "CommitRevealEnabled",
                    format!(
                        "commit-reveal is enabled on subnet {}: weights must be committed and revealed",
                        params.netuid
                    ),
                );
            }
        }
        Extrinsic::CommitReveal => {
            if params.mecid >= params.mechanism_count {
                reject(
                    &mut r,
                    "MechanismDoesNotExist",
                    format!(
                        "mecid {} but the subnet has {} mechanism(s)",
                        params.mecid, params.mechanism_count
                    ),
                );
            }
            if !params.commit_reveal_enabled {
                reject(
                    &mut r,
                    "CommitRevealDisabled",
                    format!(
                        "commit-reveal is disabled on subnet {}: use set_weights",
                        params.netuid
                    ),
                );
            }
        }
    }
    // Stake (pre-dispatch extension, then internal step 7).
    match params.caller_stake {
        Some(stake) if !params.caller_is_owner && stake < params.stake_threshold => reject(
            &mut r,
            "NotEnoughStakeToSetWeights",
            format!(
                "stake {stake} is below the stake threshold {}",
                params.stake_threshold
            ),
        ),
        None if params.stake_threshold > 0 && !params.caller_is_owner => {
            not_checked.push("NotEnoughStakeToSetWeights: caller_stake not given".into())
        }
        _ => {}
    }
    // Rate limit: set_weights only while CR is off; commits always.
    let rate_limited = match extrinsic {
        Extrinsic::SetWeights => !params.commit_reveal_enabled,
        Extrinsic::CommitReveal => true,
    };
    let rate_error = match extrinsic {
        Extrinsic::SetWeights => "SettingWeightsTooFast",
        Extrinsic::CommitReveal => "CommittingWeightsTooFast",
    };
    if extrinsic == Extrinsic::CommitReveal {
        check_registered(&mut r, &mut not_checked, params, registered);
        check_rate(&mut r, params, rate_limited, rate_error);
    }

    // internal_set_weights (at reveal time for commit-reveal), in order.
    if params.netuid == 0 {
        reject(
            &mut r,
            "CanNotSetRootNetworkWeights",
            "netuid 0 is the root network".into(),
        );
    }
    if uids.len() != values.len() {
        reject(
            &mut r,
            "WeightVecNotEqualSize",
            format!("{} uids but {} values", uids.len(), values.len()),
        );
    }
    if extrinsic == Extrinsic::SetWeights && params.mecid >= params.mechanism_count {
        reject(
            &mut r,
            "MechanismDoesNotExist",
            format!(
                "mecid {} but the subnet has {} mechanism(s)",
                params.mecid, params.mechanism_count
            ),
        );
    }
    match n {
        Some(n) if uids.len() > usize::from(n) => reject(
            &mut r,
            "UidsLengthExceedUidsInSubNet",
            format!("{} uids but the subnet has {n} neurons", uids.len()),
        ),
        Some(_) => {}
        None => not_checked.push("UidsLengthExceedUidsInSubNet: neuron count n not given".into()),
    }
    if extrinsic == Extrinsic::SetWeights {
        check_registered(&mut r, &mut not_checked, params, registered);
    }
    if params.weights_version_key != 0 && params.version_key < params.weights_version_key {
        reject(
            &mut r,
            "IncorrectWeightVersionKey",
            format!(
                "version_key {} is below the subnet's weights version key {}",
                params.version_key, params.weights_version_key
            ),
        );
    }
    if extrinsic == Extrinsic::SetWeights {
        check_rate(&mut r, params, rate_limited, rate_error);
    }
    match (params.caller_uid, params.caller_permit) {
        _ if is_self_weight || params.caller_is_owner => {}
        (Some(_), Some(true)) => {}
        (Some(uid), Some(false)) => reject(
            &mut r,
            "NeuronNoValidatorPermit",
            format!("uid {uid} has no validator permit and this is not a self-weight"),
        ),
        _ => not_checked.push("NeuronNoValidatorPermit: caller_uid/caller_permit not given".into()),
    }
    let mut seen = BTreeSet::new();
    let dups: Vec<String> = uids
        .iter()
        .enumerate()
        .filter(|(_, u)| !seen.insert(**u))
        .map(|(i, u)| format!("uid {u} again at position {i}"))
        .collect();
    if !dups.is_empty() {
        reject(&mut r, "DuplicateUids", dups.join(", "));
    }
    if let Some(n) = n {
        let bad: Vec<String> = uids
            .iter()
            .enumerate()
            .filter(|(_, &u)| u >= n)
            .map(|(i, u)| format!("uid {u} at position {i}"))
            .collect();
        if !bad.is_empty() {
            reject(
                &mut r,
                "UidVecContainInvalidOne",
                format!("{} (the subnet has uids 0..{n})", bad.join(", ")),
            );
        }
    } else {
        not_checked.push("UidVecContainInvalidOne: neuron count n not given".into());
    }
    let effective_n = params.effective_n(uids);
    let required = usize::from(effective_n.min(params.min_allowed_weights));
    let self_exempt = is_self_weight && params.netuid != 0;
    if !self_exempt && uids.len() < required {
        reject(
            &mut r,
            "WeightVecLengthIsLow",
            format!(
                "{} weights but the subnet requires min(n={effective_n}, min_allowed_weights={}) = {required}",
                uids.len(),
                params.min_allowed_weights
            ),
        );
    }
    Verdict {
        ok: r.is_empty(),
        extrinsic,
        rejections: r,
        not_checked,
    }
}

fn check_registered(
    r: &mut Vec<Rejection>,
    not_checked: &mut Vec<String>,
    params: &ChainParams,
    registered: Option<bool>,
) {
    match registered {
        Some(true) => {}
        Some(false) => reject(
            r,
            "HotKeyNotRegisteredInSubNet",
            format!(
                "caller uid {} is not below the neuron count {}",
                params.caller_uid.unwrap_or(0),
                params.n.unwrap_or(0)
            ),
        ),
        None => not_checked.push("HotKeyNotRegisteredInSubNet: caller_uid or n not given".into()),
    }
}

fn check_rate(r: &mut Vec<Rejection>, params: &ChainParams, applies: bool, error: &str) {
    if !applies {
        return;
    }
    if let Some(since) = params.blocks_since_last_update {
        if since < params.weights_set_rate_limit {
            reject(
                r,
                error,
                format!(
                    "last update {since} blocks ago; the rate limit is {} blocks",
                    params.weights_set_rate_limit
                ),
            );
        }
    }
}

/// What `set_weights` stores for a submitted row (`vec_u16_max_upscale_to_u16`, in I32F32):
/// with `m = max(v)`: all zero stays as is; `m > 32768`: `round(v * (65535/m))`; otherwise
/// `round((v*65535)/m)`, where `/` truncates to the 32 fractional bits and `round` is to
/// nearest, ties away from zero. Order and zeros are kept.
pub fn max_upscale(values: &[u16]) -> Vec<u16> {
    let Some(&m) = values.iter().max() else {
        return Vec::new();
    };
    if m == 0 {
        return values.to_vec();
    }
    let m = i128::from(m);
    let half = 1i128 << 31;
    let round = |bits: i128| -> u16 { ((bits + half) >> 32).clamp(0, 65535) as u16 };
    if m > 32768 {
        let ratio = (65535i128 << 32) / m; // I32F32 bits of 65535/m
        values
            .iter()
            .map(|&v| round(i128::from(v) * ratio))
            .collect()
    } else {
        values
            .iter()
            .map(|&v| round(((i128::from(v) * 65535) << 32) / m))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_object_is_the_chain_defaults() {
        let p = ChainParams::from_json("{}").expect("defaults");
        assert_eq!(p, ChainParams::default());
        assert!(p.commit_reveal_enabled);
        assert_eq!(p.min_allowed_weights, 1);
    }

    #[test]
    fn unknown_field_is_named() {
        let e = ChainParams::from_json(r#"{"netuid": 3, "min_weights": 2}"#).expect_err("unknown");
        assert!(e.to_string().contains("min_weights"), "{e}");
    }
}
