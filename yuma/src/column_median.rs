//! Column-wise stake-weighted medians (consensus, S8) in parallel blocks of columns, without
//! re-sorting or re-allocating per column. Same results as
//! [`crate::median::weighted_median_col_sparse`], bit for bit.
//!
//! Each row with positive stake is viewed sorted by column with the later of duplicate entries
//! kept (the chain densifies rows in stored order, so the later one wins); sorted rows, the
//! usual case, are borrowed. A block of columns is then scattered into a column-major scratch
//! (one contiguous slice of scores per column) and each column's median is selected over
//! `(score, stake)` pairs with the chain's pivot rule, in buffers reused across columns.

use std::borrow::Cow;

use crate::fixed::{sum, I32F32, ZERO};
use crate::par::Par;
use crate::sparse::{inplace_normalize, SparseRow};

type Entries<'a> = Cow<'a, [(u16, I32F32)]>;

/// `row` sorted by column, the later of duplicate entries kept (borrowed when already strictly
/// ascending).
pub fn sorted_last_wins(row: &[(u16, I32F32)]) -> Entries<'_> {
    if row.windows(2).all(|w| w[0].0 < w[1].0) {
        return Cow::Borrowed(row);
    }
    let mut sorted = row.to_vec();
    sorted.sort_by_key(|&(j, _)| j); // stable: duplicates stay in stored order
    let mut out: Vec<(u16, I32F32)> = Vec::with_capacity(sorted.len());
    for e in sorted {
        match out.last_mut() {
            Some(last) if last.0 == e.0 => *last = e,
            _ => out.push(e),
        }
    }
    Cow::Owned(out)
}

/// Buffers of one block task.
#[derive(Debug, Default)]
struct Scratch {
    dense: Vec<I32F32>,
    select: Selection,
}

/// Partition buffers of the selection, reused across columns.
#[derive(Debug, Default)]
struct Selection {
    current: Vec<(I32F32, I32F32)>,
    lower: Vec<(I32F32, I32F32)>,
    upper: Vec<(I32F32, I32F32)>,
}

/// `weighted_median_col_sparse(stake, score, columns, majority)`, computed in parallel blocks of
/// columns (each column's median depends on that column alone).
pub fn weighted_median_columns(
    par: Par,
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
    let rows: Vec<Entries<'_>> = stake
        .iter()
        .zip(score.iter())
        .filter(|(s, _)| **s > ZERO)
        .map(|(_, row)| sorted_last_wins(row))
        .collect();
    let cols = columns as usize;
    if cols == 0 {
        return Vec::new();
    }
    // About 256 KiB of scores per block.
    let width = (32_768 / k.max(1)).clamp(1, 64);
    let blocks = cols.div_ceil(width);
    let per_block = par.map_rows(blocks, Scratch::default, |s, b| {
        let (c0, c1) = (b * width, ((b + 1) * width).min(cols));
        s.dense.clear();
        s.dense.resize((c1 - c0) * k, ZERO);
        for (r, row) in rows.iter().enumerate() {
            let start = row.partition_point(|&(j, _)| (j as usize) < c0);
            for &(j, v) in &row[start..] {
                let j = j as usize;
                if j >= c1 {
                    break;
                }
                s.dense[(j - c0) * k + r] = v;
            }
        }
        let mut out = Vec::with_capacity(c1 - c0);
        for c in 0..c1 - c0 {
            let col = &s.dense[c * k..(c + 1) * k];
            // A column without a non-zero score has median 0 (every score equals the pivot).
            if col.iter().all(|&v| v == ZERO) {
                out.push(ZERO);
                continue;
            }
            out.push(column(&mut s.select, col, &use_stake, minority, stake_sum));
        }
        out
    });
    per_block.into_iter().flatten().collect()
}

/// `weighted_median(stake, col, 0..k, minority, 0, stake_sum)` for a column with a non-zero
/// score.
///
/// The chain's selection keeps `partition_lo` = the stake of the scores below the partition and
/// `partition_hi` = that plus the partition's stake (exact: stakes are non-negative and sum to
/// about 1, so nothing saturates or wraps), and returns the smallest score `p` whose stake at or
/// below `p` exceeds `minority` (the largest score if none does). With non-negative scores, the
/// zeros are the smallest: the median is 0 when their stake exceeds `minority`, and otherwise the
/// selection over the non-zero scores alone, started at `partition_lo` = the zeros' stake, picks
/// the same score. Sparse columns (most validators not weighting the miner) then cost their
/// non-zero entries, not k. Columns with a negative score take the chain's walk over all k.
fn column(
    s: &mut Selection,
    col: &[I32F32],
    use_stake: &[I32F32],
    minority: I32F32,
    stake_sum: I32F32,
) -> I32F32 {
    s.current.clear();
    if col.iter().any(|&v| v < ZERO) {
        s.current
            .extend(col.iter().copied().zip(use_stake.iter().copied()));
        return median_pairs(s, minority, ZERO, stake_sum);
    }
    let mut zeros = 0usize;
    let mut zero_stake = ZERO;
    for (&v, &w) in col.iter().zip(use_stake) {
        if v == ZERO {
            zeros += 1;
            zero_stake = zero_stake.saturating_add(w);
        } else {
            s.current.push((v, w));
        }
    }
    if zeros > 0 && minority < zero_stake {
        return ZERO;
    }
    median_pairs(s, minority, zero_stake, stake_sum)
}

/// The chain's `weighted_median` walk over `s.current`, the `(score, stake)` pairs in index
/// order, from the given partition bounds: the pivot is the middle element of the current
/// partition, ties with the pivot are set aside, order is kept when partitioning.
fn median_pairs(
    s: &mut Selection,
    minority: I32F32,
    mut partition_lo: I32F32,
    mut partition_hi: I32F32,
) -> I32F32 {
    let iteration_limit = s.current.len();
    let mut iterations = 0usize;
    loop {
        s.lower.clear();
        s.upper.clear();
        let n = s.current.len();
        if n == 0 {
            return ZERO;
        }
        if n == 1 {
            return s.current[0].0;
        }
        let pivot = s.current[n / 2].0;
        let mut lo_stake = ZERO;
        let mut hi_stake = ZERO;
        for &(v, w) in &s.current {
            if v == pivot {
                continue;
            }
            if v < pivot {
                lo_stake = lo_stake.saturating_add(w);
                s.lower.push((v, w));
            } else {
                hi_stake = hi_stake.saturating_add(w);
                s.upper.push((v, w));
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
