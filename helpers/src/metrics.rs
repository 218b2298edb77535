//! Point-error metrics, weight generators and directional accuracy
//! (spec §2 "Point-error metrics"), plus the numeric anti-copy check.
//!
//! Inputs are predictions `p` and actuals `a` of equal length. Every value must
//! be finite: NaN or ±inf is [`HelperError::NonFinite`] naming its index (C3).
//! Sums are compensated and left to right (C1).

use super::common::{check_finite, HelperError, NeumaierSum, Result};

/// Checks equal lengths, non-emptiness and finiteness of a prediction/actual pair.
fn check_pair(p: &[f64], a: &[f64]) -> Result<()> {
    if p.len() != a.len() {
        return Err(HelperError::LengthMismatch {
            left: p.len(),
            right: a.len(),
        });
    }
    if p.is_empty() {
        return Err(HelperError::Empty);
    }
    check_finite(p)?;
    check_finite(a)
}

/// Compensated mean of `f(pᵢ, aᵢ)` over a checked pair.
fn mean_of(p: &[f64], a: &[f64], f: impl Fn(f64, f64) -> f64) -> f64 {
    let mut acc = NeumaierSum::default();
    for (&x, &y) in p.iter().zip(a) {
        acc.add(f(x, y));
    }
    acc.total() / p.len() as f64
}

/// Mean absolute error: `Σ|pᵢ−aᵢ| / n` (↓).
///
/// Cost: O(n). Edge cases: empty → [`HelperError::Empty`]; lengths must match;
/// non-finite → `Err`.
///
/// ```
/// use imr_helpers::mae;
/// assert_eq!(mae(&[1.0, 2.0], &[2.0, 4.0]).unwrap(), 1.5);
/// ```
pub fn mae(p: &[f64], a: &[f64]) -> Result<f64> {
    check_pair(p, a)?;
    Ok(mean_of(p, a, |x, y| (x - y).abs()))
}

/// Mean squared error: `Σ(pᵢ−aᵢ)² / n` (↓).
///
/// Cost: O(n). Edge cases as [`mae`].
///
/// ```
/// use imr_helpers::mse;
/// assert_eq!(mse(&[1.0, 2.0], &[2.0, 4.0]).unwrap(), 2.5);
/// ```
pub fn mse(p: &[f64], a: &[f64]) -> Result<f64> {
    check_pair(p, a)?;
    Ok(mean_of(p, a, |x, y| (x - y) * (x - y)))
}

/// Root mean squared error: `sqrt(mse(p, a))` (↓), `sqrt` from [`libm`].
///
/// Cost: O(n). Edge cases as [`mae`].
///
/// ```
/// use imr_helpers::rmse;
/// assert_eq!(rmse(&[0.0, 0.0], &[3.0, 4.0]).unwrap(), 12.5f64.sqrt());
/// ```
pub fn rmse(p: &[f64], a: &[f64]) -> Result<f64> {
    Ok(libm::sqrt(mse(p, a)?))
}

/// Weighted RMSE: `sqrt(Σwᵢ(pᵢ−aᵢ)² / Σwᵢ)` (↓, TSPS).
///
/// Cost: O(n). Edge cases: as [`mae`]; `w` must have the same length, every
/// `wᵢ` finite and `>= 0`, and `Σw > 0` ([`HelperError::InvalidParameter`]).
///
/// ```
/// use imr_helpers::weighted_rmse;
/// // weights 3 and 1: sqrt((3·0 + 1·4)/4) = 1
/// assert_eq!(weighted_rmse(&[1.0, 2.0], &[1.0, 4.0], &[3.0, 1.0]).unwrap(), 1.0);
/// ```
pub fn weighted_rmse(p: &[f64], a: &[f64], w: &[f64]) -> Result<f64> {
    check_pair(p, a)?;
    if w.len() != p.len() {
        return Err(HelperError::LengthMismatch {
            left: p.len(),
            right: w.len(),
        });
    }
    check_finite(w)?;
    if let Some(index) = w.iter().position(|&x| x < 0.0) {
        return Err(HelperError::InvalidValue {
            index,
            reason: "weight must be >= 0",
        });
    }
    let mut num = NeumaierSum::default();
    let mut den = NeumaierSum::default();
    for i in 0..p.len() {
        let d = p[i] - a[i];
        num.add(w[i] * d * d);
        den.add(w[i]);
    }
    if den.total() <= 0.0 {
        return Err(HelperError::InvalidParameter("weights must not sum to 0"));
    }
    Ok(libm::sqrt(num.total() / den.total()))
}

/// Mean absolute percentage error: `Σ|pᵢ−aᵢ|/|aᵢ| / n` (↓). A fraction, not ×100.
///
/// Cost: O(n). Edge cases: as [`mae`]; any `aᵢ = 0` is
/// [`HelperError::InvalidValue`] at that index.
///
/// ```
/// use imr_helpers::mape;
/// assert_eq!(mape(&[110.0, 45.0], &[100.0, 50.0]).unwrap(), 0.1);
/// ```
pub fn mape(p: &[f64], a: &[f64]) -> Result<f64> {
    check_pair(p, a)?;
    if let Some(index) = a.iter().position(|&y| y == 0.0) {
        return Err(HelperError::InvalidValue {
            index,
            reason: "actual is zero",
        });
    }
    Ok(mean_of(p, a, |x, y| (x - y).abs() / y.abs()))
}

/// Relative absolute error of one point: `|p−a| / |a|` (↓, Precog).
///
/// Cost: O(1). Edge cases: non-finite → `Err`; `a = 0` → `Err`.
///
/// ```
/// use imr_helpers::rel_abs_err;
/// assert_eq!(rel_abs_err(99.0, 100.0).unwrap(), 0.01);
/// ```
pub fn rel_abs_err(p: f64, a: f64) -> Result<f64> {
    mape(&[p], &[a])
}

/// Symmetric MAPE: `Σ 2|pᵢ−aᵢ| / (|pᵢ|+|aᵢ|) / n` (↓), range `[0, 2]`.
///
/// A term with `pᵢ = aᵢ = 0` (0/0) counts as 0. Cost: O(n). Edge cases as [`mae`].
///
/// ```
/// use imr_helpers::smape;
/// assert_eq!(smape(&[0.0, 3.0], &[0.0, 1.0]).unwrap(), 0.5);
/// ```
pub fn smape(p: &[f64], a: &[f64]) -> Result<f64> {
    check_pair(p, a)?;
    Ok(mean_of(p, a, |x, y| {
        let den = x.abs() + y.abs();
        if den == 0.0 {
            0.0
        } else {
            2.0 * (x - y).abs() / den
        }
    }))
}

/// RMSE of log returns against a base: `rmse(ln(pᵢ/base), ln(aᵢ/base))` (↓).
///
/// `ln` from [`libm`]. Cost: O(n). Edge cases: as [`mae`]; every `pᵢ`, `aᵢ` must
/// be `> 0` ([`HelperError::InvalidValue`]) and `base` finite and `> 0`
/// ([`HelperError::InvalidParameter`]).
///
/// ```
/// use imr_helpers::log_return_rmse;
/// let e = std::f64::consts::E;
/// assert!((log_return_rmse(&[e], &[1.0], 1.0).unwrap() - 1.0).abs() < 1e-15);
/// ```
pub fn log_return_rmse(p: &[f64], a: &[f64], base: f64) -> Result<f64> {
    check_pair(p, a)?;
    if !(base.is_finite() && base > 0.0) {
        return Err(HelperError::InvalidParameter("base must be finite and > 0"));
    }
    for xs in [p, a] {
        if let Some(index) = xs.iter().position(|&x| x <= 0.0) {
            return Err(HelperError::InvalidValue {
                index,
                reason: "price must be > 0",
            });
        }
    }
    let lp: Vec<f64> = p.iter().map(|&x| libm::log(x / base)).collect();
    let la: Vec<f64> = a.iter().map(|&x| libm::log(x / base)).collect();
    rmse(&lp, &la)
}

/// Exponential position weights: `wᵢ = e^{−k·i}` for `i = 0..n` (TSPS `k = 0.001`).
///
/// Cost: O(n). Edge cases: `n = 0` → empty; `k` must be finite.
///
/// ```
/// use imr_helpers::exp_decay_weights;
/// assert_eq!(exp_decay_weights(3, 0.0).unwrap(), vec![1.0; 3]);
/// ```
pub fn exp_decay_weights(n: usize, k: f64) -> Result<Vec<f64>> {
    if !k.is_finite() {
        return Err(HelperError::InvalidParameter("k must be finite"));
    }
    Ok((0..n).map(|i| libm::exp(-k * i as f64)).collect())
}

/// Recency weights: `w_i = min + (max−min)·e^{−rate·d}` with `d = n−1−i` (PTN),
/// so the last (newest) entry gets `max`.
///
/// Cost: O(n). Edge cases: `n = 0` → empty; parameters must be finite.
///
/// ```
/// use imr_helpers::recency_weights;
/// let w = recency_weights(2, 0.15, 1.0, 0.075).unwrap();
/// assert_eq!(w[1], 1.0);
/// assert!((w[0] - (0.15 + 0.85 * (-0.075f64).exp())).abs() < 1e-15);
/// ```
pub fn recency_weights(n: usize, min: f64, max: f64, rate: f64) -> Result<Vec<f64>> {
    if !(min.is_finite() && max.is_finite() && rate.is_finite()) {
        return Err(HelperError::InvalidParameter(
            "min, max and rate must be finite",
        ));
    }
    Ok((0..n)
        .map(|i| min + (max - min) * libm::exp(-rate * (n - 1 - i) as f64))
        .collect())
}

/// Power decay weights: `wᵢ = 1 − (i/(n−1))^e`, and `[1]` when `n = 1`
/// (Infinite Games `power_decay_weight`; the last entry gets 0).
///
/// Cost: O(n). Edge cases: `n = 0` → empty; `e` must be finite and `> 0`.
///
/// ```
/// use imr_helpers::power_decay_weights;
/// assert_eq!(power_decay_weights(3, 2.0).unwrap(), vec![1.0, 0.75, 0.0]);
/// ```
pub fn power_decay_weights(n: usize, e: f64) -> Result<Vec<f64>> {
    if !(e.is_finite() && e > 0.0) {
        return Err(HelperError::InvalidParameter(
            "exponent must be finite and > 0",
        ));
    }
    if n == 1 {
        return Ok(vec![1.0]);
    }
    Ok((0..n)
        .map(|i| 1.0 - libm::pow(i as f64 / (n - 1) as f64, e))
        .collect())
}

/// `sign` with `sign(0) = 0` (and `sign(-0) = 0`).
fn sign(x: f64) -> i8 {
    if x > 0.0 {
        1
    } else if x < 0.0 {
        -1
    } else {
        0
    }
}

/// Directional accuracy (↑, TSPS): the fraction of `i ≥ 1` where
/// `sign(pᵢ−pᵢ₋₁) = sign(aᵢ−aᵢ₋₁)`, with `sign(0) = 0`.
///
/// Range `[0, 1]`. Cost: O(n). Edge cases: fewer than 2 points →
/// [`HelperError::TooShort`]; lengths must match; non-finite → `Err`.
///
/// ```
/// use imr_helpers::directional_accuracy;
/// // steps: up/up, down/up, flat/flat → 2 of 3
/// let da = directional_accuracy(&[1.0, 2.0, 1.0, 1.0], &[5.0, 6.0, 7.0, 7.0]).unwrap();
/// assert_eq!(da, 2.0 / 3.0);
/// ```
pub fn directional_accuracy(p: &[f64], a: &[f64]) -> Result<f64> {
    check_pair(p, a)?;
    if p.len() < 2 {
        return Err(HelperError::TooShort {
            len: p.len(),
            min: 2,
        });
    }
    let hits = (1..p.len())
        .filter(|&i| sign(p[i] - p[i - 1]) == sign(a[i] - a[i - 1]))
        .count();
    Ok(hits as f64 / (p.len() - 1) as f64)
}

/// Directional accuracy against a base (↑, snpOracle):
/// `mean 1[(aᵢ−base ≥ 0) == (pᵢ−base ≥ 0)]`.
///
/// A value equal to the base counts as "up". Range `[0, 1]`. Cost: O(n).
/// Edge cases: as [`mae`]; `base` must be finite.
///
/// ```
/// use imr_helpers::directional_accuracy_vs_base;
/// let da = directional_accuracy_vs_base(&[101.0, 99.0, 100.0], &[102.0, 101.0, 98.0], 100.0).unwrap();
/// assert_eq!(da, 1.0 / 3.0);
/// ```
pub fn directional_accuracy_vs_base(p: &[f64], a: &[f64], base: f64) -> Result<f64> {
    check_pair(p, a)?;
    if !base.is_finite() {
        return Err(HelperError::InvalidParameter("base must be finite"));
    }
    let hits = p
        .iter()
        .zip(a)
        .filter(|(&x, &y)| (y - base >= 0.0) == (x - base >= 0.0))
        .count();
    Ok(hits as f64 / p.len() as f64)
}

/// Pairs of near-identical numeric submissions (the anti-copy rule of spec §3.1).
///
/// Two vectors `a`, `b` of the same length are near-duplicates when
/// `max_i |aᵢ−bᵢ| < rel_linf · max(max_i |aᵢ|, max_i |bᵢ|)` (relative L∞), or
/// when they are exactly equal (this covers two all-zero vectors). Returns
/// `(lo_uid, hi_uid)` pairs, each with the smaller uid first, sorted ascending.
/// Which member to penalize (e.g. the newer registration) is the caller's policy.
///
/// Cost: O(m²·h) for `m` vectors of length `h`. Edge cases: vectors of different
/// lengths, empty vectors, and vectors holding any non-finite value are never
/// duplicates; a uid listed twice is compared like any other entry (a pair
/// `(u, u)` can be reported); `rel_linf` must be finite and `>= 0`, else
/// [`HelperError::InvalidParameter`].
///
/// ```
/// use imr_helpers::near_duplicate_vectors;
/// let a = [100.0, 200.0];
/// let b = [100.0, 200.0 + 1e-8];
/// let c = [101.0, 200.0];
/// let pairs = near_duplicate_vectors(&[(9, &a[..]), (3, &b[..]), (4, &c[..])], 1e-9).unwrap();
/// assert_eq!(pairs, vec![(3, 9)]);
/// ```
pub fn near_duplicate_vectors(vectors: &[(u16, &[f64])], rel_linf: f64) -> Result<Vec<(u16, u16)>> {
    if !(rel_linf.is_finite() && rel_linf >= 0.0) {
        return Err(HelperError::InvalidParameter(
            "rel_linf must be finite and >= 0",
        ));
    }
    let usable = |v: &[f64]| !v.is_empty() && v.iter().all(|x| x.is_finite());
    let mut out = Vec::new();
    for i in 0..vectors.len() {
        let (ui, vi) = vectors[i];
        if !usable(vi) {
            continue;
        }
        for &(uj, vj) in &vectors[i + 1..] {
            if vj.len() != vi.len() || !usable(vj) {
                continue;
            }
            let mut diff = 0.0f64;
            let mut scale = 0.0f64;
            for (x, y) in vi.iter().zip(vj) {
                diff = diff.max((x - y).abs());
                scale = scale.max(x.abs()).max(y.abs());
            }
            if diff == 0.0 || diff < rel_linf * scale {
                out.push((ui.min(uj), ui.max(uj)));
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_errors_by_hand() {
        let p = [2.0, 4.0, 6.0];
        let a = [1.0, 4.0, 8.0];
        assert_eq!(mae(&p, &a).unwrap(), 1.0); // (1+0+2)/3
        assert_eq!(mse(&p, &a).unwrap(), 5.0 / 3.0); // (1+0+4)/3
        assert_eq!(rmse(&p, &a).unwrap(), libm::sqrt(5.0 / 3.0));
        // mape: 1/1 + 0 + 2/8 = 1.25 / 3
        assert_eq!(mape(&p, &a).unwrap(), 1.25 / 3.0);
        // smape: 2/3 + 0 + 4/14
        let s = (2.0 / 3.0 + 4.0 / 14.0) / 3.0;
        assert!((smape(&p, &a).unwrap() - s).abs() < 1e-16);
    }

    #[test]
    fn errors_name_the_position() {
        assert_eq!(
            mae(&[1.0], &[1.0, 2.0]),
            Err(HelperError::LengthMismatch { left: 1, right: 2 })
        );
        assert_eq!(mae(&[], &[]), Err(HelperError::Empty));
        assert_eq!(
            mae(&[1.0, f64::NAN], &[1.0, 2.0]),
            Err(HelperError::NonFinite { index: 1 })
        );
        assert_eq!(
            mape(&[1.0, 1.0], &[1.0, 0.0]),
            Err(HelperError::InvalidValue {
                index: 1,
                reason: "actual is zero"
            })
        );
        assert!(log_return_rmse(&[1.0], &[0.0], 1.0).is_err());
        assert!(directional_accuracy(&[1.0], &[1.0]).is_err());
        assert!(weighted_rmse(&[1.0], &[1.0], &[0.0]).is_err());
    }

    #[test]
    fn weight_generators() {
        assert!(exp_decay_weights(0, 0.1).unwrap().is_empty());
        assert_eq!(power_decay_weights(1, 2.0).unwrap(), vec![1.0]);
        assert_eq!(
            power_decay_weights(5, 1.0).unwrap(),
            vec![1.0, 0.75, 0.5, 0.25, 0.0]
        );
        assert_eq!(recency_weights(3, 1.0, 1.0, 5.0).unwrap(), vec![1.0; 3]);
    }

    #[test]
    fn vs_base_counts_equal_as_up() {
        assert_eq!(
            directional_accuracy_vs_base(&[100.0], &[100.0], 100.0).unwrap(),
            1.0
        );
        assert_eq!(
            directional_accuracy_vs_base(&[99.0], &[100.0], 100.0).unwrap(),
            0.0
        );
    }

    #[test]
    fn near_duplicates_edges() {
        let z = [0.0, 0.0];
        let n = [f64::NAN, 1.0];
        let s = [1.0];
        let pairs = near_duplicate_vectors(
            &[
                (1, &z[..]),
                (0, &z[..]),
                (2, &n[..]),
                (3, &n[..]),
                (4, &s[..]),
            ],
            1e-9,
        )
        .unwrap();
        assert_eq!(pairs, vec![(0, 1)]);
        // exactly at the threshold is not a duplicate (strict <)
        let a = [1.0];
        let b = [1.5];
        // diff 0.5, scale 1.5: 0.5 < r*1.5 iff r > 1/3
        assert!(near_duplicate_vectors(&[(0, &a[..]), (1, &b[..])], 0.3)
            .unwrap()
            .is_empty());
        assert_eq!(
            near_duplicate_vectors(&[(0, &a[..]), (1, &b[..])], 0.34).unwrap(),
            vec![(0, 1)]
        );
    }
}
