//! Probabilistic, interval and binary-outcome scores (spec §2 "Probabilistic and
//! interval scores"), with the normal distribution helpers they need.
//!
//! Every input must be finite unless stated: NaN or ±inf is
//! [`HelperError::NonFinite`] (C3). Transcendentals come from [`libm`] (C2).

use std::f64::consts::{FRAC_1_SQRT_2, FRAC_2_SQRT_PI};

use super::common::{check_finite, HelperError, NeumaierSum, Result};

/// `1/√(2π)`, rounded once.
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// Checks that every scalar argument is finite; the index is the argument's position.
fn check_scalars(xs: &[f64]) -> Result<()> {
    check_finite(xs)
}

/// Pinball (quantile) loss of quantile forecast `q` at level `τ` for outcome `y` (↓).
///
/// Formula: `max(τ·(y−q), (τ−1)·(y−q))`. Cost: O(1).
/// Edge cases: non-finite → `Err` (index 0 = `q`, 1 = `tau`, 2 = `y`);
/// `τ ∉ [0, 1]` → [`HelperError::InvalidParameter`].
///
/// ```
/// use imr_helpers::pinball;
/// assert_eq!(pinball(10.0, 0.75, 12.0).unwrap(), 1.5); // 0.75·2
/// assert_eq!(pinball(10.0, 0.75, 8.0).unwrap(), 0.5); // 0.25·2
/// ```
pub fn pinball(q: f64, tau: f64, y: f64) -> Result<f64> {
    check_scalars(&[q, tau, y])?;
    if !(0.0..=1.0).contains(&tau) {
        return Err(HelperError::InvalidParameter("tau must be in [0, 1]"));
    }
    let d = y - q;
    Ok((tau * d).max((tau - 1.0) * d))
}

/// Mean pinball loss over several quantile forecasts of one outcome (↓).
///
/// Formula: `(1/K)·Σ_k pinball(q_k, τ_k, y)` (compensated). Cost: O(K).
/// Edge cases: empty → [`HelperError::Empty`]; lengths must match; as [`pinball`].
///
/// ```
/// use imr_helpers::mean_pinball;
/// let l = mean_pinball(&[9.0, 11.0], &[0.1, 0.9], 10.0).unwrap();
/// assert!((l - 0.1).abs() < 1e-15); // (0.1·1 + 0.1·1)/2
/// ```
pub fn mean_pinball(qs: &[f64], taus: &[f64], y: f64) -> Result<f64> {
    if qs.len() != taus.len() {
        return Err(HelperError::LengthMismatch {
            left: qs.len(),
            right: taus.len(),
        });
    }
    if qs.is_empty() {
        return Err(HelperError::Empty);
    }
    check_finite(qs)?;
    let mut acc = NeumaierSum::default();
    for (&q, &t) in qs.iter().zip(taus) {
        acc.add(pinball(q, t, y)?);
    }
    Ok(acc.total() / qs.len() as f64)
}

/// Interval score (Winkler / Gneiting–Raftery) of a central `(1−α)` interval (↓).
///
/// Formula: `(hi−lo) + (2/α)(lo−y)·1[y<lo] + (2/α)(y−hi)·1[y>hi]`. Cost: O(1).
/// Edge cases: non-finite → `Err` (index 0 = `lo`, 1 = `hi`, 2 = `y`);
/// `lo > hi` → [`HelperError::InvalidValue`] (the caller may swap them, as Precog
/// does); `α ∉ (0, 1]` → [`HelperError::InvalidParameter`].
///
/// ```
/// use imr_helpers::interval_score;
/// assert_eq!(interval_score(90.0, 110.0, 100.0, 0.1).unwrap(), 20.0);
/// assert_eq!(interval_score(90.0, 110.0, 111.0, 0.1).unwrap(), 20.0 + 20.0 * 1.0);
/// ```
pub fn interval_score(lo: f64, hi: f64, y: f64, alpha: f64) -> Result<f64> {
    check_scalars(&[lo, hi, y])?;
    if !(alpha.is_finite() && alpha > 0.0 && alpha <= 1.0) {
        return Err(HelperError::InvalidParameter("alpha must be in (0, 1]"));
    }
    if lo > hi {
        return Err(HelperError::InvalidValue {
            index: 0,
            reason: "lo > hi",
        });
    }
    let mut s = hi - lo;
    if y < lo {
        s += (2.0 / alpha) * (lo - y);
    } else if y > hi {
        s += (2.0 / alpha) * (y - hi);
    }
    Ok(s)
}

/// Coverage of an interval: `#{i : lo ≤ yᵢ ≤ hi} / n` (↑), range `[0, 1]`.
///
/// Cost: O(n). Edge cases: empty `ys` → [`HelperError::Empty`]; `lo > hi` →
/// [`HelperError::InvalidValue`]; a non-finite bound → `Err` (index 0 = `lo`,
/// 1 = `hi`), checked before `ys`; a non-finite observation → `Err` at its index in `ys`.
///
/// ```
/// use imr_helpers::coverage;
/// assert_eq!(coverage(1.0, 2.0, &[0.5, 1.0, 1.5, 2.0, 2.5]).unwrap(), 0.6);
/// ```
pub fn coverage(lo: f64, hi: f64, ys: &[f64]) -> Result<f64> {
    check_scalars(&[lo, hi])?;
    if lo > hi {
        return Err(HelperError::InvalidValue {
            index: 0,
            reason: "lo > hi",
        });
    }
    if ys.is_empty() {
        return Err(HelperError::Empty);
    }
    check_finite(ys)?;
    let inside = ys.iter().filter(|&&y| lo <= y && y <= hi).count();
    Ok(inside as f64 / ys.len() as f64)
}

/// Precog's interval score over an observed price path (↑), range `[0, 1]`.
///
/// Formula: `(lo, hi) ← (min, max)` of the two bounds; if `hi = lo` the result
/// is 0; `f_w = (min(hi, max path) − max(lo, min path)) / (hi−lo)`;
/// `f_i = coverage(lo, hi, path)`; result `f_i·f_w`. When the path lies wholly
/// outside the interval `f_i = 0`, and the result is `+0.0` (a negative `f_w` is
/// clamped to 0 so the sign of zero is fixed).
///
/// Cost: O(n). Edge cases: empty path → [`HelperError::Empty`]; non-finite → `Err`.
///
/// ```
/// use imr_helpers::precog_interval_score;
/// // interval [100, 110], path spans [104, 120]: f_w = (110−104)/10, f_i = 2/3
/// let s = precog_interval_score(110.0, 100.0, &[104.0, 108.0, 120.0]).unwrap();
/// assert!((s - 0.6 * 2.0 / 3.0).abs() < 1e-15);
/// ```
pub fn precog_interval_score(lo: f64, hi: f64, path: &[f64]) -> Result<f64> {
    check_scalars(&[lo, hi])?;
    if path.is_empty() {
        return Err(HelperError::Empty);
    }
    check_finite(path)?;
    let (lo, hi) = (lo.min(hi), lo.max(hi));
    if hi == lo {
        return Ok(0.0);
    }
    let pmin = path.iter().copied().fold(f64::INFINITY, f64::min);
    let pmax = path.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let f_w = ((hi.min(pmax) - lo.max(pmin)) / (hi - lo)).max(0.0);
    let f_i = coverage(lo, hi, path)?;
    Ok(f_i * f_w)
}

/// CRPS of an ensemble (empirical distribution) forecast `xs` for outcome `y` (↓).
///
/// Formula (spec): sort `xs` into `x₍₁₎ ≤ … ≤ x₍M₎`;
/// `CRPS = (1/M)Σ|xᵢ−y| − (1/M²)Σ_{i=1..M}(2i−M−1)·x₍ᵢ₎`, which equals
/// properscoring's `E|X−y| − ½E|X−X′|`. It is evaluated in the algebraically
/// equal form `(1/M²)·Σᵢ cᵢ·|dᵢ|` with `dᵢ = x₍ᵢ₎−y`, `cᵢ = 2i−1` when `dᵢ < 0` and
/// `cᵢ = 2M−2i+1` otherwise: every term is non-negative, so nothing cancels and
/// the result is within a few ulp of the exact value (properscoring itself is
/// within 12 ulp; parity tests use `1e-12·max(1, |y|, max|xᵢ|)`).
///
/// Cost: O(M log M). Edge cases: a point mass (`M = 1`) gives `|x−y|`; empty →
/// [`HelperError::Empty`]; any NaN or ±inf member or outcome → `Err` (C3).
/// **Difference from properscoring:** it drops NaN members and returns NaN or
/// ±inf on the other degenerate inputs; this helper refuses them.
///
/// ```
/// use imr_helpers::crps_ensemble;
/// assert_eq!(crps_ensemble(&[2.0], 0.0).unwrap(), 2.0);
/// assert_eq!(crps_ensemble(&[1.0, 0.0], 0.5).unwrap(), 0.25);
/// ```
pub fn crps_ensemble(xs: &[f64], y: f64) -> Result<f64> {
    if xs.is_empty() {
        return Err(HelperError::Empty);
    }
    check_finite(xs)?;
    if !y.is_finite() {
        return Err(HelperError::InvalidParameter("observation must be finite"));
    }
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let m = sorted.len();
    let mut acc = NeumaierSum::default();
    for (k, &x) in sorted.iter().enumerate() {
        let i = k + 1;
        let d = x - y;
        let c = if d < 0.0 {
            2 * i - 1
        } else {
            2 * m - 2 * i + 1
        };
        acc.add(c as f64 * d.abs());
    }
    let mf = m as f64;
    Ok(acc.total() / (mf * mf))
}

/// Standard normal CDF `Φ(z) = ½(1 + erf(z/√2))`, with `erfc` in the lower tail.
///
/// Using `½·erfc(−z/√2)` for `z < 0` keeps full relative accuracy far in the
/// lower tail, where `1 + erf(·)` cancels. Cost: O(1). Edge cases: NaN in →
/// NaN out (infallible, no `Result`); `±inf` → 1 or 0.
///
/// ```
/// use imr_helpers::normal_cdf;
/// assert_eq!(normal_cdf(0.0), 0.5);
/// assert!((normal_cdf(-1.0) + normal_cdf(1.0) - 1.0).abs() < 1e-16);
/// ```
pub fn normal_cdf(z: f64) -> f64 {
    if z < 0.0 {
        0.5 * libm::erfc(-z * FRAC_1_SQRT_2)
    } else {
        0.5 * (1.0 + libm::erf(z * FRAC_1_SQRT_2))
    }
}

/// Standard normal density `φ(z) = e^{−z²/2}/√(2π)`. Cost: O(1). Edge cases:
/// NaN in → NaN out (infallible); `±inf` → 0; `|z| > ~38.6` underflows to 0.
///
/// ```
/// use imr_helpers::normal_pdf;
/// assert_eq!(normal_pdf(0.0), 0.398_942_280_401_432_7);
/// ```
pub fn normal_pdf(z: f64) -> f64 {
    FRAC_1_SQRT_2PI * libm::exp(-(z * z) / 2.0)
}

/// CRPS of a Gaussian forecast `N(μ, σ²)` for outcome `y` (↓).
///
/// Formula: `z = (y−μ)/σ`; `σ·(z(2Φ(z)−1) + 2φ(z) − 1/√π)`. Since `2Φ(z)−1 =
/// erf(z/√2)`, it is evaluated as `σ·(z·erf(z/√2) + 2φ(z) − 1/√π)` with
/// [`libm::erf`], which is symmetric in `z` and avoids the cancellation of
/// `2Φ−1` near 0. Agrees with properscoring within a relative 1e-14.
///
/// Cost: O(1). Edge cases: any non-finite argument → `Err` (index 0 = `mu`,
/// 1 = `sigma`, 2 = `y`); `σ ≤ 0` → [`HelperError::InvalidParameter`].
/// **Difference from properscoring:** it does not validate `σ` (0 → NaN,
/// negative → a negative score).
///
/// ```
/// use imr_helpers::crps_gaussian;
/// // z = 0: σ·(2φ(0) − 1/√π) = σ·(√2 − 1)/√π
/// let c = crps_gaussian(0.0, 1.0, 0.0).unwrap();
/// assert!((c - (2f64.sqrt() - 1.0) / std::f64::consts::PI.sqrt()).abs() < 1e-15);
/// ```
pub fn crps_gaussian(mu: f64, sigma: f64, y: f64) -> Result<f64> {
    check_scalars(&[mu, sigma, y])?;
    if sigma <= 0.0 {
        return Err(HelperError::InvalidParameter("sigma must be > 0"));
    }
    let z = (y - mu) / sigma;
    let frac_1_sqrt_pi = FRAC_2_SQRT_PI / 2.0;
    Ok(sigma * (z * libm::erf(z * FRAC_1_SQRT_2) + 2.0 * normal_pdf(z) - frac_1_sqrt_pi))
}

/// Synth's price changes in basis points over steps of `step`.
///
/// Formula: take every `step`-th point `Q_j = P_{j·step}`; return
/// `(Q_{j+1} − Q_j)/Q_j · 1e4` for consecutive pairs (NumPy
/// `diff(P[::k]) / P[::k][:-1] · 10000`).
///
/// Cost: O(n/step). Edge cases: `step = 0` → [`HelperError::InvalidParameter`];
/// fewer than two sampled points → empty; non-finite → `Err`; a zero price that
/// is used as a denominator → [`HelperError::InvalidValue`].
///
/// ```
/// use imr_helpers::path_changes_bps;
/// let c = path_changes_bps(&[100.0, 999.0, 101.0, 999.0, 100.0], 2).unwrap();
/// assert_eq!(c.len(), 2);
/// assert!((c[0] - 100.0).abs() < 1e-9);
/// ```
pub fn path_changes_bps(path: &[f64], step: usize) -> Result<Vec<f64>> {
    if step == 0 {
        return Err(HelperError::InvalidParameter("step must be >= 1"));
    }
    check_finite(path)?;
    let idx: Vec<usize> = (0..path.len()).step_by(step).collect();
    let mut out = Vec::with_capacity(idx.len().saturating_sub(1));
    for w in idx.windows(2) {
        let (a, b) = (path[w[0]], path[w[1]]);
        if a == 0.0 {
            return Err(HelperError::InvalidValue {
                index: w[0],
                reason: "zero price",
            });
        }
        out.push((b - a) / a * 1e4);
    }
    Ok(out)
}

/// Brier score of a probability forecast `p` for a binary outcome (↓): `(p−o)²`.
///
/// Range `[0, 1]`. Cost: O(1). Edge cases: `p ∉ [0, 1]` or NaN → `Err`.
///
/// ```
/// use imr_helpers::brier;
/// assert_eq!(brier(0.75, true).unwrap(), 0.0625);
/// assert_eq!(brier(0.75, false).unwrap(), 0.5625);
/// ```
pub fn brier(p: f64, outcome: bool) -> Result<f64> {
    if !(0.0..=1.0).contains(&p) {
        return Err(HelperError::InvalidValue {
            index: 0,
            reason: "probability must be in [0, 1]",
        });
    }
    let o = if outcome { 1.0 } else { 0.0 };
    Ok((p - o) * (p - o))
}

/// Clipped log score of a probability forecast (↑, Infinite Games).
///
/// Formula: `p ← clamp(p, eps, 1−eps)`; `ln p` if the outcome is true, else
/// `ln(1−p)`. Range `[ln eps, ln(1−eps)]`. Cost: O(1).
/// Edge cases: `p ∉ [0, 1]` or NaN → `Err`; `eps ∉ (0, 0.5]` → `Err`.
///
/// ```
/// use imr_helpers::log_score;
/// assert!((log_score(1.0, true, 0.01).unwrap() - 0.99f64.ln()).abs() < 1e-15);
/// assert!((log_score(0.0, true, 0.01).unwrap() - 0.01f64.ln()).abs() < 1e-14);
/// assert_eq!(log_score(0.5, false, 0.01).unwrap(), -std::f64::consts::LN_2);
/// ```
pub fn log_score(p: f64, outcome: bool, eps: f64) -> Result<f64> {
    if !(eps.is_finite() && eps > 0.0 && eps <= 0.5) {
        return Err(HelperError::InvalidParameter("eps must be in (0, 0.5]"));
    }
    if !(0.0..=1.0).contains(&p) {
        return Err(HelperError::InvalidValue {
            index: 0,
            reason: "probability must be in [0, 1]",
        });
    }
    let p = p.clamp(eps, 1.0 - eps);
    Ok(if outcome {
        libm::log(p)
    } else {
        libm::log(1.0 - p)
    })
}

/// Peer scores (Infinite Games): `sᵢ − mean_{j≠i} sⱼ`.
///
/// Computed as `sᵢ − (S − sᵢ)/(n−1)` with `S` the compensated total. With a
/// single miner there are no peers; it is compared with the worst clipped
/// forecaster instead: `[s₀ − ln(eps)]` (the spec's "`ln(eps)`-based" rule; pass
/// the same `eps` as to [`log_score`]).
///
/// Cost: O(n). Edge cases: empty → empty; non-finite → `Err`; `eps ∉ (0, 0.5]` → `Err`.
///
/// ```
/// use imr_helpers::peer_scores;
/// // −1 − mean(−3, −2) = 1.5; −3 − mean(−1, −2) = −1.5; −2 − mean(−1, −3) = 0
/// assert_eq!(peer_scores(&[-1.0, -3.0, -2.0], 0.01).unwrap(), vec![1.5, -1.5, 0.0]);
/// ```
pub fn peer_scores(log_scores: &[f64], eps: f64) -> Result<Vec<f64>> {
    if !(eps.is_finite() && eps > 0.0 && eps <= 0.5) {
        return Err(HelperError::InvalidParameter("eps must be in (0, 0.5]"));
    }
    check_finite(log_scores)?;
    match log_scores.len() {
        0 => Ok(Vec::new()),
        1 => Ok(vec![log_scores[0] - libm::log(eps)]),
        n => {
            let total = super::common::sum(log_scores);
            Ok(log_scores
                .iter()
                .map(|&s| s - (total - s) / (n - 1) as f64)
                .collect())
        }
    }
}

/// Acklam's rational approximation of `Φ⁻¹` (relative error ≤ 1.15e-9).
fn acklam(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.02425;
    if p < P_LOW {
        let q = libm::sqrt(-2.0 * libm::log(p));
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Standard normal quantile `Φ⁻¹(p)`: Acklam's approximation plus one Newton step.
///
/// For `p > 0.5` it returns `−Φ⁻¹(1−p)` (`1−p` is exact there), so the result is
/// exactly antisymmetric and the Newton residual `Φ(x) − p` is always computed in
/// the accurate lower tail (through `erfc`). After the Newton step the error is
/// about 1e-15 relative.
///
/// Cost: O(1). Edge cases: `p ∉ (0, 1)` (including 0, 1 and NaN) →
/// [`HelperError::InvalidParameter`].
///
/// ```
/// use imr_helpers::normal_quantile;
/// assert_eq!(normal_quantile(0.5).unwrap(), 0.0);
/// assert!((normal_quantile(0.975).unwrap() - 1.959963984540054).abs() < 1e-14);
/// ```
pub fn normal_quantile(p: f64) -> Result<f64> {
    if !(p > 0.0 && p < 1.0) {
        return Err(HelperError::InvalidParameter("p must be in (0, 1)"));
    }
    if p > 0.5 {
        return Ok(-normal_quantile(1.0 - p)?);
    }
    let x = acklam(p);
    let pdf = normal_pdf(x);
    if pdf == 0.0 {
        return Ok(x);
    }
    Ok(x - (normal_cdf(x) - p) / pdf)
}

/// Central Gaussian interval: `(μ − zσ, μ + zσ)` with `z = Φ⁻¹((1+level)/2)`.
///
/// Cost: O(1). Edge cases: `level ∉ (0, 1)`, non-finite `μ`, or `σ` negative or
/// non-finite → `Err`; `σ = 0` gives the point `(μ, μ)`.
///
/// ```
/// use imr_helpers::gaussian_interval;
/// let (lo, hi) = gaussian_interval(100.0, 10.0, 0.9).unwrap();
/// assert!((hi - 116.44853626951472).abs() < 1e-9 && (lo - 83.55146373048528).abs() < 1e-9);
/// ```
pub fn gaussian_interval(mu: f64, sigma: f64, level: f64) -> Result<(f64, f64)> {
    check_scalars(&[mu, sigma])?;
    if sigma < 0.0 {
        return Err(HelperError::InvalidParameter("sigma must be >= 0"));
    }
    if !(level > 0.0 && level < 1.0) {
        return Err(HelperError::InvalidParameter("level must be in (0, 1)"));
    }
    let z = normal_quantile((1.0 + level) / 2.0)?;
    Ok((mu - z * sigma, mu + z * sigma))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_score_by_hand() {
        // below: width 2 + (2/0.5)·(1−0) = 6
        assert_eq!(interval_score(1.0, 3.0, 0.0, 0.5).unwrap(), 6.0);
        assert_eq!(interval_score(1.0, 3.0, 3.0, 0.5).unwrap(), 2.0);
        assert!(interval_score(3.0, 1.0, 2.0, 0.5).is_err());
        assert!(interval_score(1.0, 3.0, 2.0, 0.0).is_err());
        assert_eq!(
            interval_score(1.0, f64::NAN, 2.0, 0.1),
            Err(HelperError::NonFinite { index: 1 })
        );
    }

    #[test]
    fn crps_identities() {
        // point mass = absolute error
        for (x, y) in [(3.0, -1.5), (-2.0, 7.25), (1e6, 1e6 + 0.5)] {
            assert_eq!(crps_ensemble(&[x], y).unwrap(), (x - y).abs());
        }
        // two members {0, 2}, y = 0: E|X−y| = 1, ½E|X−X'| = ½·(2·2)/4 = 0.5 → 0.5
        assert_eq!(crps_ensemble(&[2.0, 0.0], 0.0).unwrap(), 0.5);
        // order does not matter
        assert_eq!(
            crps_ensemble(&[3.0, 1.0, 2.0], 2.5).unwrap(),
            crps_ensemble(&[1.0, 2.0, 3.0], 2.5).unwrap()
        );
        assert!(crps_ensemble(&[], 1.0).is_err());
        assert!(crps_ensemble(&[1.0, f64::NAN], 1.0).is_err());
        assert!(crps_ensemble(&[1.0], f64::INFINITY).is_err());
    }

    #[test]
    fn crps_gaussian_tends_to_abs_error_as_sigma_shrinks() {
        let c = crps_gaussian(1.0, 1e-9, 4.0).unwrap();
        assert!((c - 3.0).abs() < 1e-8);
        assert!(crps_gaussian(0.0, 0.0, 1.0).is_err());
        assert!(crps_gaussian(0.0, -1.0, 1.0).is_err());
    }

    #[test]
    fn normal_quantile_round_trips() {
        for &p in &[
            1e-300, 1e-12, 0.001, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999,
        ] {
            let x = normal_quantile(p).unwrap();
            let back = normal_cdf(x);
            assert!(((back - p) / p).abs() < 1e-13, "p={p} x={x} back={back}");
        }
        // known value: Φ⁻¹(0.95) = 1.6448536269514722
        assert!((normal_quantile(0.95).unwrap() - 1.644_853_626_951_472_2).abs() < 1e-15);
        assert!(normal_quantile(0.0).is_err());
        assert!(normal_quantile(1.0).is_err());
        assert!(normal_quantile(f64::NAN).is_err());
        assert_eq!(
            normal_quantile(1.0 - 0.8).unwrap(),
            -normal_quantile(0.8).unwrap()
        );
    }

    #[test]
    fn binary_scores() {
        assert_eq!(brier(0.5, true).unwrap(), 0.25);
        assert!(brier(1.5, true).is_err());
        assert!(brier(f64::NAN, true).is_err());
        assert_eq!(log_score(0.5, false, 0.01).unwrap(), libm::log(0.5));
        assert!(log_score(0.5, false, 0.0).is_err());
        assert_eq!(peer_scores(&[], 0.01).unwrap(), Vec::<f64>::new());
        assert_eq!(peer_scores(&[libm::log(0.5)], 0.5).unwrap(), vec![0.0]);
    }

    #[test]
    fn precog_interval_edges() {
        assert_eq!(precog_interval_score(5.0, 5.0, &[5.0]).unwrap(), 0.0);
        // path wholly outside: +0.0
        let s = precog_interval_score(0.0, 1.0, &[2.0, 3.0]).unwrap();
        assert_eq!(s.to_bits(), 0.0f64.to_bits());
        // path inside and spanning the interval: 1
        assert_eq!(precog_interval_score(0.0, 1.0, &[0.0, 1.0]).unwrap(), 1.0);
        assert!(precog_interval_score(0.0, 1.0, &[]).is_err());
    }

    #[test]
    fn bps_changes() {
        assert_eq!(path_changes_bps(&[100.0, 101.0], 1).unwrap(), vec![100.0]);
        assert!(path_changes_bps(&[1.0], 1).unwrap().is_empty());
        assert!(path_changes_bps(&[0.0, 1.0], 1).is_err());
        assert!(path_changes_bps(&[1.0, 2.0], 0).is_err());
    }
}
