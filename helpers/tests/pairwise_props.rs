//! Property tests of the pairwise-ranking helpers: Elo invariance after the canonical
//! sort, conservation laws, Bradley–Terry recovering a known strength order (on fixed seeds), and no panic
//! or out-of-range output on odd inputs.

use std::collections::BTreeMap;

use imr_helpers::{
    borda, bradley_terry, copeland, elo, pairwise_win_rate, sort_matches_canonical, Direction,
    LinearDecay, PairMatch, WinRateEntry,
};
use proptest::prelude::*;

/// SplitMix64 (the spec's generator), for synthetic tournaments.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// `games` games between random pairs of players whose true strengths are `e^{ln_p}`;
/// a wins with probability `p_a/(p_a + p_b)`.
fn synthetic_matches(ln_p: &[f64], games: usize, seed: u64) -> Vec<PairMatch> {
    let mut rng = SplitMix64(seed);
    let n = ln_p.len() as u64;
    let mut out = Vec::with_capacity(games);
    while out.len() < games {
        let a = (rng.next() % n) as usize;
        let b = (rng.next() % n) as usize;
        if a == b {
            continue;
        }
        let pa = 1.0 / (1.0 + (ln_p[b] - ln_p[a]).exp());
        let m = if rng.unit() < pa {
            PairMatch::win(a as u16 + 10, b as u16 + 10)
        } else {
            PairMatch::win(b as u16 + 10, a as u16 + 10)
        };
        out.push(m);
    }
    out
}

fn match_strategy(max_uid: u16) -> impl Strategy<Value = PairMatch> {
    (
        0..max_uid,
        0..max_uid,
        prop::sample::select(vec![0.0, 0.5, 1.0]),
    )
        .prop_filter("two players", |(a, b, _)| a != b)
        .prop_map(|(a, b, score_a)| PairMatch { a, b, score_a })
}

fn value_strategy() -> impl Strategy<Value = f64> {
    prop_oneof![
        -10.0f64..10.0,
        Just(0.0),
        Just(1.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn elo_is_order_free_after_the_canonical_sort(
        (matches, shuffled) in prop::collection::vec(match_strategy(8), 0..40)
            .prop_flat_map(|m| (Just(m.clone()), Just(m).prop_shuffle())),
    ) {
        let mut a = matches;
        let mut b = shuffled;
        sort_matches_canonical(&mut a);
        sort_matches_canonical(&mut b);
        let start: BTreeMap<u16, f64> = [(0u16, 1100.0), (3, 950.0)].into_iter().collect();
        let ra = elo(&start, &a, 16.0, 1000.0).unwrap();
        let rb = elo(&start, &b, 16.0, 1000.0).unwrap();
        prop_assert_eq!(ra.len(), rb.len());
        for (k, v) in &ra {
            prop_assert_eq!(v.to_bits(), rb[k].to_bits());
        }
    }

    #[test]
    fn elo_conserves_total_rating(matches in prop::collection::vec(match_strategy(6), 0..60), k in 0.0f64..64.0) {
        let r = elo(&BTreeMap::new(), &matches, k, 1000.0).unwrap();
        let total: f64 = r.values().sum();
        prop_assert!((total - 1000.0 * r.len() as f64).abs() < 1e-6);
        // Each game moves a rating by at most k.
        for v in r.values() {
            prop_assert!((v - 1000.0).abs() <= k * matches.len() as f64 + 1e-9);
        }
    }

    #[test]
    fn win_rates_are_rates_and_pairs_have_one_winner(
        vals in prop::collection::vec((value_strategy(), 0u64..50), 0..12),
        desc in any::<bool>(),
    ) {
        let entries: Vec<WinRateEntry> = vals
            .iter()
            .enumerate()
            .map(|(i, &(value, block))| WinRateEntry { uid: (11 * i % 64) as u16, value, block })
            .collect();
        let dir = if desc { Direction::Desc } else { Direction::Asc };
        let eps = LinearDecay { start: 0.05, end: 0.01, blocks: 20 };
        let r = pairwise_win_rate(&entries, dir, &eps, 60).unwrap();
        prop_assert_eq!(r.len(), entries.len());
        prop_assert!(r.windows(2).all(|w| w[0].0 < w[1].0));
        let n = entries.len();
        let mut wins = 0.0;
        for &(_, rate) in &r {
            prop_assert!((0.0..=1.0).contains(&rate));
            wins += rate * n.saturating_sub(1) as f64;
        }
        // A pair has at most one winner: Σ wins ≤ C(n, 2).
        prop_assert!(wins <= (n * n.saturating_sub(1) / 2) as f64 + 1e-9);
    }

    #[test]
    fn copeland_and_borda_conserve_points(
        matches in prop::collection::vec(match_strategy(7), 0..40),
        ballots in prop::collection::vec(Just((0u16..9).collect::<Vec<_>>()).prop_shuffle().prop_map(|mut v| { v.truncate(5); v }), 0..6),
    ) {
        let players: Vec<u16> = (0..7).collect();
        let c = copeland(&players, &matches).unwrap();
        let pairs: std::collections::BTreeSet<(u16, u16)> =
            matches.iter().map(|m| (m.a.min(m.b), m.a.max(m.b))).collect();
        let total: f64 = c.iter().map(|x| x.1).sum();
        prop_assert_eq!(total, pairs.len() as f64);
        let b = borda(&ballots).unwrap();
        let total: f64 = b.iter().map(|x| x.1).sum();
        let want: usize = ballots.iter().map(|v| v.len() * (v.len() - 1) / 2).sum();
        prop_assert_eq!(total, want as f64);
    }

    #[test]
    fn bt_outputs_are_finite_and_centred(matches in prop::collection::vec(match_strategy(6), 0..50), prior in 0.1f64..4.0) {
        let players: Vec<u16> = (0..6).collect();
        let bt = bradley_terry(&players, &matches, prior, 60).unwrap();
        prop_assert_eq!(bt.len(), 6);
        let mut s = 0.0;
        for &(_, l) in &bt {
            prop_assert!(l.is_finite());
            s += l;
        }
        prop_assert!(s.abs() < 1e-9);
    }
}

/// Four players with true ln-strengths −1.2, −0.4, 0.4, 1.2 and 1,200 games: BT must recover
/// the order, and each estimate must land within 0.3 of the truth.
///
/// Statistical, so the tournaments come from 64 fixed seeds rather than proptest's random ones:
/// the estimates' error is about 0.1 (median of the worst player over 4,000 seeds 0.11, 99.9th
/// percentile 0.26), and among random seeds one in some thousands exceeds 0.3 (seed
/// 10839269160655738782 gives 1.55 for the strongest player), which made CI fail by chance.
#[test]
fn bt_recovers_a_known_strength_order() {
    let truth = [-1.2, -0.4, 0.4, 1.2];
    let mut seeds = SplitMix64(0xB7_5EED);
    for _ in 0..64 {
        let seed = seeds.next();
        let m = synthetic_matches(&truth, 1_200, seed);
        let bt = bradley_terry(&[10, 11, 12, 13], &m, 1.0, 100).unwrap();
        for w in bt.windows(2) {
            assert!(w[0].1 < w[1].1, "seed {seed}: order lost: {bt:?}");
        }
        for (i, &(_, l)) in bt.iter().enumerate() {
            assert!(
                (l - truth[i]).abs() < 0.3,
                "seed {seed}: uid {}: {l} vs {}",
                10 + i,
                truth[i]
            );
        }
    }
}

#[test]
fn bt_prototype_claim_400_games() {
    // The spec's prototype note: within ±0.15 of the true strengths from 400 games. Checked
    // here on one fixed seed (the spec's SYN-BTC seed); other seeds can exceed 0.15 with
    // 400 games, which is why the proptest above uses 1,200 games and 0.3.
    let truth = [-0.9, -0.3, 0.3, 0.9];
    let m = synthetic_matches(&truth, 400, 0x5EED_B7C0);
    let bt = bradley_terry(&[10, 11, 12, 13], &m, 1.0, 100).unwrap();
    let worst = bt
        .iter()
        .zip(truth)
        .map(|(&(_, l), t)| (l - t).abs())
        .fold(0.0, f64::max);
    eprintln!("bt 400 games: estimates {bt:?}, worst error {worst:.3}");
    assert!(worst < 0.15, "worst error {worst}");
}

#[test]
fn elo_by_hand_three_players() {
    // 1 beats 2 (both 1000): +8/−8. Then 2 (992) ties 3 (1000):
    // E₂ = 1/(1 + 10^{8/400}) = 1/(1 + 1.0471285480508996) = 0.48848...; Δ = 16·(0.5 − E₂).
    let m = [PairMatch::win(1, 2), PairMatch::tie(2, 3)];
    let r = elo(&BTreeMap::new(), &m, 16.0, 1000.0).unwrap();
    let e2 = 1.0 / (1.0 + 1.047_128_548_050_899_6);
    let delta = 16.0 * (0.5 - e2);
    assert_eq!(r[&1], 1008.0);
    assert!((r[&2] - (992.0 + delta)).abs() < 1e-9);
    assert!((r[&3] - (1000.0 - delta)).abs() < 1e-9);
    assert!((delta - 0.184_2).abs() < 1e-3, "{delta}");
}
