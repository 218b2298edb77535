//! The receipt hash: blake3 of the canonical JSON (sorted keys, compact) of every field but
//! `hash`, however it is computed.

use imr_host::receipt::blake3_hex;
use imr_host::runner::execute;
use imr_host::Mechanism;
use imr_weights::Sdk;

use crate::support::{engine, epoch_with_params, load_hostile};

#[test]
fn serde_json_values_keep_object_keys_sorted() {
    // `Receipt::compute_hash` prints its `serde_json::Value` as it is, and `canonical_json` relies
    // on the same: a `Value`'s objects sort their keys only while no crate in the build turns on
    // serde_json's `preserve_order` feature (cargo unifies features, so one dependency would do).
    let value: serde_json::Value =
        serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":[{"z":0,"y":1}]}}"#).expect("parses");
    assert_eq!(
        serde_json::to_string(&value).unwrap(),
        r#"{"a":{"c":[{"y":1,"z":0}],"d":2},"b":1}"#,
        "serde_json's `preserve_order` feature is on: receipt hashes and canonical JSON would change"
    );
}

#[test]
fn the_receipt_hash_is_blake3_of_the_canonical_json_without_hash() {
    let engine = engine();
    let m = load_hostile(&engine);
    let input = epoch_with_params(r#"{"mode":"ok"}"#);
    let receipt = execute(&m, &input, b"3", Some("ab".repeat(32)), Sdk::V11).receipt;
    assert!(receipt.weights.is_some() && receipt.hash_is_valid());
    // The long way: the receipt as a `Value`, `hash` removed, through `canonical_json`.
    let mut unsealed = serde_json::to_value(&receipt).unwrap();
    unsealed.as_object_mut().unwrap().remove("hash");
    let canonical = imr_types::canonical_json(&unsealed).unwrap();
    assert_eq!(receipt.hash, blake3_hex(&canonical));
    // Keys sorted at every level: the canonical text starts with the first key in order.
    assert!(
        canonical.starts_with(br#"{"component":"#),
        "{}",
        String::from_utf8_lossy(&canonical)
    );
}

/// What `execute` hands back beside the receipt: the blobs, each the bytes whose blake3 the
/// receipt records (the epoch and state are encoded and hashed beside the guest thread while
/// the guest runs, the returned state and outcome on the guest thread while the weights are
/// made: the result must be what computing them one after the other gives).
fn assert_blobs_match(
    executed: &imr_host::runner::Executed,
    input: &imr_host::epoch::EpochInput,
    state_in: &[u8],
) {
    let (r, b) = (&executed.receipt, executed.blobs(state_in));
    assert_eq!(b.epoch, input.canonical_bytes());
    assert_eq!(r.epoch, blake3_hex(b.epoch));
    assert_eq!(r.epoch, input.hash());
    assert_eq!(r.state_in, blake3_hex(b.state_in));
    assert_eq!(r.log, blake3_hex(b.log));
    assert_eq!(r.state_out, b.state_out.map(blake3_hex));
    assert_eq!(r.outcome, b.outcome.map(|o| blake3_hex(&o.to_vec())));
    assert_eq!(r.outcome, b.outcome.map(|o| o.blake3_hex()));
    match executed.outcome() {
        Some(o) => {
            assert_eq!(b.state_out, Some(&o.state[..]));
            assert_eq!(
                b.outcome.map(|o| o.to_vec()),
                Some(imr_host::receipt::outcome_bytes(o))
            );
            assert!(r.weights.is_some() && r.error.is_none());
        }
        None => {
            assert!(b.state_out.is_none() && b.outcome.is_none() && r.weights.is_none());
            assert!(r.error.is_some());
        }
    }
    assert!(r.hash_is_valid());
}

#[test]
fn execute_returns_each_blob_the_receipt_names() {
    let engine = engine();
    let m = load_hostile(&engine);
    let ok = epoch_with_params(r#"{"mode":"ok"}"#);
    let executed = execute(&m, &ok, b"41", None, Sdk::V11);
    assert_eq!(executed.blobs(b"41").state_in, b"41");
    assert_eq!(executed.outcome().unwrap().state, b"42");
    assert_blobs_match(&executed, &ok, b"41");
    // A failed run: no state out, no outcome, no weights.
    let failed = epoch_with_params(r#"{"mode":"failed"}"#);
    let executed = execute(&m, &failed, b"41", None, Sdk::V11);
    assert!(matches!(
        executed.run.result,
        Err(imr_host::RunError::MechanismFailed { .. })
    ));
    assert_blobs_match(&executed, &failed, b"41");
    // A run the weights pipeline refuses (all scores zero): its state and outcome are dropped.
    let nobody = Mechanism::from_bytes(
        &engine,
        &crate::abi_faults::component(&format!("(i32.const {})", crate::abi_faults::RET)),
        None,
    )
    .expect("loads");
    let input = epoch_with_params("{}");
    let executed = execute(&nobody, &input, b"", None, Sdk::V11);
    assert!(matches!(
        executed.run.result,
        Err(imr_host::RunError::WeightsRefused { .. })
    ));
    assert_blobs_match(&executed, &input, b"");
}

#[test]
fn a_large_outcome_hashed_in_halves_on_two_threads_is_the_blob_the_receipt_names() {
    // The echo mode returns the state it is handed. Its outcome blob is the state and 46
    // bytes (4 scores, the length prefixes): these sizes sit on both sides of the 128 KiB from
    // which `execute` hashes an outcome blob in two halves, one per thread, and well above.
    let engine = engine();
    let m = load_hostile(&engine);
    let echo = epoch_with_params(r#"{"mode":"echo"}"#);
    for len in [100_000, 131_025, 131_026, 131_027, 1 << 20, 2_775_533] {
        let state: Vec<u8> = (0..len as u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 9) as u8)
            .collect();
        let executed = execute(&m, &echo, &state, None, Sdk::V11);
        assert_eq!(executed.outcome().expect("echoes").state, state);
        assert_eq!(
            executed.blobs(&state).outcome.map(|o| o.len()),
            Some(len + 46)
        );
        assert_blobs_match(&executed, &echo, &state);
    }
}
