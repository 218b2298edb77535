//! # The time-series example mechanism
//!
//! Price point and interval forecasts, scored when the truth arrives (spec/scoring-helpers.md §3.1, the
//! `ts-forecast` module: Precog + TSPS + Synth).
//!
//! Each epoch's `task` opens requests (`request_id`, `base_price`, `opened_block`) and resolves earlier ones
//! (`realized`: `horizon` values). Miners answer an open request with a payload
//! `{"request_id", "points": [horizon numbers], "intervals": [[lo, hi] × horizon]}`; the usable parts are kept in
//! the state until the request resolves. Then every miner registered (with its current hotkey) when the request
//! opened is scored: MAPE of the points, the scale-free interval score of the intervals (`+inf` when missing or
//! invalid), each turned into a reward by Precog's tie-averaged `0.8^position` decay (invalid → 0), averaged,
//! divided by the best, and zeroed for the newer of two identical point forecasts. The rewards feed a per-miner
//! EMA (α = 0.05) that only moves when the miner is scored; the weights are the normalized EMA, capped, with an
//! optional burn to the owner uid.
//!
//! ```
//! use imr_example_time_series::TimeSeries;
//! use imr_guest::Mechanism;
//! let epoch = imr_guest::epoch_file::parse(br#"{
//!   "netuid": 7, "block": 1000, "seed": "0000000000000000000000000000000000000000000000000000000000000000",
//!   "neurons": [{"uid": 0, "hotkey": "owner", "registered_at_block": 0},
//!               {"uid": 1, "hotkey": "m1", "registered_at_block": 0}],
//!   "task": {"epoch": 0, "asset": "X", "horizon": 1,
//!            "open_requests": [{"request_id": "r0", "base_price": 100, "opened_block": 1000}], "resolutions": []},
//!   "responses": [{"uid": 1, "payload": {"request_id": "r0", "points": [101], "intervals": [[95, 105]]}}]
//! }"#).unwrap();
//! let first = TimeSeries::score(&epoch, &[]).unwrap();
//! // Nothing resolved yet: all weight to the burn uid (0).
//! assert_eq!(first.score_map()[&0], 1.0);
//! ```

mod canon;
pub mod input;
pub mod payload;
pub mod scoring;
pub mod state;
pub mod validity;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use imr_guest::shaping::Shaping;
use imr_guest::{export_mechanism, log, Epoch, Mechanism, MechanismError, Outcome};

use crate::input::{Params, Submission, Task};
use crate::scoring::{Eligible, RequestScore};
use crate::state::{Pending, State, Subs};

/// The time-series forecasting mechanism.
pub struct TimeSeries;

export_mechanism!(TimeSeries);

/// Above this many neurons the diagnostics summarize their per-miner detail: each resolved request's `miners` map
/// becomes a `summary` (counts and the [`scoring::SUMMARY_TOP`] best miners with their detail), and the `ema` map
/// becomes the top-level `summary` (the miners with the highest EMAs). Writing 4096 miners × 5 numbers as JSON was
/// a tenth of the 4096-miner epoch in Wasm; the weights and the state do not depend on it.
pub const DETAIL_MAX_MINERS: usize = 256;

/// What the mechanism reports about one epoch (the outcome's `diagnostics`).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Diagnostics {
    /// Uids that appeared in the metagraph.
    pub added: Vec<u16>,
    /// Uids that left the metagraph.
    pub dropped: Vec<u16>,
    /// Every miner's EMA after this epoch, ascending by uid (written as a uid-keyed map); `None` above
    /// [`DETAIL_MAX_MINERS`] neurons (see `summary`).
    #[serde(
        serialize_with = "crate::canon::uid_pairs_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub ema: Option<Vec<(u16, f64)>>,
    /// `task.epoch`.
    pub epoch: u64,
    /// Responses that were ignored, and why.
    pub ignored: Vec<String>,
    /// Per uid, the parts of its submissions that were refused and why.
    #[serde(serialize_with = "crate::canon::uid_map")]
    pub invalid: BTreeMap<u16, Vec<String>>,
    /// Requests opened in this epoch: the uids whose submission was stored.
    pub opened: BTreeMap<String, Vec<u16>>,
    /// Pending requests dropped unscored because they grew older than `max_pending`.
    pub pruned: Vec<String>,
    /// Uids whose hotkey changed (their record restarted at 0).
    pub replaced: Vec<u16>,
    /// Requests scored in this epoch, by request id.
    pub resolved: BTreeMap<String, RequestScore>,
    /// Above [`DETAIL_MAX_MINERS`] neurons, in place of `ema`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    /// Resolutions for requests that were not pending (never opened, already resolved, or pruned).
    pub unknown_resolutions: Vec<String>,
}

/// The diagnostics' per-miner EMAs in short (above [`DETAIL_MAX_MINERS`] neurons).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The number of neurons above which the diagnostics summarize.
    pub detail_max_miners: usize,
    /// Miners with a record.
    pub miners: usize,
    /// The [`scoring::SUMMARY_TOP`] highest EMAs (on equal EMAs the lower uid), as a uid-keyed map.
    #[serde(serialize_with = "crate::canon::uid_pairs")]
    pub top_ema: Vec<(u16, f64)>,
}

fn invalid_input(msg: String) -> MechanismError {
    MechanismError::InvalidInput(msg)
}

impl Mechanism for TimeSeries {
    fn score(epoch: &Epoch, state: &[u8]) -> Result<Outcome, MechanismError> {
        score_with_detail_limit(epoch, state, DETAIL_MAX_MINERS)
    }
}

/// [`TimeSeries::score`] with per-miner detail in the diagnostics up to `detail_max_miners` neurons (tests use
/// other limits than [`DETAIL_MAX_MINERS`]: the weights and the state must not depend on it).
fn score_with_detail_limit(
    epoch: &Epoch,
    state: &[u8],
    detail_max_miners: usize,
) -> Result<Outcome, MechanismError> {
    let params: Params = epoch.params()?;
    params.validate()?;
    let task: Task = epoch.task()?;
    task.validate()?;
    // The new state is about the size of the previous one: allocate once.
    let capacity = state.len() + state.len() / 8 + 256;
    let mut state = State::decode(state)?;
    if let Some(last) = state.last_epoch {
        if task.epoch <= last {
            return Err(invalid_input(format!(
                "task.epoch: {} is not after state.last_epoch {last}",
                task.epoch
            )));
        }
    }
    let mut diag = Diagnostics {
        epoch: task.epoch,
        ..Diagnostics::default()
    };

    let report = state.reconcile(&epoch.neurons, task.epoch)?;
    diag.replaced = report.replaced;
    diag.added = report.added;
    diag.dropped = report.dropped;

    resolve(epoch, &task, &params, &mut state, &mut diag)?;
    open(epoch, &task, &mut state, &mut diag)?;

    let max_pending = params.max_pending(task.horizon);
    let stale: Vec<String> = state
        .pending
        .iter()
        .filter(|(_, p)| task.epoch.saturating_sub(p.opened_epoch) > max_pending)
        .map(|(id, _)| id.clone())
        .collect();
    for id in &stale {
        state.pending.remove(id);
    }
    diag.pruned = stale;
    state.last_epoch = Some(task.epoch);
    let emas = state.miners.ema_by_uid();
    if epoch.neurons.len() > detail_max_miners {
        diag.summary = Some(Summary {
            detail_max_miners,
            miners: emas.len(),
            top_ema: scoring::top_by(&emas, scoring::SUMMARY_TOP, |&e| e),
        });
        for scored in diag.resolved.values_mut() {
            scored.summarize();
        }
    } else {
        diag.ema = Some(emas);
    }

    // Normalized EMA, capped, with the burn (everything to `burn_uid` while no miner has earned).
    let weights = Shaping::new()
        .normalize()
        .cap(params.max_weight)
        .burn(params.burn_uid, params.burn_frac)
        .apply(&epoch.neurons, &state.miners.ema_per_neuron(&epoch.neurons))?;
    log::info(&format!(
        "epoch {}: resolved {}, opened {}, invalid from {} uid(s), {} pending",
        task.epoch,
        diag.resolved.len(),
        diag.opened.len(),
        diag.invalid.len(),
        state.pending.len()
    ));
    let mut outcome = Outcome::new(weights);
    outcome.state = state.encode(capacity)?;
    outcome.diagnostics = canon::encode(&diag, "diagnostics")?;
    Ok(outcome)
}

/// Scores every resolution whose request is pending, in `request_id` order, and updates the EMAs.
fn resolve(
    epoch: &Epoch,
    task: &Task,
    params: &Params,
    state: &mut State,
    diag: &mut Diagnostics,
) -> Result<(), MechanismError> {
    let mut resolutions: Vec<_> = task.resolutions.iter().collect();
    resolutions.sort_by(|a, b| a.request_id.cmp(&b.request_id));
    for res in resolutions {
        let Some(pending) = state.pending.remove(&res.request_id) else {
            log::warn(&format!(
                "resolution for {:?}, which is not pending: ignored",
                res.request_id
            ));
            diag.unknown_resolutions.push(res.request_id.clone());
            continue;
        };
        let eligible: Vec<Eligible> = epoch
            .neurons
            .iter()
            .filter(|n| n.registered_at_block <= pending.opened_block)
            .map(|n| Eligible {
                uid: n.uid,
                registered_at_block: n.registered_at_block,
            })
            .collect();
        let scored = scoring::score_request(&pending, &res.realized, &eligible, params)?;
        state.apply_rewards(&scored.rewards(), params.alpha)?;
        diag.resolved.insert(res.request_id.clone(), scored);
    }
    Ok(())
}

/// Opens this epoch's requests and stores the usable parts of each response.
fn open(
    epoch: &Epoch,
    task: &Task,
    state: &mut State,
    diag: &mut Diagnostics,
) -> Result<(), MechanismError> {
    let mut opened: BTreeMap<&str, Pending> = BTreeMap::new();
    for (i, r) in task.open_requests.iter().enumerate() {
        if state.pending.contains_key(&r.request_id) {
            return Err(invalid_input(format!(
                "task.open_requests[{i}].request_id: {:?} is already pending",
                r.request_id
            )));
        }
        opened.insert(
            &r.request_id,
            Pending {
                base_price: r.base_price,
                opened_block: r.opened_block,
                opened_epoch: task.epoch,
                subs: Subs::new(task.horizon),
            },
        );
    }
    // Per opened request (in `opened`'s order), one bit per uid that answered it.
    let mut answered: Vec<Vec<u64>> = vec![vec![0; 1 << 10]; opened.len()];
    // The usual form is read into `scratch`, reusing its buffers from one payload to the next.
    let mut scratch = Submission {
        request_id: String::new(),
        points: None,
        intervals: None,
        error: None,
    };
    let mut neurons = NeuronLookup::new(&epoch.neurons);
    for resp in &epoch.responses {
        let uid = resp.uid;
        // The usual form in one pass ([`payload`]); otherwise serde_json, first without path tracking, and on
        // failure again for an error that names the field.
        let slow: Option<Result<Submission, String>> =
            (!payload::parse_into(&resp.payload, &mut scratch)).then(|| {
                serde_json::from_slice::<Submission>(&resp.payload)
                    .or_else(|_| resp.payload::<Submission>().map_err(|e| e.to_string()))
            });
        let (sub, decode_error): (Option<&Submission>, Option<String>) = match &slow {
            None => (Some(&scratch), None),
            Some(Ok(s)) => (Some(s), None),
            Some(Err(e)) => (None, Some(e.clone())),
        };
        // A payload that does not decode still counts against its request when it names one.
        let request_id: Option<Cow<'_, str>> = match sub {
            Some(s) => Some(Cow::Borrowed(s.request_id.as_str())),
            None => serde_json::from_slice::<serde_json::Value>(&resp.payload)
                .ok()
                .and_then(|v| {
                    v.get("request_id")
                        .and_then(|r| r.as_str())
                        .map(|r| Cow::Owned(r.to_string()))
                }),
        };
        let Some(request_id) = request_id else {
            diag.ignored
                .push(format!("uid {uid}: payload names no request_id"));
            continue;
        };
        let request_id: &str = &request_id;
        let Some((slot, (&key, pending))) = opened
            .iter()
            .enumerate()
            .find(|(_, (id, _))| state::same_bytes(id.as_bytes(), request_id.as_bytes()))
        else {
            diag.ignored.push(format!(
                "uid {uid}: request {request_id:?} is not open in this epoch"
            ));
            continue;
        };
        let (word, bit) = (usize::from(uid) / 64, 1u64 << (uid % 64));
        let first_answer = answered[slot][word] & bit == 0;
        answered[slot][word] |= bit;
        if !first_answer {
            diag.ignored
                .push(format!("uid {uid}: second answer to {request_id:?}"));
            continue;
        }
        match neurons.get(uid) {
            Some(n) if n.registered_at_block <= pending.opened_block => {}
            _ => {
                diag.ignored
                    .push(format!("uid {uid}: registered after {request_id:?} opened"));
                continue;
            }
        }
        let checked = match (sub, decode_error) {
            (Some(s), _) => validity::check(s, task.horizon as usize),
            (None, e) => validity::Checked {
                problems: vec![format!("payload: {}", e.unwrap_or_default())],
                ..validity::Checked::default()
            },
        };
        if !checked.problems.is_empty() {
            let list = diag.invalid.entry(uid).or_default();
            list.extend(
                checked
                    .problems
                    .iter()
                    .map(|p| format!("{request_id}: {p}")),
            );
        }
        if checked.points.is_some() || checked.intervals.is_some() {
            if let Some(p) = opened.get_mut(key) {
                p.subs.insert(uid, checked.points, checked.intervals)?;
            }
        }
    }
    for (id, pending) in opened {
        diag.opened
            .insert(id.to_string(), pending.subs.uids.clone());
        state.pending.insert(id.to_string(), pending);
    }
    Ok(())
}

/// [`Epoch::neuron`] for uids asked in ascending order, as responses come: a cursor that moves forward through
/// neurons sorted by uid (each found in one step), else the binary search. The neurons' uids are unique (checked
/// by the reconciliation before), so on sorted neurons both find the same neuron.
struct NeuronLookup<'a> {
    neurons: &'a [imr_guest::Neuron],
    sorted: bool,
    next: usize,
}

impl<'a> NeuronLookup<'a> {
    fn new(neurons: &'a [imr_guest::Neuron]) -> Self {
        Self {
            neurons,
            sorted: neurons.windows(2).all(|w| w[0].uid < w[1].uid),
            next: 0,
        }
    }

    fn get(&mut self, uid: u16) -> Option<&'a imr_guest::Neuron> {
        if self.sorted {
            if let Some(n) = self.neurons.get(self.next).filter(|n| n.uid == uid) {
                self.next += 1;
                return Some(n);
            }
        }
        let i = self.neurons.binary_search_by_key(&uid, |n| n.uid).ok()?;
        self.next = i + 1;
        Some(&self.neurons[i])
    }
}
