//! The state carried from epoch to epoch (spec §3.1 "State"), in the SDK's binary state format
//! (`imr_guest::state`: a `\0imr` header with format tag and schema version [`VERSION`], then the fields below in
//! postcard's wire format, floats bit for bit). Version 1 was canonical JSON of the same fields plus `"version":1`:
//!
//! ```json
//! {"last_epoch":41,
//!  "miners":{"1":{"ema":0.41,"first_epoch":0,"hotkey":"5F…","scored":37}},
//!  "pending":{"r0040":{"base_price":41234.56,"opened_block":1200,"opened_epoch":40,
//!             "subs":{"1":{"intervals":[[lo,hi],…],"points":[…]}}}},"version":1}
//! ```
//!
//! [`State::decode`] still reads a version-1 JSON state (a validator upgrading in the middle of a run) and the next
//! state is written in the binary format. `imr inspect-state` shows either.
//!
//! `opened_epoch` is an addition to the spec's example: `max_pending` counts epochs, and blocks alone do not say
//! how many epochs have passed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use imr_guest::helpers::Absent;
use imr_guest::ledger::{Ledger, LedgerEntry, Reconciled};
use imr_guest::state::{self, binary, MechanismState};
use imr_guest::{MechanismError, Neuron};

/// The state format version this crate writes (2: binary). Version 1 (canonical JSON) is still read.
pub const VERSION: u32 = 2;

/// Everything the mechanism remembers. Field order is the binary format: changing it needs a new [`VERSION`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct State {
    /// The last epoch scored, if any.
    pub last_epoch: Option<u64>,
    /// Per-uid records, reconciled against the metagraph every epoch.
    pub miners: Ledger<Miner>,
    /// Requests waiting for their resolution, by request id.
    pub pending: BTreeMap<String, Pending>,
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
    pending: BTreeMap<String, Pending>,
    version: u32,
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

impl Miner {
    /// A fresh record for `hotkey`, first seen in `epoch`.
    pub fn new(hotkey: &str, epoch: u64) -> Self {
        Miner {
            ema: 0.0,
            first_epoch: epoch,
            hotkey: hotkey.to_string(),
            scored: 0,
        }
    }
}

impl LedgerEntry for Miner {
    fn hotkey(&self) -> &str {
        &self.hotkey
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
    /// The binary encoding of the state. `capacity` is a hint (the previous state's size avoids regrowing).
    pub fn encode(&self, capacity: usize) -> Result<Vec<u8>, MechanismError> {
        binary::encode_with_capacity(self, VERSION, capacity)
    }

    /// Decodes the previous state: empty bytes give a fresh state; a binary state must be [`VERSION`]; a JSON
    /// state must be version 1 (migrated).
    pub fn decode(bytes: &[u8]) -> Result<Self, MechanismError> {
        if bytes.is_empty() || binary::header(bytes).is_some() {
            return state::load(bytes);
        }
        let v1: StateV1 = match serde_json::from_slice(bytes) {
            Ok(s) => s,
            // Not JSON either: the SDK's error says what the bytes are not.
            Err(_) if !bytes.trim_ascii_start().starts_with(b"{") => return state::load(bytes),
            // Decode again with path tracking for an error that names the field.
            Err(_) => imr_guest::state::decode(bytes)?,
        };
        if v1.version != 1 {
            return Err(MechanismError::InvalidInput(format!(
                "state.version: {} is not supported (a JSON state must be version 1; this crate writes binary \
                 version {VERSION})",
                v1.version
            )));
        }
        Ok(State {
            last_epoch: v1.last_epoch,
            miners: v1.miners,
            pending: v1.pending,
        })
    }

    /// Brings `miners` in line with the metagraph ([`Ledger::reconcile`]): a changed hotkey or a new uid starts at
    /// 0 with `first_epoch = epoch`; uids that are gone are dropped.
    pub fn reconcile(
        &mut self,
        neurons: &[Neuron],
        epoch: u64,
    ) -> Result<Reconciled, MechanismError> {
        self.miners
            .reconcile(neurons, |_, hotkey| Miner::new(hotkey, epoch))
    }

    /// Applies one resolution's rewards: an EMA step (α) for the scored uids only (every other miner is held),
    /// and counts the resolution in `scored`.
    pub fn apply_rewards(
        &mut self,
        rewards: &[(u16, f64)],
        alpha: f64,
    ) -> Result<(), MechanismError> {
        let scored = self
            .miners
            .update_ema(rewards, alpha, Absent::Hold, |m| &mut m.ema)?;
        for uid in scored {
            if let Some(m) = self.miners.get_mut(&uid) {
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
    fn empty_state_is_fresh_and_versions_are_checked() {
        let s = State::decode(&[]).expect("fresh");
        assert!(s.miners.is_empty() && s.pending.is_empty() && s.last_epoch.is_none());
        let e = State::decode(br#"{"version":2,"last_epoch":null,"miners":{},"pending":{}}"#)
            .expect_err("JSON version 2");
        assert!(e.to_string().contains("state.version"), "{e}");
        let e = State::decode(br#"{"version":1,"bogus":1}"#).expect_err("unknown field");
        assert!(e.to_string().contains("state"), "{e}");
        let e = State::decode(&binary::encode(&State::default(), 1).expect("encode"))
            .expect_err("binary version 1");
        assert!(
            e.to_string()
                .contains("schema version 1 is not supported (expected 2)"),
            "{e}"
        );
        let e = State::decode(b"\x07garbage").expect_err("garbage");
        assert!(e.to_string().contains("not the binary state format"), "{e}");
    }

    fn sample() -> State {
        let mut s = State::decode(&[]).expect("fresh");
        s.reconcile(&[neuron(2, "b"), neuron(10, "k")], 3)
            .expect("reconcile");
        s.apply_rewards(&[(2, 0.1), (10, 1.0 / 3.0)], 0.05)
            .expect("ema");
        s.last_epoch = Some(4);
        s.pending.insert(
            "r0004".into(),
            Pending {
                base_price: 41234.56,
                opened_block: 1200,
                opened_epoch: 4,
                subs: BTreeMap::from([
                    (
                        10,
                        Sub {
                            intervals: Some(vec![[1.0, 2.5]]),
                            points: None,
                        },
                    ),
                    (
                        2,
                        Sub {
                            intervals: None,
                            points: Some(vec![0.1 + 0.2]),
                        },
                    ),
                ]),
            },
        );
        s
    }

    #[test]
    fn binary_round_trip_is_bit_exact_and_tagged() {
        let s = sample();
        let bytes = s.encode(0).expect("encode");
        assert_eq!(
            imr_guest::state::summarize(&bytes).to_string(),
            format!(
                "binary state: format 0x01 (postcard 1.x), version 2, {} bytes (9 header + {} body)",
                bytes.len(),
                bytes.len() - 9
            )
        );
        assert_eq!(State::decode(&bytes).expect("decode"), s);
        assert_eq!(imr_guest::state::save(&s).expect("save"), bytes);
    }

    #[test]
    fn a_version_1_json_state_is_migrated() {
        let s = sample();
        // Version 1 as the previous release wrote it: canonical JSON with decimal uid keys and a version field.
        let mut v1 = serde_json::to_value(&s).expect("value");
        v1["version"] = 1.into();
        let v1 = imr_guest::canonical_json(&v1).expect("canonical");
        let text = String::from_utf8(v1.clone()).expect("utf8");
        assert!(text.contains(r#""miners":{"10":{"ema":"#), "{text}");
        assert_eq!(State::decode(&v1).expect("migrate"), s);
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
