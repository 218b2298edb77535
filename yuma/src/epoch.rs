//! One epoch of Yuma consensus: subtensor's `epoch_mechanism` (the live sparse path), S1–S14.
//!
//! The chain's matrix operations are fused into a few passes over the weight matrix and run on
//! the current rayon pool in fixed chunks ([`crate::par`]), so the results are the chain's bit
//! for bit and do not depend on the number of threads. [`crate::reference`] keeps the literal,
//! one-operation-at-a-time port the tests compare this with.

use std::borrow::Cow;

use crate::column_median::weighted_median_columns;
use crate::consensus_mode::ConsensusSource;
use crate::emission;
use crate::error::YumaError;
use crate::exact_div::Divisor;
use crate::fixed::{
    fixed64_to_fixed32, fixed64_to_u64, fixed_proportion_to_u16, tao_weight_fraction,
    u16_proportion_to_fixed, u16_to_fixed, I32F32, I64F64, ONE, ZERO,
};
use crate::fused_bonds;
use crate::hyperparams::Hyperparams;
use crate::par::Par;
use crate::sparse::{
    inplace_mask_vector, inplace_normalize, inplace_normalize_64, is_topk_nonzero, SparseRow,
};
use crate::state::{EpochInput, EpochOutput};

/// Every intermediate of an epoch in fixed point, for inspection and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochTrace {
    /// Normalized stake (S2).
    pub stake: Vec<I32F32>,
    /// Normalized active stake (S4).
    pub active_stake: Vec<I32F32>,
    /// Consensus per uid (S8).
    pub consensus: Vec<I32F32>,
    /// Validator trust (S9).
    pub validator_trust: Vec<I32F32>,
    /// Incentive (S10).
    pub incentive: Vec<I32F32>,
    /// Dividends (S12).
    pub dividends: Vec<I32F32>,
    /// Which consensus liquid alpha's sigmoid read (`None`: liquid alpha was not applied).
    pub liquid_alpha_consensus_source: Option<ConsensusSource>,
}

/// Run one epoch after checking the shapes ([`EpochInput::validate`]).
///
/// Stored rows naming uids >= n are dropped as on chain (weights when read, bonds wherever the
/// chain's matrix operations skip them). Uses the current rayon pool for large matrices; the
/// result does not depend on its size.
pub fn run_epoch(hp: &Hyperparams, input: &EpochInput) -> Result<EpochOutput, YumaError> {
    run_epoch_traced(hp, input).map(|(o, _)| o)
}

/// [`run_epoch`] on a rayon pool of `threads` threads (0: rayon's default), built for this call.
pub fn run_epoch_with_threads(
    hp: &Hyperparams,
    input: &EpochInput,
    threads: usize,
) -> Result<EpochOutput, YumaError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| YumaError::ThreadPool(e.to_string()))?;
    pool.install(|| run_epoch(hp, input))
}

/// The wrapping sum of a row's values (`row_sum_sparse`, the chain's `iter().sum()`).
fn wrapping_sum_row(row: &[(u16, I32F32)]) -> I32F32 {
    row.iter().fold(ZERO, |acc, &(_, v)| acc.wrapping_add(v))
}

/// `floor(v · 2^32 / 65535)`: `fixed_to_fixed_u16_proportion(u16_to_fixed(v))`.
fn u16_bond_proportion(v: u16) -> I32F32 {
    I32F32::from_bits((((v as u64) << 32) / 65_535) as i64)
}

/// [`run_epoch`], also returning the fixed-point intermediates.
pub fn run_epoch_traced(
    hp: &Hyperparams,
    input: &EpochInput,
) -> Result<(EpochOutput, EpochTrace), YumaError> {
    input.validate(hp)?;
    let n = input.n();
    let n16 = n as u16;
    let current_block = input.current_block;
    let tempo = hp.tempo as u64;
    let zeros = vec![0u64; n];
    let last_update = input.last_update.as_deref().unwrap_or(&zeros);
    let block_at_registration = input.block_at_registration.as_deref().unwrap_or(&zeros);
    let entries: usize = input
        .weights
        .iter()
        .chain(input.bonds.iter())
        .flat_map(|m| m.iter().map(Vec::len))
        .sum();
    let par = Par::for_entries(entries);

    // S1. Activity.
    let cutoff = hp.activity_cutoff();
    let inactive: Vec<bool> = last_update
        .iter()
        .map(|u| u.saturating_add(cutoff) < current_block)
        .collect();
    let active: Vec<bool> = inactive.iter().map(|b| !b).collect();

    // S2. Stake (I64F64), threshold, normalize, narrow.
    let tao_weight = tao_weight_fraction(hp.tao_weight);
    let total_stake: Vec<I64F64> = (0..n)
        .map(|i| {
            let alpha = I64F64::saturating_from_num(input.stake[i]);
            let tao =
                I64F64::saturating_from_num(input.tao_stake.as_ref().map(|t| t[i]).unwrap_or(0));
            alpha.saturating_add(tao.saturating_mul(tao_weight))
        })
        .collect();
    let mut filtered: Vec<I64F64> = total_stake
        .iter()
        .enumerate()
        .map(|(uid, &s)| {
            if hp.owner_uid != Some(uid as u16) && fixed64_to_u64(s) < hp.stake_threshold {
                I64F64::from_bits(0)
            } else {
                s
            }
        })
        .collect();
    inplace_normalize_64(&mut filtered);
    let stake: Vec<I32F32> = filtered.into_iter().map(fixed64_to_fixed32).collect();

    // S3. Permits: previous (masking) and new (written).
    let mut validator_permits: Vec<bool> = input
        .validator_permit
        .clone()
        .unwrap_or_else(|| vec![false; n]);
    if let Some(p) = hp
        .owner_uid
        .and_then(|o| validator_permits.get_mut(o as usize))
    {
        *p = true;
    }
    let validator_forbids: Vec<bool> = validator_permits.iter().map(|b| !b).collect();
    let mut new_permits = is_topk_nonzero(&stake, hp.max_allowed_validators as usize);
    if let Some(p) = hp.owner_uid.and_then(|o| new_permits.get_mut(o as usize)) {
        *p = true;
    }

    // S4. Active stake.
    let mut active_stake = stake.clone();
    inplace_mask_vector(&inactive, &mut active_stake);
    inplace_mask_vector(&validator_forbids, &mut active_stake);
    inplace_normalize(&mut active_stake);

    // S5–S7. Weights: read (uids >= n dropped), the permit row mask, the diagonal mask (owner's
    // self-weight kept), the outdated mask and the commit-reveal mask (filters that keep entry
    // order), then the row normalization, in one pass per row.
    let commit_blocks: Option<Vec<u64>> = hp.commit_reveal_enabled.then(|| {
        input
            .commit_block
            .as_ref()
            .map(|c| c.iter().map(|b| b.unwrap_or(u64::MAX)).collect())
            .unwrap_or_else(|| vec![u64::MAX; n])
    });
    let weights: Vec<SparseRow> = par.map_rows(
        n,
        || (),
        |_, i| {
            let row = match input.weights.as_ref().and_then(|w| w.get(i)) {
                Some(row) if !validator_forbids[i] => row,
                _ => return Vec::new(),
            };
            let updated = last_update[i];
            let committed = commit_blocks.as_ref().map(|c| c[i]);
            let mut out: SparseRow = row
                .iter()
                .filter(|&&(j, _)| {
                    let ju = j as usize;
                    ju < n
                        && (i != ju || hp.owner_uid == Some(j))
                        && updated > block_at_registration[ju]
                        && committed.is_none_or(|c| c >= block_at_registration[ju])
                })
                .map(|&(j, v)| (j, u16_to_fixed(v)))
                .collect();
            let s = wrapping_sum_row(&out);
            if s > ZERO {
                let d = Divisor::new(s);
                out.iter_mut().for_each(|(_, v)| *v = d.divide(*v));
            }
            out
        },
    );

    // S8. Consensus.
    let kappa = u16_proportion_to_fixed(hp.kappa_u16);
    let consensus = weighted_median_columns(par, &active_stake, &weights, n16, kappa);

    // S9–S11 per row: clip at consensus, validator trust, and the weights for bonds.
    let bonds_penalty = u16_proportion_to_fixed(hp.bonds_penalty_u16);
    let clip_row = |row: &[(u16, I32F32)]| -> SparseRow {
        let mut out = Vec::with_capacity(row.len());
        for &(j, v) in row {
            let th = consensus.get(j as usize).copied().unwrap_or(ZERO);
            if th < v {
                if th > ZERO {
                    out.push((j, th));
                }
            } else {
                out.push((j, v));
            }
        }
        out
    };
    let clipped: Vec<SparseRow> = par.map_rows(n, || (), |_, i| clip_row(&weights[i]));
    let validator_trust: Vec<I32F32> = clipped.iter().map(|r| wrapping_sum_row(r)).collect();
    let weights_for_bonds: Cow<'_, [SparseRow]> = if bonds_penalty == ZERO {
        Cow::Borrowed(&weights)
    } else if bonds_penalty == ONE {
        Cow::Borrowed(&clipped)
    } else {
        Cow::Owned(par.map_rows(n, Vec::new, |acc, i| {
            interpolate_row(&weights[i], &clipped[i], n, bonds_penalty, acc)
        }))
    };

    // S10. Incentive: Σ_i active_stake_i · clipped_ij (saturating), in fixed row chunks.
    let mut incentive = par.reduce_columns(
        n,
        n,
        ZERO,
        |i, p| {
            if clipped[i].is_empty() {
                return;
            }
            let scale = active_stake.get(i).copied().unwrap_or(ZERO);
            let p = p.values();
            for &(j, v) in &clipped[i] {
                if let Some(r) = p.get_mut(j as usize) {
                    *r = r.saturating_add(scale.saturating_mul(v));
                }
            }
        },
        |a, b| a.saturating_add(b),
    );
    inplace_normalize(&mut incentive);

    // S12. Bond mask (entries whose uid registered after the last tempo are dropped), then the
    // Yuma variant.
    let last_tempo = if input.last_mechanism_step_block == 0 {
        current_block.saturating_sub(tempo)
    } else {
        input.last_mechanism_step_block.saturating_add(1)
    };
    let yuma3 = hp.yuma3;
    let stored_bonds: Vec<SparseRow> = par.map_rows(
        n,
        || (),
        |_, i| {
            let Some(row) = input.bonds.as_ref().and_then(|b| b.get(i)) else {
                return Vec::new();
            };
            row.iter()
                .filter(|&&(j, _)| {
                    !(last_tempo <= block_at_registration.get(j as usize).copied().unwrap_or(0))
                })
                .map(|&(j, v)| {
                    if yuma3 {
                        (j, u16_bond_proportion(v))
                    } else {
                        (j, u16_to_fixed(v))
                    }
                })
                .collect()
        },
    );
    let outcome = if yuma3 {
        fused_bonds::yuma3(
            par,
            hp,
            n,
            &weights_for_bonds,
            &stored_bonds,
            &consensus,
            input.previous_consensus_u16.as_deref(),
            &active_stake,
            &incentive,
        )
    } else {
        fused_bonds::classic(
            par,
            hp,
            n,
            &weights_for_bonds,
            stored_bonds,
            &active_stake,
            &incentive,
        )
    };

    // S13. Emission.
    let em = emission::split(
        &incentive,
        &outcome.dividends,
        &stake,
        &active_stake,
        hp.rao_emission,
    );

    // S14. Outputs.
    let to_u16 =
        |v: &[I32F32]| -> Vec<u16> { v.iter().map(|&x| fixed_proportion_to_u16(x)).collect() };
    let mut computed_bonds = outcome.bonds_u16.into_iter();
    let bonds_u16 = (0..n)
        .map(|i| {
            let row = computed_bonds.next().unwrap_or_default();
            if new_permits[i] {
                row
            } else {
                Vec::new()
            }
        })
        .collect();
    let pad = |mut v: Vec<I32F32>| {
        v.resize(n, ZERO);
        v
    };
    let liquid_alpha_consensus_source = outcome.liquid_alpha_consensus_source;
    let dividends = pad(outcome.dividends);
    let output = EpochOutput {
        consensus_u16: to_u16(&consensus),
        incentive_u16: to_u16(&incentive),
        dividends_u16: to_u16(&dividends),
        validator_trust_u16: to_u16(&validator_trust),
        stake_weight_u16: to_u16(&stake),
        emission: em.combined,
        server_emission: em.server,
        validator_emission: em.validator,
        new_validator_permit: new_permits,
        active,
        bonds_u16,
    };
    let trace = EpochTrace {
        stake,
        active_stake,
        consensus,
        validator_trust,
        incentive,
        dividends,
        liquid_alpha_consensus_source,
    };
    Ok((output, trace))
}

/// One row of `interpolate_sparse(w, clipped, columns, ratio)` for `0 < ratio < 1`: both rows
/// densified over `columns` (the later of duplicates wins), entries > 0 in ascending column
/// order. `acc` holds two zeroed rows between calls.
fn interpolate_row(
    r1: &[(u16, I32F32)],
    r2: &[(u16, I32F32)],
    columns: usize,
    ratio: I32F32,
    acc: &mut Vec<I32F32>,
) -> SparseRow {
    if acc.len() != 2 * columns {
        acc.clear();
        acc.resize(2 * columns, ZERO);
    }
    let (row1, row2) = acc.split_at_mut(columns);
    let mut touched: Vec<usize> = Vec::with_capacity(r1.len() + r2.len());
    for &(j, v) in r1 {
        if let Some(c) = row1.get_mut(j as usize) {
            *c = v;
            touched.push(j as usize);
        }
    }
    for &(j, v) in r2 {
        if let Some(c) = row2.get_mut(j as usize) {
            *c = v;
            touched.push(j as usize);
        }
    }
    touched.sort_unstable();
    touched.dedup();
    let mut out = Vec::with_capacity(touched.len());
    for j in touched {
        let (v1, v2) = (row1[j], row2[j]);
        let interp = v1.saturating_add(ratio.saturating_mul(v2.saturating_sub(v1)));
        if ZERO < interp {
            out.push((j as u16, interp));
        }
        row1[j] = ZERO;
        row2[j] = ZERO;
    }
    out
}
