//! The simulation loop with a native mechanism (`imr_sim::testing`): behaviours, Yuma bookkeeping and outputs.

use std::path::Path;

use imr_sim::outputs::{receipt_hash_is_valid, write_outputs};
use imr_sim::testing::{epochs, NativeRunner};
use imr_sim::{simulate, Action, SimEpoch, Simulation, Summary, Validators};
use imr_weights::Sdk;
use imr_yuma::Hyperparams;

fn validators(text: &str) -> Validators {
    Validators::parse(text, Path::new("V.json")).unwrap()
}

fn run(v: &Validators, e: &[SimEpoch]) -> (Simulation, Vec<usize>) {
    let mut runner = NativeRunner::new(e, 0);
    let sim = simulate(
        v,
        &Hyperparams::default(),
        e,
        Sdk::V11,
        &mut runner,
        &mut |_| {},
    )
    .unwrap();
    (sim, runner.runs)
}

const MIXED: &str = r#"{"validators": [
  {"name": "a", "stake": 4000, "behaviour": {"kind": "honest"}},
  {"name": "b", "stake": 2000, "behaviour": {"kind": "honest"}},
  {"name": "s", "stake": 1000, "behaviour": {"kind": "sampled", "fraction": 0.5}},
  {"name": "c0", "stake": 1000, "behaviour": {"kind": "copier", "source": "a", "k": 0}},
  {"name": "c2", "stake": 1000, "behaviour": {"kind": "copier", "source": "s", "k": 2}},
  {"name": "t", "stake": 1000, "behaviour": {"kind": "stale", "k": 3}},
  {"name": "r", "stake": 500, "behaviour": {"kind": "random"}},
  {"name": "o", "stake": 500, "behaviour": {"kind": "offline"}}]}"#;

#[test]
fn each_behaviour_sets_what_it_should() {
    let e = epochs(12, 10);
    let v = validators(MIXED);
    let (sim, runs) = run(&v, &e);
    assert_eq!(sim.records.len(), 12);
    assert_eq!(sim.miners, 10);
    // Only honest, sampled and stale validators run the mechanism, every epoch.
    assert_eq!(runs, vec![12, 12, 12, 0, 0, 12]);
    for (t, r) in sim.records.iter().enumerate() {
        let a = &r.actions;
        // Two honest validators with the same view set the same row.
        assert_eq!(a[0].row(), a[1].row());
        // A copier with k = 0 sets its source's row of the same epoch.
        assert_eq!(a[3].row(), a[0].row());
        // A copier with k = 2 sets what its source had set two epochs earlier, nothing before.
        if t >= 2 {
            assert_eq!(a[4].row(), sim.records[t - 2].actions[2].row());
        } else {
            assert_eq!(a[4], Action::NothingToCopy);
        }
        // The stale validator sets every third epoch.
        assert_eq!(a[5].row().is_some(), t % 3 == 0, "epoch {t}");
        if t % 3 == 0 {
            assert_eq!(a[5].row(), a[0].row());
        } else {
            assert_eq!(a[5], Action::Waiting);
        }
        assert!(a[6].row().is_some());
        assert_eq!(a[7], Action::Offline);
        // The sampled validator saw only part of the responses: its row differs here.
        assert_ne!(a[2].row(), a[0].row(), "epoch {t}");
    }
    // The offline validator never has bonds, so it earns no dividends.
    let offline_uid = sim.validator_uid(7) as usize;
    assert!(sim
        .records
        .iter()
        .all(|r| r.output.validator_emission[offline_uid] == 0
            && r.output.bonds_u16[offline_uid].is_empty()));
    let summary = Summary::of(&sim);
    assert_eq!(summary.validators[7].dividends_rao, 0);
    assert_eq!(summary.validators[7].epochs_set, 0);
    assert_eq!(summary.validators[5].epochs_set, 4);
    // The honest validators earn something; their weights-per-stake are the reference.
    assert!(summary.honest_dividends_per_stake.unwrap() > 0.0);
    // Random rows differ from epoch to epoch (seeded by the epoch seed).
    assert_ne!(
        sim.records[0].actions[6].row(),
        sim.records[1].actions[6].row()
    );
}

#[test]
fn a_copier_with_k_0_earns_its_sources_dividends_per_stake() {
    let e = epochs(30, 8);
    let v = validators(
        r#"{"validators": [
          {"name": "a", "stake": 3000, "behaviour": {"kind": "honest"}},
          {"name": "b", "stake": 1000, "behaviour": {"kind": "random"}},
          {"name": "c", "stake": 1500, "behaviour": {"kind": "copier", "source": "a", "k": 0}}]}"#,
    );
    let (sim, _) = run(&v, &e);
    let summary = Summary::of(&sim);
    let (a, c) = (&summary.validators[0], &summary.validators[2]);
    let (da, dc) = (
        a.dividends_per_stake.unwrap(),
        c.dividends_per_stake.unwrap(),
    );
    assert!(da > 0.0);
    // Exactly equal up to the rao rounding of each epoch's dividend.
    assert!(
        (da - dc).abs() <= 30.0 * 2.0 / 1e9 / 1500.0 + 1e-12,
        "honest {da}, copier {dc}"
    );
    assert!(c.vs_honest.unwrap().abs() < 1e-6, "{:?}", c.vs_honest);
}

#[test]
fn identical_honest_validators_set_equal_weights_and_consensus_equals_them() {
    let e = epochs(5, 6);
    let v = validators(
        r#"{"validators": [
          {"name": "a", "stake": 3000, "behaviour": {"kind": "honest"}},
          {"name": "b", "stake": 1000, "behaviour": {"kind": "honest"}},
          {"name": "c", "stake": 10, "behaviour": {"kind": "honest"}}]}"#,
    );
    let (sim, _) = run(&v, &e);
    for r in &sim.records {
        let row = r.actions[0].row().unwrap();
        assert_eq!(Some(row), r.actions[1].row());
        assert_eq!(Some(row), r.actions[2].row());
        let sum: f64 = row.iter().map(|&(_, w)| f64::from(w)).sum();
        for uid in 0..6u16 {
            let w = row
                .iter()
                .find(|&&(u, _)| u == uid)
                .map_or(0.0, |&(_, w)| f64::from(w));
            let c = f64::from(r.output.consensus_u16[uid as usize]) / 65535.0;
            assert!(
                (c - w / sum).abs() < 2e-5,
                "epoch {} uid {uid}: {c} vs {}",
                r.index,
                w / sum
            );
        }
    }
}

#[test]
fn two_runs_write_identical_outputs_and_receipts() {
    let e = epochs(8, 7);
    let v = validators(MIXED);
    let write = || {
        let (sim, _) = run(&v, &e);
        let dir = tempfile::tempdir().unwrap();
        let receipt = write_outputs(
            &sim,
            &Summary::of(&sim),
            dir.path(),
            serde_json::json!({"mechanism": "native"}),
            serde_json::json!({}),
        )
        .unwrap();
        assert!(receipt_hash_is_valid(&receipt));
        let files: Vec<(String, Vec<u8>)> = [
            "uids.csv",
            "weights.csv",
            "epochs.jsonl",
            "summary.json",
            "simulation.json",
        ]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(dir.path().join(f)).unwrap()))
        .collect();
        (receipt, files)
    };
    let (r1, f1) = write();
    let (r2, f2) = write();
    assert_eq!(r1, r2);
    assert_eq!(f1, f2);
    // A changed input changes the receipt.
    let (sim, _) = run(&validators(&MIXED.replace("4000", "4001")), &e);
    let dir = tempfile::tempdir().unwrap();
    let r3 = write_outputs(
        &sim,
        &Summary::of(&sim),
        dir.path(),
        serde_json::json!({"mechanism": "native"}),
        serde_json::json!({}),
    )
    .unwrap();
    assert_ne!(r1["hash"], r3["hash"]);
    let mut tampered = r1.clone();
    tampered["miners"] = serde_json::json!(99);
    assert!(!receipt_hash_is_valid(&tampered));
}

#[test]
fn bad_epoch_sequences_are_refused() {
    let mut e = epochs(3, 4);
    e[2].epoch.block = e[1].epoch.block;
    let v = validators(MIXED);
    let mut runner = NativeRunner::new(&e, 0);
    let err = simulate(
        &v,
        &Hyperparams::default(),
        &e,
        Sdk::V11,
        &mut runner,
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("epoch 2") && err.contains("block order"),
        "{err}"
    );
    let err = simulate(
        &v,
        &Hyperparams::default(),
        &[],
        Sdk::V11,
        &mut runner,
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no epochs"), "{err}");
}

/// A validator that goes offline after setting weights keeps earning on its bonds while the chain still counts it
/// active, then earns exactly nothing, to the end. On chain, what ends the dividends is the activity cutoff (its
/// last weights stay stored and its bonds with them; an inactive validator's stake is masked out of the epoch),
/// which is what this checks, block for block, against the subnet's `activity_cutoff`.
#[test]
fn an_offline_validator_earns_no_dividends_after_its_bonds_decay() {
    const FROM: usize = 4;
    let e = epochs(60, 6);
    let v = validators(
        r#"{"validators": [
  {"name": "a", "stake": 4000, "behaviour": {"kind": "honest"}},
  {"name": "b", "stake": 2000, "behaviour": {"kind": "honest"}},
  {"name": "p", "stake": 2000, "behaviour": {"kind": "offline", "from": 4}}]}"#,
    );
    let (sim, runs) = run(&v, &e);
    // It ran the mechanism only while online, and set weights only then.
    assert_eq!(runs, vec![60, 60, FROM]);
    for (t, r) in sim.records.iter().enumerate() {
        assert_eq!(r.actions[2].row().is_some(), t < FROM, "epoch {t}");
    }
    let uid = sim.validator_uid(2) as usize;
    let dividends: Vec<u64> = sim
        .records
        .iter()
        .map(|r| r.output.validator_emission[uid])
        .collect();
    let last_set_block = sim.records[FROM - 1].block;
    let cutoff = Hyperparams::default().activity_cutoff();
    for r in &sim.records[FROM..] {
        let active = r.block - last_set_block <= cutoff;
        assert_eq!(
            r.output.validator_emission[uid] > 0,
            active,
            "epoch {} at block {}: dividends {dividends:?}",
            r.index,
            r.block
        );
    }
    // Both phases occur in the run: paid after going offline, then nothing to the end.
    assert!(dividends[FROM] > 0, "{dividends:?}");
    assert_eq!(*dividends.last().unwrap(), 0, "{dividends:?}");
    // The honest validators keep earning.
    let last = &sim.records.last().unwrap().output;
    assert!(last.validator_emission[sim.validator_uid(0) as usize] > 0);
}
