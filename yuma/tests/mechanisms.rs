//! Multi-mechanism epochs against `subtensor/mechanisms/`: every file is discovered and
//! dispatched on its `schema` (`mechanism-split/v1`, `epoch-mechanisms/v1`,
//! `epoch-mechanisms-collection/v1`); every step's `derived` is compared exactly and its
//! `expected` with the file's tolerances; steps chain (bonds per mechanism, permits, with the
//! edits of a replaced uid).

mod common;

use std::path::Path;

use imr_yuma::mechanisms::{
    run_epoch_with_mechanisms, split_emissions, sub_weight_bits, MechanismsInput, MechanismsOutput,
};
use imr_yuma::Hyperparams;
use serde_json::Value;

/// Compares `want` with `got` recursively, pushing one failure per differing leaf path.
fn compare(ctx: &str, path: &str, want: &Value, got: &Value, failures: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                match g.get(k) {
                    Some(gv) => compare(ctx, &format!("{path}.{k}"), wv, gv, failures),
                    None => failures.push(format!("{ctx}: {path}.{k} is not produced")),
                }
            }
        }
        (Value::Array(w), Value::Array(g))
            if w.len() == g.len() && w.iter().any(|v| v.is_object()) =>
        {
            for (i, (wv, gv)) in w.iter().zip(g).enumerate() {
                compare(ctx, &format!("{path}[{i}]"), wv, gv, failures);
            }
        }
        _ if want == got => {}
        _ => failures.push(format!("{ctx}: {path}: want {want}, got {got}")),
    }
}

/// `expected` of one step: per-uid partial maps under `mechanisms.<m>` and `aggregated`, the
/// exact stored bond rows, the split, and the aggregation weights as proportions.
fn check_expected(ctx: &str, expected: &Value, ours: &Value, failures: &mut Vec<String>) {
    let Some(e) = expected.as_object() else {
        failures.push(format!("{ctx}: `expected` is not an object"));
        return;
    };
    let tolerance = |key: &str| {
        e.get("tolerance")
            .and_then(|t| t.get(key))
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
    };
    let close = |want: &Value, got: &Value, tol: f64| match (want.as_f64(), got.as_f64()) {
        (Some(w), Some(g)) => (w - g).abs() <= tol,
        _ => want == got,
    };
    let mut per_uid = |scope: String, terms: &Value, got: &Value| {
        for (key, by_uid) in terms.as_object().into_iter().flatten() {
            if key == "bonds_u16_rows" {
                for (uid, row) in by_uid.as_object().into_iter().flatten() {
                    let have = uid
                        .parse::<usize>()
                        .ok()
                        .and_then(|u| got["bonds_u16"].get(u));
                    if have != Some(row) {
                        failures.push(format!("{ctx}: expected {scope}.bonds_u16_rows[{uid}]: want {row}, got {have:?}"));
                    }
                }
                continue;
            }
            let tol = tolerance(&format!("{scope}.{key}"));
            for (uid, want) in by_uid.as_object().into_iter().flatten() {
                let have = uid.parse::<usize>().ok().and_then(|u| got[key].get(u));
                if !have.is_some_and(|h| close(want, h, tol)) {
                    failures.push(format!(
                        "{ctx}: expected {scope}.{key}[{uid}]: want {want} ± {tol}, got {have:?}"
                    ));
                }
            }
        }
    };
    for (m, terms) in e
        .get("mechanisms")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let got = m
            .parse::<usize>()
            .ok()
            .and_then(|i| ours["mechanisms"].get(i))
            .cloned()
            .unwrap_or(Value::Null);
        per_uid(format!("mechanisms.{m}"), terms, &got);
    }
    if let Some(terms) = e.get("aggregated") {
        per_uid("aggregated".into(), terms, &ours["aggregated"]);
    }
    if let Some(want) = e.get("sub_emission") {
        if want != &ours["sub_emission"] {
            failures.push(format!(
                "{ctx}: expected sub_emission: want {want}, got {}",
                ours["sub_emission"]
            ));
        }
    }
    if let Some(want) = e.get("sub_weight_proportion").and_then(Value::as_array) {
        let tol = tolerance("sub_weight_proportion");
        for (m, w) in want.iter().enumerate() {
            let got = ours["sub_weight_u64f64_bits"][m]
                .as_str()
                .and_then(|b| b.parse::<u128>().ok())
                .map(|b| b as f64 / 2f64.powi(64));
            if !got
                .zip(w.as_f64())
                .is_some_and(|(g, w)| (g - w).abs() <= tol)
            {
                failures.push(format!(
                    "{ctx}: expected sub_weight_proportion[{m}]: want {w} ± {tol}, got {got:?}"
                ));
            }
        }
    }
}

/// Step k's state from step k-1's outputs: bonds per mechanism and the aggregated permits, with
/// the bond rows and permit of a uid whose registration block changed (replaced) cleared.
fn chained(
    prev_input: &MechanismsInput,
    prev: &MechanismsOutput,
    input: &MechanismsInput,
) -> MechanismsInput {
    let mut c = input.clone();
    c.validator_permit = Some(prev.aggregated.new_validator_permit.clone());
    for (m, state) in c.mechanisms.iter_mut().enumerate() {
        if let Some(out) = prev.mechanisms.get(m) {
            state.bonds = Some(out.output.bonds_u16.clone());
        }
    }
    let (Some(a), Some(b)) = (
        &prev_input.block_at_registration,
        &input.block_at_registration,
    ) else {
        return c;
    };
    for (uid, _) in a.iter().zip(b).enumerate().filter(|(_, (x, y))| x != y) {
        if let Some(p) = c.validator_permit.as_mut().and_then(|p| p.get_mut(uid)) {
            *p = false;
        }
        for state in &mut c.mechanisms {
            if let Some(row) = state.bonds.as_mut().and_then(|b| b.get_mut(uid)) {
                row.clear();
            }
        }
    }
    c
}

/// One `epoch-mechanisms/v1` sequence; returns the number of steps.
fn run_sequence(name: &str, doc: &Value, failures: &mut Vec<String>) -> usize {
    let id = doc["id"].as_str().unwrap_or("?");
    let hp: Hyperparams = match serde_json::from_value(doc["params"].clone()) {
        Ok(h) => h,
        Err(e) => {
            failures.push(format!("{name} {id}: params: {e}"));
            return 0;
        }
    };
    let Some(steps) = doc["steps"].as_array() else {
        failures.push(format!("{name} {id}: no `steps` array"));
        return 0;
    };
    let mut prev: Option<(MechanismsInput, MechanismsOutput)> = None;
    for step in steps {
        let ctx = format!("{name} {id} step {}", step["step"]);
        let input: MechanismsInput = match serde_json::from_value(step["input"].clone()) {
            Ok(i) => i,
            Err(e) => {
                failures.push(format!("{ctx}: input: {e}"));
                continue;
            }
        };
        let out = match run_epoch_with_mechanisms(&hp, &input) {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{ctx}: epoch failed: {e}"));
                continue;
            }
        };
        let ours = serde_json::to_value(&out).unwrap_or(Value::Null);
        compare(&ctx, "derived", &step["derived"], &ours, failures);
        check_expected(&ctx, &step["expected"], &ours, failures);
        if let Some((p_in, p_out)) = &prev {
            match run_epoch_with_mechanisms(&hp, &chained(p_in, p_out, &input)) {
                Ok(c) if c == out => {}
                Ok(_) => failures.push(format!(
                    "{ctx}: chained from our previous output differs from the step's input"
                )),
                Err(e) => failures.push(format!("{ctx}: chained epoch failed: {e}")),
            }
        }
        prev = Some((input, out));
    }
    steps.len()
}

fn run_split_cases(name: &str, doc: &Value, failures: &mut Vec<String>) -> usize {
    let cases = doc["cases"].as_array().cloned().unwrap_or_default();
    for (i, c) in cases.iter().enumerate() {
        let ctx = format!("{name} case {} ({})", i, c["id"].as_str().unwrap_or("?"));
        let count = c["mechanism_count"]
            .as_u64()
            .and_then(|n| u8::try_from(n).ok());
        let alpha = c["alpha"].as_u64();
        let split: Option<Vec<u16>> = match serde_json::from_value(c["emission_split"].clone()) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{ctx}: emission_split: {e}"));
                continue;
            }
        };
        let (Some(count), Some(alpha)) = (count, alpha) else {
            failures.push(format!(
                "{ctx}: mechanism_count or alpha is not a valid integer"
            ));
            continue;
        };
        let got = split_emissions(alpha, count, split.as_deref());
        let got_value = serde_json::to_value(&got).unwrap_or(Value::Null);
        if got_value != c["expected"] {
            failures.push(format!("{ctx}: want {}, got {got_value}", c["expected"]));
        }
        if let Some(bits) = c["sub_weight_u64f64_bits"].as_array() {
            for (m, want) in bits.iter().enumerate() {
                let have = got
                    .get(m)
                    .map(|&s| sub_weight_bits(s, alpha, m as u8).to_string());
                if have.as_deref() != want.as_str() {
                    failures.push(format!(
                        "{ctx}: sub_weight_u64f64_bits[{m}]: want {want}, got {have:?}"
                    ));
                }
            }
        }
    }
    cases.len()
}

fn run_file(path: &Path, failures: &mut Vec<String>) -> usize {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let doc = common::read_json(path);
    match doc["schema"].as_str() {
        Some("subtensor-vectors/mechanism-split/v1") => run_split_cases(&name, &doc, failures),
        Some("subtensor-vectors/epoch-mechanisms/v1") => run_sequence(&name, &doc, failures),
        Some("subtensor-vectors/epoch-mechanisms-collection/v1") => doc["sequences"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|seq| run_sequence(&name, seq, failures))
            .sum(),
        other => {
            failures.push(format!("{name}: unknown schema {other:?}"));
            0
        }
    }
}

#[test]
fn mechanism_vectors_match_bit_for_bit() {
    let root = common::vectors_root();
    let files = common::discover(&root, "subtensor/mechanisms", |n| n.ends_with(".json"));
    assert!(
        !files.is_empty(),
        "no vector file in {}",
        root.join("subtensor/mechanisms").display()
    );
    let mut failures = Vec::new();
    let mut cases = 0;
    for f in &files {
        cases += run_file(f, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures[..failures.len().min(30)].join("\n")
    );
    assert!(cases > 0, "no case in the mechanism vectors");
    eprintln!("{} files, {cases} cases and steps matched", files.len());
}

fn two_mechanisms() -> (Hyperparams, MechanismsInput) {
    let hp = Hyperparams {
        netuid: Some(3),
        mechanism_count: 2,
        ..Hyperparams::default()
    };
    let input: MechanismsInput = serde_json::from_value(serde_json::json!({
        "current_block": 10, "rao_emission": 1000, "stake": [10, 0],
        "validator_permit": [true, false],
        "mechanisms": [
            {"weights": [[[1, 65535]], []], "last_update": [10]},
            {"mecid": 1, "netuid_index": 4099, "weights": [[[1, 1]], []], "last_update": [10, 0]}
        ]
    }))
    .unwrap();
    (hp, input)
}

#[test]
fn two_mechanisms_split_and_aggregate_by_hand() {
    let (hp, input) = two_mechanisms();
    let out = run_epoch_with_mechanisms(&hp, &input).unwrap();
    assert_eq!(out.sub_emission, vec![500, 500]);
    assert_eq!(
        out.sub_weight_u64f64_bits,
        vec![(1u128 << 63).to_string(); 2]
    );
    assert_eq!(out.mechanisms[1].netuid_index, 4099);
    // Server and validator emissions are plain sums; the two halves add up to the emission.
    let total: u64 = out.aggregated.server_emission.iter().sum::<u64>()
        + out.aggregated.validator_emission.iter().sum::<u64>();
    assert!((999..=1000).contains(&total), "{total}");
    // Emission is the weighted sum of per-mechanism emissions: about half of the total.
    let e: u64 = out.aggregated.emission.iter().sum();
    assert!((499..=500).contains(&e), "{e}");
}

#[test]
fn bad_mechanism_states_are_errors_naming_the_field() {
    let (hp, input) = two_mechanisms();
    let mut three = hp.clone();
    three.mechanism_count = 3;
    let err = run_epoch_with_mechanisms(&three, &input)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("has 2 entries but `params.mechanism_count` is 3"),
        "{err}"
    );
    let mut zero = hp.clone();
    zero.mechanism_count = 0;
    let err = run_epoch_with_mechanisms(&zero, &input)
        .unwrap_err()
        .to_string();
    assert!(err.contains("must be 1 to 16"), "{err}");
    let mut wrong = input.clone();
    wrong.mechanisms[1].netuid_index = Some(1);
    let err = run_epoch_with_mechanisms(&hp, &wrong)
        .unwrap_err()
        .to_string();
    assert!(err.contains("mechanisms[1].netuid_index"), "{err}");
    let mut long = input.clone();
    long.mechanisms[0].last_update = Some(vec![0; 5]);
    let err = run_epoch_with_mechanisms(&hp, &long)
        .unwrap_err()
        .to_string();
    assert!(err.contains("mechanisms[0].last_update"), "{err}");
    // The single-mechanism path points to the multi-mechanism format.
    let single = imr_yuma::EpochInput {
        current_block: 1,
        stake: vec![1],
        tao_stake: None,
        validator_permit: None,
        weights: None,
        bonds: None,
        last_update: None,
        block_at_registration: None,
        last_mechanism_step_block: 0,
        commit_block: None,
        previous_consensus_u16: None,
    };
    let err = imr_yuma::run_epoch(&hp, &single).unwrap_err().to_string();
    assert!(err.contains("input.mechanisms"), "{err}");
}
