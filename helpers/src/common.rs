//! Types and primitives shared by every helper: the error type, the policies of
//! conventions C3–C5, and compensated summation (C1).

use std::fmt;

/// Why a helper refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum HelperError {
    /// A NaN (or, where documented, an infinity) was found at `index`.
    NonFinite {
        /// Position of the offending value in its input slice.
        index: usize,
    },
    /// Two inputs that must have the same length do not.
    LengthMismatch {
        /// Length of the first input.
        left: usize,
        /// Length of the second input.
        right: usize,
    },
    /// A parameter is outside its domain; the message names it.
    InvalidParameter(&'static str),
    /// A value is outside its domain (e.g. a zero actual in MAPE).
    InvalidValue {
        /// Position of the offending value.
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An input is longer than the helper's documented cap.
    TooLong {
        /// Its length.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// The input is empty where the helper needs at least one value.
    Empty,
    /// The input is shorter than the helper needs (e.g. one point for a direction).
    TooShort {
        /// Its length.
        len: usize,
        /// The minimum length.
        min: usize,
    },
}

impl fmt::Display for HelperError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NonFinite { index } => write!(f, "non-finite value at index {index}"),
            Self::LengthMismatch { left, right } => {
                write!(f, "length mismatch: {left} vs {right}")
            }
            Self::InvalidParameter(p) => write!(f, "invalid parameter: {p}"),
            Self::InvalidValue { index, reason } => {
                write!(f, "invalid value at index {index}: {reason}")
            }
            Self::TooLong { len, max } => write!(f, "input too long: {len} > {max}"),
            Self::Empty => write!(f, "empty input"),
            Self::TooShort { len, min } => write!(f, "input too short: {len} < {min}"),
        }
    }
}

impl std::error::Error for HelperError {}

/// Result type of the helpers.
pub type Result<T, E = HelperError> = std::result::Result<T, E>;

/// Where NaN goes in a ranking (C3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NanPolicy {
    /// NaN sorts after every finite value and after ±inf in the bad direction.
    #[default]
    Worst,
    /// NaN is refused with [`HelperError::NonFinite`].
    Error,
}

/// Which way is better (C4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Lower is better (errors, losses): the smallest value gets rank 0.
    #[default]
    Asc,
    /// Higher is better (rewards, scores): the largest value gets rank 0.
    Desc,
}

/// How tied values are ranked (C4). Ranks are 0-based positions in the C4 order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TieMode {
    /// The mean of the positions the tie group covers (`scipy` `average`, minus 1).
    #[default]
    Average,
    /// The first position of the tie group (`scipy` `min`, minus 1).
    Min,
    /// The index of the tie group: ties share a rank and the next group gets the next integer.
    Dense,
    /// Every element gets its own position; ties are broken by uid ascending.
    Ordinal,
}

/// What a normalization does with a zero or non-finite total (C5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZeroPolicy {
    /// Every entry gets `1/n`.
    Uniform,
    /// Every entry stays 0.
    #[default]
    AllZero,
    /// All weight goes to this uid (added if absent).
    Burn(u16),
}

/// Neumaier-compensated sum, left to right (C1).
///
/// ```
/// use imr_helpers::sum;
/// assert_eq!(sum(&[1e100, 1.0, -1e100]), 1.0);
/// ```
pub fn sum(xs: &[f64]) -> f64 {
    let mut acc = NeumaierSum::default();
    for &x in xs {
        acc.add(x);
    }
    acc.total()
}

/// Compensated mean (C1); `0.0` for an empty slice.
///
/// ```
/// use imr_helpers::mean;
/// assert_eq!(mean(&[1.0, 2.0, 4.0, 5.0]), 3.0);
/// ```
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        0.0
    } else {
        sum(xs) / xs.len() as f64
    }
}

/// Compensated dot product (C1).
///
/// ```
/// use imr_helpers::dot;
/// assert_eq!(dot(&[1.0, 2.0], &[3.0, 4.0]).unwrap(), 11.0);
/// ```
pub fn dot(a: &[f64], b: &[f64]) -> Result<f64> {
    if a.len() != b.len() {
        return Err(HelperError::LengthMismatch {
            left: a.len(),
            right: b.len(),
        });
    }
    let mut acc = NeumaierSum::default();
    for (x, y) in a.iter().zip(b) {
        acc.add(x * y);
    }
    Ok(acc.total())
}

/// A running Neumaier-compensated sum.
#[derive(Debug, Clone, Copy, Default)]
pub struct NeumaierSum {
    sum: f64,
    compensation: f64,
}

impl NeumaierSum {
    /// Adds one term.
    pub fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    /// The compensated total so far.
    pub fn total(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// Returns the index of the first NaN, as a [`HelperError::NonFinite`].
pub fn check_no_nan(xs: &[f64]) -> Result<()> {
    match xs.iter().position(|x| x.is_nan()) {
        Some(index) => Err(HelperError::NonFinite { index }),
        None => Ok(()),
    }
}

/// Returns the index of the first NaN or infinity, as a [`HelperError::NonFinite`].
pub fn check_finite(xs: &[f64]) -> Result<()> {
    match xs.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(HelperError::NonFinite { index }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neumaier_recovers_what_naive_summation_loses() {
        // Naive left-to-right: 1e100 + 1 = 1e100, - 1e100 = 0.
        assert_eq!(sum(&[1e100, 1.0, -1e100]), 1.0);
        // 0.1 * 10 naive = 0.9999999999999999; compensated gives the nearest double to 1.
        assert_eq!(sum(&[0.1; 10]), 1.0);
    }

    #[test]
    fn dot_checks_lengths() {
        assert_eq!(
            dot(&[1.0], &[1.0, 2.0]),
            Err(HelperError::LengthMismatch { left: 1, right: 2 })
        );
    }
}
