//! One Yuma consensus epoch (subtensor's sparse path, bit-exact) at 64 validators × 256 miners
//! and 256 validators × 4096 miners, every validator weighting every miner (dense rows), with
//! the dense bonds a few epochs of those weights leave behind. Classic Yuma, Yuma3, and Yuma3
//! with liquid alpha.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use imr_yuma::{run_epoch, run_epochs, EpochInput, Hyperparams, WeightsSchedule};

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

/// The state after three epochs of dense weights, so that bonds are dense too.
fn state(validators: usize, miners: usize, hp: &Hyperparams) -> EpochInput {
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
            if i < validators {
                (validators..n)
                    .map(|j| (j as u16, (rng.next() % 65535 + 1) as u16))
                    .collect()
            } else {
                Vec::new()
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
    let mut group = c.benchmark_group("yuma_epoch");
    group.sample_size(10);
    for (validators, miners) in [(64usize, 256usize), (256, 4096)] {
        for (name, yuma3, liquid_alpha) in [
            ("classic", false, false),
            ("yuma3", true, false),
            ("yuma3_liquid_alpha", true, true),
        ] {
            let hp = Hyperparams {
                yuma3,
                liquid_alpha,
                max_allowed_validators: validators as u16,
                ..Hyperparams::default()
            };
            let input = state(validators, miners, &hp);
            group.bench_with_input(
                BenchmarkId::new(name, format!("{validators}x{miners}")),
                &input,
                |b, input| b.iter(|| run_epoch(black_box(&hp), black_box(input)).expect("epoch")),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench_epoch);
criterion_main!(benches);
