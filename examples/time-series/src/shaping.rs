//! From the per-miner EMA to the final weights (spec §3.1 "Epoch update and weights").

use std::collections::BTreeMap;

use imr_guest::helpers::{self, ZeroPolicy};
use imr_guest::{MechanismError, Neuron};

use crate::input::Params;
use crate::state::Miner;

/// `normalize_sum(ema)`, then `cap_max_weight(max_weight)`, then `with_burn(burn_uid, burn_frac)`; when every
/// EMA is 0, all weight goes to `burn_uid`. Returns one `(uid, weight)` per neuron, ascending, summing to 1.
///
/// `burn_uid` must be one of the neurons whenever it would receive weight.
pub fn final_weights(
    neurons: &[Neuron],
    miners: &BTreeMap<u16, Miner>,
    params: &Params,
) -> Result<Vec<(u16, f64)>, MechanismError> {
    let ema: Vec<(u16, f64)> = neurons
        .iter()
        .map(|n| (n.uid, miners.get(&n.uid).map_or(0.0, |m| m.ema)))
        .collect();
    let all_zero = ema.iter().all(|e| e.1 == 0.0);
    let burn_known = neurons.iter().any(|n| n.uid == params.burn_uid);
    if !burn_known && (all_zero || params.burn_frac > 0.0) {
        return Err(MechanismError::InvalidInput(format!(
            "params.burn_uid: uid {} is not among the epoch's neurons",
            params.burn_uid
        )));
    }
    let fail = |what: &str, e: helpers::HelperError| MechanismError::Failed(format!("{what}: {e}"));
    let w =
        helpers::normalize_sum(&ema, ZeroPolicy::AllZero).map_err(|e| fail("normalize_sum", e))?;
    let w =
        helpers::cap_max_weight(&w, params.max_weight).map_err(|e| fail("cap_max_weight", e))?;
    let w = helpers::with_burn(&w, params.burn_uid, params.burn_frac)
        .map_err(|e| fail("with_burn", e))?;
    let by_uid: BTreeMap<u16, f64> = w.into_iter().collect();
    Ok(neurons
        .iter()
        .map(|n| (n.uid, by_uid.get(&n.uid).copied().unwrap_or(0.0)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neurons(uids: &[u16]) -> Vec<Neuron> {
        uids.iter()
            .map(|&uid| Neuron {
                uid,
                hotkey: format!("h{uid}"),
                stake: 0.0,
                registered_at_block: 0,
                validator_permit: false,
            })
            .collect()
    }

    fn miners(emas: &[(u16, f64)]) -> BTreeMap<u16, Miner> {
        emas.iter()
            .map(|&(uid, ema)| {
                (
                    uid,
                    Miner {
                        hotkey: format!("h{uid}"),
                        ema,
                        scored: 1,
                        first_epoch: 0,
                    },
                )
            })
            .collect()
    }

    fn params(json: &str) -> Params {
        serde_json::from_str(json).expect("params")
    }

    #[test]
    fn normalizes_then_burns() {
        // EMAs 0, 0.1, 0.3 → 0, 0.25, 0.75; burn 20% to uid 0 → 0.2, 0.2, 0.6.
        let w = final_weights(
            &neurons(&[0, 1, 2]),
            &miners(&[(0, 0.0), (1, 0.1), (2, 0.3)]),
            &params(r#"{"burn_frac":0.2}"#),
        )
        .expect("weights");
        assert_eq!(w.iter().map(|e| e.0).collect::<Vec<_>>(), vec![0, 1, 2]);
        let expect = [0.2, 0.2, 0.6];
        for (got, want) in w.iter().zip(expect) {
            assert!((got.1 - want).abs() < 1e-15, "{w:?}");
        }
    }

    #[test]
    fn cap_spreads_the_excess() {
        // 0.8/0.1/0.1 capped at 0.5: the top gets 0.5 and the other two share 0.5 → 0.25 each.
        let w = final_weights(
            &neurons(&[1, 2, 3]),
            &miners(&[(1, 0.8), (2, 0.1), (3, 0.1)]),
            &params(r#"{"max_weight":0.5}"#),
        )
        .expect("weights");
        let expect = [0.5, 0.25, 0.25];
        for (got, want) in w.iter().zip(expect) {
            assert!((got.1 - want).abs() < 1e-15, "{w:?}");
        }
    }

    #[test]
    fn all_zero_goes_to_the_burn_uid_which_must_exist() {
        let w = final_weights(&neurons(&[0, 1]), &miners(&[]), &params("{}")).expect("weights");
        assert_eq!(w, vec![(0, 1.0), (1, 0.0)]);
        let e =
            final_weights(&neurons(&[1, 2]), &miners(&[]), &params("{}")).expect_err("no uid 0");
        assert!(e.to_string().contains("params.burn_uid"), "{e}");
        // With a positive EMA and no burn, an absent burn uid is fine.
        let w =
            final_weights(&neurons(&[1, 2]), &miners(&[(2, 0.5)]), &params("{}")).expect("weights");
        assert_eq!(w, vec![(1, 0.0), (2, 1.0)]);
    }
}
