//! One Yuma consensus epoch (subtensor's sparse path, bit-exact) at 64 validators × 256 miners
//! and 256 validators × 4096 miners, every validator weighting every miner (dense rows), with
//! the dense bonds a few epochs of those weights leave behind. Classic Yuma, Yuma3, and Yuma3
//! with liquid alpha.
//!
//! Beside them: `256x4096_sparse300`, where each validator weights 300 of the 4096 miners, and
//! `yuma_epoch_reference/...`, the same workloads through `imr_yuma::reference` (the literal,
//! single-threaded port the fast epoch is checked against), for a before/after in one run.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use imr_yuma::{reference, run_epoch, run_epochs, EpochInput, Hyperparams, WeightsSchedule};

/// A deterministic xorshift generator (no randomness at bench time).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The state after three epochs of the same weights, so that bonds have their shape too. Each
/// validator weights every miner, or `Some(k)` distinct random miners (sorted by uid).
fn state(validators: usize, miners: usize, per_row: Option<usize>, hp: &Hyperparams) -> EpochInput {
    let n = validators + miners;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (validators * 1_000_003 + miners) as u64);
    let stake = (0..n)
        .map(|i| {
            if i < validators {
                1_000_000_000 + rng.next() % 1_000_000_000_000
            } else {
                0
            }
        })
        .collect();
    let weights = (0..n)
        .map(|i| {
            if i >= validators {
                return Vec::new();
            }
            match per_row {
                None => (validators..n)
                    .map(|j| (j as u16, (rng.next() % 65535 + 1) as u16))
                    .collect(),
                Some(k) => {
                    let mut picked = vec![false; miners];
                    let mut left = k.min(miners);
                    while left > 0 {
                        let j = (rng.next() % miners as u64) as usize;
                        if !picked[j] {
                            picked[j] = true;
                            left -= 1;
                        }
                    }
                    (0..miners)
                        .filter(|&j| picked[j])
                        .map(|j| ((validators + j) as u16, (rng.next() % 65535 + 1) as u16))
                        .collect()
                }
            }
        })
        .collect();
    let mut input = EpochInput {
        current_block: 10_000,
        stake,
        tao_stake: None,
        validator_permit: Some((0..n).map(|i| i < validators).collect()),
        weights: Some(weights),
        bonds: None,
        last_update: Some(vec![10_000; n]),
        block_at_registration: Some(vec![0; n]),
        last_mechanism_step_block: 0,
        commit_block: None,
        previous_consensus_u16: None,
    };
    let warmup = run_epochs(hp, &input, 3, &WeightsSchedule::Fixed).expect("valid bench state");
    let last = &warmup[2];
    input.bonds = Some(last.output.bonds_u16.clone());
    input.validator_permit = Some(last.output.new_validator_permit.clone());
    input.current_block = last.block + hp.tempo as u64;
    input.last_mechanism_step_block = last.block;
    input.last_update = Some(vec![input.current_block; n]);
    input
}

fn bench_epoch(c: &mut Criterion) {
    // The existing ids (dense workloads), then the sparse one.
    let workloads: [(usize, usize, Option<usize>, &str); 3] = [
        (64, 256, None, "64x256"),
        (256, 4096, None, "256x4096"),
        (256, 4096, Some(300), "256x4096_sparse300"),
    ];
    let variants = [
        ("classic", false, false),
        ("yuma3", true, false),
        ("yuma3_liquid_alpha", true, true),
    ];
    let mut cases = Vec::new();
    for (validators, miners, per_row, id) in workloads {
        for (name, yuma3, liquid_alpha) in variants {
            let hp = Hyperparams {
                yuma3,
                liquid_alpha,
                max_allowed_validators: validators as u16,
                ..Hyperparams::default()
            };
            let input = state(validators, miners, per_row, &hp);
            cases.push((name, id, hp, input));
        }
    }
    let mut group = c.benchmark_group("yuma_epoch");
    group.sample_size(10);
    for (name, id, hp, input) in &cases {
        group.bench_with_input(BenchmarkId::new(*name, id), input, |b, input| {
            b.iter(|| run_epoch(black_box(hp), black_box(input)).expect("epoch"))
        });
    }
    group.finish();
    let mut group = c.benchmark_group("yuma_epoch_reference");
    group.sample_size(10);
    for (name, id, hp, input) in &cases {
        group.bench_with_input(BenchmarkId::new(*name, id), input, |b, input| {
            b.iter(|| reference::run_epoch(black_box(hp), black_box(input)).expect("epoch"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_epoch);
criterion_main!(benches);
