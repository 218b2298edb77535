//! The literal port of subtensor's `epoch_mechanism` as this crate computed it before the
//! fused, multi-threaded [`crate::epoch`] path: one chain operation after another, each over the
//! whole matrix. It is kept as the oracle the optimized epoch is checked against, bit for bit
//! (`tests/fast_equivalence.rs`), and is not used by [`crate::run_epoch`].

use crate::bonds;
use crate::emission;
use crate::epoch::EpochTrace;
use crate::error::YumaError;
use crate::fixed::{
    fixed64_to_fixed32, fixed64_to_u64, fixed_proportion_to_u16, tao_weight_fraction,
    u16_proportion_to_fixed, u16_to_fixed, I32F32, I64F64, ZERO,
};
use crate::hyperparams::Hyperparams;
use crate::median::weighted_median_col_sparse;
use crate::sparse::{
    col_clip_sparse, inplace_mask_vector, inplace_normalize, inplace_normalize_64,
    inplace_row_normalize_sparse, interpolate_sparse, is_topk_nonzero, matmul_sparse,
    row_sum_sparse, scalar_vec_mask_sparse_matrix, SparseMatrix,
};
use crate::state::{EpochInput, EpochOutput, U16Row};

/// Run one epoch after checking the shapes ([`EpochInput::validate`]).
///
/// Stored rows naming uids >= n are dropped as on chain (weights when read, bonds wherever the
/// chain's matrix operations skip them).
pub fn run_epoch(hp: &Hyperparams, input: &EpochInput) -> Result<EpochOutput, YumaError> {
    run_epoch_traced(hp, input).map(|(o, _)| o)
}

/// Stored bond rows as I32F32 integers, kept as stored (uids >= n included: the chain's bond
/// reader does not filter them; the matrix operations skip them later).
fn bonds_to_fixed(rows: Option<&Vec<U16Row>>, n: usize) -> SparseMatrix {
    match rows {
        None => vec![Vec::new(); n],
        Some(rows) => rows
            .iter()
            .map(|row| row.iter().map(|&(j, v)| (j, u16_to_fixed(v))).collect())
            .collect(),
    }
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

    // S5–S7. Weights: read (uids >= n dropped), then the permit row mask, the diagonal mask
    // (owner's self-weight kept), the outdated mask and the commit-reveal mask. Each is a filter
    // that keeps entry order, so they are applied together in one pass.
    let commit_blocks: Option<Vec<u64>> = hp.commit_reveal_enabled.then(|| {
        input
            .commit_block
            .as_ref()
            .map(|c| c.iter().map(|b| b.unwrap_or(u64::MAX)).collect())
            .unwrap_or_else(|| vec![u64::MAX; n])
    });
    let mut weights: SparseMatrix = (0..n)
        .map(|i| {
            let row = match input.weights.as_ref().and_then(|w| w.get(i)) {
                Some(row) if !validator_forbids[i] => row,
                _ => return Vec::new(),
            };
            let updated = last_update[i];
            let committed = commit_blocks.as_ref().map(|c| c[i]);
            row.iter()
                .filter(|&&(j, _)| {
                    let ju = j as usize;
                    ju < n
                        && (i != ju || hp.owner_uid == Some(j))
                        && updated > block_at_registration[ju]
                        && committed.is_none_or(|c| c >= block_at_registration[ju])
                })
                .map(|&(j, v)| (j, u16_to_fixed(v)))
                .collect()
        })
        .collect();
    inplace_row_normalize_sparse(&mut weights);

    // S8. Consensus.
    let kappa = u16_proportion_to_fixed(hp.kappa_u16);
    let consensus = weighted_median_col_sparse(&active_stake, &weights, n16, kappa);

    // S9. Clip, validator trust.
    let clipped = col_clip_sparse(&weights, &consensus);
    let validator_trust = row_sum_sparse(&clipped);

    // S10. Incentive.
    let mut incentive = matmul_sparse(&clipped, &active_stake, n16);
    inplace_normalize(&mut incentive);

    // S11. Weights for bonds.
    let bonds_penalty = u16_proportion_to_fixed(hp.bonds_penalty_u16);
    let weights_for_bonds = interpolate_sparse(&weights, &clipped, n16, bonds_penalty);

    // S12. Bond mask, then the Yuma variant.
    let stored_bonds = bonds_to_fixed(input.bonds.as_ref(), n);
    let last_tempo = if input.last_mechanism_step_block == 0 {
        current_block.saturating_sub(tempo)
    } else {
        input.last_mechanism_step_block.saturating_add(1)
    };
    let masked_bonds =
        scalar_vec_mask_sparse_matrix(&stored_bonds, last_tempo, block_at_registration, |t, r| {
            t <= r
        });
    let outcome = if hp.yuma3 {
        bonds::yuma3(
            hp,
            n16,
            &weights_for_bonds,
            masked_bonds,
            &consensus,
            input.previous_consensus_u16.as_deref(),
            &active_stake,
            &incentive,
        )
    } else {
        bonds::classic(
            hp,
            n16,
            &weights_for_bonds,
            masked_bonds,
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
    let bonds_u16: Vec<U16Row> = (0..n)
        .map(|i| {
            if new_permits[i] {
                outcome
                    .ema_bonds
                    .get(i)
                    .map(|row| {
                        row.iter()
                            .map(|&(j, v)| (j, fixed_proportion_to_u16(v)))
                            .collect()
                    })
                    .unwrap_or_default()
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
