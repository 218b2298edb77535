//! The crate computes a few chain operations faster than the chain does (skipping all-zero
//! columns, only touching used entries, computing liquid alpha only where it is read). These
//! properties check each one against a literal, unoptimized port of the chain's function on
//! random input that includes unsorted rows, duplicate columns and out-of-range columns.

use imr_yuma::bonds::{alpha_sigmoid, liquid_alpha_ema};
use imr_yuma::fixed::{u16_proportion_to_fixed, I32F32};
use imr_yuma::median::{weighted_median, weighted_median_col_sparse};
use imr_yuma::sparse::{
    inplace_normalize, interpolate_sparse, mat_ema_alpha_sparse, mat_ema_sparse,
};
use imr_yuma::Hyperparams;
use proptest::prelude::*;

type Row = Vec<(u16, I32F32)>;
const ZERO: I32F32 = I32F32::from_bits(0);

fn fx(bits: i64) -> I32F32 {
    I32F32::from_bits(bits)
}

/// Literal port of `weighted_median_col_sparse` (every column densified).
fn ref_median_col(stake: &[I32F32], score: &[Row], columns: u16, majority: I32F32) -> Vec<I32F32> {
    let mut use_stake: Vec<I32F32> = stake.iter().copied().filter(|&s| s > ZERO).collect();
    inplace_normalize(&mut use_stake);
    let stake_sum: I32F32 = use_stake.iter().fold(ZERO, |a, b| a.wrapping_add(*b));
    let minority = stake_sum.saturating_sub(majority);
    let idx: Vec<usize> = (0..use_stake.len()).collect();
    let mut use_score: Vec<Vec<I32F32>> = (0..columns as usize)
        .map(|_| vec![ZERO; use_stake.len()])
        .collect();
    let mut k = 0usize;
    for (&s, row) in stake.iter().zip(score.iter()) {
        if s > ZERO {
            for &(c, v) in row {
                if let Some(col) = use_score.get_mut(c as usize) {
                    if let Some(cell) = col.get_mut(k) {
                        *cell = v;
                    }
                }
            }
            k += 1;
        }
    }
    use_score
        .iter()
        .map(|col| weighted_median(&use_stake, col, &idx, minority, ZERO, stake_sum))
        .collect()
}

/// Literal port of `interpolate_sparse`.
fn ref_interpolate(m1: &[Row], m2: &[Row], columns: u16, ratio: I32F32) -> Vec<Row> {
    if ratio == ZERO {
        return m1.to_vec();
    }
    if ratio == I32F32::from_num(1) {
        return m2.to_vec();
    }
    let mut out = vec![vec![]; m1.len()];
    for i in 0..m1.len() {
        let mut r1 = vec![ZERO; columns as usize];
        for &(j, v) in &m1[i] {
            if let Some(e) = r1.get_mut(j as usize) {
                *e = v;
            }
        }
        let mut r2 = vec![ZERO; columns as usize];
        for &(j, v) in &m2[i] {
            if let Some(e) = r2.get_mut(j as usize) {
                *e = v;
            }
        }
        for j in 0..columns as usize {
            let x = r1[j].saturating_add(ratio.saturating_mul(r2[j].saturating_sub(r1[j])));
            if ZERO < x {
                out[i].push((j as u16, x));
            }
        }
    }
    out
}

/// Literal port of `mat_ema_sparse`.
fn ref_mat_ema(new: &[Row], old: &[Row], alpha: I32F32) -> Vec<Row> {
    let n = new.len();
    let oma = I32F32::from_num(1).saturating_sub(alpha);
    let mut res = Vec::new();
    let mut old_it = old.iter();
    for nr in new {
        let mut acc = vec![ZERO; n];
        for &(j, v) in nr {
            if let Some(c) = acc.get_mut(j as usize) {
                *c = c.saturating_add(alpha.saturating_mul(v));
            }
        }
        if let Some(or) = old_it.next() {
            for &(j, v) in or {
                if let Some(c) = acc.get_mut(j as usize) {
                    *c = c.saturating_add(oma.saturating_mul(v));
                }
            }
        }
        res.push(
            acc.iter()
                .enumerate()
                .filter(|(_, v)| **v > ZERO)
                .map(|(j, v)| (j as u16, *v))
                .collect(),
        );
    }
    res
}

/// Literal port of `compute_liquid_alpha_values_sparse` (the full merge walk over every column).
fn ref_liquid_alphas(
    hp: &Hyperparams,
    w: &[Row],
    b: &[Row],
    consensus: &[I32F32],
) -> Vec<Vec<I32F32>> {
    let steep = I32F32::saturating_from_num(hp.alpha_sigmoid_steepness);
    let lo = u16_proportion_to_fixed(hp.alpha_low_u16);
    let hi = u16_proportion_to_fixed(hp.alpha_high_u16);
    let mut alphas = Vec::new();
    for (wr, br) in w.iter().zip(b.iter()) {
        let mut row = Vec::new();
        let mut wi = wr.iter().peekable();
        let mut bi = br.iter().peekable();
        for (jp, &c) in consensus.iter().enumerate() {
            let j = jp as u16;
            let mut weight = ZERO;
            while let Some(&&(i, v)) = wi.peek() {
                if i < j {
                    wi.next();
                } else {
                    if i == j {
                        weight = v;
                    }
                    break;
                }
            }
            let mut bond = ZERO;
            while let Some(&&(i, v)) = bi.peek() {
                if i < j {
                    bi.next();
                } else {
                    if i == j {
                        bond = v;
                    }
                    break;
                }
            }
            row.push(alpha_sigmoid(c, weight, bond, lo, hi, steep));
        }
        alphas.push(row);
    }
    alphas
}

/// A random n×n sparse matrix; columns may exceed n by a little, repeat, and come unsorted.
fn matrix(n: usize, max_val: i64) -> impl Strategy<Value = Vec<Row>> {
    let entry = (0u16..(n as u16 + 2), 0i64..=max_val).prop_map(|(j, v)| (j, fx(v)));
    proptest::collection::vec(proptest::collection::vec(entry, 0..=n + 1), n)
}

fn proportions(n: usize) -> impl Strategy<Value = Vec<I32F32>> {
    proptest::collection::vec((0i64..=(1 << 32)).prop_map(fx), n)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn median_matches_literal_port(
        (n, stake, score) in (1usize..9).prop_flat_map(|n| (Just(n), proportions(n), matrix(n, 1 << 32))),
        kappa in 0i64..=(1 << 32),
    ) {
        let cols = n as u16;
        prop_assert_eq!(
            weighted_median_col_sparse(&stake, &score, cols, fx(kappa)),
            ref_median_col(&stake, &score, cols, fx(kappa))
        );
    }

    #[test]
    fn interpolate_matches_literal_port(
        (n, a, b) in (1usize..9).prop_flat_map(|n| (Just(n), matrix(n, 1 << 32), matrix(n, 1 << 32))),
        ratio in prop_oneof![Just(0i64), Just(1i64 << 32), 0i64..=(1 << 32)],
    ) {
        let cols = n as u16;
        prop_assert_eq!(interpolate_sparse(&a, &b, cols, fx(ratio)), ref_interpolate(&a, &b, cols, fx(ratio)));
    }

    #[test]
    fn mat_ema_matches_literal_port(
        (_n, a, b) in (1usize..9).prop_flat_map(|n| (Just(n), matrix(n, 1 << 32), matrix(n, 1 << 32))),
        alpha in 0i64..=(1 << 32),
    ) {
        prop_assert_eq!(mat_ema_sparse(&a, &b, fx(alpha)), ref_mat_ema(&a, &b, fx(alpha)));
    }

    #[test]
    fn liquid_alpha_matches_literal_port(
        (n, w, b, c) in (1usize..9).prop_flat_map(|n| (Just(n), matrix(n, 1 << 32), matrix(n, 1 << 32), proportions(n))),
        lo in 1638u16..30000, span in 0u16..30000, steep in -2000i16..2000,
    ) {
        let hp = Hyperparams {
            alpha_low_u16: lo,
            alpha_high_u16: lo + span,
            alpha_sigmoid_steepness: steep,
            ..Hyperparams::default()
        };
        let _ = n;
        let alphas = ref_liquid_alphas(&hp, &w, &b, &c);
        prop_assert_eq!(liquid_alpha_ema(&hp, &w, &b, &c), mat_ema_alpha_sparse(&w, &b, &alphas));
    }
}
