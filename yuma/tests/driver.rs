//! The multi-epoch driver: chained runs reproduce the golden sequences whose steps are one
//! tempo apart, and held-fixed weights keep a symmetric subnet in its symmetric split.

mod common;

use std::collections::BTreeMap;

use imr_yuma::driver::WeightsFile;
use imr_yuma::{run_epochs, EpochInput, EpochOutput, Hyperparams, WeightsSchedule};

#[test]
fn driver_reproduces_consecutive_vector_sequences() {
    let Some(root) = common::vectors_root() else {
        return;
    };
    let mut files = common::discover(&root, "subtensor", |n| {
        n.starts_with("epoch_") && n.ends_with(".json")
    });
    // Liquid alpha's consensus mode: the driver must also carry the stored Consensus forward.
    let la_modes = root.join("subtensor/liquid-alpha-consensus-mode");
    if la_modes.is_dir() {
        files.extend(common::discover(
            &root,
            "subtensor/liquid-alpha-consensus-mode",
            |n| n.ends_with(".json"),
        ));
    }
    // `derived` minus what is not a stored output (the source of liquid alpha's consensus).
    let derived = |step: &serde_json::Value| -> EpochOutput {
        let mut d = step["derived"].clone();
        if let Some(m) = d.as_object_mut() {
            m.remove("liquid_alpha_consensus_source");
        }
        serde_json::from_value(d).unwrap()
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut checked_names = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let doc = common::read_json(f);
        let hp: Hyperparams = serde_json::from_value(doc["params"].clone()).unwrap();
        let steps = doc["steps"].as_array().unwrap();
        let inputs: Vec<EpochInput> = steps
            .iter()
            .map(|s| serde_json::from_value(s["input"].clone()).unwrap())
            .collect();
        let step = (hp.tempo as u64).max(1);
        let consecutive = inputs
            .iter()
            .enumerate()
            .all(|(k, i)| i.current_block == inputs[0].current_block + k as u64 * step);
        // Only sequences whose state changes are weight submissions (no re-registration or
        // stake change between steps) can be expressed as a weights file.
        let only_weights_change = inputs.iter().enumerate().skip(1).all(|(k, i)| {
            let prev = derived(&steps[k - 1]);
            i.stake == inputs[0].stake
                && i.block_at_registration == inputs[0].block_at_registration
                && i.bonds.as_ref() == Some(&prev.bonds_u16)
                && i.validator_permit.as_ref() == Some(&prev.new_validator_permit)
        });
        if !consecutive || !only_weights_change || inputs.len() < 2 {
            continue;
        }
        checked += 1;
        checked_names.push(name.clone());
        // Submissions: every uid whose stored row changed since the previous step.
        let mut epochs = Vec::new();
        let empty = vec![Vec::new(); inputs[0].stake.len()];
        for (k, input) in inputs.iter().enumerate() {
            let prev = if k == 0 {
                &empty
            } else {
                inputs[k - 1].weights.as_ref().unwrap()
            };
            let mut subs = BTreeMap::new();
            for (uid, row) in input.weights.as_ref().unwrap().iter().enumerate() {
                if row != &prev[uid] {
                    subs.insert(uid as u16, row.clone());
                }
            }
            epochs.push(subs);
        }
        let mut initial = inputs[0].clone();
        initial.weights = Some(empty.clone());
        let records = run_epochs(
            &hp,
            &initial,
            inputs.len(),
            &WeightsSchedule::PerEpoch(WeightsFile { epochs }),
        )
        .unwrap();
        for (k, r) in records.iter().enumerate() {
            let want = derived(&steps[k]);
            if r.output != want {
                failures.push(format!(
                    "{name} step {k}: driver output differs from `derived`"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("{checked} sequences replayed by the driver: {checked_names:?}");
}

#[test]
fn fixed_weights_keep_a_symmetric_split() {
    // Two validators and two servers with equal stake; both validators weight both servers
    // equally. By symmetry every epoch splits 1e9 rao into four equal quarters.
    let input = EpochInput {
        current_block: 10,
        stake: vec![1, 1, 1, 1],
        tao_stake: None,
        validator_permit: Some(vec![true; 4]),
        weights: Some(vec![
            vec![(2, 65535), (3, 65535)],
            vec![(2, 65535), (3, 65535)],
            vec![],
            vec![],
        ]),
        bonds: None,
        last_update: Some(vec![10, 10, 0, 0]),
        block_at_registration: None,
        last_mechanism_step_block: 0,
        commit_block: None,
        previous_consensus_u16: None,
    };
    for yuma3 in [false, true] {
        let hp = Hyperparams {
            tempo: 100,
            yuma3,
            ..Hyperparams::default()
        };
        let records = run_epochs(&hp, &input, 30, &WeightsSchedule::Fixed).unwrap();
        assert_eq!(records.len(), 30);
        for r in &records {
            assert_eq!(r.block, 10 + 100 * r.epoch as u64);
            // Validators keep re-submitting, so they stay active long past the 1388-block cutoff.
            assert_eq!(&r.output.active[..2], &[true, true], "epoch {}", r.epoch);
            assert_eq!(
                r.output.emission,
                vec![250_000_000; 4],
                "yuma3={yuma3} epoch {}",
                r.epoch
            );
        }
    }
}
