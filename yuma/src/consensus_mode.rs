//! Liquid alpha's consensus mode (runtime spec 446, upstream PR #3070): which consensus the
//! liquid-alpha sigmoid of the Yuma3 bond EMA reads.
//!
//! Port of `compute_consensus_for_liquid_alpha` in `pallets/subtensor/src/epoch/run_epoch.rs`
//! (RaoFoundation/subtensor @ `76671f67`). Only the sigmoid's input changes: consensus,
//! clipping, incentive, bonds, dividends and emission still use the current consensus, and
//! liquid alpha is still applied only when it is on and the current consensus has a non-zero
//! entry.

use serde::{Deserialize, Serialize};

use crate::fixed::{I32F32, ZERO};

/// `LiquidAlphaConsensusMode` of a subnet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ConsensusMode {
    /// The consensus computed in this epoch (what the chain did before spec 446).
    Current,
    /// The `Consensus` stored by the previous epoch.
    Previous,
    /// The chain's default: the stored consensus when `bonds_penalty` is 65535, otherwise the
    /// current one.
    #[default]
    Auto,
}

/// Which consensus the liquid-alpha sigmoid read, as the vectors name it
/// (`derived.liquid_alpha_consensus_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsensusSource {
    /// The stored consensus of the previous epoch.
    Previous,
    /// This epoch's consensus, by the mode.
    Current,
    /// This epoch's consensus, because the mode asked for the stored one and none is stored.
    CurrentFallbackNoneStored,
}

/// The consensus the liquid-alpha sigmoid reads, and where it came from.
///
/// `previous` is the stored `Consensus` (u16 parts) as it stood before this epoch; `None` or an
/// empty vector means nothing is stored, and the current consensus is used. A stored vector is
/// converted with `I32F32(u16) / I32F32(65535)` (truncating division) and zero-padded or
/// truncated to the length of `current` (n).
pub fn consensus_for_liquid_alpha(
    mode: ConsensusMode,
    bonds_penalty_u16: u16,
    current: &[I32F32],
    previous: Option<&[u16]>,
) -> (Vec<I32F32>, ConsensusSource) {
    let wants_previous = match mode {
        ConsensusMode::Current => false,
        ConsensusMode::Previous => true,
        ConsensusMode::Auto => bonds_penalty_u16 == u16::MAX,
    };
    if !wants_previous {
        return (current.to_vec(), ConsensusSource::Current);
    }
    match previous {
        Some(stored) if !stored.is_empty() => {
            let max = I32F32::from_num(u16::MAX);
            let mut c: Vec<I32F32> = stored
                .iter()
                .take(current.len())
                .map(|&v| I32F32::from_num(v).saturating_div(max))
                .collect();
            c.resize(current.len(), ZERO);
            (c, ConsensusSource::Previous)
        }
        _ => (current.to_vec(), ConsensusSource::CurrentFallbackNoneStored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fx(v: f64) -> I32F32 {
        I32F32::from_num(v)
    }

    #[test]
    fn auto_follows_the_bonds_penalty() {
        let current = [fx(0.25), fx(0.75)];
        let stored = [65535u16, 0];
        let (c, s) =
            consensus_for_liquid_alpha(ConsensusMode::Auto, 65535, &current, Some(&stored));
        assert_eq!(s, ConsensusSource::Previous);
        assert_eq!(c, vec![fx(1.0), ZERO]);
        let (c, s) =
            consensus_for_liquid_alpha(ConsensusMode::Auto, 65534, &current, Some(&stored));
        assert_eq!(s, ConsensusSource::Current);
        assert_eq!(c, current.to_vec());
    }

    #[test]
    fn nothing_stored_falls_back_to_the_current_consensus() {
        let current = [fx(0.5)];
        for stored in [None, Some(&[][..])] {
            let (c, s) = consensus_for_liquid_alpha(ConsensusMode::Previous, 0, &current, stored);
            assert_eq!(s, ConsensusSource::CurrentFallbackNoneStored);
            assert_eq!(c, current.to_vec());
        }
    }

    #[test]
    fn stored_values_are_padded_or_truncated_and_divided_truncating() {
        let current = [fx(0.1); 3];
        let (c, _) = consensus_for_liquid_alpha(ConsensusMode::Previous, 0, &current, Some(&[1]));
        // 1/65535 truncated to 32 fractional bits: floor(2^32 / 65535) = 65537.
        assert_eq!(c[0].to_bits(), 65537);
        assert_eq!(&c[1..], &[ZERO, ZERO]);
        let (c, _) = consensus_for_liquid_alpha(
            ConsensusMode::Previous,
            0,
            &current,
            Some(&[1, 2, 3, 4, 5]),
        );
        assert_eq!(c.len(), 3);
        assert_eq!(c[2].to_bits(), (3u64 << 32) as i64 / 65535);
    }
}
