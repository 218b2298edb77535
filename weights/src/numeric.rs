//! The numpy and CPython arithmetic the SDKs rely on, reproduced bit for bit.
//!
//! * [`pairwise_sum`]: `np.sum` of a float array (numpy's pairwise summation, 8 accumulators,
//!   block size 128), not a sequential sum.
//! * [`cumsum`]: `np.cumsum`, sequential in the array's dtype.
//! * [`quantile_linear`]: `np.quantile(arr, q)` with the default `'linear'` method as numpy 2.4
//!   computes it for a float32 array and a Python-float `q`.
//! * [`py_sum`]: CPython's builtin `sum()` of floats: naive left to right on 3.11, Neumaier
//!   compensated on 3.12+ ([`PySum`]).
//! * [`py_min`]/[`py_max`]: CPython's `min()`/`max()`, including how they treat NaN (a NaN is
//!   only ever picked when it comes first).
//! * [`py_round`]: CPython's `round(float)` → int: ties to even, `ValueError` on NaN,
//!   `OverflowError` on infinities.

use std::cmp::Ordering;
use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Sub};

/// A numpy float dtype (`float32` or `float64`): the arithmetic happens in `Self`.
pub trait NpFloat:
    Copy
    + Debug
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
{
    /// `+0.0`.
    const ZERO: Self;
    /// `-0.0` (numpy starts short pairwise sums with it).
    const NEG_ZERO: Self;
    /// `1.0`.
    const ONE: Self;
    /// numpy's dtype name.
    const DTYPE: &'static str;
    /// Round an f64 to this dtype (ties to even), as numpy casts a Python float.
    fn from_f64(x: f64) -> Self;
    /// Convert an integer count to this dtype (round to nearest).
    fn from_usize(n: usize) -> Self;
    /// Widen to f64 (exact).
    fn to_f64(self) -> f64;
    /// Whether the value is NaN.
    fn is_nan_value(self) -> bool;
}

impl NpFloat for f32 {
    const ZERO: Self = 0.0;
    const NEG_ZERO: Self = -0.0;
    const ONE: Self = 1.0;
    const DTYPE: &'static str = "float32";
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn from_usize(n: usize) -> Self {
        n as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn is_nan_value(self) -> bool {
        self.is_nan()
    }
}

impl NpFloat for f64 {
    const ZERO: Self = 0.0;
    const NEG_ZERO: Self = -0.0;
    const ONE: Self = 1.0;
    const DTYPE: &'static str = "float64";
    fn from_f64(x: f64) -> Self {
        x
    }
    fn from_usize(n: usize) -> Self {
        n as f64
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn is_nan_value(self) -> bool {
        self.is_nan()
    }
}

/// numpy's unrolled pairwise summation of `a` (the inner loop of `np.add.reduce`).
fn pairwise_inner<T: NpFloat>(a: &[T]) -> T {
    let n = a.len();
    if n < 8 {
        let mut res = T::NEG_ZERO;
        for &x in a {
            res = res + x;
        }
        res
    } else if n <= 128 {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let full = n - n % 8;
        let mut i = 8;
        while i < full {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc = *acc + a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[full..] {
            res = res + x;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_inner(&a[..n2]) + pairwise_inner(&a[n2..])
    }
}

/// `np.sum(a)` for a 1-D float array: the reduction starts from the identity `0` and adds the
/// pairwise sum of all elements.
pub fn pairwise_sum<T: NpFloat>(a: &[T]) -> T {
    T::ZERO + pairwise_inner(a)
}

/// `np.cumsum(a)`: sequential, in the array's dtype.
pub fn cumsum<T: NpFloat>(a: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len());
    let mut acc: Option<T> = None;
    for &x in a {
        let next = match acc {
            None => x,
            Some(s) => s + x,
        };
        out.push(next);
        acc = Some(next);
    }
    out
}

/// numpy's sort order for floats: ascending, NaN last, `-0.0` and `+0.0` equal.
pub fn np_float_order<T: NpFloat>(a: &T, b: &T) -> Ordering {
    match (a.is_nan_value(), b.is_nan_value()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

/// `np.sort(a)` (a sorted copy).
pub fn np_sort<T: NpFloat>(a: &[T]) -> Vec<T> {
    let mut v = a.to_vec();
    v.sort_by(np_float_order);
    v
}

/// `np.quantile(arr, q)` (method `'linear'`) for a float32 array and a Python-float `q`, as
/// numpy 2.4 computes it: the virtual index `(n-1)*q` in f64, the fraction `g`, and numpy's
/// two-sided `_lerp` in f32 (`a + d*f32(g)` below one half, `b - d*f32(1-g)` from one half up).
/// Returns `None` for an empty array (numpy raises there; callers never pass one).
pub fn quantile_linear(arr: &[f32], q: f64) -> Option<f32> {
    let n = arr.len();
    if n == 0 {
        return None;
    }
    let s = np_sort(arr);
    let last = s[n - 1];
    let vi = (n as f64 - 1.0) * q;
    if vi.is_nan() || vi >= (n - 1) as f64 {
        return Some(last);
    }
    let (lo_idx, g) = if vi < 0.0 {
        (0usize, vi - vi.floor())
    } else {
        let lo = vi.floor();
        (lo as usize, vi - lo)
    };
    let (a, b) = if vi < 0.0 {
        (s[0], s[0])
    } else {
        (s[lo_idx], s[(lo_idx + 1).min(n - 1)])
    };
    let g32 = g as f32;
    let d = b - a;
    if g32 >= 0.5 {
        // `1 - g` is taken in f64 and then rounded to f32 (not `1 - f32(g)`): checked against
        // numpy 2.4.6 on 5000 random float32 arrays; the SDK vectors do not tell the two apart.
        Some(b - d * ((1.0 - g) as f32))
    } else {
        Some(a + d * g32)
    }
}

/// Which CPython `sum()` of floats to reproduce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PySum {
    /// CPython 3.11 and older: naive left-to-right addition (the vectors' `expected`).
    #[default]
    Py311,
    /// CPython 3.12+: Neumaier-compensated summation (the vectors' `expected_py312`).
    Py312,
}

/// CPython's builtin `sum()` of a list of floats, starting from the int `0`.
pub fn py_sum(a: &[f64], mode: PySum) -> f64 {
    match mode {
        PySum::Py311 => {
            let mut s = 0.0f64;
            for &x in a {
                s += x;
            }
            s
        }
        PySum::Py312 => {
            let mut s = 0.0f64;
            let mut c = 0.0f64;
            for &x in a {
                let t = s + x;
                if s.abs() >= x.abs() {
                    c += (s - t) + x;
                } else {
                    c += (x - t) + s;
                }
                s = t;
            }
            if c != 0.0 && c.is_finite() {
                s += c;
            }
            s
        }
    }
}

/// CPython's `min()` of floats: keeps the current item unless a later item is `<` it (so a NaN
/// wins only when it comes first). `None` for an empty list (`ValueError` in Python).
pub fn py_min(a: &[f64]) -> Option<f64> {
    let mut it = a.iter();
    let mut cur = *it.next()?;
    for &x in it {
        if x < cur {
            cur = x;
        }
    }
    Some(cur)
}

/// CPython's `max()` of floats (see [`py_min`]).
pub fn py_max(a: &[f64]) -> Option<f64> {
    let mut it = a.iter();
    let mut cur = *it.next()?;
    for &x in it {
        if x > cur {
            cur = x;
        }
    }
    Some(cur)
}

/// Why CPython's `round()` could not make an int.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundError {
    /// `ValueError: cannot convert float NaN to integer`.
    Nan,
    /// `OverflowError: cannot convert float infinity to integer`.
    Infinite,
}

/// CPython's `round(x)` for a float: nearest integer, ties to even. Returned as f64 (exactly
/// integral); callers convert to the int width they need.
pub fn py_round(x: f64) -> Result<f64, RoundError> {
    if x.is_nan() {
        Err(RoundError::Nan)
    } else if x.is_infinite() {
        Err(RoundError::Infinite)
    } else {
        Ok(x.round_ties_even())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_differs_from_sequential_as_numpy_does() {
        // 1e8 followed by many ones: sequential f32 loses every 1, pairwise keeps groups of them.
        let mut a = vec![1.0f32; 16];
        a[0] = 1.0e8;
        let seq = a.iter().fold(0.0f32, |s, &x| s + x);
        assert_eq!(seq, 1.0e8);
        // f32 ulp at 1e8 is 8. Accumulators: r0 = 1e8 + 1 = 1e8, r1..r7 = 2 each; then
        // (r0+r1) = 1e8, + (r2+r3)=4 ties to even -> 1e8, + ((r4+r5)+(r6+r7)) = 8 -> 1e8 + 8.
        assert_eq!(pairwise_sum(&a), 100_000_008.0);
    }

    #[test]
    fn short_sums_are_sequential() {
        assert_eq!(pairwise_sum(&[0.1f32, 0.2, 0.3]), (0.1f32 + 0.2) + 0.3);
        assert_eq!(pairwise_sum::<f32>(&[]), 0.0);
        assert!(pairwise_sum(&[-0.0f32]).is_sign_positive());
    }

    #[test]
    fn quantile_matches_hand_values() {
        // numpy: np.quantile(np.float32([1,2,3,4,5,6,7,8]), 0.25) == 2.75
        let a: Vec<f32> = (1..=8).map(|x| x as f32).collect();
        assert_eq!(quantile_linear(&a, 0.25), Some(2.75));
        assert_eq!(quantile_linear(&a, 1.0), Some(8.0));
        assert_eq!(quantile_linear(&a, 0.0), Some(1.0));
    }

    #[test]
    fn quantile_upper_half_rounds_one_minus_g_from_f64() {
        // numpy 2.4.6: np.quantile(np.float32([0.006395447533577681, 0.0014684711350128055]),
        // 0.6722715866489422) == float32 bits 0x3b9ca7bb; `1 - f32(g)` would give another value.
        let a = [0.006_395_447_5_f32, 0.001_468_471_1_f32];
        let q = quantile_linear(&a, 0.672_271_586_648_942_2).map(f32::to_bits);
        assert_eq!(q, Some(0x3b9c_a7bb));
    }

    #[test]
    fn python_min_max_nan_rules() {
        assert!(py_min(&[f64::NAN, -1.0]).is_some_and(f64::is_nan));
        assert_eq!(py_min(&[1.0, f64::NAN, -1.0]), Some(-1.0));
        assert_eq!(py_max(&[1.0, f64::NAN, 3.0]), Some(3.0));
        assert_eq!(py_min(&[]), None);
    }

    #[test]
    fn python_round_ties_to_even() {
        assert_eq!(py_round(0.5), Ok(0.0));
        assert_eq!(py_round(2.5), Ok(2.0));
        assert_eq!(py_round(32767.5), Ok(32768.0));
        assert_eq!(py_round(f64::NAN), Err(RoundError::Nan));
        assert_eq!(py_round(f64::INFINITY), Err(RoundError::Infinite));
    }

    #[test]
    fn neumaier_recovers_lost_bits() {
        let a = [1e16, 1.0, 1.0, 1.0, 1e16, 3.0];
        assert_eq!(py_sum(&a, PySum::Py311), 2e16 + 4.0);
        // exact sum 2e16 + 6 lies halfway between 2e16 + 4 and 2e16 + 8 (ulp 4): ties to even.
        assert_eq!(py_sum(&a, PySum::Py312), 2e16 + 8.0);
    }
}
