//! The state carried from epoch to epoch (spec §3.2 "State"), canonical JSON:
//!
//! ```json
//! {"last_epoch":9,"miners":{"1":{"elo":1043.7,"ema":0.612,"hotkey":"5F…","tasks_seen":31}},"version":1}
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use imr_guest::helpers::{self, Absent, HotkeyPolicy, MinerRecord, PairMatch, Reconciled};
use imr_guest::{MechanismError, Neuron};

/// The state format version this crate reads and writes.
pub const VERSION: u32 = 1;
/// Every Elo rating starts here.
pub const ELO_INIT: f64 = 1000.0;

/// Everything the mechanism remembers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The last epoch scored, if any.
    pub last_epoch: Option<u64>,
    /// Per-uid records (the JSON keys are decimal uids).
    #[serde(serialize_with = "crate::scoring::uid_map")]
    pub miners: BTreeMap<u16, Miner>,
    /// Format version ([`VERSION`]).
    pub version: u32,
}

/// One miner's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Miner {
    /// Elo rating from every judgment so far (K = `params.elo_k`).
    pub elo: f64,
    /// Exponential moving average of the miner's per-epoch mean task reward.
    pub ema: f64,
    /// The hotkey the record belongs to; a new hotkey at the uid resets the record.
    pub hotkey: String,
    /// Number of tasks the miner was queried on.
    pub tasks_seen: u64,
}

impl MinerRecord for Miner {
    fn hotkey(&self) -> &str {
        &self.hotkey
    }
    fn value(&self) -> f64 {
        self.ema
    }
    fn fresh(hotkey: &str, value: f64) -> Self {
        Miner {
            elo: ELO_INIT,
            ema: value,
            hotkey: hotkey.to_string(),
            tasks_seen: 0,
        }
    }
}

impl State {
    /// Decodes the previous state; empty bytes give a fresh state.
    pub fn decode(bytes: &[u8]) -> Result<Self, MechanismError> {
        if bytes.is_empty() {
            return Ok(State {
                version: VERSION,
                ..State::default()
            });
        }
        let s: State = imr_guest::state::decode(bytes)?;
        if s.version != VERSION {
            return Err(MechanismError::InvalidInput(format!(
                "state.version: {} is not supported (expected {VERSION})",
                s.version
            )));
        }
        if let Some((uid, _)) = s
            .miners
            .iter()
            .find(|(_, m)| !(m.elo.is_finite() && m.ema.is_finite() && m.ema >= 0.0))
        {
            return Err(MechanismError::InvalidInput(format!(
                "state.miners.{uid}: elo and ema must be finite, ema >= 0"
            )));
        }
        Ok(s)
    }

    /// Brings `miners` in line with the metagraph (`reconcile_hotkeys`, `Reset0`): a changed hotkey or a new uid
    /// starts at EMA 0 and Elo 1000; uids that are gone are dropped.
    pub fn reconcile(&mut self, neurons: &[Neuron]) -> Result<Reconciled, MechanismError> {
        let metagraph: Vec<(u16, &str)> =
            neurons.iter().map(|n| (n.uid, n.hotkey.as_str())).collect();
        helpers::reconcile_hotkeys(&mut self.miners, &metagraph, HotkeyPolicy::Reset0)
            .map_err(|e| MechanismError::InvalidInput(format!("neurons: {e}")))
    }

    /// `ema_update(α, Hold, 0)` with each queried uid's mean reward; `tasks` counts the tasks it was queried on.
    pub fn apply_rewards(
        &mut self,
        rewards: &[(u16, f64)],
        tasks: &BTreeMap<u16, u64>,
        alpha: f64,
    ) -> Result<(), MechanismError> {
        let mut emas: BTreeMap<u16, f64> = self.miners.iter().map(|(&u, m)| (u, m.ema)).collect();
        helpers::ema_update(&mut emas, rewards, alpha, Absent::Hold, 0.0)
            .map_err(|e| MechanismError::Failed(format!("ema update: {e}")))?;
        for (uid, ema) in emas {
            if let Some(m) = self.miners.get_mut(&uid) {
                m.ema = ema;
                m.tasks_seen += tasks.get(&uid).copied().unwrap_or(0);
            }
        }
        Ok(())
    }

    /// Plays `matches` (already in canonical order) through `elo(k)` on the stored ratings.
    pub fn apply_elo(&mut self, matches: &[PairMatch], k: f64) -> Result<(), MechanismError> {
        let ratings: BTreeMap<u16, f64> = self.miners.iter().map(|(&u, m)| (u, m.elo)).collect();
        let after = helpers::elo(&ratings, matches, k, ELO_INIT)
            .map_err(|e| MechanismError::Failed(format!("elo: {e}")))?;
        for (uid, r) in after {
            if let Some(m) = self.miners.get_mut(&uid) {
                m.elo = r;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neuron(uid: u16, hotkey: &str) -> Neuron {
        Neuron {
            uid,
            hotkey: hotkey.into(),
            stake: 0.0,
            registered_at_block: 0,
            validator_permit: false,
        }
    }

    #[test]
    fn fresh_state_version_and_unknown_fields() {
        let s = State::decode(&[]).expect("fresh");
        assert_eq!((s.version, s.last_epoch), (VERSION, None));
        assert!(State::decode(br#"{"version":2,"last_epoch":null,"miners":{}}"#).is_err());
        let e = State::decode(br#"{"version":1,"last_epoch":null,"miners":{},"x":1}"#)
            .expect_err("unknown field");
        assert!(e.to_string().contains("state"), "{e}");
    }

    #[test]
    fn canonical_round_trip() {
        let mut s = State::decode(&[]).expect("fresh");
        s.reconcile(&[neuron(2, "b"), neuron(10, "k")])
            .expect("reconcile");
        let bytes = imr_guest::canonical_json(&s).expect("canonical");
        let text = String::from_utf8(bytes.clone()).expect("utf8");
        assert!(
            text.starts_with(
                r#"{"last_epoch":null,"miners":{"10":{"elo":1000.0,"ema":0.0,"hotkey":"k","tasks_seen":0},"2":"#
            ),
            "{text}"
        );
        assert_eq!(State::decode(&bytes).expect("decode"), s);
    }

    #[test]
    fn hold_ema_elo_and_reset() {
        let mut s = State::decode(&[]).expect("fresh");
        s.reconcile(&[neuron(1, "a"), neuron(2, "b")])
            .expect("reconcile");
        // α = 0.5: uid 1 gets 1 → 0.5; uid 2 not queried: held at 0.
        s.apply_rewards(&[(1, 1.0)], &BTreeMap::from([(1, 3)]), 0.5)
            .expect("ema");
        s.apply_rewards(&[(1, 0.0)], &BTreeMap::from([(1, 2)]), 0.5)
            .expect("ema");
        assert_eq!(s.miners[&1].ema, 0.25);
        assert_eq!(s.miners[&1].tasks_seen, 5);
        assert_eq!(s.miners[&2].tasks_seen, 0);
        // Equal ratings, K = 16: the winner gains 8.
        s.apply_elo(&[PairMatch::win(2, 1)], 16.0).expect("elo");
        assert_eq!((s.miners[&1].elo, s.miners[&2].elo), (992.0, 1008.0));
        let r = s
            .reconcile(&[neuron(1, "a"), neuron(2, "b2")])
            .expect("reconcile");
        assert_eq!(r.replaced, vec![2]);
        assert_eq!((s.miners[&2].elo, s.miners[&2].ema), (ELO_INIT, 0.0));
    }
}
