//! {{name}}: a prompt-answering incentive mechanism.
//!
//! Each epoch's task carries a prompt and a reference answer,
//! `{"prompt": "...", "reference": "..."}`; miners answer `{"completion": "..."}`. A completion scores
//! the F1 of its words against the reference's (lower-cased ASCII words, each distinct word counted
//! once); a miner that did not answer, or whose answer does not decode, scores 0. Each miner's EMA
//! moves, `ema ← α·score + (1-α)·ema` (α = `alpha` in `params`, default 0.2), and a uid whose hotkey
//! changed starts again from 0. The weights are the EMAs, normalized, capped at `max_weight`, with
//! `burn_frac` to the owner's `burn_uid` (everything, while nobody has earned anything).
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
//! - text: compare bytes or ASCII-folded words, not locale-dependent case mappings;
//! - the state goes through `imr_guest::state::load` and `Outcome::with_typed_state`;
//! - scores must be finite and >= 0.
//! - integers you decode from `task`, `params` or payloads: fixed width (`u32`, `u64`), never `usize`,
//!   which is 32 bits in the component and 64 in a native test (a large value would be refused in one only).

use std::collections::BTreeSet;

use imr_guest::helpers::Absent;
use imr_guest::ledger::{Ema, Ledger};
use imr_guest::shaping::ShapingParams;
use imr_guest::state::{self, MechanismState};
use imr_guest::{export_mechanism, Epoch, Mechanism, MechanismError, Outcome};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Task {
    reference: String,
}

#[derive(Deserialize)]
struct Answer {
    completion: String,
}

/// `params` of the epoch file: `alpha` (default 0.2), and the shaping fields `max_weight`,
/// `burn_uid` and `burn_frac` that `ShapingParams` reads.
#[derive(Deserialize, Default)]
struct Params {
    alpha: Option<f64>,
}

/// What the mechanism carries from epoch to epoch.
#[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
pub struct State {
    /// Every miner's record, by uid.
    pub miners: Ledger<Ema>,
}

impl MechanismState for State {
    const VERSION: u32 = 1;
}

/// The distinct lower-cased ASCII words of `text`.
fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect()
}

/// F1 of the completion's words against the reference's (0 when either is empty).
fn overlap_f1(completion: &str, reference: &str) -> f64 {
    let (c, r) = (words(completion), words(reference));
    let common = c.intersection(&r).count() as f64;
    if common == 0.0 {
        return 0.0;
    }
    let precision = common / c.len() as f64;
    let recall = common / r.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

/// The mechanism.
pub struct Answers;

impl Mechanism for Answers {
    fn score(epoch: &Epoch, state: &[u8]) -> Result<Outcome, MechanismError> {
        let task: Task = epoch.task()?;
        let alpha = epoch.params::<Params>()?.alpha.unwrap_or(0.2);
        let shaping = epoch.params::<ShapingParams>()?.pipeline()?;
        let mut state: State = state::load(state)?;
        // A new hotkey at a uid starts from 0; uids that left are dropped.
        state.miners.reconcile(&epoch.neurons, Ema::fresh)?;
        let mut scores = Vec::new();
        for response in &epoch.responses {
            if let Ok(a) = response.payload::<Answer>() {
                if scores.last().is_none_or(|&(uid, _)| uid != response.uid) {
                    scores.push((response.uid, overlap_f1(&a.completion, &task.reference)));
                }
            }
        }
        // Miners without a (decodable) answer score 0: their EMA decays.
        state
            .miners
            .update_ema(&scores, alpha, Absent::Decay, |m| &mut m.ema)?;
        let weights = shaping.apply(
            &epoch.neurons,
            &state.miners.per_neuron(&epoch.neurons, |m| m.ema),
        )?;
        Outcome::new(weights).with_typed_state(&state)
    }
}

export_mechanism!(Answers);

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(bytes: &[u8]) -> Epoch {
        imr_guest::epoch_file::parse(bytes).expect("sample epoch")
    }

    #[test]
    fn word_overlap() {
        assert_eq!(
            overlap_f1("Paris is the capital", "the capital is Paris"),
            1.0
        );
        assert_eq!(overlap_f1("", "anything"), 0.0);
        assert!(overlap_f1("Paris", "the capital is Paris") > 0.0);
    }

    #[test]
    fn closer_answers_earn_more_and_a_new_hotkey_starts_again() {
        let first = Answers::score(&epoch(include_bytes!("../epochs/0000.json")), &[]).unwrap();
        let s = first.score_map();
        assert!(s[&1] > s[&2] && s[&2] > 0.0 && s[&3] > 0.0, "{s:?}");
        assert_eq!(s[&0], 0.0);
        let second =
            Answers::score(&epoch(include_bytes!("../epochs/0001.json")), &first.state).unwrap();
        let before: State = state::load(&first.state).unwrap();
        let after: State = state::load(&second.state).unwrap();
        // uid 3's hotkey changed: its EMA restarts from 0 (α·1 for a perfect answer); uid 1 builds on its own.
        assert_eq!(after.miners[&3].ema, 0.2);
        assert!(after.miners[&1].ema > before.miners[&1].ema);
    }
}
