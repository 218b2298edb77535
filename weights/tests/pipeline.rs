//! The shared pipeline and the chain pre-flight, on hand-derived and vector-derived examples.

use imr_weights::call_data::parse_hotkey;
use imr_weights::chain::{preflight, Extrinsic};
use imr_weights::{commit, emit, ChainParams, ErrorKind, Sdk, WeightsCall};

fn errors(v: &imr_weights::Verdict) -> Vec<&str> {
    v.rejections.iter().map(|r| r.error.as_str()).collect()
}

fn open_subnet(n: u16) -> ChainParams {
    ChainParams {
        n: Some(n),
        commit_reveal_enabled: false,
        caller_uid: Some(0),
        caller_permit: Some(true),
        ..ChainParams::default()
    }
}

#[test]
fn both_sdks_on_a_simple_row() {
    // 0.1/0.3*65535 = 21845, 0.2/0.3*65535 = 43690 (exact ties do not occur).
    for sdk in [Sdk::V10, Sdk::V11] {
        let e = emit(&[2, 0, 1], &[0.3, 0.1, 0.2], &open_subnet(3), sdk).expect("emit");
        assert_eq!(e.uids, vec![0, 1, 2]);
        assert_eq!(e.values, vec![21845, 43690, 65535]);
        assert!(e.choices.sorted_by_uid);
        assert!(e.preflight.ok, "{:?}", e.preflight);
        // Both SDKs send set_mechanism_weights, also for mecid 0:
        // netuid 1 | mecid 0 | compact(3) uids | compact(3) values | version_key 0
        let want =
            "0x0100".to_string() + "00" + "0c000001000200" + "0c5555aaaaffff" + "0000000000000000";
        assert_eq!(e.set_weights_scale_hex, want);
        assert_eq!(e.choices.call, "set_mechanism_weights");
        assert_eq!(e.choices.call_index, 119);
    }
}

#[test]
fn legacy_set_weights_on_request_and_only_for_mechanism_zero() {
    let params = ChainParams {
        weights_call: WeightsCall::SetWeights,
        ..open_subnet(3)
    };
    let e = emit(&[2, 0, 1], &[0.3, 0.1, 0.2], &params, Sdk::V11).expect("emit");
    // netuid 1 | compact(3) uids | compact(3) values | version_key 0 (no mecid byte)
    let want = "0x0100".to_string() + "0c000001000200" + "0c5555aaaaffff" + "0000000000000000";
    assert_eq!(e.set_weights_scale_hex, want);
    assert_eq!(
        (e.choices.call.as_str(), e.choices.call_index),
        ("set_weights", 0)
    );
    let on_mechanism_one = ChainParams {
        mecid: 1,
        mechanism_count: 2,
        ..params
    };
    let err = emit(&[0, 1], &[1.0, 2.0], &on_mechanism_one, Sdk::V11).expect_err("no mecid");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("set_mechanism_weights"), "{err}");
}

#[test]
fn weights_call_is_a_chain_parameter_with_the_sdks_default() {
    let p = ChainParams::from_json(r#"{"weights_call": "set_weights"}"#).expect("parse");
    assert_eq!(p.weights_call, WeightsCall::SetWeights);
    assert_eq!(
        ChainParams::from_json("{}").expect("defaults").weights_call,
        WeightsCall::SetMechanismWeights
    );
    assert!(ChainParams::from_json(r#"{"weights_call": "set_weight"}"#).is_err());
}

#[test]
fn chain_defaults_refuse_plain_set_weights() {
    // CommitRevealWeightsEnabled defaults to true on chain.
    let e = emit(&[0, 1], &[1.0, 2.0], &ChainParams::default(), Sdk::V11).expect("emit");
    assert!(!e.preflight.ok);
    assert_eq!(errors(&e.preflight), vec!["CommitRevealEnabled"]);
    assert!(!e.preflight.not_checked.is_empty());
}

#[test]
fn every_reason_is_listed_in_chain_order() {
    let params = ChainParams {
        netuid: 0,
        n: Some(4),
        min_allowed_weights: 4,
        weights_version_key: 10,
        version_key: 9,
        commit_reveal_enabled: false,
        caller_uid: Some(7),
        caller_permit: Some(false),
        blocks_since_last_update: Some(5),
        ..ChainParams::default()
    };
    let v = preflight(&params, &[1, 1, 9], &[65535, 1, 2], Extrinsic::SetWeights);
    assert_eq!(
        errors(&v),
        vec![
            "CanNotSetRootNetworkWeights",
            "HotKeyNotRegisteredInSubNet",
            "IncorrectWeightVersionKey",
            "SettingWeightsTooFast",
            "NeuronNoValidatorPermit",
            "DuplicateUids",
            "UidVecContainInvalidOne",
            "WeightVecLengthIsLow",
        ]
    );
    let v = preflight(&params, &[1, 2], &[1], Extrinsic::SetWeights);
    assert!(errors(&v).contains(&"WeightVecNotEqualSize"));
}

#[test]
fn self_weight_is_exempt_from_permit_and_length() {
    let params = ChainParams {
        n: Some(10),
        min_allowed_weights: 5,
        caller_uid: Some(3),
        caller_permit: Some(false),
        commit_reveal_enabled: false,
        ..ChainParams::default()
    };
    assert!(preflight(&params, &[3], &[65535], Extrinsic::SetWeights).ok);
    let v = preflight(&params, &[4], &[65535], Extrinsic::SetWeights);
    assert_eq!(
        errors(&v),
        vec!["NeuronNoValidatorPermit", "WeightVecLengthIsLow"]
    );
}

#[test]
fn commit_reveal_checks() {
    let on = ChainParams {
        n: Some(4),
        caller_uid: Some(0),
        caller_permit: Some(true),
        ..ChainParams::default()
    };
    assert!(preflight(&on, &[0, 1], &[1, 65535], Extrinsic::CommitReveal).ok);
    let off = ChainParams {
        commit_reveal_enabled: false,
        blocks_since_last_update: Some(1),
        ..on
    };
    let v = preflight(&off, &[0, 1], &[1, 65535], Extrinsic::CommitReveal);
    assert_eq!(
        errors(&v),
        vec!["CommitRevealDisabled", "CommittingWeightsTooFast"]
    );
}

#[test]
fn lean_sdk_refuses_too_few_weights() {
    let params = ChainParams {
        min_allowed_weights: 3,
        ..open_subnet(8)
    };
    let e = emit(&[1, 2], &[0.5, 0.5], &params, Sdk::V11).expect_err("too few");
    assert_eq!(e.kind(), ErrorKind::ChainError);
}

#[test]
fn classic_sdk_min_fill_over_a_dense_row() {
    // As vector pw-08 (weights [0, .5, 0, 0], n=4, min_allowed 2, limit 1.0 -> [1, 65535, 1, 1]),
    // but given sparsely: the pipeline densifies, so the uid lands at its own position.
    let params = ChainParams {
        min_allowed_weights: 2,
        ..open_subnet(4)
    };
    let e = emit(&[1], &[0.5], &params, Sdk::V10).expect("emit");
    assert_eq!(e.choices.branch, "min_fill");
    assert!(e.choices.densified);
    assert_eq!(e.uids, vec![0, 1, 2, 3]);
    assert_eq!(e.values, vec![1, 65535, 1, 1]);
    assert_eq!(e.processed.dtype, "float64");
}

#[test]
fn commit_hash_matches_the_sdk() {
    // Vector gwh-01: //Alice, netuid 1, uids [0,1], values [65535,100], version 0, salt 1..8.
    let params = ChainParams {
        version_key: 0,
        ..open_subnet(2)
    };
    let e = emit(&[0, 1], &[1.0, 100.0 / 65535.0], &params, Sdk::V11).expect("emit");
    assert_eq!(e.values, vec![65535, 100]);
    let alice = parse_hotkey("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY").expect("alice");
    let c = commit(&e, &params, &alice, &[1, 2, 3, 4, 5, 6, 7, 8]).expect("commit");
    assert_eq!(
        c.commit_hash,
        "0x9679ad4d55c910f4d03934a379e4f92abe803be586e851c46b2faa3aab424c8c"
    );
    assert_eq!(c.netuid_index, 1);
    // commit_weights(netuid 1, hash)
    assert_eq!(
        c.commit_weights_scale_hex,
        format!("0x0100{}", &c.commit_hash[2..])
    );
    assert!(!c.preflight.ok, "commit-reveal is disabled in these params");
}

#[test]
fn chain_params_json() {
    let p = ChainParams::from_json(r#"{"netuid": 3, "n": 10, "commit_reveal_enabled": false}"#)
        .expect("params");
    assert_eq!(p.netuid, 3);
    assert_eq!(p.n, Some(10));
    assert_eq!(p.min_allowed_weights, 1);
    assert_eq!(p.max_weight_limit, 65535);
    let e = ChainParams::from_json(r#"{"netuid": 3, "max_weights": 1}"#).expect_err("unknown");
    assert!(e.to_string().contains("max_weights"), "{e}");
}
