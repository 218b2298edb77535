//! Golden-vector tests: every step of every `subtensor/epoch_*.json`, the weighted median on raw
//! bits, and the set_weights max-upscale cases.

mod common;

use std::path::Path;

use imr_yuma::fixed::{vec_u16_max_upscale_to_u16, I32F32};
use imr_yuma::median::{weighted_median, weighted_median_col_sparse};
use imr_yuma::replace::clear_stored_terms;
use imr_yuma::sparse::inplace_normalize;
use imr_yuma::{run_epoch, run_epoch_traced, EpochInput, EpochOutput, Hyperparams};
use serde_json::Value;

fn field_values(out: &EpochOutput) -> serde_json::Map<String, Value> {
    match serde_json::to_value(out).expect("output serializes") {
        Value::Object(m) => m,
        _ => unreachable!("EpochOutput serializes to an object"),
    }
}

/// Compare a step's `derived` object with our output field by field.
fn check_derived(ctx: &str, derived: &Value, ours: &EpochOutput, failures: &mut Vec<String>) {
    let ours = field_values(ours);
    let Some(d) = derived.as_object() else {
        failures.push(format!("{ctx}: `derived` is not an object"));
        return;
    };
    for (field, want) in d {
        match ours.get(field) {
            None => failures.push(format!("{ctx}: derived field `{field}` is not produced")),
            Some(got) if got != want => {
                failures.push(format!("{ctx}: derived.{field}: want {want}, got {got}"))
            }
            Some(_) => {}
        }
    }
    for field in ours.keys() {
        if !d.contains_key(field) {
            failures.push(format!("{ctx}: derived has no `{field}` to compare"));
        }
    }
}

/// Compare a step's `expected` object (upstream assertions) with our output.
fn check_expected(ctx: &str, expected: &Value, ours: &EpochOutput, failures: &mut Vec<String>) {
    let map = field_values(ours);
    let Some(e) = expected.as_object() else {
        failures.push(format!("{ctx}: `expected` is not an object"));
        return;
    };
    let tolerance = e.get("tolerance").and_then(Value::as_f64);
    for (field, want) in e {
        match field.as_str() {
            "tolerance" | "compare" => {}
            "bonds_u16" => {
                for t in want.as_array().into_iter().flatten() {
                    let (i, j, v) = (t[0].as_u64(), t[1].as_u64(), t[2].as_u64());
                    let (Some(i), Some(j), Some(v)) = (i, j, v) else {
                        failures.push(format!("{ctx}: expected.bonds_u16 entry {t} is malformed"));
                        continue;
                    };
                    let got = ours
                        .bonds_u16
                        .get(i as usize)
                        .and_then(|r| r.iter().rev().find(|(c, _)| *c as u64 == j))
                        .map(|(_, v)| *v as u64)
                        .unwrap_or(0);
                    if got != v {
                        failures.push(format!(
                            "{ctx}: expected.bonds_u16[{i}][{j}]: want {v}, got {got}"
                        ));
                    }
                }
            }
            "dividends_proportion" => {
                let Some(tol) = tolerance else {
                    failures.push(format!("{ctx}: dividends_proportion without tolerance"));
                    continue;
                };
                for (uid, w) in want.as_array().into_iter().flatten().enumerate() {
                    let w = w.as_f64().unwrap_or(f64::NAN);
                    let got = ours.dividends_u16.get(uid).map(|&d| d as f64 / 65535.0);
                    match got {
                        Some(g) if (g - w).abs() <= tol => {}
                        _ => failures.push(format!(
                            "{ctx}: expected.dividends_proportion[{uid}]: want {w} ± {tol}, got {got:?}"
                        )),
                    }
                }
            }
            _ => {
                let Some(got_all) = map.get(field).and_then(Value::as_array) else {
                    failures.push(format!("{ctx}: expected field `{field}` is not an output"));
                    continue;
                };
                for (uid, w) in want.as_object().into_iter().flatten() {
                    let got = uid.parse::<usize>().ok().and_then(|u| got_all.get(u));
                    if got != Some(w) {
                        failures.push(format!(
                            "{ctx}: expected.{field}[{uid}]: want {w}, got {got:?}"
                        ));
                    }
                }
            }
        }
    }
}

fn run_file(path: &Path, failures: &mut Vec<String>) -> usize {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let doc = common::read_json(path);
    let hp: Hyperparams = match serde_json::from_value(doc["params"].clone()) {
        Ok(h) => h,
        Err(e) => {
            failures.push(format!("{name}: params: {e}"));
            return 0;
        }
    };
    let Some(steps) = doc["steps"].as_array() else {
        failures.push(format!("{name}: no `steps` array"));
        return 0;
    };
    let mut prev: Option<EpochOutput> = None;
    let mut prev_input: Option<EpochInput> = None;
    for step in steps {
        let ctx = format!(
            "{name} step {} ({})",
            step["step"],
            step["label"].as_str().unwrap_or("")
        );
        let input: EpochInput = match serde_json::from_value(step["input"].clone()) {
            Ok(i) => i,
            Err(e) => {
                failures.push(format!("{ctx}: input: {e}"));
                continue;
            }
        };
        match run_epoch_traced(&hp, &input) {
            Err(e) => failures.push(format!("{ctx}: epoch failed: {e}")),
            Ok((out, trace)) => {
                let mut derived = step["derived"].clone();
                if let Some(want) = derived
                    .as_object_mut()
                    .and_then(|d| d.remove("liquid_alpha_consensus_source"))
                {
                    let got = serde_json::to_value(trace.liquid_alpha_consensus_source)
                        .unwrap_or(Value::Null);
                    if got != want {
                        failures.push(format!(
                            "{ctx}: derived.liquid_alpha_consensus_source: want {want}, got {got}"
                        ));
                    }
                }
                check_derived(&ctx, &derived, &out, failures);
                check_expected(&ctx, &step["expected"], &out, failures);
                // Chaining: replay with the previous epoch's written bonds, permits and
                // consensus, after the documented between-step edits of a replaced uid.
                if let (Some(p), Some(p_input)) = (&prev, &prev_input) {
                    let mut chained = input.clone();
                    chained.bonds = Some(p.bonds_u16.clone());
                    chained.validator_permit = Some(p.new_validator_permit.clone());
                    // A label with "synthetic" stores a consensus of another length on purpose.
                    let label = step["label"].as_str().unwrap_or("");
                    if input.previous_consensus_u16.is_some() && !label.contains("synthetic") {
                        chained.previous_consensus_u16 = Some(p.consensus_u16.clone());
                    }
                    for uid in replaced_uids(p_input, &input) {
                        if let Err(e) = clear_stored_terms(&mut chained, uid) {
                            failures.push(format!("{ctx}: replacing uid {uid}: {e}"));
                        }
                    }
                    match run_epoch(&hp, &chained) {
                        Ok(c) if c == out => {}
                        Ok(_) => failures.push(format!(
                            "{ctx}: chained from our previous output differs from the step's input"
                        )),
                        Err(e) => failures.push(format!("{ctx}: chained epoch failed: {e}")),
                    }
                }
                prev = Some(out);
                prev_input = Some(input);
            }
        }
    }
    steps.len()
}

/// The uids a new hotkey took over between two steps: those whose `BlockAtRegistration`
/// changed (`replace_neuron` sets it to the registration block).
fn replaced_uids(before: &EpochInput, after: &EpochInput) -> Vec<u16> {
    let (Some(a), Some(b)) = (&before.block_at_registration, &after.block_at_registration) else {
        return Vec::new();
    };
    a.iter()
        .zip(b)
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .map(|(uid, _)| uid as u16)
        .collect()
}

/// Every `*.json` under `dir`, sub-folders included, sorted.
fn json_files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let rd = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("cannot read vectors folder {}: {e}", d.display()));
        for entry in rd {
            let p = entry
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()))
                .path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Schemas of one Yuma epoch per step: the flat `epoch_*.json` files, and liquid alpha's
/// consensus mode (which adds `previous_consensus_u16` and the source of liquid alpha's
/// consensus).
const EPOCH_SCHEMAS: [&str; 2] = [
    "subtensor-vectors/epoch-sequence/v1",
    "subtensor-vectors/epoch-la-consensus-mode/v1",
];

#[test]
fn epoch_sequences_match_bit_for_bit() {
    let root = common::vectors_root();
    // Discover every file under subtensor/ (sub-folders included) and dispatch on `schema`.
    let files: Vec<_> = json_files_under(&root.join("subtensor"))
        .into_iter()
        .filter(|f| {
            let schema = common::read_json(f)["schema"].as_str().map(str::to_string);
            schema.is_some_and(|s| EPOCH_SCHEMAS.contains(&s.as_str()))
        })
        .collect();
    assert!(
        !files.is_empty(),
        "no epoch-sequence file under {}",
        root.join("subtensor").display()
    );
    let mut failures = Vec::new();
    let mut steps = 0;
    for f in &files {
        steps += run_file(f, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{} files, {steps} steps matched", files.len());
}

fn bits(v: &Value) -> I32F32 {
    I32F32::from_bits(v.as_i64().expect("bits are integers"))
}

fn f32_fixed(v: &Value) -> I32F32 {
    I32F32::from_num(v.as_f64().expect("a number") as f32)
}

#[test]
fn weighted_median_on_raw_bits() {
    let root = common::vectors_root();
    let files = common::discover(&root, "subtensor", |n| n == "weighted_median.json");
    let mut failures = Vec::new();
    for f in &files {
        let doc = common::read_json(f);
        for (ci, c) in doc["column_cases"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let ctx = format!("weighted_median.json column_cases[{ci}]");
            let stake: Vec<I32F32> = c["stake_bits"]
                .as_array()
                .unwrap()
                .iter()
                .map(bits)
                .collect();
            let rows: Vec<Vec<(u16, I32F32)>> = c["weights_bits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    r.as_array()
                        .unwrap()
                        .iter()
                        .enumerate()
                        .map(|(j, b)| (j as u16, bits(b)))
                        .collect()
                })
                .collect();
            let cols = rows.first().map(|r| r.len()).unwrap_or(0) as u16;
            let majority = bits(&c["majority_bits"]);
            let got = weighted_median_col_sparse(&stake, &rows, cols, majority);
            let want: Vec<I32F32> = c["expected_median_bits"]
                .as_array()
                .unwrap()
                .iter()
                .map(bits)
                .collect();
            if got != want {
                failures.push(format!(
                    "{ctx}: expected_median_bits: want {want:?}, got {got:?}"
                ));
            }
            // The same with zero entries left out (absent entries count as 0).
            let sparse: Vec<Vec<(u16, I32F32)>> = rows
                .iter()
                .map(|r| {
                    r.iter()
                        .copied()
                        .filter(|(_, v)| *v != I32F32::from_num(0))
                        .collect()
                })
                .collect();
            let got = weighted_median_col_sparse(&stake, &sparse, cols, majority);
            if got != want {
                failures.push(format!("{ctx} (zeros absent): want {want:?}, got {got:?}"));
            }
        }
        for (ci, c) in doc["direct_cases"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let ctx = format!("weighted_median.json direct_cases[{ci}]");
            let mut stake: Vec<I32F32> = c["stake"]
                .as_array()
                .unwrap()
                .iter()
                .map(f32_fixed)
                .collect();
            if c["stake_normalized_first"].as_bool() == Some(true) {
                inplace_normalize(&mut stake);
            }
            let score: Vec<I32F32> = c["score"]
                .as_array()
                .unwrap()
                .iter()
                .map(f32_fixed)
                .collect();
            let minority = I32F32::from_num(1).saturating_sub(f32_fixed(&c["majority"]));
            if minority != bits(&c["minority_bits"]) {
                failures.push(format!(
                    "{ctx}: minority_bits: want {}, got {}",
                    c["minority_bits"],
                    minority.to_bits()
                ));
            }
            let hi = stake.iter().fold(I32F32::from_num(0), |a, b| a + *b);
            let idx: Vec<usize> = (0..stake.len()).collect();
            let got = weighted_median(&stake, &score, &idx, minority, I32F32::from_num(0), hi);
            if got != bits(&c["expected_bits"]) {
                failures.push(format!(
                    "{ctx}: expected_bits: want {}, got {}",
                    c["expected_bits"],
                    got.to_bits()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn set_weights_max_upscale_cases() {
    let root = common::vectors_root();
    let files = common::discover(&root, "subtensor", |n| n == "set_weights_max_upscale.json");
    let mut failures = Vec::new();
    for f in &files {
        let doc = common::read_json(f);
        for (ci, c) in doc["cases"].as_array().into_iter().flatten().enumerate() {
            let input: Vec<u16> = serde_json::from_value(c["input"].clone()).unwrap();
            let want: Vec<u16> = serde_json::from_value(c["expected"].clone()).unwrap();
            let got = vec_u16_max_upscale_to_u16(&input);
            if got != want {
                failures.push(format!("set_weights_max_upscale.json cases[{ci}]: expected: want {want:?}, got {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
