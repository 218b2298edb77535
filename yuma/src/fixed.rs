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
///
/// The common case of the epoch, `0 <= a <= b` (normalizing by a sum or a maximum), takes a fast
/// path that returns exactly substrate-fixed's `floor((a << 32) / b)`: a floating-point estimate
/// corrected with exact integer arithmetic until `q·b <= a·2^32 < (q+1)·b`.
pub fn safe_div(a: I32F32, b: I32F32) -> I32F32 {
    let (x, d) = (a.to_bits(), b.to_bits());
    if x >= 0 && d > 0 && x <= d {
        let num = (x as u128) << 32;
        let den = d as u128;
        // The estimate is within 1 of the quotient (which is at most 2^32); the loops make it exact.
        let mut q = ((x as f64 / d as f64) * 4_294_967_296.0) as u64 as u128;
        let mut prod = q * den;
        while prod > num {
            q -= 1;
            prod -= den;
        }
        while prod + den <= num {
            q += 1;
            prod += den;
        }
        return I32F32::from_bits(q as i64);
    }
    a.checked_div(b).unwrap_or(ZERO)
}

/// `a.saturating_mul(b)` for I32F32, bit for bit, as one widening multiply.
///
/// substrate-fixed multiplies `a` by `b << 32` in i128 and flags overflow when that product
/// leaves i128, which is exactly when `floor(a·b / 2^32)` leaves i64 (both bounds are
/// `a·b ∈ [-2^95, 2^95)`); it then saturates by the operands' signs, which are the product's.
/// The i64 × i64 product always fits in i128, so clamping `floor(a·b / 2^32)` gives the same
/// result without the 128-bit overflow check (a library call per multiply).
#[inline(always)]
pub fn mul_sat(a: I32F32, b: I32F32) -> I32F32 {
    let p = (a.to_bits() as i128 * b.to_bits() as i128) >> 32;
    let narrow = p as i64;
    if narrow as i128 == p {
        I32F32::from_bits(narrow)
    } else if p < 0 {
        I32F32::from_bits(i64::MIN)
    } else {
        I32F32::from_bits(i64::MAX)
    }
}

/// [`mul_sat`] for `p` a proportion in [0, 1] (bits in `[0, 2^32]`), without the saturation
/// check: `|p·b / 2^32| <= |b|`, so `floor(p·b / 2^32)` lies between 0 and `b` and always fits in
/// i64. Callers check that `p` is a proportion (once per row or epoch, see [`is_proportion`]);
/// in debug builds a wrong `p` panics.
#[inline(always)]
pub fn mul_prop(p: I32F32, b: I32F32) -> I32F32 {
    debug_assert!(is_proportion(p), "mul_prop of a non-proportion {p:?}");
    I32F32::from_bits(((p.to_bits() as i128 * b.to_bits() as i128) >> 32) as i64)
}

/// `a < b` as one integer comparison. substrate-fixed's `PartialOrd` is written for operands
/// of any two fixed types and checks the signs and converts first (branches in hot loops); for
/// two I32F32 it is the comparison of the bits, which this is.
#[inline(always)]
pub fn lt(a: I32F32, b: I32F32) -> bool {
    a.to_bits() < b.to_bits()
}

/// True when `x` lies in [0, 1] (bits in `[0, 2^32]`).
#[inline]
pub fn is_proportion(x: I32F32) -> bool {
    (0..=1i64 << 32).contains(&x.to_bits())
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

/// The TAO weight `TaoWeight / u64::MAX`, computed in U96F32 as `get_tao_weight` does, as I64F64.
pub fn tao_weight_fraction(raw: u64) -> I64F64 {
    let w = U96F32::saturating_from_num(raw)
        .checked_div(U96F32::saturating_from_num(u64::MAX))
        .unwrap_or(U96F32::from_bits(0));
    I64F64::saturating_from_num(w)
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
    match exp(safe_input) {
        Some(v) => v,
        None => {
            if safe_input <= ZERO {
                ZERO
            } else {
                I32F32::max_value()
            }
        }
    }
}

/// substrate-fixed's `transcendental::exp::<I32F32, I32F32>` (`None` for its `Err`), step for step, with the series'
/// division by the integer `i` done as the equivalent i64 division: `t.checked_div(from_num(i))`
/// computes `trunc((t·2^32) / (i·2^32))`, which is `trunc(t / i)`.
pub fn exp(x: I32F32) -> Option<I32F32> {
    if x == ZERO || x == ONE {
        return substrate_fixed::transcendental::exp::<I32F32, I32F32>(x).ok();
    }
    let neg = x < ZERO;
    let op = if neg { x.checked_neg()? } else { x };
    let mut result = op.checked_add(ONE)?;
    let mut term = op.to_bits();
    let opb = op.to_bits() as i128;
    // Unrolled so that each division is by a constant (the compiler turns it into a multiply).
    macro_rules! step {
        ($($i:literal)*) => {$(
            // checked_mul: floor((term · op) / 2^32), overflow when it does not fit in i64.
            term = i64::try_from((term as i128 * opb) >> 32).ok()?;
            term /= $i;
            result = result.checked_add(I32F32::from_bits(term))?;
        )*};
    }
    step!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    if neg {
        result = ONE.checked_div(result)?;
    }
    Some(result)
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        #[test]
        fn fast_safe_div_equals_checked_div(
            b in proptest::prop_oneof![1i64..16, 1i64..=1 << 33, 1i64..=i64::MAX, proptest::prelude::Just(i64::MAX)],
            frac in 0u64..=1 << 32,
            exact in proptest::prelude::any::<bool>(),
            neg in proptest::prelude::any::<bool>(),
        ) {
            // a in [0, b] (the fast path), sometimes exactly b, sometimes negated (the fallback).
            let mut a = if exact { b } else { ((b as u128 * frac as u128) >> 32) as i64 };
            if neg { a = -a; }
            let (a, b) = (I32F32::from_bits(a), I32F32::from_bits(b));
            proptest::prop_assert_eq!(safe_div(a, b), a.checked_div(b).unwrap_or(ZERO));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        #[test]
        fn exp_equals_substrate_fixed(
            bits in proptest::prop_oneof![
                -(21i64 << 32)..=(21i64 << 32),
                -(1i64 << 33)..=(1i64 << 33),
                proptest::prelude::Just(0i64),
                proptest::prelude::Just(1i64 << 32),
                proptest::prelude::Just(-(1i64 << 32)),
                proptest::prelude::Just(20i64 << 32),
                proptest::prelude::Just(-(20i64 << 32)),
                proptest::prelude::any::<i64>(),
            ],
        ) {
            let x = I32F32::from_bits(bits);
            proptest::prop_assert_eq!(exp(x), substrate_fixed::transcendental::exp::<I32F32, I32F32>(x).ok());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        #[test]
        fn mul_sat_equals_saturating_mul(
            a in proptest::prop_oneof![0i64..=1 << 32, -(1i64 << 40)..=1 << 40, proptest::prelude::any::<i64>(), proptest::prelude::Just(i64::MIN), proptest::prelude::Just(i64::MAX)],
            b in proptest::prop_oneof![0i64..=1 << 32, -(1i64 << 40)..=1 << 40, proptest::prelude::any::<i64>(), proptest::prelude::Just(i64::MIN), proptest::prelude::Just(i64::MAX), (1i64 << 30)..(1i64 << 34)],
        ) {
            let (a, b) = (I32F32::from_bits(a), I32F32::from_bits(b));
            proptest::prop_assert_eq!(mul_sat(a, b), a.saturating_mul(b));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        #[test]
        fn mul_prop_equals_saturating_mul(
            p in proptest::prop_oneof![0i64..=1 << 32, proptest::prelude::Just(0i64), proptest::prelude::Just(1i64 << 32), (1i64 << 32) - 3..=1i64 << 32],
            b in proptest::prop_oneof![0i64..=1 << 32, -(1i64 << 40)..=1 << 40, proptest::prelude::any::<i64>(), proptest::prelude::Just(i64::MIN), proptest::prelude::Just(i64::MAX)],
        ) {
            let (p, b) = (I32F32::from_bits(p), I32F32::from_bits(b));
            proptest::prop_assert!(is_proportion(p));
            proptest::prop_assert_eq!(mul_prop(p, b), p.saturating_mul(b));
            proptest::prop_assert_eq!(mul_prop(p, b), b.saturating_mul(p));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        #[test]
        fn lt_equals_partial_ord(a in proptest::prelude::any::<i64>(), b in proptest::prelude::any::<i64>(), same in proptest::prelude::any::<bool>()) {
            let (a, b) = (I32F32::from_bits(a), I32F32::from_bits(if same { a } else { b }));
            proptest::prop_assert_eq!(lt(a, b), a < b);
            proptest::prop_assert_eq!(lt(b, a), a > b);
        }
    }

    #[test]
    fn mul_prop_at_the_bounds() {
        for p in [0i64, 1, (1 << 32) - 1, 1 << 32] {
            for b in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX] {
                let (p, b) = (I32F32::from_bits(p), I32F32::from_bits(b));
                assert_eq!(mul_prop(p, b), p.saturating_mul(b), "{p:?} * {b:?}");
            }
        }
        assert!(!is_proportion(I32F32::from_bits((1 << 32) + 1)));
        assert!(!is_proportion(I32F32::from_bits(-1)));
    }

    #[test]
    fn mul_sat_at_the_overflow_bounds() {
        // a·b = ±2^95 and its neighbours: where i128(a · (b << 32)) starts to overflow.
        for (a, b) in [
            (1i64 << 47, 1i64 << 48),
            ((1i64 << 47) - 1, 1i64 << 48),
            (-(1i64 << 47), 1i64 << 48),
            (-(1i64 << 47), (1i64 << 48) + 1),
            (-(1i64 << 47) + 1, 1i64 << 48),
            (i64::MIN, i64::MIN),
            (i64::MIN, 1),
            (i64::MIN, -1),
            (i64::MAX, i64::MAX),
            (i64::MAX, -1),
            (3_037_000_499, 3_037_000_500),
        ] {
            for (x, y) in [
                (a, b),
                (b, a),
                (-a.max(i64::MIN + 1), b),
                (a, -b.max(i64::MIN + 1)),
            ] {
                let (x, y) = (I32F32::from_bits(x), I32F32::from_bits(y));
                assert_eq!(mul_sat(x, y), x.saturating_mul(y), "{x:?} * {y:?}");
            }
        }
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
