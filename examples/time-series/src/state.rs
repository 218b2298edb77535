//! The state carried from epoch to epoch (spec §3.1 "State"), in the SDK's binary state format
//! (`imr_guest::state`: a `\0imr` header with format tag and schema version [`VERSION`], then the fields below in
//! postcard's wire format, floats bit for bit).
//!
//! Version 3 keeps each pending request's submissions as columns ([`Subs`]): one row per answering uid, the
//! points and intervals of all rows in two [`F64Column`]s (one byte block each), so loading and saving the
//! 4096-miner state is a handful of copies instead of 20,000 small vectors and map nodes. The older versions
//! (binary version 2, canonical JSON version 1: per-uid maps of [`legacy::Sub`]) are still read and migrated
//! (a validator upgrading in the middle of a run); the next state is written as version 3. `imr inspect-state`
//! shows any of them.
//!
//! `opened_epoch` is an addition to the spec's example: `max_pending` counts epochs, and blocks alone do not say
//! how many epochs have passed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use imr_guest::helpers::Absent;
use imr_guest::ledger::{Ledger, LedgerEntry, Reconciled};
use imr_guest::state::{self, binary, F64Column, MechanismState};
use imr_guest::{MechanismError, Neuron};

/// The state format version this crate writes (3: binary, columns). Versions 2 (binary, per-uid maps) and 1
/// (canonical JSON) are still read.
pub const VERSION: u32 = 3;

/// Everything the mechanism remembers. Field order is the binary format: changing it needs a new [`VERSION`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct State {
    /// The last epoch scored, if any.
    pub last_epoch: Option<u64>,
    /// Per-uid records, reconciled against the metagraph every epoch.
    pub miners: Miners,
    /// Requests waiting for their resolution, by request id.
    pub pending: BTreeMap<String, Pending>,
}

impl MechanismState for State {
    const VERSION: u32 = VERSION;
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

/// Every miner's record, as columns: row `i` belongs to `uids[i]` (ascending, unique). The same records as a
/// [`Ledger`] of [`Miner`]s ([`Miners::to_ledger`]), kept in line with the metagraph the same way
/// ([`Miners::reconcile`]), without a map node and a string allocation per miner.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Miners {
    /// One uid per row, ascending.
    pub uids: Vec<u16>,
    /// [`Miner::ema`] per row.
    pub ema: F64Column,
    /// [`Miner::first_epoch`] per row.
    pub first_epoch: Vec<u64>,
    /// [`Miner::scored`] per row.
    pub scored: Vec<u64>,
    /// Every row's hotkey, one after the other.
    pub hotkeys: String,
    /// Where each row's hotkey ends in `hotkeys` (its start is the previous row's end).
    pub hotkey_ends: Vec<u32>,
}

impl Miners {
    /// The number of miners.
    pub fn len(&self) -> usize {
        self.uids.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.uids.is_empty()
    }

    /// The row of `uid`, if it has a record.
    pub fn row(&self, uid: u16) -> Option<usize> {
        self.uids.binary_search(&uid).ok()
    }

    /// Row `i`'s hotkey.
    pub fn hotkey(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.hotkey_ends[i - 1] as usize
        };
        &self.hotkeys[start..self.hotkey_ends[i] as usize]
    }

    /// The record of `uid`, if any (a copy).
    pub fn get(&self, uid: u16) -> Option<Miner> {
        self.row(uid).map(|i| Miner {
            ema: self.ema[i],
            first_epoch: self.first_epoch[i],
            hotkey: self.hotkey(i).to_string(),
            scored: self.scored[i],
        })
    }

    fn push(&mut self, uid: u16, ema: f64, first_epoch: u64, hotkey: &str, scored: u64) {
        self.uids.push(uid);
        self.ema.push(ema);
        self.first_epoch.push(first_epoch);
        self.scored.push(scored);
        self.hotkeys.push_str(hotkey);
        self.hotkey_ends.push(self.hotkeys.len() as u32);
    }

    /// The records as a ledger.
    pub fn to_ledger(&self) -> Ledger<Miner> {
        (0..self.len())
            .map(|i| {
                let m = Miner {
                    ema: self.ema[i],
                    first_epoch: self.first_epoch[i],
                    hotkey: self.hotkey(i).to_string(),
                    scored: self.scored[i],
                };
                (self.uids[i], m)
            })
            .collect()
    }

    /// The records of a ledger (ascending by uid, as a ledger iterates).
    pub fn from_ledger(ledger: &Ledger<Miner>) -> Self {
        let mut out = Self::default();
        for (&uid, m) in ledger {
            out.push(uid, m.ema, m.first_epoch, &m.hotkey, m.scored);
        }
        out
    }

    /// `(uid, ema)` per record, ascending by uid (as [`Ledger::column`]).
    pub fn ema_by_uid(&self) -> Vec<(u16, f64)> {
        self.uids
            .iter()
            .copied()
            .zip(self.ema.iter().copied())
            .collect()
    }

    /// `(uid, ema)` per neuron, in the neurons' order; a neuron without a record gets 0 (as
    /// [`Ledger::per_neuron`]).
    pub fn ema_per_neuron(&self, neurons: &[Neuron]) -> Vec<(u16, f64)> {
        let mut rows = RowCursor::new(&self.uids);
        neurons
            .iter()
            .map(|n| (n.uid, rows.row(n.uid).map_or(0.0, |i| self.ema[i])))
            .collect()
    }

    /// Brings the records in line with the metagraph exactly as [`Ledger::reconcile`] does with
    /// `fresh = Miner::new(hotkey, epoch)`: same records, same report, same error for a uid listed twice.
    pub fn reconcile(
        &mut self,
        neurons: &[Neuron],
        epoch: u64,
    ) -> Result<Reconciled, MechanismError> {
        let mut seen = vec![0u64; 1 << 10];
        for (index, n) in neurons.iter().enumerate() {
            let (word, bit) = (usize::from(n.uid) / 64, 1u64 << (n.uid % 64));
            if seen[word] & bit != 0 {
                return Err(MechanismError::InvalidInput(format!(
                    "neurons[{index}]: uid {} is listed twice",
                    n.uid
                )));
            }
            seen[word] |= bit;
        }
        let mut order: Vec<&Neuron> = neurons.iter().collect();
        if !neurons.windows(2).all(|w| w[0].uid < w[1].uid) {
            order.sort_by_key(|n| n.uid);
        }
        let mut report = Reconciled::default();
        let mut next = Self {
            hotkeys: String::with_capacity(self.hotkeys.len()),
            ..Self::default()
        };
        let mut i = 0;
        for n in order {
            while i < self.len() && self.uids[i] < n.uid {
                report.dropped.push(self.uids[i]);
                i += 1;
            }
            if i < self.len() && self.uids[i] == n.uid {
                if same_bytes(self.hotkey(i).as_bytes(), n.hotkey.as_bytes()) {
                    let (ema, first, scored) = (self.ema[i], self.first_epoch[i], self.scored[i]);
                    next.push(n.uid, ema, first, &n.hotkey, scored);
                } else {
                    next.push(n.uid, 0.0, epoch, &n.hotkey, 0);
                    report.replaced.push(n.uid);
                }
                i += 1;
            } else {
                next.push(n.uid, 0.0, epoch, &n.hotkey, 0);
                report.added.push(n.uid);
            }
        }
        report.dropped.extend_from_slice(&self.uids[i..]);
        *self = next;
        Ok(report)
    }

    /// Checks that the columns fit together (what a decoded state must satisfy before it is used).
    fn check(&self) -> Result<(), MechanismError> {
        let n = self.uids.len();
        let bad = |what: String| MechanismError::InvalidInput(format!("state.miners: {what}"));
        if self.ema.len() != n
            || self.first_epoch.len() != n
            || self.scored.len() != n
            || self.hotkey_ends.len() != n
        {
            return Err(bad(format!(
                "{n} uids but {} ema, {} first_epoch, {} scored and {} hotkey_ends",
                self.ema.len(),
                self.first_epoch.len(),
                self.scored.len(),
                self.hotkey_ends.len()
            )));
        }
        if let Some(w) = self.uids.windows(2).position(|w| w[0] >= w[1]) {
            return Err(bad(format!("uids are not ascending at row {}", w + 1)));
        }
        let mut start = 0u32;
        for (i, &end) in self.hotkey_ends.iter().enumerate() {
            if end < start
                || end as usize > self.hotkeys.len()
                || !self.hotkeys.is_char_boundary(end as usize)
            {
                return Err(bad(format!(
                    "hotkey_ends[{i}]: {end} does not end a hotkey"
                )));
            }
            start = end;
        }
        if start as usize != self.hotkeys.len() {
            return Err(bad("hotkeys: bytes after the last hotkey".into()));
        }
        Ok(())
    }
}

/// [`Subs::row`] / [`Miners::row`] for uids asked in ascending order: a cursor that moves forward through the
/// rows' ascending uids (the usual case: eligible miners and neurons come in uid order), else the binary search.
/// Rows' uids are ascending and unique (checked when the state is decoded), so both find the same row.
pub(crate) struct RowCursor<'a> {
    uids: &'a [u16],
    next: usize,
}

impl<'a> RowCursor<'a> {
    pub(crate) fn new(uids: &'a [u16]) -> Self {
        Self { uids, next: 0 }
    }

    pub(crate) fn row(&mut self, uid: u16) -> Option<usize> {
        // Every row before the cursor is below `uid`: the row is at or after it.
        if self.next == 0 || self.uids[self.next - 1] < uid {
            let rest = &self.uids[self.next..];
            let skip = rest.iter().take(8).take_while(|&&u| u < uid).count();
            if skip < 8 {
                let i = self.next + skip;
                let found = self.uids.get(i) == Some(&uid);
                self.next = i + usize::from(found);
                return found.then_some(i);
            }
        }
        match self.uids.binary_search(&uid) {
            Ok(i) => {
                self.next = i + 1;
                Some(i)
            }
            Err(i) => {
                self.next = i;
                None
            }
        }
    }
}

/// `a == b`, eight bytes at a time (in Wasm a slice comparison calls a `memcmp` that compares byte by byte; the
/// reconciliation compares 4096 hotkeys of 48 bytes every epoch).
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (wa, wb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tails_equal = wa.remainder().iter().eq(wb.remainder());
    let word = |c: &[u8]| u64::from_le_bytes(<[u8; 8]>::try_from(c).unwrap_or_default());
    tails_equal && wa.zip(wb).all(|(x, y)| word(x) == word(y))
}

/// [`Subs::parts`] in the binary format as one byte string: postcard writes a byte string as its length and the
/// bytes, exactly as it writes a `Vec<u8>` (the length, then each `u8` as one byte), so the state's bytes do not
/// change; it is read and written in one piece instead of byte by byte through serde. Human-readable formats keep
/// the sequence of numbers.
mod part_bytes {
    use std::fmt;

    use serde::de::{SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(parts: &[u8], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            parts.serialize(s)
        } else {
            s.serialize_bytes(parts)
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        if d.is_human_readable() {
            Vec::<u8>::deserialize(d)
        } else {
            d.deserialize_bytes(PartsVisitor)
        }
    }

    struct PartsVisitor;

    impl<'de> Visitor<'de> for PartsVisitor {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a byte string")
        }

        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut out = Vec::new();
            while let Some(b) = seq.next_element::<u8>()? {
                out.push(b);
            }
            Ok(out)
        }
    }
}

/// A request waiting for its resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// The last known price when it opened.
    pub base_price: f64,
    /// The block at which it opened.
    pub opened_block: u64,
    /// The epoch in which it opened.
    pub opened_epoch: u64,
    /// The usable parts of each miner's submission.
    pub subs: Subs,
}

/// Bit of [`Subs::parts`]: the row's points are stored.
pub const HAS_POINTS: u8 = 1;
/// Bit of [`Subs::parts`]: the row's intervals are stored.
pub const HAS_INTERVALS: u8 = 2;

/// The usable parts of the submissions to one request, as columns: row `i` belongs to `uids[i]` (ascending,
/// unique). Every stored part has `horizon` steps (the task's horizon when the request opened); a part that was
/// invalid is not stored (its bit in `parts` is clear and its slots hold zeros).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Subs {
    /// Steps per part.
    pub horizon: u64,
    /// One uid per row, ascending.
    pub uids: Vec<u16>,
    /// Per row, [`HAS_POINTS`] | [`HAS_INTERVALS`].
    #[serde(with = "part_bytes")]
    pub parts: Vec<u8>,
    /// `horizon` point forecasts per row, each > 0.
    pub points: F64Column,
    /// `2·horizon` values per row: `lo, hi` per step, `0 < lo ≤ hi`.
    pub intervals: F64Column,
}

impl Subs {
    /// No submissions yet, for parts of `horizon` steps.
    pub fn new(horizon: u64) -> Self {
        Self {
            horizon,
            ..Self::default()
        }
    }

    /// The number of rows (uids with a stored part).
    pub fn len(&self) -> usize {
        self.uids.len()
    }

    /// Whether no uid has a stored part.
    pub fn is_empty(&self) -> bool {
        self.uids.is_empty()
    }

    fn h(&self) -> usize {
        self.horizon as usize
    }

    /// The row of `uid`, if it has one.
    pub fn row(&self, uid: u16) -> Option<usize> {
        self.uids.binary_search(&uid).ok()
    }

    /// Row `i`'s points, if stored.
    pub fn points(&self, i: usize) -> Option<&[f64]> {
        let h = self.h();
        (self.parts[i] & HAS_POINTS != 0).then(|| &self.points[i * h..(i + 1) * h])
    }

    /// Row `i`'s intervals (`lo, hi` per step, flat), if stored.
    pub fn intervals(&self, i: usize) -> Option<&[f64]> {
        let h = self.h();
        (self.parts[i] & HAS_INTERVALS != 0).then(|| &self.intervals[2 * i * h..2 * (i + 1) * h])
    }

    /// Stores `uid`'s parts (replacing a row it had). `points` must have `horizon` values and `intervals`
    /// `horizon` pairs; a part that is `None` is not stored. Rows stay ascending by uid (appending is the fast
    /// path: responses arrive in uid order).
    pub fn insert(
        &mut self,
        uid: u16,
        points: Option<&[f64]>,
        intervals: Option<&[[f64; 2]]>,
    ) -> Result<(), MechanismError> {
        let h = self.h();
        if points.is_some_and(|p| p.len() != h) || intervals.is_some_and(|iv| iv.len() != h) {
            return Err(MechanismError::Failed(format!(
                "uid {uid}: a stored part does not have the request's {h} steps"
            )));
        }
        let parts = (u8::from(points.is_some()) * HAS_POINTS)
            | (u8::from(intervals.is_some()) * HAS_INTERVALS);
        // Responses come in uid order: a uid above the last row is appended without a search.
        let above_last = self.uids.last().is_none_or(|&last| last < uid);
        let found = if above_last {
            Err(self.uids.len())
        } else {
            self.uids.binary_search(&uid)
        };
        let i = match found {
            Ok(i) => {
                self.parts[i] = parts;
                i
            }
            Err(i) => {
                let append = i == self.uids.len();
                self.uids.insert(i, uid);
                self.parts.insert(i, parts);
                if append {
                    // The usual case (responses come in uid order): the values go straight to the end.
                    match points {
                        Some(v) => self.points.extend_from_slice(v),
                        None => self.points.extend(std::iter::repeat_n(0.0, h)),
                    }
                    match intervals {
                        Some(v) => self.intervals.extend_from_slice(v.as_flattened()),
                        None => self.intervals.extend(std::iter::repeat_n(0.0, 2 * h)),
                    }
                    return Ok(());
                }
                self.points
                    .splice(i * h..i * h, std::iter::repeat_n(0.0, h));
                self.intervals
                    .splice(2 * i * h..2 * i * h, std::iter::repeat_n(0.0, 2 * h));
                i
            }
        };
        let p = &mut self.points[i * h..(i + 1) * h];
        match points {
            Some(v) => p.copy_from_slice(v),
            None => p.fill(0.0),
        }
        let iv = &mut self.intervals[2 * i * h..2 * (i + 1) * h];
        match intervals {
            Some(v) => {
                for (dst, src) in iv.chunks_exact_mut(2).zip(v) {
                    dst.copy_from_slice(src);
                }
            }
            None => iv.fill(0.0),
        }
        Ok(())
    }

    /// Checks that the columns fit together (what a decoded state must satisfy before it is used).
    fn check(&self, id: &str) -> Result<(), MechanismError> {
        let n = self.uids.len();
        let bad =
            |what: String| MechanismError::InvalidInput(format!("state.pending.{id}.subs: {what}"));
        if self.horizon > crate::input::MAX_HORIZON as u64 {
            return Err(bad(format!(
                "horizon {} is over {}",
                self.horizon,
                crate::input::MAX_HORIZON
            )));
        }
        let h = self.h();
        if self.parts.len() != n || self.points.len() != n * h || self.intervals.len() != 2 * n * h
        {
            return Err(bad(format!(
                "{n} uids but {} parts, {} points and {} interval values (horizon {h})",
                self.parts.len(),
                self.points.len(),
                self.intervals.len()
            )));
        }
        if let Some(w) = self.uids.windows(2).position(|w| w[0] >= w[1]) {
            return Err(bad(format!("uids are not ascending at row {}", w + 1)));
        }
        if let Some(i) = self
            .parts
            .iter()
            .position(|&p| p > HAS_POINTS | HAS_INTERVALS)
        {
            return Err(bad(format!(
                "parts[{i}]: {} is not a set of part bits",
                self.parts[i]
            )));
        }
        Ok(())
    }
}

/// The state layouts before version 3, read for migration only.
pub mod legacy {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use imr_guest::ledger::Ledger;

    use super::Miner;

    /// The version-2 state (binary, per-uid maps).
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    pub struct StateV2 {
        /// The last epoch scored, if any.
        pub last_epoch: Option<u64>,
        /// Per-uid records.
        pub miners: Ledger<Miner>,
        /// Requests waiting for their resolution, by request id.
        pub pending: BTreeMap<String, Pending>,
    }

    /// The version-1 state: canonical JSON with a `version` field.
    #[derive(Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub(super) struct StateV1 {
        pub(super) last_epoch: Option<u64>,
        pub(super) miners: Ledger<Miner>,
        pub(super) pending: BTreeMap<String, Pending>,
        pub(super) version: u32,
    }

    /// A pending request before version 3.
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

    /// The usable parts of one submission before version 3: an invalid part is stored as `null`.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Sub {
        /// `horizon` intervals `[lo, hi]`.
        pub intervals: Option<Vec<[f64; 2]>>,
        /// `horizon` point forecasts.
        pub points: Option<Vec<f64>>,
    }
}

impl Pending {
    /// A version-3 request from a request of an older state. Its parts must all have one length (they were
    /// checked against one horizon when the request opened).
    fn migrate(id: &str, old: legacy::Pending) -> Result<Self, MechanismError> {
        let horizon = old
            .subs
            .values()
            .find_map(|s| {
                s.points
                    .as_ref()
                    .map(Vec::len)
                    .or(s.intervals.as_ref().map(Vec::len))
            })
            .unwrap_or(0);
        let mut subs = Subs::new(horizon as u64);
        for (uid, s) in &old.subs {
            if s.points.as_ref().is_some_and(|p| p.len() != horizon)
                || s.intervals.as_ref().is_some_and(|iv| iv.len() != horizon)
            {
                return Err(MechanismError::InvalidInput(format!(
                    "state.pending.{id}.subs.{uid}: its parts do not have the request's {horizon} steps"
                )));
            }
            if s.points.is_some() || s.intervals.is_some() {
                subs.insert(*uid, s.points.as_deref(), s.intervals.as_deref())?;
            }
        }
        Ok(Self {
            base_price: old.base_price,
            opened_block: old.opened_block,
            opened_epoch: old.opened_epoch,
            subs,
        })
    }
}

impl State {
    /// The binary encoding of the state. `capacity` is a hint (the previous state's size avoids regrowing).
    pub fn encode(&self, capacity: usize) -> Result<Vec<u8>, MechanismError> {
        binary::encode_with_capacity(self, VERSION, capacity)
    }

    /// Decodes the previous state: empty bytes give a fresh state; a binary state must be [`VERSION`] or 2
    /// (migrated); a JSON state must be version 1 (migrated).
    pub fn decode(bytes: &[u8]) -> Result<Self, MechanismError> {
        if bytes.is_empty() {
            return Ok(Self::default());
        }
        if let Some(h) = binary::header(bytes) {
            if h.version == 2 {
                let v2: legacy::StateV2 = binary::decode(bytes, 2)?;
                return Self::migrate(v2.last_epoch, v2.miners, v2.pending);
            }
            let s: Self = state::load(bytes)?;
            s.miners.check()?;
            for (id, p) in &s.pending {
                p.subs.check(id)?;
            }
            return Ok(s);
        }
        let v1: legacy::StateV1 = match serde_json::from_slice(bytes) {
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
        Self::migrate(v1.last_epoch, v1.miners, v1.pending)
    }

    fn migrate(
        last_epoch: Option<u64>,
        miners: Ledger<Miner>,
        pending: BTreeMap<String, legacy::Pending>,
    ) -> Result<Self, MechanismError> {
        let pending = pending
            .into_iter()
            .map(|(id, p)| Pending::migrate(&id, p).map(|p| (id, p)))
            .collect::<Result<_, _>>()?;
        Ok(State {
            last_epoch,
            miners: Miners::from_ledger(&miners),
            pending,
        })
    }

    /// Brings `miners` in line with the metagraph ([`Miners::reconcile`], as [`Ledger::reconcile`]): a changed
    /// hotkey or a new uid starts at 0 with `first_epoch = epoch`; uids that are gone are dropped.
    pub fn reconcile(
        &mut self,
        neurons: &[Neuron],
        epoch: u64,
    ) -> Result<Reconciled, MechanismError> {
        self.miners.reconcile(neurons, epoch)
    }

    /// Applies one resolution's rewards: an EMA step (α) for the scored uids only (every other miner is held),
    /// and counts the resolution in `scored`.
    ///
    /// This is [`Ledger::update_ema`] with [`Absent::Hold`] (`imr_guest::helpers::ema_update` with
    /// `const_decay = 0`): a rewarded miner's EMA becomes `max(α·x + (1−α)·s − 0, 0)`, the same operations in the
    /// same order. When the rewards are finite and strictly ascending by uid (always, from [`crate::resolve`]) it
    /// is computed in one pass over the ledger; anything else goes through `Ledger::update_ema` and its errors.
    pub fn apply_rewards(
        &mut self,
        rewards: &[(u16, f64)],
        alpha: f64,
    ) -> Result<(), MechanismError> {
        let fast = (0.0..=1.0).contains(&alpha)
            && rewards.iter().all(|(_, x)| x.is_finite())
            && rewards.windows(2).all(|w| w[0].0 < w[1].0);
        if !fast {
            let mut ledger = self.miners.to_ledger();
            let scored = ledger.update_ema(rewards, alpha, Absent::Hold, |m| &mut m.ema)?;
            for uid in scored {
                if let Some(m) = ledger.get_mut(&uid) {
                    m.scored += 1;
                }
            }
            self.miners = Miners::from_ledger(&ledger);
            return Ok(());
        }
        let const_decay = 0.0;
        let m = &mut self.miners;
        let mut next = rewards.iter().peekable();
        for i in 0..m.uids.len() {
            let uid = m.uids[i];
            while next.next_if(|(u, _)| *u < uid).is_some() {}
            if let Some(&(_, x)) = next.next_if(|(u, _)| *u == uid) {
                let s = alpha * x + (1.0 - alpha) * m.ema[i];
                m.ema[i] = (s - const_decay).max(0.0);
                m.scored[i] += 1;
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
                .contains("schema version 1 is not supported (expected 3)"),
            "{e}"
        );
        let e = State::decode(b"\x07garbage").expect_err("garbage");
        assert!(e.to_string().contains("not the binary state format"), "{e}");
    }

    /// The same content in the version-2 layout and in the current one.
    fn sample() -> (legacy::StateV2, State) {
        let mut s = State::decode(&[]).expect("fresh");
        s.reconcile(&[neuron(2, "b"), neuron(10, "k")], 3)
            .expect("reconcile");
        s.apply_rewards(&[(2, 0.1), (10, 1.0 / 3.0)], 0.05)
            .expect("ema");
        s.last_epoch = Some(4);
        let old = legacy::StateV2 {
            last_epoch: s.last_epoch,
            miners: s.miners.to_ledger(),
            pending: BTreeMap::from([(
                "r0004".to_string(),
                legacy::Pending {
                    base_price: 41234.56,
                    opened_block: 1200,
                    opened_epoch: 4,
                    subs: BTreeMap::from([
                        (
                            10,
                            legacy::Sub {
                                intervals: Some(vec![[1.0, 2.5]]),
                                points: None,
                            },
                        ),
                        (
                            2,
                            legacy::Sub {
                                intervals: None,
                                points: Some(vec![0.1 + 0.2]),
                            },
                        ),
                    ]),
                },
            )]),
        };
        let mut subs = Subs::new(1);
        subs.insert(10, None, Some(&[[1.0, 2.5]])).expect("insert");
        subs.insert(2, Some(&[0.1 + 0.2]), None).expect("insert");
        s.pending.insert(
            "r0004".into(),
            Pending {
                base_price: 41234.56,
                opened_block: 1200,
                opened_epoch: 4,
                subs,
            },
        );
        (old, s)
    }

    #[test]
    fn binary_round_trip_is_bit_exact_and_tagged() {
        let (_, s) = sample();
        let bytes = s.encode(0).expect("encode");
        assert_eq!(
            imr_guest::state::summarize(&bytes).to_string(),
            format!(
                "binary state: format 0x01 (postcard 1.x), version 3, {} bytes (9 header + {} body)",
                bytes.len(),
                bytes.len() - 9
            )
        );
        assert_eq!(State::decode(&bytes).expect("decode"), s);
        assert_eq!(imr_guest::state::save(&s).expect("save"), bytes);
    }

    /// `Subs` as version 3 wrote it before `parts` became a byte string: the same fields, `parts` a plain vector.
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct PlainSubs {
        horizon: u64,
        uids: Vec<u16>,
        parts: Vec<u8>,
        points: F64Column,
        intervals: F64Column,
    }

    #[test]
    fn parts_as_a_byte_string_keep_the_state_bytes() {
        let mut rng = imr_guest::Rng::from_seed(&[3; 32]);
        for n in [0usize, 1, 2, 127, 128, 300, 5000] {
            let mut subs = Subs::new(1);
            for uid in 0..n as u16 {
                let p = [1.0 + f64::from(uid)];
                let iv = [[0.5, 2.0 + f64::from(uid)]];
                let (points, intervals) = match rng.next_u64() % 4 {
                    0 => (Some(&p[..]), None),
                    1 => (None, Some(&iv[..])),
                    _ => (Some(&p[..]), Some(&iv[..])),
                };
                subs.insert(uid, points, intervals).expect("insert");
            }
            let plain = PlainSubs {
                horizon: subs.horizon,
                uids: subs.uids.clone(),
                parts: subs.parts.clone(),
                points: subs.points.clone(),
                intervals: subs.intervals.clone(),
            };
            let new = binary::encode(&subs, VERSION).expect("encode");
            assert_eq!(new, binary::encode(&plain, VERSION).expect("plain"), "{n}");
            let back: Subs = binary::decode(&new, VERSION).expect("decode");
            assert_eq!(back, subs);
            let back: PlainSubs = binary::decode(&new, VERSION).expect("decode plain");
            assert_eq!(back, plain);
        }
        // A human-readable form keeps the numbers.
        let mut subs = Subs::new(1);
        subs.insert(4, Some(&[1.0]), None).expect("insert");
        let json = serde_json::to_string(&subs).expect("json");
        assert!(json.contains(r#""parts":[1]"#), "{json}");
        assert_eq!(
            serde_json::from_str::<Subs>(&json).expect("from json"),
            subs
        );
    }

    #[test]
    fn same_bytes_is_slice_equality() {
        let mut rng = imr_guest::Rng::from_seed(&[2; 32]);
        for _ in 0..20_000 {
            let len = (rng.next_u64() % 40) as usize;
            let a: Vec<u8> = (0..len).map(|_| (rng.next_u64() % 3) as u8).collect();
            let mut b = a.clone();
            match rng.next_u64() % 4 {
                0 => {}
                1 if len > 0 => {
                    let at = (rng.next_u64() % len as u64) as usize;
                    b[at] ^= 1 + (rng.next_u64() % 2) as u8;
                }
                2 => b.push(0),
                _ => b = (0..len).map(|_| (rng.next_u64() % 3) as u8).collect(),
            }
            assert_eq!(same_bytes(&a, &b), a == b, "{a:?} {b:?}");
        }
    }

    #[test]
    fn columns_keep_rows_ascending_and_parts_apart() {
        let (_, s) = sample();
        let subs = &s.pending["r0004"].subs;
        assert_eq!(subs.uids, vec![2, 10]);
        assert_eq!(subs.points(0), Some(&[0.1 + 0.2][..]));
        assert_eq!(subs.intervals(0), None);
        assert_eq!(subs.points(1), None);
        assert_eq!(subs.intervals(1), Some(&[1.0, 2.5][..]));
        assert_eq!(subs.row(10), Some(1));
        assert_eq!(subs.row(3), None);
        let mut subs = subs.clone();
        subs.insert(5, Some(&[7.0]), Some(&[[6.0, 8.0]]))
            .expect("insert");
        subs.insert(2, None, Some(&[[0.2, 0.4]])).expect("replace");
        assert_eq!(subs.uids, vec![2, 5, 10]);
        assert_eq!(subs.points.0, vec![0.0, 7.0, 0.0]);
        assert_eq!(subs.intervals.0, vec![0.2, 0.4, 6.0, 8.0, 1.0, 2.5]);
        assert!(subs.insert(1, Some(&[1.0, 2.0]), None).is_err());
        // Appended rows (the values go straight to the end) read like inserted ones.
        subs.insert(20, Some(&[9.0]), None).expect("append");
        subs.insert(30, None, Some(&[[3.0, 4.0]])).expect("append");
        assert_eq!(subs.uids, vec![2, 5, 10, 20, 30]);
        assert_eq!(subs.points.0, vec![0.0, 7.0, 0.0, 9.0, 0.0]);
        assert_eq!(
            subs.intervals.0,
            vec![0.2, 0.4, 6.0, 8.0, 1.0, 2.5, 0.0, 0.0, 3.0, 4.0]
        );
        assert_eq!(subs.points(3), Some(&[9.0][..]));
        assert_eq!((subs.intervals(3), subs.points(4)), (None, None));
        assert_eq!(subs.intervals(4), Some(&[3.0, 4.0][..]));
    }

    #[test]
    fn inconsistent_columns_are_refused() {
        let (_, mut s) = sample();
        s.pending
            .get_mut("r0004")
            .expect("pending")
            .subs
            .points
            .push(1.0);
        let e = State::decode(&s.encode(0).expect("encode")).expect_err("bad columns");
        assert!(
            e.to_string().contains("state.pending.r0004.subs: 2 uids"),
            "{e}"
        );
        let (_, mut s) = sample();
        s.pending.get_mut("r0004").expect("pending").subs.uids = vec![10, 2];
        let e = State::decode(&s.encode(0).expect("encode")).expect_err("order");
        assert!(e.to_string().contains("not ascending"), "{e}");
    }

    #[test]
    fn version_2_and_version_1_states_are_migrated() {
        let (old, s) = sample();
        let v2 = binary::encode(&old, 2).expect("v2");
        assert_eq!(State::decode(&v2).expect("migrate v2"), s);
        // Version 1 as the first release wrote it: canonical JSON with decimal uid keys and a version field.
        let mut v1 = serde_json::to_value(&old).expect("value");
        v1["version"] = 1.into();
        let v1 = imr_guest::canonical_json(&v1).expect("canonical");
        let text = String::from_utf8(v1.clone()).expect("utf8");
        assert!(text.contains(r#""miners":{"10":{"ema":"#), "{text}");
        assert_eq!(State::decode(&v1).expect("migrate v1"), s);
        // Parts of different lengths cannot be one request's columns.
        let mut bad = old.clone();
        let p = bad.pending.get_mut("r0004").expect("pending");
        p.subs.get_mut(&2).expect("uid 2").points = Some(vec![1.0, 2.0]);
        let e = State::decode(&binary::encode(&bad, 2).expect("v2")).expect_err("lengths");
        assert!(
            e.to_string()
                .contains("state.pending.r0004.subs.10: its parts"),
            "{e}"
        );
    }

    #[test]
    fn hotkey_change_resets_and_ema_touches_only_scored_uids() {
        let mut s = State::decode(&[]).expect("fresh");
        s.reconcile(&[neuron(1, "a"), neuron(2, "b"), neuron(3, "c")], 0)
            .expect("reconcile");
        // α = 0.5: uid 1 gets 1.0 → 0.5, uid 2 gets 0 → 0; uid 3 not scored: held.
        s.apply_rewards(&[(1, 1.0), (2, 0.0)], 0.5).expect("ema");
        s.apply_rewards(&[(1, 1.0)], 0.5).expect("ema");
        assert_eq!(s.miners.get(1).expect("miner").ema, 0.75);
        assert_eq!(s.miners.get(1).expect("miner").scored, 2);
        assert_eq!(s.miners.get(2).expect("miner").scored, 1);
        assert_eq!(s.miners.get(3).expect("miner").scored, 0);
        let r = s
            .reconcile(&[neuron(1, "a2"), neuron(3, "c")], 7)
            .expect("reconcile");
        assert_eq!((r.replaced, r.dropped), (vec![1], vec![2]));
        assert_eq!(s.miners.get(1).expect("miner").ema, 0.0);
        assert_eq!(s.miners.get(1).expect("miner").first_epoch, 7);
        assert_eq!(s.miners.get(3).expect("miner").first_epoch, 0);
    }

    /// The one-pass EMA equals `Ledger::update_ema` bit for bit, whichever uids are rewarded or registered.
    #[test]
    fn one_pass_ema_equals_the_ledger_helper() {
        let mut rng = imr_guest::Rng::from_seed(&[7; 32]);
        for round in 0..200 {
            let mut fast = State::default();
            let neurons: Vec<Neuron> = (0..40u16)
                .filter(|_| !rng.next_u64().is_multiple_of(3))
                .map(|uid| neuron(uid, "h"))
                .collect();
            fast.reconcile(&neurons, 0).expect("reconcile");
            for e in fast.miners.ema.iter_mut() {
                *e = (rng.next_u64() % 1000) as f64 / 997.0;
            }
            let mut slow = fast.miners.to_ledger();
            let alpha = [0.05, 1.0, 0.3, 0.0][round % 4];
            let mut rewards: Vec<(u16, f64)> = Vec::new();
            for uid in 0..45u16 {
                if rng.next_u64().is_multiple_of(2) {
                    rewards.push((uid, (rng.next_u64() % 1000) as f64 / 999.0));
                }
            }
            fast.apply_rewards(&rewards, alpha).expect("fast");
            let scored = slow
                .update_ema(&rewards, alpha, Absent::Hold, |m| &mut m.ema)
                .expect("ledger");
            for uid in scored {
                slow.get_mut(&uid).expect("miner").scored += 1;
            }
            let fast = fast.miners.to_ledger();
            for ((u, a), (_, b)) in fast.iter().zip(slow.iter()) {
                assert_eq!(a.ema.to_bits(), b.ema.to_bits(), "round {round} uid {u}");
                assert_eq!(a.scored, b.scored, "round {round} uid {u}");
            }
            assert_eq!(fast.len(), slow.len());
        }
    }

    /// Columns reconcile exactly as the SDK's ledger: records, report and the duplicate-uid error.
    #[test]
    fn column_reconcile_equals_the_ledger() {
        let mut rng = imr_guest::Rng::from_seed(&[9; 32]);
        let mut miners = Miners::default();
        let mut ledger: Ledger<Miner> = Ledger::new();
        for epoch in 0..300u64 {
            let mut neurons: Vec<Neuron> = Vec::new();
            for uid in 0..60u16 {
                if !rng.next_u64().is_multiple_of(4) {
                    let hk = format!("hk{}-{}", uid, rng.next_u64() % 3);
                    neurons.push(neuron(uid, &hk));
                }
            }
            if epoch % 7 == 3 {
                // Not in uid order.
                neurons.reverse();
            }
            if epoch % 11 == 5 && neurons.len() > 2 {
                let twin = neurons[0].clone();
                neurons.push(twin);
            }
            let a = miners.reconcile(&neurons, epoch);
            let b = ledger.reconcile(&neurons, |_, hk| Miner::new(hk, epoch));
            assert_eq!(a, b, "epoch {epoch}");
            for e in miners.ema.iter_mut() {
                *e += 0.25;
            }
            for (_, m) in ledger.iter_mut() {
                m.ema += 0.25;
            }
            assert_eq!(miners.to_ledger(), ledger, "epoch {epoch}");
            assert_eq!(Miners::from_ledger(&ledger), miners, "epoch {epoch}");
        }
    }

    #[test]
    fn inconsistent_miner_columns_are_refused() {
        let (_, mut s) = sample();
        s.miners.hotkey_ends[0] = 100;
        let e = State::decode(&s.encode(0).expect("encode")).expect_err("bad ends");
        assert!(
            e.to_string().contains("state.miners: hotkey_ends[0]"),
            "{e}"
        );
        let (_, mut s) = sample();
        s.miners.scored.pop();
        let e = State::decode(&s.encode(0).expect("encode")).expect_err("bad lengths");
        assert!(e.to_string().contains("state.miners: 2 uids"), "{e}");
    }
}
