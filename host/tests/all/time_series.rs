//! The bundled time-series scenario through the Wasm host: byte-exact golden
//! weights for all 200 epochs (the same goldens the native tests check), and
//! identical results and fuel under Pulley and Cranelift.

use imr_host::session::{Session, Start};
use imr_host::{epoch, Backend, DeterministicEngine, Limits, Mechanism};
use imr_weights::Sdk;

use crate::support::{time_series, time_series_epochs, workspace};

struct Step {
    uids: Vec<u16>,
    values: Vec<u16>,
    scores: Vec<(u16, u64)>,
    state: Vec<u8>,
    fuel: u64,
}

fn run_scenario(backend: Backend, limit: usize) -> Vec<Step> {
    let engine = DeterministicEngine::with(backend, Limits::default()).unwrap();
    let m = Mechanism::from_bytes(&engine, &std::fs::read(time_series()).unwrap(), None).unwrap();
    let mut session = Session::new(Sdk::V11, Start::default());
    let mut steps = Vec::new();
    for file in time_series_epochs().iter().take(limit) {
        let input = epoch::load(file).unwrap();
        let ex = session.step(&m, &input).unwrap().executed;
        let outcome = ex
            .run
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let w = ex.receipt.weights.as_ref().unwrap();
        steps.push(Step {
            uids: w.uids.clone(),
            values: w.values.clone(),
            scores: outcome
                .scores
                .iter()
                .map(|s| (s.uid, s.score.to_bits()))
                .collect(),
            state: outcome.state.clone(),
            fuel: ex.run.fuel_consumed,
        });
    }
    steps
}

#[test]
fn wasm_scenario_matches_the_golden_weights_byte_for_byte() {
    let steps = run_scenario(Backend::Cranelift, usize::MAX);
    let golden = std::fs::read_to_string(
        workspace().join("examples/time-series/data/expected_weights.jsonl"),
    )
    .unwrap();
    let lines: Vec<&str> = golden.lines().collect();
    assert_eq!(lines.len(), 200);
    assert_eq!(steps.len(), 200);
    for (k, (step, line)) in steps.iter().zip(&lines).enumerate() {
        let ours = format!(
            r#"{{"epoch":{k},"uids":{},"values":{}}}"#,
            serde_json::to_string(&step.uids).unwrap(),
            serde_json::to_string(&step.values).unwrap()
        );
        assert_eq!(&ours, line, "epoch {k}");
    }
    // The default fuel budget is far from binding for this scenario.
    let max_fuel = steps.iter().map(|s| s.fuel).max().unwrap();
    assert!(
        max_fuel < imr_host::limits::DEFAULT_FUEL / 10,
        "max fuel {max_fuel}"
    );
}

#[test]
fn pulley_and_cranelift_agree_on_results_and_fuel() {
    // Pulley interprets about 20x slower: 60 epochs cover the warm-up, the first
    // resolutions, the late joiner (epoch 60 onwards is covered by Cranelift goldens).
    let n = 70;
    let a = run_scenario(Backend::Cranelift, n);
    let b = run_scenario(Backend::Pulley, n);
    for (k, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x.scores, y.scores, "scores, epoch {k}");
        assert_eq!(x.state, y.state, "state, epoch {k}");
        assert_eq!(x.fuel, y.fuel, "fuel, epoch {k}");
        assert_eq!(
            (&x.uids, &x.values),
            (&y.uids, &y.values),
            "weights, epoch {k}"
        );
    }
}
