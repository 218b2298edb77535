//! The bundled 200-epoch scenario (data/README.md), run natively through the same epoch-file parser as the host,
//! with the state chained from epoch to epoch.
//!
//! Checks the behaviour properties of spec/scoring-helpers.md §3.1 and the byte-exact golden weights in
//! `data/expected_weights.jsonl`. To rewrite the goldens after a deliberate change, run with `IMR_BLESS=1`, review
//! the diff, and commit it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use imr_example_time_series::state::State;
use imr_example_time_series::TimeSeries;
use imr_guest::testing::{self, EpochFile};
use serde_json::Value;

const ORACLE: u16 = 1;
const NAIVE: u16 = 2;
const BIASED: u16 = 6;
const FLAKY: u16 = 7;
const INVALID: u16 = 8;
const COPYCAT: u16 = 9;
const LATE: u16 = 10;
const SWAP: u16 = 11;

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
    let steps = testing::run::<TimeSeries>(epochs).expect("every epoch scores");
    steps
        .into_iter()
        .map(|run| {
            let (path, state) = (run.path.display(), &run.outcome.state);
            let decoded = State::decode(state).expect("state decodes");
            // The state is in the binary format and re-encodes to the same bytes.
            assert!(
                imr_guest::state::binary::header(state).is_some()
                    && imr_guest::state::save(&decoded).expect("encode") == *state,
                "{path}: state is not the binary format's encoding of its value"
            );
            // The mechanism writes canonical JSON diagnostics directly; they must equal the SDK's encoding.
            let diagnostics = run.diagnostics().expect("diagnostics are JSON");
            assert!(
                imr_guest::canonical_json(&diagnostics).expect("canonical")
                    == run.outcome.diagnostics,
                "{path}: diagnostics are not canonical JSON"
            );
            Step {
                weights: run.weights(),
                ema: decoded.miners.ema_by_uid().into_iter().collect(),
                diagnostics,
                run,
            }
        })
        .collect()
}

fn run() -> Vec<Step> {
    let steps = run_epochs(&epochs());
    assert_eq!(steps.len(), 200, "the scenario has 200 epochs");
    steps
}

/// The chain weights (`imr_weights::sdk11::normalize`, as `imr run` quantizes them).
fn quantize(step: &Step) -> (Vec<u16>, Vec<u16>) {
    step.run.quantized().expect("weights are finite and >= 0")
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
    let b = run();
    for (k, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x.run.outcome.state, y.run.outcome.state, "epoch {k}: state");
        assert_eq!(x.weights, y.weights, "epoch {k}: weights");
        assert_eq!(x.diagnostics, y.diagnostics, "epoch {k}: diagnostics");
    }
}

/// The scenario's results, computed once per test binary.
fn steps() -> &'static [Step] {
    static STEPS: OnceLock<Vec<Step>> = OnceLock::new();
    STEPS.get_or_init(run)
}

fn mean_weight(steps: &[Step], uid: u16, from: usize) -> f64 {
    let ws: Vec<f64> = steps[from..]
        .iter()
        .map(|s| s.weights.get(&uid).copied().unwrap_or(0.0))
        .collect();
    ws.iter().sum::<f64>() / ws.len() as f64
}

#[test]
fn oracle_beats_naive_beats_biased() {
    let steps = steps();
    let last = &steps[199];
    assert!(
        last.ema[&ORACLE] > last.ema[&NAIVE],
        "final ema: oracle {} naive {}",
        last.ema[&ORACLE],
        last.ema[&NAIVE]
    );
    assert!(
        last.ema[&NAIVE] > last.ema[&BIASED],
        "final ema: naive {} biased {}",
        last.ema[&NAIVE],
        last.ema[&BIASED]
    );
    let (o, n, b) = (
        mean_weight(steps, ORACLE, 50),
        mean_weight(steps, NAIVE, 50),
        mean_weight(steps, BIASED, 50),
    );
    assert!(
        o > n && n > b,
        "mean weight over epochs 50..199: oracle {o} naive {n} biased {b}"
    );
    // The oracle holds the largest weight of all miners from epoch 50 on.
    for (k, s) in steps.iter().enumerate().skip(50) {
        let best = s
            .weights
            .iter()
            .filter(|(&u, _)| u != 0)
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(&u, _)| u);
        assert_eq!(best, Some(ORACLE), "epoch {k}: top miner");
    }
}

#[test]
fn invalid_and_copycat_get_nothing() {
    let steps = steps();
    for (k, s) in steps.iter().enumerate() {
        for uid in [INVALID, COPYCAT] {
            assert_eq!(s.weights[&uid], 0.0, "epoch {k}: weight of uid {uid}");
            assert_eq!(s.ema[&uid], 0.0, "epoch {k}: ema of uid {uid}");
        }
    }
    // Every one of uid 8's submissions was refused in part or whole, and the copy was detected each time.
    for (k, step) in steps.iter().enumerate().skip(5) {
        let d = &step.diagnostics;
        let id = format!("r{:04}", k - 5);
        let resolved = &d["resolved"][&id];
        assert_eq!(resolved["miners"]["8"]["reward"], 0.0, "epoch {k}");
        assert_eq!(resolved["miners"]["9"]["copy_of"], 1, "epoch {k}");
        assert!(
            resolved["copies"]
                .as_array()
                .expect("copies")
                .contains(&serde_json::json!([1, 9])),
            "epoch {k}"
        );
    }
    for (k, step) in steps.iter().enumerate() {
        let problems = &step.diagnostics["invalid"]["8"];
        assert!(
            problems.as_array().is_some_and(|p| !p.is_empty()),
            "epoch {k}: uid 8 not reported invalid"
        );
    }
}

#[test]
fn the_flaky_miner_decays_when_it_skips() {
    let steps = steps();
    let mut misses = 0;
    for k in 6..200 {
        let id = format!("r{:04}", k - 5);
        let opened = &steps[k - 5].diagnostics["opened"][&id];
        let submitted = opened
            .as_array()
            .expect("opened")
            .iter()
            .any(|u| u == FLAKY);
        let (before, after) = (steps[k - 1].ema[&FLAKY], steps[k].ema[&FLAKY]);
        if !submitted {
            misses += 1;
            assert_eq!(
                steps[k].diagnostics["resolved"][&id]["miners"]["7"]["reward"], 0.0,
                "epoch {k}"
            );
            assert!(
                after < before,
                "epoch {k}: a skipped request must lower the ema ({before} -> {after})"
            );
            assert_eq!(after, before * (1.0 - 0.05), "epoch {k}: decay by (1 − α)");
        }
    }
    assert!(
        (40..=80).contains(&misses),
        "about 30% of 194 requests skipped, found {misses}"
    );
    // Skipping costs it: it forecasts better than the naive miner but earns less than the oracle-like miners.
    assert!(steps[199].ema[&FLAKY] < steps[199].ema[&ORACLE]);
}

#[test]
fn the_late_joiner_starts_at_zero_and_rises() {
    let steps = steps();
    for (k, s) in steps.iter().enumerate().take(60) {
        assert!(
            !s.weights.contains_key(&LATE),
            "epoch {k}: uid 10 is not registered yet"
        );
    }
    assert_eq!(steps[60].diagnostics["added"], serde_json::json!([10]));
    // Its first request (r0060) resolves in epoch 65; until then it has nothing.
    for (k, step) in steps.iter().enumerate().take(65).skip(60) {
        assert_eq!(step.ema[&LATE], 0.0, "epoch {k}");
        assert_eq!(step.weights[&LATE], 0.0, "epoch {k}");
    }
    assert!(steps[65].ema[&LATE] > 0.0);
    assert!(steps[80].ema[&LATE] > steps[65].ema[&LATE]);
    assert!(steps[120].ema[&LATE] > steps[80].ema[&LATE]);
    assert!(steps[199].weights[&LATE] > steps[70].weights[&LATE]);
}

#[test]
fn a_hotkey_swap_resets() {
    let steps = steps();
    assert!(steps[99].ema[&SWAP] > 0.0 && steps[99].weights[&SWAP] > 0.0);
    assert_eq!(steps[100].diagnostics["replaced"], serde_json::json!([11]));
    // The new hotkey registered after r0095…r0099 opened: nothing until r0100 resolves in epoch 105.
    for (k, step) in steps.iter().enumerate().take(105).skip(100) {
        assert_eq!(step.ema[&SWAP], 0.0, "epoch {k}");
        assert_eq!(step.weights[&SWAP], 0.0, "epoch {k}");
        let id = format!("r{:04}", k - 5);
        assert!(
            step.diagnostics["resolved"][&id]["miners"]
                .get("11")
                .is_none(),
            "epoch {k}: not eligible"
        );
    }
    assert!(steps[105].ema[&SWAP] > 0.0);
}

#[test]
fn the_owner_gets_everything_until_something_resolves_then_the_burn() {
    let steps = steps();
    for (k, s) in steps.iter().enumerate().take(5) {
        assert_eq!(quantize(s), (vec![0], vec![65535]), "epoch {k}");
    }
    for (k, s) in steps.iter().enumerate().skip(5) {
        let total: f64 = s.weights.values().sum();
        assert!(
            (total - 1.0).abs() < 1e-12,
            "epoch {k}: weights sum to {total}"
        );
        assert!(
            (s.weights[&0] - 0.1).abs() < 1e-12,
            "epoch {k}: burn share {}",
            s.weights[&0]
        );
    }
}

/// Runs the scenario with `extra` merged into every epoch's params; returns the final EMAs.
fn run_with(extra: &Value) -> BTreeMap<u16, f64> {
    let epochs = testing::with_params(&epochs(), extra).expect("params");
    let steps = testing::run::<TimeSeries>(&epochs).unwrap_or_else(|e| panic!("{extra} {e}"));
    for s in &steps {
        let total: f64 = s.outcome.scores.iter().map(|s| s.score).sum();
        assert!(
            (total - 1.0).abs() < 1e-12,
            "{extra} {}: weights sum to {total}",
            s.path.display()
        );
    }
    let last = steps.last().expect("epochs");
    State::decode(&last.outcome.state)
        .expect("state")
        .miners
        .ema_by_uid()
        .into_iter()
        .collect()
}

#[test]
fn every_variant_runs_the_scenario_and_ranks_the_oracle_first() {
    for extra in [
        serde_json::json!({"shaping": "exp_rank_decay"}),
        serde_json::json!({"shaping": "softmax_beta"}),
        serde_json::json!({"shaping": "winner_log_tail"}),
        serde_json::json!({"point_metric": "rmse_log"}),
        serde_json::json!({"max_weight": 0.2, "burn_frac": 0.0}),
    ] {
        let ema = run_with(&extra);
        let oracle = ema[&ORACLE];
        for (&uid, &e) in &ema {
            if uid != ORACLE {
                assert!(
                    oracle > e,
                    "{extra}: oracle ema {oracle} <= uid {uid} ema {e}"
                );
            }
        }
        assert_eq!((ema[&INVALID], ema[&COPYCAT]), (0.0, 0.0), "{extra}");
    }
}
