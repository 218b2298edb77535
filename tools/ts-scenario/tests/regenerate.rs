//! The committed data of examples/time-series is exactly what the generator writes (`imr_guest::testing`).

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// SHA-256 of `syn_btc_daily.csv`. Cross-checked once against an independent Python re-implementation of the
/// generator spec in data/README.md (same bytes).
const CSV_SHA256: &str = "babddb646f6193ed40a5c598e57f27624cf1f5e9f8d9a526939efb71a6b743f1";

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/time-series/data")
}

/// Every file the generator writes (the CSV, its sha256 sidecar, the 200 epochs) equals the committed one, and
/// `epochs/` holds no other epoch file. `IMR_BLESS=1` rewrites the committed files.
#[test]
fn regenerated_files_equal_the_committed_ones() -> Result<(), imr_guest::testing::TestingError> {
    let files = imr_ts_scenario::files();
    assert_eq!(
        files
            .iter()
            .filter(|(rel, _)| rel.starts_with("epochs/"))
            .count(),
        200
    );
    imr_guest::testing::check_generated(data_dir(), &files)?;
    Ok(())
}

#[test]
fn csv_matches_its_pinned_sha256() {
    let csv = fs::read(data_dir().join("syn_btc_daily.csv")).expect("committed csv");
    assert_eq!(hex::encode(Sha256::digest(&csv)), CSV_SHA256);
    let sidecar = fs::read_to_string(data_dir().join("syn_btc_daily.csv.sha256")).expect("sidecar");
    assert_eq!(sidecar, format!("{CSV_SHA256}  syn_btc_daily.csv\n"));
}

#[test]
fn scenario_shape() {
    let days = imr_ts_scenario::series::generate();
    let epochs = imr_ts_scenario::scenario::generate(&days);
    assert_eq!(epochs.len(), 200);
    let first = epochs[0].to_text();
    let v: serde_json::Value = serde_json::from_str(&first).expect("valid JSON");
    assert_eq!(v["netuid"], 7);
    assert_eq!(v["block"], 1000);
    assert_eq!(
        v["task"]["open_requests"][0]["base_price"],
        days[30].price()
    );
    assert_eq!(v["task"]["resolutions"], serde_json::json!([]));
    // Before epoch 60 uid 10 is not registered; from epoch 100 uid 11 has a new hotkey.
    let uids = |k: usize| -> Vec<u64> {
        let v: serde_json::Value = serde_json::from_str(&epochs[k].to_text()).expect("json");
        v["neurons"]
            .as_array()
            .expect("array")
            .iter()
            .map(|n| n["uid"].as_u64().expect("uid"))
            .collect()
    };
    assert!(!uids(59).contains(&10));
    assert!(uids(60).contains(&10));
    let hk = |k: usize| -> String {
        let v: serde_json::Value = serde_json::from_str(&epochs[k].to_text()).expect("json");
        v["neurons"]
            .as_array()
            .expect("array")
            .iter()
            .find(|n| n["uid"] == 11)
            .and_then(|n| n["hotkey"].as_str())
            .expect("uid 11 hotkey")
            .to_string()
    };
    assert_eq!(hk(0), hk(99));
    assert_ne!(hk(99), hk(100));
    // Resolutions arrive HORIZON epochs later and carry the next five closes after the request's base day.
    let v: serde_json::Value = serde_json::from_str(&epochs[12].to_text()).expect("json");
    assert_eq!(v["task"]["resolutions"][0]["request_id"], "r0007");
    let realized: Vec<f64> = (1..=5).map(|h| days[37 + h].price()).collect();
    assert_eq!(
        v["task"]["resolutions"][0]["realized"],
        serde_json::json!(realized)
    );
}

#[test]
fn scaled_variant_for_benchmarks() {
    let days = imr_ts_scenario::series::generate();
    let epochs = imr_ts_scenario::scenario::scaled(&days, 64, 8);
    assert_eq!(epochs.len(), 8);
    let v: serde_json::Value = serde_json::from_str(&epochs[7].to_text()).expect("json");
    assert_eq!(v["neurons"].as_array().expect("neurons").len(), 65);
    assert_eq!(v["responses"].as_array().expect("responses").len(), 64);
    assert_eq!(v["task"]["resolutions"][0]["request_id"], "r0002");
    // Capped to the series: 730 days − 30 − 5.
    assert_eq!(
        imr_ts_scenario::scenario::scaled(&days, 1, 10_000).len(),
        695
    );
}
