//! Property tests of the numeric helpers: permutation invariance where the spec
//! promises it (C4: ties by uid), no panic on empty / NaN / huge inputs, and
//! outputs within their documented ranges.

use std::collections::BTreeMap;

use imr_helpers::*;
use proptest::prelude::*;

/// Values with many exact ties, signed zeros, infinities and NaN.
fn tie_heavy() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => (-3i32..4).prop_map(|v| v as f64 * 0.5),
        1 => Just(-0.0),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(f64::NAN),
        2 => -1e6f64..1e6,
    ]
}

/// Any f64 bit pattern (NaN payloads, subnormals, ±inf, huge values).
fn any_f64() -> impl Strategy<Value = f64> {
    any::<u64>().prop_map(f64::from_bits)
}

/// `(value, uid)` pairs with unique uids, and a permutation of their positions.
fn entries_and_perm() -> impl Strategy<Value = (Vec<(f64, u16)>, Vec<usize>)> {
    proptest::collection::btree_set(any::<u16>(), 0..40).prop_flat_map(|uids| {
        let n = uids.len();
        let uids: Vec<u16> = uids.into_iter().collect();
        (
            proptest::collection::vec(tie_heavy(), n).prop_map(move |vals| {
                vals.into_iter()
                    .zip(uids.iter().copied())
                    .collect::<Vec<_>>()
            }),
            Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
        )
    })
}

fn dirs() -> impl Strategy<Value = Direction> {
    prop_oneof![Just(Direction::Asc), Just(Direction::Desc)]
}

fn modes() -> impl Strategy<Value = TieMode> {
    prop_oneof![
        Just(TieMode::Average),
        Just(TieMode::Min),
        Just(TieMode::Dense),
        Just(TieMode::Ordinal)
    ]
}

fn split(e: &[(f64, u16)]) -> (Vec<f64>, Vec<u16>) {
    (
        e.iter().map(|x| x.0).collect(),
        e.iter().map(|x| x.1).collect(),
    )
}

/// Maps each uid to its output, so results from permuted inputs compare directly.
fn by_uid(uids: &[u16], out: &[f64]) -> BTreeMap<u16, u64> {
    uids.iter()
        .zip(out)
        .map(|(&u, &v)| (u, v.to_bits()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn rank_is_permutation_invariant(
        (entries, perm) in entries_and_perm(),
        dir in dirs(),
        mode in modes(),
        eps in prop_oneof![Just(None), Just(Some(1e-12)), Just(Some(0.3))],
    ) {
        let (v, u) = split(&entries);
        let permuted: Vec<(f64, u16)> = perm.iter().map(|&i| entries[i]).collect();
        let (pv, pu) = split(&permuted);
        let a = rank(&v, &u, dir, mode, NanPolicy::Worst, eps).unwrap();
        let b = rank(&pv, &pu, dir, mode, NanPolicy::Worst, eps).unwrap();
        prop_assert_eq!(by_uid(&u, &a), by_uid(&pu, &b));
        let n = v.len() as f64;
        for r in &a {
            prop_assert!(*r >= 0.0 && (*r <= n - 1.0 || n == 0.0));
        }
        match mode {
            TieMode::Ordinal => {
                let mut s: Vec<u64> = a.iter().map(|r| *r as u64).collect();
                s.sort_unstable();
                prop_assert_eq!(s, (0..v.len() as u64).collect::<Vec<_>>());
            }
            TieMode::Average => {
                // average ranks keep the total of the positions: n(n−1)/2
                let total: f64 = a.iter().sum();
                prop_assert!((total - n * (n - 1.0) / 2.0).abs() < 1e-9);
            }
            _ => {}
        }
    }

    #[test]
    fn rank_puts_nan_last_and_respects_direction(
        (entries, _perm) in entries_and_perm(),
        dir in dirs(),
    ) {
        let (v, u) = split(&entries);
        let r = rank(&v, &u, dir, TieMode::Ordinal, NanPolicy::Worst, None).unwrap();
        for i in 0..v.len() {
            for j in 0..v.len() {
                if r[i] < r[j] {
                    // i is before j: j is NaN, or i is not NaN and not worse than j
                    let ok = v[j].is_nan() || (!v[i].is_nan() && match dir {
                        Direction::Asc => v[i] <= v[j],
                        Direction::Desc => v[i] >= v[j],
                    });
                    prop_assert!(ok, "{} before {}", v[i], v[j]);
                }
            }
        }
    }

    #[test]
    fn position_decay_is_permutation_invariant_and_bounded(
        (entries, perm) in entries_and_perm(),
        dir in dirs(),
        base in 0.0f64..=1.0,
    ) {
        let (v, u) = split(&entries);
        let permuted: Vec<(f64, u16)> = perm.iter().map(|&i| entries[i]).collect();
        let (pv, pu) = split(&permuted);
        let a = position_decay_tie_avg(&v, &u, dir, base, Some(1e-12)).unwrap();
        let b = position_decay_tie_avg(&pv, &pu, dir, base, Some(1e-12)).unwrap();
        prop_assert_eq!(by_uid(&u, &a), by_uid(&pu, &b));
        // every weight is in [0, 1]; the total equals Σ base^k over the valid positions
        let valid = v.iter().filter(|x| !(x.is_nan()
            || (dir == Direction::Asc && **x == f64::INFINITY)
            || (dir == Direction::Desc && **x == f64::NEG_INFINITY))).count();
        let want: f64 = (0..valid).map(|k| base.powi(k as i32)).sum();
        let got: f64 = a.iter().sum();
        prop_assert!(a.iter().all(|w| (0.0..=1.0).contains(w)));
        prop_assert!((got - want).abs() <= 1e-9 * want.max(1.0), "{got} vs {want}");
    }

    #[test]
    fn winner_take_all_and_top_k_shapes(
        (entries, _perm) in entries_and_perm(),
        dir in dirs(),
        k in 0usize..50,
    ) {
        let (v, u) = split(&entries);
        let finite: Vec<f64> = v.iter().map(|x| if x.is_nan() { 0.0 } else { *x }).collect();
        let w = winner_take_all(&finite, &u, dir, None).unwrap();
        if !finite.is_empty() {
            let s: f64 = w.iter().sum();
            prop_assert!((s - 1.0).abs() < 1e-12);
        }
        let t = top_k(&finite, &u, k, dir).unwrap();
        let kept = t.iter().zip(&finite).filter(|(a, b)| a.to_bits() == b.to_bits() && **b != 0.0).count();
        prop_assert!(kept <= k);
    }

    #[test]
    fn no_panic_on_arbitrary_floats(
        xs in proptest::collection::vec(any_f64(), 0..24),
        ys in proptest::collection::vec(any_f64(), 0..24),
        a in any_f64(),
        b in any_f64(),
        c in any_f64(),
        n in 0usize..64,
    ) {
        let uids: Vec<u16> = (0..xs.len() as u16).collect();
        let _ = (mae(&xs, &ys), mse(&xs, &ys), rmse(&xs, &ys), mape(&xs, &ys), smape(&xs, &ys));
        let _ = (weighted_rmse(&xs, &ys, &xs), log_return_rmse(&xs, &ys, a));
        let _ = (directional_accuracy(&xs, &ys), directional_accuracy_vs_base(&xs, &ys, a));
        let _ = (exp_decay_weights(n, a), recency_weights(n, a, b, c), power_decay_weights(n, a));
        let _ = (interval_score(a, b, c, a), coverage(a, b, &xs), precog_interval_score(a, b, &xs));
        let _ = (crps_ensemble(&xs, a), crps_gaussian(a, b, c), path_changes_bps(&xs, n));
        let _ = (pinball(a, b, c), mean_pinball(&xs, &ys, a), brier(a, true), log_score(a, false, b));
        let _ = (peer_scores(&xs, a), normal_quantile(a), gaussian_interval(a, b, c));
        let _ = (normal_cdf(a), normal_pdf(a));
        for dir in [Direction::Asc, Direction::Desc] {
            let _ = rank(&xs, &uids, dir, TieMode::Average, NanPolicy::Worst, Some(b));
            let _ = position_decay_tie_avg(&xs, &uids, dir, a, None);
            let _ = (top_k(&xs, &uids, n, dir), winner_take_all(&xs, &uids, dir, None));
        }
        let _ = (rank_decay(&xs, a), exp_rank_decay(n, a, b), exp_decay_by_rank(&xs, a, b));
        let _ = (percentile_strict(&xs), winner_plus_log_tail(&uids, a));
        let _ = (softmax(&xs, a), softmax_beta(&xs, a), softmax_nonzero(&xs, a), threshold(&xs, a));
        let _ = (power_sharpen(&xs, a), cap_shift(&xs, a), sigmoid(a, b, c));
        let _ = (pareto_shift(&xs, a, b), floor_ceiling_scale(&xs, a, b));
        let _ = (combine_weighted(&[&xs[..], &ys[..]], &[a, b]), apply_penalties(a, &[(b, c)]));
        let _ = clip_penalty(a, b);
        let pairs: Vec<(u16, f64)> = uids.iter().copied().zip(xs.iter().copied()).collect();
        let _ = (normalize_sum(&pairs, ZeroPolicy::Burn(7)), cap_max_weight(&pairs, a));
        let _ = (with_burn(&pairs, 3, a), fill_remainder_to_burn(&pairs, 3));
        let _ = (owner_matches_miners(&pairs, 1), finalize(&pairs, &uids, ZeroPolicy::Uniform));
        let _ = (normalize_max(&xs), min_max(&xs, a), invert_min_max(&xs, a));
        let _ = (clamp(&xs, a, b), zscore_floor(&xs, a));
        let _ = (ema(a, b, c), alpha_from_half_life(a), alpha_from_span(a));
        let mut st: BTreeMap<u16, f64> = pairs.iter().copied().collect();
        let _ = ema_update(&mut st, &pairs, a, Absent::Decay, b);
        let hist: Vec<Option<f64>> = xs.iter().map(|x| if x.is_nan() { None } else { Some(*x) }).collect();
        let _ = window_mean(&hist, n, Missing::Value(a), Denominator::Fixed);
        let _ = rank_window_avg(&[(1, &xs[..]), (2, &ys[..])], n);
        let mut rs = RunningStats::new(n as u64);
        let _ = rs.update(&xs);
        let _ = (rs.zscore(a), rs.to_unit_cdf(b));
        let _ = near_duplicate_vectors(&[(1, &xs[..]), (2, &ys[..])], a);
        let mut sorted: Vec<f64> = xs.clone();
        sorted.sort_by(f64::total_cmp);
        let _ = quantile_linear(&sorted, a);
    }

    #[test]
    fn weight_helpers_keep_c6(
        ws in proptest::collection::btree_map(any::<u16>(), prop_oneof![
            3 => 0.0f64..1e6, 1 => Just(0.0), 1 => 0.0f64..1e-300], 0..30),
        limit in 0.01f64..1.2,
        frac in 0.0f64..=1.0,
        burn in any::<u16>(),
    ) {
        // input order reversed: the helpers must sort by uid themselves
        let pairs: Vec<(u16, f64)> = ws.iter().rev().map(|(&u, &w)| (u, w)).collect();
        let check = |w: &Vec<(u16, f64)>| -> Result<(), TestCaseError> {
            prop_assert!(w.windows(2).all(|p| p[0].0 < p[1].0), "sorted by uid");
            prop_assert!(w.iter().all(|e| e.1 >= 0.0 && e.1.is_finite()));
            let s: f64 = w.iter().map(|e| e.1).sum();
            prop_assert!((s - 1.0).abs() < 1e-9 || s == 0.0, "sum {s}");
            Ok(())
        };
        for zp in [ZeroPolicy::AllZero, ZeroPolicy::Uniform, ZeroPolicy::Burn(burn)] {
            check(&normalize_sum(&pairs, zp).unwrap())?;
        }
        let capped = cap_max_weight(&pairs, limit).unwrap();
        check(&capped)?;
        let n = capped.len() as f64;
        if n * limit > 1.0 {
            prop_assert!(capped.iter().all(|e| e.1 <= limit * (1.0 + 1e-12)));
        }
        // capping keeps the order of the (normalized) weights
        let norm = normalize_sum(&pairs, ZeroPolicy::AllZero).unwrap();
        for i in 0..norm.len() {
            for j in 0..norm.len() {
                if norm[i].1 > norm[j].1 {
                    prop_assert!(capped[i].1 >= capped[j].1 * (1.0 - 1e-12));
                }
            }
        }
        let burned = with_burn(&pairs, burn, frac).unwrap();
        check(&burned)?;
        let b = burned.iter().find(|e| e.0 == burn).map(|e| e.1).unwrap_or(0.0);
        prop_assert!(b >= frac * (1.0 - 1e-12));
        check(&fill_remainder_to_burn(&pairs, burn).unwrap())?;
    }

    #[test]
    fn softmax_sums_to_one(
        xs in proptest::collection::vec(-1e300f64..1e300, 1..30),
        t in 1e-3f64..1e3,
        beta in -1e3f64..1e3,
    ) {
        for w in [softmax(&xs, t).unwrap(), softmax_beta(&xs, beta).unwrap()] {
            let s: f64 = w.iter().sum();
            prop_assert!((s - 1.0).abs() < 1e-12, "{s}");
            prop_assert!(w.iter().all(|v| (0.0..=1.0).contains(v)));
        }
    }

    #[test]
    fn crps_matches_the_pair_formula(
        xs in proptest::collection::vec(-1e3f64..1e3, 1..40),
        y in -1e3f64..1e3,
    ) {
        // independent O(M²) definition: E|X−y| − ½E|X−X′|
        let m = xs.len() as f64;
        let e1: f64 = xs.iter().map(|x| (x - y).abs()).sum::<f64>() / m;
        let e2: f64 = xs.iter().flat_map(|a| xs.iter().map(move |b| (a - b).abs())).sum::<f64>() / (m * m);
        let want = e1 - 0.5 * e2;
        let got = crps_ensemble(&xs, y).unwrap();
        prop_assert!(got >= 0.0);
        prop_assert!((got - want).abs() <= 1e-9 * (1.0 + want.abs()), "{got} vs {want}");
        let mut rev = xs.clone();
        rev.reverse();
        prop_assert_eq!(crps_ensemble(&rev, y).unwrap().to_bits(), got.to_bits());
    }

    #[test]
    fn probabilistic_ranges(
        lo in -1e6f64..1e6, w in 0.0f64..1e6, y in -2e6f64..2e6,
        alpha in 1e-3f64..=1.0, sigma in 1e-6f64..1e6,
        ys in proptest::collection::vec(-2e6f64..2e6, 1..20),
        p in 1e-300f64..1.0,
    ) {
        let hi = lo + w;
        prop_assert!(interval_score(lo, hi, y, alpha).unwrap() >= hi - lo);
        let c = coverage(lo, hi, &ys).unwrap();
        prop_assert!((0.0..=1.0).contains(&c));
        let s = precog_interval_score(lo, hi, &ys).unwrap();
        prop_assert!((0.0..=1.0).contains(&s));
        prop_assert!(crps_gaussian(lo, sigma, y).unwrap() >= 0.0);
        if p < 1.0 {
            let x = normal_quantile(p).unwrap();
            let back = normal_cdf(x);
            prop_assert!(((back - p) / p).abs() < 1e-12, "p {p} x {x} back {back}");
        }
    }

    #[test]
    fn ema_stays_between_old_and_new(
        state in proptest::collection::btree_map(0u16..50, 0.0f64..1.0, 0..20),
        obs in proptest::collection::btree_map(0u16..50, 0.0f64..1.0, 0..20),
        alpha in 0.0f64..=1.0,
        hold in any::<bool>(),
    ) {
        let mut s = state.clone();
        let observed: Vec<(u16, f64)> = obs.iter().map(|(&u, &x)| (u, x)).collect();
        let absent = if hold { Absent::Hold } else { Absent::Decay };
        ema_update(&mut s, &observed, alpha, absent, 0.0).unwrap();
        for (u, v) in &s {
            let old = state.get(u).copied().unwrap_or(0.0);
            let new = obs.get(u).copied().unwrap_or(if hold { old } else { 0.0 });
            let (a, b) = (old.min(new), old.max(new));
            prop_assert!(*v >= a - 1e-15 && *v <= b + 1e-15, "{v} not in [{a}, {b}]");
        }
        // keys: old ∪ observed
        let keys: Vec<u16> = s.keys().copied().collect();
        let mut want: Vec<u16> = state.keys().chain(obs.keys()).copied().collect();
        want.sort_unstable();
        want.dedup();
        prop_assert_eq!(keys, want);
    }

    #[test]
    fn near_duplicates_are_symmetric_and_sorted(
        vs in proptest::collection::vec((0u16..20, proptest::collection::vec(prop_oneof![Just(1.0), Just(2.0), Just(1.0 + 1e-12)], 3)), 0..12),
    ) {
        let refs: Vec<(u16, &[f64])> = vs.iter().map(|(u, v)| (*u, &v[..])).collect();
        let pairs = near_duplicate_vectors(&refs, 1e-9).unwrap();
        prop_assert!(pairs.windows(2).all(|p| p[0] <= p[1]));
        prop_assert!(pairs.iter().all(|(a, b)| a <= b));
        let mut rev = refs.clone();
        rev.reverse();
        prop_assert_eq!(near_duplicate_vectors(&rev, 1e-9).unwrap(), pairs);
    }
}
