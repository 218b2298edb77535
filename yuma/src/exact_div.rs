//! Exact fixed-point division by a divisor shared by many dividends (a row sum, a column sum, a
//! column maximum): the reciprocal is computed once, and every quotient is corrected with exact
//! integer arithmetic, so the result is bit for bit [`crate::fixed::safe_div`].

use crate::fixed::{safe_div, I32F32, ZERO};

/// Divisors below this take the 64-bit remainder path of [`Divisor::divide`].
const SMALL_DIVISOR: i64 = 1 << 61;

/// `1.5 · 2^52`: adding it to a value in [0, 2^51) leaves that value rounded to the nearest
/// integer in the low mantissa bits.
const ROUNDING_MAGIC: f64 = 6_755_399_441_055_744.0;

/// A divisor with its floating-point reciprocal `2^32 / d`.
#[derive(Debug, Clone, Copy)]
pub struct Divisor {
    d: I32F32,
    inv: f64,
    /// `0 < d < 2^61`: dividends in [0, d] take the 64-bit path.
    small: bool,
}

impl Divisor {
    /// Prepare division by `d`.
    pub fn new(d: I32F32) -> Divisor {
        let bits = d.to_bits();
        let inv = if bits > 0 {
            4_294_967_296.0 / bits as f64
        } else {
            0.0
        };
        Divisor {
            d,
            inv,
            small: bits > 0 && bits < SMALL_DIVISOR,
        }
    }

    /// The divisor.
    pub fn value(&self) -> I32F32 {
        self.d
    }

    /// `safe_div(a, d)`: for `0 <= a <= d` the estimate `a · 2^32/d` is within a few units of
    /// `floor(a · 2^32 / d)` and corrected until `q·d <= a·2^32 < (q+1)·d`; other operands take
    /// `safe_div` itself.
    #[inline]
    pub fn divide(&self, a: I32F32) -> I32F32 {
        if self.small && a.to_bits() as u64 <= self.d.to_bits() as u64 {
            return self.divide_small(a);
        }
        self.divide_other(a)
    }

    /// [`Divisor::divide`], except that a zero divisor leaves `a` as it is (how the chain's
    /// column and row normalizations skip zero sums).
    #[inline]
    pub fn normalize(&self, a: I32F32) -> I32F32 {
        if self.small && a.to_bits() as u64 <= self.d.to_bits() as u64 {
            return self.divide_small(a);
        }
        if self.d == ZERO {
            return a;
        }
        self.divide_other(a)
    }

    /// [`Divisor::normalize`] of a dividend the caller knows to lie in `[0, d]` with `d < 2^61`
    /// (a zero dividend may also have a zero divisor): the quotient without the range checks.
    /// The epoch's one-walk passes bound their sums far below 2^61 (see
    /// `fused_bonds::fusable_epoch`); debug builds check the bound.
    #[inline(always)]
    pub fn divide_bounded(&self, a: I32F32) -> I32F32 {
        debug_assert!(
            a == ZERO || (self.small && a.to_bits() >= 0 && a.to_bits() <= self.d.to_bits()),
            "divide_bounded({a:?}) by {:?}",
            self.d
        );
        self.divide_small(a)
    }

    /// The quotient for `0 <= a <= d < 2^61` (as unsigned, `a <= d` also excludes a < 0).
    #[inline(always)]
    fn divide_small(&self, a: I32F32) -> I32F32 {
        let (x, d) = (a.to_bits(), self.d.to_bits());
        {
            // The estimate `x · (2^32/d)` has a relative error below 2^-51 on a quotient of at
            // most 2^32, so rounded to the nearest integer (by adding 1.5·2^52, exact for
            // values below 2^51) it is the quotient's floor or one more. The remainder
            // `x·2^32 - q·d` then lies in [-d, d): it fits in i64 for d < 2^61 and is exact in
            // wrapping 64-bit arithmetic, and one branch-free step corrects it: a negative
            // remainder means the estimate was one more than the floor. (The error of the
            // estimate is below 3 units in 2^53 of a quotient below 2^32, under 2^-19, so
            // rounding to the nearest never gives less than the floor.)
            let e = x as f64 * self.inv + ROUNDING_MAGIC;
            let q = (e.to_bits() as i64).wrapping_sub(ROUNDING_MAGIC.to_bits() as i64);
            let r = ((x as u64) << 32).wrapping_sub((q as u64).wrapping_mul(d as u64)) as i64;
            I32F32::from_bits(q - i64::from(r < 0))
        }
    }

    /// Every other case: divisors of 2^61 and more with the u128 correction, the rest through
    /// `safe_div`.
    #[inline(never)]
    fn divide_other(&self, a: I32F32) -> I32F32 {
        let (x, d) = (a.to_bits(), self.d.to_bits());
        if x >= 0 && d > 0 && x <= d {
            let num = (x as u128) << 32;
            let den = d as u128;
            let mut q = (x as f64 * self.inv) as u64 as u128;
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
        safe_div(a, self.d)
    }
}

/// Division of u16 values read as I32F32 integers (`u16_to_fixed(v)`, bits `v << 32`) by a sum
/// of such values (classic Yuma's column sums of the stored bonds), as one multiply-high.
///
/// For an integer sum `V >= 3` (bits `V << 32`, `V < 2^31`) the quotient is
/// `floor(v · 2^32 / V)`, and with `l = ceil(log2 V)` and `m = ceil(2^(62+l) / V)` (below
/// 2^63) it equals `floor(m · v·2^32 / 2^(62+l))` for every numerator below 2^62
/// (Granlund–Montgomery: `0 <= m·V - 2^(62+l) < V <= 2^l`, so the error term stays below
/// `1/V`), that is the high word of the 128-bit product shifted right by `l - 2`. Every other
/// divisor takes [`Divisor::normalize`].
#[derive(Debug, Clone, Copy)]
pub struct U16SumDivisor {
    /// The multiplier (0: use `general`).
    m: u64,
    shift: u32,
    general: Divisor,
}

impl U16SumDivisor {
    /// Prepare division by `d`.
    pub fn new(d: I32F32) -> U16SumDivisor {
        let bits = d.to_bits();
        let general = Divisor::new(d);
        let v = (bits >> 32) as u64;
        if bits > 0 && bits & 0xFFFF_FFFF == 0 && v >= 3 {
            let l = u64::BITS - (v - 1).leading_zeros();
            let m = (1u128 << (62 + l)).div_ceil(u128::from(v));
            return U16SumDivisor {
                m: m as u64,
                shift: l - 2,
                general,
            };
        }
        U16SumDivisor {
            m: 0,
            shift: 0,
            general,
        }
    }

    /// The same division as a [`Divisor`].
    pub fn general(&self) -> &Divisor {
        &self.general
    }

    /// [`U16SumDivisor::normalize_u16`] as the multiply-high alone, when the divisor has one
    /// (an integer sum of at least 3).
    pub fn multiply_high(&self) -> Option<impl Fn(u16) -> I32F32 + Copy> {
        let (m, shift) = (self.m, self.shift);
        (m != 0).then_some(move |v: u16| {
            let n = u128::from(v) << 32;
            I32F32::from_bits((((n * u128::from(m)) >> 64) as u64 >> shift) as i64)
        })
    }

    /// `Divisor::new(d).normalize(u16_to_fixed(v))`.
    #[inline]
    pub fn normalize_u16(&self, v: u16) -> I32F32 {
        if self.m != 0 {
            let n = u128::from(v) << 32;
            let q = ((n * u128::from(self.m)) >> 64) as u64 >> self.shift;
            return I32F32::from_bits(q as i64);
        }
        self.general.normalize(crate::fixed::u16_to_fixed(v))
    }
}

/// [`crate::fixed::fixed_proportion_to_u16`] (`floor(x · 65535)`, saturated into u16), with the
/// proportions in [0, 1] the epoch stores computed as one integer multiply: the fixed-point
/// product of `x` and 65535 is exactly `x_bits · 65535 / 2^32`, below 2^48.
#[inline]
pub fn proportion_to_u16(x: I32F32) -> u16 {
    let bits = x.to_bits();
    if (0..=1i64 << 32).contains(&bits) {
        return ((bits as u64 * 65_535) >> 32) as u16;
    }
    crate::fixed::fixed_proportion_to_u16(x)
}

/// [`proportion_to_u16`] of a value the caller knows to be a proportion in [0, 1] (checked in
/// debug builds): the product alone, without the range check.
#[inline(always)]
pub fn bounded_proportion_to_u16(x: I32F32) -> u16 {
    debug_assert!(
        (0..=1i64 << 32).contains(&x.to_bits()),
        "bounded_proportion_to_u16({x:?})"
    );
    ((x.to_bits() as u64 * 65_535) >> 32) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        #[test]
        fn proportion_to_u16_equals_the_chain(
            bits in proptest::prop_oneof![0i64..=1 << 32, proptest::prelude::any::<i64>(), (1i64 << 32) - 70_000..=(1i64 << 32) + 10]
        ) {
            let x = I32F32::from_bits(bits);
            proptest::prop_assert_eq!(proportion_to_u16(x), crate::fixed::fixed_proportion_to_u16(x));
            if (0..=1i64 << 32).contains(&bits) {
                let chain = crate::fixed::fixed_proportion_to_u16(x);
                proptest::prop_assert_eq!(bounded_proportion_to_u16(x), chain);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        #[test]
        fn divide_equals_safe_div(
            b in proptest::prop_oneof![1i64..16, 1i64..=1 << 33, 1i64..=i64::MAX, proptest::prelude::Just(i64::MAX), -5i64..=0, (1i64 << 61) - 3..=(1i64 << 61) + 3, (1i64 << 60)..(1i64 << 61), 1i64..=1 << 20],
            frac in 0u64..=1 << 32,
            exact in proptest::prelude::any::<bool>(),
            neg in proptest::prelude::any::<bool>(),
            big in proptest::prelude::any::<i64>(),
            use_big in proptest::prelude::any::<bool>(),
        ) {
            let mut a = if exact { b } else { ((b.unsigned_abs() as u128 * frac as u128) >> 32) as i64 };
            if neg { a = -a; }
            if use_big { a = big; }
            let (a, b) = (I32F32::from_bits(a), I32F32::from_bits(b));
            proptest::prop_assert_eq!(Divisor::new(b).divide(a), safe_div(a, b));
            let kept = if b == ZERO { a } else { safe_div(a, b) };
            proptest::prop_assert_eq!(Divisor::new(b).normalize(a), kept);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        #[test]
        fn u16_sum_division_equals_safe_div(
            sum in proptest::prop_oneof![1i64..=20, 1i64..=1 << 31, (1i64 << 31) - 5..1 << 31, 65_535i64..=1 << 24, proptest::prelude::Just(3i64), proptest::prelude::Just(4i64), proptest::prelude::Just(5i64)],
            power in 2u32..31,
            offset in -2i64..=2,
            use_power in proptest::prelude::any::<bool>(),
            v in proptest::prelude::any::<u16>(),
            fraction in proptest::prelude::any::<u32>(),
            integer in 0u8..4,
        ) {
            let sum = if use_power { ((1i64 << power) + offset).clamp(1, (1 << 31) - 1) } else { sum };
            // Mostly integer sums; sometimes fractional bits, zero or negative (the general path).
            let bits = match integer {
                0 => (sum << 32) | i64::from(fraction),
                1 if fraction % 8 == 0 => -(sum << 32),
                1 if fraction % 8 == 1 => 0,
                _ => sum << 32,
            };
            let d = I32F32::from_bits(bits);
            let a = crate::fixed::u16_to_fixed(v);
            let want = if d == ZERO { a } else { safe_div(a, d) };
            proptest::prop_assert_eq!(U16SumDivisor::new(d).normalize_u16(v), want);
            if let Some(divide) = U16SumDivisor::new(d).multiply_high() {
                proptest::prop_assert_eq!(divide(v), want);
            }
            proptest::prop_assert_eq!(Divisor::new(d).normalize(a), want);
        }
    }

    #[test]
    fn u16_sum_division_at_the_edges() {
        for sum in (1i64..=70).chain([
            65_535,
            65_536,
            65_537,
            (1 << 31) - 1,
            1 << 30,
            (1 << 30) + 1,
        ]) {
            let d = I32F32::from_bits(sum << 32);
            let div = U16SumDivisor::new(d);
            for v in [0u16, 1, 2, 3, 255, 32_767, 65_534, 65_535] {
                let a = crate::fixed::u16_to_fixed(v);
                assert_eq!(div.normalize_u16(v), safe_div(a, d), "{v} / {sum}");
                if let Some(divide) = div.multiply_high() {
                    assert_eq!(divide(v), safe_div(a, d), "{v} / {sum}");
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        #[test]
        fn bounded_division_equals_normalize(
            d in proptest::prop_oneof![1i64..16, 1i64..=1 << 33, 1i64..1 << 61, (1i64 << 61) - 3..1 << 61],
            frac in 0u64..=1 << 32,
        ) {
            let a = ((d as u128 * frac as u128) >> 32) as i64;
            let (a, d) = (I32F32::from_bits(a), I32F32::from_bits(d));
            proptest::prop_assert_eq!(Divisor::new(d).divide_bounded(a), Divisor::new(d).normalize(a));
            proptest::prop_assert_eq!(Divisor::new(d).divide_bounded(d), Divisor::new(d).normalize(d));
        }
    }

    #[test]
    fn bounded_division_of_zero_by_zero_is_zero() {
        assert_eq!(Divisor::new(ZERO).divide_bounded(ZERO), ZERO);
        assert_eq!(Divisor::new(ZERO).normalize(ZERO), ZERO);
    }

    #[test]
    fn division_by_zero_is_zero() {
        assert_eq!(Divisor::new(ZERO).divide(I32F32::from_num(3)), ZERO);
    }
}
