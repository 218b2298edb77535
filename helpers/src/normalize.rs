//! Normalization and final weights (spec §2 "Normalization and final weights").
//!
//! Weight helpers take and return C6 weight lists: `(uid, w)` pairs. Input
//! pairs may come in any order; outputs are sorted by uid, with `w ≥ 0` and
//! `Σw = 1` (or all 0). A repeated uid, a NaN or a negative weight is an error.
//! Vector helpers (`normalize_max`, `min_max`, …) work on plain `&[f64]` in
//! the caller's order.

use super::common::{check_finite, check_no_nan, sum, HelperError, Result, ZeroPolicy};

/// A C6 weight list: `(uid, weight)` sorted by uid.
pub type Weights = Vec<(u16, f64)>;

/// Sorts a weight list by uid and checks it: no repeated uid, no NaN, no
/// negative weight (`+inf` is allowed here; it makes the total non-finite).
fn prepare(w: &[(u16, f64)]) -> Result<Weights> {
    for (index, &(_, x)) in w.iter().enumerate() {
        if x.is_nan() {
            return Err(HelperError::NonFinite { index });
        }
        if x < 0.0 {
            return Err(HelperError::InvalidValue {
                index,
                reason: "weight must be >= 0",
            });
        }
    }
    let mut idx: Vec<usize> = (0..w.len()).collect();
    idx.sort_by_key(|&i| (w[i].0, i));
    for pair in idx.windows(2) {
        if w[pair[0]].0 == w[pair[1]].0 {
            return Err(HelperError::InvalidValue {
                index: pair[1],
                reason: "duplicate uid",
            });
        }
    }
    Ok(idx.into_iter().map(|i| w[i]).collect())
}

/// Puts all weight on `uid`: every other entry 0, `uid` added if absent.
fn all_to(mut w: Weights, uid: u16) -> Weights {
    for e in &mut w {
        e.1 = 0.0;
    }
    match w.binary_search_by_key(&uid, |e| e.0) {
        Ok(i) => w[i].1 = 1.0,
        Err(i) => w.insert(i, (uid, 1.0)),
    }
    w
}

/// Normalizes an already prepared list; a zero or non-finite total follows `zero`.
fn normalize_prepared(mut w: Weights, zero: ZeroPolicy) -> Weights {
    let values: Vec<f64> = w.iter().map(|e| e.1).collect();
    let total = sum(&values);
    if total > 0.0 && total.is_finite() {
        for e in &mut w {
            e.1 /= total;
        }
        return w;
    }
    match zero {
        ZeroPolicy::AllZero => {
            for e in &mut w {
                e.1 = 0.0;
            }
            w
        }
        ZeroPolicy::Uniform => {
            let u = 1.0 / w.len() as f64;
            for e in &mut w {
                e.1 = u;
            }
            w
        }
        ZeroPolicy::Burn(uid) => all_to(w, uid),
    }
}

/// L1 normalization of a weight list (C5, C6).
///
/// Formula: `wᵢ / Σw` (compensated sum, in uid order). When the total is 0 or
/// not finite (an entry is `+inf`, or the sum overflows), `zero` decides:
/// `AllZero` → every entry 0, `Uniform` → `1/n` each, `Burn(u)` → `u` gets 1 and
/// every other entry 0 (`u` is added if absent).
///
/// Cost: O(n log n) (sorting by uid). Edge cases: empty → empty under every
/// policy (C5; use [`with_burn`] to always emit the burn uid); NaN, negative
/// weights or a repeated uid → `Err` naming the input position.
///
/// ```
/// use imr_helpers::{normalize_sum, ZeroPolicy};
/// assert_eq!(normalize_sum(&[(3, 1.0), (1, 3.0)], ZeroPolicy::AllZero).unwrap(),
///            vec![(1, 0.75), (3, 0.25)]);
/// assert_eq!(normalize_sum(&[(3, 0.0), (1, 0.0)], ZeroPolicy::Burn(0)).unwrap(),
///            vec![(0, 1.0), (1, 0.0), (3, 0.0)]);
/// ```
pub fn normalize_sum(w: &[(u16, f64)], zero: ZeroPolicy) -> Result<Weights> {
    let w = prepare(w)?;
    if w.is_empty() {
        return Ok(w);
    }
    Ok(normalize_prepared(w, zero))
}

/// Divides every entry by the maximum: `xᵢ / max x` (snpOracle, the host's
/// quantization step).
///
/// Cost: O(n). Edge cases: empty → empty; a maximum `≤ 0` → all zeros (C5
/// `AllZero`); NaN or ±inf → `Err`.
///
/// ```
/// use imr_helpers::normalize_max;
/// assert_eq!(normalize_max(&[1.0, 4.0, 2.0]).unwrap(), vec![0.25, 1.0, 0.5]);
/// ```
pub fn normalize_max(x: &[f64]) -> Result<Vec<f64>> {
    check_finite(x)?;
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max <= 0.0 {
        return Ok(vec![0.0; x.len()]);
    }
    Ok(x.iter().map(|&v| v / max).collect())
}

/// Min-max scaling: `(xᵢ − min)/(max − min)`, range `[0, 1]`.
///
/// On a constant vector every entry is `on_constant` (TSPS uses 0, Apex `1/n`).
/// Cost: O(n). Edge cases: empty → empty; NaN or ±inf → `Err`.
///
/// ```
/// use imr_helpers::min_max;
/// assert_eq!(min_max(&[2.0, 4.0, 3.0], 0.0).unwrap(), vec![0.0, 1.0, 0.5]);
/// assert_eq!(min_max(&[7.0, 7.0], 0.5).unwrap(), vec![0.5, 0.5]);
/// ```
pub fn min_max(x: &[f64], on_constant: f64) -> Result<Vec<f64>> {
    check_finite(x)?;
    let min = x.iter().copied().fold(f64::INFINITY, f64::min);
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == min {
        return Ok(vec![on_constant; x.len()]);
    }
    let range = max - min;
    Ok(x.iter().map(|&v| (v - min) / range).collect())
}

/// Inverted min-max for errors (↓ → ↑): `1 − (eᵢ − min)/(max − min)`.
///
/// The best (lowest) error gets 1, the worst 0 (TSPS `simple_scale_scores`). On
/// a constant vector every entry is `on_constant`. Cost: O(n). Edge cases as
/// [`min_max`].
///
/// ```
/// use imr_helpers::invert_min_max;
/// assert_eq!(invert_min_max(&[0.1, 0.3, 0.2], 1.0).unwrap()[0], 1.0);
/// assert_eq!(invert_min_max(&[0.1, 0.3, 0.2], 1.0).unwrap()[1], 0.0);
/// ```
pub fn invert_min_max(errors: &[f64], on_constant: f64) -> Result<Vec<f64>> {
    check_finite(errors)?;
    let min = errors.iter().copied().fold(f64::INFINITY, f64::min);
    let max = errors.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == min {
        return Ok(vec![on_constant; errors.len()]);
    }
    Ok(min_max(errors, on_constant)?
        .into_iter()
        .map(|v| 1.0 - v)
        .collect())
}

/// Clamps every entry into `[lo, hi]`.
///
/// Cost: O(n). Edge cases: `lo > hi` or a NaN bound → `Err`; NaN entries →
/// `Err`; infinities are clamped.
///
/// ```
/// use imr_helpers::clamp;
/// assert_eq!(clamp(&[-1.0, 0.5, f64::INFINITY], 0.0, 1.0).unwrap(), vec![0.0, 0.5, 1.0]);
/// ```
pub fn clamp(x: &[f64], lo: f64, hi: f64) -> Result<Vec<f64>> {
    if lo.is_nan() || hi.is_nan() || lo > hi {
        return Err(HelperError::InvalidParameter("need lo <= hi"));
    }
    check_no_nan(x)?;
    Ok(x.iter().map(|&v| v.clamp(lo, hi)).collect())
}

/// Zeroes the entries below `max(0, mean − k·σ)` (TSPS `k = 1.5`).
///
/// `mean` and the population standard deviation `σ` (ddof 0, compensated, two
/// pass) are taken over all entries. Entries at or above the floor are kept.
/// Cost: O(n). Edge cases: empty → empty; NaN or ±inf → `Err`; `k` must be finite.
///
/// ```
/// use imr_helpers::zscore_floor;
/// // mean 2.5, σ = √1.25 ≈ 1.118; floor = 2.5 − 1.118 = 1.382
/// assert_eq!(zscore_floor(&[1.0, 2.0, 3.0, 4.0], 1.0).unwrap(), vec![0.0, 2.0, 3.0, 4.0]);
/// ```
pub fn zscore_floor(x: &[f64], k: f64) -> Result<Vec<f64>> {
    if !k.is_finite() {
        return Err(HelperError::InvalidParameter("k must be finite"));
    }
    check_finite(x)?;
    if x.is_empty() {
        return Ok(Vec::new());
    }
    let mean = super::common::mean(x);
    let dev: Vec<f64> = x.iter().map(|&v| (v - mean) * (v - mean)).collect();
    let sigma = libm::sqrt(sum(&dev) / x.len() as f64);
    let floor = (mean - k * sigma).max(0.0);
    Ok(x.iter().map(|&v| if v < floor { 0.0 } else { v }).collect())
}

/// Caps every weight at `limit` by water-filling (bittensor's `normalize_max_weight` goal).
///
/// Formula: normalize; sort by weight descending (uid ascending on ties); find
/// the smallest `c` such that setting the top `c` to `limit` and scaling the rest
/// by `(1 − c·limit)/Σrest` leaves every value `≤ limit`. Equal weights are
/// always capped together. If `n·limit ≤ 1` the result is uniform `1/n` (the
/// closest feasible vector). If the rest is all zero when the cap must spread
/// mass (`1 − c·limit > 0`), that mass goes in equal parts to the zero entries
/// (each stays `≤ limit` because `n·limit > 1`): C6 requires `Σw = 1`.
///
/// Cost: O(n log n). Edge cases: empty → empty; an all-zero list stays all zero;
/// `limit` must be `> 0` and not NaN (`limit ≥ 1` only normalizes); inputs are
/// checked like [`normalize_sum`] (a `+inf` entry gives all zeros).
///
/// ```
/// use imr_helpers::cap_max_weight;
/// // 0.7 capped at 0.5; the 0.3 excess... 0.2 and 0.1 scale by 0.5/0.3
/// let w = cap_max_weight(&[(0, 0.7), (1, 0.2), (2, 0.1)], 0.5).unwrap();
/// assert_eq!(w[0], (0, 0.5));
/// assert!((w[1].1 - 1.0 / 3.0).abs() < 1e-15 && (w[2].1 - 1.0 / 6.0).abs() < 1e-15);
/// ```
pub fn cap_max_weight(w: &[(u16, f64)], limit: f64) -> Result<Weights> {
    if limit.is_nan() || limit <= 0.0 {
        return Err(HelperError::InvalidParameter("limit must be > 0"));
    }
    let w = normalize_prepared(prepare(w)?, ZeroPolicy::AllZero);
    let n = w.len();
    if n == 0 || w.iter().all(|e| e.1 == 0.0) {
        return Ok(w);
    }
    if limit >= 1.0 {
        return Ok(w);
    }
    if n as f64 * limit <= 1.0 {
        let u = 1.0 / n as f64;
        return Ok(w.into_iter().map(|(uid, _)| (uid, u)).collect());
    }
    // Positions into `w`, heaviest first.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| w[j].1.total_cmp(&w[i].1).then(w[i].0.cmp(&w[j].0)));
    // suffix[c] = Σ of the weights at order positions c.. (compensated).
    // Accumulated from the lightest end, so each suffix costs O(1).
    let mut suffix = vec![0.0; n + 1];
    let mut acc = super::common::NeumaierSum::default();
    for c in (0..n).rev() {
        acc.add(w[order[c]].1);
        suffix[c] = acc.total();
    }
    let mut out = w.clone();
    for c in 0..n {
        let remaining = 1.0 - c as f64 * limit;
        let rest = suffix[c];
        if rest <= 0.0 {
            // Only zeros left: spread the remaining mass evenly over them.
            let share = remaining / (n - c) as f64;
            for (pos, &i) in order.iter().enumerate() {
                out[i].1 = if pos < c { limit } else { share };
            }
            return Ok(out);
        }
        let scale = remaining / rest;
        // A tiny (subnormal) `rest` can make `scale` overflow to infinity, and `x·scale` then
        // infinite or NaN; scale by each weight's share of `rest` instead (the same value in
        // exact arithmetic). Finite scales keep the bits of `x·scale`.
        let scaled = |x: f64| {
            if scale.is_finite() {
                x * scale
            } else {
                remaining * (x / rest)
            }
        };
        if scaled(w[order[c]].1) <= limit {
            for (pos, &i) in order.iter().enumerate() {
                out[i].1 = if pos < c { limit } else { scaled(w[i].1) };
            }
            return Ok(out);
        }
    }
    // Unreachable when n·limit > 1 (c = n−1 always fits), kept total for safety.
    let u = 1.0 / n as f64;
    Ok(w.into_iter().map(|(uid, _)| (uid, u)).collect())
}

/// Sends a fixed fraction to a burn (owner) uid: `(1−frac)·normalize(w)` plus
/// `frac` to `burn_uid`.
///
/// If `w` normalizes to all zeros (empty, all zero, or a non-finite total), the
/// burn uid gets everything (`1.0`). `burn_uid` is added if absent; if it
/// already has weight, it keeps its scaled share plus `frac`.
///
/// Cost: O(n log n). Edge cases: `frac ∉ [0, 1]` → `Err`; inputs checked like
/// [`normalize_sum`].
///
/// ```
/// use imr_helpers::with_burn;
/// assert_eq!(with_burn(&[(2, 1.0), (5, 3.0)], 0, 0.2).unwrap(),
///            vec![(0, 0.2), (2, 0.2), (5, 0.6000000000000001)]);
/// assert_eq!(with_burn(&[(2, 0.0)], 0, 0.0).unwrap(), vec![(0, 1.0), (2, 0.0)]);
/// ```
pub fn with_burn(w: &[(u16, f64)], burn_uid: u16, frac: f64) -> Result<Weights> {
    if !(0.0..=1.0).contains(&frac) {
        return Err(HelperError::InvalidParameter("frac must be in [0, 1]"));
    }
    let w = normalize_prepared(prepare(w)?, ZeroPolicy::AllZero);
    if w.iter().all(|e| e.1 == 0.0) {
        return Ok(all_to(w, burn_uid));
    }
    let mut out: Weights = w.into_iter().map(|(u, x)| (u, (1.0 - frac) * x)).collect();
    match out.binary_search_by_key(&burn_uid, |e| e.0) {
        Ok(i) => out[i].1 += frac,
        Err(i) => out.insert(i, (burn_uid, frac)),
    }
    Ok(out)
}

/// PTN's `_normalize_with_burn_address`: if `Σw < 1`, the burn uid gets `1 − Σw`;
/// otherwise the list is normalized.
///
/// Weights are used as given (not normalized first) when `Σw < 1`. Cost:
/// O(n log n). Edge cases: empty → `[(burn_uid, 1)]`; a non-finite total →
/// everything to the burn uid; inputs checked like [`normalize_sum`].
///
/// ```
/// use imr_helpers::fill_remainder_to_burn;
/// assert_eq!(fill_remainder_to_burn(&[(1, 0.25), (2, 0.5)], 229).unwrap(),
///            vec![(1, 0.25), (2, 0.5), (229, 0.25)]);
/// assert_eq!(fill_remainder_to_burn(&[(1, 2.0), (2, 2.0)], 229).unwrap(),
///            vec![(1, 0.5), (2, 0.5)]);
/// ```
pub fn fill_remainder_to_burn(w: &[(u16, f64)], burn_uid: u16) -> Result<Weights> {
    let mut w = prepare(w)?;
    let values: Vec<f64> = w.iter().map(|e| e.1).collect();
    let total = sum(&values);
    if !total.is_finite() {
        return Ok(all_to(w, burn_uid));
    }
    if total >= 1.0 {
        return Ok(normalize_prepared(w, ZeroPolicy::Burn(burn_uid)));
    }
    let rest = 1.0 - total;
    match w.binary_search_by_key(&burn_uid, |e| e.0) {
        Ok(i) => w[i].1 += rest,
        Err(i) => w.insert(i, (burn_uid, rest)),
    }
    Ok(w)
}

/// Synth's owner match: the owner uid gets as much as all miners together,
/// i.e. [`with_burn`]`(w, owner, 0.5)`.
///
/// Cost and edge cases as [`with_burn`].
///
/// ```
/// use imr_helpers::owner_matches_miners;
/// assert_eq!(owner_matches_miners(&[(1, 1.0), (2, 1.0)], 248).unwrap(),
///            vec![(1, 0.25), (2, 0.25), (248, 0.5)]);
/// ```
pub fn owner_matches_miners(w: &[(u16, f64)], owner: u16) -> Result<Weights> {
    with_burn(w, owner, 0.5)
}

/// The result of [`finalize`]: C6 weights and the total before normalization.
#[derive(Debug, Clone, PartialEq)]
pub struct Finalized {
    /// C6 weights: sorted by uid, `w ≥ 0`, `Σw = 1` or all 0.
    pub weights: Weights,
    /// Σ of the live uids' weights before normalization (for diagnostics).
    pub pre_sum: f64,
}

/// The last step before output: drops uids not in `uids_alive`, then normalizes
/// (C5, C6) and records the pre-normalization sum.
///
/// A `Burn(u)` zero policy adds `u` even when it is not in `uids_alive` (it is
/// the caller's owner uid). Cost: O((n + m) log m). Edge cases: inputs checked
/// like [`normalize_sum`] (NaN, negative, repeated uid → `Err`); when no live
/// uid is left the result is empty (C5), whatever `zero` says.
///
/// ```
/// use imr_helpers::{finalize, ZeroPolicy};
/// let f = finalize(&[(4, 1.0), (9, 5.0), (2, 3.0)], &[2, 4], ZeroPolicy::AllZero).unwrap();
/// assert_eq!(f.weights, vec![(2, 0.75), (4, 0.25)]);
/// assert_eq!(f.pre_sum, 4.0);
/// ```
pub fn finalize(w: &[(u16, f64)], uids_alive: &[u16], zero: ZeroPolicy) -> Result<Finalized> {
    let w = prepare(w)?;
    let alive: std::collections::BTreeSet<u16> = uids_alive.iter().copied().collect();
    let live: Weights = w.into_iter().filter(|e| alive.contains(&e.0)).collect();
    let values: Vec<f64> = live.iter().map(|e| e.1).collect();
    let pre_sum = sum(&values);
    let weights = normalize_sum(&live, zero)?;
    Ok(Finalized { weights, pre_sum })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_policies() {
        let z = [(5, 0.0), (2, 0.0)];
        assert_eq!(
            normalize_sum(&z, ZeroPolicy::AllZero).unwrap(),
            vec![(2, 0.0), (5, 0.0)]
        );
        assert_eq!(
            normalize_sum(&z, ZeroPolicy::Uniform).unwrap(),
            vec![(2, 0.5), (5, 0.5)]
        );
        assert_eq!(
            normalize_sum(&z, ZeroPolicy::Burn(5)).unwrap(),
            vec![(2, 0.0), (5, 1.0)]
        );
        assert_eq!(normalize_sum(&[], ZeroPolicy::Uniform).unwrap(), vec![]);
        let inf = [(0, f64::INFINITY), (1, 1.0)];
        assert_eq!(
            normalize_sum(&inf, ZeroPolicy::Uniform).unwrap(),
            vec![(0, 0.5), (1, 0.5)]
        );
        assert_eq!(
            normalize_sum(&[(1, 1.0), (1, 2.0)], ZeroPolicy::AllZero),
            Err(HelperError::InvalidValue {
                index: 1,
                reason: "duplicate uid"
            })
        );
        assert!(normalize_sum(&[(1, -1.0)], ZeroPolicy::AllZero).is_err());
        assert_eq!(
            normalize_sum(&[(1, f64::NAN)], ZeroPolicy::AllZero),
            Err(HelperError::NonFinite { index: 0 })
        );
    }

    #[test]
    fn cap_with_a_tiny_remainder_stays_finite() {
        // Found by the weight_helpers_keep_c6 proptest: after capping the eight heavy entries the
        // rest sums to a subnormal, so remaining / rest overflowed to infinity (the tiny entries
        // became inf and the zero NaN).
        let w = [
            (0, 480077.0308892146),
            (1, 2.1511526965849062e-303),
            (2, 799680.1829059264),
            (3, 571849.3669197093),
            (4, 815659.7829301724),
            (5, 287333.0928819197),
            (6, 554755.5683571191),
            (7, 959755.4669675184),
            (8, 0.0),
            (9, 6.042389759103369e-301),
        ];
        let limit = 0.11194414469266194;
        let capped = cap_max_weight(&w, limit).unwrap();
        assert!(
            capped.iter().all(|e| e.1.is_finite() && e.1 >= 0.0),
            "{capped:?}"
        );
        assert!(capped.iter().all(|e| e.1 <= limit), "{capped:?}");
        let sum: f64 = capped.iter().map(|e| e.1).sum();
        assert!((sum - 1.0).abs() < 1e-9, "sum {sum}");
        assert_eq!(capped[8].1, 0.0);
    }

    #[test]
    fn cap_by_hand() {
        // [0.5, 0.3, 0.2], limit 0.4: c=1: rest 0.5 scaled to 0.6 → 0.36, 0.24 ≤ 0.4 ✓
        let w = cap_max_weight(&[(0, 5.0), (1, 3.0), (2, 2.0)], 0.4).unwrap();
        assert_eq!(w[0], (0, 0.4));
        assert!((w[1].1 - 0.36).abs() < 1e-15);
        assert!((w[2].1 - 0.24).abs() < 1e-15);
        // two tied heavy entries are capped together:
        // [0.4, 0.4, 0.2], limit 0.35: c=1 → 0.4·0.65/0.6 = 0.433 > 0.35; c=2: 0.2·0.3/0.2 = 0.3 ✓
        let w = cap_max_weight(&[(0, 0.4), (1, 0.4), (2, 0.2)], 0.35).unwrap();
        assert_eq!(w[0].1, 0.35);
        assert_eq!(w[1].1, 0.35);
        assert!((w[2].1 - 0.3).abs() < 1e-15);
        // n·limit ≤ 1 → uniform
        assert_eq!(
            cap_max_weight(&[(0, 1.0), (1, 0.0)], 0.5).unwrap(),
            vec![(0, 0.5), (1, 0.5)]
        );
        // zeros receive the remainder: [1, 0, 0], limit 0.5 → 0.5, 0.25, 0.25
        assert_eq!(
            cap_max_weight(&[(0, 1.0), (1, 0.0), (2, 0.0)], 0.5).unwrap(),
            vec![(0, 0.5), (1, 0.25), (2, 0.25)]
        );
        assert!(cap_max_weight(&[(0, 1.0)], 0.0).is_err());
        assert_eq!(cap_max_weight(&[(0, 0.0)], 0.1).unwrap(), vec![(0, 0.0)]);
    }

    #[test]
    fn burn_variants() {
        // burn uid already present: 0.5·0.5 + 0.5
        assert_eq!(
            with_burn(&[(0, 1.0), (1, 1.0)], 0, 0.5).unwrap(),
            vec![(0, 0.75), (1, 0.25)]
        );
        assert_eq!(with_burn(&[], 7, 0.3).unwrap(), vec![(7, 1.0)]);
        assert!(with_burn(&[], 7, 1.5).is_err());
        assert_eq!(fill_remainder_to_burn(&[], 3).unwrap(), vec![(3, 1.0)]);
        assert_eq!(
            fill_remainder_to_burn(&[(3, 0.5)], 3).unwrap(),
            vec![(3, 1.0)]
        );
    }

    #[test]
    fn vector_scalings() {
        assert_eq!(normalize_max(&[0.0, -1.0]).unwrap(), vec![0.0, 0.0]);
        assert!(normalize_max(&[f64::INFINITY]).is_err());
        assert_eq!(min_max(&[], 0.0).unwrap(), Vec::<f64>::new());
        assert!(clamp(&[1.0], 2.0, 1.0).is_err());
        // mean 0, σ 1 for [-1, 1]: floor max(0, 0 − 1) = 0 → negative entry zeroed
        assert_eq!(zscore_floor(&[-1.0, 1.0], 1.0).unwrap(), vec![0.0, 1.0]);
    }
}
