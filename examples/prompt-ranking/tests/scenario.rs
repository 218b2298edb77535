//! The bundled 10-epoch scenario (data/README.md), run natively through the same epoch-file parser as the host,
//! with the state chained from epoch to epoch.
//!
//! Checks the behaviour properties of spec/scoring-helpers.md §3.2 and the byte-exact golden weights in
//! `data/expected_weights.jsonl`. To rewrite the goldens after a deliberate change, run with `IMR_BLESS=1`, review
//! the diff, and commit it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use imr_example_prompt_ranking::state::State;
use imr_example_prompt_ranking::PromptRanking;
use imr_guest::helpers::{bradley_terry, PairMatch};
use imr_guest::testing::{self, EpochFile};
use serde_json::Value;

const PARAPHRASE: u16 = 1;
const VERBOSE: u16 = 2;
const PARTIAL: u16 = 3;
const ECHO: u16 = 4;
const WRONG: u16 = 5;
const SHUFFLE: u16 = 6;
const EMPTY: u16 = 7;
const DUPLICATE: u16 = 8;
const OFF_BY_A_BIT: u16 = 9;

/// The judge's quality table (data/README.md), uid 1…9.
const QUALITY: [(u16, f64); 9] = [
    (1, 0.90),
    (2, 0.85),
    (3, 0.50),
    (4, 0.20),
    (5, 0.10),
    (6, 0.40),
    (7, 0.00),
    (8, 0.85),
    (9, 0.70),
];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// One epoch's results.
struct Step {
    /// What the SDK's scenario runner recorded (outcome, epoch file).
    run: testing::Step,
    /// Final weights per uid (every neuron listed).
    weights: BTreeMap<u16, f64>,
    /// EMA per uid after the epoch (from the state).
    ema: BTreeMap<u16, f64>,
    diagnostics: Value,
}

fn epochs() -> Vec<EpochFile> {
    testing::load_epochs(data_dir().join("epochs")).expect("the bundled epochs")
}

fn run_epochs(epochs: &[EpochFile]) -> Vec<Step> {
    let steps = testing::run::<PromptRanking>(epochs).expect("every epoch scores");
    steps
        .into_iter()
        .map(|run| {
            let state = &run.outcome.state;
            let decoded = State::decode(state).expect("state decodes");
            assert!(
                imr_guest::state::binary::header(state).is_some()
                    && imr_guest::state::save(&decoded).expect("encode") == *state,
                "{}: state is not the binary format's encoding of its value",
                run.path.display()
            );
            Step {
                weights: run.weights(),
                ema: decoded.miners.column(|m| m.ema).into_iter().collect(),
                diagnostics: run.diagnostics().expect("diagnostics are JSON"),
                run,
            }
        })
        .collect()
}

/// The scenario's results, computed once per test binary.
fn steps() -> &'static [Step] {
    static STEPS: OnceLock<Vec<Step>> = OnceLock::new();
    STEPS.get_or_init(|| {
        let steps = run_epochs(&epochs());
        assert_eq!(steps.len(), 10, "the scenario has 10 epochs");
        steps
    })
}

#[test]
fn golden_weights_are_byte_exact() -> Result<(), testing::TestingError> {
    let runs: Vec<testing::Step> = steps().iter().map(|s| s.run.clone()).collect();
    testing::check_golden(
        data_dir().join("expected_weights.jsonl"),
        &testing::golden_text(&runs)?,
    )?;
    Ok(())
}

#[test]
fn runs_are_deterministic() {
    let a = steps();
    let b = run_epochs(&epochs());
    for (k, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x.run.outcome.state, y.run.outcome.state, "epoch {k}: state");
        assert_eq!(x.weights, y.weights, "epoch {k}: weights");
        assert_eq!(x.diagnostics, y.diagnostics, "epoch {k}: diagnostics");
    }
}

/// Every (task id, uid → miner diagnostics) of every epoch.
fn task_scores(steps: &[Step]) -> Vec<(usize, String, &serde_json::Map<String, Value>)> {
    let mut out = Vec::new();
    for (k, s) in steps.iter().enumerate() {
        for (id, t) in s.diagnostics["tasks"].as_object().expect("tasks") {
            out.push((k, id.clone(), t["miners"].as_object().expect("miners")));
        }
    }
    out
}

/// A uid's mean final task reward over every task it was queried on.
fn mean_final(steps: &[Step], uid: u16) -> f64 {
    let key = uid.to_string();
    let finals: Vec<f64> = task_scores(steps)
        .iter()
        .filter_map(|(_, _, m)| m.get(&key).map(|x| x["final"].as_f64().expect("final")))
        .collect();
    assert!(!finals.is_empty(), "uid {uid} was never queried");
    finals.iter().sum::<f64>() / finals.len() as f64
}

#[test]
fn paraphrase_or_verbose_at_or_above_partial() {
    let steps = steps();
    let (p, v, part) = (
        mean_final(steps, PARAPHRASE),
        mean_final(steps, VERBOSE),
        mean_final(steps, PARTIAL),
    );
    assert!(
        p.max(v) >= part,
        "mean task reward: paraphrase {p} verbose {v} partial {part}"
    );
    let last = &steps[9];
    assert!(
        last.ema[&PARAPHRASE].max(last.ema[&VERBOSE]) >= last.ema[&PARTIAL],
        "final ema {:?}",
        last.ema
    );
    assert!(
        last.weights[&PARAPHRASE].max(last.weights[&VERBOSE]) >= last.weights[&PARTIAL],
        "final weights {:?}",
        last.weights
    );
}

#[test]
fn partial_above_wrong_echo_and_empty() {
    let steps = steps();
    let part = mean_final(steps, PARTIAL);
    for uid in [WRONG, ECHO, EMPTY] {
        let other = mean_final(steps, uid);
        assert!(
            part > other,
            "mean task reward: partial {part} <= uid {uid} {other}"
        );
    }
    let last = &steps[9];
    for uid in [WRONG, ECHO, EMPTY] {
        assert!(
            last.ema[&PARTIAL] > last.ema[&uid],
            "final ema: partial {} <= uid {uid} {}",
            last.ema[&PARTIAL],
            last.ema[&uid]
        );
        assert!(
            last.weights[&PARTIAL] > last.weights[&uid],
            "final weight: partial {} <= uid {uid} {}",
            last.weights[&PARTIAL],
            last.weights[&uid]
        );
    }
    // The empty/timeout miner never earns anything.
    for (k, s) in steps.iter().enumerate() {
        assert_eq!(s.weights[&EMPTY], 0.0, "epoch {k}");
    }
}

#[test]
fn the_duplicate_gets_zero_whenever_the_original_is_queried() {
    let steps = steps();
    let (v, d) = (VERBOSE.to_string(), DUPLICATE.to_string());
    let mut both = 0;
    for (k, id, m) in task_scores(steps) {
        if let (Some(_), Some(dup)) = (m.get(&v), m.get(&d)) {
            both += 1;
            assert_eq!(dup["final"], 0.0, "epoch {k} task {id}");
            assert_eq!(dup["status"], "duplicate", "epoch {k} task {id}");
            assert_eq!(dup["dup_of"], VERBOSE, "epoch {k} task {id}");
        }
    }
    assert!(
        both >= 40,
        "uids 2 and 8 answered the same task only {both} times"
    );
    // Until the first epoch without uid 2 (epoch 5), the duplicate has earned nothing at all.
    for (k, s) in steps.iter().enumerate().take(5) {
        assert_eq!(s.ema[&DUPLICATE], 0.0, "epoch {k}");
        assert_eq!(s.weights[&DUPLICATE], 0.0, "epoch {k}");
    }
}

#[test]
fn the_shuffle_sits_below_verbose_under_rouge_l() {
    let steps = steps();
    let (v, s) = (VERBOSE.to_string(), SHUFFLE.to_string());
    let (mut sum_v, mut sum_s, mut seen) = (0.0, 0.0, 0);
    for (k, id, m) in task_scores(steps) {
        if !(id.starts_with("qa-") || id.starts_with("sum-")) {
            continue;
        }
        if let (Some(verbose), Some(shuffle)) = (m.get(&v), m.get(&s)) {
            seen += 1;
            let (rv, rs) = (
                verbose["rouge_l"].as_f64().expect("rouge_l"),
                shuffle["rouge_l"].as_f64().expect("rouge_l"),
            );
            sum_v += rv;
            sum_s += rs;
            // A summary reference has 15+ words: a random permutation breaks their order every time here. (A
            // 4-word qa reference can keep 3 in order, so qa tasks only count in the mean.)
            if id.starts_with("sum-") {
                assert!(
                    rs < rv,
                    "epoch {k} task {id}: shuffle rouge_l {rs} >= verbose {rv}"
                );
            }
            // Bag-of-words metrics cannot tell: the shuffle keeps every word of the reference.
            assert_eq!(shuffle["token_f1"], 1.0, "epoch {k} task {id}");
        }
    }
    assert!(
        seen >= 20,
        "only {seen} qa/summarize tasks with both answers"
    );
    let (mv, ms) = (sum_v / seen as f64, sum_s / seen as f64);
    assert!(ms < mv, "mean rouge_l: shuffle {ms} >= verbose {mv}");
}

/// The epochs with their tasks reversed and every judgment list reversed, each judgment's a/b swapped (with its
/// outcome flipped).
fn reordered(epochs: &[EpochFile]) -> Vec<EpochFile> {
    epochs
        .iter()
        .map(|f| {
            let mut task: Value = serde_json::from_slice(&f.epoch.task).expect("task");
            let tasks = task["tasks"].as_array_mut().expect("tasks");
            tasks.reverse();
            for t in tasks.iter_mut() {
                let js = t["judgments"].as_array_mut().expect("judgments");
                js.reverse();
                for j in js.iter_mut() {
                    let (a, b) = (j["a"].clone(), j["b"].clone());
                    j["a"] = b;
                    j["b"] = a;
                    let flipped = match j["outcome"].as_str().expect("outcome") {
                        "a" => "b",
                        "b" => "a",
                        _ => "tie",
                    };
                    j["outcome"] = Value::from(flipped);
                }
            }
            let mut f = f.clone();
            f.epoch.task = imr_guest::canonical_json(&task).expect("canonical");
            f
        })
        .collect()
}

#[test]
fn elo_and_everything_else_are_invariant_to_input_order() {
    let original = steps();
    let shuffled = run_epochs(&reordered(&epochs()));
    for (k, (x, y)) in original.iter().zip(&shuffled).enumerate() {
        assert_eq!(
            x.run.outcome.state, y.run.outcome.state,
            "epoch {k}: state (holds the Elo ratings)"
        );
        assert_eq!(x.weights, y.weights, "epoch {k}: weights");
    }
    // The Elo ratings did move.
    let last = State::decode(&original[9].run.outcome.state).expect("state");
    assert_ne!(last.miners[&1].elo, 1000.0);
}

#[test]
fn bradley_terry_recovers_the_quality_order() {
    // All judgments of the ten epochs, pooled.
    let mut matches = Vec::new();
    for f in epochs() {
        let task: Value = serde_json::from_slice(&f.epoch.task).expect("task");
        for t in task["tasks"].as_array().expect("tasks") {
            for j in t["judgments"].as_array().expect("judgments") {
                let a = j["a"].as_u64().expect("a") as u16;
                let b = j["b"].as_u64().expect("b") as u16;
                let s = match j["outcome"].as_str().expect("outcome") {
                    "a" => 1.0,
                    "b" => 0.0,
                    _ => 0.5,
                };
                matches.push(PairMatch { a, b, score_a: s });
            }
        }
    }
    let players: Vec<u16> = QUALITY
        .iter()
        .map(|q| q.0)
        .filter(|&u| u != EMPTY)
        .collect();
    let bt: BTreeMap<u16, f64> = bradley_terry(&players, &matches, 1.0, 100)
        .expect("bt")
        .into_iter()
        .collect();
    let q: BTreeMap<u16, f64> = QUALITY.into_iter().collect();
    for &a in &players {
        for &b in &players {
            // The judge ties qualities closer than 0.02; every other pair must come out in quality order.
            if q[&a] - q[&b] >= 0.02 {
                assert!(
                    bt[&a] > bt[&b],
                    "uid {a} (q {}) bt {} <= uid {b} (q {}) bt {}",
                    q[&a],
                    bt[&a],
                    q[&b],
                    bt[&b]
                );
            }
        }
    }
}

#[test]
fn weights_sum_to_one_with_the_burn_share() {
    for (k, s) in steps().iter().enumerate() {
        let total: f64 = s.weights.values().sum();
        assert!(
            (total - 1.0).abs() < 1e-12,
            "epoch {k}: weights sum to {total}"
        );
        assert!(
            (s.weights[&0] - 0.1).abs() < 1e-12,
            "epoch {k}: burn {}",
            s.weights[&0]
        );
    }
}

/// Runs the scenario with `extra` merged into every epoch's params; returns the final weights.
fn run_with(extra: &Value) -> BTreeMap<u16, f64> {
    let steps = run_epochs(&testing::with_params(&epochs(), extra).expect("params"));
    for (k, s) in steps.iter().enumerate() {
        let total: f64 = s.weights.values().sum();
        assert!(
            (total - 1.0).abs() < 1e-12,
            "{extra} epoch {k}: weights sum to {total}"
        );
    }
    steps[9].weights.clone()
}

#[test]
fn every_variant_runs_and_ranks_the_paraphrase_first() {
    for extra in [
        serde_json::json!({"shaping": "softmax"}),
        serde_json::json!({"shaping": "elo_softmax"}),
        serde_json::json!({"length_penalty": false, "lambda": 0.0}),
        serde_json::json!({"burn_frac": 0.0, "power_p": 0.7}),
    ] {
        let w = run_with(&extra);
        let top = w
            .iter()
            .filter(|(&u, _)| u != 0)
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(&u, _)| u);
        assert_eq!(top, Some(PARAPHRASE), "{extra}: {w:?}");
        assert!(w[&PARTIAL] > w[&WRONG], "{extra}: {w:?}");
    }
}

#[test]
fn off_by_a_bit_scores_by_hand() {
    // Its math answers are 10% too high: number_score = 1 − 0.1; its dates are 10 days off: exp(−100/1000).
    let key = OFF_BY_A_BIT.to_string();
    let mut seen = 0;
    for (k, id, m) in task_scores(steps()) {
        let Some(x) = m.get(&key) else { continue };
        let want = if id.starts_with("math-") {
            0.9
        } else if id.starts_with("date-") {
            (-0.1f64).exp()
        } else {
            continue;
        };
        seen += 1;
        let got = x["exact"].as_f64().expect("exact");
        assert!(
            (got - want).abs() < 1e-12,
            "epoch {k} task {id}: exact {got}, want {want}"
        );
    }
    assert!(seen >= 20, "only {seen} math/date answers from uid 9");
}
