//! {{name}}: a prompt-answering incentive mechanism.
//!
//! Each epoch's task carries a prompt and a reference answer,
//! `{"prompt": "...", "reference": "..."}`; miners answer `{"completion": "..."}`. A completion scores
//! the F1 of its words against the reference's (lower-cased ASCII words, each distinct word counted
//! once); a miner that did not answer, or whose answer does not decode, scores 0. Each miner's EMA
//! moves, `ema ← α·score + (1-α)·ema` (α = `alpha` in `params`, default 0.2), and a uid whose hotkey
//! changed starts again from 0. The scores are the EMAs.
//!
//! Determinism rules (the component runs in a sandbox with no clock, files or ambient randomness, and
//! every validator must get the same bits):
//! - use only the epoch and the state: no `SystemTime`, no environment, no threads;
//! - iterate in a fixed order: `BTreeMap`/`BTreeSet`, never `HashMap` for anything that reaches the
//!   output or the state;
//! - text: compare bytes or ASCII-folded words, not locale-dependent case mappings;
//! - the state is encoded with `Outcome::with_state` (canonical JSON) and decoded with
//!   `imr_guest::state::decode` (empty in the first epoch);
//! - scores must be finite and >= 0.

use std::collections::{BTreeMap, BTreeSet};

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
    0.2
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Miner {
    hotkey: String,
    ema: f64,
}

#[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
struct State {
    miners: BTreeMap<u16, Miner>,
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
        let params: Params = epoch.params()?;
        let old: State = imr_guest::state::decode(state)?;
        let mut scored = BTreeMap::new();
        for response in &epoch.responses {
            if let Ok(a) = response.payload::<Answer>() {
                scored.insert(response.uid, overlap_f1(&a.completion, &task.reference));
            }
        }
        let mut state = State::default();
        for n in &epoch.neurons {
            let kept = old.miners.get(&n.uid).filter(|m| m.hotkey == n.hotkey);
            let before = kept.map_or(0.0, |m| m.ema);
            let score = scored.get(&n.uid).copied().unwrap_or(0.0);
            let ema = params.alpha * score + (1.0 - params.alpha) * before;
            state.miners.insert(n.uid, Miner { hotkey: n.hotkey.clone(), ema });
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

export_mechanism!(Answers);

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(bytes: &[u8]) -> Epoch {
        imr_guest::epoch_file::parse(bytes).expect("sample epoch")
    }

    #[test]
    fn word_overlap() {
        assert_eq!(overlap_f1("Paris is the capital", "the capital is Paris"), 1.0);
        assert_eq!(overlap_f1("", "anything"), 0.0);
        assert!(overlap_f1("Paris", "the capital is Paris") > 0.0);
    }

    #[test]
    fn closer_answers_earn_more_and_the_ema_carries() {
        let first = Answers::score(&epoch(include_bytes!("../epochs/0000.json")), &[]).unwrap();
        let s = first.score_map();
        assert!(s[&1] > s[&2] && s[&2] > 0.0 && s[&3] > 0.0, "{s:?}");
        assert_eq!(s[&0], 0.0);
        let second =
            Answers::score(&epoch(include_bytes!("../epochs/0001.json")), &first.state).unwrap();
        let t = second.score_map();
        // uid 3's hotkey changed: it starts again; the others build on their EMA.
        assert!(t[&1] > s[&1]);
        assert_eq!(t[&3], 0.2);
    }
}
