//! The simulated chain: the subnet's uids, stakes and stored weights, and the exact Yuma epoch
//! ([`imr_yuma::run_epoch`]) run on them epoch after epoch, with bonds, validator permits,
//! consensus and the last mechanism step carried from each epoch to the next as the chain does.
//!
//! Uid layout: the miners keep the uids of the epoch files (`0..miners`, every uid any epoch
//! names); validator `i` of the validators file gets uid `miners + i`. Miners have no stake; the
//! epoch files' `stake` and `validator_permit` fields are the mechanism's view, not the chain's.

use imr_yuma::fixed::vec_u16_max_upscale_to_u16;
use imr_yuma::state::U16Row;
use imr_yuma::{EpochInput, EpochOutput, Hyperparams, YumaError};

/// The chain state between epochs.
#[derive(Debug, Clone)]
pub struct Chain {
    hp: Hyperparams,
    miners: u16,
    input: EpochInput,
    started: bool,
}

impl Chain {
    /// A new subnet with `miners` miner uids and one validator uid per entry of `stakes_rao`.
    pub fn new(hp: Hyperparams, miners: u16, stakes_rao: &[u64]) -> Result<Self, YumaError> {
        let n = miners as usize + stakes_rao.len();
        if n > u16::MAX as usize {
            return Err(YumaError::TooManyUids(n));
        }
        let mut stake = vec![0u64; miners as usize];
        stake.extend_from_slice(stakes_rao);
        Ok(Self {
            hp,
            miners,
            input: EpochInput {
                current_block: 0,
                stake,
                tao_stake: None,
                validator_permit: None,
                weights: Some(vec![Vec::new(); n]),
                bonds: Some(vec![Vec::new(); n]),
                last_update: Some(vec![0; n]),
                block_at_registration: Some(vec![0; n]),
                last_mechanism_step_block: 0,
                previous_consensus_u16: None,
                commit_block: None,
            },
            started: false,
        })
    }

    /// The number of uids (miners and validators).
    pub fn n(&self) -> usize {
        self.input.n()
    }

    /// The uid of validator `index`.
    pub fn validator_uid(&self, index: usize) -> u16 {
        self.miners + index as u16
    }

    /// The hyperparameters.
    pub fn hyperparams(&self) -> &Hyperparams {
        &self.hp
    }

    /// Runs one epoch at `block`: the miners in `registrations` (uid, block the current hotkey
    /// registered at) update their registration, each `(validator index, row)` in `submissions`
    /// sets its row (max-upscaled as the chain stores it, `last_update` = `block`), then the Yuma
    /// epoch runs and its bonds, permits and consensus are kept for the next one.
    ///
    /// Before the first epoch the validator permits are those a weightless epoch at `block`
    /// writes (top stakes), as on a subnet that has run before.
    pub fn step(
        &mut self,
        block: u64,
        registrations: &[(u16, u64)],
        submissions: &[(usize, &U16Row)],
    ) -> Result<EpochOutput, YumaError> {
        let n = self.n();
        self.input.current_block = block;
        let reg = self
            .input
            .block_at_registration
            .get_or_insert_with(|| vec![0; n]);
        for &(uid, at) in registrations {
            if uid < self.miners {
                reg[uid as usize] = at;
            }
        }
        if !self.started {
            let warm = imr_yuma::run_epoch(&self.hp, &self.input)?;
            self.input.validator_permit = Some(warm.new_validator_permit);
            self.started = true;
        }
        let weights = self
            .input
            .weights
            .get_or_insert_with(|| vec![Vec::new(); n]);
        let last_update = self.input.last_update.get_or_insert_with(|| vec![0; n]);
        for &(index, row) in submissions {
            let uid = self.miners as usize + index;
            if let Some(&(dest, _)) = row.iter().find(|&&(d, _)| d as usize >= n) {
                return Err(YumaError::WeightsFile(format!(
                    "validator uid {uid} sets a weight on uid {dest}, but there are only {n} uids"
                )));
            }
            let values: Vec<u16> = row.iter().map(|&(_, v)| v).collect();
            let stored = vec_u16_max_upscale_to_u16(&values);
            weights[uid] = row.iter().map(|&(d, _)| d).zip(stored).collect();
            last_update[uid] = block;
        }
        let output = imr_yuma::run_epoch(&self.hp, &self.input)?;
        self.input.bonds = Some(output.bonds_u16.clone());
        self.input.validator_permit = Some(output.new_validator_permit.clone());
        self.input.previous_consensus_u16 = Some(output.consensus_u16.clone());
        self.input.last_mechanism_step_block = block;
        Ok(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators_get_permits_from_the_start_and_equal_weights_reach_consensus() {
        let mut chain =
            Chain::new(Hyperparams::default(), 3, &[3_000_000_000, 1_000_000_000]).unwrap();
        assert_eq!(chain.n(), 5);
        assert_eq!(chain.validator_uid(1), 4);
        let row: U16Row = vec![(0, 65535), (1, 32768), (2, 0)];
        let out = chain.step(360, &[], &[(0, &row), (1, &row)]).unwrap();
        assert_eq!(
            out.new_validator_permit,
            vec![false, false, false, true, true]
        );
        // Consensus is the (normalized) common row; incentive follows it.
        let sum = 65535.0 + 32768.0;
        for (uid, w) in [(0usize, 65535.0), (1, 32768.0)] {
            let c = f64::from(out.consensus_u16[uid]) / 65535.0;
            assert!((c - w / sum).abs() < 1e-4, "uid {uid}: {c}");
        }
        assert_eq!(out.consensus_u16[2], 0);
        assert!(out.incentive_u16[0] > out.incentive_u16[1]);
        // Bonds are carried: the next epoch starts from them.
        let next = chain.step(720, &[], &[]).unwrap();
        assert!(next.dividends_u16[3] > 0 && next.dividends_u16[4] > 0);
    }

    #[test]
    fn a_weight_beyond_the_uids_is_refused() {
        let mut chain = Chain::new(Hyperparams::default(), 2, &[1]).unwrap();
        let row: U16Row = vec![(7, 1)];
        let e = chain.step(1, &[], &[(0, &row)]).unwrap_err().to_string();
        assert!(e.contains("uid 7"), "{e}");
    }
}
