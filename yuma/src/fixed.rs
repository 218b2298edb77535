//! Fixed-point types and the small helpers subtensor's `epoch/math.rs` builds on.
//!
//! Every helper copies the chain's rounding exactly: multiplication floors, division truncates
//! toward zero and yields 0 on division by zero or overflow (`safe_div`), additions inside the
//! algorithm saturate, and plain sums (`iter().sum()` on chain) wrap like a release build.

pub use substrate_fixed::types::{I32F32, I64F64, I96F32, U96F32};

/// Zero in I32F32.
pub const ZERO: I32F32 = I32F32::from_bits(0);
/// One in I32F32.
pub const ONE: I32F32 = I32F32::from_bits(1 << 32);

/// `a / b`, or 0 when `b == 0` or the quotient overflows (`safe_math::SafeDiv::safe_div`).
pub fn safe_div(a: I32F32, b: I32F32) -> I32F32 {
    a.checked_div(b).unwrap_or(ZERO)
}

/// `a / b` in I64F64, or 0 when `b == 0` or the quotient overflows.
pub fn safe_div64(a: I64F64, b: I64F64) -> I64F64 {
    a.checked_div(b).unwrap_or(I64F64::from_bits(0))
}

/// The sum of a slice as the chain's `iter().sum()` computes it in a release build (wrapping).
pub fn sum(x: &[I32F32]) -> I32F32 {
    x.iter().fold(ZERO, |acc, v| acc.wrapping_add(*v))
}

/// The sum of an iterator of values, wrapping like [`sum`].
pub fn sum_iter<I: Iterator<Item = I32F32>>(it: I) -> I32F32 {
    it.fold(ZERO, |acc, v| acc.wrapping_add(v))
}

/// `u16` as an I32F32 integer (`u16_to_fixed`).
pub fn u16_to_fixed(x: u16) -> I32F32 {
    I32F32::saturating_from_num(x)
}

/// `x / 65535` (`u16_proportion_to_fixed`), used for kappa, bonds penalty and alpha bounds.
pub fn u16_proportion_to_fixed(x: u16) -> I32F32 {
    safe_div(
        I32F32::saturating_from_num(x),
        I32F32::saturating_from_num(u16::MAX),
    )
}

/// `x / 65535` for a value already in I32F32 (`fixed_to_fixed_u16_proportion`).
pub fn fixed_to_fixed_u16_proportion(x: I32F32) -> I32F32 {
    safe_div(x, I32F32::saturating_from_num(u16::MAX))
}

/// `floor(x * 65535)`, saturated into u16 (`fixed_proportion_to_u16`): how every u16 output is stored.
pub fn fixed_proportion_to_u16(x: I32F32) -> u16 {
    x.saturating_mul(I32F32::saturating_from_num(u16::MAX))
        .saturating_to_num::<u16>()
}

/// Floor of an I64F64, saturated into u64 (`fixed64_to_u64`).
pub fn fixed64_to_u64(x: I64F64) -> u64 {
    x.saturating_to_num::<u64>()
}

/// Narrow I64F64 to I32F32 (drops the low fraction bits, saturates the integer part).
pub fn fixed64_to_fixed32(x: I64F64) -> I32F32 {
    I32F32::saturating_from_num(x)
}

/// Max-upscale a submitted u16 row as `set_weights` stores it (`vec_u16_max_upscale_to_u16`).
pub fn vec_u16_max_upscale_to_u16(values: &[u16]) -> Vec<u16> {
    let u16_max = I32F32::saturating_from_num(u16::MAX);
    let threshold = I32F32::saturating_from_num(32768);
    let v: Vec<I32F32> = values
        .iter()
        .map(|&e| I32F32::saturating_from_num(e))
        .collect();
    let Some(&max) = v.iter().max() else {
        return Vec::new();
    };
    if max == ZERO {
        return v
            .iter()
            .map(|e| e.saturating_mul(u16_max).saturating_to_num::<u16>())
            .collect();
    }
    if max > threshold {
        return v
            .iter()
            .map(|e| {
                e.saturating_mul(safe_div(u16_max, max))
                    .round()
                    .saturating_to_num::<u16>()
            })
            .collect();
    }
    v.iter()
        .map(|e| {
            safe_div(e.saturating_mul(u16_max), max)
                .round()
                .saturating_to_num::<u16>()
        })
        .collect()
}

/// The chain's `exp_safe`: clamp the input to [-20, 20], then substrate-fixed's Taylor-series `exp`.
pub fn exp_safe(input: I32F32) -> I32F32 {
    let min_input = I32F32::saturating_from_num(-20);
    let max_input = I32F32::saturating_from_num(20);
    let safe_input = if input < min_input {
        min_input
    } else if max_input < input {
        max_input
    } else {
        input
    };
    match substrate_fixed::transcendental::exp::<I32F32, I32F32>(safe_input) {
        Ok(v) => v,
        Err(()) => {
            if safe_input <= ZERO {
                ZERO
            } else {
                I32F32::max_value()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proportion_half_is_32767() {
        assert_eq!(fixed_proportion_to_u16(I32F32::from_num(0.5)), 32767);
        assert_eq!(fixed_proportion_to_u16(ONE), 65535);
        assert_eq!(fixed_proportion_to_u16(I32F32::from_num(-1)), 0);
    }

    #[test]
    fn safe_div_by_zero_is_zero() {
        assert_eq!(safe_div(ONE, ZERO), ZERO);
    }

    #[test]
    fn max_upscale_examples_from_spec() {
        assert_eq!(
            vec_u16_max_upscale_to_u16(&[43690, 21845]),
            vec![65535, 32768]
        );
        assert_eq!(
            vec_u16_max_upscale_to_u16(&[1, 2, 3]),
            vec![21845, 43690, 65535]
        );
        assert_eq!(
            vec_u16_max_upscale_to_u16(&[32767, 32767]),
            vec![65535, 65535]
        );
    }
}
