//! Hand-worked end-to-end cases of the numeric helpers, in the order the
//! time-series example (spec §3.1) chains them. Every expected value below is
//! derived in the comments, not taken from the code.

use std::collections::BTreeMap;

use imr_helpers::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-15 * b.abs().max(1.0)
}

#[test]
fn precog_style_round_by_hand() {
    let realized = [100.0, 110.0];
    // uid 1: |101−100|/100 = 0.01, |108−110|/110 = 2/110 → mean (0.01 + 2/110)/2
    // uid 2: exact → 0
    // uid 3: invalid → +inf (set by the caller)
    // uid 4: |99−100|/100 = 0.01, |112−110|/110 = 2/110 → the same terms as uid 1
    let e1 = mape(&[101.0, 108.0], &realized).unwrap();
    let e2 = mape(&[100.0, 110.0], &realized).unwrap();
    let e4 = mape(&[99.0, 112.0], &realized).unwrap();
    assert!(close(e1, (0.01 + 2.0 / 110.0) / 2.0));
    assert_eq!(e2, 0.0);
    assert_eq!(e1, e4, "same terms, same order → bit-identical");
    let errs = [e1, e2, f64::INFINITY, e4];
    let uids = [1, 2, 3, 4];

    // Positions: uid 2 → 0; uids 1 and 4 tie on positions 1, 2 → (0.8 + 0.64)/2 = 0.72;
    // uid 3 invalid → 0 (Precog would give it 0.8³ = 0.512).
    let w = position_decay_tie_avg(&errs, &uids, Direction::Asc, 0.8, Some(1e-12)).unwrap();
    assert!(close(w[0], 0.72) && close(w[3], 0.72));
    assert_eq!((w[1], w[2]), (1.0, 0.0));

    // Ranks of the same errors.
    let r = rank(
        &errs,
        &uids,
        Direction::Asc,
        TieMode::Average,
        NanPolicy::Worst,
        None,
    )
    .unwrap();
    assert_eq!(r, vec![1.5, 0.0, 3.0, 1.5]);

    // EMA from an empty state with α = 0.5: s = 0.5·w.
    let mut state = BTreeMap::new();
    let observed: Vec<(u16, f64)> = uids.iter().copied().zip(w.iter().copied()).collect();
    ema_update(&mut state, &observed, 0.5, Absent::Decay, 0.0).unwrap();
    assert!(close(state[&1], 0.36) && close(state[&2], 0.5) && state[&3] == 0.0);

    // normalize: total 1.22 → 18/61, 25/61, 0, 18/61.
    let ema: Vec<(u16, f64)> = state.iter().map(|(&u, &v)| (u, v)).collect();
    let n = normalize_sum(&ema, ZeroPolicy::Burn(0)).unwrap();
    assert!(close(n[0].1, 18.0 / 61.0) && close(n[1].1, 25.0 / 61.0));

    // cap at 0.4: 25/61 ≈ 0.41 is capped; the rest (36/61) scales to 0.6 → 0.3 each.
    let c = cap_max_weight(&n, 0.4).unwrap();
    assert_eq!(c[1], (2, 0.4));
    assert!(close(c[0].1, 0.3) && close(c[3].1, 0.3) && c[2].1 == 0.0);

    // burn 10% to uid 0: 0.9·(0.3, 0.4, 0, 0.3) plus (0: 0.1).
    let b = with_burn(&c, 0, 0.1).unwrap();
    let uids_out: Vec<u16> = b.iter().map(|e| e.0).collect();
    assert_eq!(uids_out, vec![0, 1, 2, 3, 4]);
    assert!(close(b[0].1, 0.1) && close(b[1].1, 0.27) && close(b[2].1, 0.36));
    assert!(close(b[4].1, 0.27) && b[3].1 == 0.0);
}

#[test]
fn interval_and_direction_by_hand() {
    // α = 0.1 → penalty factor 2/α = 20.
    // y = 100 inside [95, 105] → width 10; y = 112 above [100, 110] → 10 + 20·2 = 50.
    assert_eq!(interval_score(95.0, 105.0, 100.0, 0.1).unwrap(), 10.0);
    assert_eq!(interval_score(100.0, 110.0, 112.0, 0.1).unwrap(), 50.0);
    // scale-free mean as §3.1 step 3: (10/100 + 50/112)/2
    let is = (interval_score(95.0, 105.0, 100.0, 0.1).unwrap() / 100.0
        + interval_score(100.0, 110.0, 112.0, 0.1).unwrap() / 112.0)
        / 2.0;
    assert!(close(is, (0.1 + 50.0 / 112.0) / 2.0));
    // coverage of [95, 105] over the realized path: 100, 104 in, 106 out
    assert_eq!(
        coverage(95.0, 105.0, &[100.0, 104.0, 106.0]).unwrap(),
        2.0 / 3.0
    );
    // vs base 100: realized ups [T, T]; forecast [99 → F, 112 → T] → 1 of 2
    assert_eq!(
        directional_accuracy_vs_base(&[99.0, 112.0], &[100.0, 110.0], 100.0).unwrap(),
        0.5
    );
    // rmse: errors 3 and 4 → sqrt((9 + 16)/2) = sqrt(12.5)
    assert_eq!(rmse(&[3.0, 0.0], &[0.0, 4.0]).unwrap(), libm::sqrt(12.5));
}

#[test]
fn tie_eps_absorbs_rounding_noise() {
    // 0.1 + 0.2 = 0.30000000000000004 ≠ 0.3 exactly, but within 1e-12 relative.
    let v = [0.1 + 0.2, 0.3, 0.5];
    let u = [9, 4, 1];
    let exact = rank(&v, &u, Direction::Asc, TieMode::Min, NanPolicy::Worst, None).unwrap();
    assert_eq!(exact, vec![1.0, 0.0, 2.0]);
    let eps = rank(
        &v,
        &u,
        Direction::Asc,
        TieMode::Min,
        NanPolicy::Worst,
        Some(1e-12),
    )
    .unwrap();
    assert_eq!(eps, vec![0.0, 0.0, 2.0]);
    // under eps the tie is broken by uid: uid 4 before uid 9
    let ord = rank(
        &v,
        &u,
        Direction::Asc,
        TieMode::Ordinal,
        NanPolicy::Worst,
        Some(1e-12),
    )
    .unwrap();
    assert_eq!(ord, vec![1.0, 0.0, 2.0]);
}

#[test]
fn hotkey_swap_resets_then_ema_rises() {
    let mut s: BTreeMap<u16, (String, f64)> =
        BTreeMap::from([(1, ("hk1".to_string(), 0.8)), (2, ("hk2".to_string(), 0.4))]);
    let r = reconcile_hotkeys(&mut s, &[(1, "hk1"), (2, "new")], HotkeyPolicy::Reset0).unwrap();
    assert_eq!(r.replaced, vec![2]);
    assert_eq!(s[&2], ("new".to_string(), 0.0));
    // feed the reset uid a reward of 1 with α = 0.25 three times: 1 − 0.75³ = 0.578125
    let mut ema_state: BTreeMap<u16, f64> = s.iter().map(|(&u, r)| (u, r.1)).collect();
    for _ in 0..3 {
        ema_update(&mut ema_state, &[(2, 1.0)], 0.25, Absent::Hold, 0.0).unwrap();
    }
    assert_eq!(ema_state[&2], 0.578125);
    assert_eq!(ema_state[&1], 0.8, "Hold keeps the unobserved uid");
}

#[test]
fn softmax_and_decays_by_hand() {
    // softmax(T = 1) of (0, ln 3): 1/4 and 3/4
    let w = softmax(&[0.0, libm::log(3.0)], 1.0).unwrap();
    assert!(close(w[0], 0.25) && close(w[1], 0.75));
    // softmax_nonzero keeps zeros and shares among the rest
    let w = softmax_nonzero(&[0.0, 2.0, 2.0, 0.0], 0.15).unwrap();
    assert_eq!(w, vec![0.0, 0.5, 0.5, 0.0]);
    // exp_decay_by_rank: rate ln 2 → 2^{−r}; cut after rank 2
    let w = exp_decay_by_rank(&[0.0, 1.0, 2.0, 3.0], std::f64::consts::LN_2, 2.0).unwrap();
    assert!(close(w[1], 0.5) && close(w[2], 0.25));
    assert_eq!((w[0], w[3]), (1.0, 0.0));
    // rank_decay with base 0.5 on average ranks: 0.5^1.5 = 1/(2√2)
    let w = rank_decay(&[1.5], 0.5).unwrap();
    assert!(close(w[0], 1.0 / (2.0 * std::f64::consts::SQRT_2)));
    // percentiles: [10, 20, 20, 30] → 0, 1/4, 1/4, 3/4
    assert_eq!(
        percentile_strict(&[10.0, 20.0, 20.0, 30.0]).unwrap(),
        vec![0.0, 0.25, 0.25, 0.75]
    );
    // invert_min_max of errors (2, 4, 3): 1, 0, 0.5
    assert_eq!(
        invert_min_max(&[2.0, 4.0, 3.0], 0.0).unwrap(),
        vec![1.0, 0.0, 0.5]
    );
    // winner_take_all on a three-way tie
    assert_eq!(
        winner_take_all(&[0.5, 0.5, 0.1, 0.5], &[0, 1, 2, 3], Direction::Desc, None).unwrap(),
        vec![1.0 / 3.0, 1.0 / 3.0, 0.0, 1.0 / 3.0]
    );
}

#[test]
fn finalize_and_burn_helpers_by_hand() {
    // uid 9 is not alive: dropped; 1 and 3 normalize over 4 → 0.25 / 0.75
    let f = finalize(
        &[(9, 10.0), (3, 3.0), (1, 1.0)],
        &[1, 3, 5],
        ZeroPolicy::Burn(0),
    )
    .unwrap();
    assert_eq!(f.weights, vec![(1, 0.25), (3, 0.75)]);
    assert_eq!(f.pre_sum, 4.0);
    // live uids with zero total → the burn uid gets 1
    let f = finalize(&[(9, 10.0), (1, 0.0)], &[1], ZeroPolicy::Burn(0)).unwrap();
    assert_eq!(f.weights, vec![(0, 1.0), (1, 0.0)]);
    assert_eq!(f.pre_sum, 0.0);
    // no live uid at all → empty (C5: empty in, empty out)
    let f = finalize(&[(9, 10.0)], &[1], ZeroPolicy::Burn(0)).unwrap();
    assert!(f.weights.is_empty());
    // Synth: owner gets the miners' total → 50 %
    assert_eq!(
        owner_matches_miners(&[(5, 2.0), (6, 6.0)], 248).unwrap(),
        vec![(5, 0.125), (6, 0.375), (248, 0.5)]
    );
    // PTN: 0.25 + 0.25 < 1 → uid 229 gets the remaining 0.5
    assert_eq!(
        fill_remainder_to_burn(&[(2, 0.25), (1, 0.25)], 229).unwrap(),
        vec![(1, 0.25), (2, 0.25), (229, 0.5)]
    );
}

#[test]
fn gaussian_helpers_by_hand() {
    // Φ⁻¹(0.975) = 1.959963984540054 (tables); 90 % interval half-width 1.6448536269514722
    assert!((normal_quantile(0.975).unwrap() - 1.959_963_984_540_054).abs() < 1e-15);
    let (lo, hi) = gaussian_interval(0.0, 2.0, 0.9).unwrap();
    assert!((hi - 2.0 * 1.644_853_626_951_472_2).abs() < 1e-14 && lo == -hi);
    // CRPS of N(μ, σ) at y = μ: σ(√2 − 1)/√π
    let c = crps_gaussian(5.0, 3.0, 5.0).unwrap();
    let want = 3.0 * (std::f64::consts::SQRT_2 - 1.0) / libm::sqrt(std::f64::consts::PI);
    assert!((c - want).abs() < 1e-15);
    // pinball at the median is half the absolute error
    assert_eq!(pinball(3.0, 0.5, 7.0).unwrap(), 2.0);
    assert_eq!(mean_pinball(&[3.0, 3.0], &[0.5, 0.5], 7.0).unwrap(), 2.0);
}
