//! A per-miner ledger keyed by uid, kept in line with the metagraph.
//!
//! Almost every mechanism remembers something per miner (an EMA of its rewards, an Elo rating, how often it was
//! queried) and must forget it when the uid changes hands: on Bittensor a uid is recycled when its miner is
//! deregistered, and the new hotkey at that uid must not inherit the old record. [`Ledger`] holds one entry per
//! uid, each knowing the hotkey it belongs to ([`LedgerEntry`]), and [`Ledger::reconcile`] brings it in line with
//! the epoch's metagraph:
//!
//! * a uid whose hotkey changed gets a fresh entry (reset);
//! * a uid that is new gets a fresh entry (added);
//! * a uid that left the metagraph is dropped;
//! * every other entry is kept untouched.
//!
//! **Order.** The ledger is a `BTreeMap` by uid: iteration ([`Ledger::iter`], [`Ledger::iter_mut`], the
//! `Deref` to the map) is always in ascending uid order, whatever order the entries were added in, so sums and
//! outputs built from it are the same on every validator. The lists in [`Reconciled`] are ascending too.
//!
//! **State format.** A ledger serializes exactly as the `BTreeMap<u16, R>` it wraps (`#[serde(transparent)]`), so
//! a state that held a map of records can switch to a ledger without changing a byte.
//!
//! ```
//! use imr_guest::ledger::{Ledger, LedgerEntry};
//! use imr_guest::Neuron;
//!
//! #[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
//! struct Miner { hotkey: String, ema: f64 }
//! impl LedgerEntry for Miner {
//!     fn hotkey(&self) -> &str { &self.hotkey }
//! }
//!
//! let neuron = |uid, hotkey: &str| Neuron {
//!     uid, hotkey: hotkey.into(), stake: 0.0, registered_at_block: 0, validator_permit: false,
//! };
//! let fresh = |_uid: u16, hotkey: &str| Miner { hotkey: hotkey.into(), ema: 0.0 };
//! let mut ledger: Ledger<Miner> = Ledger::new();
//! ledger.reconcile(&[neuron(1, "a"), neuron(2, "b")], fresh).unwrap();
//! ledger.update_ema(&[(1, 1.0), (2, 0.5)], 0.5, imr_guest::helpers::Absent::Hold, |m| &mut m.ema).unwrap();
//! // uid 2 changed hands, uid 1 left, uid 3 registered.
//! let report = ledger.reconcile(&[neuron(2, "b2"), neuron(3, "c")], fresh).unwrap();
//! assert_eq!((report.replaced, report.added, report.dropped), (vec![2], vec![3], vec![1]));
//! assert_eq!(ledger.column(|m| m.ema), vec![(2, 0.0), (3, 0.0)]);
//! ```

use std::collections::BTreeMap;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

use crate::helpers::{self, Absent};
use crate::{MechanismError, Neuron};

pub use crate::helpers::Reconciled;

/// One miner's record in a [`Ledger`]: it knows the hotkey it belongs to.
pub trait LedgerEntry {
    /// The hotkey this entry belongs to; [`Ledger::reconcile`] resets the entry when the metagraph shows another
    /// hotkey at its uid.
    fn hotkey(&self) -> &str;
}

/// The most common entry: one exponential moving average per miner, with the hotkey it belongs to.
///
/// `Ema::fresh` has the shape [`Ledger::reconcile`] wants, so `ledger.reconcile(&epoch.neurons, Ema::fresh)`
/// starts every new miner (and every new hotkey at a uid) at 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ema {
    /// The hotkey the entry belongs to.
    pub hotkey: String,
    /// The moving average.
    pub ema: f64,
}

impl Ema {
    /// A fresh entry for `hotkey` at 0 (`uid` is ignored; it is there to match [`Ledger::reconcile`]).
    pub fn fresh(_uid: u16, hotkey: &str) -> Self {
        Self {
            hotkey: hotkey.to_string(),
            ema: 0.0,
        }
    }
}

impl LedgerEntry for Ema {
    fn hotkey(&self) -> &str {
        &self.hotkey
    }
}

/// Per-miner entries by uid, reconciled against the metagraph (see the [module documentation](self)).
///
/// Reading goes through `Deref` to the underlying `BTreeMap<u16, R>` (`get`, `iter`, `keys`, `len`, `map[&uid]`,
/// ...), always in ascending uid order. Entries are changed in place ([`Ledger::get_mut`], [`Ledger::iter_mut`],
/// [`Ledger::update_ema`]); uids come and go only through [`Ledger::reconcile`] (or [`Ledger::insert`] in tests
/// and migrations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ledger<R> {
    entries: BTreeMap<u16, R>,
}

impl<R> Default for Ledger<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R> Deref for Ledger<R> {
    type Target = BTreeMap<u16, R>;

    fn deref(&self) -> &BTreeMap<u16, R> {
        &self.entries
    }
}

impl<R> From<BTreeMap<u16, R>> for Ledger<R> {
    fn from(entries: BTreeMap<u16, R>) -> Self {
        Self { entries }
    }
}

impl<R> FromIterator<(u16, R)> for Ledger<R> {
    fn from_iter<I: IntoIterator<Item = (u16, R)>>(iter: I) -> Self {
        Self {
            entries: iter.into_iter().collect(),
        }
    }
}

impl<'a, R> IntoIterator for &'a Ledger<R> {
    type Item = (&'a u16, &'a R);
    type IntoIter = std::collections::btree_map::Iter<'a, u16, R>;

    /// Ascending by uid.
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl<'a, R> IntoIterator for &'a mut Ledger<R> {
    type Item = (&'a u16, &'a mut R);
    type IntoIter = std::collections::btree_map::IterMut<'a, u16, R>;

    /// Ascending by uid.
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter_mut()
    }
}

impl<R> Ledger<R> {
    /// An empty ledger (the first epoch).
    pub fn new() -> Self {
        Self {
            entries: BTreeMap::new(),
        }
    }

    /// The entry at `uid`, to change it.
    pub fn get_mut(&mut self, uid: &u16) -> Option<&mut R> {
        self.entries.get_mut(uid)
    }

    /// Every entry, ascending by uid, to change them.
    pub fn iter_mut(&mut self) -> std::collections::btree_map::IterMut<'_, u16, R> {
        self.entries.iter_mut()
    }

    /// Puts `entry` at `uid`, returning the entry it replaces. Meant for tests and state migrations: in a
    /// mechanism, uids enter through [`Ledger::reconcile`].
    pub fn insert(&mut self, uid: u16, entry: R) -> Option<R> {
        self.entries.insert(uid, entry)
    }

    /// The underlying map.
    pub fn into_inner(self) -> BTreeMap<u16, R> {
        self.entries
    }

    /// One value per entry, `(uid, f(entry))`, ascending by uid.
    pub fn column(&self, f: impl Fn(&R) -> f64) -> Vec<(u16, f64)> {
        self.entries.iter().map(|(&uid, r)| (uid, f(r))).collect()
    }

    /// One value per neuron, `(uid, f(entry))`, in the neurons' order; a neuron without an entry gets 0. With
    /// the neurons of [`crate::Epoch::neurons`] (ascending by uid) this is the input a weight vector needs.
    pub fn per_neuron(&self, neurons: &[Neuron], f: impl Fn(&R) -> f64) -> Vec<(u16, f64)> {
        neurons
            .iter()
            .map(|n| (n.uid, self.entries.get(&n.uid).map_or(0.0, &f)))
            .collect()
    }

    /// Updates one `f64` field of the entries as an exponential moving average of `rewards` (`(uid, reward)`):
    /// exactly [`helpers::ema_update`] with `const_decay = 0`. A rewarded entry becomes `α·x + (1−α)·s` (floored
    /// at 0); an entry without a reward is decayed to `(1−α)·s` under [`Absent::Decay`] and left untouched under
    /// [`Absent::Hold`]. Rewards for uids without an entry are checked but otherwise ignored.
    ///
    /// Returns the uids whose entry received a reward, ascending. On error (a non-finite reward, a uid rewarded
    /// twice, `α ∉ [0, 1]`) nothing is changed.
    pub fn update_ema(
        &mut self,
        rewards: &[(u16, f64)],
        alpha: f64,
        absent: Absent,
        field: impl Fn(&mut R) -> &mut f64,
    ) -> Result<Vec<u16>, MechanismError> {
        let rewarded: Vec<u16> = {
            let mut uids: Vec<u16> = rewards
                .iter()
                .map(|&(uid, _)| uid)
                .filter(|uid| self.entries.contains_key(uid))
                .collect();
            uids.sort_unstable();
            uids.dedup();
            uids
        };
        // Under Hold only the rewarded entries are handed to the helper: the others are not touched at all.
        let mut column: BTreeMap<u16, f64> = self
            .entries
            .iter_mut()
            .filter(|(uid, _)| absent == Absent::Decay || rewarded.binary_search(uid).is_ok())
            .map(|(&uid, r)| (uid, *field(r)))
            .collect();
        helpers::ema_update(&mut column, rewards, alpha, absent, 0.0)
            .map_err(|e| MechanismError::Failed(format!("ema update: {e}")))?;
        for (uid, value) in column {
            if let Some(r) = self.entries.get_mut(&uid) {
                *field(r) = value;
            }
        }
        Ok(rewarded)
    }
}

impl<R: LedgerEntry> Ledger<R> {
    /// Brings the ledger in line with the metagraph `neurons` (uid → hotkey): an entry whose uid now shows another
    /// hotkey is replaced by `fresh(uid, hotkey)`; a uid without an entry gets `fresh(uid, hotkey)`; an entry
    /// whose uid is not among the neurons is dropped; every other entry is kept as it is. `fresh` is called in
    /// ascending uid order.
    ///
    /// Returns what changed, each list ascending. A uid listed twice in `neurons` is an
    /// [`MechanismError::InvalidInput`] naming it, and the ledger is left untouched.
    pub fn reconcile(
        &mut self,
        neurons: &[Neuron],
        mut fresh: impl FnMut(u16, &str) -> R,
    ) -> Result<Reconciled, MechanismError> {
        let mut current: BTreeMap<u16, &str> = BTreeMap::new();
        for (index, n) in neurons.iter().enumerate() {
            if current.insert(n.uid, n.hotkey.as_str()).is_some() {
                return Err(MechanismError::InvalidInput(format!(
                    "neurons[{index}]: uid {} is listed twice",
                    n.uid
                )));
            }
        }
        let mut report = Reconciled {
            dropped: self
                .entries
                .keys()
                .filter(|uid| !current.contains_key(uid))
                .copied()
                .collect(),
            ..Reconciled::default()
        };
        for uid in &report.dropped {
            self.entries.remove(uid);
        }
        for (&uid, &hotkey) in &current {
            match self.entries.get(&uid) {
                Some(r) if r.hotkey() == hotkey => {}
                Some(_) => {
                    self.entries.insert(uid, fresh(uid, hotkey));
                    report.replaced.push(uid);
                }
                None => {
                    self.entries.insert(uid, fresh(uid, hotkey));
                    report.added.push(uid);
                }
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Miner {
        hotkey: String,
        ema: f64,
        since: u64,
    }

    impl LedgerEntry for Miner {
        fn hotkey(&self) -> &str {
            &self.hotkey
        }
    }

    fn neuron(uid: u16, hotkey: &str) -> Neuron {
        Neuron {
            uid,
            hotkey: hotkey.into(),
            stake: 0.0,
            registered_at_block: 0,
            validator_permit: false,
        }
    }

    fn fresh_at(epoch: u64) -> impl FnMut(u16, &str) -> Miner {
        move |_, hotkey| Miner {
            hotkey: hotkey.into(),
            ema: 0.0,
            since: epoch,
        }
    }

    #[test]
    fn reconcile_resets_a_changed_hotkey_adds_new_uids_and_drops_departed_ones() {
        let mut l: Ledger<Miner> = Ledger::new();
        let r = l
            .reconcile(
                &[neuron(3, "c"), neuron(1, "a"), neuron(2, "b")],
                fresh_at(0),
            )
            .unwrap();
        // Neurons in any order: the report and the ledger are ascending.
        assert_eq!(r.added, vec![1, 2, 3]);
        assert!(r.replaced.is_empty() && r.dropped.is_empty());
        for uid in [1, 2, 3] {
            l.get_mut(&uid).unwrap().ema = f64::from(uid) / 10.0;
        }
        let r = l
            .reconcile(
                &[neuron(1, "a"), neuron(3, "c2"), neuron(7, "g")],
                fresh_at(5),
            )
            .unwrap();
        assert_eq!(
            (r.dropped, r.replaced, r.added),
            (vec![2], vec![3], vec![7])
        );
        assert_eq!(l.keys().copied().collect::<Vec<_>>(), vec![1, 3, 7]);
        // Kept untouched; reset; new.
        assert_eq!((l[&1].ema, l[&1].since), (0.1, 0));
        assert_eq!(
            (l[&3].ema, l[&3].since, l[&3].hotkey.as_str()),
            (0.0, 5, "c2")
        );
        assert_eq!((l[&7].ema, l[&7].since), (0.0, 5));
        // `for` over the ledger: ascending uids, by reference or to change entries.
        let mut uids = Vec::new();
        for (uid, m) in &mut l {
            m.since += 100;
            uids.push(*uid);
        }
        for (uid, _) in &l {
            uids.push(*uid);
        }
        assert_eq!(uids, vec![1, 3, 7, 1, 3, 7]);
        assert_eq!((l[&1].since, l[&7].since), (100, 105));
    }

    #[test]
    fn a_repeated_uid_is_refused_and_changes_nothing() {
        let mut l: Ledger<Miner> = Ledger::new();
        l.reconcile(&[neuron(1, "a")], fresh_at(0)).unwrap();
        let before = l.clone();
        let e = l
            .reconcile(
                &[neuron(1, "x"), neuron(2, "b"), neuron(2, "c")],
                fresh_at(1),
            )
            .unwrap_err();
        assert_eq!(
            e,
            MechanismError::InvalidInput("neurons[2]: uid 2 is listed twice".into())
        );
        assert_eq!(l, before);
    }

    #[test]
    fn serializes_exactly_as_the_map_it_wraps() {
        let mut l: Ledger<Miner> = Ledger::new();
        l.reconcile(&[neuron(300, "z"), neuron(2, "b")], fresh_at(4))
            .unwrap();
        let map = l.clone().into_inner();
        assert_eq!(
            postcard::to_stdvec(&l).unwrap(),
            postcard::to_stdvec(&map).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        let back: Ledger<Miner> =
            serde_json::from_str(&serde_json::to_string(&map).unwrap()).unwrap();
        assert_eq!(back, l);
    }

    #[test]
    fn ema_hold_touches_only_rewarded_entries_and_decay_all() {
        let mut l: Ledger<Miner> = Ledger::new();
        l.reconcile(
            &[neuron(1, "a"), neuron(2, "b"), neuron(3, "c")],
            fresh_at(0),
        )
        .unwrap();
        l.get_mut(&3).unwrap().ema = -0.0;
        // uid 9 has no entry: checked, ignored.
        let got = l
            .update_ema(&[(2, 1.0), (1, 0.5), (9, 1.0)], 0.5, Absent::Hold, |m| {
                &mut m.ema
            })
            .unwrap();
        assert_eq!(got, vec![1, 2]);
        assert_eq!(l.column(|m| m.ema), vec![(1, 0.25), (2, 0.5), (3, -0.0)]);
        // Untouched means untouched: not even the helper's floor at 0 reaches uid 3.
        assert!(l[&3].ema.is_sign_negative());
        l.update_ema(&[(1, 1.0)], 0.5, Absent::Decay, |m| &mut m.ema)
            .unwrap();
        assert_eq!(l.column(|m| m.ema), vec![(1, 0.625), (2, 0.25), (3, 0.0)]);
        assert!(!l.contains_key(&9));
    }

    #[test]
    fn ema_errors_change_nothing() {
        let mut l: Ledger<Miner> = Ledger::new();
        l.reconcile(&[neuron(1, "a"), neuron(2, "b")], fresh_at(0))
            .unwrap();
        l.get_mut(&1).unwrap().ema = 0.5;
        let before = l.clone();
        for (rewards, alpha) in [
            (vec![(1, f64::NAN)], 0.1),
            (vec![(1, 1.0), (1, 0.0)], 0.1),
            (vec![(1, 1.0)], 1.5),
        ] {
            let e = l
                .update_ema(&rewards, alpha, Absent::Decay, |m| &mut m.ema)
                .unwrap_err();
            assert!(e.to_string().contains("ema update"), "{e}");
            assert_eq!(l, before);
        }
    }

    #[test]
    fn the_ready_made_ema_entry_resets_on_a_new_hotkey() {
        let mut l: Ledger<Ema> = Ledger::new();
        l.reconcile(&[neuron(1, "a"), neuron(2, "b")], Ema::fresh)
            .unwrap();
        l.update_ema(&[(1, 1.0), (2, 1.0)], 0.5, Absent::Decay, |m| &mut m.ema)
            .unwrap();
        l.reconcile(&[neuron(1, "a"), neuron(2, "b2")], Ema::fresh)
            .unwrap();
        assert_eq!(l.column(|m| m.ema), vec![(1, 0.5), (2, 0.0)]);
        assert_eq!(l[&2].hotkey, "b2");
    }

    #[test]
    fn per_neuron_fills_missing_entries_with_zero() {
        let mut l: Ledger<Miner> = Ledger::new();
        l.reconcile(&[neuron(4, "d")], fresh_at(0)).unwrap();
        l.get_mut(&4).unwrap().ema = 0.75;
        assert_eq!(
            l.per_neuron(&[neuron(0, "o"), neuron(4, "d")], |m| m.ema),
            vec![(0, 0.0), (4, 0.75)]
        );
    }
}
