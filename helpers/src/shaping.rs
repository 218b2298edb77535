//! Weight shaping: softmax variants, sharpening, caps, smooth scalings and
//! penalty combinators (spec §2 "Ranking and weight shaping").
//!
//! These work on plain score vectors in the caller's (uid) order and return a
//! vector of the same length. NaN is refused with [`HelperError::NonFinite`]
//! (C3); where infinities are accepted the doc says how they are treated.

use super::common::{check_finite, check_no_nan, sum, HelperError, NeumaierSum, Result};
use super::stats::quantile_linear;

/// Shared softmax core on already-scaled logits `y` (no NaN).
///
/// `+inf` entries share everything; all `-inf` → uniform; otherwise
/// `exp(f(yᵢ, max)) / Σ` with `f` supplied by the caller.
fn softmax_core(y: &[f64], f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    let n = y.len();
    if n == 0 {
        return Vec::new();
    }
    let pos_inf = y.iter().filter(|&&v| v == f64::INFINITY).count();
    if pos_inf > 0 {
        let w = 1.0 / pos_inf as f64;
        return y
            .iter()
            .map(|&v| if v == f64::INFINITY { w } else { 0.0 })
            .collect();
    }
    let max = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return vec![1.0 / n as f64; n];
    }
    let e: Vec<f64> = y.iter().map(|&v| libm::exp(f(v, max))).collect();
    let total = sum(&e);
    e.into_iter().map(|v| v / total).collect()
}

/// Softmax with temperature: `e^{(xᵢ−max)/T} / Σⱼ e^{(xⱼ−max)/T}`.
///
/// Range `[0, 1]`, sums to 1 (the maximum contributes `e⁰ = 1`, so the total is
/// `≥ 1` and never underflows). Cost: O(n). Edge cases: empty → empty; `T` must
/// be finite and `> 0`; NaN → `Err`; `+inf` entries share the total equally; if
/// every entry is `-inf` the result is uniform.
///
/// ```
/// use imr_helpers::softmax;
/// let w = softmax(&[0.0, 2f64.ln()], 1.0).unwrap();
/// assert!((w[0] - 1.0 / 3.0).abs() < 1e-15 && (w[1] - 2.0 / 3.0).abs() < 1e-15);
/// ```
pub fn softmax(x: &[f64], t: f64) -> Result<Vec<f64>> {
    if !(t.is_finite() && t > 0.0) {
        return Err(HelperError::InvalidParameter(
            "temperature must be finite and > 0",
        ));
    }
    check_no_nan(x)?;
    Ok(softmax_core(x, |v, max| (v - max) / t))
}

/// Softmax with an inverse temperature of either sign:
/// `e^{β·xᵢ − max(β·x)} / Σ` (Synth uses `β < 0` on errors, lower is better).
///
/// Cost: O(n). Edge cases: empty → empty; `β` must be finite (`β = 0` →
/// uniform); NaN → `Err`; infinities are mapped through `β·x` and then treated
/// as in [`softmax`]; `0·inf` (β = 0 with an infinite entry) → `Err`.
///
/// ```
/// use imr_helpers::softmax_beta;
/// let w = softmax_beta(&[1.0, 1.0 + 2f64.ln()], -1.0).unwrap(); // the lower error wins 2:1
/// assert!((w[0] - 2.0 / 3.0).abs() < 1e-15);
/// ```
pub fn softmax_beta(x: &[f64], beta: f64) -> Result<Vec<f64>> {
    if !beta.is_finite() {
        return Err(HelperError::InvalidParameter("beta must be finite"));
    }
    check_no_nan(x)?;
    let y: Vec<f64> = x.iter().map(|&v| beta * v).collect();
    check_no_nan(&y)?;
    Ok(softmax_core(&y, |v, max| v - max))
}

/// Softmax over the non-zero entries only; zeros stay 0 (PTN `softmax_scores`).
///
/// Formula: for `xᵢ ≠ 0`: `e^{(xᵢ−max)/T} / Σ_{xⱼ≠0} e^{(xⱼ−max)/T}` with `max`
/// over the non-zero entries. **Difference from PTN:** PTN adds `1e-6` to the
/// denominator, so its output sums to slightly less than 1; this helper sums to
/// exactly 1 over the non-zero entries (C6 is applied downstream anyway).
///
/// Cost: O(n). Edge cases: all zero (or empty) → all zero; `T` finite `> 0`;
/// NaN or ±inf → `Err`.
///
/// ```
/// use imr_helpers::softmax_nonzero;
/// let w = softmax_nonzero(&[0.0, 1.0, 1.0], 0.15).unwrap();
/// assert_eq!(w, vec![0.0, 0.5, 0.5]);
/// ```
pub fn softmax_nonzero(x: &[f64], t: f64) -> Result<Vec<f64>> {
    if !(t.is_finite() && t > 0.0) {
        return Err(HelperError::InvalidParameter(
            "temperature must be finite and > 0",
        ));
    }
    check_finite(x)?;
    let nz: Vec<f64> = x.iter().copied().filter(|&v| v != 0.0).collect();
    let mut sm = softmax_core(&nz, |v, max| (v - max) / t).into_iter();
    Ok(x.iter()
        .map(|&v| {
            if v == 0.0 {
                0.0
            } else {
                sm.next().unwrap_or(0.0)
            }
        })
        .collect())
}

/// Zeroes the entries below `min_share·Σx` (taoverse drops weights below 0.18).
///
/// The total is the compensated sum of all entries. Entries equal to the
/// threshold are kept. Cost: O(n). Edge cases: empty → empty; NaN or ±inf →
/// `Err`; `min_share` must be finite. The result is not renormalized.
///
/// ```
/// use imr_helpers::threshold;
/// assert_eq!(threshold(&[0.1, 0.5, 0.4], 0.18).unwrap(), vec![0.0, 0.5, 0.4]);
/// ```
pub fn threshold(x: &[f64], min_share: f64) -> Result<Vec<f64>> {
    if !min_share.is_finite() {
        return Err(HelperError::InvalidParameter("min_share must be finite"));
    }
    check_finite(x)?;
    let cut = min_share * sum(x);
    Ok(x.iter().map(|&v| if v < cut { 0.0 } else { v }).collect())
}

/// The Apex reward sharpening (`apply_reward_func`).
///
/// Formula: `e = 100·p^{log₂100}` (p = 0.5 → 1, p = 0.7 → ≈9.35); `x ← x / max(1,
/// Σ positive x)`; `y = (max(x, 1e-10) / M)^e` with `M` the maximum of
/// `max(x, 1e-10)`; `y ← y / Σy`; finally entries whose scaled `x ≤ 0` are set
/// back to that (non-positive) scaled value. Positive outputs sum to at most 1.
///
/// Cost: O(n). Edge cases: empty → empty; `p` must be finite and `> 0`; NaN or
/// ±inf → `Err`.
///
/// ```
/// use imr_helpers::power_sharpen;
/// // p = 0.5: exponent 1 → plain L1 normalization of the positives
/// let y = power_sharpen(&[1.0, 3.0, -0.5], 0.5).unwrap();
/// assert!((y[0] - 0.25).abs() < 1e-9 && (y[1] - 0.75).abs() < 1e-9);
/// assert_eq!(y[2], -0.5 / 4.0);
/// ```
pub fn power_sharpen(x: &[f64], p: f64) -> Result<Vec<f64>> {
    if !(p.is_finite() && p > 0.0) {
        return Err(HelperError::InvalidParameter("p must be finite and > 0"));
    }
    check_finite(x)?;
    if x.is_empty() {
        return Ok(Vec::new());
    }
    let e = 100.0 * libm::pow(p, libm::log2(100.0));
    let positives: Vec<f64> = x.iter().copied().filter(|&v| v > 0.0).collect();
    let scale = sum(&positives).max(1.0);
    let scaled: Vec<f64> = x.iter().map(|&v| v / scale).collect();
    let clipped: Vec<f64> = scaled.iter().map(|&v| v.max(1e-10)).collect();
    let m = clipped.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let y: Vec<f64> = clipped.iter().map(|&v| libm::pow(v / m, e)).collect();
    let total = sum(&y);
    Ok(scaled
        .iter()
        .zip(&y)
        .map(|(&s, &v)| if s <= 0.0 { s } else { v / total })
        .collect())
}

/// Synth's `compute_prompt_scores`: cap errors at a quantile, then shift to 0.
///
/// Formula: `c` = the `q`-quantile of the *valid* (finite) errors, NumPy's
/// default `linear` method; every valid `e` becomes `min(e, c)`; every invalid
/// entry (NaN or ±inf; map Synth's `−1` sentinel to `f64::INFINITY` first)
/// becomes `c`, the worst valid score; then the minimum is subtracted, so the
/// best gets 0.
///
/// Cost: O(n log n). Edge cases: empty → empty; no valid entry → all zeros;
/// `q ∉ [0, 1]` → `Err`.
///
/// ```
/// use imr_helpers::cap_shift;
/// // valid [1, 2, 3, 4, 10]: p90 = 4 + 0.6·6 = 7.6
/// let s = cap_shift(&[1.0, 2.0, 3.0, 4.0, 10.0, f64::INFINITY], 0.9).unwrap();
/// assert_eq!(s[..4], [0.0, 1.0, 2.0, 3.0]);
/// assert!((s[4] - 6.6).abs() < 1e-12 && s[5] == s[4]);
/// ```
pub fn cap_shift(errors: &[f64], q: f64) -> Result<Vec<f64>> {
    if !(0.0..=1.0).contains(&q) {
        return Err(HelperError::InvalidParameter("q must be in [0, 1]"));
    }
    let mut valid: Vec<f64> = errors.iter().copied().filter(|v| v.is_finite()).collect();
    if valid.is_empty() {
        return Ok(vec![0.0; errors.len()]);
    }
    valid.sort_by(f64::total_cmp);
    let c = quantile_linear(&valid, q)?;
    let capped: Vec<f64> = errors
        .iter()
        .map(|&e| if e.is_finite() { e.min(c) } else { c })
        .collect();
    let min = capped.iter().copied().fold(f64::INFINITY, f64::min);
    Ok(capped.into_iter().map(|v| v - min).collect())
}

/// Logistic function: `1/(1+e^{−k(x−x₀)})`, range `[0, 1]`.
///
/// Cost: O(1). Edge cases: NaN in any argument → `Err`; saturates to 0 or 1
/// for large `|k(x−x₀)|` (including infinities).
///
/// ```
/// use imr_helpers::sigmoid;
/// assert_eq!(sigmoid(3.0, 2.0, 3.0).unwrap(), 0.5);
/// ```
pub fn sigmoid(x: f64, k: f64, x0: f64) -> Result<f64> {
    check_no_nan(&[x, k, x0])?;
    let z = -k * (x - x0);
    if z.is_nan() {
        return Err(HelperError::InvalidParameter(
            "k·(x−x0) is undefined (0·inf)",
        ));
    }
    Ok(1.0 / (1.0 + libm::exp(z)))
}

/// Sportstensor's `apply_pareto`: `μ·(x − min₊ + 1)^α` for `x > 0`, else 0.
///
/// `min₊` is the smallest positive entry. Cost: O(n). Edge cases: empty →
/// empty; no positive entry → all zeros; NaN or ±inf → `Err`; `μ`, `α` finite.
///
/// ```
/// use imr_helpers::pareto_shift;
/// assert_eq!(pareto_shift(&[-1.0, 2.0, 4.0], 1.0, 2.0).unwrap(), vec![0.0, 1.0, 9.0]);
/// ```
pub fn pareto_shift(x: &[f64], mu: f64, alpha: f64) -> Result<Vec<f64>> {
    if !(mu.is_finite() && alpha.is_finite()) {
        return Err(HelperError::InvalidParameter("mu and alpha must be finite"));
    }
    check_finite(x)?;
    let min_pos = x
        .iter()
        .copied()
        .filter(|&v| v > 0.0)
        .fold(f64::INFINITY, f64::min);
    Ok(x.iter()
        .map(|&v| {
            if v > 0.0 {
                mu * libm::pow(v - min_pos + 1.0, alpha)
            } else {
                0.0
            }
        })
        .collect())
}

/// Linear rescale into `[floor, ceil]` by the maximum: `floor + (x/max)(ceil−floor)`.
///
/// Cost: O(n). Edge cases: empty → empty; a maximum `≤ 0` → every entry
/// `floor`; NaN or ±inf → `Err`; `floor`, `ceil` finite.
///
/// ```
/// use imr_helpers::floor_ceiling_scale;
/// assert_eq!(floor_ceiling_scale(&[1.0, 2.0], 0.5, 1.5).unwrap(), vec![1.0, 1.5]);
/// ```
pub fn floor_ceiling_scale(x: &[f64], floor: f64, ceil: f64) -> Result<Vec<f64>> {
    if !(floor.is_finite() && ceil.is_finite()) {
        return Err(HelperError::InvalidParameter(
            "floor and ceil must be finite",
        ));
    }
    check_finite(x)?;
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max <= 0.0 {
        return Ok(vec![floor; x.len()]);
    }
    Ok(x.iter()
        .map(|&v| floor + (v / max) * (ceil - floor))
        .collect())
}

/// Weighted combination of equally long vectors: `outᵢ = Σ_k w_k·v_k[i]`.
///
/// The weights must sum to 1 (checked: `|Σw − 1| ≤ 1e-9`) and be `≥ 0`. Each
/// element is a compensated sum over `k` in the given order. Cost: O(K·n).
/// Edge cases: no vectors → `Err`; lengths must match; NaN or ±inf → `Err`.
///
/// ```
/// use imr_helpers::combine_weighted;
/// let a = [1.0, 0.0];
/// let b = [0.0, 1.0];
/// assert_eq!(combine_weighted(&[&a[..], &b[..]], &[0.25, 0.75]).unwrap(), vec![0.25, 0.75]);
/// ```
pub fn combine_weighted(vecs: &[&[f64]], ws: &[f64]) -> Result<Vec<f64>> {
    if vecs.len() != ws.len() {
        return Err(HelperError::LengthMismatch {
            left: vecs.len(),
            right: ws.len(),
        });
    }
    let first = vecs.first().ok_or(HelperError::Empty)?;
    check_finite(ws)?;
    if ws.iter().any(|&w| w < 0.0) || (sum(ws) - 1.0).abs() > 1e-9 {
        return Err(HelperError::InvalidParameter(
            "weights must be >= 0 and sum to 1",
        ));
    }
    for v in vecs {
        if v.len() != first.len() {
            return Err(HelperError::LengthMismatch {
                left: first.len(),
                right: v.len(),
            });
        }
        check_finite(v)?;
    }
    Ok((0..first.len())
        .map(|i| {
            let mut acc = NeumaierSum::default();
            for (v, &w) in vecs.iter().zip(ws) {
                acc.add(w * v[i]);
            }
            acc.total()
        })
        .collect())
}

/// SN1's multiplicative penalties: `r·Π_k (1 − w_k·clip(pen_k, 0, 1))`.
///
/// Applied in the given order. Cost: O(K). Edge cases: NaN in `r`, a weight or
/// a penalty → `Err`; weights must be in `[0, 1]`.
///
/// ```
/// use imr_helpers::apply_penalties;
/// assert_eq!(apply_penalties(0.8, &[(0.5, 0.5), (1.0, 2.0)]).unwrap(), 0.0);
/// assert_eq!(apply_penalties(0.8, &[(0.5, 0.5)]).unwrap(), 0.8 * 0.75);
/// ```
pub fn apply_penalties(r: f64, penalties: &[(f64, f64)]) -> Result<f64> {
    check_no_nan(&[r])?;
    let mut out = r;
    for (index, &(w, pen)) in penalties.iter().enumerate() {
        if w.is_nan() || pen.is_nan() {
            return Err(HelperError::NonFinite { index });
        }
        if !(0.0..=1.0).contains(&w) {
            return Err(HelperError::InvalidParameter(
                "penalty weight must be in [0, 1]",
            ));
        }
        out *= 1.0 - w * pen.clamp(0.0, 1.0);
    }
    Ok(out)
}

/// text-prompting's penalty factor: `1 − clip(p, 0, max)`.
///
/// Cost: O(1). Edge cases: NaN → `Err`; `max` must be in `[0, 1]`.
///
/// ```
/// use imr_helpers::clip_penalty;
/// assert_eq!(clip_penalty(0.9, 0.6).unwrap(), 0.4);
/// assert_eq!(clip_penalty(-1.0, 0.6).unwrap(), 1.0);
/// ```
pub fn clip_penalty(p: f64, max: f64) -> Result<f64> {
    check_no_nan(&[p])?;
    if !(0.0..=1.0).contains(&max) {
        return Err(HelperError::InvalidParameter("max must be in [0, 1]"));
    }
    Ok(1.0 - p.clamp(0.0, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_edges() {
        assert_eq!(softmax(&[], 1.0).unwrap(), Vec::<f64>::new());
        assert_eq!(softmax(&[5.0, 5.0], 0.01).unwrap(), vec![0.5, 0.5]);
        assert_eq!(
            softmax(&[f64::INFINITY, 1.0, f64::INFINITY], 1.0).unwrap(),
            vec![0.5, 0.0, 0.5]
        );
        assert_eq!(
            softmax(&[f64::NEG_INFINITY, f64::NEG_INFINITY], 1.0).unwrap(),
            vec![0.5, 0.5]
        );
        assert_eq!(
            softmax(&[f64::NEG_INFINITY, 0.0], 1.0).unwrap(),
            vec![0.0, 1.0]
        );
        assert!(softmax(&[f64::NAN], 1.0).is_err());
        assert!(softmax(&[1.0], 0.0).is_err());
        // huge spread: no overflow, the max gets ~1
        let w = softmax(&[1e308, -1e308], 1.0).unwrap();
        assert_eq!(w, vec![1.0, 0.0]);
        // β = 0 → uniform; β·inf with β = 0 is undefined
        assert_eq!(softmax_beta(&[1.0, 9.0], 0.0).unwrap(), vec![0.5, 0.5]);
        assert!(softmax_beta(&[f64::INFINITY], 0.0).is_err());
        // β < 0 maps +inf errors to −inf logits → weight 0
        assert_eq!(
            softmax_beta(&[f64::INFINITY, 1.0], -0.1).unwrap(),
            vec![0.0, 1.0]
        );
    }

    #[test]
    fn sharpen_exponent_9_35() {
        // p = 0.7: e = 100·0.7^log2(100) ≈ 9.35; two entries 1 and 0.5 → 1 : 0.5^e
        let y = power_sharpen(&[0.5, 0.25], 0.7).unwrap();
        let e = 100.0 * libm::pow(0.7, libm::log2(100.0));
        assert!((e - 9.35).abs() < 0.01);
        let r = libm::pow(0.5, e);
        assert!((y[0] - 1.0 / (1.0 + r)).abs() < 1e-15);
        assert!((y[1] - r / (1.0 + r)).abs() < 1e-15);
    }

    #[test]
    fn cap_shift_all_invalid_and_q_bounds() {
        assert_eq!(
            cap_shift(&[f64::NAN, f64::INFINITY], 0.9).unwrap(),
            vec![0.0, 0.0]
        );
        assert!(cap_shift(&[1.0], 1.5).is_err());
        assert_eq!(cap_shift(&[3.0, 1.0], 1.0).unwrap(), vec![2.0, 0.0]);
    }

    #[test]
    fn smooth_and_penalties() {
        assert_eq!(sigmoid(f64::INFINITY, 1.0, 0.0).unwrap(), 1.0);
        assert_eq!(sigmoid(f64::NEG_INFINITY, 1.0, 0.0).unwrap(), 0.0);
        assert!(sigmoid(f64::INFINITY, 0.0, 0.0).is_err());
        assert_eq!(
            pareto_shift(&[0.0, -2.0], 1.0, 1.8).unwrap(),
            vec![0.0, 0.0]
        );
        assert_eq!(
            floor_ceiling_scale(&[0.0, -1.0], 0.1, 1.0).unwrap(),
            vec![0.1, 0.1]
        );
        assert!(combine_weighted(&[&[1.0][..]], &[0.5]).is_err());
        assert!(apply_penalties(1.0, &[(2.0, 0.5)]).is_err());
        assert_eq!(threshold(&[], 0.2).unwrap(), Vec::<f64>::new());
        assert_eq!(softmax_nonzero(&[0.0, 0.0], 0.15).unwrap(), vec![0.0, 0.0]);
    }
}
