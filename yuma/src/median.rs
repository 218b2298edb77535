//! The stake-weighted median of subtensor (`weighted_median`, `weighted_median_col_sparse`).
//!
//! The pivot is always the middle element of the current partition (no randomness), ties with
//! the pivot are set aside, so the same inputs select the same element as on chain.

use crate::fixed::{sum, I32F32, ZERO};
use crate::sparse::{inplace_normalize, SparseRow};

/// Reusable partition buffers for [`weighted_median`].
#[derive(Debug, Default)]
struct Scratch {
    current: Vec<usize>,
    lower: Vec<usize>,
    upper: Vec<usize>,
}

/// Stake-weighted median of `score` over the indices in `partition_idx` (`weighted_median`).
///
/// `minority` is `Σstake - majority`; `partition_lo`/`partition_hi` bound the partition's stake
/// integral. Returns 0 when `stake` and `score` differ in length or the partition is empty.
pub fn weighted_median(
    stake: &[I32F32],
    score: &[I32F32],
    partition_idx: &[usize],
    minority: I32F32,
    partition_lo: I32F32,
    partition_hi: I32F32,
) -> I32F32 {
    let mut scratch = Scratch::default();
    median_with(
        &mut scratch,
        stake,
        score,
        partition_idx,
        minority,
        partition_lo,
        partition_hi,
    )
}

fn median_with(
    s: &mut Scratch,
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
    s.current.clear();
    s.current.extend_from_slice(partition_idx);
    let iteration_limit = partition_idx.len();
    let mut iterations = 0usize;
    loop {
        s.lower.clear();
        s.upper.clear();
        let n = s.current.len();
        if n == 0 {
            return ZERO;
        }
        if n == 1 {
            return get(score, s.current[0]);
        }
        let pivot = get(score, s.current[n / 2]);
        let mut lo_stake = ZERO;
        let mut hi_stake = ZERO;
        for &idx in &s.current {
            let v = get(score, idx);
            if v == pivot {
                continue;
            }
            if v < pivot {
                lo_stake = lo_stake.saturating_add(get(stake, idx));
                s.lower.push(idx);
            } else {
                hi_stake = hi_stake.saturating_add(get(stake, idx));
                s.upper.push(idx);
            }
        }
        if minority < partition_lo.saturating_add(lo_stake) && !s.lower.is_empty() {
            std::mem::swap(&mut s.current, &mut s.lower);
            partition_hi = partition_lo.saturating_add(lo_stake);
        } else if partition_hi.saturating_sub(hi_stake) <= minority && !s.upper.is_empty() {
            std::mem::swap(&mut s.current, &mut s.upper);
            partition_lo = partition_hi.saturating_sub(hi_stake);
        } else {
            return pivot;
        }
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
    // Entries grouped by column (compressed, row order kept): (rank among positive-stake rows,
    // value). Only rows with positive stake take part.
    let used_rows = || {
        stake
            .iter()
            .zip(score.iter())
            .filter(|(s, _)| **s > ZERO)
            .map(|(_, row)| row)
    };
    let mut start = vec![0usize; cols + 1];
    for row in used_rows() {
        for &(c, _) in row {
            if (c as usize) < cols {
                start[c as usize + 1] += 1;
            }
        }
    }
    for c in 0..cols {
        start[c + 1] += start[c];
    }
    let mut fill = start.clone();
    let mut entries = vec![(0usize, ZERO); start[cols]];
    for (r, row) in used_rows().enumerate() {
        for &(c, v) in row {
            if (c as usize) < cols {
                entries[fill[c as usize]] = (r, v);
                fill[c as usize] += 1;
            }
        }
    }
    // A column without a non-zero score has median 0 (every score equals the pivot 0), so only
    // the others are densified, exactly as the chain densifies every column.
    let mut dense = vec![ZERO; k];
    let mut scratch = Scratch::default();
    (0..cols)
        .map(|c| {
            let col = &entries[start[c]..start[c + 1]];
            if col.iter().all(|&(_, v)| v == ZERO) {
                return ZERO;
            }
            for &(r, v) in col {
                dense[r] = v;
            }
            let m = median_with(
                &mut scratch,
                &use_stake,
                &dense,
                &stake_idx,
                minority,
                ZERO,
                stake_sum,
            );
            for &(r, _) in col {
                dense[r] = ZERO;
            }
            m
        })
        .collect()
}
