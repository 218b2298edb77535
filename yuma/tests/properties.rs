//! Properties from the issue: emission bounds, incentive sums to 1 or 0, no panic on degenerate
//! input at any size, and stored entries naming uids >= n are dropped.

use imr_yuma::{run_epoch, run_epoch_traced, EpochInput, Hyperparams};
use proptest::prelude::*;

/// A random but well-formed state of `n` uids (rows may be unsorted and hold explicit zeros).
fn state(n: usize) -> impl Strategy<Value = EpochInput> {
    let row = proptest::collection::vec((0u16..n as u16, any::<u16>()), 0..=n.min(6));
    (
        proptest::collection::vec(prop_oneof![Just(0u64), 1u64..1 << 50], n),
        proptest::collection::vec(any::<bool>(), n),
        proptest::collection::vec(row.clone(), n),
        proptest::collection::vec(row, n),
        proptest::collection::vec(0u64..40, n),
        proptest::collection::vec(0u64..30, n),
        20u64..60,
        0u64..40,
    )
        .prop_map(
            |(stake, permit, weights, bonds, lu, reg, block, lms)| EpochInput {
                current_block: block,
                stake,
                tao_stake: None,
                validator_permit: Some(permit),
                weights: Some(weights),
                bonds: Some(bonds),
                last_update: Some(lu),
                block_at_registration: Some(reg),
                last_mechanism_step_block: lms,
                commit_block: None,
                previous_consensus_u16: None,
            },
        )
}

fn params() -> impl Strategy<Value = Hyperparams> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<u16>(),
        any::<u16>(),
        0u64..=1_000_000,
        1u16..8,
        1u16..30,
        prop_oneof![Just(1_000_000_000u64), 0u64..=10_000_000_000],
    )
        .prop_map(
            |(yuma3, liquid_alpha, kappa, bp, bma, mav, tempo, rao)| Hyperparams {
                yuma3,
                liquid_alpha,
                kappa_u16: kappa,
                bonds_penalty_u16: bp,
                bonds_moving_average: bma,
                max_allowed_validators: mav,
                tempo,
                rao_emission: rao,
                alpha_low_u16: 6553,
                alpha_high_u16: 19660,
                ..Hyperparams::default()
            },
        )
}

fn sized_state() -> impl Strategy<Value = EpochInput> {
    (1usize..12).prop_flat_map(state)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn emissions_within_the_epoch_emission(input in sized_state(), hp in params()) {
        let out = run_epoch(&hp, &input).unwrap();
        let n = input.stake.len() as u128;
        let rao = hp.rao_emission as u128;
        // Each floor loses < 1 rao; each I32F32 normalization loses < 2^-32 per uid.
        let slack = n * (1 + rao.div_ceil(1 << 31));
        for (name, v) in [("emission", &out.emission), ("server+validator", &out.server_emission.iter().zip(&out.validator_emission).map(|(a, b)| a + b).collect())] {
            let total: u128 = v.iter().map(|&x| x as u128).sum();
            prop_assert!(total <= rao, "{name} total {total} exceeds {rao}");
            if input.stake.iter().any(|&s| s > 0) {
                prop_assert!(rao - total <= slack, "{name} total {total} short of {rao} by more than {slack}");
            } else {
                prop_assert_eq!(total, 0, "no stake at all: nothing can be emitted");
            }
        }
    }

    #[test]
    fn incentive_sums_to_one_or_zero(input in sized_state(), hp in params()) {
        let (_, trace) = run_epoch_traced(&hp, &input).unwrap();
        let sum: i64 = trace.incentive.iter().map(|x| x.to_bits()).sum();
        let n = input.stake.len() as i64;
        prop_assert!(sum == 0 || (sum <= 1 << 32 && (1i64 << 32) - sum <= n), "incentive sums to {sum} / 2^32");
        let dsum: i64 = trace.dividends.iter().map(|x| x.to_bits()).sum();
        prop_assert!(dsum == 0 || (dsum <= 1 << 32 && (1i64 << 32) - dsum <= n), "dividends sum to {dsum} / 2^32");
    }

    #[test]
    fn out_of_range_uids_in_stored_rows_are_dropped(
        input in sized_state(),
        hp in params(),
        extra in proptest::collection::vec((0usize..64, 0u16..8, any::<u16>(), any::<bool>()), 0..10),
    ) {
        let n = input.stake.len();
        let want = run_epoch(&hp, &input).unwrap();
        let mut noisy = input.clone();
        for (row, over, value, in_weights) in extra {
            let uid = (n as u16).saturating_add(over);
            let row = row % n;
            if in_weights {
                // Anywhere in a weight row: dropped when the chain reads the weights.
                let w = &mut noisy.weights.as_mut().unwrap()[row];
                let pos = (value as usize) % (w.len() + 1);
                w.insert(pos, (uid, value));
            } else {
                // Bond rows are written sorted, so an out-of-range column can only trail them.
                noisy.bonds.as_mut().unwrap()[row].push((uid, value));
            }
        }
        prop_assert_eq!(run_epoch(&hp, &noisy).unwrap(), want);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn no_panic_on_degenerate_input_at_any_size(
        n in prop_oneof![1usize..=16, 1usize..=4096, Just(4096usize)],
        zero_stake in any::<bool>(),
        yuma3 in any::<bool>(),
        liquid_alpha in any::<bool>(),
    ) {
        let input = EpochInput {
            current_block: 100,
            stake: if zero_stake { vec![0; n] } else { (0..n as u64).collect() },
            tao_stake: None,
            validator_permit: Some(vec![true; n]),
            weights: Some(vec![Vec::new(); n]),
            bonds: None,
            last_update: None,
            block_at_registration: None,
            last_mechanism_step_block: 0,
            commit_block: None,
            previous_consensus_u16: None,
        };
        let hp = Hyperparams { yuma3, liquid_alpha, ..Hyperparams::default() };
        let out = run_epoch(&hp, &input).unwrap();
        prop_assert_eq!(out.emission.len(), n);
        prop_assert!(out.incentive_u16.iter().all(|&x| x == 0));
        if zero_stake {
            prop_assert!(out.emission.iter().all(|&x| x == 0));
        }
    }
}
