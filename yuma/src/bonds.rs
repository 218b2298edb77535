//! Bonds and dividends: classic Yuma (S12a) and Yuma3 with optional liquid alpha (S12b).

use crate::consensus_mode::{consensus_for_liquid_alpha, ConsensusSource};
use crate::fixed::{
    exp_safe, fixed_to_fixed_u16_proportion, safe_div64, u16_proportion_to_fixed, I32F32, I64F64,
    ONE, ZERO,
};
use crate::hyperparams::Hyperparams;
use crate::sparse::{
    inplace_col_max_upscale_sparse, inplace_col_normalize_sparse, inplace_normalize,
    mat_ema_sparse, mat_vec_mul_sparse, matmul_transpose_sparse, row_hadamard_sparse,
    row_sum_sparse, vec_mul, SparseMatrix, SparseRow,
};

/// The result of the bond step: the bonds to store (before u16 conversion) and the dividends.
#[derive(Debug, Clone)]
pub struct BondsOutcome {
    /// The bond matrix that is stored (classic: column max-upscaled; Yuma3: raw EMA).
    pub ema_bonds: SparseMatrix,
    /// Normalized dividends per uid.
    pub dividends: Vec<I32F32>,
    /// Which consensus the liquid-alpha sigmoid read (`None`: liquid alpha was not applied).
    pub liquid_alpha_consensus_source: Option<ConsensusSource>,
}

/// The constant EMA alpha `1 - I32F32(I64F64(bma) / 1e6)`.
pub fn ema_alpha(bonds_moving_average: u64) -> I32F32 {
    let bma = safe_div64(
        I64F64::saturating_from_num(bonds_moving_average),
        I64F64::saturating_from_num(1_000_000),
    );
    ONE.saturating_sub(I32F32::saturating_from_num(bma))
}

/// Classic Yuma (S12a): `bonds` are the stored u16 values as I32F32 integers, already masked.
pub fn classic(
    hp: &Hyperparams,
    n: u16,
    weights_for_bonds: &[SparseRow],
    mut bonds: SparseMatrix,
    active_stake: &[I32F32],
    incentive: &[I32F32],
) -> BondsOutcome {
    inplace_col_normalize_sparse(&mut bonds, n);
    let mut delta = row_hadamard_sparse(weights_for_bonds, active_stake);
    inplace_col_normalize_sparse(&mut delta, n);
    let mut ema = mat_ema_sparse(&delta, &bonds, ema_alpha(hp.bonds_moving_average));
    inplace_col_normalize_sparse(&mut ema, n);
    let mut dividends = matmul_transpose_sparse(&ema, incentive);
    inplace_normalize(&mut dividends);
    inplace_col_max_upscale_sparse(&mut ema, n);
    BondsOutcome {
        ema_bonds: ema,
        dividends,
        liquid_alpha_consensus_source: None,
    }
}

/// Yuma3 (S12b): `bonds` are the stored u16 values as I32F32 integers, already masked; they are
/// turned into proportions here. `previous_consensus` is the stored `Consensus` before this
/// epoch, which liquid alpha reads in the modes of [`crate::consensus_mode`].
#[allow(clippy::too_many_arguments)]
pub fn yuma3(
    hp: &Hyperparams,
    n: u16,
    weights_for_bonds: &[SparseRow],
    mut bonds: SparseMatrix,
    consensus: &[I32F32],
    previous_consensus: Option<&[u16]>,
    active_stake: &[I32F32],
    incentive: &[I32F32],
) -> BondsOutcome {
    for row in bonds.iter_mut() {
        for (_, v) in row.iter_mut() {
            *v = fixed_to_fixed_u16_proportion(*v);
        }
    }
    let mut source = None;
    let ema = if hp.liquid_alpha && !consensus.is_empty() && consensus.iter().any(|&c| c != ZERO) {
        let (la_consensus, from) = consensus_for_liquid_alpha(
            hp.liquid_alpha_consensus_mode,
            hp.bonds_penalty_u16,
            consensus,
            previous_consensus,
        );
        source = Some(from);
        liquid_alpha_ema(hp, weights_for_bonds, &bonds, &la_consensus)
    } else {
        mat_ema_sparse(
            weights_for_bonds,
            &bonds,
            ema_alpha(hp.bonds_moving_average),
        )
    };
    let mut ema_norm = ema.clone();
    inplace_col_normalize_sparse(&mut ema_norm, n);
    let per_validator = row_sum_sparse(&mat_vec_mul_sparse(&ema_norm, incentive));
    let mut dividends = vec_mul(&per_validator, active_stake);
    inplace_normalize(&mut dividends);
    BondsOutcome {
        ema_bonds: ema,
        dividends,
        liquid_alpha_consensus_source: source,
    }
}

/// The liquid alpha of one entry (`alpha_sigmoid`).
pub fn alpha_sigmoid(
    consensus: I32F32,
    weight: I32F32,
    bond: I32F32,
    alpha_low: I32F32,
    alpha_high: I32F32,
    steepness: I32F32,
) -> I32F32 {
    let clamp = |v: I32F32, lo: I32F32, hi: I32F32| v.min(hi).max(lo);
    let diff_buy = clamp(weight.saturating_sub(consensus), ZERO, ONE);
    let diff_sell = clamp(bond.saturating_sub(weight), ZERO, ONE);
    let combined = if weight >= bond { diff_buy } else { diff_sell };
    let half = I32F32::from_num(0.5);
    let exponent = steepness
        .saturating_div(I32F32::from_num(-100))
        .saturating_mul(combined.saturating_sub(half));
    let sigmoid = ONE.saturating_div(ONE.saturating_add(exp_safe(exponent)));
    let alpha =
        alpha_low.saturating_add(sigmoid.saturating_mul(alpha_high.saturating_sub(alpha_low)));
    clamp(alpha, alpha_low, alpha_high)
}

/// Look up `row`'s value at each column of `wanted` (ascending) the way
/// `compute_liquid_alpha_values_sparse` walks a row: a cursor that only skips entries whose uid is
/// below the current column, assuming ascending uids (quirk Q2: entries out of order are missed).
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

/// `mat_ema_alpha_sparse(W, B, compute_liquid_alpha_values_sparse(W, B, C))`, computing alpha only
/// where it is read: the columns of each new weight row (quirk Q1: only those are emitted).
pub fn liquid_alpha_ema(
    hp: &Hyperparams,
    weights: &[SparseRow],
    bonds: &[SparseRow],
    consensus: &[I32F32],
) -> SparseMatrix {
    if weights.len() != bonds.len() {
        // compute_liquid_alpha_values_sparse returns no rows; mat_ema_alpha_sparse returns `new`.
        return weights.to_vec();
    }
    let steepness = I32F32::saturating_from_num(hp.alpha_sigmoid_steepness);
    let alpha_low = u16_proportion_to_fixed(hp.alpha_low_u16);
    let alpha_high = u16_proportion_to_fixed(hp.alpha_high_u16);
    let cols = consensus.len();
    let mut wanted: Vec<usize> = Vec::new();
    let mut w_at = vec![ZERO; cols];
    let mut b_at = vec![ZERO; cols];
    let mut alpha = vec![ZERO; cols];
    let mut decayed = vec![ZERO; cols];
    let mut result = Vec::with_capacity(weights.len());
    for (w_row, b_row) in weights.iter().zip(bonds.iter()) {
        wanted.clear();
        wanted.extend(w_row.iter().map(|&(j, _)| j as usize).filter(|&j| j < cols));
        wanted.sort_unstable();
        wanted.dedup();
        merge_walk(w_row, &wanted, &mut w_at);
        merge_walk(b_row, &wanted, &mut b_at);
        for &j in &wanted {
            alpha[j] = alpha_sigmoid(
                consensus[j],
                w_at[j],
                b_at[j],
                alpha_low,
                alpha_high,
                steepness,
            );
            decayed[j] = ZERO;
        }
        // (1 - α_j)·old_j; a later duplicate overwrites. Only wanted columns are ever read.
        for &(j, ov) in b_row {
            let j = j as usize;
            if j < cols && wanted.binary_search(&j).is_ok() {
                decayed[j] = ONE.saturating_sub(alpha[j]).saturating_mul(ov);
            }
        }
        let mut out = Vec::new();
        for &(j, nv) in w_row {
            let ju = j as usize;
            if ju < cols {
                let inc = alpha[ju].saturating_mul(nv).max(ZERO);
                let v = decayed[ju].saturating_add(inc).min(ONE);
                if v > ZERO {
                    out.push((j, v));
                }
            }
        }
        result.push(out);
    }
    result
}
