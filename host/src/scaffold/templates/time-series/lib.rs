//! {{name}}: a forecasting incentive mechanism.
//!
//! Each epoch's task may open a request, `"open": {"id": "r1", "base": 100.0}`, and resolve an earlier
//! one, `"resolve": {"id": "r0", "realized": 101.0}`. Miners answer the open request with
//! `{"id": "r1", "point": 100.5}`. The forecasts wait in the state until their request resolves; then
//! every miner that answered gets `reward = 1 / (1 + 100 · |point - realized| / realized)`, and each
//! miner's EMA moves: `ema ← α·reward + (1-α)·ema` (α = `alpha` in `params`, default 0.1; a miner
//! that did not answer decays). A uid whose hotkey changed starts again from 0. The weights are the
//! EMAs, normalized, capped at `max_weight`, with `burn_frac` to the owner's `burn_uid` (everything,
//! while nobody has earned anything).
//!
//! The SDK does the bookkeeping every mechanism needs: `imr_guest::ledger` (per-miner records reset
//! when a uid changes hands), `imr_guest::shaping` (normalize, cap, burn) and `imr_guest::state`
//! (a versioned binary state). `tests/scenario.rs` runs `epochs/` and checks the golden weights.
//!
//! Determinism rules (the component runs in a sandbox with no clock, files or ambient randomness, and
//! every validator must get the same bits):
//! - use only the epoch and the state: no `SystemTime`, no environment, no threads;
//! - iterate in a fixed order: `BTreeMap`/`BTreeSet` (the ledger is one), never `HashMap` for
//!   anything that reaches the output or the state;
//! - the state is bytes you hand back to yourself: `imr_guest::state::load` (empty in the first
//!   epoch) and `Outcome::with_typed_state`; bump `VERSION` when its fields change;
//! - floats: plain arithmetic is deterministic; for `exp`, `ln`, `pow` use `imr_guest::helpers`;
//! - scores must be finite and >= 0.
//! - integers you decode from `task`, `params` or payloads: fixed width (`u32`, `u64`), never `usize`,
//!   which is 32 bits in the component and 64 in a native test (a large value would be refused in one only).

use std::collections::BTreeMap;

use imr_guest::helpers::Absent;
use imr_guest::ledger::{Ema, Ledger};
use imr_guest::shaping::ShapingParams;
use imr_guest::state::{self, MechanismState};
use imr_guest::{export_mechanism, Epoch, Mechanism, MechanismError, Outcome};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Task {
    #[serde(default)]
    open: Option<Open>,
    #[serde(default)]
    resolve: Option<Resolve>,
}

#[derive(Deserialize)]
struct Open {
    id: String,
}

#[derive(Deserialize)]
struct Resolve {
    id: String,
    realized: f64,
}

#[derive(Deserialize)]
struct Forecast {
    id: String,
    point: f64,
}

/// `params` of the epoch file: `alpha` (default 0.1), and the shaping fields `max_weight`,
/// `burn_uid` and `burn_frac` that `ShapingParams` reads.
#[derive(Deserialize, Default)]
struct Params {
    alpha: Option<f64>,
}

/// What the mechanism carries from epoch to epoch.
#[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
pub struct State {
    /// Forecasts waiting for their request to resolve: request id → uid → point.
    pub pending: BTreeMap<String, BTreeMap<u16, f64>>,
    /// Every miner's record, by uid.
    pub miners: Ledger<Ema>,
}

impl MechanismState for State {
    const VERSION: u32 = 1;
}

/// The mechanism.
pub struct Forecasts;

impl Mechanism for Forecasts {
    fn score(epoch: &Epoch, state: &[u8]) -> Result<Outcome, MechanismError> {
        let task: Task = epoch.task()?;
        let alpha = epoch.params::<Params>()?.alpha.unwrap_or(0.1);
        let shaping = epoch.params::<ShapingParams>()?.pipeline()?;
        let mut state: State = state::load(state)?;
        // A new hotkey at a uid starts from 0; uids that left are dropped.
        state.miners.reconcile(&epoch.neurons, Ema::fresh)?;
        if let Some(resolve) = &task.resolve {
            let points = state.pending.remove(&resolve.id).unwrap_or_default();
            let rewards: Vec<(u16, f64)> = points
                .iter()
                .filter(|_| resolve.realized > 0.0)
                .map(|(&uid, p)| {
                    (
                        uid,
                        1.0 / (1.0 + 100.0 * (p - resolve.realized).abs() / resolve.realized),
                    )
                })
                .collect();
            state
                .miners
                .update_ema(&rewards, alpha, Absent::Decay, |m| &mut m.ema)?;
        }
        if let Some(open) = &task.open {
            let mut points = BTreeMap::new();
            for response in &epoch.responses {
                if let Ok(f) = response.payload::<Forecast>() {
                    if f.id == open.id && f.point.is_finite() {
                        points.insert(response.uid, f.point);
                    }
                }
            }
            state.pending.insert(open.id.clone(), points);
        }
        let weights = shaping.apply(
            &epoch.neurons,
            &state.miners.per_neuron(&epoch.neurons, |m| m.ema),
        )?;
        Outcome::new(weights).with_typed_state(&state)
    }
}

export_mechanism!(Forecasts);

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(bytes: &[u8]) -> Epoch {
        imr_guest::epoch_file::parse(bytes).expect("sample epoch")
    }

    #[test]
    fn the_better_forecast_earns_more_once_the_truth_is_known() {
        let first = Forecasts::score(&epoch(include_bytes!("../epochs/0000.json")), &[]).unwrap();
        // Nothing resolved yet: every EMA is 0, so everything goes to the burn uid 0.
        assert_eq!(
            first.score_map(),
            BTreeMap::from([(0, 1.0), (1, 0.0), (2, 0.0), (3, 0.0)])
        );
        let second =
            Forecasts::score(&epoch(include_bytes!("../epochs/0001.json")), &first.state).unwrap();
        let s = second.score_map();
        assert!(s[&1] > s[&2] && s[&2] > 0.0, "{s:?}");
        assert_eq!(s[&3], 0.0);
        let state: State = state::load(&second.state).unwrap();
        assert!(state.pending.contains_key("r1") && !state.pending.contains_key("r0"));
        // The state round-trips bit for bit.
        assert_eq!(state::save(&state).unwrap(), second.state);
    }
}
