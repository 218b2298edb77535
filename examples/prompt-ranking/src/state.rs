//! The state carried from epoch to epoch (spec §3.2 "State"), in the SDK's binary state format
//! (`imr_guest::state`: a `\0imr` header with format tag and schema version [`VERSION`], then the fields below in
//! postcard's wire format, floats bit for bit). Version 1 was canonical JSON, still read ([`State::decode`]):
//!
//! ```json
//! {"last_epoch":9,"miners":{"1":{"elo":1043.7,"ema":0.612,"hotkey":"5F…","tasks_seen":31}},"version":1}
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use imr_guest::helpers::{self, Absent, PairMatch};
use imr_guest::ledger::{Ledger, LedgerEntry, Reconciled};
use imr_guest::state::{self, binary, MechanismState};
use imr_guest::{MechanismError, Neuron};

/// The state format version this crate writes (2: binary). Version 1 (canonical JSON) is still read.
pub const VERSION: u32 = 2;
/// Every Elo rating starts here.
pub const ELO_INIT: f64 = 1000.0;

/// Everything the mechanism remembers. Field order is the binary format: changing it needs a new [`VERSION`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct State {
    /// The last epoch scored, if any.
    pub last_epoch: Option<u64>,
    /// Per-uid records, reconciled against the metagraph every epoch.
    pub miners: Ledger<Miner>,
}

impl MechanismState for State {
    const VERSION: u32 = VERSION;
}

/// The version-1 state: canonical JSON with a `version` field (read for migration only).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StateV1 {
    last_epoch: Option<u64>,
    miners: Ledger<Miner>,
    version: u32,
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

impl Miner {
    /// A fresh record for `hotkey`: EMA 0, Elo [`ELO_INIT`], never queried.
    pub fn new(hotkey: &str) -> Self {
        Miner {
            elo: ELO_INIT,
            ema: 0.0,
            hotkey: hotkey.to_string(),
            tasks_seen: 0,
        }
    }
}

impl LedgerEntry for Miner {
    fn hotkey(&self) -> &str {
        &self.hotkey
    }
}

impl State {
    /// Decodes the previous state: empty bytes give a fresh state; a binary state must be [`VERSION`]; a JSON
    /// state must be version 1 (migrated).
    pub fn decode(bytes: &[u8]) -> Result<Self, MechanismError> {
        let s: State = if bytes.is_empty() || binary::header(bytes).is_some() {
            state::load(bytes)?
        } else if !bytes.trim_ascii_start().starts_with(b"{") {
            // Neither format: the SDK's error says what the bytes are not.
            state::load(bytes)?
        } else {
            let v1: StateV1 = imr_guest::state::decode(bytes)?;
            if v1.version != 1 {
                return Err(MechanismError::InvalidInput(format!(
                    "state.version: {} is not supported (a JSON state must be version 1; this crate writes \
                     binary version {VERSION})",
                    v1.version
                )));
            }
            State {
                last_epoch: v1.last_epoch,
                miners: v1.miners,
            }
        };
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

    /// Brings `miners` in line with the metagraph ([`Ledger::reconcile`]): a changed hotkey or a new uid starts at
    /// EMA 0 and Elo 1000; uids that are gone are dropped.
    pub fn reconcile(&mut self, neurons: &[Neuron]) -> Result<Reconciled, MechanismError> {
        self.miners
            .reconcile(neurons, |_, hotkey| Miner::new(hotkey))
    }

    /// An EMA step (α, held when not queried) with each queried uid's mean reward; `tasks` counts the tasks it
    /// was queried on.
    pub fn apply_rewards(
        &mut self,
        rewards: &[(u16, f64)],
        tasks: &BTreeMap<u16, u64>,
        alpha: f64,
    ) -> Result<(), MechanismError> {
        self.miners
            .update_ema(rewards, alpha, Absent::Hold, |m| &mut m.ema)?;
        for (uid, m) in self.miners.iter_mut() {
            m.tasks_seen += tasks.get(uid).copied().unwrap_or(0);
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
    fn fresh_state_versions_and_unknown_fields() {
        let s = State::decode(&[]).expect("fresh");
        assert_eq!(s, State::default());
        assert!(State::decode(br#"{"version":2,"last_epoch":null,"miners":{}}"#).is_err());
        let e = State::decode(br#"{"version":1,"last_epoch":null,"miners":{},"x":1}"#)
            .expect_err("unknown field");
        assert!(e.to_string().contains("state"), "{e}");
        let e = State::decode(&binary::encode(&s, 3).expect("encode")).expect_err("version 3");
        assert!(
            e.to_string().contains("schema version 3 is not supported"),
            "{e}"
        );
    }

    #[test]
    fn binary_round_trip_and_version_1_migration() {
        let mut s = State::decode(&[]).expect("fresh");
        s.reconcile(&[neuron(2, "b"), neuron(10, "k")])
            .expect("reconcile");
        s.apply_elo(&[PairMatch::win(2, 10)], 16.0).expect("elo");
        let bytes = state::save(&s).expect("save");
        assert_eq!(binary::header(&bytes).expect("binary").version, VERSION);
        assert_eq!(State::decode(&bytes).expect("decode"), s);
        // Version 1 as the previous release wrote it: canonical JSON with a version field.
        let mut v1 = serde_json::to_value(&s).expect("value");
        v1["version"] = 1.into();
        let v1 = imr_guest::canonical_json(&v1).expect("canonical");
        let text = String::from_utf8(v1.clone()).expect("utf8");
        assert!(
            text.starts_with(
                r#"{"last_epoch":null,"miners":{"10":{"elo":992.0,"ema":0.0,"hotkey":"k","tasks_seen":0},"2":"#
            ),
            "{text}"
        );
        assert_eq!(State::decode(&v1).expect("migrate"), s);
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
