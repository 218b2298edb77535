//! The lean SDK: `bittensor.intents.weights` of bittensor 11.3.0 (pure Python, all float64).
//!
//! `normalize` (max-upscale to u16), `clip_to_max_weight` (the counterpart of 10.x's
//! `normalize_max_weight`), `conform` (`_conform`, the chain-free core of `SetWeights.build`)
//! and `as_pairs` (`_as_pairs`, input parsing).
//!
//! **Python 3.11 vs 3.12.** `clip_to_max_weight` sums with the builtin `sum()`, which became
//! Neumaier-compensated in CPython 3.12, so 9 of the 32 vector cases differ in the last bits
//! (`expected_py312`). The default reproduces CPython 3.11 (naive summation, the vectors'
//! `expected`); [`clip_to_max_weight_with`] takes [`PySum::Py312`] to reproduce 3.12+. After u16
//! quantisation no `conform`/`normalize` vector differs between the two.
//!
//! Python ints are taken as f64 (exact below 2^53; CPython divides big ints exactly, this
//! crate after rounding them to f64).

use crate::error::WeightsError;
use crate::numeric::{py_max, py_round, py_sum, PySum, RoundError};
use serde::{Deserialize, Serialize};

const U16_MAX: f64 = 65535.0;

/// `normalize(uids, weights)`: check lengths, then finiteness and sign of the weights, then the
/// uid range (in that order), then max-upscale to 65535 with ties-to-even rounding, dropping
/// values that round to 0. All-zero or empty input gives two empty lists. Duplicate uids are
/// not checked.
pub fn normalize(uids: &[i64], weights: &[f64]) -> Result<(Vec<u16>, Vec<u16>), WeightsError> {
    if uids.len() != weights.len() {
        return Err(WeightsError::UnequalLengths {
            uids: uids.len(),
            weights: weights.len(),
        });
    }
    if let Some((index, &value)) = weights
        .iter()
        .enumerate()
        .find(|(_, w)| !w.is_finite() || **w < 0.0)
    {
        return Err(WeightsError::NotFiniteOrNegative { index, value });
    }
    if let Some((index, &uid)) = uids
        .iter()
        .enumerate()
        .find(|(_, u)| !(0..=65535).contains(*u))
    {
        return Err(WeightsError::UidOutOfRange { index, uid });
    }
    let top = py_max(weights).unwrap_or(0.0);
    if top == 0.0 {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut out_uids = Vec::new();
    let mut out_vals = Vec::new();
    for (&u, &w) in uids.iter().zip(weights) {
        // finite, non-negative and <= top: the quotient is in [0, 1], the round cannot fail.
        let v = py_round((w / top) * U16_MAX).unwrap_or(0.0);
        if v != 0.0 {
            out_uids.push(u as u16);
            out_vals.push(v.clamp(0.0, U16_MAX) as u16);
        }
    }
    Ok((out_uids, out_vals))
}

/// `clip_to_max_weight(weights, limit)` as CPython 3.11 computes it (see the module docs).
pub fn clip_to_max_weight(weights: &[f64], limit: f64) -> Result<Vec<f64>, WeightsError> {
    clip_to_max_weight_with(weights, limit, PySum::Py311)
}

/// `clip_to_max_weight(weights, limit)` with the given CPython `sum()`.
///
/// Sum-normalise so that no element exceeds `limit`, redistributing the excess; `n*limit <= 1`
/// gives the uniform distribution; an empty list or a sum `<= 0` is `AllZero`. Where CPython
/// would divide a float by zero it raises `ZeroDivisionError`, and so does this.
///
/// Every step is CPython's IEEE arithmetic in the SDK's order, so non-finite weights (which the
/// function does not refuse) give CPython's result too: `total = sum(weights)` (an `inf` makes
/// it `inf`, `-inf` makes it `<= 0`, `inf` with `-inf` or a `nan` makes it NaN and the `<= 0`
/// test false); `w / total` (`finite/inf = 0.0`, `inf/inf = NaN`); `sorted()` as CPython's
/// timsort orders NaN ([`crate::pysort`]); `accumulate` (NaN from there on); the `n_values`
/// count (NaN comparisons are false; `0 * inf = NaN`); `min(w, cutoff)` (keeps `w` unless
/// `cutoff < w`); and the final division by a sum that may be infinite or NaN.
pub fn clip_to_max_weight_with(
    weights: &[f64],
    limit: f64,
    sum: PySum,
) -> Result<Vec<f64>, WeightsError> {
    const EPS: f64 = 1e-7;
    let n = weights.len();
    let total = py_sum(weights, sum);
    if n == 0 || total <= 0.0 {
        return Err(WeightsError::AllZero);
    }
    if (n as f64) * limit <= 1.0 {
        return Ok(vec![1.0 / n as f64; n]);
    }
    // total is > 0 or NaN here, never 0: these divisions cannot raise.
    let mut est: Vec<f64> = weights.iter().map(|&w| w / total).collect();
    crate::pysort::py_sort(&mut est);
    if est[n - 1] <= limit {
        return Ok(weights.iter().map(|&w| w / total).collect());
    }
    let mut cum = Vec::with_capacity(n);
    let mut acc = 0.0f64;
    for (i, &e) in est.iter().enumerate() {
        acc = if i == 0 { e } else { acc + e };
        cum.push(acc);
    }
    // sum(1 for i, e in enumerate(estimation) if e / ((n-i-1)*e + cumsum[i] + eps) < limit),
    // evaluated left to right: a zero denominator raises before later items are looked at.
    let mut n_values = 0usize;
    for (i, (&e, &c)) in est.iter().zip(&cum).enumerate() {
        let den = ((n - i - 1) as f64) * e + c + EPS;
        if den == 0.0 {
            return Err(WeightsError::ZeroDivision {
                place: "clip_to_max_weight n_values",
            });
        }
        if e / den < limit {
            n_values += 1;
        }
    }
    let c = if n_values == 0 {
        cum[n - 1]
    } else {
        cum[n_values - 1]
    };
    let den = 1.0 - limit * ((n - n_values) as f64);
    if den == 0.0 {
        return Err(WeightsError::ZeroDivision {
            place: "clip_to_max_weight cutoff_scale",
        });
    }
    let cutoff = ((limit * c - EPS) / den) * total;
    // Python's two-argument min(w, cutoff) keeps w unless cutoff < w.
    let clipped: Vec<f64> = weights
        .iter()
        .map(|&w| if cutoff < w { cutoff } else { w })
        .collect();
    let clipped_total = py_sum(&clipped, sum);
    if clipped_total == 0.0 {
        return Err(WeightsError::ZeroDivision {
            place: "clip_to_max_weight final normalisation",
        });
    }
    Ok(clipped.iter().map(|&w| w / clipped_total).collect())
}

/// The chain state `_conform` uses (`_Preflight`), read by the SDK at one block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preflight {
    /// The caller's uid on the subnet.
    pub uid: i64,
    /// `CommitRevealWeightsEnabled` (not used by `_conform`, kept for completeness).
    pub commit_reveal: bool,
    /// `MinAllowedWeights`.
    pub min_allowed_weights: i64,
    /// `MaxWeightsLimit` as the raw u16 (65535 when the storage is empty).
    pub max_weight_limit: i64,
}

fn is_integral(w: f64) -> bool {
    w.is_finite() && w.trunc() == w
}

/// `_conform(uids, weights, preflight, netuid, raw_u16)`: the weights the lean SDK submits.
///
/// Floats: clip to `max_weight_limit/65535` unless the limit is 65535 or this is a single
/// self-weight, then [`normalize`]. Raw u16 (`raw_u16 = true`): integers in 0..=65535 kept as
/// they are (zeros dropped), refused if they exceed the limit. Either way: nothing left is
/// `AllZero`, and fewer than `min_allowed_weights` values (self-weight exempt) is the
/// `ChainError` `invalid_argument`.
pub fn conform(
    uids: &[i64],
    weights: &[f64],
    preflight: &Preflight,
    netuid: i64,
    raw_u16: bool,
) -> Result<(Vec<u16>, Vec<u16>), WeightsError> {
    let is_self_weight = uids.len() == 1 && uids[0] == preflight.uid;
    let (out_uids, out_vals) = if raw_u16 {
        if uids.len() != weights.len() || uids.iter().any(|u| !(0..=65535).contains(u)) {
            return Err(WeightsError::RawShape {
                uids: uids.len(),
                weights: weights.len(),
            });
        }
        if let Some((index, &value)) = weights
            .iter()
            .enumerate()
            .find(|(_, &w)| !is_integral(w) || !(0.0..=U16_MAX).contains(&w))
        {
            return Err(WeightsError::RawNotInteger { index, value });
        }
        let (u, v): (Vec<u16>, Vec<u16>) = uids
            .iter()
            .zip(weights)
            .filter(|(_, &w)| w > 0.0)
            .map(|(&u, &w)| (u as u16, w as u16))
            .unzip();
        if v.is_empty() {
            return Err(WeightsError::AllZero);
        }
        let max = i64::from(v.iter().copied().max().unwrap_or(0));
        let total: i64 = v.iter().map(|&x| i64::from(x)).sum();
        if !is_self_weight
            && i128::from(max) * 65535 > i128::from(preflight.max_weight_limit) * i128::from(total)
        {
            return Err(WeightsError::RawExceedsLimit {
                limit: preflight.max_weight_limit,
                max,
                sum: total,
            });
        }
        (u, v)
    } else {
        let clipped;
        let floats: &[f64] = if !is_self_weight && preflight.max_weight_limit < 65535 {
            clipped = clip_to_max_weight(weights, preflight.max_weight_limit as f64 / U16_MAX)?;
            &clipped
        } else {
            weights
        };
        normalize(uids, floats)?
    };
    if out_uids.is_empty() {
        return Err(WeightsError::AllZero);
    }
    if !is_self_weight && (out_uids.len() as i64) < preflight.min_allowed_weights {
        return Err(WeightsError::TooFewWeights {
            netuid,
            required: preflight.min_allowed_weights,
            got: out_uids.len(),
        });
    }
    Ok((out_uids, out_vals))
}

/// A Python value as `_as_pairs` may receive it (after a JSON round trip or from code).
#[derive(Clone, Debug, PartialEq)]
pub enum PyValue {
    /// `None`.
    None,
    /// `True`/`False` (ints in Python).
    Bool(bool),
    /// An int.
    Int(i64),
    /// A float.
    Float(f64),
    /// A str.
    Str(String),
}

/// The `weights` argument of `_as_pairs`.
#[derive(Clone, Debug, PartialEq)]
pub enum PyWeights {
    /// `None`.
    None,
    /// A `{uid: weight}` mapping, in insertion order.
    Mapping(Vec<(PyValue, PyValue)>),
    /// A list parallel to `uids`.
    List(Vec<PyValue>),
}

fn strip_underscores(digits: &str) -> Option<String> {
    // Python allows single underscores between digits.
    if digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    Some(digits.replace('_', ""))
}

fn parse_py_int(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = strip_underscores(body)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Python ints are unbounded; beyond i64 they saturate here (they are out of u16 range
    // either way, which `normalize` rejects).
    let v = digits.parse::<i128>().unwrap_or(i128::MAX);
    let v = if neg { -v } else { v };
    Some(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

fn parse_py_float(text: &str) -> Option<f64> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let (sign, body) = match lower.as_bytes().first() {
        Some(b'-') => (-1.0, &lower[1..]),
        Some(b'+') => (1.0, &lower[1..]),
        _ => (1.0, lower.as_str()),
    };
    match body {
        "inf" | "infinity" => return Some(sign * f64::INFINITY),
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    if body.is_empty()
        || !body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-' | b'_'))
    {
        return None;
    }
    let cleaned = strip_underscores(body)?;
    cleaned.parse::<f64>().ok().map(|v| sign * v)
}

/// Python's `int(v)`.
fn py_int(v: &PyValue, index: usize) -> Result<i64, WeightsError> {
    match v {
        PyValue::None => Err(WeightsError::NoneValue {
            target: "int",
            index,
        }),
        PyValue::Bool(b) => Ok(i64::from(*b)),
        PyValue::Int(i) => Ok(*i),
        PyValue::Float(f) => match py_round(f.trunc()) {
            Ok(t) => Ok(t as i64),
            Err(RoundError::Nan) => Err(WeightsError::NanToInteger { index }),
            Err(RoundError::Infinite) => Err(WeightsError::InfinityToInteger { index }),
        },
        PyValue::Str(s) => parse_py_int(s).ok_or_else(|| WeightsError::InvalidLiteral {
            target: "int",
            index,
            text: s.clone(),
        }),
    }
}

/// Python's `float(v)`.
fn py_float(v: &PyValue, index: usize) -> Result<f64, WeightsError> {
    match v {
        PyValue::None => Err(WeightsError::NoneValue {
            target: "float",
            index,
        }),
        PyValue::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        PyValue::Int(i) => Ok(*i as f64),
        PyValue::Float(f) => Ok(*f),
        PyValue::Str(s) => parse_py_float(s).ok_or_else(|| WeightsError::InvalidLiteral {
            target: "float",
            index,
            text: s.clone(),
        }),
    }
}

/// `_as_pairs(uids, weights)`: a `{uid: weight}` mapping (keys may be strings after JSON; sorted
/// by `int(key)`) or parallel lists (lengths not checked here), with duplicate uids refused.
pub fn as_pairs(
    uids: Option<&[PyValue]>,
    weights: &PyWeights,
) -> Result<(Vec<i64>, Vec<f64>), WeightsError> {
    match weights {
        PyWeights::Mapping(items) => {
            if uids.is_some() {
                return Err(WeightsError::MappingAndUids);
            }
            let mut pairs = Vec::with_capacity(items.len());
            for (i, (k, v)) in items.iter().enumerate() {
                pairs.push((py_int(k, i)?, py_float(v, i)?));
            }
            pairs.sort_by_key(|p| p.0);
            if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(WeightsError::DuplicateUid { uid: w[0].0 });
            }
            Ok(pairs.into_iter().unzip())
        }
        PyWeights::None => Err(WeightsError::MissingWeights),
        PyWeights::List(ws) => {
            let uids = uids.ok_or(WeightsError::MissingWeights)?;
            let out_uids = uids
                .iter()
                .enumerate()
                .map(|(i, u)| py_int(u, i))
                .collect::<Result<Vec<i64>, _>>()?;
            let mut seen = std::collections::BTreeSet::new();
            if let Some(&dup) = out_uids.iter().find(|u| !seen.insert(**u)) {
                return Err(WeightsError::DuplicateUid { uid: dup });
            }
            let out_w = ws
                .iter()
                .enumerate()
                .map(|(i, w)| py_float(w, i))
                .collect::<Result<Vec<f64>, _>>()?;
            Ok((out_uids, out_w))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_literals() {
        assert_eq!(parse_py_int(" 1_000 "), Some(1000));
        assert_eq!(parse_py_int("1.5"), None);
        assert_eq!(parse_py_float("1e-3"), Some(0.001));
        assert!(parse_py_float("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_py_float("abc"), None);
    }

    #[test]
    fn clip_by_hand() {
        // [1,1,10] with limit 0.5: sorted est = [1/12, 1/12, 10/12]; the two small ones satisfy
        // e/((n-i-1)e + cum + eps) < 0.5, so n_values = 2, the cutoff is
        // (0.5*2/12 - 1e-7)/(1 - 0.5*1) * 12 = 2 - 2.4e-6, and the result is about [1/4,1/4,1/2].
        let y = clip_to_max_weight(&[1.0, 1.0, 10.0], 0.5).expect("clip");
        assert!((y[0] - 0.25).abs() < 1e-6 && (y[2] - 0.5).abs() < 1e-6);
    }
}
