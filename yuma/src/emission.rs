//! The emission split (S13): incentive and dividends turned into rao.

use crate::fixed::{sum, I32F32, I96F32, ZERO};
use crate::sparse::{inplace_normalize, inplace_normalize_using_sum, is_zero};

/// Per-uid emissions in rao.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emissions {
    /// Server (incentive) emission.
    pub server: Vec<u64>,
    /// Validator (dividend) emission.
    pub validator: Vec<u64>,
    /// Combined emission (`Emission` storage).
    pub combined: Vec<u64>,
}

/// `floor(I96F32(x) · I96F32(rao_emission))` as u64, saturating.
pub fn to_rao(x: I32F32, rao_emission: u64) -> u64 {
    I96F32::saturating_from_num(x)
        .saturating_mul(I96F32::saturating_from_num(rao_emission))
        .saturating_to_num::<u64>()
}

/// Split `rao_emission` by incentive and dividends; fall back to active stake, or stake if there
/// is no active stake, when both are all zero.
pub fn split(
    incentive: &[I32F32],
    dividends: &[I32F32],
    stake: &[I32F32],
    active_stake: &[I32F32],
    rao_emission: u64,
) -> Emissions {
    let combined: Vec<I32F32> = incentive
        .iter()
        .zip(dividends.iter())
        .map(|(i, d)| i.saturating_add(*d))
        .collect();
    let emission_sum = sum(&combined);
    let mut server = incentive.to_vec();
    let mut validator = dividends.to_vec();
    let mut comb = combined;
    inplace_normalize_using_sum(&mut server, emission_sum);
    inplace_normalize_using_sum(&mut validator, emission_sum);
    inplace_normalize(&mut comb);
    if emission_sum == ZERO {
        let fallback = if is_zero(active_stake) {
            stake
        } else {
            active_stake
        };
        validator = fallback.to_vec();
        comb = fallback.to_vec();
    }
    let conv = |v: &[I32F32]| v.iter().map(|&x| to_rao(x, rao_emission)).collect();
    Emissions {
        server: conv(&server),
        validator: conv(&validator),
        combined: conv(&comb),
    }
}
