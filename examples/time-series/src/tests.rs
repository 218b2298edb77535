//! Whole-epoch tests of [`TimeSeries::score`] on small hand-made epochs.

use serde_json::{json, Value};

use imr_guest::{Epoch, Mechanism, MechanismError, Outcome};

use crate::TimeSeries;

const SEED: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn epoch(block: u64, neurons: Value, task: Value, responses: Value, params: Value) -> Epoch {
    let file = json!({"netuid": 7, "block": block, "seed": SEED, "neurons": neurons, "task": task,
                      "responses": responses, "params": params});
    imr_guest::epoch_file::parse(file.to_string().as_bytes()).expect("epoch file")
}

fn neurons() -> Value {
    json!([{"uid": 0, "hotkey": "owner", "registered_at_block": 0},
           {"uid": 1, "hotkey": "m1", "registered_at_block": 0},
           {"uid": 2, "hotkey": "m2", "registered_at_block": 0}])
}

fn task(k: u64, open: &[&str], resolutions: Value) -> Value {
    let open: Vec<Value> = open
        .iter()
        .map(|id| json!({"request_id": id, "base_price": 100.0, "opened_block": 10 * k}))
        .collect();
    json!({"epoch": k, "asset": "X", "horizon": 1, "open_requests": open, "resolutions": resolutions})
}

fn answer(uid: u16, id: &str, point: f64, lo: f64, hi: f64) -> Value {
    json!({"uid": uid, "payload": {"request_id": id, "points": [point], "intervals": [[lo, hi]]}})
}

fn diagnostics(o: &Outcome) -> Value {
    serde_json::from_slice(&o.diagnostics).expect("diagnostics json")
}

/// The state as JSON (uid keys as decimal strings), decoded from its binary encoding.
/// The outcome's state as JSON, the miner columns shown as `{uid: record}` and each request's submission columns
/// as `{uid: {"points", "intervals"}}`.
fn state_json(o: &Outcome) -> Value {
    let state = crate::state::State::decode(&o.state).expect("state decodes");
    let mut v = serde_json::to_value(&state).expect("state json");
    v["miners"] = serde_json::to_value(state.miners.to_ledger()).expect("miners json");
    for (id, p) in &state.pending {
        let rows: serde_json::Map<String, Value> = p
            .subs
            .uids
            .iter()
            .enumerate()
            .map(|(i, uid)| {
                let intervals = p
                    .subs
                    .intervals(i)
                    .map(|iv| iv.chunks_exact(2).map(|c| [c[0], c[1]]).collect::<Vec<_>>());
                let row = json!({"points": p.subs.points(i), "intervals": intervals});
                (uid.to_string(), row)
            })
            .collect();
        v["pending"][id]["subs"] = Value::Object(rows);
    }
    v
}

/// Epoch 0 opens r0 (base 100), uid 1 answers 110 in [100, 120], uid 2 answers 100 in [95, 105].
fn first() -> Outcome {
    let e = epoch(
        0,
        neurons(),
        task(0, &["r0"], json!([])),
        json!([
            answer(1, "r0", 110.0, 100.0, 120.0),
            answer(2, "r0", 100.0, 95.0, 105.0)
        ]),
        Value::Null,
    );
    TimeSeries::score(&e, &[]).expect("epoch 0")
}

#[test]
fn two_epochs_by_hand() {
    let o0 = first();
    assert_eq!(
        o0.score_map()[&0],
        1.0,
        "nothing resolved: everything to the burn uid"
    );
    let s0 = state_json(&o0);
    assert_eq!(s0["pending"]["r0"]["subs"]["1"]["points"], json!([110.0]));
    assert_eq!(s0["last_epoch"], 0);

    // Epoch 1 resolves r0 at 110. Points: uid 1 exact (w 1), uid 2 off by 10/110 (w 0.8).
    // Intervals: uid 1 width 20 covering (20/110); uid 2 width 10, 5 below the truth: 10 + 20·5 = 110 → 1.0;
    // so w 1 and 0.8. Rewards 1 and 0.8; EMAs 0.05 and 0.04; weights 5/9 and 4/9.
    let e1 = epoch(
        10,
        neurons(),
        task(1, &[], json!([{"request_id": "r0", "realized": [110.0]}])),
        json!([]),
        Value::Null,
    );
    let o1 = TimeSeries::score(&e1, &o0.state).expect("epoch 1");
    let w = o1.score_map();
    assert_eq!(w[&0], 0.0);
    assert!((w[&1] - 5.0 / 9.0).abs() < 1e-15, "{w:?}");
    assert!((w[&2] - 4.0 / 9.0).abs() < 1e-15, "{w:?}");
    let d = diagnostics(&o1);
    let m = &d["resolved"]["r0"]["miners"];
    assert_eq!(m["2"]["is"], 1.0);
    assert_eq!(m["2"]["coverage"], 0.0);
    assert_eq!(
        m["0"]["err"],
        Value::Null,
        "the owner sent nothing: +inf, written as null"
    );
    let s1 = state_json(&o1);
    assert_eq!(s1["pending"], json!({}));
    assert_eq!(s1["miners"]["1"]["scored"], 1);
    assert_eq!(s1["miners"]["0"]["scored"], 1);

    // The same epoch again is refused.
    let e = TimeSeries::score(&e1, &o1.state).expect_err("replayed epoch");
    assert!(
        matches!(&e, MechanismError::InvalidInput(m) if m.contains("task.epoch")),
        "{e}"
    );
}

#[test]
fn bad_payloads_unknown_requests_and_late_registrations() {
    let mut n = neurons();
    n.as_array_mut()
        .expect("array")
        .push(json!({"uid": 3, "hotkey": "late", "registered_at_block": 50}));
    let e = epoch(
        0,
        n,
        task(0, &["r0"], json!([{"request_id": "zz", "realized": [1.0]}])),
        json!([
            {"uid": 1, "payload": {"request_id": "r0", "points": "oops"}},
            {"uid": 2, "payload": {"request_id": "r9", "points": [1.0], "intervals": [[1.0, 2.0]]}},
            answer(2, "r0", 100.0, 90.0, 110.0),
            answer(2, "r0", 101.0, 90.0, 110.0),
            answer(3, "r0", 100.0, 90.0, 110.0),
            {"uid": 1, "payload": 42}
        ]),
        Value::Null,
    );
    let o = TimeSeries::score(&e, &[]).expect("epoch");
    let d = diagnostics(&o);
    assert_eq!(d["unknown_resolutions"], json!(["zz"]));
    assert_eq!(
        d["opened"]["r0"],
        json!([2]),
        "only uid 2's first answer is stored"
    );
    let invalid = d["invalid"]["1"][0].as_str().expect("uid 1 problem");
    assert!(invalid.starts_with("r0: payload: "), "{invalid}");
    let ignored: Vec<&str> = d["ignored"]
        .as_array()
        .expect("ignored")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        ignored,
        vec![
            "uid 1: payload names no request_id",
            "uid 2: request \"r9\" is not open in this epoch",
            "uid 2: second answer to \"r0\"",
            "uid 3: registered after \"r0\" opened",
        ]
    );
    assert_eq!(
        state_json(&o)["pending"]["r0"]["subs"]["2"]["points"],
        json!([100.0])
    );
}

#[test]
fn unresolved_requests_are_pruned_after_max_pending_epochs() {
    let o0 = first();
    let params = json!({"max_pending": 1});
    let e1 = epoch(
        10,
        neurons(),
        task(1, &[], json!([])),
        json!([]),
        params.clone(),
    );
    let o1 = TimeSeries::score(&e1, &o0.state).expect("epoch 1");
    assert_eq!(diagnostics(&o1)["pruned"], json!([]));
    let e2 = epoch(20, neurons(), task(2, &[], json!([])), json!([]), params);
    let o2 = TimeSeries::score(&e2, &o1.state).expect("epoch 2");
    assert_eq!(diagnostics(&o2)["pruned"], json!(["r0"]));
    assert_eq!(state_json(&o2)["pending"], json!({}));
}

#[test]
fn input_errors_name_the_field() {
    let o0 = first();
    let cases = [
        (
            task(1, &["r0"], json!([])),
            Value::Null,
            "task.open_requests[0].request_id",
        ),
        (task(1, &[], json!([])), json!({"alpah": 0.1}), "params"),
        (
            task(1, &[], json!([])),
            json!({"alpha": 2.0}),
            "params.alpha",
        ),
        (
            json!({"epoch": 1, "asset": "X", "horizon": 1, "open_requests": []}),
            Value::Null,
            "task",
        ),
        (
            task(
                1,
                &[],
                json!([{"request_id": "r0", "realized": [1.0, 2.0]}]),
            ),
            Value::Null,
            "task.resolutions[0].realized",
        ),
    ];
    for (t, p, field) in cases {
        let e = epoch(10, neurons(), t.clone(), json!([]), p);
        let err = TimeSeries::score(&e, &o0.state).expect_err(&t.to_string());
        assert!(
            matches!(&err, MechanismError::InvalidInput(m) if m.contains(field)),
            "{field}: {err}"
        );
    }
    let e = epoch(
        10,
        neurons(),
        task(1, &[], json!([])),
        json!([]),
        Value::Null,
    );
    let err = TimeSeries::score(&e, b"{not json").expect_err("bad state");
    assert!(
        matches!(&err, MechanismError::InvalidInput(m) if m.starts_with("state")),
        "{err}"
    );
}

/// Above the detail limit the diagnostics summarize; the weights and the state are the same either way, and the
/// summary agrees with the detail it replaces.
#[test]
fn large_metagraphs_get_a_summary_and_the_same_weights_and_state() {
    let n: u16 = 40;
    let neurons: Vec<Value> = (0..n)
        .map(|uid| json!({"uid": uid, "hotkey": format!("h{uid}"), "registered_at_block": 0}))
        .collect();
    // uid u answers 100 + u % 7 (ties), every third uid without intervals, uid 5 with an invalid payload.
    let answers: Vec<Value> = (1..n)
        .map(|uid| match uid {
            5 => json!({"uid": uid, "payload": {"request_id": "r0", "points": [0.0]}}),
            _ if uid % 3 == 0 => {
                json!({"uid": uid, "payload": {"request_id": "r0", "points": [100.0 + f64::from(uid % 7)]}})
            }
            _ => answer(uid, "r0", 100.0 + f64::from(uid % 7), 95.0, 105.0 + f64::from(uid)),
        })
        .collect();
    let e0 = epoch(
        0,
        json!(neurons),
        task(0, &["r0"], json!([])),
        json!(answers),
        Value::Null,
    );
    let e1 = epoch(
        10,
        json!(neurons),
        task(1, &[], json!([{"request_id": "r0", "realized": [103.0]}])),
        json!([]),
        Value::Null,
    );
    let run = |limit: usize| {
        let o0 = crate::score_with_detail_limit(&e0, &[], limit).expect("epoch 0");
        let o1 = crate::score_with_detail_limit(&e1, &o0.state, limit).expect("epoch 1");
        (o0, o1)
    };
    let (d0, d1) = run(usize::from(n));
    let (s0, s1) = run(usize::from(n) - 1);
    for (d, s) in [(&d0, &s0), (&d1, &s1)] {
        assert_eq!(d.scores, s.scores, "weights");
        assert_eq!(d.state, s.state, "state");
    }
    let (full, short) = (diagnostics(&d1), diagnostics(&s1));
    assert!(full.get("summary").is_none());
    assert!(short.get("ema").is_none());
    assert_eq!(short["summary"]["detail_max_miners"], usize::from(n) - 1);
    assert_eq!(short["summary"]["miners"], n);
    let top_ema = short["summary"]["top_ema"].as_object().expect("top_ema");
    assert_eq!(top_ema.len(), crate::scoring::SUMMARY_TOP);
    let mut emas: Vec<(u16, f64)> = full["ema"]
        .as_object()
        .expect("ema")
        .iter()
        .map(|(k, v)| (k.parse().expect("uid"), v.as_f64().expect("ema")))
        .collect();
    emas.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    for (uid, ema) in &emas[..crate::scoring::SUMMARY_TOP] {
        assert_eq!(top_ema[&uid.to_string()].as_f64(), Some(*ema), "uid {uid}");
    }

    let miners = full["resolved"]["r0"]["miners"]
        .as_object()
        .expect("detail");
    let summary = &short["resolved"]["r0"]["summary"];
    assert!(short["resolved"]["r0"].get("miners").is_none());
    for key in ["copies", "min_err", "p90_err"] {
        assert_eq!(
            full["resolved"]["r0"][key], short["resolved"]["r0"][key],
            "{key}"
        );
    }
    assert_eq!(summary["scored"], n);
    let count = |f: &dyn Fn(&Value) -> bool| miners.values().filter(|m| f(m)).count();
    assert_eq!(
        summary["rewarded"],
        count(&|m| m["reward"].as_f64() > Some(0.0))
    );
    assert_eq!(summary["with_points"], count(&|m| !m["dir_acc"].is_null()));
    assert_eq!(
        summary["with_intervals"],
        count(&|m| !m["coverage"].is_null())
    );
    assert_eq!(
        summary["with_points"],
        usize::from(n) - 2,
        "the owner and uid 5"
    );
    let top = summary["top"].as_object().expect("top");
    assert_eq!(top.len(), crate::scoring::SUMMARY_TOP);
    for (uid, m) in top {
        assert_eq!(&miners[uid], m, "uid {uid}: the summary repeats the detail");
    }
    let lowest_top = top
        .values()
        .map(|m| m["reward"].as_f64().expect("reward"))
        .fold(f64::INFINITY, f64::min);
    let better_outside = miners
        .iter()
        .filter(|(uid, m)| !top.contains_key(*uid) && m["reward"].as_f64() > Some(lowest_top))
        .count();
    assert_eq!(better_outside, 0, "the top holds the highest rewards");
}

/// The forward cursor finds what `Epoch::neuron` finds, whatever order the uids are asked in, and falls back to
/// the binary search on neurons that are not sorted.
#[test]
fn neuron_lookup_equals_epoch_neuron() {
    let sorted: Vec<Value> = [0u16, 2, 3, 7, 8, 20]
        .iter()
        .map(|&uid| json!({"uid": uid, "hotkey": format!("h{uid}"), "registered_at_block": uid}))
        .collect();
    let e = epoch(
        0,
        json!(sorted),
        task(0, &[], json!([])),
        json!([]),
        Value::Null,
    );
    let mut unsorted_neurons = e.neurons.clone();
    unsorted_neurons.swap(1, 4);
    let asks: [&[u16]; 4] = [
        &[0, 1, 2, 3, 4, 7, 8, 9, 20, 21],
        &[21, 20, 8, 7, 3, 2, 0],
        &[3, 3, 0, 8, 2, 20, 7, 1],
        &[],
    ];
    for neurons in [&e.neurons, &unsorted_neurons] {
        let by_search = |uid: u16| {
            neurons
                .binary_search_by_key(&uid, |n| n.uid)
                .ok()
                .map(|i| &neurons[i])
        };
        for ask in asks {
            let mut lookup = crate::NeuronLookup::new(neurons);
            for &uid in ask {
                assert_eq!(lookup.get(uid), by_search(uid), "uid {uid} in {ask:?}");
            }
        }
    }
    // On the sorted neurons the search is Epoch::neuron.
    for uid in 0..25 {
        assert_eq!(crate::NeuronLookup::new(&e.neurons).get(uid), e.neuron(uid));
    }
}
