//! A validator deregistered between epochs: `replace_neuron` + `clear_neuron` as state edits and
//! as the driver's `replace` event (issue 13 class 4, hand-built cases).

use std::collections::BTreeMap;

use imr_yuma::driver::WeightsFile;
use imr_yuma::replace::{clear_stored_terms, replace_neuron};
use imr_yuma::{run_epoch, run_epochs, EpochInput, Hyperparams, WeightsSchedule, YumaError};

/// Validators 0 and 1 (stake 600 and 400) weight miners 2 and 3; 0 also weights 1.
fn state() -> EpochInput {
    EpochInput {
        current_block: 100,
        stake: vec![600, 400, 0, 0],
        tao_stake: None,
        validator_permit: Some(vec![true, true, false, false]),
        weights: Some(vec![
            vec![(1, 10_000), (2, 65_535), (3, 30_000)],
            vec![(2, 40_000), (3, 65_535)],
            vec![],
            vec![],
        ]),
        bonds: None,
        last_update: Some(vec![100, 100, 0, 0]),
        block_at_registration: Some(vec![0, 0, 0, 0]),
        last_mechanism_step_block: 0,
        commit_block: None,
        previous_consensus_u16: None,
    }
}

fn hp(yuma3: bool) -> Hyperparams {
    Hyperparams {
        tempo: 10,
        yuma3,
        ..Hyperparams::default()
    }
}

/// Both validators re-submit before every epoch; uid `replaced` is replaced before `at`.
fn file(epochs: usize, replaced: u16, at: usize) -> WeightsFile {
    let rows = state().weights.unwrap();
    let mut per_epoch = Vec::new();
    for k in 0..epochs {
        let mut subs = BTreeMap::new();
        for uid in [0u16, 1] {
            if !(uid == replaced && k >= at) {
                let row = rows[uid as usize].clone();
                subs.insert(uid, row);
            }
        }
        per_epoch.push(subs);
    }
    let json = serde_json::json!({
        "epochs": per_epoch,
        "replace": [{"epoch": at, "uid": replaced}],
    });
    WeightsFile::from_json("test", &json.to_string()).expect("weights file with a replace event")
}

#[test]
fn replace_neuron_makes_every_documented_edit() {
    let mut s = state();
    s.bonds = Some(vec![
        vec![(2, 500), (0, 7)],
        vec![(0, 9), (3, 300)],
        vec![],
        vec![],
    ]);
    s.previous_consensus_u16 = Some(vec![1, 2, 3, 4]);
    replace_neuron(&mut s, 0, 25, 95).unwrap();
    let w = s.weights.as_ref().unwrap();
    assert!(w[0].is_empty(), "weights BY the uid are removed");
    assert_eq!(w[1], vec![(2, 40_000), (3, 65_535)]);
    let b = s.bonds.as_ref().unwrap();
    assert!(b[0].is_empty(), "the uid's bond row is removed");
    assert_eq!(b[1], vec![(0, 9), (3, 300)], "bonds TO the uid are kept");
    assert!(!s.validator_permit.as_ref().unwrap()[0]);
    assert_eq!(
        s.previous_consensus_u16.as_ref().unwrap(),
        &vec![0, 2, 3, 4]
    );
    assert_eq!(s.last_update.as_ref().unwrap()[0], 95);
    assert_eq!(s.block_at_registration.as_ref().unwrap()[0], 95);
    assert_eq!(s.stake[0], 25);
    // Weights TO a replaced uid are zeroed, the entry (and the row's order) kept.
    replace_neuron(&mut s, 1, 0, 96).unwrap();
    assert!(s.weights.as_ref().unwrap()[1].is_empty());
    let mut t = state();
    replace_neuron(&mut t, 1, 0, 96).unwrap();
    assert_eq!(
        t.weights.as_ref().unwrap()[0],
        vec![(1, 0), (2, 65_535), (3, 30_000)]
    );
}

#[test]
fn a_replaced_validator_keeps_no_bonds_and_earns_no_dividends() {
    for yuma3 in [false, true] {
        let hp = hp(yuma3);
        let records = run_epochs(&hp, &state(), 4, &WeightsSchedule::PerEpoch(file(4, 0, 2)))
            .expect("run with a replace event");
        // Before the replacement validator 0 earns dividends; afterwards (no stake, no bonds,
        // no weights) nothing, and the remaining validator takes all of them.
        assert!(records[1].output.dividends_u16[0] > 0, "yuma3={yuma3}");
        for r in &records[2..] {
            assert_eq!(
                r.output.dividends_u16[0], 0,
                "yuma3={yuma3} epoch {}",
                r.epoch
            );
            assert_eq!(r.output.validator_emission[0], 0, "yuma3={yuma3}");
            assert!(r.output.bonds_u16[0].is_empty(), "yuma3={yuma3}");
            assert!(r.output.validator_emission[1] > 0, "yuma3={yuma3}");
        }
    }
}

#[test]
fn the_driver_applies_the_same_edits_as_replace_neuron() {
    let hp = hp(true);
    let f = file(3, 0, 2);
    let records = run_epochs(&hp, &state(), 3, &WeightsSchedule::PerEpoch(f)).unwrap();
    // Rebuild the state before epoch 2 by hand from epoch 1's outputs.
    let mut s = state();
    s.current_block = records[1].block + 10;
    s.bonds = Some(records[1].output.bonds_u16.clone());
    s.validator_permit = Some(records[1].output.new_validator_permit.clone());
    s.previous_consensus_u16 = Some(records[1].output.consensus_u16.clone());
    s.last_mechanism_step_block = records[1].block;
    let block = s.current_block;
    replace_neuron(&mut s, 0, 0, block).unwrap();
    s.last_update.as_mut().unwrap()[1] = block;
    assert_eq!(run_epoch(&hp, &s).unwrap(), records[2].output);
    // Chaining the stored terms alone (what the vector test does) clears the same entries.
    let mut c = state();
    c.bonds = Some(records[1].output.bonds_u16.clone());
    c.validator_permit = Some(records[1].output.new_validator_permit.clone());
    clear_stored_terms(&mut c, 0).unwrap();
    assert_eq!(c.bonds, s.bonds);
    assert_eq!(c.validator_permit, s.validator_permit);
}

#[test]
fn bad_replace_events_are_errors() {
    let hp = hp(true);
    let mut s = state();
    assert!(matches!(
        replace_neuron(&mut s, 4, 0, 1),
        Err(YumaError::ReplaceOutOfRange { uid: 4, n: 4 })
    ));
    // An event after the last epoch of the run.
    let err = run_epochs(&hp, &state(), 2, &WeightsSchedule::PerEpoch(file(2, 0, 5)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("before epoch 5"), "{err}");
    // A registration block after the epoch's block.
    let json = r#"{"epochs": [{}, {}], "replace": [{"epoch": 1, "uid": 1, "block": 10000}]}"#;
    let f = WeightsFile::from_json("test", json).unwrap();
    let err = run_epochs(&hp, &state(), 2, &WeightsSchedule::PerEpoch(f))
        .unwrap_err()
        .to_string();
    assert!(err.contains("registers at block 10000"), "{err}");
    // A uid out of range, and an unknown field, named.
    let json = r#"{"epochs": [{}, {}], "replace": [{"epoch": 1, "uid": 9}]}"#;
    let f = WeightsFile::from_json("test", json).unwrap();
    let err = run_epochs(&hp, &state(), 2, &WeightsSchedule::PerEpoch(f))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot replace uid 9"), "{err}");
    let json = r#"{"epochs": [{}], "replace": [{"epoch": 0, "uid": 1, "hotkey": "x"}]}"#;
    let err = WeightsFile::from_json("test", json)
        .unwrap_err()
        .to_string();
    assert!(err.contains("hotkey"), "{err}");
}
