//! Bonds and dividends (S12) in a few fused, parallel passes over the matrix, with the same
//! results as [`crate::bonds::classic`] and [`crate::bonds::yuma3`] on the masked stored bonds,
//! followed by the u16 conversion of the stored bonds.
//!
//! Column sums and maxima are reduced in fixed row chunks ([`crate::par`]); everything else is
//! row-local once those are known. The stored bonds are read, masked and converted row by row
//! where they are used, the weights for bonds are produced row by row by the caller
//! ([`BondInputs::weights_row`]), and normalizing, the EMA, the dividends and the u16 bonds of
//! a row are computed together, dividing through a per-column [`Divisor`]. A column's maximum
//! after normalization is the normalized maximum (division by a positive sum is monotone, and
//! every entry is at most its column's sum), so the classic max-upscale needs no extra pass.

use crate::bond_weights::{RowBuffers, WeightsForBonds};
use crate::bonds::ema_alpha;
use crate::consensus_mode::{consensus_for_liquid_alpha, ConsensusSource};
use crate::exact_div::{bounded_proportion_to_u16, proportion_to_u16, Divisor, U16SumDivisor};
use crate::fixed::{is_proportion, lt, mul_prop, mul_sat, u16_to_fixed, I32F32, ONE, ZERO};
use crate::hyperparams::Hyperparams;
use crate::liquid_alpha::{clipped_ema_row, ema_row, RowScratch, Sigmoid};
use crate::par::Par;
use crate::row_pool;
use crate::sparse::{inplace_normalize, SparseRow};
use crate::state::U16Row;

/// What S12 hands to the emission and the outputs.
#[derive(Debug, Clone)]
pub struct FusedBonds {
    /// Validator trust (S9): the wrapping sum of each row of the clipped weights.
    pub validator_trust: Vec<I32F32>,
    /// Normalized incentive (S10): `Σ_i active_stake_i · clipped_ij`, normalized.
    pub incentive: Vec<I32F32>,
    /// The stored bonds in u16, for every row (the caller keeps the permitted ones).
    pub bonds_u16: Vec<U16Row>,
    /// Normalized dividends per uid.
    pub dividends: Vec<I32F32>,
    /// Which consensus the liquid-alpha sigmoid read (`None`: liquid alpha was not applied).
    pub liquid_alpha_consensus_source: Option<ConsensusSource>,
}

fn divisors(v: &[I32F32]) -> Vec<Divisor> {
    v.iter().map(|&d| Divisor::new(d)).collect()
}

/// `inplace_col_normalize_sparse` of one row given the column divisors (columns without one, or
/// with a zero sum, are left as they are).
fn normalize_row(row: &mut [(u16, I32F32)], div: &[Divisor]) {
    for (j, v) in row.iter_mut() {
        if let Some(d) = div.get(*j as usize) {
            *v = d.normalize(*v);
        }
    }
}

/// One row of `mat_ema_sparse(new, old, alpha)` over `n` columns: `alpha·new + (1-alpha)·old`,
/// entries > 0 in ascending column order. Rows sorted by column are merged; others are
/// densified into `acc` (all zero on entry and on return).
fn mat_ema_row(
    new_row: &[(u16, I32F32)],
    old_row: &[(u16, I32F32)],
    alpha: I32F32,
    n: usize,
    acc: &mut Vec<I32F32>,
) -> SparseRow {
    let one_minus_alpha = ONE.saturating_sub(alpha);
    if let Some(out) = merge_sorted(new_row, old_row, alpha, one_minus_alpha, n) {
        return out;
    }
    let mut out = Vec::with_capacity(new_row.len().max(old_row.len()));
    if acc.len() != n {
        acc.clear();
        acc.resize(n, ZERO);
    }
    let mut touched: Vec<usize> = Vec::with_capacity(new_row.len() + old_row.len());
    for &(j, v) in new_row {
        if let Some(c) = acc.get_mut(j as usize) {
            *c = c.saturating_add(mul_sat(alpha, v));
            touched.push(j as usize);
        }
    }
    for &(j, v) in old_row {
        if let Some(c) = acc.get_mut(j as usize) {
            *c = c.saturating_add(mul_sat(one_minus_alpha, v));
            touched.push(j as usize);
        }
    }
    touched.sort_unstable();
    touched.dedup();
    for j in touched {
        if lt(ZERO, acc[j]) {
            out.push((j as u16, acc[j]));
        }
        acc[j] = ZERO;
    }
    out
}

/// [`mat_ema_row`] of two rows strictly ascending by column, merged in one walk that also checks
/// the order (`None` as soon as either row is not strictly ascending). Rows with the same
/// columns, the usual case, advance in lockstep. `ZERO.saturating_add(x)` of the chain is `x`.
fn merge_sorted(
    new_row: &[(u16, I32F32)],
    old_row: &[(u16, I32F32)],
    alpha: I32F32,
    one_minus_alpha: I32F32,
    n: usize,
) -> Option<SparseRow> {
    let mut out = Vec::with_capacity(new_row.len().max(old_row.len()));
    let mut emit = |j: u16, v: I32F32| {
        if (j as usize) < n && v > ZERO {
            out.push((j, v));
        }
    };
    let (na, nb) = (new_row.len(), old_row.len());
    let mut prev = -1i32;
    let mut a = 0usize;
    for (&(ja, va), &(jb, vb)) in new_row.iter().zip(old_row) {
        if ja != jb {
            break;
        }
        if i32::from(ja) <= prev {
            return None;
        }
        prev = i32::from(ja);
        emit(
            ja,
            mul_sat(alpha, va).saturating_add(mul_sat(one_minus_alpha, vb)),
        );
        a += 1;
    }
    let mut b = a;
    let (mut prev_a, mut prev_b) = (prev, prev);
    while a < na && b < nb {
        let ((ja, va), (jb, vb)) = (new_row[a], old_row[b]);
        if i32::from(ja) <= prev_a || i32::from(jb) <= prev_b {
            return None;
        }
        if ja == jb {
            emit(
                ja,
                mul_sat(alpha, va).saturating_add(mul_sat(one_minus_alpha, vb)),
            );
            (prev_a, prev_b) = (i32::from(ja), i32::from(jb));
            a += 1;
            b += 1;
        } else if ja < jb {
            emit(ja, mul_sat(alpha, va));
            prev_a = i32::from(ja);
            a += 1;
        } else {
            emit(jb, mul_sat(one_minus_alpha, vb));
            prev_b = i32::from(jb);
            b += 1;
        }
    }
    for &(j, v) in &new_row[a..] {
        if i32::from(j) <= prev_a {
            return None;
        }
        prev_a = i32::from(j);
        emit(j, mul_sat(alpha, v));
    }
    for &(j, v) in &old_row[b..] {
        if i32::from(j) <= prev_b {
            return None;
        }
        prev_b = i32::from(j);
        emit(j, mul_sat(one_minus_alpha, v));
    }
    Some(out)
}

/// What the bond step reads, row by row.
#[derive(Debug, Clone, Copy)]
pub struct BondInputs<'a> {
    /// The number of uids.
    pub n: usize,
    /// The stored bond rows (u16), if any.
    pub stored: Option<&'a [U16Row]>,
    /// Entries whose column registered at or after this block are dropped (the bond mask).
    pub last_tempo: u64,
    /// `BlockAtRegistration` per uid.
    pub registered: &'a [u64],
    /// The largest entry of `registered` (0 when empty).
    pub latest_registration: u64,
    /// Normalized active stake.
    pub active_stake: &'a [I32F32],
    /// True only when every weights row is a proportion row (normalized by a sum that did not
    /// wrap: every entry in [0, 1]).
    pub weights_are_proportions: bool,
    /// The weights for bonds, row by row.
    pub weights: WeightsForBonds<'a>,
}

impl BondInputs<'_> {
    /// Stored bond row `i`, masked, each value mapped by `convert`, into `out`.
    fn bond_row(&self, i: usize, convert: impl Fn(u16) -> I32F32, out: &mut SparseRow) {
        out.clear();
        let Some(row) = self.stored.and_then(|b| b.get(i)) else {
            return;
        };
        if self.last_tempo > self.latest_registration {
            // Every uid (and, reading as registered at 0, every uid >= n) passes the mask.
            out.extend(row.iter().map(|&(j, v)| (j, convert(v))));
            return;
        }
        out.extend(
            row.iter()
                .filter(|&&(j, _)| {
                    self.last_tempo > self.registered.get(j as usize).copied().unwrap_or(0)
                })
                .map(|&(j, v)| (j, convert(v))),
        );
    }
}

/// Per-chunk buffers of the bond passes.
#[derive(Default)]
struct Scratch {
    weights: RowBuffers,
    bonds: SparseRow,
    delta: SparseRow,
    acc: Vec<I32F32>,
    liquid: RowScratch,
}

/// `floor(v · 2^32 / 65535)`: `fixed_to_fixed_u16_proportion(u16_to_fixed(v))`.
pub fn u16_bond_proportion(v: u16) -> I32F32 {
    I32F32::from_bits((((v as u64) << 32) / 65_535) as i64)
}

fn sat_add_col(_: usize, a: I32F32, b: I32F32) -> I32F32 {
    a.saturating_add(b)
}

/// S9–S10 of one row from its clipped weights: adds `scale · clipped_ij` (saturating) to the
/// incentive partial and returns the validator trust (the wrapping row sum).
fn trust_and_incentive(
    clipped: &[(u16, I32F32)],
    scale: I32F32,
    incentive: &mut [I32F32],
) -> I32F32 {
    let mut trust = ZERO;
    for &(j, v) in clipped {
        trust = trust.wrapping_add(v);
        if let Some(r) = incentive.get_mut(j as usize) {
            *r = r.saturating_add(mul_sat(scale, v));
        }
    }
    trust
}

/// Yuma3's first pass over row `i` in one merge walk, for the usual case where
/// [`row_fusable`] holds (with constant alpha): the weights clipped at consensus give validator trust and add
/// `stake · clipped` to the incentive partial (`partial[n..2n]`), and, being the weights for bonds
/// (bonds penalty 1), they enter the constant-alpha EMA with the stored bonds (as proportions),
/// whose entries > 0 are returned and added to the column sums (`partial[..n]`).
///
/// Same bits as clipping ([`crate::bond_weights::clip_row`]), [`trust_and_incentive`],
/// [`mat_ema_row`] and the column sums one after the other: with consensus >= 0 an entry the
/// clip drops (consensus 0 below the weight) is here kept as 0, which adds 0 to the trust and
/// the incentive and, in the EMA, `α·0 + (1-α)·b = (1-α)·b` where the chain's merge takes the
/// bond alone (or nothing, emitting only values > 0); both rows strictly ascending, the
/// chain's merge never bails out to its dense path.
fn yuma3_fused_row(
    w: &[(u16, I32F32)],
    bonds: &[(u16, u16)],
    consensus: &[I32F32],
    stake: I32F32,
    alpha: I32F32,
    partial: &mut [I32F32],
) -> (SparseRow, I32F32) {
    let n = partial.len() / 2;
    let one_minus_alpha = ONE.saturating_sub(alpha);
    let (sums, incentive) = partial.split_at_mut(n);
    let mut out = row_pool::take(w.len().max(bonds.len()));
    let mut trust = ZERO;
    // Rows with the same columns (the usual case) advance in lockstep; the merge below takes
    // over at the first column where they differ (or at a column >= n, which the weights
    // never name). The three column arrays have n entries: one check covers them.
    let (lock_consensus, lock_sums, lock_incentive) = (
        &consensus[..n.min(consensus.len())],
        &mut sums[..n],
        &mut incentive[..n],
    );
    let mut a = 0usize;
    for (&(j, v), &(jb, bv)) in w.iter().zip(bonds) {
        let ju = j as usize;
        if j != jb || ju >= lock_consensus.len() {
            break;
        }
        a += 1;
        let th = lock_consensus[ju];
        let clipped = if lt(th, v) { th } else { v };
        trust = trust.wrapping_add(clipped);
        lock_incentive[ju] += mul_prop(stake, clipped);
        let bond = u16_bond_proportion(bv);
        let ema = mul_prop(alpha, clipped) + mul_prop(one_minus_alpha, bond);
        if lt(ZERO, ema) {
            lock_sums[ju] += ema;
            out.push((j, ema));
        }
    }
    let mut b = a;
    while a < w.len() || b < bonds.len() {
        let ja = w.get(a).map_or(u32::MAX, |e| u32::from(e.0));
        let jb = bonds.get(b).map_or(u32::MAX, |e| u32::from(e.0));
        let mut ema = ZERO;
        if ja <= jb {
            let (j, v) = w[a];
            a += 1;
            let th = consensus.get(j as usize).copied().unwrap_or(ZERO);
            let clipped = if lt(th, v) { th } else { v };
            trust = trust.wrapping_add(clipped);
            if let Some(r) = incentive.get_mut(j as usize) {
                *r += mul_prop(stake, clipped);
            }
            ema = mul_prop(alpha, clipped);
        }
        if jb <= ja {
            let v = u16_bond_proportion(bonds[b].1);
            b += 1;
            ema += mul_prop(one_minus_alpha, v);
        }
        let j = ja.min(jb) as usize;
        if lt(ZERO, ema) {
            if let Some(c) = sums.get_mut(j) {
                *c += ema;
                out.push((j as u16, ema));
            }
        }
    }
    (out, trust)
}

/// Whether the one-walk rows ([`yuma3_fused_row`], [`classic_fused_ema_row`]) give row `i` the
/// chain's bits, given `epoch_ok` ([`fusable_epoch`]): both rows strictly ascending (and the
/// row is taken only when it is dense: [`dense_row`]).
fn row_fusable(inp: &BondInputs<'_>, epoch_ok: bool, i: usize, bonds: &[(u16, u16)]) -> bool {
    epoch_ok
        && dense_row(inp, i)
        && inp.weights.sorted.get(i).copied().unwrap_or(false)
        && strictly_ascending(bonds)
}

/// Whether the columns of `row` strictly ascend: one pass without an early exit (no branch per
/// entry; sorted rows, the usual case, are read whole either way).
fn strictly_ascending(row: &[(u16, u16)]) -> bool {
    row.windows(2).fold(true, |ok, p| ok & (p[0].0 < p[1].0))
}

/// Whether weights row `i` names at least a quarter of the uids. The one-walk rows are only
/// taken for such rows: on rows of 300 of 4352 uids they measured slower than the separate
/// loops (the `256x4096_sparse300` workload: ~2.5 against ~1.8 ms of CPU per Yuma3 epoch),
/// while on dense rows they are faster.
fn dense_row(inp: &BondInputs<'_>, i: usize) -> bool {
    inp.weights
        .weights
        .get(i)
        .is_some_and(|w| 4 * w.len() >= inp.n)
}

/// What the one-walk rows need of the whole epoch: the weights for bonds are the clipped
/// weights (bonds penalty 1), consensus >= 0 (a clip then only drops entries it would set to
/// 0), and the bond mask passes every stored entry. They also multiply by the active stake and
/// the EMA's `alpha` and `1 - alpha` with [`mul_prop`], so those must be proportions in [0, 1]
/// (always so for the chain's inputs: the stake is normalized, `alpha = 1 - bma / 10^6`).
///
/// And every weights row must be a proportion row ([`BondInputs::weights_are_proportions`]),
/// which bounds every value the one-walk rows add: consensus (a median of the weights, or 0)
/// and the clipped weights are in [0, 1], every product with a proportion is at most 1, an EMA
/// entry at most 2, so no column sum of at most 65536 rows nor any row sum over at most 65536
/// columns comes near 2^63, and the chain's saturating additions are plain additions there
/// (they stay saturating where the bound does not hold, such as the u16 bond sums).
fn fusable_epoch(inp: &BondInputs<'_>, alpha: I32F32) -> bool {
    inp.weights.ratio == ONE
        && inp.weights.consensus.iter().all(|&c| c >= ZERO)
        && (inp.stored.is_none() || inp.last_tempo > inp.latest_registration)
        && is_proportion(alpha)
        && inp.active_stake.iter().all(|&s| is_proportion(s))
        && inp.weights_are_proportions
}

/// The stored bond row `i` (empty when there is none).
fn stored_row<'a>(inp: &BondInputs<'a>, i: usize) -> &'a [(u16, u16)] {
    inp.stored
        .and_then(|b| b.get(i))
        .map_or(&[][..], Vec::as_slice)
}

/// Classic's pass A over row `i` in one walk per row when [`fusable_epoch`] holds: the stored
/// bonds' column sums (`partial[..n]`, as integer sums of the u16 values: [`bond_sum`]), and
/// from the weights clipped at consensus the validator trust (returned) and the incentive
/// partial (`partial[n..2n]`), which is also the bond delta's
/// column sums: with bonds penalty 1 the delta entry `clipped · stake` and the incentive's
/// `stake · clipped` are the same product. An entry the clip would drop is kept as 0 and adds
/// 0 everywhere.
fn classic_fused_sums_row(
    w: &[(u16, I32F32)],
    bonds: &[(u16, u16)],
    consensus: &[I32F32],
    stake: I32F32,
    partial: &mut [I32F32],
) -> I32F32 {
    let n = partial.len() / 2;
    let (bond_sums, incentive) = partial.split_at_mut(n);
    for &(j, v) in bonds {
        if let Some(c) = bond_sums.get_mut(j as usize) {
            *c += I32F32::from_bits(i64::from(v));
        }
    }
    let mut trust = ZERO;
    // Consensus and the incentive partial have n entries: one check covers both.
    let (consensus, incentive) = (&consensus[..n.min(consensus.len())], &mut incentive[..n]);
    for &(j, v) in w {
        let ju = j as usize;
        if ju < consensus.len() {
            let th = consensus[ju];
            let clipped = if lt(th, v) { th } else { v };
            trust = trust.wrapping_add(clipped);
            incentive[ju] += mul_prop(stake, clipped);
        } else {
            // A column without consensus (never named by the weights): threshold 0.
            let clipped = if lt(ZERO, v) { ZERO } else { v };
            trust = trust.wrapping_add(clipped);
            if let Some(r) = incentive.get_mut(ju) {
                *r += mul_prop(stake, clipped);
            }
        }
    }
    trust
}

/// The chain's column sum of the stored bonds (`u16_to_fixed` of each u16 value, added with
/// saturation in row order) from the integer sum of the u16 values (`count`, in the bits):
/// the addends are non-negative, so the saturating sum is `min(count · 2^32, MAX)`. The
/// integer sums themselves cannot overflow: at most 65536 rows of u16 values.
fn bond_sum(count: I32F32) -> I32F32 {
    let count = count.to_bits();
    if count >= 1 << 31 {
        I32F32::from_bits(i64::MAX)
    } else {
        I32F32::from_bits(count << 32)
    }
}

/// What classic's pass B reads of column `j`, together: the clipping threshold (consensus)
/// and the divisors of the bond delta and of the stored bonds (their column sums).
#[derive(Debug, Clone, Copy)]
struct ClassicColumn {
    threshold: I32F32,
    delta: Divisor,
    bonds: U16SumDivisor,
}

/// The length of the leading run where `w` (strictly ascending) and `bonds` name the same
/// columns, all below `n`: compared 16 entries at a time without an early exit (no branch per
/// entry), then one by one.
fn lockstep_run(w: &[(u16, I32F32)], bonds: &[(u16, u16)], n: usize) -> usize {
    const BLOCK: usize = 16;
    let len = w.len().min(bonds.len());
    let mut k = 0;
    while k + BLOCK <= len {
        let differ = w[k..k + BLOCK]
            .iter()
            .zip(&bonds[k..k + BLOCK])
            .fold(0u16, |acc, (x, y)| acc | (x.0 ^ y.0));
        if differ != 0 {
            break;
        }
        k += BLOCK;
    }
    while k < len && w[k].0 == bonds[k].0 {
        k += 1;
    }
    // `w` ascends: its columns below n come first (the weights read drops the others, so this
    // keeps the whole run).
    w[..k].partition_point(|e| usize::from(e.0) < n)
}

/// Classic's pass B over row `i` in one merge walk when [`row_fusable`] holds: the clipped
/// weights times the stake, normalized by the delta's column sums, and the stored bonds
/// normalized by theirs, enter the constant-alpha EMA; its entries > 0 are returned and added
/// to the column sums (`partial[..n]`) and maxima (`partial[n..2n]`). An entry the clip would
/// drop gives a delta of 0 here, which the EMA turns into the chain's bond-only value.
fn classic_fused_ema_row(
    w: &[(u16, I32F32)],
    bonds: &[(u16, u16)],
    columns: &[ClassicColumn],
    stake: I32F32,
    alpha: I32F32,
    partial: &mut [I32F32],
) -> SparseRow {
    let n = partial.len() / 2;
    let one_minus_alpha = ONE.saturating_sub(alpha);
    let (sums, maxima) = partial.split_at_mut(n);
    let mut out = row_pool::take(w.len().max(bonds.len()));
    // The column records, sums and maxima of columns < n (one check covers all three).
    let (lock_columns, lock_sums, lock_maxima) = (
        &columns[..n.min(columns.len())],
        &mut sums[..n],
        &mut maxima[..n],
    );
    let (mut a, mut b) = (0usize, 0usize);
    // Whether an EMA entry of the lockstep was 0 (every entry is >= 0: a sum of products of
    // non-negative values); such entries are dropped after the walk, as the chain never emits them.
    let mut zero = false;
    loop {
        // Lockstep while the columns agree (the usual case): the run is found first, so that
        // its entries are written by an exact-size extend. Weights name columns < n (the read
        // drops the others), so the lockstep always finds its column.
        let run = lockstep_run(&w[a..], &bonds[b..], lock_columns.len());
        let (wr, br) = (&w[a..a + run], &bonds[b..b + run]);
        let start = out.len();
        // The EMA entry of one lockstep entry, given its column's record.
        let ema = move |v: I32F32, bv: u16, c: &ClassicColumn| {
            let clipped = if lt(c.threshold, v) { c.threshold } else { v };
            // The delta's column sum includes this entry and stays far below 2^61.
            let delta = c.delta.divide_bounded(mul_prop(stake, clipped));
            let bond = c.bonds.normalize_u16(bv);
            mul_prop(alpha, delta) + mul_prop(one_minus_alpha, bond)
        };
        // The EMA entries first (a loop without stores but the output's), then their column
        // sums and maxima. Consecutive columns (dense rows) read their records side by side.
        let first = wr.first().map_or(0, |e| usize::from(e.0));
        let span = first..first + run;
        if run > 0 && usize::from(wr[run - 1].0) + 1 == span.end {
            let records = &lock_columns[span.clone()];
            out.extend(
                wr.iter()
                    .zip(br)
                    .zip(records)
                    .map(|((&(j, v), &(_, bv)), c)| (j, ema(v, bv, c))),
            );
            let (sums, maxima) = (&mut lock_sums[span.clone()], &mut lock_maxima[span]);
            for ((&(_, e), s), m) in out[start..].iter().zip(sums).zip(maxima) {
                // A zero entry adds 0 to the sum and never exceeds the maximum (which starts
                // at 0).
                zero |= e == ZERO;
                *s += e;
                if lt(*m, e) {
                    *m = e;
                }
            }
        } else {
            out.extend(
                wr.iter()
                    .zip(br)
                    .map(|(&(j, v), &(_, bv))| (j, ema(v, bv, &lock_columns[j as usize]))),
            );
            for &(j, e) in &out[start..] {
                let ju = j as usize;
                zero |= e == ZERO;
                lock_sums[ju] += e;
                if lt(lock_maxima[ju], e) {
                    lock_maxima[ju] = e;
                }
            }
        }
        a += run;
        b += run;
        if a == w.len() && b == bonds.len() {
            break;
        }
        // One merge step where the columns differ (a column only one row has: the stored bond
        // rows lack the few entries whose EMA was 0 last epoch), then the lockstep again.
        let ja = w.get(a).map_or(u32::MAX, |e| u32::from(e.0));
        let jb = bonds.get(b).map_or(u32::MAX, |e| u32::from(e.0));
        let j = ja.min(jb) as usize;
        let c = lock_columns.get(j);
        let mut ema = ZERO;
        if ja <= jb {
            let v = w[a].1;
            a += 1;
            let th = c.map_or(ZERO, |c| c.threshold);
            let clipped = if lt(th, v) { th } else { v };
            let delta = mul_prop(stake, clipped);
            let delta = c.map_or(delta, |c| c.delta.divide_bounded(delta));
            ema = mul_prop(alpha, delta);
        }
        if jb <= ja {
            let v = bonds[b].1;
            b += 1;
            let v = c.map_or(u16_to_fixed(v), |c| c.bonds.normalize_u16(v));
            ema += mul_prop(one_minus_alpha, v);
        }
        if lt(ZERO, ema) && j < n {
            out.push((j as u16, ema));
            lock_sums[j] += ema;
            if lt(lock_maxima[j], ema) {
                lock_maxima[j] = ema;
            }
        }
    }
    if zero {
        out.retain(|&(_, v)| lt(ZERO, v));
    }
    out
}

/// What classic's pass C needs of column `j`, together.
#[derive(Debug, Clone, Copy)]
struct ClassicOutputColumn {
    ema: Divisor,
    max: Divisor,
    incentive: I32F32,
}

/// The records of `row`'s columns when they are consecutive (strictly ascending from the
/// first to the last with no gap: the last minus the first is the length minus one) and all
/// have one.
fn contiguous_columns<'c, T>(row: &[(u16, I32F32)], records: &'c [T]) -> Option<&'c [T]> {
    let (first, last) = (usize::from(row.first()?.0), usize::from(row.last()?.0));
    debug_assert!(row.windows(2).all(|p| p[0].0 < p[1].0));
    (last + 1 == first + row.len()).then(|| records.get(first..=last))?
}

/// Empty u16 rows with the capacity of each EMA row, allocated on the calling thread. The
/// stored bonds are handed to the caller, who frees them after the epoch; rows allocated by
/// the pool's threads came from their malloc arenas, which gave the freed pages back to the
/// kernel, so each epoch wrote its 4 MiB of u16 bonds (at 256 × 4096) into fresh pages.
fn output_rows(ema: &[SparseRow]) -> Vec<U16Row> {
    ema.iter().map(|r| Vec::with_capacity(r.len())).collect()
}

/// Classic Yuma (S12a).
pub fn classic(par: Par, hp: &Hyperparams, inp: &BondInputs<'_>) -> FusedBonds {
    let n = inp.n;
    // Rows of the usual case take one walk per pass (`classic_fused_sums_row`,
    // `classic_fused_ema_row`).
    let alpha = ema_alpha(hp.bonds_moving_average);
    let fusable = fusable_epoch(inp, alpha);
    // Pass A: validator trust and incentive (S9–S10), and the column sums of the stored bonds
    // (the integer sums of their u16 values, in columns [0, n): `bond_sum`) and of the bond
    // delta (row_hadamard of the weights for bonds with the active stake). With bonds penalty 1
    // (every fusable epoch) the weights for bonds are the clipped weights and the delta's
    // column sums are the incentive's (the same products, `mul_sat` commutes): the incentive
    // partials are in [n, 2n) and double as the delta's. Otherwise the delta's are in [n, 2n)
    // and the incentive's in [2n, 3n).
    let incentive_at = if fusable { n } else { 2 * n };
    let (validator_trust, sums) = par.map_rows_reduce(
        n,
        incentive_at + n,
        ZERO,
        Scratch::default,
        |s, i, p| {
            if fusable && dense_row(inp, i) {
                let w = inp.weights.weights.get(i).map_or(&[][..], Vec::as_slice);
                let stored = stored_row(inp, i);
                if let (Some(&stake), false) =
                    (inp.active_stake.get(i), w.is_empty() && stored.is_empty())
                {
                    let consensus = inp.weights.consensus;
                    return classic_fused_sums_row(w, stored, consensus, stake, p.values());
                }
            }
            inp.bond_row(i, u16_to_fixed, &mut s.bonds);
            let (clipped, w) = inp.weights.clipped_and_row(i, &mut s.weights);
            let scale = inp.active_stake.get(i).copied();
            let trust = if clipped.is_empty() {
                ZERO
            } else {
                let stake = scale.unwrap_or(ZERO);
                trust_and_incentive(clipped, stake, &mut p.values()[incentive_at..])
            };
            if s.bonds.is_empty() && (w.is_empty() || scale.is_none()) {
                return trust;
            }
            let p = p.values();
            for &(j, v) in &s.bonds {
                if let Some(c) = p[..n].get_mut(j as usize) {
                    // The u16 value back from `u16_to_fixed`: bits `v << 32`.
                    *c += I32F32::from_bits(v.to_bits() >> 32);
                }
            }
            match scale {
                Some(scale) if !fusable => {
                    for &(j, v) in w {
                        if let Some(c) = p[n..2 * n].get_mut(j as usize) {
                            *c = c.saturating_add(mul_sat(v, scale));
                        }
                    }
                }
                _ => {}
            }
            trust
        },
        sat_add_col,
    );
    let mut incentive = sums[incentive_at..].to_vec();
    inplace_normalize(&mut incentive);
    let bond_div: Vec<U16SumDivisor> = sums[..n]
        .iter()
        .map(|&count| U16SumDivisor::new(bond_sum(count)))
        .collect();
    let delta_div = divisors(&sums[n..2 * n]);
    // Rows of the delta: min(rows of the weights, length of the stake) = n.
    let rows = n.min(inp.active_stake.len());
    let columns: Vec<ClassicColumn> = (0..n)
        .map(|j| ClassicColumn {
            threshold: inp.weights.consensus.get(j).copied().unwrap_or(ZERO),
            delta: delta_div[j],
            bonds: bond_div[j],
        })
        .collect();
    // Pass B: normalize both, the EMA, and its column sums [0, n) and maxima [n, 2n).
    let (ema, reduced) = par.map_rows_reduce(
        rows,
        2 * n,
        ZERO,
        Scratch::default,
        |s, i, p| {
            let stored = stored_row(inp, i);
            if row_fusable(inp, fusable && rows == n, i, stored) {
                let w = inp.weights.weights.get(i).map_or(&[][..], Vec::as_slice);
                if w.is_empty() && stored.is_empty() {
                    return Vec::new();
                }
                let stake = inp.active_stake[i];
                return classic_fused_ema_row(w, stored, &columns, stake, alpha, p.values());
            }
            inp.bond_row(i, u16_to_fixed, &mut s.bonds);
            for (j, v) in s.bonds.iter_mut() {
                if let Some(d) = bond_div.get(*j as usize) {
                    *v = d.general().normalize(*v);
                }
            }
            let w = inp.weights.row(i, &mut s.weights);
            let scale = inp.active_stake[i];
            s.delta.clear();
            s.delta
                .extend(w.iter().map(|&(j, v)| (j, mul_sat(v, scale))));
            normalize_row(&mut s.delta, &delta_div);
            let row = mat_ema_row(&s.delta, &s.bonds, alpha, rows, &mut s.acc);
            if !row.is_empty() {
                let p = p.values();
                for &(j, v) in &row {
                    let j = j as usize;
                    if j < n {
                        p[j] = p[j].saturating_add(v);
                        if lt(p[n + j], v) {
                            p[n + j] = v;
                        }
                    }
                }
            }
            row
        },
        |j, a, b| {
            if j < n {
                a.saturating_add(b)
            } else if a < b {
                b
            } else {
                a
            }
        },
    );
    // Per column: the EMA's divisor (its sum), the divisor of its normalized maximum (the
    // maximum of the normalized column), and the incentive.
    let columns: Vec<ClassicOutputColumn> = (0..n)
        .map(|j| {
            let ema = Divisor::new(reduced[j]);
            let m = reduced[n + j];
            let max = Divisor::new(if ema.value() != ZERO {
                ema.divide(m)
            } else {
                m
            });
            ClassicOutputColumn {
                ema,
                max,
                incentive: incentive[j],
            }
        })
        .collect();
    // Pass C: dividends (matmul_transpose of the normalized EMA) and the max-upscaled u16 bonds.
    // Every EMA entry is > 0, names a column < n and is at most its column's (saturating) sum
    // of such entries, so its normalized value is a proportion. In a fusable epoch every EMA
    // entry is at most 2, the column sums and normalized maxima are far below 2^61 and the
    // incentive is a proportion too, so the dividend sum stays far below 2^63.
    let mut bonds_u16 = output_rows(&ema);
    let mut dividends: Vec<I32F32> = par.map_rows_mut(&mut bonds_u16, |i, stored| {
        let mut total = ZERO;
        let row = &ema[i];
        if let (true, Some(run)) = (fusable, contiguous_columns(row, &columns)) {
            // Every column of the row, in order (dense rows): the records side by side.
            stored.extend(row.iter().zip(run).map(|(&(j, v), c)| {
                let v = c.ema.divide_bounded(v);
                total += mul_prop(v, c.incentive);
                (j, bounded_proportion_to_u16(c.max.divide_bounded(v)))
            }));
        } else if fusable {
            stored.extend(ema[i].iter().map(|&(j, v)| match columns.get(j as usize) {
                Some(c) => {
                    let v = c.ema.divide_bounded(v);
                    total += mul_prop(v, c.incentive);
                    // v is at most its column's normalized maximum: the quotient is in [0, 1].
                    (j, bounded_proportion_to_u16(c.max.divide_bounded(v)))
                }
                None => (j, proportion_to_u16(v)),
            }));
        } else {
            stored.extend(ema[i].iter().map(|&(j, v)| match columns.get(j as usize) {
                Some(c) => {
                    let v = c.ema.normalize(v);
                    total = total.saturating_add(mul_prop(v, c.incentive));
                    (j, proportion_to_u16(c.max.normalize(v)))
                }
                None => (j, proportion_to_u16(v)),
            }));
        }
        total
    });
    // The EMA rows are not read again: their buffers serve the next epoch.
    row_pool::give(ema);
    inplace_normalize(&mut dividends);
    FusedBonds {
        validator_trust,
        incentive,
        bonds_u16,
        dividends,
        liquid_alpha_consensus_source: None,
    }
}

/// Yuma3 (S12b): the stored bonds become proportions; `previous_consensus` is the stored
/// `Consensus` liquid alpha may read.
pub fn yuma3(
    par: Par,
    hp: &Hyperparams,
    inp: &BondInputs<'_>,
    consensus: &[I32F32],
    previous_consensus: Option<&[u16]>,
) -> FusedBonds {
    let n = inp.n;
    let mut source = None;
    let mut la_consensus = None;
    if hp.liquid_alpha && !consensus.is_empty() && consensus.iter().any(|&c| c != ZERO) {
        let (c, from) = consensus_for_liquid_alpha(
            hp.liquid_alpha_consensus_mode,
            hp.bonds_penalty_u16,
            consensus,
            previous_consensus,
        );
        source = Some(from);
        la_consensus = Some(c);
    }
    let sigmoid = Sigmoid::new(hp);
    let alpha = ema_alpha(hp.bonds_moving_average);
    // Rows of the usual case take one merge walk (`yuma3_fused_row`).
    let fusable = fusable_epoch(inp, alpha);
    // Pass A: validator trust and incentive (S9–S10, incentive partials in [n, 2n)), the EMA
    // (constant or liquid alpha) per row, and its column sums in [0, n). The weights and the
    // bonds both have n rows.
    let (rows, sums) = par.map_rows_reduce(
        n,
        2 * n,
        ZERO,
        Scratch::default,
        |s, i, p| {
            let stored = stored_row(inp, i);
            if row_fusable(inp, fusable, i, stored) {
                let w = inp.weights.weights.get(i).map_or(&[][..], Vec::as_slice);
                let stake = inp.active_stake.get(i).copied().unwrap_or(ZERO);
                let threshold = inp.weights.consensus;
                match &la_consensus {
                    // No trust, incentive or EMA entries (and no partial allocated).
                    None if w.is_empty() && stored.is_empty() => return (Vec::new(), ZERO),
                    None => return yuma3_fused_row(w, stored, threshold, stake, alpha, p.values()),
                    // Liquid alpha's EMA only has entries where the row weights.
                    Some(_) if w.is_empty() => return (Vec::new(), ZERO),
                    Some(c) => {
                        let (liquid, partial) = (&mut s.liquid, p.values());
                        return clipped_ema_row(
                            liquid, &sigmoid, w, stored, threshold, c, stake, partial,
                        );
                    }
                }
            }
            inp.bond_row(i, u16_bond_proportion, &mut s.bonds);
            let (clipped, w) = inp.weights.clipped_and_row(i, &mut s.weights);
            let trust = if clipped.is_empty() {
                ZERO
            } else {
                let stake = inp.active_stake.get(i).copied().unwrap_or(ZERO);
                trust_and_incentive(clipped, stake, &mut p.values()[n..])
            };
            let row = match &la_consensus {
                Some(c) => ema_row(&mut s.liquid, &sigmoid, w, &s.bonds, c),
                None => mat_ema_row(w, &s.bonds, alpha, n, &mut s.acc),
            };
            if !row.is_empty() {
                let p = &mut p.values()[..n];
                for &(j, v) in &row {
                    if let Some(c) = p.get_mut(j as usize) {
                        *c = c.saturating_add(v);
                    }
                }
            }
            (row, trust)
        },
        sat_add_col,
    );
    let (ema, validator_trust): (Vec<SparseRow>, Vec<I32F32>) = rows.into_iter().unzip();
    let mut incentive = sums[n..].to_vec();
    inplace_normalize(&mut incentive);
    // Per column: the divisor of the EMA (its sum) and the incentive.
    let columns: Vec<(Divisor, I32F32)> = sums[..n]
        .iter()
        .zip(&incentive)
        .map(|(&sum, &x)| (Divisor::new(sum), x))
        .collect();
    // Pass B: Σ_j (ema_ij / colsum_j) · incentive_j (wrapping), and the stored u16 bonds.
    let mut bonds_u16 = output_rows(&ema);
    let totals: Vec<I32F32> = par.map_rows_mut(&mut bonds_u16, |i, stored| {
        let row = &ema[i];
        let mut total = ZERO;
        // Each entry's normalized value is a proportion: every EMA entry is > 0 and at
        // most its column's (saturating) sum of such entries. In a fusable epoch every EMA
        // entry is at most 2 and each column sum far below 2^61.
        if fusable {
            stored.extend(row.iter().map(|&(j, v)| {
                if let Some(&(d, x)) = columns.get(j as usize) {
                    total = total.wrapping_add(mul_prop(d.divide_bounded(v), x));
                }
                (j, proportion_to_u16(v))
            }));
        } else {
            stored.extend(row.iter().map(|&(j, v)| {
                if let Some(&(d, x)) = columns.get(j as usize) {
                    total = total.wrapping_add(mul_prop(d.normalize(v), x));
                }
                (j, proportion_to_u16(v))
            }));
        }
        total
    });
    row_pool::give(ema);
    // vec_mul: zipped with the stake, 0 where the product overflows.
    let mut dividends: Vec<I32F32> = totals
        .iter()
        .zip(inp.active_stake)
        .map(|(total, &s)| total.checked_mul(s).unwrap_or(ZERO))
        .collect();
    inplace_normalize(&mut dividends);
    FusedBonds {
        validator_trust,
        incentive,
        bonds_u16,
        dividends,
        liquid_alpha_consensus_source: source,
    }
}
