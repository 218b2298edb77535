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
fn default_commit_reveal_version() -> u16 {
    4
}

/// The plaintext weights extrinsic (`SubtensorModule`, spec/chain.md §1.1).
///
/// Both SDK generations send `set_mechanism_weights` (call index 119), also for `mecid = 0`
/// (bittensor 10.x `set_weights_extrinsic`, 11.x `SetWeights.build`); that is the default.
/// `set_weights` (call index 0, no `mecid`) is the older call, kept on request. Both reach the
/// same `internal_set_weights` on the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WeightsCall {
    /// `set_mechanism_weights(netuid, mecid, dests, weights, version_key)`, call index 119.
    #[default]
    SetMechanismWeights,
    /// `set_weights(netuid, dests, weights, version_key)`, call index 0 (mecid 0 only).
    SetWeights,
}

impl WeightsCall {
    /// The call's name in the runtime metadata.
    pub fn name(self) -> &'static str {
        match self {
            WeightsCall::SetMechanismWeights => "set_mechanism_weights",
            WeightsCall::SetWeights => "set_weights",
        }
    }

    /// The call index within `SubtensorModule` (`#[pallet::call_index]`).
    pub fn call_index(self) -> u8 {
        match self {
            WeightsCall::SetMechanismWeights => 119,
            WeightsCall::SetWeights => 0,
        }
    }
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
    /// The mechanism (`mecid`, default 0).
    #[serde(default)]
    pub mecid: u8,
    /// The plaintext call to encode (default `set_mechanism_weights`, what both SDKs send;
    /// `set_weights` only for `mecid` 0).
    #[serde(default)]
    pub weights_call: WeightsCall,
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
    /// The `version_key` this submission sends (default 0, what bittensor 11.x sends unless told
    /// otherwise; bittensor 10.x sends its `version_as_int`, [`SDK10_VERSION_AS_INT`] for
    /// 10.5.0, so give that value to reproduce a 10.x validator exactly).
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
    /// `CommitRevealWeightsVersion` (default 4): a timelocked commit must carry this version.
    #[serde(default = "default_commit_reveal_version")]
    pub commit_reveal_version: u16,
    /// `MaxAllowedUids` of the subnet, if known (with `mechanism_count` it must satisfy
    /// `max_allowed_uids × mechanism_count ≤ 256`).
    #[serde(default)]
    pub max_allowed_uids: Option<u16>,
    /// The caller's unrevealed timelocked commits in the current epoch bucket, if known (the
    /// chain keeps at most 10).
    #[serde(default)]
    pub unrevealed_commits: Option<u32>,
    /// `pallet_drand::LastStoredRound`, if known (a commit's `reveal_round` must not be below).
    #[serde(default)]
    pub last_stored_round: Option<u64>,
    /// The epoch schedule and clock a timelocked commit's reveal round is computed from (all
    /// explicit: imr reads no clock). Needed only for `commit_timelocked_mechanism_weights`.
    #[serde(default)]
    pub schedule: Option<crate::reveal_round::CommitSchedule>,
    /// The validator's hotkey (ss58 address or 32-byte hex public key; public, not a secret):
    /// a timelocked commit's payload carries it and the chain checks it against the signer.
    #[serde(default)]
    pub hotkey: Option<String>,
}

/// `bittensor.core.settings.version_as_int` of bittensor 10.5.0: `10*1000^2 + 5*1000 + 0`, the
/// `version_key` 10.x sends by default (bittensor 11.x sends 0).
pub const SDK10_VERSION_AS_INT: u64 = 10_005_000;

impl Default for ChainParams {
    fn default() -> Self {
        ChainParams {
            netuid: default_netuid(),
            mecid: 0,
            weights_call: WeightsCall::default(),
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
            commit_reveal_version: default_commit_reveal_version(),
            max_allowed_uids: None,
            unrevealed_commits: None,
            last_stored_round: None,
            schedule: None,
            hotkey: None,
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
    /// `commit_timelocked_mechanism_weights` (commit-reveal v4): a drand-timelocked commit the
    /// chain decrypts and applies itself with the full `set_mechanism_weights` validation.
    TimelockedCommit,
}

/// `MAX_CRV3_COMMIT_SIZE_BYTES`: the `commit` argument is a `BoundedVec<u8, 5000>`; a longer
/// one does not decode, so the chain refuses the extrinsic.
pub const MAX_COMMIT_SIZE_BYTES: usize = 5000;

/// The most unrevealed timelocked commits a hotkey may hold per epoch bucket.
pub const MAX_UNREVEALED_COMMITS: u32 = 10;

/// `MaxAllowedUids × MechanismCount` may not exceed this (`TooManyUIDsPerMechanism`).
pub const MAX_UIDS_ACROSS_MECHANISMS: u32 = 256;

/// One reason the chain would reject the submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// subtensor's error name (`WeightVecLengthIsLow`, `DuplicateUids`, ...).
    pub error: String,
    /// What exactly fails, with positions and values.
    pub detail: String,
}

/// The pre-flight verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    let is_self_weight = uids.len() == 1 && params.caller_uid == Some(uids[0]);
    let registered = match (params.caller_uid, params.n) {
        (Some(uid), Some(n)) => Some(uid < n),
        _ => None,
    };
    check_extrinsic(&mut r, &mut not_checked, params, extrinsic);
    check_stake(&mut r, &mut not_checked, params);
    // Rate limit: set_weights only while CR is off; commits always.
    let rate_limited = match extrinsic {
        Extrinsic::SetWeights => !params.commit_reveal_enabled,
        Extrinsic::CommitReveal | Extrinsic::TimelockedCommit => true,
    };
    let rate_error = match extrinsic {
        Extrinsic::SetWeights => "SettingWeightsTooFast",
        Extrinsic::CommitReveal | Extrinsic::TimelockedCommit => "CommittingWeightsTooFast",
    };
    if extrinsic != Extrinsic::SetWeights {
        check_registered(&mut r, &mut not_checked, params, registered);
        check_rate(&mut r, params, rate_limited, rate_error);
    }

    // internal_set_weights (at reveal time for commit-reveal), in order.
    check_sizes(&mut r, &mut not_checked, params, uids, values, extrinsic);
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
    check_uid_list(&mut r, &mut not_checked, params, uids, is_self_weight);
    Verdict {
        ok: r.is_empty(),
        extrinsic,
        rejections: r,
        not_checked,
    }
}

/// What only this extrinsic checks first: commit-reveal on or off, the mechanism of a commit,
/// a timelocked commit's parameters.
fn check_extrinsic(
    r: &mut Vec<Rejection>,
    not_checked: &mut Vec<String>,
    params: &ChainParams,
    extrinsic: Extrinsic,
) {
    match extrinsic {
        Extrinsic::SetWeights => {
            if params.commit_reveal_enabled {
                reject(
                    r,
                    "CommitRevealEnabled",
                    format!(
                        "commit-reveal is enabled on subnet {}: weights must be committed and revealed",
                        params.netuid
                    ),
                );
            }
        }
        Extrinsic::CommitReveal | Extrinsic::TimelockedCommit => {
            if params.mecid >= params.mechanism_count {
                reject(
                    r,
                    "MechanismDoesNotExist",
                    format!(
                        "mecid {} but the subnet has {} mechanism(s)",
                        params.mecid, params.mechanism_count
                    ),
                );
            }
            if !params.commit_reveal_enabled {
                reject(
                    r,
                    "CommitRevealDisabled",
                    format!(
                        "commit-reveal is disabled on subnet {}: use set_mechanism_weights",
                        params.netuid
                    ),
                );
            }
            if extrinsic == Extrinsic::TimelockedCommit {
                check_timelock_parameters(r, not_checked, params);
            }
        }
    }
}

/// The caller's stake against the subnet's threshold (pre-dispatch extension, then internal step 7).
fn check_stake(r: &mut Vec<Rejection>, not_checked: &mut Vec<String>, params: &ChainParams) {
    match params.caller_stake {
        Some(stake) if !params.caller_is_owner && stake < params.stake_threshold => reject(
            r,
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
}

/// The root network, the vectors' sizes, the mechanism (set_weights) and the uid count.
fn check_sizes(
    r: &mut Vec<Rejection>,
    not_checked: &mut Vec<String>,
    params: &ChainParams,
    uids: &[u16],
    values: &[u16],
    extrinsic: Extrinsic,
) {
    if params.netuid == 0 {
        reject(
            r,
            "CanNotSetRootNetworkWeights",
            "netuid 0 is the root network".into(),
        );
    }
    if uids.len() != values.len() {
        reject(
            r,
            "WeightVecNotEqualSize",
            format!("{} uids but {} values", uids.len(), values.len()),
        );
    }
    if extrinsic == Extrinsic::SetWeights && params.mecid >= params.mechanism_count {
        reject(
            r,
            "MechanismDoesNotExist",
            format!(
                "mecid {} but the subnet has {} mechanism(s)",
                params.mecid, params.mechanism_count
            ),
        );
    }
    match params.n {
        Some(n) if uids.len() > usize::from(n) => reject(
            r,
            "UidsLengthExceedUidsInSubNet",
            format!("{} uids but the subnet has {n} neurons", uids.len()),
        ),
        Some(_) => {}
        None => not_checked.push("UidsLengthExceedUidsInSubNet: neuron count n not given".into()),
    }
}

/// Duplicate uids, uids outside the subnet, and too few weights (self-weights exempt).
fn check_uid_list(
    r: &mut Vec<Rejection>,
    not_checked: &mut Vec<String>,
    params: &ChainParams,
    uids: &[u16],
    is_self_weight: bool,
) {
    let mut seen = BTreeSet::new();
    let dups: Vec<String> = uids
        .iter()
        .enumerate()
        .filter(|(_, u)| !seen.insert(**u))
        .map(|(i, u)| format!("uid {u} again at position {i}"))
        .collect();
    if !dups.is_empty() {
        reject(r, "DuplicateUids", dups.join(", "));
    }
    if let Some(n) = params.n {
        let bad: Vec<String> = uids
            .iter()
            .enumerate()
            .filter(|(_, &u)| u >= n)
            .map(|(i, u)| format!("uid {u} at position {i}"))
            .collect();
        if !bad.is_empty() {
            reject(
                r,
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
            r,
            "WeightVecLengthIsLow",
            format!(
                "{} weights but the subnet requires min(n={effective_n}, min_allowed_weights={}) = {required}",
                uids.len(),
                params.min_allowed_weights
            ),
        );
    }
}

/// The checks only a timelocked commit has: its version, the unrevealed-commit cap and the
/// subnet's uids-per-mechanism bound.
fn check_timelock_parameters(
    r: &mut Vec<Rejection>,
    not_checked: &mut Vec<String>,
    params: &ChainParams,
) {
    // The SDKs send DEFAULT_COMMIT_REVEAL_VERSION = 4; the chain wants CommitRevealWeightsVersion.
    if params.commit_reveal_version != 4 {
        reject(
            r,
            "IncorrectCommitRevealVersion",
            format!(
                "the sdks send commit_reveal_version 4 but the subnet expects {}",
                params.commit_reveal_version
            ),
        );
    }
    match params.unrevealed_commits {
        Some(k) if k >= MAX_UNREVEALED_COMMITS => reject(
            r,
            "TooManyUnrevealedCommits",
            format!("the hotkey already has {k} unrevealed commits in this epoch (at most {MAX_UNREVEALED_COMMITS})"),
        ),
        Some(_) => {}
        None => not_checked.push("TooManyUnrevealedCommits: unrevealed_commits not given".into()),
    }
    match params.max_allowed_uids {
        Some(max_uids)
            if u32::from(max_uids) * u32::from(params.mechanism_count)
                > MAX_UIDS_ACROSS_MECHANISMS =>
        {
            reject(
                r,
                "TooManyUIDsPerMechanism",
                format!(
                    "max_allowed_uids {max_uids} × mechanism_count {} exceeds {MAX_UIDS_ACROSS_MECHANISMS}",
                    params.mechanism_count
                ),
            )
        }
        Some(_) => {}
        None if params.mechanism_count > 1 => not_checked
            .push("TooManyUIDsPerMechanism: max_allowed_uids not given".into()),
        None => {}
    }
}

/// The checks on a timelocked commit's own arguments, once it is built: the ciphertext length
/// against [`MAX_COMMIT_SIZE_BYTES`] (when known) and the reveal round against
/// `LastStoredRound` (`InvalidRevealRound`). Appended to `verdict`.
pub fn check_timelocked_commit(
    verdict: &mut Verdict,
    params: &ChainParams,
    reveal_round: u64,
    commit_len: Option<usize>,
) {
    if let Some(len) = commit_len {
        if len > MAX_COMMIT_SIZE_BYTES {
            reject(
                &mut verdict.rejections,
                "CommitTooLarge",
                format!(
                    "the ciphertext is {len} bytes but the commit argument is a BoundedVec of at most {MAX_COMMIT_SIZE_BYTES}: the call does not decode"
                ),
            );
        }
    } else {
        verdict
            .not_checked
            .push("CommitTooLarge: no ciphertext built".into());
    }
    match params.last_stored_round {
        Some(last) if reveal_round < last => reject(
            &mut verdict.rejections,
            "InvalidRevealRound",
            format!("reveal_round {reveal_round} is below the chain's LastStoredRound {last}"),
        ),
        Some(_) => {}
        None => verdict
            .not_checked
            .push("InvalidRevealRound: last_stored_round not given".into()),
    }
    verdict.ok = verdict.rejections.is_empty();
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
