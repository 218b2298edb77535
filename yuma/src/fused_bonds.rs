//! Bonds and dividends (S12) in a few fused, parallel passes over the matrix, with the same
//! results as [`crate::bonds::classic`] and [`crate::bonds::yuma3`] followed by the u16
//! conversion of the stored bonds.
//!
//! Column sums and maxima are reduced in fixed row chunks ([`crate::par`]); everything else is
//! row-local once those are known, so normalizing, the EMA, the dividends and the u16 bonds of a
//! row are computed together, dividing through a per-column [`Divisor`].

use crate::bonds::ema_alpha;
use crate::consensus_mode::{consensus_for_liquid_alpha, ConsensusSource};
use crate::exact_div::Divisor;
use crate::fixed::{fixed_proportion_to_u16, I32F32, ONE, ZERO};
use crate::hyperparams::Hyperparams;
use crate::liquid_alpha::{ema_row, RowScratch, Sigmoid};
use crate::par::Par;
use crate::sparse::{inplace_normalize, SparseRow};
use crate::state::U16Row;

/// What S12 hands to the emission and the outputs.
#[derive(Debug, Clone)]
pub struct FusedBonds {
    /// The stored bonds in u16, for every row (the caller keeps the permitted ones).
    pub bonds_u16: Vec<U16Row>,
    /// Normalized dividends per uid.
    pub dividends: Vec<I32F32>,
    /// Which consensus the liquid-alpha sigmoid read (`None`: liquid alpha was not applied).
    pub liquid_alpha_consensus_source: Option<ConsensusSource>,
}

fn sat_add(a: I32F32, b: I32F32) -> I32F32 {
    a.saturating_add(b)
}

/// Saturating column sums over columns `< n`, in fixed row chunks.
fn column_sums(par: Par, m: &[SparseRow], n: usize) -> Vec<I32F32> {
    par.reduce_columns(
        m.len(),
        n,
        ZERO,
        |i, p| {
            if m[i].is_empty() {
                return;
            }
            let p = p.values();
            for &(j, v) in &m[i] {
                if let Some(s) = p.get_mut(j as usize) {
                    *s = s.saturating_add(v);
                }
            }
        },
        sat_add,
    )
}

fn divisors(v: &[I32F32]) -> Vec<Divisor> {
    v.iter().map(|&d| Divisor::new(d)).collect()
}

/// `inplace_col_normalize_sparse` of one row given the column divisors (columns without one, or
/// with a zero sum, are left as they are).
fn normalize_row(row: &mut [(u16, I32F32)], div: &[Divisor]) {
    for (j, v) in row.iter_mut() {
        if let Some(d) = div.get(*j as usize) {
            if d.value() != ZERO {
                *v = d.divide(*v);
            }
        }
    }
}

fn strictly_ascending(row: &[(u16, I32F32)]) -> bool {
    row.windows(2).all(|w| w[0].0 < w[1].0)
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
    let mut out = Vec::with_capacity(new_row.len().max(old_row.len()));
    if strictly_ascending(new_row) && strictly_ascending(old_row) {
        let (mut a, mut b) = (0usize, 0usize);
        loop {
            let ja = new_row.get(a).map(|e| e.0);
            let jb = old_row.get(b).map(|e| e.0);
            let j = match (ja, jb) {
                (None, None) => break,
                (Some(x), None) => x,
                (None, Some(y)) => y,
                (Some(x), Some(y)) => x.min(y),
            };
            let mut v = ZERO;
            if ja == Some(j) {
                v = v.saturating_add(alpha.saturating_mul(new_row[a].1));
                a += 1;
            }
            if jb == Some(j) {
                v = v.saturating_add(one_minus_alpha.saturating_mul(old_row[b].1));
                b += 1;
            }
            if (j as usize) < n && v > ZERO {
                out.push((j, v));
            }
        }
        return out;
    }
    if acc.len() != n {
        acc.clear();
        acc.resize(n, ZERO);
    }
    let mut touched: Vec<usize> = Vec::with_capacity(new_row.len() + old_row.len());
    for &(j, v) in new_row {
        if let Some(c) = acc.get_mut(j as usize) {
            *c = c.saturating_add(alpha.saturating_mul(v));
            touched.push(j as usize);
        }
    }
    for &(j, v) in old_row {
        if let Some(c) = acc.get_mut(j as usize) {
            *c = c.saturating_add(one_minus_alpha.saturating_mul(v));
            touched.push(j as usize);
        }
    }
    touched.sort_unstable();
    touched.dedup();
    for j in touched {
        if acc[j] > ZERO {
            out.push((j as u16, acc[j]));
        }
        acc[j] = ZERO;
    }
    out
}

/// The stored u16 bonds of a row of proportions.
fn row_to_u16(row: &[(u16, I32F32)]) -> U16Row {
    row.iter()
        .map(|&(j, v)| (j, fixed_proportion_to_u16(v)))
        .collect()
}

/// Classic Yuma (S12a) on the masked stored bonds (u16 values as I32F32 integers).
pub fn classic(
    par: Par,
    hp: &Hyperparams,
    n: usize,
    weights_for_bonds: &[SparseRow],
    mut bonds: Vec<SparseRow>,
    active_stake: &[I32F32],
    incentive: &[I32F32],
) -> FusedBonds {
    // Bond delta: row_hadamard (rows past the stake vector are dropped, as on chain).
    let mut delta: Vec<SparseRow> = par.map_rows(
        weights_for_bonds.len().min(active_stake.len()),
        || (),
        |_, i| {
            let scale = active_stake[i];
            weights_for_bonds[i]
                .iter()
                .map(|&(j, v)| (j, v.saturating_mul(scale)))
                .collect()
        },
    );
    let bond_div = divisors(&column_sums(par, &bonds, n));
    let delta_div = divisors(&column_sums(par, &delta, n));
    par.map_rows_mut(&mut bonds, |_, row| normalize_row(row, &bond_div));
    par.map_rows_mut(&mut delta, |_, row| normalize_row(row, &delta_div));
    let alpha = ema_alpha(hp.bonds_moving_average);
    let rows = delta.len();
    let mut ema: Vec<SparseRow> = par.map_rows(rows, Vec::new, |acc, i| {
        let old = bonds.get(i).map(Vec::as_slice).unwrap_or(&[]);
        mat_ema_row(&delta[i], old, alpha, rows, acc)
    });
    let ema_div = divisors(&column_sums(par, &ema, n));
    // Column-normalize the EMA in place and take the dividends (matmul_transpose).
    let mut dividends: Vec<I32F32> = par.map_rows_mut(&mut ema, |_, row| {
        normalize_row(row, &ema_div);
        row.iter().fold(ZERO, |acc, &(j, v)| {
            let x = incentive.get(j as usize).copied().unwrap_or(ZERO);
            acc.saturating_add(x.saturating_mul(v))
        })
    });
    inplace_normalize(&mut dividends);
    // Column max-upscale, then u16.
    let col_max = par.reduce_columns(
        ema.len(),
        n,
        ZERO,
        |i, p| {
            if ema[i].is_empty() {
                return;
            }
            let p = p.values();
            for &(j, v) in &ema[i] {
                if let Some(c) = p.get_mut(j as usize) {
                    if *c < v {
                        *c = v;
                    }
                }
            }
        },
        |a, b| if a < b { b } else { a },
    );
    let max_div = divisors(&col_max);
    let bonds_u16 = par.map_rows(
        ema.len(),
        || (),
        |_, i| {
            ema[i]
                .iter()
                .map(|&(j, v)| {
                    let v = match max_div.get(j as usize) {
                        Some(d) if d.value() != ZERO => d.divide(v),
                        _ => v,
                    };
                    (j, fixed_proportion_to_u16(v))
                })
                .collect()
        },
    );
    FusedBonds {
        bonds_u16,
        dividends,
        liquid_alpha_consensus_source: None,
    }
}

/// Yuma3 (S12b) on the masked stored bonds, already turned into proportions.
#[allow(clippy::too_many_arguments)]
pub fn yuma3(
    par: Par,
    hp: &Hyperparams,
    n: usize,
    weights_for_bonds: &[SparseRow],
    bonds: &[SparseRow],
    consensus: &[I32F32],
    previous_consensus: Option<&[u16]>,
    active_stake: &[I32F32],
    incentive: &[I32F32],
) -> FusedBonds {
    let mut source = None;
    let ema: Vec<SparseRow> =
        if hp.liquid_alpha && !consensus.is_empty() && consensus.iter().any(|&c| c != ZERO) {
            let (la_consensus, from) = consensus_for_liquid_alpha(
                hp.liquid_alpha_consensus_mode,
                hp.bonds_penalty_u16,
                consensus,
                previous_consensus,
            );
            source = Some(from);
            if weights_for_bonds.len() != bonds.len() {
                weights_for_bonds.to_vec()
            } else {
                let sigmoid = Sigmoid::new(hp);
                par.map_rows(weights_for_bonds.len(), RowScratch::default, |s, i| {
                    ema_row(s, &sigmoid, &weights_for_bonds[i], &bonds[i], &la_consensus)
                })
            }
        } else {
            let alpha = ema_alpha(hp.bonds_moving_average);
            let rows = weights_for_bonds.len();
            par.map_rows(rows, Vec::new, |acc, i| {
                let old = bonds.get(i).map(Vec::as_slice).unwrap_or(&[]);
                mat_ema_row(&weights_for_bonds[i], old, alpha, rows, acc)
            })
        };
    let ema_div = divisors(&column_sums(par, &ema, n));
    // Per row: Σ_j (ema_ij / colsum_j) · incentive_j (wrapping), and the stored u16 bonds.
    let per_row: Vec<(I32F32, U16Row)> = par.map_rows(
        ema.len(),
        || (),
        |_, i| {
            let row = &ema[i];
            let mut total = ZERO;
            for &(j, v) in row {
                let Some(&x) = incentive.get(j as usize) else {
                    continue;
                };
                let v = match ema_div.get(j as usize) {
                    Some(d) if d.value() != ZERO => d.divide(v),
                    _ => v,
                };
                total = total.wrapping_add(v.saturating_mul(x));
            }
            (total, row_to_u16(row))
        },
    );
    let mut bonds_u16 = Vec::with_capacity(per_row.len());
    let mut dividends = Vec::with_capacity(per_row.len());
    for (i, (total, row)) in per_row.into_iter().enumerate() {
        // vec_mul: zipped with the stake, 0 where the product overflows.
        if let Some(&s) = active_stake.get(i) {
            dividends.push(total.checked_mul(s).unwrap_or(ZERO));
        }
        bonds_u16.push(row);
    }
    inplace_normalize(&mut dividends);
    FusedBonds {
        bonds_u16,
        dividends,
        liquid_alpha_consensus_source: source,
    }
}
