//! {{name}}: a forecasting incentive mechanism.
//!
//! Each epoch's task may open a request, `"open": {"id": "r1", "base": 100.0}`, and resolve an earlier
//! one, `"resolve": {"id": "r0", "realized": 101.0}`. Miners answer the open request with
//! `{"id": "r1", "point": 100.5}`. The forecasts wait in the state until their request resolves; then
//! every miner that answered gets `reward = 1 / (1 + 100 · |point - realized| / realized)` and every
//! other registered miner 0, and each miner's EMA moves: `ema ← α·reward + (1-α)·ema` (α = `alpha` in
//! `params`, default 0.1). A uid whose hotkey changed starts again from 0. The scores are the EMAs
//! (all to uid 0, the owner, while nobody has earned anything).
//!
//! Determinism rules (the component runs in a sandbox with no clock, files or ambient randomness, and
//! every validator must get the same bits):
//! - use only the epoch and the state: no `SystemTime`, no environment, no threads;
//! - iterate in a fixed order: `BTreeMap`/`BTreeSet`, never `HashMap` for anything that reaches the
//!   output or the state;
//! - the state is bytes you hand back to yourself: encode it with `Outcome::with_state` (canonical
//!   JSON) and decode it with `imr_guest::state::decode` (empty in the first epoch);
//! - floats: plain arithmetic is deterministic; for `exp`, `ln`, `pow` use `imr_guest::helpers`;
//! - scores must be finite and >= 0.

use std::collections::BTreeMap;

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

#[derive(Deserialize)]
struct Params {
    #[serde(default = "default_alpha")]
    alpha: f64,
}

impl Default for Params {
    fn default() -> Self {
        Self { alpha: default_alpha() }
    }
}

fn default_alpha() -> f64 {
    0.1
}

/// One miner's record: the hotkey it belongs to and its reward EMA.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Miner {
    hotkey: String,
    ema: f64,
}

/// What the mechanism carries from epoch to epoch.
#[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
struct State {
    /// Forecasts waiting for their request to resolve: request id → uid → point.
    pending: BTreeMap<String, BTreeMap<u16, f64>>,
    /// Every miner's record, by uid.
    miners: BTreeMap<u16, Miner>,
}

/// The mechanism.
pub struct Forecasts;

impl Mechanism for Forecasts {
    fn score(epoch: &Epoch, state: &[u8]) -> Result<Outcome, MechanismError> {
        let task: Task = epoch.task()?;
        let params: Params = epoch.params()?;
        let mut state: State = imr_guest::state::decode(state)?;
        // Reconcile with the metagraph: a new hotkey at a uid starts from 0.
        let mut miners = BTreeMap::new();
        for n in &epoch.neurons {
            let kept = state.miners.get(&n.uid).filter(|m| m.hotkey == n.hotkey);
            let ema = kept.map_or(0.0, |m| m.ema);
            miners.insert(n.uid, Miner { hotkey: n.hotkey.clone(), ema });
        }
        state.miners = miners;
        if let Some(resolve) = &task.resolve {
            let points = state.pending.remove(&resolve.id).unwrap_or_default();
            for (uid, miner) in state.miners.iter_mut() {
                let reward = match points.get(uid) {
                    Some(p) if resolve.realized > 0.0 => {
                        1.0 / (1.0 + 100.0 * (p - resolve.realized).abs() / resolve.realized)
                    }
                    _ => 0.0,
                };
                miner.ema = params.alpha * reward + (1.0 - params.alpha) * miner.ema;
            }
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
        let mut scores: Vec<(u16, f64)> =
            state.miners.iter().map(|(&uid, m)| (uid, m.ema)).collect();
        // Nobody has earned anything yet (the first epochs): an all-zero row cannot be set, so
        // everything goes to the owner's uid 0, as subnets burn.
        if scores.iter().all(|&(_, s)| s == 0.0) {
            scores = vec![(0, 1.0)];
        }
        Outcome::new(scores).with_state(&state)
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
        // Nothing resolved yet: every EMA is 0, so everything goes to uid 0.
        assert_eq!(first.score_map(), BTreeMap::from([(0, 1.0)]));
        let second =
            Forecasts::score(&epoch(include_bytes!("../epochs/0001.json")), &first.state).unwrap();
        let s = second.score_map();
        assert!(s[&1] > s[&2] && s[&2] > 0.0, "{s:?}");
        assert_eq!(s[&3], 0.0);
        // The state is canonical: decoding and re-encoding gives the same bytes.
        let state: State = imr_guest::state::decode(&second.state).unwrap();
        assert_eq!(imr_guest::canonical_json(&state).unwrap(), second.state);
        assert!(state.pending.contains_key("r1") && !state.pending.contains_key("r0"));
    }
}
