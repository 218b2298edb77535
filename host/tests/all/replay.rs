//! Replay: the logged scenario under Pulley, `imr replay` on honest and edited
//! receipts, and a receipt from another engine fingerprint.

use imr_host::replay::{replay, ReplayOptions};
use imr_host::runlog::Log;
use imr_host::verify::{verify, VerifyOptions};
use imr_host::Backend;

use crate::runlog::{copy_log, imr, receipt_json, receipt_path, scenario};

#[test]
fn every_logged_receipt_replays_identically_under_pulley() {
    let log = Log::open(&scenario().log).unwrap();
    let options = VerifyOptions {
        replay: ReplayOptions {
            backend: Backend::Pulley,
            cache: None,
        },
        ..VerifyOptions::default()
    };
    let report = verify(&log, &options).unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!((report.replayed, report.identical), (200, 200));
}

#[test]
fn a_library_replay_of_an_honest_receipt_is_identical() {
    let log = Log::open(&scenario().log).unwrap();
    let r = log.receipt(0).unwrap();
    let report = replay(&log, &r, &ReplayOptions::default()).unwrap();
    assert!(report.identical(), "{:?}", report.differences);
    assert_eq!(report.replayed, r);
}

#[test]
fn imr_replay_prints_identical_and_exits_0() {
    let s = scenario();
    let o = imr()
        .arg("replay")
        .arg(receipt_path(&s.log, 5))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.lines().any(|l| l == "identical"), "{stdout}");
    // By hash prefix, under Pulley.
    let hash = receipt_json(&s.log, 17)["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let o = imr()
        .args(["replay", &hash[..12], "--engine", "pulley", "--log"])
        .arg(&s.log)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout)
        .lines()
        .any(|l| l == "identical"));
}

#[test]
fn imr_replay_names_each_differing_field_with_both_values() {
    let (_dir, log) = copy_log();
    let path = receipt_path(&log, 5);
    let mut r = receipt_json(&log, 5);
    let fuel = r["fuel_consumed"].as_u64().unwrap();
    let value = r["weights"]["values"][0].as_u64().unwrap();
    r["fuel_consumed"] = (fuel + 1).into();
    r["weights"]["values"][0] = (value - 1).into();
    std::fs::write(&path, serde_json::to_string_pretty(&r).unwrap()).unwrap();
    let o = imr().arg("replay").arg(&path).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(&format!(
            "fuel_consumed: logged {}, replayed {fuel}",
            fuel + 1
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "weights.values[0]: logged {}, replayed {value}",
            value - 1
        )),
        "{stdout}"
    );
    assert!(stdout.contains("does not match its content"), "{stdout}");
    assert!(!stdout.lines().any(|l| l == "identical"), "{stdout}");
}

#[test]
fn a_receipt_from_another_fingerprint_is_replayed_and_the_report_says_so() {
    let (_dir, log) = copy_log();
    let path = receipt_path(&log, 199);
    let mut r: imr_host::receipt::Receipt =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    r.engine.imr_version = "0.0.0-elsewhere".into();
    std::fs::write(&path, r.seal().to_json_pretty()).unwrap();
    let o = imr().arg("replay").arg(&path).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "not identical: the receipt differs"
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("engine fingerprint differs"), "{stdout}");
    assert!(stdout.contains("0.0.0-elsewhere"), "{stdout}");
    assert!(
        stdout.contains("results agree despite the different fingerprint"),
        "{stdout}"
    );
}

#[test]
fn a_receipt_file_outside_a_log_needs_log() {
    let dir = crate::runlog::scratch();
    let copy = dir.path().join("receipt.json");
    std::fs::copy(receipt_path(&scenario().log, 2), &copy).unwrap();
    let o = imr().arg("replay").arg(&copy).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--log"));
    let o = imr()
        .arg("replay")
        .arg(&copy)
        .arg("--log")
        .arg(&scenario().log)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
