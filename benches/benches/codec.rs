//! State codec benchmarks (issue 12 item 1): the time-series example's state before epoch 7 of the scaled scenario
//! (4096 miners, five requests pending, every miner's points and intervals), encoded and decoded as canonical JSON
//! and in the SDK's binary state format, plus the binary format's candidates side by side.
//!
//! Run: `cargo bench -p imr-benches --bench codec`. Sizes are printed first. Ratios matter more than absolute
//! times on a shared machine: every group is measured in the same run.
//!
//! * `codec/encode/json`: canonical JSON written directly (`serde_json::to_vec`; the state's fields are declared in
//!   key order, as the example's version-1 encoder did); `codec/encode/json_via_value`: the SDK's generic
//!   `canonical_json` (a `serde_json::Value` round trip sorts the keys); `codec/encode/binary`: the SDK's binary
//!   format (header + postcard), what the example writes now.
//! * `codec/decode/{json,binary}`: back to the typed state.
//! * `codec_candidates/{encode,decode}/{postcard,bincode2,scale}`: the bare codecs on the same value (postcard and
//!   bincode 2 through serde; SCALE through `parity-scale-codec` derives on a mirror with every `f64` as its bits,
//!   since SCALE has no floats).
//!
//! The groups above keep the workload they were written for: the state in its version-2 layout (per-uid maps of
//! small vectors, `state::legacy::StateV2`), so their figures stay comparable. `codec/{encode,decode}/
//! binary_columns` is the same content in the version-3 layout the example writes now (each request's
//! submissions as columns, `F64Column` byte blocks), through `State::encode`/`State::decode`.

#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use imr_example_time_series::state::legacy::{Pending, StateV2 as State, Sub};
use imr_example_time_series::state::{Miner, State as StateV3};
use imr_example_time_series::TimeSeries;
use imr_guest::Mechanism as _;
use parity_scale_codec::{Decode, Encode};

/// The state before epoch 7 of the 4096-miner scenario (the `runtime` bench's `epoch/4096_miners` input).
fn state_4096() -> StateV3 {
    let days = imr_ts_scenario::series::generate();
    let files = imr_ts_scenario::scenario::scaled(&days, 4095, 8);
    let mut state = Vec::new();
    for f in files.iter().take(7) {
        let epoch = imr_guest::epoch_file::parse(f.to_text().as_bytes()).expect("epoch");
        state = TimeSeries::score(&epoch, &state).expect("score").state;
    }
    StateV3::decode(&state).expect("state")
}

/// The same state in the version-2 layout (per-uid maps).
fn nested(s: &StateV3) -> State {
    let pending = |p: &imr_example_time_series::state::Pending| Pending {
        base_price: p.base_price,
        opened_block: p.opened_block,
        opened_epoch: p.opened_epoch,
        subs: (0..p.subs.len())
            .map(|i| {
                let sub = Sub {
                    intervals: p
                        .subs
                        .intervals(i)
                        .map(|iv| iv.chunks_exact(2).map(|c| [c[0], c[1]]).collect()),
                    points: p.subs.points(i).map(<[f64]>::to_vec),
                };
                (p.subs.uids[i], sub)
            })
            .collect(),
    };
    State {
        last_epoch: s.last_epoch,
        miners: s.miners.to_ledger(),
        pending: s
            .pending
            .iter()
            .map(|(k, p)| (k.clone(), pending(p)))
            .collect(),
    }
}

#[derive(Encode, Decode, PartialEq, Debug)]
struct ScaleState {
    last_epoch: Option<u64>,
    miners: BTreeMap<u16, ScaleMiner>,
    pending: BTreeMap<String, ScalePending>,
}

#[derive(Encode, Decode, PartialEq, Debug)]
struct ScaleMiner {
    ema: u64,
    first_epoch: u64,
    hotkey: String,
    scored: u64,
}

#[derive(Encode, Decode, PartialEq, Debug)]
struct ScalePending {
    base_price: u64,
    opened_block: u64,
    opened_epoch: u64,
    subs: BTreeMap<u16, ScaleSub>,
}

#[derive(Encode, Decode, PartialEq, Debug)]
struct ScaleSub {
    intervals: Option<Vec<[u64; 2]>>,
    points: Option<Vec<u64>>,
}

fn to_scale(s: &State) -> ScaleState {
    let miner = |m: &Miner| ScaleMiner {
        ema: m.ema.to_bits(),
        first_epoch: m.first_epoch,
        hotkey: m.hotkey.clone(),
        scored: m.scored,
    };
    let sub = |s: &Sub| ScaleSub {
        intervals: s
            .intervals
            .as_ref()
            .map(|v| v.iter().map(|[a, b]| [a.to_bits(), b.to_bits()]).collect()),
        points: s
            .points
            .as_ref()
            .map(|v| v.iter().map(|x| x.to_bits()).collect()),
    };
    let pending = |p: &Pending| ScalePending {
        base_price: p.base_price.to_bits(),
        opened_block: p.opened_block,
        opened_epoch: p.opened_epoch,
        subs: p.subs.iter().map(|(&u, s)| (u, sub(s))).collect(),
    };
    ScaleState {
        last_epoch: s.last_epoch,
        miners: s.miners.iter().map(|(&u, m)| (u, miner(m))).collect(),
        pending: s
            .pending
            .iter()
            .map(|(k, p)| (k.clone(), pending(p)))
            .collect(),
    }
}

fn codec(c: &mut Criterion) {
    let columns = state_4096();
    let state = nested(&columns);
    let json = serde_json::to_vec(&state).unwrap();
    let binary = imr_guest::state::binary::encode(&state, 2).unwrap();
    let binary_columns = columns.encode(0).unwrap();
    let bincode_cfg = bincode::config::standard();
    let bincode_bytes = bincode::serde::encode_to_vec(&state, bincode_cfg).unwrap();
    let scale_state = to_scale(&state);
    let scale_bytes = scale_state.encode();
    // Every codec must give the state back exactly, or the comparison is meaningless.
    assert_eq!(serde_json::from_slice::<State>(&json).unwrap(), state);
    assert_eq!(
        imr_guest::state::binary::decode::<State>(&binary, 2).unwrap(),
        state
    );
    // The version-2 bytes migrate to the very state the example holds.
    assert_eq!(StateV3::decode(&binary).unwrap(), columns);
    assert_eq!(StateV3::decode(&binary_columns).unwrap(), columns);
    let (b, _): (State, usize) =
        bincode::serde::decode_from_slice(&bincode_bytes, bincode_cfg).unwrap();
    assert_eq!(b, state);
    assert_eq!(
        ScaleState::decode(&mut scale_bytes.as_slice()).unwrap(),
        scale_state
    );
    let subs: usize = state.pending.values().map(|p| p.subs.len()).sum();
    eprintln!(
        "state: {} miners, {} pending requests, {subs} stored submissions",
        state.miners.len(),
        state.pending.len()
    );
    eprintln!(
        "bytes: canonical JSON {}, binary (header + postcard) {}, binary in columns (version 3) {}, bincode 2 {}, \
         SCALE {}",
        json.len(),
        binary.len(),
        binary_columns.len(),
        bincode_bytes.len(),
        scale_bytes.len()
    );

    let mut g = c.benchmark_group("codec/encode");
    g.sample_size(20).measurement_time(Duration::from_secs(4));
    g.bench_function("json", |b| {
        b.iter(|| serde_json::to_vec(black_box(&state)).unwrap())
    });
    g.bench_function("json_via_value", |b| {
        b.iter(|| imr_guest::canonical_json(black_box(&state)).unwrap())
    });
    g.bench_function("binary", |b| {
        b.iter(|| imr_guest::state::binary::encode(black_box(&state), 2).unwrap())
    });
    g.bench_function("binary_columns", |b| {
        b.iter(|| black_box(&columns).encode(0).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("codec/decode");
    g.sample_size(20).measurement_time(Duration::from_secs(4));
    g.bench_function("json", |b| {
        b.iter(|| serde_json::from_slice::<State>(black_box(&json)).unwrap())
    });
    g.bench_function("binary", |b| {
        b.iter(|| imr_guest::state::binary::decode::<State>(black_box(&binary), 2).unwrap())
    });
    g.bench_function("binary_columns", |b| {
        b.iter(|| StateV3::decode(black_box(&binary_columns)).unwrap())
    });
    g.finish();

    let postcard_bytes = postcard::to_allocvec(&state).unwrap();
    let mut g = c.benchmark_group("codec_candidates/encode");
    g.sample_size(20).measurement_time(Duration::from_secs(4));
    g.bench_function("postcard", |b| {
        b.iter(|| postcard::to_allocvec(black_box(&state)).unwrap())
    });
    g.bench_function("bincode2", |b| {
        b.iter(|| bincode::serde::encode_to_vec(black_box(&state), bincode_cfg).unwrap())
    });
    g.bench_function("scale", |b| b.iter(|| black_box(&scale_state).encode()));
    g.finish();

    let mut g = c.benchmark_group("codec_candidates/decode");
    g.sample_size(20).measurement_time(Duration::from_secs(4));
    g.bench_function("postcard", |b| {
        b.iter(|| postcard::from_bytes::<State>(black_box(&postcard_bytes)).unwrap())
    });
    g.bench_function("bincode2", |b| {
        b.iter(|| {
            bincode::serde::decode_from_slice::<State, _>(black_box(&bincode_bytes), bincode_cfg)
                .unwrap()
        })
    });
    g.bench_function("scale", |b| {
        b.iter(|| ScaleState::decode(&mut black_box(scale_bytes.as_slice())).unwrap())
    });
    g.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
