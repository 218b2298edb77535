//! The multi-epoch driver: chained runs reproduce the golden sequences whose steps are one
//! tempo apart, and held-fixed weights keep a symmetric subnet in its symmetric split.

mod common;

use std::collections::BTreeMap;

use imr_yuma::driver::WeightsFile;
use imr_yuma::replace::{replace_neuron, Replace};
use imr_yuma::{run_epochs, EpochInput, EpochOutput, Hyperparams, WeightsSchedule};

#[test]
fn driver_reproduces_consecutive_vector_sequences() {
    let root = common::vectors_root();
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
        // Between steps the chain state may change by weight submissions and by replacements
        // (a uid whose BlockAtRegistration changed was taken over by a new hotkey); sequences
        // with any other change (stake of a kept uid, bonds) cannot be expressed as a weights
        // file with replace events.
        let n = inputs[0].stake.len();
        let empty = vec![Vec::new(); n];
        let mut epochs = Vec::new();
        let mut replace = Vec::new();
        let mut expressible = consecutive && inputs.len() >= 2;
        for (k, input) in inputs.iter().enumerate() {
            let mut before = if k == 0 {
                let mut i = input.clone();
                i.weights = Some(empty.clone());
                i
            } else {
                let out = derived(&steps[k - 1]);
                let mut i = inputs[k - 1].clone();
                i.bonds = Some(out.bonds_u16);
                i.validator_permit = Some(out.new_validator_permit);
                i
            };
            if k > 0 {
                let regs_before = before.block_at_registration.clone().unwrap_or_default();
                let regs_after = input.block_at_registration.clone().unwrap_or_default();
                for (uid, (a, b)) in regs_before.iter().zip(&regs_after).enumerate() {
                    if a != b {
                        let r = Replace {
                            epoch: k,
                            uid: uid as u16,
                            stake: input.stake[uid],
                            block: Some(*b),
                        };
                        replace_neuron(&mut before, r.uid, r.stake, *b).unwrap();
                        replace.push(r);
                    }
                }
                expressible &= input.stake == before.stake
                    && input.block_at_registration == before.block_at_registration
                    && input.bonds == before.bonds
                    && input.validator_permit == before.validator_permit;
            }
            // Submissions: every uid whose stored row differs from the state before the step.
            let prev_rows = before.weights.clone().unwrap_or_else(|| empty.clone());
            let mut subs = BTreeMap::new();
            for (uid, row) in input.weights.clone().unwrap_or_default().iter().enumerate() {
                if Some(row) != prev_rows.get(uid) {
                    subs.insert(uid as u16, row.clone());
                }
            }
            epochs.push(subs);
        }
        if !expressible {
            continue;
        }
        checked += 1;
        checked_names.push(name.clone());
        let mut initial = inputs[0].clone();
        initial.weights = Some(empty.clone());
        let records = run_epochs(
            &hp,
            &initial,
            inputs.len(),
            &WeightsSchedule::PerEpoch(WeightsFile { epochs, replace }),
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
