//! The receipt hash: blake3 of the canonical JSON (sorted keys, compact) of every field but
//! `hash`, however it is computed.

use imr_host::receipt::blake3_hex;
use imr_host::runner::execute;
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
