//! The fused, multi-threaded epoch ([`imr_yuma::run_epoch`]) against the literal port
//! ([`imr_yuma::reference`]), bit for bit: every output and every fixed-point intermediate, on
//! random states (unsorted rows, duplicate and out-of-range columns, explicit zeros, sorted dense
//! rows) and random hyperparameters; and the same result with 1, 2 and 8 threads on states large
//! enough to take the parallel path.

use imr_yuma::column_median::weighted_median_columns;
use imr_yuma::fixed::{I32F32, ZERO};
use imr_yuma::median::weighted_median_col_sparse;
use imr_yuma::par::{Par, PARALLEL_MIN_ENTRIES};
use imr_yuma::sparse::inplace_normalize;
use imr_yuma::{
    reference, run_epoch_traced, run_epoch_with_threads, ConsensusMode, EpochInput, Hyperparams,
};
use proptest::prelude::*;

type Row = Vec<(u16, u16)>;

/// A row of `n` uids: unsorted with duplicates and a few uids >= n, or sorted and unique.
fn row(n: usize, sorted: bool) -> impl Strategy<Value = Row> {
    let entry = (0u16..(n as u16 + 2), prop_oneof![Just(0u16), any::<u16>()]);
    proptest::collection::vec(entry, 0..=n + 2).prop_map(move |mut r| {
        if sorted {
            r.sort_by_key(|e| e.0);
            r.dedup_by_key(|e| e.0);
            r.retain(|e| (e.0 as usize) < n);
        }
        r
    })
}

fn state(n: usize) -> impl Strategy<Value = EpochInput> {
    state_with(n, (any::<bool>(), any::<bool>()))
}

/// [`state`] with the weights and bonds rows sorted or not as `sorted` says.
fn state_with(
    n: usize,
    sorted: impl Strategy<Value = (bool, bool)>,
) -> impl Strategy<Value = EpochInput> {
    sorted.prop_flat_map(move |(sorted_w, sorted_b)| {
        (
            proptest::collection::vec(prop_oneof![Just(0u64), 1u64..1 << 50], n),
            proptest::collection::vec(any::<bool>(), n),
            proptest::collection::vec(row(n, sorted_w), n),
            proptest::collection::vec(row(n, sorted_b), n),
            proptest::collection::vec(0u64..40, n),
            proptest::collection::vec(0u64..30, n),
            (20u64..60, 0u64..40),
            proptest::option::of(proptest::collection::vec(any::<u16>(), 0..=n + 1)),
            proptest::option::of(proptest::collection::vec(proptest::option::of(0u64..40), n)),
        )
            .prop_map(
                |(stake, permit, weights, bonds, lu, reg, (block, lms), prev, commits)| {
                    EpochInput {
                        current_block: block,
                        stake,
                        tao_stake: None,
                        validator_permit: Some(permit),
                        weights: Some(weights),
                        bonds: Some(bonds),
                        last_update: Some(lu),
                        block_at_registration: Some(reg),
                        last_mechanism_step_block: lms,
                        commit_block: commits,
                        previous_consensus_u16: prev,
                    }
                },
            )
    })
}

fn params(n: usize) -> impl Strategy<Value = Hyperparams> {
    (
        (any::<bool>(), any::<bool>(), any::<u16>()),
        prop_oneof![Just(0u16), Just(65535u16), any::<u16>()],
        (0u64..=1_000_000, 1u16..8, 1u16..30),
        (any::<u16>(), any::<u16>(), any::<i16>()),
        prop_oneof![
            Just(ConsensusMode::Auto),
            Just(ConsensusMode::Current),
            Just(ConsensusMode::Previous)
        ],
        (proptest::option::of(0..n as u16), any::<bool>()),
    )
        .prop_map(
            move |(
                (yuma3, liquid_alpha, kappa),
                bp,
                (bma, mav, tempo),
                (lo, hi, steep),
                mode,
                (owner, commit),
            )| Hyperparams {
                yuma3,
                liquid_alpha,
                kappa_u16: kappa,
                bonds_penalty_u16: bp,
                bonds_moving_average: bma,
                max_allowed_validators: mav,
                tempo,
                alpha_low_u16: lo,
                alpha_high_u16: hi,
                alpha_sigmoid_steepness: steep,
                liquid_alpha_consensus_mode: mode,
                owner_uid: owner,
                commit_reveal_enabled: commit,
                ..Hyperparams::default()
            },
        )
}

fn case() -> impl Strategy<Value = (EpochInput, Hyperparams)> {
    (1usize..14).prop_flat_map(|n| (state(n), params(n)))
}

/// States where the bond passes take their one-walk rows (`fused_bonds`, `liquid_alpha`):
/// sorted rows, every uid registered at block 0 (the bond mask passes every entry), bonds
/// penalty 1, and each of classic, Yuma3 and Yuma3 + liquid alpha.
fn one_walk_case() -> impl Strategy<Value = (EpochInput, Hyperparams)> {
    (1usize..14).prop_flat_map(|n| {
        (
            state_with(n, Just((true, true))),
            params(n),
            prop_oneof![
                Just((false, false)),
                Just((true, false)),
                Just((true, true))
            ],
        )
            .prop_map(|(mut input, hp, (yuma3, liquid_alpha))| {
                input.block_at_registration = Some(vec![0; input.stake.len()]);
                let hp = Hyperparams {
                    yuma3,
                    liquid_alpha,
                    bonds_penalty_u16: 65_535,
                    commit_reveal_enabled: hp.commit_reveal_enabled && input.commit_block.is_some(),
                    ..hp
                };
                (input, hp)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn epoch_equals_the_literal_port((input, hp) in case()) {
        let hp = Hyperparams {
            commit_reveal_enabled: hp.commit_reveal_enabled && input.commit_block.is_some(),
            ..hp
        };
        let want = reference::run_epoch_traced(&hp, &input).unwrap();
        let got = run_epoch_traced(&hp, &input).unwrap();
        prop_assert_eq!(&got.0, &want.0);
        prop_assert_eq!(&got.1, &want.1);
    }

    #[test]
    fn one_walk_bond_rows_equal_the_literal_port((input, hp) in one_walk_case()) {
        let want = reference::run_epoch_traced(&hp, &input).unwrap();
        let got = run_epoch_traced(&hp, &input).unwrap();
        prop_assert_eq!(&got.0, &want.0);
        prop_assert_eq!(&got.1, &want.1);
    }

    #[test]
    fn column_medians_equal_the_port(
        (n, stake, score) in (1usize..24).prop_flat_map(|n| (
            Just(n),
            proptest::collection::vec(prop_oneof![Just(0i64), 0i64..=(1 << 32), Just(1i64 << 28)], n),
            proptest::collection::vec(
                proptest::collection::vec((0u16..(n as u16 + 2), prop_oneof![8 => Just(0i64), 8 => 0i64..=(1 << 32), 8 => (0i64..4).prop_map(|x| x << 30), 1 => -(1i64 << 32)..0]), 0..=n + 2),
                n,
            ),
        )),
        kappa in 0i64..=(1 << 32),
    ) {
        let stake: Vec<I32F32> = stake.into_iter().map(I32F32::from_bits).collect();
        let score: Vec<Vec<(u16, I32F32)>> = score
            .into_iter()
            .map(|r| r.into_iter().map(|(j, v)| (j, I32F32::from_bits(v))).collect())
            .collect();
        let k = I32F32::from_bits(kappa);
        prop_assert_eq!(
            weighted_median_columns(Par::sequential(), &stake, &score, n as u16, k),
            weighted_median_col_sparse(&stake, &score, n as u16, k)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// Columns with many non-zero scores (the bucket pre-selection of the median): clustered,
    /// tied, spread and tiny scores, zero and tiny stakes, any kappa.
    #[test]
    fn tall_column_medians_equal_the_port(
        (rows, stake, score) in (40usize..200).prop_flat_map(|rows| (
            Just(rows),
            proptest::collection::vec(prop_oneof![2 => Just(0i64), 1 => 0i64..4, 8 => 0i64..=(1 << 40)], rows),
            proptest::collection::vec(
                proptest::collection::vec(
                    (0u16..4, prop_oneof![
                        4 => Just(0i64),
                        4 => 0i64..=(1 << 32),
                        4 => (1i64 << 20)..(1i64 << 20) + 64,
                        2 => (0i64..4).prop_map(|x| x << 30),
                        1 => 0i64..3,
                        1 => Just(1i64 << 32),
                    ]),
                    0..6,
                ),
                rows,
            ),
        )),
        kappa in prop_oneof![0i64..=(1 << 32), Just(0i64), Just(1i64 << 31), Just(1i64 << 32)],
        tie in proptest::option::of(0usize..200),
    ) {
        let mut stake: Vec<I32F32> = stake.into_iter().map(I32F32::from_bits).collect();
        let mut kappa = kappa;
        if let Some(m) = tie {
            // Equal stakes and a kappa that puts `minority` exactly on a cumulative stake.
            stake.iter_mut().filter(|s| **s > ZERO).for_each(|s| *s = I32F32::from_bits(1 << 30));
            let mut used: Vec<I32F32> = stake.iter().copied().filter(|&s| s > ZERO).collect();
            inplace_normalize(&mut used);
            if let Some(&one) = used.first() {
                let total: i64 = used.iter().map(|s| s.to_bits()).sum();
                kappa = total - (m % (used.len() + 1)) as i64 * one.to_bits();
            }
        }
        let score: Vec<Vec<(u16, I32F32)>> = score
            .into_iter()
            .map(|r| r.into_iter().map(|(j, v)| (j, I32F32::from_bits(v))).collect())
            .collect();
        let k = I32F32::from_bits(kappa);
        let _ = rows;
        prop_assert_eq!(
            weighted_median_columns(Par::sequential(), &stake, &score, 4, k),
            weighted_median_col_sparse(&stake, &score, 4, k)
        );
    }
}

/// A deterministic state of `validators` rows weighting `per_row` of `miners` columns (sorted
/// or shuffled), with bonds from the same generator, large enough for the parallel path.
fn big_state(
    validators: usize,
    miners: usize,
    per_row: usize,
    sorted: bool,
    seed: u64,
) -> EpochInput {
    let n = validators + miners;
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let matrix = |next: &mut dyn FnMut() -> u64| -> Vec<Row> {
        (0..n)
            .map(|i| {
                if i >= validators {
                    return Vec::new();
                }
                let mut r: Row = (0..per_row)
                    .map(|_| {
                        (
                            (validators + (next() as usize) % miners) as u16,
                            (next() % 65536) as u16,
                        )
                    })
                    .collect();
                if sorted {
                    r.sort_by_key(|e| e.0);
                    r.dedup_by_key(|e| e.0);
                }
                r
            })
            .collect()
    };
    let weights = matrix(&mut next);
    let bonds = matrix(&mut next);
    EpochInput {
        current_block: 1000,
        stake: (0..n)
            .map(|i| {
                if i < validators {
                    1 + next() % (1 << 40)
                } else {
                    next() % 3
                }
            })
            .collect(),
        tao_stake: None,
        validator_permit: Some((0..n).map(|i| i < validators || i % 7 == 0).collect()),
        weights: Some(weights),
        bonds: Some(bonds),
        last_update: Some((0..n as u64).map(|i| 990 + i % 10).collect()),
        block_at_registration: Some((0..n as u64).map(|i| (i * 31) % 1000).collect()),
        last_mechanism_step_block: 640,
        commit_block: None,
        previous_consensus_u16: Some((0..n).map(|_| (next() % 65536) as u16).collect()),
    }
}

#[test]
fn same_result_with_1_2_and_8_threads() {
    let variants = [
        ("classic", false, false, 65535u16),
        ("classic, interpolated bonds", false, false, 30000),
        ("yuma3", true, false, 65535),
        ("yuma3, unclipped", true, false, 0),
        ("yuma3 + liquid alpha", true, true, 65535),
        ("yuma3 + liquid alpha, interpolated", true, true, 12345),
    ];
    // The third state registers every uid before the last tempo and before every weights
    // update, so the weights read and the bond mask keep every entry and Yuma3's first bond
    // pass takes its one-walk path for every validator row.
    for (sorted, per_row, registered_early) in [
        (true, 1200usize, false),
        (false, 700, false),
        (true, 1200, true),
    ] {
        let mut input = big_state(64, 700, per_row, sorted, 0xC0FFEE + per_row as u64);
        if registered_early {
            input.block_at_registration = Some(vec![0; input.stake.len()]);
        }
        let entries: usize = input
            .weights
            .iter()
            .chain(input.bonds.iter())
            .flatten()
            .map(Vec::len)
            .sum();
        assert!(
            entries >= PARALLEL_MIN_ENTRIES,
            "the state must take the parallel path"
        );
        for (name, yuma3, liquid_alpha, bp) in variants {
            let hp = Hyperparams {
                yuma3,
                liquid_alpha,
                bonds_penalty_u16: bp,
                max_allowed_validators: 64,
                tempo: 100,
                ..Hyperparams::default()
            };
            let want = reference::run_epoch(&hp, &input).unwrap();
            for threads in [1, 2, 8] {
                let got = run_epoch_with_threads(&hp, &input, threads).unwrap();
                assert!(got == want, "{name} (sorted rows: {sorted}) with {threads} threads differs from the literal port");
            }
            // From a thread outside any pool, on rayon's global pool (the epoch moves onto one
            // of its workers when that pool has more than one thread).
            let got = imr_yuma::run_epoch(&hp, &input).unwrap();
            assert!(
                got == want,
                "{name} (sorted rows: {sorted}) on the global pool differs from the literal port"
            );
        }
    }
}

/// Weights rows whose I32F32 sum wraps (the chain sums `v << 32` with wrapping addition): to a
/// negative sum (the row is left unnormalized) and past 2^64 to a small positive one (entries
/// above the sum take the general division).
#[test]
fn wrapping_weight_row_sums_equal_the_port() {
    for (entries, value) in [(40_000usize, 65_535u16), (65_538, 65_535), (70_000, 61_441)] {
        let n = 4;
        let mut row: Row = (0..entries).map(|e| (1 + (e % 3) as u16, value)).collect();
        row.push((0, 7));
        let input = EpochInput {
            current_block: 100,
            stake: vec![1 << 30, 1 << 31, 5, 0],
            tao_stake: None,
            validator_permit: Some(vec![true, true, false, false]),
            weights: Some(vec![row, vec![(2, 9), (3, 1)], Vec::new(), Vec::new()]),
            bonds: Some(vec![
                vec![(1, 100), (2, 65_535)],
                Vec::new(),
                Vec::new(),
                Vec::new(),
            ]),
            last_update: Some(vec![100; n]),
            block_at_registration: Some(vec![0; n]),
            last_mechanism_step_block: 50,
            commit_block: None,
            previous_consensus_u16: None,
        };
        for yuma3 in [false, true] {
            let hp = Hyperparams {
                yuma3,
                ..Hyperparams::default()
            };
            let want = reference::run_epoch_traced(&hp, &input).unwrap();
            let got = run_epoch_traced(&hp, &input).unwrap();
            assert_eq!(got, want, "{entries} entries of {value}, yuma3 {yuma3}");
        }
    }
}
