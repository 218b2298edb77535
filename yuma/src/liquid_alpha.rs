//! Liquid alpha made cheap, bit for bit: the sigmoid's constants are computed once per epoch,
//! `exp` stops its Taylor series once a term is 0 (every later term is then 0 too), alphas are
//! cached by the only input they depend on (the clamped buy/sell difference, which repeats: it is
//! 0 wherever a weight is at or below consensus and not below its bond), and rows sorted by
//! column are merged instead of densified. Same results as [`crate::bonds::liquid_alpha_ema`].

use crate::fixed::{lt, mul_prop, mul_sat, safe_div, I32F32, ONE, ZERO};
use crate::fused_bonds::u16_bond_proportion;
use crate::hyperparams::Hyperparams;
use crate::sparse::SparseRow;

/// Entries of the per-task alpha cache (direct-mapped).
const CACHE_SLOTS: usize = 1 << 12;

/// The per-epoch constants of `alpha_sigmoid`.
#[derive(Debug, Clone, Copy)]
pub struct Sigmoid {
    /// `steepness / -100` (saturating).
    slope: I32F32,
    alpha_low: I32F32,
    alpha_high: I32F32,
}

impl Sigmoid {
    /// The constants of `hp`'s sigmoid.
    pub fn new(hp: &Hyperparams) -> Sigmoid {
        let steepness = I32F32::saturating_from_num(hp.alpha_sigmoid_steepness);
        Sigmoid {
            slope: steepness.saturating_div(I32F32::from_num(-100)),
            alpha_low: crate::fixed::u16_proportion_to_fixed(hp.alpha_low_u16),
            alpha_high: crate::fixed::u16_proportion_to_fixed(hp.alpha_high_u16),
        }
    }

    /// The clamped difference `alpha_sigmoid` feeds the sigmoid.
    #[inline]
    pub fn combined(consensus: I32F32, weight: I32F32, bond: I32F32) -> I32F32 {
        let clamp = |v: I32F32| v.min(ONE).max(ZERO);
        if weight >= bond {
            clamp(weight.saturating_sub(consensus))
        } else {
            clamp(bond.saturating_sub(weight))
        }
    }

    /// `alpha_sigmoid` as a function of [`Sigmoid::combined`].
    pub fn alpha_of_combined(&self, combined: I32F32) -> I32F32 {
        let half = I32F32::from_num(0.5);
        let exponent = mul_sat(self.slope, combined.saturating_sub(half));
        // 1 + exp >= 1 > 0, so saturating_div is the exact floor that safe_div computes.
        let sigmoid = safe_div(ONE, ONE.saturating_add(exp_safe_fast(exponent)));
        let (lo, hi) = (self.alpha_low, self.alpha_high);
        let alpha = lo.saturating_add(mul_sat(sigmoid, hi.saturating_sub(lo)));
        alpha.min(hi).max(lo)
    }
}

/// [`crate::fixed::exp_safe`], with the series stopped at its first zero term.
pub fn exp_safe_fast(input: I32F32) -> I32F32 {
    let min_input = I32F32::saturating_from_num(-20);
    let max_input = I32F32::saturating_from_num(20);
    let safe_input = input.max(min_input).min(max_input);
    match exp_fast(safe_input) {
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

/// [`crate::fixed::exp`] (substrate-fixed's series), stopping once a term is 0: a zero term
/// stays zero (`floor(0 · x) / i = 0`) and adds nothing.
pub fn exp_fast(x: I32F32) -> Option<I32F32> {
    if x == ZERO || x == ONE {
        return crate::fixed::exp(x);
    }
    let neg = x < ZERO;
    let op = if neg { x.checked_neg()? } else { x };
    let mut result = op.checked_add(ONE)?;
    let mut term = op.to_bits();
    let opb = op.to_bits() as i128;
    macro_rules! step {
        ($($i:literal)*) => {$(
            if term == 0 {
                return finish(result, neg);
            }
            term = i64::try_from((term as i128 * opb) >> 32).ok()?;
            term /= $i;
            result = result.checked_add(I32F32::from_bits(term))?;
        )*};
    }
    step!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    finish(result, neg)
}

fn finish(result: I32F32, neg: bool) -> Option<I32F32> {
    if neg {
        if result >= ONE {
            // 0 <= 1 <= result: the exact floor, as checked_div computes it.
            Some(safe_div(ONE, result))
        } else {
            ONE.checked_div(result)
        }
    } else {
        Some(result)
    }
}

/// A direct-mapped cache of alphas by `combined` (valid keys are in [0, 1]).
#[derive(Debug)]
pub struct AlphaCache {
    keys: Vec<i64>,
    values: Vec<I32F32>,
}

impl Default for AlphaCache {
    /// An empty cache (its slots are allocated on first use).
    fn default() -> Self {
        AlphaCache {
            keys: Vec::new(),
            values: Vec::new(),
        }
    }
}

impl AlphaCache {
    /// `sigmoid.alpha_of_combined(combined)`, from the cache when it holds it.
    #[inline(always)]
    pub fn alpha(&mut self, sigmoid: &Sigmoid, combined: I32F32) -> I32F32 {
        let key = combined.to_bits();
        let slot = (key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52;
        let slot = slot as usize & (CACHE_SLOTS - 1);
        match (self.keys.get(slot), self.values.get(slot)) {
            (Some(&k), Some(&v)) if k == key => v,
            _ => self.miss(sigmoid, combined, slot),
        }
    }

    /// Compute and store the alpha of `combined` in `slot` (allocating the slots on first use):
    /// out of line, so that the hit path stays small where it is inlined.
    #[cold]
    #[inline(never)]
    fn miss(&mut self, sigmoid: &Sigmoid, combined: I32F32, slot: usize) -> I32F32 {
        if self.keys.is_empty() {
            self.keys = vec![-1; CACHE_SLOTS];
            self.values = vec![ZERO; CACHE_SLOTS];
        }
        let a = sigmoid.alpha_of_combined(combined);
        self.keys[slot] = combined.to_bits();
        self.values[slot] = a;
        a
    }
}

/// Buffers of one row task of [`ema_row`].
#[derive(Debug, Default)]
pub struct RowScratch {
    cache: AlphaCache,
    wanted: Vec<usize>,
    w_at: Vec<I32F32>,
    b_at: Vec<I32F32>,
    alpha: Vec<I32F32>,
    decayed: Vec<I32F32>,
}

fn strictly_ascending(row: &[(u16, I32F32)]) -> bool {
    row.windows(2).all(|w| w[0].0 < w[1].0)
}

/// Row `i` of `mat_ema_alpha_sparse(W, B, compute_liquid_alpha_values_sparse(W, B, C))` (the
/// caller handles `W` and `B` of different lengths).
pub fn ema_row(
    s: &mut RowScratch,
    sigmoid: &Sigmoid,
    w_row: &[(u16, I32F32)],
    b_row: &[(u16, I32F32)],
    consensus: &[I32F32],
) -> SparseRow {
    let cols = consensus.len();
    let mut out = Vec::with_capacity(w_row.len());
    if strictly_ascending(w_row) && strictly_ascending(b_row) {
        // Both merge walks of the chain find each column's only entry.
        let mut p = 0usize;
        for &(j, nv) in w_row {
            let ju = j as usize;
            if ju >= cols {
                continue;
            }
            while p < b_row.len() && b_row[p].0 < j {
                p += 1;
            }
            let bond = (p < b_row.len() && b_row[p].0 == j).then(|| b_row[p].1);
            let alpha = s.cache.alpha(
                sigmoid,
                Sigmoid::combined(consensus[ju], nv, bond.unwrap_or(ZERO)),
            );
            let decayed = bond.map_or(ZERO, |ov| mul_sat(ONE.saturating_sub(alpha), ov));
            let v = decayed
                .saturating_add(mul_sat(alpha, nv).max(ZERO))
                .min(ONE);
            if v > ZERO {
                out.push((j, v));
            }
        }
        return out;
    }
    // Unsorted or duplicate entries: the chain's cursor walks (quirk Q2) over densified columns.
    for v in [&mut s.w_at, &mut s.b_at, &mut s.alpha, &mut s.decayed] {
        if v.len() != cols {
            v.clear();
            v.resize(cols, ZERO);
        }
    }
    s.wanted.clear();
    s.wanted
        .extend(w_row.iter().map(|&(j, _)| j as usize).filter(|&j| j < cols));
    s.wanted.sort_unstable();
    s.wanted.dedup();
    merge_walk(w_row, &s.wanted, &mut s.w_at);
    merge_walk(b_row, &s.wanted, &mut s.b_at);
    for &j in &s.wanted {
        let combined = Sigmoid::combined(consensus[j], s.w_at[j], s.b_at[j]);
        s.alpha[j] = s.cache.alpha(sigmoid, combined);
        s.decayed[j] = ZERO;
    }
    for &(j, ov) in b_row {
        let j = j as usize;
        if j < cols && s.wanted.binary_search(&j).is_ok() {
            s.decayed[j] = mul_sat(ONE.saturating_sub(s.alpha[j]), ov);
        }
    }
    for &(j, nv) in w_row {
        let ju = j as usize;
        if ju < cols {
            let inc = mul_sat(s.alpha[ju], nv).max(ZERO);
            let v = s.decayed[ju].saturating_add(inc).min(ONE);
            if v > ZERO {
                out.push((j, v));
            }
        }
    }
    out
}

/// Yuma3 + liquid alpha's first bond pass over one row in one walk, when the weights for bonds
/// are the clipped weights (bonds penalty 1), the bond mask passes every stored entry and both
/// rows are strictly ascending: each weight is clipped at `threshold` as `col_clip_sparse` does
/// (dropped when the threshold is <= 0 and below it), adds to the validator trust (returned) and
/// `stake · clipped` to the incentive partial (`partial[n..2n]`), and enters [`ema_row`]'s sorted
/// path with its bond (`u16` read as a proportion where it is used); the EMA's entries > 0 are
/// returned and added to the column sums (`partial[..n]`). Same bits as the clip,
/// `trust_and_incentive`, [`ema_row`] and the column sums one after the other.
///
/// Only for epochs where the stake and every weight are proportions in [0, 1] (the caller's
/// one-walk condition): the stake multiplies with `mul_prop`, and the additions to the
/// partials (at most 1 per row each, EMA entries at most 1) are plain additions, which cannot
/// reach the chain's saturation bound (checked in debug builds).
#[allow(clippy::too_many_arguments)]
pub fn clipped_ema_row(
    s: &mut RowScratch,
    sigmoid: &Sigmoid,
    w: &[(u16, I32F32)],
    bonds: &[(u16, u16)],
    threshold: &[I32F32],
    consensus: &[I32F32],
    stake: I32F32,
    partial: &mut [I32F32],
) -> (SparseRow, I32F32) {
    let n = partial.len() / 2;
    let (sums, incentive) = partial.split_at_mut(n);
    let cols = consensus.len();
    let mut out = crate::row_pool::take(w.len());
    let mut trust = ZERO;
    let mut p = 0usize;
    for &(j, v) in w {
        let ju = j as usize;
        let th = threshold.get(ju).copied().unwrap_or(ZERO);
        // Dropped when the threshold is <= 0 and below the weight (rare: one predictable branch);
        // otherwise min(v, th), without a branch on the comparison (about half the entries of a
        // dense row are clipped, in no predictable order).
        if !lt(ZERO, th) & lt(th, v) {
            continue;
        }
        let nv = if lt(th, v) { th } else { v };
        trust = trust.wrapping_add(nv);
        if let Some(r) = incentive.get_mut(ju) {
            *r += mul_prop(stake, nv);
        }
        if ju >= cols {
            continue;
        }
        while p < bonds.len() && bonds[p].0 < j {
            p += 1;
        }
        let bond = (p < bonds.len() && bonds[p].0 == j).then(|| u16_bond_proportion(bonds[p].1));
        let combined = Sigmoid::combined(consensus[ju], nv, bond.unwrap_or(ZERO));
        let alpha = s.cache.alpha(sigmoid, combined);
        let decayed = bond.map_or(ZERO, |ov| mul_sat(ONE.saturating_sub(alpha), ov));
        let e = decayed
            .saturating_add(mul_sat(alpha, nv).max(ZERO))
            .min(ONE);
        if lt(ZERO, e) {
            out.push((j, e));
            if let Some(c) = sums.get_mut(ju) {
                *c += e;
            }
        }
    }
    (out, trust)
}

/// The chain's cursor lookup of `row` at the ascending columns `wanted`.
fn merge_walk(row: &[(u16, I32F32)], wanted: &[usize], out: &mut [I32F32]) {
    let mut p = 0usize;
    for &j in wanted {
        while p < row.len() && (row[p].0 as usize) < j {
            p += 1;
        }
        out[j] = if p < row.len() && row[p].0 as usize == j {
            row[p].1
        } else {
            ZERO
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bonds::alpha_sigmoid;
    use proptest::prelude::*;

    fn fx(bits: i64) -> I32F32 {
        I32F32::from_bits(bits)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn exp_fast_equals_exp(
            bits in prop_oneof![
                -(21i64 << 32)..=(21i64 << 32),
                -(1i64 << 33)..=(1i64 << 33),
                Just(0i64), Just(1i64 << 32), Just(-(1i64 << 32)),
                Just(20i64 << 32), Just(-(20i64 << 32)),
                any::<i64>(),
            ],
        ) {
            prop_assert_eq!(exp_fast(fx(bits)), crate::fixed::exp(fx(bits)));
            prop_assert_eq!(exp_safe_fast(fx(bits)), crate::fixed::exp_safe(fx(bits)));
        }

        #[test]
        fn cached_alpha_equals_alpha_sigmoid(
            c in prop_oneof![0i64..=(1 << 32), any::<i64>()],
            w in prop_oneof![0i64..=(1 << 32), any::<i64>()],
            b in prop_oneof![0i64..=(1 << 32), any::<i64>()],
            lo in any::<u16>(), hi in any::<u16>(), steep in any::<i16>(),
        ) {
            let hp = Hyperparams {
                alpha_low_u16: lo,
                alpha_high_u16: hi,
                alpha_sigmoid_steepness: steep,
                ..Hyperparams::default()
            };
            let sig = Sigmoid::new(&hp);
            let mut cache = AlphaCache::default();
            let (c, w, b) = (fx(c), fx(w), fx(b));
            let expected = alpha_sigmoid(c, w, b, sig.alpha_low, sig.alpha_high,
                I32F32::saturating_from_num(steep));
            // Twice: a miss, then a hit.
            for _ in 0..2 {
                prop_assert_eq!(cache.alpha(&sig, Sigmoid::combined(c, w, b)), expected);
            }
        }
    }
}
