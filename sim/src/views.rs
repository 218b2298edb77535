//! What a validator sees and sends when it does not simply run the mechanism on the whole
//! epoch: a sampled validator's view, and a random validator's scores. Both are drawn from a
//! [`ValidatorRng`] keyed by the epoch seed and the validator's index only.

use imr_types::Epoch;

use crate::seeding::ValidatorRng;

/// A uniform index in `0..len` (`len > 0`) by the multiply-shift method: deterministic, no
/// rejection loop.
fn below(rng: &mut ValidatorRng, len: usize) -> usize {
    ((u128::from(rng.next_u64()) * len as u128) >> 64) as usize
}

/// The miners (distinct responding uids) a validator sampling `fraction` of them sees this epoch:
/// `ceil(fraction · m)` of the `m` responding uids, drawn without replacement, ascending.
pub fn sampled_uids(epoch: &Epoch, validator: u32, fraction: f64) -> Vec<u16> {
    let mut uids: Vec<u16> = epoch.responses.iter().map(|r| r.uid).collect();
    uids.sort_unstable();
    uids.dedup();
    let take = ((fraction * uids.len() as f64).ceil() as usize).min(uids.len());
    let mut rng = ValidatorRng::new(&epoch.seed, validator, "sampled");
    // Partial Fisher-Yates: the first `take` positions become the sample.
    for i in 0..take {
        let j = i + below(&mut rng, uids.len() - i);
        uids.swap(i, j);
    }
    let mut chosen = uids[..take].to_vec();
    chosen.sort_unstable();
    chosen
}

/// The epoch as a validator sampling `fraction` of the miners sees it: the same epoch with only
/// the sampled miners' responses.
pub fn sampled_view(epoch: &Epoch, validator: u32, fraction: f64) -> Epoch {
    let seen = sampled_uids(epoch, validator, fraction);
    let mut view = epoch.clone();
    view.responses
        .retain(|r| seen.binary_search(&r.uid).is_ok());
    view
}

/// A random validator's scores: one uniform value in [0, 1) per neuron of the epoch, in uid order.
pub fn random_scores(epoch: &Epoch, validator: u32) -> (Vec<u16>, Vec<f64>) {
    let mut rng = ValidatorRng::new(&epoch.seed, validator, "random");
    epoch
        .neurons
        .iter()
        .map(|n| (n.uid, rng.next_unit()))
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;
    use imr_types::{Neuron, Response};

    pub(crate) fn epoch(seed: u8, miners: u16) -> Epoch {
        Epoch {
            netuid: 1,
            block: 100,
            seed: vec![seed; 32],
            neurons: (0..miners)
                .map(|uid| Neuron {
                    uid,
                    hotkey: format!("h{uid}"),
                    stake: 0.0,
                    registered_at_block: 0,
                    validator_permit: false,
                })
                .collect(),
            task: b"{}".to_vec(),
            responses: (0..miners)
                .flat_map(|uid| {
                    (0..2).map(move |k| Response {
                        uid,
                        payload: format!("{k}").into_bytes(),
                        latency_ms: None,
                    })
                })
                .collect(),
            params: b"{}".to_vec(),
        }
    }

    #[test]
    fn a_sample_has_the_asked_size_is_seeded_and_keeps_whole_miners() {
        let e = epoch(7, 20);
        let a = sampled_uids(&e, 2, 0.25);
        assert_eq!(a.len(), 5);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a, sampled_uids(&e, 2, 0.25));
        // Another validator or another epoch seed draws another sample (for these inputs).
        assert_ne!(a, sampled_uids(&e, 3, 0.25));
        assert_ne!(a, sampled_uids(&epoch(8, 20), 2, 0.25));
        assert_eq!(sampled_uids(&e, 2, 1.0).len(), 20);
        assert_eq!(sampled_uids(&e, 2, 0.01).len(), 1);
        let view = sampled_view(&e, 2, 0.25);
        assert_eq!(view.responses.len(), 10);
        assert!(view.responses.iter().all(|r| a.contains(&r.uid)));
        assert_eq!(view.neurons, e.neurons);
    }

    #[test]
    fn random_scores_are_seeded_per_validator_and_epoch() {
        let e = epoch(7, 5);
        let (uids, a) = random_scores(&e, 0);
        assert_eq!(uids, vec![0, 1, 2, 3, 4]);
        assert_eq!(a, random_scores(&e, 0).1);
        assert_ne!(a, random_scores(&e, 1).1);
        assert_ne!(a, random_scores(&epoch(9, 5), 0).1);
    }
}
