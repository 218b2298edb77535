//! The stake-weighted median of subtensor (`weighted_median`, `weighted_median_col_sparse`).
//!
//! The pivot is always the middle element of the current partition (no randomness), ties with
//! the pivot are set aside, so the same inputs select the same element as on chain.

use crate::fixed::{sum, I32F32, ZERO};
use crate::sparse::{inplace_normalize, SparseRow};

/// Stake-weighted median of `score` over the indices in `partition_idx` (`weighted_median`).
///
/// `minority` is `Σstake - majority`; `partition_lo`/`partition_hi` bound the partition's stake
/// integral. Returns 0 when `stake` and `score` differ in length or the partition is empty.
pub fn weighted_median(
    stake: &[I32F32],
    score: &[I32F32],
    partition_idx: &[usize],
    minority: I32F32,
    mut partition_lo: I32F32,
    mut partition_hi: I32F32,
) -> I32F32 {
    if stake.len() != score.len() {
        return ZERO;
    }
    let get = |v: &[I32F32], i: usize| v.get(i).copied().unwrap_or(ZERO);
    let mut current: Vec<usize> = partition_idx.to_vec();
    let iteration_limit = partition_idx.len();
    let mut iterations = 0usize;
    let mut lower: Vec<usize> = Vec::new();
    let mut upper: Vec<usize> = Vec::new();
    loop {
        let n = current.len();
        if n == 0 {
            return ZERO;
        }
        if n == 1 {
            return get(score, current[0]);
        }
        let pivot = get(score, current[n / 2]);
        let mut lo_stake = ZERO;
        let mut hi_stake = ZERO;
        for &idx in &current {
            let s = get(score, idx);
            if s == pivot {
                continue;
            }
            if s < pivot {
                lo_stake = lo_stake.saturating_add(get(stake, idx));
                lower.push(idx);
            } else {
                hi_stake = hi_stake.saturating_add(get(stake, idx));
                upper.push(idx);
            }
        }
        if minority < partition_lo.saturating_add(lo_stake) && !lower.is_empty() {
            std::mem::swap(&mut current, &mut lower);
            partition_hi = partition_lo.saturating_add(lo_stake);
        } else if partition_hi.saturating_sub(hi_stake) <= minority && !upper.is_empty() {
            std::mem::swap(&mut current, &mut upper);
            partition_lo = partition_hi.saturating_sub(hi_stake);
        } else {
            return pivot;
        }
        lower.clear();
        upper.clear();
        iterations += 1;
        if iterations > iteration_limit {
            return ZERO;
        }
    }
}

/// Column-wise stake-weighted median over the rows with positive stake
/// (`weighted_median_col_sparse`).
///
/// The positive stakes are re-normalized, `minority = Σs' - majority`, absent entries count as 0,
/// and for duplicate entries in a row the later one wins, as on chain.
pub fn weighted_median_col_sparse(
    stake: &[I32F32],
    score: &[SparseRow],
    columns: u16,
    majority: I32F32,
) -> Vec<I32F32> {
    let mut use_stake: Vec<I32F32> = stake.iter().copied().filter(|&s| s > ZERO).collect();
    inplace_normalize(&mut use_stake);
    let stake_sum = sum(&use_stake);
    let minority = stake_sum.saturating_sub(majority);
    let k = use_stake.len();
    let stake_idx: Vec<usize> = (0..k).collect();
    let cols = columns as usize;
    // Entries grouped by column, in row order: (rank among positive-stake rows, value).
    let mut by_col: Vec<Vec<(usize, I32F32)>> = vec![Vec::new(); cols];
    let mut r = 0usize;
    for (&s, row) in stake.iter().zip(score.iter()) {
        if s > ZERO {
            for &(c, v) in row {
                if let Some(col) = by_col.get_mut(c as usize) {
                    col.push((r, v));
                }
            }
            r += 1;
        }
    }
    // A column without a non-zero score has median 0 (every score equals the pivot 0), so only
    // the others are densified, exactly as the chain densifies every column.
    let mut dense = vec![ZERO; k];
    by_col
        .iter()
        .map(|entries| {
            if entries.iter().all(|&(_, v)| v == ZERO) {
                return ZERO;
            }
            for &(r, v) in entries {
                dense[r] = v;
            }
            let m = weighted_median(&use_stake, &dense, &stake_idx, minority, ZERO, stake_sum);
            for &(r, _) in entries {
                dense[r] = ZERO;
            }
            m
        })
        .collect()
}
