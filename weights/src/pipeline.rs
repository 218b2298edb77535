//! The one pipeline both `imr weights` and `imr run` use: scores → the SDK's processing →
//! u16 payload → the chain's pre-flight check → call data (and, on request, the commit).
//!
//! Choices made here, each recorded in [`Choices`]:
//! * Scores are first sorted by uid, so emitted uids are ascending (the chain's liquid-alpha
//!   merge assumes sorted rows, spec/chain.md §3.3 Q2).
//! * SDK 10.x: the scores become a dense row over `0..n` (missing uids score 0), as the subnet
//!   template passes `metagraph.uids` and a full score vector; this avoids the SDK's positional
//!   quirk in the `min_fill` branch. Then `process_weights(uids, weights, n,
//!   min_allowed_weights, max_weight_limit/65535, exclude_quantile)` and
//!   `convert_weights_and_uids_for_emit`. Scores are passed as they are (f64, cast to f32 by
//!   the SDK); a template that L1-normalises its f32 scores first can differ by rounding.
//! * SDK 11.x: `_conform(uids, weights, preflight, netuid)` with the caller's uid (self-weight
//!   rules), `min_allowed_weights` and the raw `max_weight_limit`.

use crate::call_data::{self, AccountId};
use crate::chain::{self, ChainParams, Extrinsic, Verdict, WeightsCall};
use crate::error::WeightsError;
use crate::scores;
use crate::sdk10::{self, NdArray};
use crate::sdk11;
use serde::{Deserialize, Serialize};

/// Which bittensor SDK generation to reproduce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Sdk {
    /// bittensor 10.5.0 `bittensor.utils.weight_utils` (template-based validators).
    V10,
    /// bittensor 11.3.0 `bittensor.intents.weights` (the lean SDK).
    #[default]
    V11,
}

impl Sdk {
    /// The exact package version reproduced.
    pub fn package_version(self) -> &'static str {
        match self {
            Sdk::V10 => "bittensor 10.5.0 (bittensor.utils.weight_utils)",
            Sdk::V11 => "bittensor 11.3.0 (bittensor.intents.weights)",
        }
    }
}

/// The SDK's processed float weights, before u16 quantisation.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProcessedWeights {
    /// numpy dtype (`float32`/`float64`); the lean SDK is always `float64`.
    pub dtype: String,
    /// The uids the weights belong to.
    pub uids: Vec<u16>,
    /// The weights, exactly (float32 values widened to f64).
    pub weights: Vec<f64>,
    /// IEEE bit patterns in the dtype's width, as hex (`0x3e99999a`), for bit-exact checks.
    pub bits: HexBits,
}

/// IEEE bit patterns, each written as `0x` and 8 (`float32`) or 16 (`float64`) lowercase hex
/// digits: serialized as that list of strings. They are kept as numbers and written only when
/// asked for (`imr weights` prints them; a run does not): a 4096-miner epoch would otherwise
/// make 4,096 strings per run, about half of the weights pipeline's time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HexBits {
    bits: Vec<u64>,
    digits: u32,
}

impl HexBits {
    fn new(bits: Vec<u64>, digits: u32) -> Self {
        Self { bits, digits }
    }

    /// How many patterns there are.
    pub fn len(&self) -> usize {
        self.bits.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }

    /// Pattern `i`, written out (`0x3e99999a`).
    pub fn get(&self, i: usize) -> Option<String> {
        self.bits.get(i).map(|&b| hex_bits(b, self.digits))
    }

    /// Every pattern, written out, in order.
    pub fn iter(&self) -> impl Iterator<Item = String> + '_ {
        self.bits.iter().map(|&b| hex_bits(b, self.digits))
    }
}

impl Serialize for HexBits {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// What the pipeline chose, for the receipt.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Choices {
    /// The SDK generation.
    pub sdk: Sdk,
    /// The package and module reproduced.
    pub sdk_version: String,
    /// The SDK functions run, in order.
    pub functions: Vec<String>,
    /// SDK 10.x: `uniform`/`min_fill`/`normal`; SDK 11.x: `clip`/`no_clip`/`self_weight`.
    pub branch: String,
    /// Whether the scores had to be reordered to ascending uids.
    pub sorted_by_uid: bool,
    /// The neuron count used.
    pub num_neurons: u16,
    /// Whether `num_neurons` was inferred (max uid + 1) because `n` was not given.
    pub num_neurons_inferred: bool,
    /// SDK 10.x: whether scores were expanded to a dense row over `0..n`.
    pub densified: bool,
    /// `max_weight_limit / 65535`, the float limit the SDK clips to.
    pub max_weight_limit: f64,
    /// The `exclude_quantile` applied (SDK 10.x only).
    pub exclude_quantile: Option<u16>,
    /// Input uids that are not in the emitted payload (zero or rounded to zero).
    pub dropped_uids: Vec<u16>,
    /// The call the payload is encoded for (`set_mechanism_weights` by default, as both SDKs
    /// send; `set_weights` when asked for).
    pub call: String,
    /// Its call index in `SubtensorModule` (119 or 0).
    pub call_index: u8,
}

/// The result of the pipeline.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Emission {
    /// The SDK generation used.
    pub sdk: Sdk,
    /// The SDK's processed float weights.
    pub processed: ProcessedWeights,
    /// The emitted uids (ascending, unique).
    pub uids: Vec<u16>,
    /// The emitted u16 values (max 65535, no zeros).
    pub values: Vec<u16>,
    /// The row the chain would store after its max-upscale.
    pub stored: Vec<u16>,
    /// The chain's pre-flight verdict for a plain `set_weights`.
    pub preflight: Verdict,
    /// SCALE hex (`0x…`) of the plaintext call's arguments: `set_mechanism_weights(netuid,
    /// mecid, dests, weights, version_key)` by default, `set_weights(netuid, dests, weights,
    /// version_key)` when `weights_call` asks for it (see `choices.call`).
    pub set_weights_scale_hex: String,
    /// What the pipeline chose.
    pub choices: Choices,
}

/// The commit-reveal v2 data for an [`Emission`].
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Commit {
    /// The hotkey's public key, hex.
    pub hotkey_public_key: String,
    /// `mecid * 4096 + netuid`, the index the hash is taken over.
    pub netuid_index: u16,
    /// The salt.
    pub salt: Vec<u16>,
    /// BLAKE2b-256 of the SCALE tuple, `0x…`.
    pub commit_hash: String,
    /// SCALE hex of `commit_weights(netuid, hash)` (or `commit_mechanism_weights`) arguments.
    pub commit_weights_scale_hex: String,
    /// SCALE hex of `reveal_weights(netuid, uids, values, salt, version_key)` (or
    /// `reveal_mechanism_weights`) arguments.
    pub reveal_weights_scale_hex: String,
    /// The pre-flight verdict for commit now, reveal later.
    pub preflight: Verdict,
}

/// `0x`-prefixed lower-case hex, as the SDKs print call data and hashes.
pub(crate) fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn to_u16_uids(uids: &[i64]) -> Result<Vec<u16>, WeightsError> {
    uids.iter()
        .enumerate()
        .map(|(i, &u)| {
            u16::try_from(u).map_err(|_| WeightsError::Scores {
                problem: format!("processed uid at position {i} is {u}, outside 0..=65535"),
            })
        })
        .collect()
}

/// `0x` and the `digits` lowest hex digits of `bits`, lowercase, zero-padded: what
/// `format!("0x{:08x}")` / `format!("0x{:016x}")` write for an `f32`'s / `f64`'s bits, without
/// the formatting machinery (4,096 of them per 4096-miner epoch).
fn hex_bits(bits: u64, digits: u32) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 + digits as usize);
    s.push_str("0x");
    for k in (0..digits).rev() {
        s.push(char::from(HEX[((bits >> (4 * k)) & 0xf) as usize]));
    }
    s
}

fn processed_from(uids: Vec<u16>, arr: &NdArray) -> ProcessedWeights {
    let (weights, bits) = match arr {
        NdArray::Float32(v) => (
            v.iter().map(|&x| f64::from(x)).collect(),
            HexBits::new(v.iter().map(|x| u64::from(x.to_bits())).collect(), 8),
        ),
        other => {
            let v = other.to_f64_vec();
            let bits = HexBits::new(v.iter().map(|x| x.to_bits()).collect(), 16);
            (v, bits)
        }
    };
    ProcessedWeights {
        dtype: arr.dtype().to_string(),
        uids,
        weights,
        bits,
    }
}

/// Run the pipeline on `(uids, weights)` with the subnet described by `params`.
///
/// Errors: invalid scores (length mismatch, NaN, infinite or negative weights, duplicate uids),
/// and whatever the chosen SDK raises for this input (for example 11.x's `ChainError` when
/// fewer than `min_allowed_weights` values survive). Never panics.
pub fn emit(
    uids: &[u16],
    weights: &[f64],
    params: &ChainParams,
    sdk: Sdk,
) -> Result<Emission, WeightsError> {
    scores::validate(uids, weights)?;
    let mut pairs: Vec<(u16, f64)> = uids.iter().copied().zip(weights.iter().copied()).collect();
    let sorted_by_uid = pairs.windows(2).any(|w| w[0].0 > w[1].0);
    pairs.sort_by_key(|p| p.0);
    let su: Vec<u16> = pairs.iter().map(|p| p.0).collect();
    let sw: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let n = params.effective_n(&su);
    let limit = f64::from(params.max_weight_limit) / 65535.0;
    let call = weights_call(params)?;

    let run = match sdk {
        Sdk::V10 => run_sdk10(&su, &sw, n, limit, params)?,
        Sdk::V11 => run_sdk11(&su, &sw, limit, params)?,
    };
    let SdkRun {
        processed,
        uids: out_uids,
        values,
        branch,
        functions,
        densified,
        exclude,
    } = run;

    let dropped_uids = su
        .iter()
        .copied()
        .filter(|u| out_uids.binary_search(u).is_err())
        .collect();
    let args = call_args(params, &out_uids, &values);
    let preflight = chain::preflight(params, &out_uids, &values, Extrinsic::SetWeights);
    Ok(Emission {
        sdk,
        processed,
        stored: chain::max_upscale(&values),
        uids: out_uids,
        values,
        preflight,
        set_weights_scale_hex: hex0x(&args),
        choices: Choices {
            sdk,
            sdk_version: sdk.package_version().to_string(),
            functions,
            branch,
            sorted_by_uid,
            num_neurons: n,
            num_neurons_inferred: params.n.is_none(),
            densified,
            max_weight_limit: limit,
            exclude_quantile: exclude,
            dropped_uids,
            call: call.name().to_string(),
            call_index: call.call_index(),
        },
    })
}

/// The extrinsic the weights go out with; `set_weights` has no mechanism id, so a non-zero
/// `mecid` needs `set_mechanism_weights`.
fn weights_call(params: &ChainParams) -> Result<WeightsCall, WeightsError> {
    if params.weights_call == WeightsCall::SetWeights && params.mecid != 0 {
        return Err(WeightsError::ChainParams {
            problem: format!(
                "weights_call set_weights has no mecid, but mecid is {}: use set_mechanism_weights",
                params.mecid
            ),
        });
    }
    Ok(params.weights_call)
}

/// The SCALE-encoded arguments of the weights call `params` names.
fn call_args(params: &ChainParams, uids: &[u16], values: &[u16]) -> Vec<u8> {
    match params.weights_call {
        WeightsCall::SetWeights => {
            call_data::set_weights_args(params.netuid, uids, values, params.version_key)
        }
        WeightsCall::SetMechanismWeights => call_data::set_mechanism_weights_args(
            params.netuid,
            params.mecid,
            uids,
            values,
            params.version_key,
        ),
    }
}

/// What one SDK generation's processing gave.
struct SdkRun {
    processed: ProcessedWeights,
    uids: Vec<u16>,
    values: Vec<u16>,
    branch: String,
    functions: Vec<String>,
    densified: bool,
    exclude: Option<u16>,
}

/// SDK 10.x: `process_weights` (on a dense row when every uid is below `n`), then
/// `convert_weights_and_uids_for_emit`.
fn run_sdk10(
    su: &[u16],
    sw: &[f64],
    n: u16,
    limit: f64,
    params: &ChainParams,
) -> Result<SdkRun, WeightsError> {
    let dense = su.iter().all(|&u| u < n);
    let (in_uids, in_w): (Vec<i64>, Vec<f64>) = if dense {
        let mut row = vec![0.0f64; usize::from(n)];
        for (&u, &w) in su.iter().zip(sw) {
            row[usize::from(u)] = w;
        }
        ((0..i64::from(n)).collect(), row)
    } else {
        (su.iter().map(|&u| i64::from(u)).collect(), sw.to_vec())
    };
    let p = sdk10::process_weights(
        &in_uids,
        &NdArray::Float64(in_w),
        i64::from(n),
        Some(i64::from(params.min_allowed_weights)),
        Some(limit),
        i64::from(params.exclude_quantile),
    )?;
    let (eu, ev) = sdk10::convert_weights_and_uids_for_emit(&p.uids, &p.weights)?;
    let processed = processed_from(to_u16_uids(&p.uids)?, &p.weights);
    Ok(SdkRun {
        processed,
        uids: to_u16_uids(&eu)?,
        values: ev,
        branch: p.branch.as_str().to_string(),
        functions: vec![
            "process_weights".to_string(),
            "convert_weights_and_uids_for_emit".to_string(),
        ],
        densified: dense,
        exclude: Some(params.exclude_quantile),
    })
}

/// SDK 11.x: `clip_to_max_weight` (unless a self-weight or no limit), `normalize`, `_conform`.
fn run_sdk11(
    su: &[u16],
    sw: &[f64],
    limit: f64,
    params: &ChainParams,
) -> Result<SdkRun, WeightsError> {
    let pre = sdk11::Preflight {
        uid: params.caller_uid.map_or(-1, i64::from),
        commit_reveal: params.commit_reveal_enabled,
        min_allowed_weights: i64::from(params.min_allowed_weights),
        max_weight_limit: i64::from(params.max_weight_limit),
    };
    let iu: Vec<i64> = su.iter().map(|&u| i64::from(u)).collect();
    let is_self = iu.len() == 1 && iu[0] == pre.uid;
    let clip = !is_self && params.max_weight_limit < u16::MAX;
    let floats = if clip {
        sdk11::clip_to_max_weight(sw, limit)?
    } else {
        sw.to_vec()
    };
    let (eu, ev) = sdk11::conform(&iu, sw, &pre, i64::from(params.netuid), false)?;
    let branch = if is_self {
        "self_weight"
    } else if clip {
        "clip"
    } else {
        "no_clip"
    };
    let mut functions = Vec::new();
    if clip {
        functions.push("clip_to_max_weight".to_string());
    }
    functions.push("normalize".to_string());
    functions.push("_conform".to_string());
    Ok(SdkRun {
        processed: processed_from(su.to_vec(), &NdArray::Float64(floats)),
        uids: eu,
        values: ev,
        branch: branch.to_string(),
        functions,
        densified: false,
        exclude: None,
    })
}

/// The commit-reveal v2 data for an emission: the hash over `(hotkey, mecid*4096+netuid, uids,
/// values, salt, version_key)`, the `commit_weights`/`reveal_weights` arguments, and the
/// pre-flight verdict for committing now and revealing later.
pub fn commit(
    emission: &Emission,
    params: &ChainParams,
    hotkey: &AccountId,
    salt: &[u16],
) -> Result<Commit, WeightsError> {
    let index = call_data::netuid_index(params.netuid, params.mecid).ok_or_else(|| {
        WeightsError::ChainParams {
            problem: format!(
                "mecid {} * 4096 + netuid {} does not fit in a u16 storage index",
                params.mecid, params.netuid
            ),
        }
    })?;
    let (u, v) = (&emission.uids, &emission.values);
    let hash = call_data::commit_hash_v2(hotkey, index, u, v, salt, params.version_key);
    let (commit_args, reveal_args) = if params.mecid == 0 {
        (
            call_data::commit_weights_args(params.netuid, &hash),
            call_data::reveal_weights_args(params.netuid, u, v, salt, params.version_key),
        )
    } else {
        (
            call_data::commit_mechanism_weights_args(params.netuid, params.mecid, &hash),
            call_data::reveal_mechanism_weights_args(
                params.netuid,
                params.mecid,
                u,
                v,
                salt,
                params.version_key,
            ),
        )
    };
    Ok(Commit {
        hotkey_public_key: hex0x(hotkey),
        netuid_index: index,
        salt: salt.to_vec(),
        commit_hash: hex0x(&hash),
        commit_weights_scale_hex: hex0x(&commit_args),
        reveal_weights_scale_hex: hex0x(&reveal_args),
        preflight: chain::preflight(params, u, v, Extrinsic::CommitReveal),
    })
}

/// The report `imr weights` prints (and `imr.weights.process(...).report` returns):
/// the emission's fields plus the chain parameters used, as one JSON object.
pub fn report(emission: &Emission, params: &ChainParams) -> serde_json::Value {
    let mut report = serde_json::to_value(emission).unwrap_or_default();
    if let Some(obj) = report.as_object_mut() {
        obj.insert(
            "chain".into(),
            serde_json::to_value(params).unwrap_or_default(),
        );
    }
    report
}

#[cfg(test)]
mod tests {
    use super::{hex_bits, HexBits};

    #[test]
    fn hex_bits_serialize_as_the_list_of_their_strings() {
        let f32s = [
            0.3f32,
            -0.0,
            f32::MIN_POSITIVE,
            1.0,
            f32::from_bits(0x7fa0_0001),
        ];
        let f64s = [
            0.3f64,
            -0.0,
            f64::MIN_POSITIVE,
            1.0,
            f64::from_bits(0x7ff4_0000_0000_0001),
        ];
        for (bits, digits) in [
            (
                f32s.iter()
                    .map(|x| u64::from(x.to_bits()))
                    .collect::<Vec<_>>(),
                8,
            ),
            (f64s.iter().map(|x| x.to_bits()).collect(), 16),
            (Vec::new(), 16),
        ] {
            let written: Vec<String> = bits
                .iter()
                .map(|b| format!("0x{b:0width$x}", width = digits as usize))
                .collect();
            let h = HexBits::new(bits, digits);
            assert_eq!(h.iter().collect::<Vec<_>>(), written);
            assert_eq!((h.len(), h.is_empty()), (written.len(), written.is_empty()));
            assert_eq!(h.get(1), written.get(1).cloned());
            assert_eq!(
                serde_json::to_string(&h).unwrap(),
                serde_json::to_string(&written).unwrap()
            );
        }
    }

    #[test]
    fn hex_bits_writes_what_format_writes() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let specials = [0u64, 1, 0xf, 0x10, u64::from(u32::MAX), u64::MAX, 1 << 63];
        for i in 0..100_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = if (i as usize) < specials.len() {
                specials[i as usize]
            } else {
                x >> (i % 64)
            };
            assert_eq!(hex_bits(v, 16), format!("0x{v:016x}"));
            let f = v as u32;
            assert_eq!(hex_bits(u64::from(f), 8), format!("0x{f:08x}"));
            let (f32v, f64v) = (f32::from_bits(f), f64::from_bits(v));
            assert_eq!(
                hex_bits(u64::from(f32v.to_bits()), 8),
                format!("0x{:08x}", f32v.to_bits())
            );
            assert_eq!(
                hex_bits(f64v.to_bits(), 16),
                format!("0x{:016x}", f64v.to_bits())
            );
        }
    }
}
