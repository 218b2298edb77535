//! The state carried from epoch to epoch (spec §3.1 "State"), canonical JSON.
//!
//! ```json
//! {"version":1,"last_epoch":41,
//!  "miners":{"1":{"hotkey":"5F…","ema":0.41,"scored":37,"first_epoch":0}},
//!  "pending":{"r0040":{"base_price":41234.56,"opened_block":1200,"opened_epoch":40,
//!             "subs":{"1":{"points":[…],"intervals":[[lo,hi],…]}}}}}
//! ```
//!
//! `opened_epoch` is an addition to the spec's example: `max_pending` counts epochs, and blocks alone do not say
//! how many epochs have passed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use imr_guest::helpers::{self, HotkeyPolicy, MinerRecord, Reconciled};
use imr_guest::{MechanismError, Neuron};

/// The state format version this crate reads and writes.
pub const VERSION: u32 = 1;

/// Everything the mechanism remembers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The last epoch scored, if any.
    pub last_epoch: Option<u64>,
    /// Per-uid records (the JSON keys are decimal uids).
    #[serde(serialize_with = "crate::canon::uid_map")]
    pub miners: BTreeMap<u16, Miner>,
    /// Requests waiting for their resolution, by request id.
    pub pending: BTreeMap<String, Pending>,
    /// Format version ([`VERSION`]).
    pub version: u32,
}

/// One miner's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Miner {
    /// Exponential moving average of the miner's per-request rewards.
    pub ema: f64,
    /// The epoch this hotkey was first seen.
    pub first_epoch: u64,
    /// The hotkey the record belongs to; a new hotkey at the uid resets the record.
    pub hotkey: String,
    /// Number of resolutions the miner was scored on.
    pub scored: u64,
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
            hotkey: hotkey.to_string(),
            ema: value,
            scored: 0,
            first_epoch: 0,
        }
    }
}

/// A request waiting for its resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    /// The last known price when it opened.
    pub base_price: f64,
    /// The block at which it opened.
    pub opened_block: u64,
    /// The epoch in which it opened.
    pub opened_epoch: u64,
    /// The usable parts of each miner's submission, by uid.
    #[serde(serialize_with = "crate::canon::uid_map")]
    pub subs: BTreeMap<u16, Sub>,
}

/// The usable parts of one submission: an invalid part is stored as `null`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sub {
    /// `horizon` intervals `[lo, hi]`, `0 < lo ≤ hi`.
    pub intervals: Option<Vec<[f64; 2]>>,
    /// `horizon` point forecasts, each > 0.
    pub points: Option<Vec<f64>>,
}

impl State {
    /// The canonical JSON encoding of the state.
    pub fn encode(&self) -> Result<Vec<u8>, MechanismError> {
        crate::canon::encode(self, "state")
    }

    /// Decodes the previous state; empty bytes give a fresh state.
    pub fn decode(bytes: &[u8]) -> Result<Self, MechanismError> {
        if bytes.is_empty() {
            return Ok(State {
                version: VERSION,
                ..State::default()
            });
        }
        // Fast path without path tracking; on failure, decode again for an error that names the field.
        let s: State = match serde_json::from_slice(bytes) {
            Ok(s) => s,
            Err(_) => imr_guest::state::decode(bytes)?,
        };
        if s.version != VERSION {
            return Err(MechanismError::InvalidInput(format!(
                "state.version: {} is not supported (expected {VERSION})",
                s.version
            )));
        }
        Ok(s)
    }

    /// Brings `miners` in line with the metagraph (`reconcile_hotkeys`, `Reset0`): a changed hotkey or a new uid
    /// starts at 0 with `first_epoch = epoch`; uids that are gone are dropped.
    pub fn reconcile(
        &mut self,
        neurons: &[Neuron],
        epoch: u64,
    ) -> Result<Reconciled, MechanismError> {
        let metagraph: Vec<(u16, &str)> =
            neurons.iter().map(|n| (n.uid, n.hotkey.as_str())).collect();
        let report = helpers::reconcile_hotkeys(&mut self.miners, &metagraph, HotkeyPolicy::Reset0)
            .map_err(|e| MechanismError::InvalidInput(format!("neurons: {e}")))?;
        for uid in report.replaced.iter().chain(&report.added) {
            if let Some(m) = self.miners.get_mut(uid) {
                m.first_epoch = epoch;
            }
        }
        Ok(report)
    }

    /// Applies one resolution's rewards: `ema_update(α, Decay)` over the scored uids only (every other miner
    /// is held), and counts the resolution in `scored`.
    pub fn apply_rewards(
        &mut self,
        rewards: &[(u16, f64)],
        alpha: f64,
    ) -> Result<(), MechanismError> {
        let mut emas: BTreeMap<u16, f64> = rewards
            .iter()
            .filter_map(|&(uid, _)| self.miners.get(&uid).map(|m| (uid, m.ema)))
            .collect();
        helpers::ema_update(&mut emas, rewards, alpha, helpers::Absent::Decay, 0.0)
            .map_err(|e| MechanismError::Failed(format!("ema update: {e}")))?;
        for (uid, ema) in emas {
            if let Some(m) = self.miners.get_mut(&uid) {
                m.ema = ema;
                m.scored += 1;
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
    fn empty_state_is_fresh_and_version_is_checked() {
        let s = State::decode(&[]).expect("fresh");
        assert_eq!(s.version, VERSION);
        assert!(s.miners.is_empty() && s.pending.is_empty() && s.last_epoch.is_none());
        let e = State::decode(br#"{"version":2,"last_epoch":null,"miners":{},"pending":{}}"#)
            .expect_err("version 2");
        assert!(e.to_string().contains("state.version"), "{e}");
        let e = State::decode(br#"{"version":1,"bogus":1}"#).expect_err("unknown field");
        assert!(e.to_string().contains("state"), "{e}");
    }

    #[test]
    fn canonical_round_trip_uses_decimal_uid_keys() {
        let mut s = State::decode(&[]).expect("fresh");
        s.reconcile(&[neuron(2, "b"), neuron(10, "k")], 3)
            .expect("reconcile");
        let bytes = s.encode().expect("encode");
        assert_eq!(bytes, imr_guest::canonical_json(&s).expect("canonical"));
        let text = String::from_utf8(bytes.clone()).expect("utf8");
        assert!(
            text.contains(
                r#""miners":{"10":{"ema":0.0,"first_epoch":3,"hotkey":"k","scored":0},"2":"#
            ),
            "{text}"
        );
        assert_eq!(State::decode(&bytes).expect("decode"), s);
    }

    #[test]
    fn hotkey_change_resets_and_ema_touches_only_scored_uids() {
        let mut s = State::decode(&[]).expect("fresh");
        s.reconcile(&[neuron(1, "a"), neuron(2, "b"), neuron(3, "c")], 0)
            .expect("reconcile");
        // α = 0.5: uid 1 gets 1.0 → 0.5, uid 2 gets 0 → 0; uid 3 not scored: held.
        s.apply_rewards(&[(1, 1.0), (2, 0.0)], 0.5).expect("ema");
        s.apply_rewards(&[(1, 1.0)], 0.5).expect("ema");
        assert_eq!(s.miners[&1].ema, 0.75);
        assert_eq!(s.miners[&1].scored, 2);
        assert_eq!(s.miners[&2].scored, 1);
        assert_eq!(s.miners[&3].scored, 0);
        let r = s
            .reconcile(&[neuron(1, "a2"), neuron(3, "c")], 7)
            .expect("reconcile");
        assert_eq!((r.replaced, r.dropped), (vec![1], vec![2]));
        assert_eq!(s.miners[&1].ema, 0.0);
        assert_eq!(s.miners[&1].first_epoch, 7);
        assert_eq!(s.miners[&3].first_epoch, 0);
    }
}
