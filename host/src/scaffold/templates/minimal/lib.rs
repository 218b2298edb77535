//! {{name}}: a minimal incentive mechanism.
//!
//! Each epoch the task carries a number, `{"truth": 42.0}`; every miner answers `{"guess": 41.5}` and
//! scores `1 / (1 + |guess - truth|)`. A miner whose answer does not decode scores 0. The weights are
//! the scores, normalized by the host's weights pipeline.
//!
//! Determinism rules (the component runs in a sandbox with no clock, files or ambient randomness, and
//! every validator must get the same bits):
//! - use only the epoch and the state: no `SystemTime`, no environment, no threads;
//! - iterate in a fixed order: `BTreeMap`/`BTreeSet`, never `HashMap` for anything that reaches the output;
//! - randomness only from `epoch.rng()` (seeded by the epoch);
//! - floats: plain arithmetic is deterministic; for `exp`, `ln`, `pow` use `imr_guest::helpers`
//!   (pinned libm), and for long sums the helpers' compensated sums;
//! - scores must be finite and >= 0: the host refuses NaN and infinities.
//! - integers you decode from `task`, `params` or payloads: fixed width (`u32`, `u64`), never `usize`,
//!   which is 32 bits in the component and 64 in a native test (a large value would be refused in one only).

use std::collections::BTreeMap;

use imr_guest::{export_mechanism, Epoch, Mechanism, MechanismError, Outcome};
use serde::Deserialize;

/// The epoch's task.
#[derive(Deserialize)]
struct Task {
    truth: f64,
}

/// A miner's answer.
#[derive(Deserialize)]
struct Answer {
    guess: f64,
}

/// The mechanism.
pub struct Closest;

impl Mechanism for Closest {
    fn score(epoch: &Epoch, _state: &[u8]) -> Result<Outcome, MechanismError> {
        let task: Task = epoch.task()?;
        let mut scores = BTreeMap::new();
        for neuron in &epoch.neurons {
            scores.insert(neuron.uid, 0.0);
        }
        for response in &epoch.responses {
            let score = match response.payload::<Answer>() {
                Ok(a) if a.guess.is_finite() => 1.0 / (1.0 + (a.guess - task.truth).abs()),
                _ => 0.0,
            };
            scores.insert(response.uid, score);
        }
        Ok(Outcome::new(scores))
    }
}

export_mechanism!(Closest);

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(bytes: &[u8]) -> Epoch {
        imr_guest::epoch_file::parse(bytes).expect("sample epoch")
    }

    #[test]
    fn the_closest_guess_scores_highest() {
        let e = epoch(include_bytes!("../epochs/0000.json"));
        let out = Closest::score(&e, &[]).unwrap();
        let s = out.score_map();
        assert_eq!(s[&1], 1.0 / 1.5);
        assert!(s[&1] > s[&2] && s[&2] > s[&3]);
        // uid 0 did not answer; uid 3's answer does not decode.
        assert_eq!(s[&0], 0.0);
        assert_eq!(s[&3], 0.0);
    }

    #[test]
    fn every_epoch_file_scores() {
        for bytes in [
            &include_bytes!("../epochs/0000.json")[..],
            &include_bytes!("../epochs/0001.json")[..],
        ] {
            let out = Closest::score(&epoch(bytes), &[]).unwrap();
            assert!(out
                .scores
                .iter()
                .all(|s| s.score.is_finite() && s.score >= 0.0));
        }
    }
}
