//! The prompt-ranking example through the Wasm host: golden weights for its 10
//! epochs, and fuel well inside the default budget (its text helpers are O(n·m)).

use imr_host::runner::execute;
use imr_host::{epoch, DeterministicEngine, Mechanism};
use imr_weights::Sdk;

use crate::support::{component, workspace};

#[test]
fn largest_epoch_stays_well_inside_the_fuel_budget_and_weights_match_the_goldens() {
    let engine = DeterministicEngine::new().unwrap();
    let bytes = std::fs::read(component("examples/prompt-ranking")).unwrap();
    let m = Mechanism::from_bytes(&engine, &bytes, None).unwrap();
    let dir = workspace().join("examples/prompt-ranking/data/epochs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 10);
    let golden = std::fs::read_to_string(
        workspace().join("examples/prompt-ranking/data/expected_weights.jsonl"),
    )
    .unwrap();
    let golden: Vec<&str> = golden.lines().collect();

    let mut state = Vec::new();
    let mut max_fuel = 0;
    for (k, file) in files.iter().enumerate() {
        let input = epoch::load(file).unwrap();
        let ex = execute(&m, &input, &state, None, Sdk::V11);
        let outcome = ex
            .run
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let w = ex.receipt.weights.as_ref().unwrap();
        let line = format!(
            r#"{{"epoch":{k},"uids":{},"values":{}}}"#,
            serde_json::to_string(&w.uids).unwrap(),
            serde_json::to_string(&w.values).unwrap()
        );
        assert_eq!(line, golden[k], "epoch {k}");
        max_fuel = max_fuel.max(ex.run.fuel_consumed);
        state = outcome.state.clone();
    }
    // "Well inside": under 5% of the default budget (measured about 1.2%).
    assert!(
        max_fuel < imr_host::limits::DEFAULT_FUEL / 20,
        "largest epoch used {max_fuel} fuel"
    );
}
