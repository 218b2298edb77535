//! From the per-miner EMA (or Elo rating) to the final weights (spec §3.2 "Epoch update and weights").

use std::collections::BTreeMap;

use imr_guest::helpers::{self, HelperError};
use imr_guest::shaping::Shaping as Final;
use imr_guest::{MechanismError, Neuron};

use crate::input::{Params, Shaping};
use crate::state::Miner;

/// The shaped, burned weights: one `(uid, weight)` per neuron, ascending, summing to 1.
///
/// The candidates are the neurons other than `burn_uid` that were queried at least once (`tasks_seen > 0`), in
/// uid order. `power_sharpen(ema, power_p)` (non-positive entries stay 0), `softmax(ema, softmax_t)` or
/// `softmax(elo·ln10/400)` turns them into shares; then the SDK's burn step (`imr_guest::shaping`,
/// `with_burn(burn_uid, burn_frac)`). When every share is 0
/// (no candidate, or every EMA 0 under `power_sharpen`) all weight goes to `burn_uid`, which must then be a neuron.
pub fn final_weights(
    neurons: &[Neuron],
    miners: &BTreeMap<u16, Miner>,
    params: &Params,
) -> Result<Vec<(u16, f64)>, MechanismError> {
    let candidates: Vec<(u16, &Miner)> = neurons
        .iter()
        .filter(|n| n.uid != params.burn_uid)
        .filter_map(|n| miners.get(&n.uid).map(|m| (n.uid, m)))
        .filter(|(_, m)| m.tasks_seen > 0)
        .collect();
    let fail = |what: &str, e: HelperError| MechanismError::Failed(format!("{what}: {e}"));
    let ema: Vec<f64> = candidates.iter().map(|(_, m)| m.ema).collect();
    let shares = match params.shaping {
        Shaping::PowerSharpen => helpers::power_sharpen(&ema, params.power_p)
            .map_err(|e| fail("power_sharpen", e))?
            .into_iter()
            .map(|x| x.max(0.0))
            .collect(),
        Shaping::Softmax => {
            helpers::softmax(&ema, params.softmax_t).map_err(|e| fail("softmax", e))?
        }
        Shaping::EloSoftmax => {
            let x: Vec<f64> = candidates
                .iter()
                .map(|(_, m)| m.elo * core::f64::consts::LN_10 / 400.0)
                .collect();
            helpers::softmax(&x, 1.0).map_err(|e| fail("softmax", e))?
        }
    };
    let w: Vec<(u16, f64)> = candidates.iter().map(|(u, _)| *u).zip(shares).collect();
    Final::new()
        .burn(params.burn_uid, params.burn_frac)
        .apply(neurons, &w)
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

    fn miners(rows: &[(u16, f64, f64, u64)]) -> BTreeMap<u16, Miner> {
        rows.iter()
            .map(|&(uid, ema, elo, tasks_seen)| {
                (
                    uid,
                    Miner {
                        elo,
                        ema,
                        hotkey: format!("h{uid}"),
                        tasks_seen,
                    },
                )
            })
            .collect()
    }

    fn params(json: &str) -> Params {
        serde_json::from_str(json).expect("params")
    }

    #[test]
    fn power_sharpen_at_half_is_plain_normalization_then_burn() {
        // p = 0.5 gives exponent 100·0.5^log2(100) = 1: shares 0.25/0.75; burn 20% → 0.2, 0.2, 0.6.
        let w = final_weights(
            &neurons(&[0, 1, 2, 3]),
            &miners(&[
                (1, 0.1, 1000.0, 1),
                (2, 0.3, 1000.0, 1),
                (3, 0.9, 1000.0, 0),
            ]),
            &params(r#"{"power_p":0.5,"burn_frac":0.2}"#),
        )
        .expect("weights");
        let expect = [0.2, 0.2, 0.6, 0.0];
        for (got, want) in w.iter().zip(expect) {
            assert!((got.1 - want).abs() < 1e-9, "{w:?}");
        }
    }

    #[test]
    fn elo_softmax_is_bradley_terry_odds() {
        // A 400-point gap is 10:1 odds.
        let w = final_weights(
            &neurons(&[1, 2]),
            &miners(&[(1, 0.0, 1400.0, 1), (2, 0.0, 1000.0, 1)]),
            &params(r#"{"shaping":"elo_softmax"}"#),
        )
        .expect("weights");
        assert!((w[0].1 - 10.0 / 11.0).abs() < 1e-12, "{w:?}");
    }

    #[test]
    fn softmax_temperature() {
        // ema gap ln(3)·0.05 at T = 0.05: 3:1.
        let w = final_weights(
            &neurons(&[1, 2]),
            &miners(&[(1, 0.5 + 3f64.ln() * 0.05, 0.0, 1), (2, 0.5, 0.0, 1)]),
            &params(r#"{"shaping":"softmax"}"#),
        )
        .expect("weights");
        assert!((w[0].1 - 0.75).abs() < 1e-12, "{w:?}");
    }

    #[test]
    fn nothing_earned_goes_to_the_burn_uid_which_must_exist() {
        let w = final_weights(
            &neurons(&[0, 1]),
            &miners(&[(1, 0.0, 1000.0, 3)]),
            &params("{}"),
        )
        .expect("weights");
        assert_eq!(w, vec![(0, 1.0), (1, 0.0)]);
        let e = final_weights(&neurons(&[1]), &miners(&[]), &params("{}")).expect_err("no uid 0");
        assert!(e.to_string().contains("params.burn_uid"), "{e}");
    }
}
