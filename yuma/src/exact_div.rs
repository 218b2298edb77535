//! Exact fixed-point division by a divisor shared by many dividends (a row sum, a column sum, a
//! column maximum): the reciprocal is computed once, and every quotient is corrected with exact
//! integer arithmetic, so the result is bit for bit [`crate::fixed::safe_div`].

use crate::fixed::{safe_div, I32F32};

/// A divisor with its floating-point reciprocal `2^32 / d`.
#[derive(Debug, Clone, Copy)]
pub struct Divisor {
    d: I32F32,
    inv: f64,
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
        Divisor { d, inv }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixed::ZERO;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        #[test]
        fn divide_equals_safe_div(
            b in proptest::prop_oneof![1i64..16, 1i64..=1 << 33, 1i64..=i64::MAX, proptest::prelude::Just(i64::MAX), -5i64..=0],
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
        }
    }

    #[test]
    fn division_by_zero_is_zero() {
        assert_eq!(Divisor::new(ZERO).divide(I32F32::from_num(3)), ZERO);
    }
}
