//! Property tests: no panic on any input (NaN, infinities, empty and 65,536-long vectors), and
//! on success the payload the chain gets is well formed: values in 1..=65535 with the maximum
//! at 65535, uids ascending and unique, and the chain stores it unchanged.

use imr_weights::sdk10::{self, NdArray};
use imr_weights::{chain, emit, scores, sdk11, ChainParams, Emission, Sdk};
use proptest::prelude::*;

fn any_weight() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => 0.0f64..1.0,
        2 => 0.0f64..1e6,
        1 => Just(0.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(-1.0),
        1 => Just(1e-300),
        1 => Just(1e300),
        1 => any::<f64>(),
    ]
}

fn good_weight() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => 0.0f64..1.0,
        2 => 0.0f64..1e6,
        2 => Just(0.0),
        1 => Just(5e-324),
        1 => (0.0f64..1.0).prop_map(|x| x * 1e-30),
    ]
}

fn any_params() -> impl Strategy<Value = ChainParams> {
    (
        (
            any::<u16>(),
            any::<u8>(),
            0u8..3,
            proptest::option::of(any::<u16>()),
        ),
        (
            any::<u16>(),
            any::<u16>(),
            any::<u64>(),
            any::<u64>(),
            any::<bool>(),
            any::<u16>(),
        ),
        (
            proptest::option::of(any::<u16>()),
            proptest::option::of(any::<bool>()),
            any::<bool>(),
        ),
    )
        .prop_map(
            |((netuid, mecid, mc, n), (mn, mwl, wvk, vk, cr, eq), (cu, cp, own))| ChainParams {
                netuid,
                mecid,
                mechanism_count: mc,
                n,
                min_allowed_weights: mn,
                max_weight_limit: mwl,
                weights_version_key: wvk,
                version_key: vk,
                commit_reveal_enabled: cr,
                exclude_quantile: eq,
                caller_uid: cu,
                caller_permit: cp,
                caller_is_owner: own,
                ..ChainParams::default()
            },
        )
}

fn sdk() -> impl Strategy<Value = Sdk> {
    prop_oneof![Just(Sdk::V10), Just(Sdk::V11)]
}

/// The invariants every successful emission must satisfy.
fn well_formed(e: &Emission) -> Result<(), TestCaseError> {
    prop_assert_eq!(e.uids.len(), e.values.len());
    prop_assert!(
        e.uids.windows(2).all(|w| w[0] < w[1]),
        "uids not ascending/unique: {:?}",
        e.uids
    );
    prop_assert!(e.values.iter().all(|&v| v >= 1), "a zero value was emitted");
    if let Some(&m) = e.values.iter().max() {
        prop_assert_eq!(m, 65535);
    }
    // The maximum is 65535, so the chain's max-upscale keeps the row as sent.
    prop_assert_eq!(&e.stored, &e.values);
    prop_assert!(e.set_weights_scale_hex.starts_with("0x"));
    Ok(())
}

fn unique_sorted(mut uids: Vec<u16>) -> Vec<u16> {
    uids.sort_unstable();
    uids.dedup();
    uids
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn emit_never_panics(
        uids in proptest::collection::vec(any::<u16>(), 0..80),
        weights in proptest::collection::vec(any_weight(), 0..80),
        params in any_params(),
        sdk in sdk(),
    ) {
        if let Ok(e) = emit(&uids, &weights, &params, sdk) {
            well_formed(&e)?;
        }
    }

    #[test]
    fn valid_scores_emit_well_formed_payloads(
        uids in proptest::collection::vec(0u16..600, 1..120).prop_map(unique_sorted),
        seed in proptest::collection::vec(good_weight(), 120),
        params in any_params(),
        sdk in sdk(),
        shuffle in any::<bool>(),
    ) {
        let mut uids = uids;
        if shuffle {
            uids.reverse();
        }
        let weights = &seed[..uids.len()];
        // Both SDKs may refuse some inputs (11.x: too few weights, all zero); they never panic,
        // and what they emit is well formed.
        if let Ok(e) = emit(&uids, weights, &params, sdk) {
            well_formed(&e)?;
        }
    }

    #[test]
    fn sdk_functions_never_panic(
        w32 in proptest::collection::vec(any::<f32>(), 0..70),
        w64 in proptest::collection::vec(any_weight(), 0..70),
        uids in proptest::collection::vec(any::<i64>(), 0..70),
        limit in prop_oneof![Just(None), (-1.0f64..2.0).prop_map(Some), Just(Some(f64::NAN))],
        n in -3i64..100,
        min_allowed in proptest::option::of(-5i64..100),
        q in any::<u16>(),
    ) {
        let a32 = NdArray::Float32(w32.clone());
        let _ = sdk10::normalize_max_weight(&a32, limit);
        let _ = sdk10::normalize_max_weight(&NdArray::Float64(w64.clone()), limit);
        let ints: Vec<i64> = uids.iter().map(|u| u % 1000).collect();
        let _ = sdk10::normalize_max_weight(&NdArray::Int64(ints.clone()), limit);
        let _ = sdk10::convert_weights_and_uids_for_emit(&uids, &a32);
        let _ = sdk10::process_weights(&uids, &a32, n, min_allowed, limit, i64::from(q));
        let _ = sdk10::convert_weight_uids_and_vals_to_tensor(n, &ints, &uids);
        let _ = sdk11::normalize(&uids, &w64);
        let _ = sdk11::clip_to_max_weight(&w64, limit.unwrap_or(0.1));
        let pre = sdk11::Preflight {
            uid: 0,
            commit_reveal: false,
            min_allowed_weights: min_allowed.unwrap_or(0),
            max_weight_limit: i64::from(q),
        };
        let _ = sdk11::conform(&uids, &w64, &pre, 1, false);
        let _ = sdk11::conform(&uids, &w64, &pre, 1, true);
    }

    #[test]
    fn quantised_values_are_u16_with_max_65535(w in proptest::collection::vec(good_weight(), 1..200)) {
        let uids: Vec<i64> = (0..w.len() as i64).collect();
        if let Ok((u, v)) = sdk11::normalize(&uids, &w) {
            prop_assert_eq!(u.len(), v.len());
            if let Some(&m) = v.iter().max() {
                prop_assert_eq!(m, 65535);
            }
        }
        let a = NdArray::Float32(w.iter().map(|&x| x as f32).collect());
        if let Ok((u, v)) = sdk10::convert_weights_and_uids_for_emit(&uids, &a) {
            prop_assert_eq!(u.len(), v.len());
            prop_assert!(v.iter().all(|&x| x >= 1));
            if let Some(&m) = v.iter().max() {
                prop_assert_eq!(m, 65535);
            }
        }
    }

    #[test]
    fn scores_parser_never_panics(text in ".{0,200}") {
        let _ = scores::parse(&text);
        let _ = ChainParams::from_json(&text);
    }

    #[test]
    fn max_upscale_puts_the_max_at_65535(v in proptest::collection::vec(any::<u16>(), 0..50)) {
        let s = chain::max_upscale(&v);
        prop_assert_eq!(s.len(), v.len());
        match v.iter().max() {
            Some(&0) | None => prop_assert_eq!(&s, &v),
            Some(_) => prop_assert_eq!(s.iter().max().copied(), Some(65535)),
        }
    }
}

/// 65,536-long inputs (every u16 uid once), both SDKs, plain and with chain limits.
#[test]
fn longest_possible_rows() {
    let uids: Vec<u16> = (0..=u16::MAX).rev().collect();
    let weights: Vec<f64> = (0..65536u32).map(|i| f64::from(i % 977) / 977.0).collect();
    for sdk in [Sdk::V10, Sdk::V11] {
        for params in [
            ChainParams::default(),
            ChainParams {
                max_weight_limit: 655,
                min_allowed_weights: 64,
                exclude_quantile: 6554,
                ..ChainParams::default()
            },
        ] {
            let e = emit(&uids, &weights, &params, sdk).expect("65,536 valid scores emit");
            assert!(e.uids.windows(2).all(|w| w[0] < w[1]));
            assert_eq!(e.values.iter().max(), Some(&65535));
            assert!(e.values.iter().all(|&v| v >= 1));
        }
    }
    // 65,536 NaNs, infinities and an empty row: errors, not panics.
    let nan = vec![f64::NAN; 65536];
    let inf = vec![f64::INFINITY; 65536];
    for sdk in [Sdk::V10, Sdk::V11] {
        assert!(emit(&uids, &nan, &ChainParams::default(), sdk).is_err());
        assert!(emit(&uids, &inf, &ChainParams::default(), sdk).is_err());
        let _ = emit(&[], &[], &ChainParams::default(), sdk);
    }
}
