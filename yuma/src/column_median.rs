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

use crate::fixed::{self, sum, I32F32, ZERO};
use crate::par::Par;
use crate::sparse::{inplace_normalize, SparseRow};

type Entries<'a> = Cow<'a, [(u16, I32F32)]>;

/// `row` sorted by column, the later of duplicate entries kept (borrowed when already strictly
/// ascending).
pub fn sorted_last_wins(row: &[(u16, I32F32)]) -> Entries<'_> {
    if strictly_ascending(row) {
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

thread_local! {
    /// The scatter buffer of the last block task on this thread, kept for the next one (it is
    /// hundreds of KiB; zero-filling a fresh one per task and epoch cost more than the tasks'
    /// share of work at 64 × 256). Its contents are never read before they are written: a
    /// block reads exactly the slots its own scatter wrote.
    static FLAT: std::cell::Cell<Vec<(I32F32, I32F32)>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Buffers of one block task.
#[derive(Debug)]
struct Scratch {
    /// Per row, where the next block's columns start (valid when `next_block` is that block).
    cursor: Vec<usize>,
    next_block: usize,
    dense: Vec<I32F32>,
    /// k slots per column of the block: its non-zero scores with their stakes.
    flat: Vec<(I32F32, I32F32)>,
    /// The number of non-zero scores of each column of the block.
    counts: Vec<usize>,
    select: Selection,
}

impl Scratch {
    /// Fresh buffers, with this thread's kept scatter buffer.
    fn new() -> Scratch {
        Scratch {
            cursor: Vec::new(),
            next_block: 0,
            dense: Vec::new(),
            flat: FLAT.try_with(std::cell::Cell::take).unwrap_or_default(),
            counts: Vec::new(),
            select: Selection::default(),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let flat = std::mem::take(&mut self.flat);
        // A thread being torn down has no slot left: the buffer is then simply freed.
        let _ = FLAT.try_with(|f| f.set(flat));
    }
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
    let sorted: Vec<bool> = score.iter().map(|r| strictly_ascending(r)).collect();
    let non_negative = score.iter().all(|r| r.iter().all(|&(_, v)| v >= ZERO));
    let known = KnownRows {
        sorted: &sorted,
        non_negative,
    };
    weighted_median_columns_known(par, stake, score, known, columns, majority)
}

/// What the caller already knows about the score rows (the epoch learns it while building them).
#[derive(Debug, Clone, Copy)]
pub struct KnownRows<'a> {
    /// Per row: true exactly when the row is strictly ascending by column.
    pub sorted: &'a [bool],
    /// True only when no score is negative.
    pub non_negative: bool,
}

/// True when the row's columns are strictly ascending.
pub fn strictly_ascending(row: &[(u16, I32F32)]) -> bool {
    row.windows(2).all(|w| w[0].0 < w[1].0)
}

/// [`weighted_median_columns`] given what is known about the rows (`known` must be true of
/// `score`; rows without a flag count as unsorted).
pub fn weighted_median_columns_known(
    par: Par,
    stake: &[I32F32],
    score: &[SparseRow],
    known: KnownRows<'_>,
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
        .enumerate()
        .filter(|(_, (s, _))| **s > ZERO)
        .map(|(i, (_, row))| {
            if known.sorted.get(i).copied().unwrap_or(false) {
                Cow::Borrowed(row.as_slice())
            } else {
                sorted_last_wins(row)
            }
        })
        .collect();
    let cols = columns as usize;
    if cols == 0 {
        return Vec::new();
    }
    // About 512 KiB of scores per block (fits in L2 with the rows streaming through; 128 columns
    // of 256 rows read 2 KiB runs of each row, which the prefetcher follows better than 1 KiB).
    let width = (65_536 / k.max(1)).clamp(1, 128);
    let blocks = cols.div_ceil(width);
    // Negative scores never occur in the epoch (weights are non-negative); if a caller passes
    // some, every column takes the chain's walk over all k scores.
    // k slots per column in the scatter buffer, plus a cache line, so that the columns of a
    // block do not all map to the same cache set (k = 256 slots would be exactly 4 KiB apart).
    let stride = k + 4;
    let any_negative = !known.non_negative && rows.iter().any(|r| r.iter().any(|&(_, v)| v < ZERO));
    // Tasks of a few blocks (a task carries its row cursors from block to block), so that two
    // threads share the 34 blocks of 4352 columns evenly.
    // At least 16 tasks where there are enough blocks (34 blocks: 17 tasks of 2, split 9/8
    // between two threads), one block per task for small matrices.
    let per_task = (blocks / 16).clamp(1, BLOCKS_PER_TASK);
    let per_block = par.map_items(blocks, per_task, Scratch::new, |s, b| {
        let (c0, c1) = (b * width, ((b + 1) * width).min(cols));
        if any_negative {
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
            return (0..c1 - c0)
                .map(|c| {
                    let col = &s.dense[c * k..(c + 1) * k];
                    if col.iter().all(|&v| v == ZERO) {
                        return ZERO;
                    }
                    s.select.current.clear();
                    s.select
                        .current
                        .extend(col.iter().copied().zip(use_stake.iter().copied()));
                    median_pairs(&mut s.select, minority, ZERO, stake_sum)
                })
                .collect();
        }
        // The non-zero scores of each column with their stakes, in row order, in a flat buffer
        // of `stride` >= k slots per column (a row has at most one entry per column). A task walks its
        // blocks in order, so each row's position carries over from the previous block.
        let width_now = c1 - c0;
        if s.flat.len() < width_now * stride {
            s.flat.resize(width_now * stride, (ZERO, ZERO));
        }
        s.counts.clear();
        s.counts.resize(width_now, 0);
        if s.next_block != b || s.cursor.len() != rows.len() {
            s.cursor.clear();
            s.cursor.extend(
                rows.iter()
                    .map(|row| row.partition_point(|&(j, _)| (j as usize) < c0)),
            );
        }
        for ((row, cursor), &stake) in rows.iter().zip(s.cursor.iter_mut()).zip(&use_stake) {
            let mut p = *cursor;
            // A row naming every column of the block (rows are strictly ascending: its entry
            // at p is c0 and the one width_now - 1 later is c1 - 1): no column to look up.
            let whole = row
                .get(p..p + width_now)
                .filter(|r| usize::from(r[0].0) == c0 && usize::from(r[width_now - 1].0) == c1 - 1);
            if let Some(run) = whole {
                let slots = s.flat.chunks_mut(stride).zip(s.counts.iter_mut());
                for (&(_, v), (slots, count)) in run.iter().zip(slots) {
                    slots[*count] = (v, stake);
                    *count += usize::from(v != ZERO);
                }
                *cursor = p + width_now;
                continue;
            }
            while let Some(&(j, v)) = row.get(p) {
                let j = j as usize;
                if j >= c1 {
                    break;
                }
                let c = j - c0;
                let count = &mut s.counts[c];
                s.flat[c * stride + *count] = (v, stake);
                *count += usize::from(v != ZERO);
                p += 1;
            }
            *cursor = p;
        }
        s.next_block = b + 1;
        let mut out = Vec::with_capacity(width_now);
        for (c, &count) in s.counts.iter().enumerate() {
            // A column without a non-zero score has median 0 (every score equals the pivot).
            if count == 0 {
                out.push(ZERO);
                continue;
            }
            let col = &s.flat[c * stride..c * stride + count];
            out.push(column(&mut s.select, col, k, minority, stake_sum));
        }
        out
    });
    per_block.into_iter().flatten().collect()
}

/// `weighted_median(stake, col, 0..k, minority, 0, stake_sum)` for a column with a non-zero
/// score, given `col` = its non-zero scores with their stakes in row order (the other of the k
/// rows score 0).
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
    col: &[(I32F32, I32F32)],
    k: usize,
    minority: I32F32,
    stake_sum: I32F32,
) -> I32F32 {
    // The zeros' stake: all of it but the non-zero scores' (exact integer sums, see above), and
    // the range of the scores, in one pass.
    let (mut nonzero_stake, mut min, mut max) = (0i64, i64::MAX, i64::MIN);
    for &(v, w) in col {
        nonzero_stake += w.to_bits();
        min = min.min(v.to_bits());
        max = max.max(v.to_bits());
    }
    let zero_stake = I32F32::from_bits(stake_sum.to_bits() - nonzero_stake);
    if col.len() < k && minority < zero_stake {
        return ZERO;
    }
    s.current.clear();
    if col.len() < PRESELECT_MIN {
        s.current.extend_from_slice(col);
        return median_pairs(s, minority, zero_stake, stake_sum);
    }
    let (lo, hi) = preselect(s, col, (min, max), minority, zero_stake);
    median_pairs(s, minority, lo, hi)
}

/// Column blocks per parallel task.
const BLOCKS_PER_TASK: usize = 4;

/// Columns with fewer non-zero scores go straight to the walk.
const PRESELECT_MIN: usize = 48;
/// log2 of the number of buckets of [`preselect`].
const BUCKET_BITS: u32 = 6;

/// Narrow `s.current` (scores with their stakes, `below` = the stake of the scores below all of
/// them) to the scores of one bucket, and return that bucket's partition bounds.
///
/// The walk of [`median_pairs`] from bounds `lo <= minority < hi` returns the smallest score `p`
/// of its partition whose stake at or below `p`, plus `lo`, exceeds `minority` (the largest one
/// if none does): it goes down only when the stake below the pivot already exceeds `minority`,
/// up only when the stake at or below the pivot does not, and stops at the pivot otherwise; a
/// partition below `minority` from the start (`lo > minority`) walks down to its smallest score.
/// The answer is therefore a function of the set of `(score, stake)` pairs alone. Scores are
/// cut into at most 64 buckets of consecutive ranges (`(score - min) >> shift`, monotone); the
/// answer lies in the first bucket whose cumulative stake exceeds `minority` (or the last
/// bucket when none does), and within that bucket it is the same smallest score, found by the
/// walk from the bucket's own bounds. Stakes are non-negative proportions, so the integer sums
/// are exact.
fn preselect(
    s: &mut Selection,
    col: &[(I32F32, I32F32)],
    (min, max): (i64, i64),
    minority: I32F32,
    below: I32F32,
) -> (I32F32, I32F32) {
    let span = max.wrapping_sub(min) as u64;
    let shift = (u64::BITS - span.leading_zeros()).saturating_sub(BUCKET_BITS);
    let bucket = |v: I32F32| (v.to_bits().wrapping_sub(min) as u64 >> shift) as usize;
    let mut stake = [0i64; 1 << BUCKET_BITS];
    for &(v, w) in col {
        stake[bucket(v) & ((1 << BUCKET_BITS) - 1)] += w.to_bits();
    }
    let last = bucket(I32F32::from_bits(max));
    let mut lo = below.to_bits();
    let mut chosen = last;
    for (b, &w) in stake.iter().enumerate().take(last) {
        if lo + w > minority.to_bits() {
            chosen = b;
            break;
        }
        lo += w;
    }
    let hi = lo + stake[chosen];
    s.current.clear();
    s.current
        .extend(col.iter().copied().filter(|&(v, _)| bucket(v) == chosen));
    (I32F32::from_bits(lo), I32F32::from_bits(hi))
}

/// The chain's `weighted_median` walk over `s.current`, the `(score, stake)` pairs in index
/// order, from the given partition bounds: the pivot is the middle element of the current
/// partition, ties with the pivot are set aside, order is kept when partitioning.
///
/// The partition is branch-free (every pair is written to both sides and the side's length
/// advances by the comparison), and the stake sums are plain integer sums: stakes are positive
/// proportions, so a partition's stake never reaches the saturation bound (at most 65535 stakes
/// of at most 1).
fn median_pairs(
    s: &mut Selection,
    minority: I32F32,
    mut partition_lo: I32F32,
    mut partition_hi: I32F32,
) -> I32F32 {
    let iteration_limit = s.current.len();
    let mut iterations = 0usize;
    let len = s.current.len();
    s.lower.resize(len, (ZERO, ZERO));
    s.upper.resize(len, (ZERO, ZERO));
    let mut n = len;
    loop {
        if n == 0 {
            return ZERO;
        }
        if n == 1 {
            return s.current[0].0;
        }
        let pivot = s.current[n / 2].0;
        let (mut lo_stake, mut hi_stake) = (0i64, 0i64);
        let (mut nl, mut nu) = (0usize, 0usize);
        for &(v, w) in &s.current[..n] {
            s.lower[nl] = (v, w);
            s.upper[nu] = (v, w);
            let (lt, gt) = (fixed::lt(v, pivot), fixed::lt(pivot, v));
            lo_stake += if lt { w.to_bits() } else { 0 };
            hi_stake += if gt { w.to_bits() } else { 0 };
            nl += lt as usize;
            nu += gt as usize;
        }
        let (lo_stake, hi_stake) = (I32F32::from_bits(lo_stake), I32F32::from_bits(hi_stake));
        if minority < partition_lo.saturating_add(lo_stake) && nl > 0 {
            std::mem::swap(&mut s.current, &mut s.lower);
            n = nl;
            partition_hi = partition_lo.saturating_add(lo_stake);
        } else if partition_hi.saturating_sub(hi_stake) <= minority && nu > 0 {
            std::mem::swap(&mut s.current, &mut s.upper);
            n = nu;
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
