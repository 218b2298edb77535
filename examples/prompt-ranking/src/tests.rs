//! End-to-end tests of one epoch through [`PromptRanking::score`], on small hand-made epochs.

use imr_guest::{Epoch, Mechanism};
use serde_json::{json, Value};

use crate::{canonical_matches, PromptRanking};

const SEED: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn epoch(task: Value, responses: Value, params: Value, hotkey2: &str) -> Epoch {
    let file = json!({
        "netuid": 1, "block": 100, "seed": SEED,
        "neurons": [{"uid": 0, "hotkey": "o", "registered_at_block": 0},
                    {"uid": 1, "hotkey": "a", "registered_at_block": 0},
                    {"uid": 2, "hotkey": hotkey2, "registered_at_block": 0}],
        "task": task, "responses": responses, "params": params,
    });
    imr_guest::epoch_file::parse(&serde_json::to_vec(&file).expect("json")).expect("epoch file")
}

fn qa(epoch_no: u64) -> Value {
    json!({"epoch": epoch_no, "tasks": [{"task_id": "q", "kind": "qa", "prompt": "capital of France?",
           "references": ["Paris"], "queried": [1, 2]}]})
}

fn diag(outcome: &imr_guest::Outcome) -> Value {
    serde_json::from_slice(&outcome.diagnostics).expect("diagnostics")
}

#[test]
fn stray_responses_are_ignored_and_listed() {
    let e = epoch(
        qa(0),
        json!([
            {"uid": 0, "payload": {"task_id": "q", "text": "Paris"}},
            {"uid": 1, "payload": {"task_id": "q", "text": "Paris"}},
            {"uid": 1, "payload": {"task_id": "q", "text": "Lyon"}},
            {"uid": 2, "payload": {"task_id": "nope", "text": "Paris"}},
            {"uid": 2, "payload": {"text": "Paris"}}
        ]),
        json!({}),
        "b",
    );
    let out = PromptRanking::score(&e, &[]).expect("score");
    let d = diag(&out);
    let ignored: Vec<&str> = d["ignored"]
        .as_array()
        .expect("ignored")
        .iter()
        .map(|v| v.as_str().expect("string"))
        .collect();
    assert_eq!(ignored.len(), 4, "{ignored:?}");
    assert!(ignored[0].contains("not queried"), "{}", ignored[0]);
    assert!(ignored[1].contains("second answer"), "{}", ignored[1]);
    assert!(ignored[2].contains("not in this epoch"), "{}", ignored[2]);
    assert!(ignored[3].contains("task_id"), "{}", ignored[3]);
    // uid 1's first answer counts; uid 2 has none.
    assert_eq!(d["tasks"]["q"]["miners"]["2"]["status"], "no_response");
    assert_eq!(out.score_map()[&1], 1.0);
}

#[test]
fn epochs_must_grow_and_a_new_hotkey_resets() {
    let r = json!([{"uid": 1, "payload": {"task_id": "q", "text": "Paris"}},
                   {"uid": 2, "payload": {"task_id": "q", "text": "Paris is it"}}]);
    let first =
        PromptRanking::score(&epoch(qa(0), r.clone(), json!({}), "b"), &[]).expect("epoch 0");
    let again = PromptRanking::score(&epoch(qa(0), r.clone(), json!({}), "b"), &first.state);
    assert!(again
        .expect_err("same epoch")
        .to_string()
        .contains("task.epoch"));
    let next = PromptRanking::score(&epoch(qa(1), json!([]), json!({}), "b2"), &first.state)
        .expect("epoch 1");
    let d = diag(&next);
    assert_eq!(d["replaced"], json!([2]));
    assert_eq!(d["ema"]["2"], 0.0);
    // uid 1 answered nothing in epoch 1: its EMA moves towards 0 (queried, reward 0).
    assert!(d["ema"]["1"].as_f64().expect("ema") < diag(&first)["ema"]["1"].as_f64().expect("ema"));
}

#[test]
fn nothing_earned_means_all_to_the_burn_uid() {
    let out = PromptRanking::score(
        &epoch(qa(0), json!([]), json!({"burn_frac": 0.2}), "b"),
        &[],
    )
    .expect("score");
    assert_eq!(out.score_map()[&0], 1.0);
    let e = epoch(qa(0), json!([]), json!({"burn_uid": 9}), "b");
    let err = PromptRanking::score(&e, &[]).expect_err("burn uid 9 absent");
    assert!(err.to_string().contains("params.burn_uid"), "{err}");
    let e = epoch(qa(0), json!([]), json!({"alpah": 1}), "b");
    assert!(PromptRanking::score(&e, &[]).is_err());
}

#[test]
fn canonical_matches_orient_low_uid_first_and_sort() {
    let task: crate::input::Task = serde_json::from_value(json!({"epoch": 0, "tasks": [
        {"task_id": "t2", "kind": "qa", "prompt": "p", "references": ["r"], "queried": [1, 2, 3],
         "judgments": [{"a": 3, "b": 1, "outcome": "a"}, {"a": 2, "b": 1, "outcome": "tie", "judge": "z"}]},
        {"task_id": "t1", "kind": "qa", "prompt": "p", "references": ["r"], "queried": [1, 2],
         "judgments": [{"a": 2, "b": 1, "outcome": "b"}]}]}))
    .expect("task");
    let mut tasks = task.tasks;
    tasks.sort_by(|a, b| a.task_id.cmp(&b.task_id));
    let m: Vec<(u16, u16, f64)> = canonical_matches(&tasks)
        .iter()
        .map(|m| (m.a, m.b, m.score_a))
        .collect();
    // t1: 1 beat 2. t2: (1, 2) tie, then (1, 3) won by 3.
    assert_eq!(m, vec![(1, 2, 1.0), (1, 2, 0.5), (1, 3, 0.0)]);
}
