//! One epoch of Yuma consensus: subtensor's `epoch_mechanism` (the live sparse path), S1–S14.
//!
//! The chain's matrix operations are fused into a few passes over the weight matrix and run on
//! the current rayon pool in fixed chunks ([`crate::par`]), so the results are the chain's bit
//! for bit and do not depend on the number of threads. [`crate::reference`] keeps the literal,
//! one-operation-at-a-time port the tests compare this with.

use crate::bond_weights::WeightsForBonds;
use crate::column_median::{weighted_median_columns_known, KnownRows};
use crate::consensus_mode::ConsensusSource;
use crate::emission;
use crate::error::YumaError;
use crate::exact_div::{Divisor, U16SumDivisor};
use crate::fixed::{
    fixed64_to_fixed32, fixed64_to_u64, fixed_proportion_to_u16, tao_weight_fraction,
    u16_proportion_to_fixed, I32F32, I64F64, ZERO,
};
use crate::fused_bonds::{self, BondInputs};
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

/// One weights row read (S5–S7) and row-normalized: the entries `keep` accepts, in stored
/// order, as `u16_to_fixed(v) / row sum` (left as they are when the sum is not positive),
/// whether their columns are strictly ascending, and whether every entry is a proportion in
/// [0, 1] (the sum of the kept u16 values is below 2^31, so their I32F32 sum did not wrap).
///
/// The row sum is taken from the u16 values in one pass over the input before anything is
/// written: the chain's wrapping I32F32 sum of `v << 32` is `(Σ v) << 32` modulo 2^64, and
/// `Σ v` is exact in u64 (fewer than 2^48 entries), so each entry is written once, already
/// divided (by a multiply-high when the sum did not wrap: [`U16SumDivisor`]).
///
/// `all_kept`, when given, is [`sorted_row_kept_whole`] of a row `keep` keeps whole: the first
/// pass is then already done.
fn read_weights_row(
    row: &[(u16, u16)],
    keep: impl Fn(u16) -> bool,
    all_kept: Option<u64>,
) -> (SparseRow, bool, bool) {
    let (total, kept, ascending) = match all_kept {
        Some(total) => (total, row.len(), true),
        None => {
            let (mut total, mut kept, mut previous, mut ascending) = (0u64, 0usize, -1i32, true);
            for &(j, v) in row {
                if keep(j) {
                    total += u64::from(v);
                    kept += 1;
                    ascending &= i32::from(j) > previous;
                    previous = i32::from(j);
                }
            }
            (total, kept, ascending)
        }
    };
    let sum = I32F32::from_bits(total.wrapping_shl(32) as i64);
    let proportions = total < 1 << 31;
    let mut out: SparseRow = crate::row_pool::take(kept);
    if proportions && total > 0 {
        // The usual case: a positive sum, every quotient at most 1.
        let d = U16SumDivisor::new(sum);
        if kept == row.len() {
            // Nothing dropped: an exact-size extend, without per-entry pushes (and, for sums
            // of at least 3, without the per-entry choice of the division's path).
            match d.multiply_high() {
                Some(divide) => out.extend(row.iter().map(|&(j, v)| (j, divide(v)))),
                None => out.extend(row.iter().map(|&(j, v)| (j, d.normalize_u16(v)))),
            }
        } else {
            for &(j, v) in row {
                if keep(j) {
                    out.push((j, d.normalize_u16(v)));
                }
            }
        }
        return (out, ascending, proportions);
    }
    // u16_to_fixed: a u16 is exactly representable. Division by a non-positive sum is skipped.
    let d = Divisor::new(sum);
    let scale = |v: u16| {
        let v = I32F32::from_bits(i64::from(v) << 32);
        if sum > ZERO {
            d.divide(v)
        } else {
            v
        }
    };
    for &(j, v) in row {
        if keep(j) {
            out.push((j, scale(v)));
        }
    }
    (out, ascending, proportions)
}

/// The sum of the u16 values of a strictly ascending row that the usual weights filter keeps
/// whole (every column below `n`; the diagonal `i` only when `diagonal_kept`), in a few simple
/// passes instead of a filtered one: the order (one pass without an early exit), the range
/// (its last column), the diagonal (a binary search), the sum. `None` for other rows.
fn sorted_row_kept_whole(
    row: &[(u16, u16)],
    n: usize,
    i: usize,
    diagonal_kept: bool,
) -> Option<u64> {
    let ascending = row.windows(2).fold(true, |ok, p| ok & (p[0].0 < p[1].0));
    let below_n = row.last().is_none_or(|e| usize::from(e.0) < n);
    let diagonal = || row.binary_search_by_key(&i, |e| usize::from(e.0)).is_ok();
    (ascending && below_n && (diagonal_kept || !diagonal()))
        .then(|| row.iter().map(|e| u64::from(e.1)).sum())
}

/// [`run_epoch`], also returning the fixed-point intermediates.
pub fn run_epoch_traced(
    hp: &Hyperparams,
    input: &EpochInput,
) -> Result<(EpochOutput, EpochTrace), YumaError> {
    input.validate(hp)?;
    let entries: usize = input
        .weights
        .iter()
        .chain(input.bonds.iter())
        .flat_map(|m| m.iter().map(Vec::len))
        .sum();
    Ok(epoch(hp, input, Par::for_entries(entries)))
}

/// The epoch of [`run_epoch_traced`] on a validated input.
fn epoch(hp: &Hyperparams, input: &EpochInput, par: Par) -> (EpochOutput, EpochTrace) {
    let n = input.n();
    let n16 = n as u16;
    let current_block = input.current_block;
    let tempo = hp.tempo as u64;
    let zeros = vec![0u64; n];
    let last_update = input.last_update.as_deref().unwrap_or(&zeros);
    let block_at_registration = input.block_at_registration.as_deref().unwrap_or(&zeros);

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
    // The latest registration block: rows updated (and committed) after it keep every entry
    // but the out-of-range ones and the diagonal.
    let latest_registration = block_at_registration.iter().copied().max().unwrap_or(0);
    // Each row also says whether it is strictly ascending by column (for the medians) and
    // whether its entries are proportions (for the bond passes).
    let read: Vec<(SparseRow, bool, bool)> = par.map_rows(
        n,
        || (),
        |_, i| {
            let row = match input.weights.as_ref().and_then(|w| w.get(i)) {
                Some(row) if !validator_forbids[i] => row,
                _ => return (Vec::new(), true, true),
            };
            let updated = last_update[i];
            let committed = commit_blocks.as_ref().map(|c| c[i]);
            let diagonal_kept = |j: u16| i != j as usize || hp.owner_uid == Some(j);
            if updated > latest_registration && committed.is_none_or(|c| c >= latest_registration) {
                // Every uid registered before this row's update (and commit): only uids
                // >= n and the diagonal are dropped.
                let owner_row = hp.owner_uid.is_some_and(|o| usize::from(o) == i);
                let all_kept = sorted_row_kept_whole(row, n, i, owner_row);
                read_weights_row(row, |j| (j as usize) < n && diagonal_kept(j), all_kept)
            } else {
                read_weights_row(
                    row,
                    |j| {
                        // block_at_registration has n entries: None is a uid >= n.
                        block_at_registration
                            .get(j as usize)
                            .is_some_and(|&registered| {
                                diagonal_kept(j)
                                    && updated > registered
                                    && committed.is_none_or(|c| c >= registered)
                            })
                    },
                    None,
                )
            }
        },
    );
    let weights_are_proportions = read.iter().all(|r| r.2);
    let (weights, sorted): (Vec<SparseRow>, Vec<bool>) = read
        .into_iter()
        .map(|(row, sorted, _)| (row, sorted))
        .unzip();

    // S8. Consensus.
    let kappa = u16_proportion_to_fixed(hp.kappa_u16);
    // The weights are non-negative: u16 values, divided by a positive sum or left as they are.
    let known = KnownRows {
        sorted: &sorted,
        non_negative: true,
    };
    let consensus = weighted_median_columns_known(par, &active_stake, &weights, known, n16, kappa);

    // S9–S12, fused into the bond passes: validator trust and incentive from the weights
    // clipped at consensus, the weights for bonds, the bond mask (entries whose uid registered after the last
    // tempo are dropped), then the Yuma variant.
    let last_tempo = if input.last_mechanism_step_block == 0 {
        current_block.saturating_sub(tempo)
    } else {
        input.last_mechanism_step_block.saturating_add(1)
    };
    let bond_inputs = BondInputs {
        n,
        stored: input.bonds.as_deref(),
        last_tempo,
        registered: block_at_registration,
        latest_registration,
        active_stake: &active_stake,
        weights_are_proportions,
        weights: WeightsForBonds {
            weights: &weights,
            sorted: &sorted,
            consensus: &consensus,
            ratio: u16_proportion_to_fixed(hp.bonds_penalty_u16),
            columns: n,
        },
    };
    let outcome = if hp.yuma3 {
        fused_bonds::yuma3(
            par,
            hp,
            &bond_inputs,
            &consensus,
            input.previous_consensus_u16.as_deref(),
        )
    } else {
        fused_bonds::classic(par, hp, &bond_inputs)
    };

    // The weights rows are not read again: their buffers serve the next epoch.
    crate::row_pool::give(weights);
    let validator_trust = outcome.validator_trust;
    let incentive = outcome.incentive;

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
    (output, trace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]
        /// The whole-row shortcut of the weights read gives the filtered read's result, and
        /// only for rows the filter keeps whole.
        #[test]
        fn kept_whole_rows_read_as_filtered(
            mut row in proptest::collection::vec((0u16..40, any::<u16>()), 0..40),
            sort in any::<bool>(),
            n in 1usize..40,
            i in 0usize..40,
            diagonal_kept in any::<bool>(),
        ) {
            if sort {
                row.sort_by_key(|e| e.0);
                row.dedup_by_key(|e| e.0);
            }
            let keep = |j: u16| (j as usize) < n && (i != j as usize || diagonal_kept);
            let filtered = read_weights_row(&row, keep, None);
            let whole = sorted_row_kept_whole(&row, n, i, diagonal_kept);
            if let Some(total) = whole {
                prop_assert!(row.iter().all(|&(j, _)| keep(j)));
                prop_assert_eq!(total, row.iter().map(|e| u64::from(e.1)).sum::<u64>());
                prop_assert_eq!(read_weights_row(&row, keep, whole), filtered);
            } else if row.windows(2).all(|p| p[0].0 < p[1].0) {
                prop_assert!(!row.iter().all(|&(j, _)| keep(j)));
            }
        }
    }
}
