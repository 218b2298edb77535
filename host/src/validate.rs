//! Output validation: the contract every outcome must meet before it is used.

use imr_types::{Epoch, Outcome};

use crate::error::RunError;
use crate::limits::Limits;

/// Checks sizes, then every score: finite, non-negative, uid unique and among the
/// epoch's neurons. Returns the outcome with its scores sorted by uid.
pub fn validate_outcome(
    mut outcome: Outcome,
    epoch: &Epoch,
    limits: &Limits,
) -> Result<Outcome, RunError> {
    let too_large = |what: &str, size: usize, limit: usize| RunError::OutputTooLarge {
        what: what.to_string(),
        size: size as u64,
        limit: limit as u64,
    };
    if outcome.scores.len() > limits.max_scores {
        return Err(too_large(
            "scores (entries)",
            outcome.scores.len(),
            limits.max_scores,
        ));
    }
    if outcome.state.len() > limits.max_state_bytes {
        return Err(too_large(
            "state (bytes)",
            outcome.state.len(),
            limits.max_state_bytes,
        ));
    }
    if outcome.diagnostics.len() > limits.max_diagnostics_bytes {
        return Err(too_large(
            "diagnostics (bytes)",
            outcome.diagnostics.len(),
            limits.max_diagnostics_bytes,
        ));
    }
    let neurons = NeuronUids::of(epoch, outcome.scores.len());
    for s in &outcome.scores {
        let bad = |reason: &str| RunError::InvalidOutput {
            uid: s.uid,
            value: format!("{:?}", s.score),
            reason: reason.to_string(),
        };
        if !s.score.is_finite() {
            return Err(bad("scores must be finite"));
        }
        if s.score < 0.0 {
            return Err(bad("scores must be non-negative"));
        }
        if !neurons.contains(s.uid) {
            return Err(bad("uid is not among the epoch's neurons"));
        }
    }
    outcome.scores.sort_by_key(|s| s.uid);
    if let Some(pair) = outcome.scores.windows(2).find(|p| p[0].uid == p[1].uid) {
        return Err(RunError::InvalidOutput {
            uid: pair[1].uid,
            value: format!("{:?}", pair[1].score),
            reason: format!("duplicate uid (also scored {:?})", pair[0].score),
        });
    }
    // -0.0 passes the checks above; store +0.0 so the bits are canonical.
    for s in &mut outcome.scores {
        if s.score == 0.0 {
            s.score = 0.0;
        }
    }
    Ok(outcome)
}

/// The epoch's neuron uids, for checking every score's uid: a binary search per score for a few
/// scores, a 65,536-bit set (8 KiB, one pass over the neurons) for many.
enum NeuronUids<'a> {
    Search(&'a Epoch),
    Set(Vec<u64>),
}

impl<'a> NeuronUids<'a> {
    /// Above this many scores the set is built.
    const SET_ABOVE: usize = 64;

    fn of(epoch: &'a Epoch, scores: usize) -> Self {
        if scores <= Self::SET_ABOVE {
            return Self::Search(epoch);
        }
        let mut set = vec![0u64; (usize::from(u16::MAX) + 1) / 64];
        for n in &epoch.neurons {
            set[usize::from(n.uid) / 64] |= 1 << (n.uid % 64);
        }
        Self::Set(set)
    }

    fn contains(&self, uid: u16) -> bool {
        match self {
            Self::Search(epoch) => epoch.neuron(uid).is_some(),
            Self::Set(set) => set[usize::from(uid) / 64] & (1 << (uid % 64)) != 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imr_types::{Neuron, Scored};

    fn epoch(uids: &[u16]) -> Epoch {
        Epoch {
            netuid: 1,
            block: 1,
            seed: vec![0; 32],
            neurons: uids
                .iter()
                .map(|&uid| Neuron {
                    uid,
                    hotkey: format!("h{uid}"),
                    stake: 0.0,
                    registered_at_block: 0,
                    validator_permit: false,
                })
                .collect(),
            task: b"{}".to_vec(),
            responses: Vec::new(),
            params: b"{}".to_vec(),
        }
    }

    #[test]
    fn the_set_and_the_search_agree_on_every_uid() {
        // Sparse uids with both ends of the range, as an epoch lists them (ascending).
        let uids: Vec<u16> = (0..=u16::MAX)
            .filter(|u| u % 7 == 0 || *u == u16::MAX)
            .collect();
        let e = epoch(&uids);
        let (search, set) = (NeuronUids::of(&e, 1), NeuronUids::of(&e, 1000));
        assert!(matches!(search, NeuronUids::Search(_)) && matches!(set, NeuronUids::Set(_)));
        for u in 0..=u16::MAX {
            assert_eq!(search.contains(u), set.contains(u), "uid {u}");
            assert_eq!(set.contains(u), e.neuron(u).is_some(), "uid {u}");
        }
    }

    #[test]
    fn an_unknown_uid_among_many_scores_is_named() {
        let e = epoch(&(0..200).collect::<Vec<_>>());
        let limits = Limits::default();
        let mut scores: Vec<Scored> = (0..200).map(|uid| Scored { uid, score: 1.0 }).collect();
        let ok = Outcome {
            scores: scores.clone(),
            state: Vec::new(),
            diagnostics: Vec::new(),
        };
        assert!(validate_outcome(ok, &e, &limits).is_ok());
        scores[150].uid = 4000;
        let bad = Outcome {
            scores,
            state: Vec::new(),
            diagnostics: Vec::new(),
        };
        match validate_outcome(bad, &e, &limits) {
            Err(RunError::InvalidOutput { uid, reason, .. }) => {
                assert_eq!(uid, 4000);
                assert!(reason.contains("not among the epoch's neurons"), "{reason}");
            }
            other => panic!("expected InvalidOutput, got {other:?}"),
        }
    }
}
