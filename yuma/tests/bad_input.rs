//! Bad state files and weights files are rejected with an error that names the problem.

use imr_yuma::driver::WeightsFile;
use imr_yuma::{run_epochs, StateFile, WeightsSchedule};

fn err(text: &str) -> String {
    match StateFile::from_json("state.json", text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

const GOOD: &str = r#"{"params": {"tempo": 10},
  "input": {"current_block": 5, "stake": [1, 1, 1],
            "weights": [[[2, 65535]], [[2, 65535]], []], "last_update": [5, 5, 0]}}"#;

#[test]
fn good_state_parses() {
    let s = StateFile::from_json("state.json", GOOD).unwrap();
    assert_eq!(s.input.stake.len(), 3);
    assert_eq!(s.params.tempo, 10);
}

#[test]
fn mismatched_vector_length_is_named() {
    let e = err(r#"{"input": {"current_block": 5, "stake": [1, 1, 1], "last_update": [5, 5]}}"#);
    assert!(
        e.contains("`last_update` has 2 entries") && e.contains("`stake` has 3"),
        "{e}"
    );
    let e = err(r#"{"input": {"current_block": 5, "stake": [1, 1], "weights": [[]]}}"#);
    assert!(e.contains("`weights` has 1 entries"), "{e}");
    let e =
        err(r#"{"input": {"current_block": 5, "stake": [1], "validator_permit": [true, false]}}"#);
    assert!(e.contains("`validator_permit` has 2 entries"), "{e}");
}

#[test]
fn weight_row_naming_uid_beyond_n_is_named() {
    let e = err(
        r#"{"input": {"current_block": 5, "stake": [1, 1, 1], "weights": [[], [[0, 1], [3, 7]], []]}}"#,
    );
    assert!(
        e.contains("`weights[1]`") && e.contains("entry 1") && e.contains("uid 3"),
        "{e}"
    );
    let e = err(r#"{"input": {"current_block": 5, "stake": [1, 1], "bonds": [[[9, 1]], []]}}"#);
    assert!(e.contains("`bonds[0]`") && e.contains("uid 9"), "{e}");
}

#[test]
fn unknown_hyperparameter_is_named() {
    let e = err(
        r#"{"params": {"tempo": 10, "kapa_u16": 5}, "input": {"current_block": 5, "stake": [1]}}"#,
    );
    assert!(e.contains("kapa_u16") && e.contains("params"), "{e}");
}

#[test]
fn unknown_input_field_and_top_level_key_are_named() {
    let e = err(r#"{"input": {"current_block": 5, "stake": [1], "stakes": [1]}}"#);
    assert!(e.contains("stakes"), "{e}");
    let e = err(r#"{"hyperparams": {}, "input": {"current_block": 5, "stake": [1]}}"#);
    assert!(e.contains("hyperparams"), "{e}");
}

#[test]
fn inconsistent_params_are_named() {
    let e = err(r#"{"params": {"n": 4}, "input": {"current_block": 5, "stake": [1]}}"#);
    assert!(e.contains("`params.n` is 4"), "{e}");
    let e = err(
        r#"{"params": {"tempo": 1, "activity_cutoff_blocks": 14}, "input": {"current_block": 5, "stake": [1]}}"#,
    );
    assert!(
        e.contains("activity_cutoff_blocks") && e.contains("give 13"),
        "{e}"
    );
    let e = err(r#"{"params": {"owner_uid": 3}, "input": {"current_block": 5, "stake": [1]}}"#);
    assert!(e.contains("owner_uid"), "{e}");
    let e =
        err(r#"{"params": {"mechanism_count": 2}, "input": {"current_block": 5, "stake": [1]}}"#);
    assert!(e.contains("mechanism_count"), "{e}");
    let e = err(
        r#"{"params": {"commit_reveal_enabled": true}, "input": {"current_block": 5, "stake": [1]}}"#,
    );
    assert!(e.contains("commit_block"), "{e}");
    let e = err(r#"{"params": {"tempo": -1}, "input": {"current_block": 5, "stake": [1]}}"#);
    assert!(e.contains("params.tempo"), "{e}");
}

#[test]
fn bad_weights_files_are_named() {
    let s = StateFile::from_json("state.json", GOOD).unwrap();
    let run = |text: &str, epochs: usize| {
        let f = WeightsFile::from_json("w.json", text)?;
        run_epochs(&s.params, &s.input, epochs, &WeightsSchedule::PerEpoch(f))
    };
    let e = run(r#"{"epochs": [{"0": [[2, 1]]}]}"#, 2)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("weights for 1 epochs") && e.contains("2 epochs"),
        "{e}"
    );
    let e = run(r#"{"epochs": [{"0": [[5, 1]]}]}"#, 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("epoch 0") && e.contains("uid 5"), "{e}");
    let e = run(r#"{"epochs": [{"7": [[1, 1]]}]}"#, 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("uid 7 submits"), "{e}");
    let e = run(r#"{"epochs": [{"0": [[1, 1], [1, 2]]}]}"#, 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("names uid 1 twice"), "{e}");
    let e = run(r#"{"epoch": []}"#, 1).unwrap_err().to_string();
    assert!(e.contains("epoch"), "{e}");
}
