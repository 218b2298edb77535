//! # The prompt-ranking example mechanism
//!
//! Reference and pairwise ranking of answers to prompts, SN1 style (spec/scoring-helpers.md §3.2, the
//! `prompt-rank` module).
//!
//! Each epoch's `task` is `{"epoch": k, "tasks": [{task_id, kind, prompt, references, answer, queried,
//! judgments}]}`; each miner answers a task with a response payload `{"task_id", "text"}`. Every queried uid gets a
//! reward per task ([`scoring`]: ROUGE-L, token F1, BLEU or the exact number/date/choice scorers by kind, a copy
//! penalty against the prompt, an optional length penalty, zero for near duplicates of an earlier registration,
//! and a blend with its pairwise judgments). Its mean over the epoch's tasks feeds an EMA (α = 0.1) that only moves
//! for queried uids; the judgments also move an Elo rating carried in the state and give a Bradley–Terry fit of
//! the epoch (diagnostics). The weights are `power_sharpen(ema)` (or a softmax of the EMA or of the Elo ratings),
//! with an optional burn to the owner uid.
//!
//! ```
//! use imr_example_prompt_ranking::PromptRanking;
//! use imr_guest::Mechanism;
//! let epoch = imr_guest::epoch_file::parse(br#"{
//!   "netuid": 11, "block": 2000, "seed": "0000000000000000000000000000000000000000000000000000000000000000",
//!   "neurons": [{"uid": 0, "hotkey": "owner", "registered_at_block": 0},
//!               {"uid": 1, "hotkey": "m1", "registered_at_block": 0},
//!               {"uid": 2, "hotkey": "m2", "registered_at_block": 0}],
//!   "task": {"epoch": 0, "tasks": [{"task_id": "q1", "kind": "qa", "prompt": "Capital of France?",
//!            "references": ["Paris is the capital of France."], "queried": [1, 2]}]},
//!   "responses": [{"uid": 1, "payload": {"task_id": "q1", "text": "Paris."}},
//!                 {"uid": 2, "payload": {"task_id": "q1", "text": "Lyon."}}]
//! }"#).unwrap();
//! let out = PromptRanking::score(&epoch, &[]).unwrap();
//! // Only uid 1 earned anything; uid 2's answer shares no word with the reference.
//! assert_eq!(out.score_map()[&1], 1.0);
//! assert_eq!(out.score_map()[&2], 0.0);
//! ```

pub mod input;
pub mod scoring;
pub mod shaping;
pub mod state;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use imr_guest::helpers::{self, mean, PairMatch};
use imr_guest::{export_mechanism, log, Epoch, Mechanism, MechanismError, Outcome};

use crate::input::{JudgeOutcome, Params, Payload, Task, TaskItem};
use crate::scoring::{uid_map, Settings, TaskScore};
use crate::state::State;

/// Bradley–Terry prior (virtual games against a strength-1 player).
pub const BT_PRIOR: f64 = 1.0;
/// Bradley–Terry MM sweeps.
pub const BT_ITERS: usize = 100;

/// The prompt-ranking mechanism.
pub struct PromptRanking;

export_mechanism!(PromptRanking);

/// What the mechanism reports about one epoch (the outcome's `diagnostics`).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Diagnostics {
    /// Uids that appeared in the metagraph.
    pub added: Vec<u16>,
    /// Bradley–Terry `ln p` of every uid judged in this epoch (prior 1, 100 sweeps).
    #[serde(serialize_with = "uid_map")]
    pub bt: BTreeMap<u16, f64>,
    /// Uids that left the metagraph.
    pub dropped: Vec<u16>,
    /// Every miner's Elo rating after this epoch.
    #[serde(serialize_with = "uid_map")]
    pub elo: BTreeMap<u16, f64>,
    /// Every miner's EMA after this epoch.
    #[serde(serialize_with = "uid_map")]
    pub ema: BTreeMap<u16, f64>,
    /// `task.epoch`.
    pub epoch: u64,
    /// Responses that were ignored, and why.
    pub ignored: Vec<String>,
    /// Uids whose hotkey changed (their record restarted).
    pub replaced: Vec<u16>,
    /// Each queried uid's mean task reward this epoch (the EMA's input).
    #[serde(serialize_with = "uid_map")]
    pub reward: BTreeMap<u16, f64>,
    /// Per task id: the scores of every queried uid.
    pub tasks: BTreeMap<String, TaskScore>,
}

impl Mechanism for PromptRanking {
    fn score(epoch: &Epoch, state: &[u8]) -> Result<Outcome, MechanismError> {
        let params: Params = epoch.params()?;
        params.validate()?;
        let mut task: Task = epoch.task()?;
        task.validate(&epoch.neurons)?;
        // Tasks in task_id order: the order of the file never changes a result.
        task.tasks.sort_by(|a, b| a.task_id.cmp(&b.task_id));
        let mut state = State::decode(state)?;
        if let Some(last) = state.last_epoch {
            if task.epoch <= last {
                return Err(MechanismError::InvalidInput(format!(
                    "task.epoch: {} is not after state.last_epoch {last}",
                    task.epoch
                )));
            }
        }
        let mut diag = Diagnostics {
            epoch: task.epoch,
            ..Diagnostics::default()
        };
        let report = state.reconcile(&epoch.neurons)?;
        diag.replaced = report.replaced;
        diag.added = report.added;
        diag.dropped = report.dropped;

        let answers = collect_answers(epoch, &task, &mut diag.ignored);
        let registered: BTreeMap<u16, u64> = epoch
            .neurons
            .iter()
            .map(|n| (n.uid, n.registered_at_block))
            .collect();
        let settings = Settings {
            lambda: params.lambda,
            length_penalty: params.length_penalty,
            dup_threshold: params.dup_threshold,
        };
        let mut per_uid: BTreeMap<u16, Vec<f64>> = BTreeMap::new();
        for t in &task.tasks {
            let a: BTreeMap<u16, &str> = answers
                .get(t.task_id.as_str())
                .map(|m| m.iter().map(|(&u, s)| (u, s.as_str())).collect())
                .unwrap_or_default();
            let scored = scoring::score_task(t, &a, &registered, settings)?;
            for (&uid, m) in &scored.miners {
                per_uid.entry(uid).or_default().push(m.final_);
            }
            diag.tasks.insert(t.task_id.clone(), scored);
        }
        let rewards: Vec<(u16, f64)> = per_uid.iter().map(|(&u, r)| (u, mean(r))).collect();
        let counts: BTreeMap<u16, u64> =
            per_uid.iter().map(|(&u, r)| (u, r.len() as u64)).collect();
        state.apply_rewards(&rewards, &counts, params.alpha)?;
        diag.reward = rewards.into_iter().collect();

        let matches = canonical_matches(&task.tasks);
        state.apply_elo(&matches, params.elo_k)?;
        let players: Vec<u16> = matches
            .iter()
            .flat_map(|m| [m.a, m.b])
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        diag.bt = helpers::bradley_terry(&players, &matches, BT_PRIOR, BT_ITERS)
            .map_err(|e| MechanismError::Failed(format!("bradley_terry: {e}")))?
            .into_iter()
            .collect();

        state.last_epoch = Some(task.epoch);
        diag.ema = state.miners.iter().map(|(&u, m)| (u, m.ema)).collect();
        diag.elo = state.miners.iter().map(|(&u, m)| (u, m.elo)).collect();
        let weights = shaping::final_weights(&epoch.neurons, &state.miners, &params)?;
        log::info(&format!(
            "epoch {}: {} tasks, {} judgments, {} ignored responses",
            task.epoch,
            task.tasks.len(),
            matches.len(),
            diag.ignored.len()
        ));
        Outcome::new(weights)
            .with_typed_state(&state)?
            .with_diagnostics(&diag)
    }
}

/// Each task's answers by uid: the first decodable response of a queried uid to a task of this epoch. Everything
/// else is listed in `ignored`.
fn collect_answers(
    epoch: &Epoch,
    task: &Task,
    ignored: &mut Vec<String>,
) -> BTreeMap<String, BTreeMap<u16, String>> {
    let queried: BTreeMap<&str, BTreeSet<u16>> = task
        .tasks
        .iter()
        .map(|t| (t.task_id.as_str(), t.queried.iter().copied().collect()))
        .collect();
    let mut out: BTreeMap<String, BTreeMap<u16, String>> = BTreeMap::new();
    for (i, resp) in epoch.responses.iter().enumerate() {
        let uid = resp.uid;
        // Fast path without path tracking; on failure, decode again for an error that names the field.
        let p: Payload = match serde_json::from_slice(&resp.payload) {
            Ok(p) => p,
            Err(_) => match resp.payload::<Payload>() {
                Ok(p) => p,
                Err(e) => {
                    ignored.push(format!("responses[{i}] (uid {uid}): {e}"));
                    continue;
                }
            },
        };
        let Some(q) = queried.get(p.task_id.as_str()) else {
            ignored.push(format!(
                "responses[{i}] (uid {uid}): task {:?} is not in this epoch",
                p.task_id
            ));
            continue;
        };
        if !q.contains(&uid) {
            ignored.push(format!(
                "responses[{i}] (uid {uid}): not queried for task {:?}",
                p.task_id
            ));
            continue;
        }
        let per_task = out.entry(p.task_id.clone()).or_default();
        if per_task.contains_key(&uid) {
            ignored.push(format!(
                "responses[{i}] (uid {uid}): second answer to task {:?}",
                p.task_id
            ));
            continue;
        }
        per_task.insert(uid, p.text);
    }
    out
}

/// Every judgment as a [`PairMatch`] oriented low uid first, sorted by (task_id, low, high, judge, score): the
/// canonical order of spec §3.2, so neither the order of the judgments nor their orientation changes a result.
pub fn canonical_matches(tasks: &[TaskItem]) -> Vec<PairMatch> {
    let mut keyed: Vec<(&str, u16, u16, &str, f64)> = Vec::new();
    for t in tasks {
        for j in &t.judgments {
            let (lo, hi) = (j.a.min(j.b), j.a.max(j.b));
            let winner = match j.outcome {
                JudgeOutcome::A => Some(j.a),
                JudgeOutcome::B => Some(j.b),
                JudgeOutcome::Tie => None,
            };
            let s_lo = match winner {
                Some(w) if w == lo => 1.0,
                Some(_) => 0.0,
                None => 0.5,
            };
            keyed.push((t.task_id.as_str(), lo, hi, j.judge.as_str(), s_lo));
        }
    }
    keyed.sort_by(|x, y| {
        (x.0, x.1, x.2, x.3)
            .cmp(&(y.0, y.1, y.2, y.3))
            .then(x.4.total_cmp(&y.4))
    });
    keyed
        .into_iter()
        .map(|(_, a, b, _, score_a)| PairMatch { a, b, score_a })
        .collect()
}
