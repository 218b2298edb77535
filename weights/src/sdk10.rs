//! The classic SDK: `bittensor.utils.weight_utils` of bittensor 10.5.0 (numpy path, identical
//! to 9.12.2), the code template-based validators run. Bit-exact, quirks included.
//!
//! The arithmetic follows numpy 2.x with NEP 50 promotion: float32 arrays stay float32
//! (Python-float constants are rounded to float32 when they meet them), `np.sum` is numpy's
//! pairwise summation ([`crate::numeric::pairwise_sum`]), and the one step numpy promotes to
//! float64 (the cutoff in `normalize_max_weight`, because `n_values` is a strong `np.int64`) is
//! float64 here too. Quantisation is CPython's `round()`: ties to even.
//!
//! Python's dynamic typing shows up in two places, so that every outcome the SDK has, errors
//! included, has a counterpart: [`NdArray::PyList`] stands for a plain list passed where the SDK
//! calls an ndarray method (`AttributeError`), and `Option` parameters stand for `None`
//! (`TypeError` where the SDK computes with them).

use crate::call_data;
use crate::error::WeightsError;
use crate::numeric::{cumsum, np_float_order, np_sort, pairwise_sum, py_max, py_min, py_round};
use crate::numeric::{quantile_linear, NpFloat, PySum, RoundError};
use serde::Serialize;

/// `U16_MAX` as the SDK spells it.
pub const U16_MAX: u16 = 65535;

/// A 1-D numpy array of one of the dtypes the SDK meets, or a plain Python list of numbers.
#[derive(Clone, Debug, PartialEq)]
pub enum NdArray {
    /// `np.float32` array.
    Float32(Vec<f32>),
    /// `np.float64` array.
    Float64(Vec<f64>),
    /// `np.int64` array.
    Int64(Vec<i64>),
    /// A plain Python list (not an ndarray); the SDK's `.tolist()`/`.astype()`/`.copy()` calls
    /// fail on it with `AttributeError`.
    PyList(Vec<f64>),
}

impl NdArray {
    /// numpy's dtype name (`"list"` for a plain list).
    pub fn dtype(&self) -> &'static str {
        match self {
            NdArray::Float32(_) => "float32",
            NdArray::Float64(_) => "float64",
            NdArray::Int64(_) => "int64",
            NdArray::PyList(_) => "list",
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            NdArray::Float32(v) => v.len(),
            NdArray::Float64(v) => v.len(),
            NdArray::Int64(v) => v.len(),
            NdArray::PyList(v) => v.len(),
        }
    }

    /// Whether the array is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements as exact f64 values (what `.tolist()` gives for float arrays).
    pub fn to_f64_vec(&self) -> Vec<f64> {
        match self {
            NdArray::Float32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NdArray::Float64(v) | NdArray::PyList(v) => v.clone(),
            NdArray::Int64(v) => v.iter().map(|&x| x as f64).collect(),
        }
    }
}

/// Which branch `process_weights` took.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Branch {
    /// No positive weight, or `num_neurons < min_allowed_weights`: uniform over `arange(n)`,
    /// float64.
    Uniform,
    /// Fewer positive weights than `min_allowed_weights`: every neuron gets `1e-5` plus its
    /// weight (by *position*), then `normalize_max_weight` in float64.
    MinFill,
    /// The usual case: drop non-positive weights, exclude the lowest quantile, clip, float32.
    Normal,
}

impl Branch {
    /// The name the vectors use in `debug.branch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Branch::Uniform => "uniform",
            Branch::MinFill => "min_fill",
            Branch::Normal => "normal",
        }
    }
}

/// What `process_weights` returns: uids and the processed float weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Processed {
    /// The uids (input uids in the normal branch, `arange(num_neurons)` otherwise).
    pub uids: Vec<i64>,
    /// The weights: float32 in the normal branch, float64 otherwise.
    pub weights: NdArray,
    /// The branch taken.
    pub branch: Branch,
}

fn np_max<T: NpFloat>(a: &[T]) -> Option<T> {
    let mut it = a.iter();
    let mut cur = *it.next()?;
    for &x in it {
        if x.is_nan_value() {
            return Some(x);
        }
        if np_float_order(&x, &cur).is_gt() {
            cur = x;
        }
    }
    Some(cur)
}

/// `normalize_max_weight` for a float array (float32 or float64 arithmetic, following the
/// array's dtype; the cutoff is float64 either way, as numpy computes it).
pub fn normalize_max_weight_float<T: NpFloat>(x: &[T], limit: f64) -> Vec<T> {
    const EPS: f64 = 1e-7;
    let n = x.len();
    if pairwise_sum(x) == T::ZERO || (n as f64) * limit <= 1.0 {
        let u = T::ONE / T::from_usize(n);
        return vec![u; n];
    }
    let values = np_sort(x);
    let vs = pairwise_sum(&values);
    let est: Vec<T> = values.iter().map(|&v| v / vs).collect();
    let lim = T::from_f64(limit);
    let eps = T::from_f64(EPS);
    let emax = np_max(&est).unwrap_or(T::ZERO);
    if emax <= lim {
        let s = pairwise_sum(x);
        return x.iter().map(|&w| w / s).collect();
    }
    let cum = cumsum(&est);
    let n_values = est
        .iter()
        .zip(&cum)
        .enumerate()
        .filter(|(i, (e, c))| {
            let k = T::from_usize(n - i - 1);
            **e / ((k * **e + **c) + eps) < lim
        })
        .count();
    // `cumsum[n_values - 1]`: index -1 is the last element in Python.
    let c = if n_values == 0 {
        cum[n - 1]
    } else {
        cum[n_values - 1]
    };
    let num = lim * c - eps;
    let den = 1.0 - limit * ((n - n_values) as f64);
    let cutoff = (num.to_f64() / den) * vs.to_f64();
    let cut = T::from_f64(cutoff);
    let w: Vec<T> = x
        .iter()
        .map(|&xi| if xi.to_f64() > cutoff { cut } else { xi })
        .collect();
    let s = pairwise_sum(&w);
    w.iter().map(|&wi| wi / s).collect()
}

/// `normalize_max_weight` for an int64 array: float64 arithmetic, and the cutoff assignment
/// truncates to an integer (`weights[weights > cutoff] = cutoff` on an int array).
pub fn normalize_max_weight_int(x: &[i64], limit: f64) -> Vec<f64> {
    const EPS: f64 = 1e-7;
    let n = x.len();
    let isum = |a: &[i64]| a.iter().fold(0i64, |s, &v| s.wrapping_add(v));
    if isum(x) == 0 || (n as f64) * limit <= 1.0 {
        return vec![1.0 / n as f64; n];
    }
    let mut values = x.to_vec();
    values.sort_unstable();
    let vs = isum(&values) as f64;
    let est: Vec<f64> = values.iter().map(|&v| v as f64 / vs).collect();
    if np_max(&est).unwrap_or(0.0) <= limit {
        return x.iter().map(|&w| w as f64 / vs).collect();
    }
    let cum = cumsum(&est);
    let n_values = est
        .iter()
        .zip(&cum)
        .enumerate()
        .filter(|(i, (e, c))| *e / (((n - i - 1) as f64) * *e + *c + EPS) < limit)
        .count();
    let c = if n_values == 0 {
        cum[n - 1]
    } else {
        cum[n_values - 1]
    };
    let cutoff = ((limit * c - EPS) / (1.0 - limit * ((n - n_values) as f64))) * vs;
    let w: Vec<i64> = x
        .iter()
        .map(|&v| if v as f64 > cutoff { cutoff as i64 } else { v })
        .collect();
    let s = isum(&w) as f64;
    w.iter().map(|&v| v as f64 / s).collect()
}

/// `normalize_max_weight(x, limit)`. `limit = None` raises `TypeError` where the SDK first
/// multiplies with it (not when `x` sums to zero).
pub fn normalize_max_weight(x: &NdArray, limit: Option<f64>) -> Result<NdArray, WeightsError> {
    // The uniform branch (`x.sum() == 0`) is taken before the limit is read.
    let need = |zero_sum: bool| match (limit, zero_sum) {
        (Some(l), _) => Ok(l),
        (None, true) => Ok(f64::INFINITY),
        (None, false) => Err(WeightsError::MissingParameter {
            name: "max_weight_limit",
        }),
    };
    match x {
        NdArray::PyList(_) => Err(WeightsError::NotAnArray {
            what: "x",
            method: "copy",
        }),
        NdArray::Float32(v) => {
            let l = need(pairwise_sum(v) == 0.0)?;
            Ok(NdArray::Float32(normalize_max_weight_float(v, l)))
        }
        NdArray::Float64(v) => {
            let l = need(pairwise_sum(v) == 0.0)?;
            Ok(NdArray::Float64(normalize_max_weight_float(v, l)))
        }
        NdArray::Int64(v) => {
            let l = need(v.iter().fold(0i64, |s, &a| s.wrapping_add(a)) == 0)?;
            Ok(NdArray::Float64(normalize_max_weight_int(v, l)))
        }
    }
}

fn first_index_of(a: &[f64], target: f64) -> usize {
    a.iter()
        .position(|&x| x == target || (x.is_nan() && target.is_nan()))
        .unwrap_or(0)
}

/// `convert_weights_and_uids_for_emit(uids, weights)`: max-upscale to 65535 and round (ties to
/// even) in float64, dropping entries that round to 0; input order and uids are kept. Uids are
/// not range- or duplicate-checked (as in the SDK). The values always fit in u16.
pub fn convert_weights_and_uids_for_emit(
    uids: &[i64],
    weights: &NdArray,
) -> Result<(Vec<i64>, Vec<u16>), WeightsError> {
    if matches!(weights, NdArray::PyList(_)) {
        return Err(WeightsError::NotAnArray {
            what: "weights",
            method: "tolist",
        });
    }
    let w = weights.to_f64_vec();
    let wmin = py_min(&w).ok_or(WeightsError::EmptySequence { what: "weights" })?;
    if wmin < 0.0 {
        let index = first_index_of(&w, wmin);
        return Err(WeightsError::NegativeWeight { index, value: wmin });
    }
    let umin = uids
        .iter()
        .copied()
        .min()
        .ok_or(WeightsError::EmptySequence { what: "uids" })?;
    if umin < 0 {
        let index = uids.iter().position(|&u| u == umin).unwrap_or(0);
        return Err(WeightsError::NegativeUid { index, uid: umin });
    }
    if uids.len() != w.len() {
        return Err(WeightsError::LengthMismatch {
            uids: uids.len(),
            weights: w.len(),
        });
    }
    let all_zero = match weights {
        NdArray::Int64(v) => v.iter().all(|&x| x == 0),
        _ => crate::numeric::py_sum(&w, PySum::Py311) == 0.0,
    };
    if all_zero {
        return Ok((Vec::new(), Vec::new()));
    }
    let max = py_max(&w).unwrap_or(f64::NAN);
    let mut out_uids = Vec::new();
    let mut out_vals = Vec::new();
    for (index, (&wi, &ui)) in w.iter().zip(uids).enumerate() {
        let q = match py_round((wi / max) * 65535.0) {
            Ok(q) => q,
            Err(RoundError::Nan) => return Err(WeightsError::NanToInteger { index }),
            Err(RoundError::Infinite) => return Err(WeightsError::InfinityToInteger { index }),
        };
        if q != 0.0 {
            out_uids.push(ui);
            out_vals.push(q.clamp(0.0, 65535.0) as u16);
        }
    }
    Ok((out_uids, out_vals))
}

/// `convert_and_normalize_weights_and_uids(uids, weights)` with plain Python lists, the path the
/// `set_weights`/`commit_weights` extrinsics take: the weights become a float32 array first
/// (so 1e-50 becomes 0 and 1e39 becomes inf), then [`convert_weights_and_uids_for_emit`].
pub fn convert_and_normalize_weights_and_uids(
    uids: &[i64],
    weights: &[f64],
) -> Result<(Vec<i64>, Vec<u16>), WeightsError> {
    let w32: Vec<f32> = weights.iter().map(|&w| w as f32).collect();
    convert_weights_and_uids_for_emit(uids, &NdArray::Float32(w32))
}

fn to_f32_array(weights: &NdArray) -> Result<Vec<f32>, WeightsError> {
    Ok(match weights {
        NdArray::Float32(v) => v.clone(),
        NdArray::Float64(v) => v.iter().map(|&x| x as f32).collect(),
        NdArray::Int64(v) => v.iter().map(|&x| x as f32).collect(),
        NdArray::PyList(_) => {
            return Err(WeightsError::NotAnArray {
                what: "weights",
                method: "astype",
            })
        }
    })
}

fn neuron_count(n: i64) -> Result<usize, WeightsError> {
    usize::try_from(n).map_err(|_| WeightsError::NegativeDimension { n })
}

/// `process_weights(uids, weights, num_neurons, min_allowed_weights, max_weight_limit,
/// exclude_quantile)`, the chain parameters passed explicitly. `None` stands for Python `None`.
pub fn process_weights(
    uids: &[i64],
    weights: &NdArray,
    num_neurons: i64,
    min_allowed_weights: Option<i64>,
    max_weight_limit: Option<f64>,
    exclude_quantile: i64,
) -> Result<Processed, WeightsError> {
    let w = to_f32_array(weights)?;
    let quantile = exclude_quantile as f64 / 65535.0;
    let idx: Vec<usize> = (0..w.len()).filter(|&i| w[i] > 0.0).collect();
    let mut nz_uids = Vec::with_capacity(idx.len());
    for &i in &idx {
        match uids.get(i) {
            Some(&u) => nz_uids.push(u),
            None => {
                return Err(WeightsError::IndexOutOfBounds {
                    index: i as i64,
                    what: "uids",
                    size: uids.len(),
                })
            }
        }
    }
    let nzw: Vec<f32> = idx.iter().map(|&i| w[i]).collect();
    let below_min = |m: Option<i64>, count: i64| -> Result<bool, WeightsError> {
        m.map(|m| count < m).ok_or(WeightsError::MissingParameter {
            name: "min_allowed_weights",
        })
    };
    if nzw.is_empty() || below_min(min_allowed_weights, num_neurons)? {
        let n = neuron_count(num_neurons)?;
        return Ok(Processed {
            uids: (0..n as i64).collect(),
            weights: NdArray::Float64(vec![1.0 / n as f64; n]),
            branch: Branch::Uniform,
        });
    }
    let min_allowed = min_allowed_weights.unwrap_or(0);
    if (nzw.len() as i64) < min_allowed {
        let n = neuron_count(num_neurons)?;
        let mut filled = vec![1e-5f64; n];
        if let Some(&bad) = idx.iter().find(|&&i| i >= n) {
            return Err(WeightsError::IndexOutOfBounds {
                index: bad as i64,
                what: "weights of length num_neurons",
                size: n,
            });
        }
        for (&i, &v) in idx.iter().zip(&nzw) {
            filled[i] += f64::from(v);
        }
        let normalized = normalize_max_weight(&NdArray::Float64(filled), max_weight_limit)?;
        return Ok(Processed {
            uids: (0..normalized.len() as i64).collect(),
            weights: normalized,
            branch: Branch::MinFill,
        });
    }
    let len = nzw.len() as i128;
    let max_exclude = (len - i128::from(min_allowed)).max(0) as f64 / len as f64;
    let eq = if max_exclude < quantile {
        max_exclude
    } else {
        quantile
    };
    let lowest = quantile_linear(&nzw, eq).unwrap_or(f32::NAN);
    let (kept_uids, kept): (Vec<i64>, Vec<f32>) = nz_uids
        .iter()
        .zip(&nzw)
        .filter(|(_, &v)| lowest <= v)
        .map(|(&u, &v)| (u, v))
        .unzip();
    let normalized = normalize_max_weight(&NdArray::Float32(kept), max_weight_limit)?;
    Ok(Processed {
        uids: kept_uids,
        weights: normalized,
        branch: Branch::Normal,
    })
}

/// The three chain reads `process_weights_for_netuid` makes through `subtensor` (and
/// `subtensor.metagraph(netuid)` when no metagraph is passed).
pub trait SubtensorView {
    /// `subtensor.metagraph(netuid).n`.
    fn metagraph_n(&mut self, netuid: i64) -> i64;
    /// `subtensor.min_allowed_weights(netuid)` (`None` when the subnet does not exist).
    fn min_allowed_weights(&mut self, netuid: i64) -> Option<i64>;
    /// `subtensor.max_weight_limit(netuid)`: `MaxWeightsLimit / 65535` (`None` when missing).
    fn max_weight_limit(&mut self, netuid: i64) -> Option<f64>;
}

/// A [`SubtensorView`] over fixed chain values that records the calls made, like the fake
/// subtensor the vectors were generated with.
#[derive(Clone, Debug, Default)]
pub struct StaticSubtensor {
    /// `metagraph.n`.
    pub metagraph_n: i64,
    /// `MinAllowedWeights`.
    pub min_allowed_weights: Option<i64>,
    /// `MaxWeightsLimit` as the raw u16.
    pub max_weights_limit_raw: Option<u16>,
    /// Calls made, in order: `(method, netuid)`.
    pub calls: Vec<(String, i64)>,
}

impl SubtensorView for StaticSubtensor {
    fn metagraph_n(&mut self, netuid: i64) -> i64 {
        self.calls.push(("metagraph".into(), netuid));
        self.metagraph_n
    }
    fn min_allowed_weights(&mut self, netuid: i64) -> Option<i64> {
        self.calls.push(("min_allowed_weights".into(), netuid));
        self.min_allowed_weights
    }
    fn max_weight_limit(&mut self, netuid: i64) -> Option<f64> {
        self.calls.push(("max_weight_limit".into(), netuid));
        self.max_weights_limit_raw
            .map(|raw| f64::from(raw) / f64::from(U16_MAX))
    }
}

/// `process_weights_for_netuid(uids, weights, netuid, subtensor, metagraph, exclude_quantile)`:
/// reads `n` (from `metagraph_n`, or `subtensor.metagraph(netuid)` when `None`),
/// `min_allowed_weights` and `max_weight_limit`, then [`process_weights`].
pub fn process_weights_for_netuid(
    uids: &[i64],
    weights: &NdArray,
    netuid: i64,
    subtensor: &mut dyn SubtensorView,
    metagraph_n: Option<i64>,
    exclude_quantile: i64,
) -> Result<Processed, WeightsError> {
    let n = match metagraph_n {
        Some(n) => n,
        None => subtensor.metagraph_n(netuid),
    };
    let min_allowed = subtensor.min_allowed_weights(netuid);
    let limit = subtensor.max_weight_limit(netuid);
    process_weights(uids, weights, n, min_allowed, limit, exclude_quantile)
}

/// `convert_weight_uids_and_vals_to_tensor(n, uids, weights)`: the dense float32 row a chain
/// weight row stands for, divided by its (pairwise) sum when that is positive. Python's negative
/// indexing applies; the last write wins for duplicate uids.
pub fn convert_weight_uids_and_vals_to_tensor(
    n: i64,
    uids: &[i64],
    weights: &[i64],
) -> Result<Vec<f32>, WeightsError> {
    let len = neuron_count(n)?;
    let mut row = vec![0.0f32; len];
    for (&u, &w) in uids.iter().zip(weights) {
        let idx = if u < 0 { u + n } else { u };
        if idx < 0 || idx >= n {
            return Err(WeightsError::IndexOutOfBounds {
                index: u,
                what: "row",
                size: len,
            });
        }
        row[idx as usize] = (w as f64) as f32;
    }
    let s = pairwise_sum(&row);
    if s > 0.0 {
        for x in &mut row {
            *x /= s;
        }
    }
    Ok(row)
}

fn int_to_unsigned(what: String, value: i128, bits: u32) -> Result<u64, WeightsError> {
    if value < 0 || value >> bits != 0 {
        return Err(WeightsError::IntOverflow { what, value, bits });
    }
    Ok(value as u64)
}

fn ints_to_u16(what: &str, values: &[i128]) -> Result<Vec<u16>, WeightsError> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| int_to_unsigned(format!("{what}[{i}]"), v, 16).map(|x| x as u16))
        .collect()
}

/// `generate_weight_hash(address, netuid, uids, values, version_key, salt)`: the legacy salted
/// commit hash, `"0x"` + BLAKE2b-256 of the SCALE tuple `(pubkey, u16 netuid, Vec<u16> uids,
/// Vec<u16> values, Vec<u16> salt, u64 version_key)`. Integers are Python ints (i128 here):
/// out-of-range ones raise `OverflowError` in the SDK's order (address, netuid, uids, values,
/// version key, salt). Any ss58 prefix is accepted; the checksum is verified.
pub fn generate_weight_hash(
    address: &str,
    netuid: i128,
    uids: &[i128],
    values: &[i128],
    version_key: i128,
    salt: &[i128],
) -> Result<String, WeightsError> {
    let account = call_data::ss58_decode(address)?;
    let netuid = int_to_unsigned("netuid".into(), netuid, 16)? as u16;
    let uids = ints_to_u16("uids", uids)?;
    let values = ints_to_u16("values", values)?;
    let version_key = int_to_unsigned("version_key".into(), version_key, 64)?;
    let salt = ints_to_u16("salt", salt)?;
    let hash = call_data::commit_hash_v2(&account, netuid, &uids, &values, &salt, version_key);
    Ok(format!("0x{}", hex::encode(hash)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_zeros_gain_weight_by_hand() {
        // spec: [0,0,0,1] with limit 0.5 gives a uniform 0.25 (cutoff goes negative).
        let y = normalize_max_weight_float(&[0.0f32, 0.0, 0.0, 1.0], 0.5);
        assert_eq!(y, vec![0.25f32; 4]);
    }

    #[test]
    fn emit_ties_to_even_by_hand() {
        let w = NdArray::Float32(vec![65535.0, 0.5, 2.5]);
        let (u, v) = convert_weights_and_uids_for_emit(&[0, 1, 2], &w).expect("valid input");
        assert_eq!(u, vec![0, 2]);
        assert_eq!(v, vec![65535, 2]);
    }
}
