//! Times `run_epoch` on the benchmark's dense state (for perf; not a benchmark).
//!
//! `cargo run --release -p imr-yuma --example epoch_profile -- VALIDATORS MINERS VARIANT ITERS`
//! with VARIANT one of classic, yuma3, yuma3_liquid_alpha; a fifth argument `reference` times
//! the literal port instead (`fast`: the epoch), a sixth the miners each validator weights
//! (default: all, as the bench's dense workloads; 300 for the sparse one). Prints the mean and the
//! fastest epoch (the minimum is the steadier figure on a shared machine).

use imr_yuma::{run_epoch, run_epochs, EpochInput, Hyperparams, WeightsSchedule};
use std::time::Instant;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn state(validators: usize, miners: usize, per_row: usize, hp: &Hyperparams) -> EpochInput {
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
            if per_row >= miners {
                return (validators..n)
                    .map(|j| (j as u16, (rng.next() % 65535 + 1) as u16))
                    .collect();
            }
            let mut picked = vec![false; miners];
            let mut left = per_row;
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
    let warmup = run_epochs(hp, &input, 3, &WeightsSchedule::Fixed).expect("valid state");
    let last = &warmup[2];
    input.bonds = Some(last.output.bonds_u16.clone());
    input.validator_permit = Some(last.output.new_validator_permit.clone());
    input.current_block = last.block + hp.tempo as u64;
    input.last_mechanism_step_block = last.block;
    input.last_update = Some(vec![input.current_block; n]);
    input
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let v: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(256);
    let m: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(4096);
    let variant = args.get(3).map(String::as_str).unwrap_or("yuma3");
    let iters: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(20);
    let literal = args.get(5).is_some_and(|s| s == "reference");
    let per_row: usize = args.get(6).and_then(|s| s.parse().ok()).unwrap_or(m);
    let hp = Hyperparams {
        yuma3: variant != "classic",
        liquid_alpha: variant == "yuma3_liquid_alpha",
        max_allowed_validators: v as u16,
        ..Hyperparams::default()
    };
    let input = state(v, m, per_row, &hp);
    let start = Instant::now();
    let mut check = 0u64;
    let mut fastest = std::time::Duration::MAX;
    for _ in 0..iters {
        let epoch_start = Instant::now();
        let out = if literal {
            imr_yuma::reference::run_epoch(&hp, &input)
        } else {
            run_epoch(&hp, &input)
        }
        .expect("epoch");
        check = check.wrapping_add(out.emission.iter().sum::<u64>());
        fastest = fastest.min(epoch_start.elapsed());
    }
    let per = start.elapsed() / iters.max(1) as u32;
    println!("{variant} {v}x{m}: {per:?} per epoch, fastest {fastest:?} (check {check})");
}
