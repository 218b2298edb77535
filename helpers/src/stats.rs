//! Running statistics and quantiles (spec §2 `RunningStats`, the quantile used by
//! `cap_shift`).

use super::common::{check_finite, sum, HelperError, Result};
use super::probabilistic::normal_cdf;

/// NumPy's default (`method="linear"`) quantile of an ascending-sorted slice.
///
/// Formula: `h = (n−1)·q`, `i = ⌊h⌋`, `t = h − i`; the result interpolates
/// between `x[i]` and `x[i+1]` as NumPy's `_lerp` does: `x[i] + (x[i+1]−x[i])·t`
/// when `t < 0.5`, and `x[i+1] − (x[i+1]−x[i])·(1−t)` otherwise (so the ends are
/// exact). Cost: O(1) (the caller sorts, O(n log n)).
///
/// Edge cases: empty → [`HelperError::Empty`]; `q ∉ [0, 1]` → `Err`; a slice that
/// is not sorted ascending or holds NaN → `Err`.
///
/// ```
/// use imr_helpers::quantile_linear;
/// assert_eq!(quantile_linear(&[1.0, 2.0, 3.0, 4.0], 0.5).unwrap(), 2.5);
/// assert_eq!(quantile_linear(&[1.0, 2.0, 3.0, 4.0], 1.0).unwrap(), 4.0);
/// ```
pub fn quantile_linear(sorted: &[f64], q: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&q) {
        return Err(HelperError::InvalidParameter("q must be in [0, 1]"));
    }
    if sorted.is_empty() {
        return Err(HelperError::Empty);
    }
    super::common::check_no_nan(sorted)?;
    if let Some(i) = sorted.windows(2).position(|w| w[0] > w[1]) {
        return Err(HelperError::InvalidValue {
            index: i + 1,
            reason: "input must be sorted ascending",
        });
    }
    let n = sorted.len();
    let h = (n - 1) as f64 * q;
    let i = (libm::floor(h) as usize).min(n - 1);
    let t = h - i as f64;
    if i + 1 >= n {
        return Ok(sorted[n - 1]);
    }
    let (a, b) = (sorted[i], sorted[i + 1]);
    let d = b - a;
    Ok(if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    })
}

/// Running mean and variance merged batch by batch (text-prompting's
/// `normalize_rewards`), with a cap on the remembered count.
///
/// `update(batch)`: with `n` old and `m` new values, batch mean `μ_b` and batch
/// population variance `σ²_b` (compensated, two pass):
/// `w_new = m/(n+m)`, `w_old = n/(n+m)`, `δ = μ_b − μ`,
/// `μ ← w_new·μ_b + w_old·μ`, `σ² ← w_new·σ²_b + w_old·σ² + w_new·w_old·δ²`,
/// `n ← min(cap, n+m)`. The cap makes old batches fade (text-prompting uses 3000).
///
/// ```
/// use imr_helpers::RunningStats;
/// let mut s = RunningStats::new(3000);
/// s.update(&[1.0, 3.0]).unwrap();
/// s.update(&[5.0, 7.0]).unwrap();
/// assert_eq!((s.mean(), s.variance()), (4.0, 5.0));
/// assert_eq!(s.to_unit_cdf(4.0), 0.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunningStats {
    count: u64,
    cap: u64,
    mean: f64,
    var: f64,
}

impl RunningStats {
    /// Empty statistics whose count never exceeds `cap` (`cap = 0` means no cap).
    pub fn new(cap: u64) -> Self {
        Self {
            count: 0,
            cap,
            mean: 0.0,
            var: 0.0,
        }
    }

    /// Restores statistics from saved fields (e.g. module state).
    ///
    /// Edge cases: a non-finite mean, or a negative or non-finite variance → `Err`.
    pub fn from_parts(count: u64, cap: u64, mean: f64, var: f64) -> Result<Self> {
        if !mean.is_finite() || !var.is_finite() || var < 0.0 {
            return Err(HelperError::InvalidParameter(
                "mean must be finite and variance finite and >= 0",
            ));
        }
        Ok(Self {
            count,
            cap,
            mean,
            var,
        })
    }

    /// The (capped) number of values merged so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The running mean (0 before any update).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The running population variance (0 before any update).
    pub fn variance(&self) -> f64 {
        self.var
    }

    /// Merges one batch. Cost: O(m). Edge cases: an empty batch changes nothing;
    /// NaN or ±inf → `Err` and nothing changes.
    pub fn update(&mut self, batch: &[f64]) -> Result<()> {
        check_finite(batch)?;
        if batch.is_empty() {
            return Ok(());
        }
        let m = batch.len() as f64;
        let bmean = sum(batch) / m;
        let dev: Vec<f64> = batch.iter().map(|&x| (x - bmean) * (x - bmean)).collect();
        let bvar = sum(&dev) / m;
        let n = self.count as f64;
        let w_new = m / (n + m);
        let w_old = n / (n + m);
        let delta = bmean - self.mean;
        self.mean = w_new * bmean + w_old * self.mean;
        self.var = w_new * bvar + w_old * self.var + w_new * w_old * delta * delta;
        let total = self.count.saturating_add(batch.len() as u64);
        self.count = if self.cap == 0 {
            total
        } else {
            total.min(self.cap)
        };
        Ok(())
    }

    /// `(x − μ)/σ`, or `x − μ` when the variance is 0 (as text-prompting does).
    pub fn zscore(&self, x: f64) -> f64 {
        if self.var > 0.0 {
            (x - self.mean) / libm::sqrt(self.var)
        } else {
            x - self.mean
        }
    }

    /// `Φ(zscore(x))`, in `[0, 1]` (text-prompting's reward normalization).
    pub fn to_unit_cdf(&self, x: f64) -> f64 {
        normal_cdf(self.zscore(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_equals_one_batch() {
        // two batches merged equal the statistics of their union (no cap hit)
        let mut a = RunningStats::new(0);
        a.update(&[2.0, 4.0, 4.0]).unwrap();
        a.update(&[4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        // union: mean 5, population variance 4
        assert!((a.mean() - 5.0).abs() < 1e-15);
        assert!((a.variance() - 4.0).abs() < 1e-14);
        assert_eq!(a.count(), 8);
        assert_eq!(a.zscore(7.0), 1.0);
    }

    #[test]
    fn cap_limits_count_and_bad_input_is_refused() {
        let mut s = RunningStats::new(2);
        s.update(&[1.0, 1.0, 1.0]).unwrap();
        assert_eq!(s.count(), 2);
        let before = s;
        assert!(s.update(&[f64::NAN]).is_err());
        assert_eq!(s, before);
        assert_eq!(s.zscore(3.0), 2.0); // variance 0: plain difference
    }

    #[test]
    fn quantile_numpy_examples() {
        // np.quantile([1, 2, 3, 4, 10], 0.9) = 7.6 (h = 3.6 → 4 + 0.6·6)
        let q = quantile_linear(&[1.0, 2.0, 3.0, 4.0, 10.0], 0.9).unwrap();
        assert!((q - 7.6).abs() < 1e-15);
        assert_eq!(quantile_linear(&[5.0], 0.3).unwrap(), 5.0);
        assert!(quantile_linear(&[2.0, 1.0], 0.3).is_err());
        assert!(quantile_linear(&[], 0.3).is_err());
    }
}
