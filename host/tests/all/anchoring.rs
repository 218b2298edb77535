//! The on-chain anchor of a run log: `imr anchor` prints it, `imr verify --anchor` proves that
//! a log is complete up to it (issue 17 item 2).

use imr_host::anchoring::{anchor, check_anchor, AnchoringError};
use imr_host::audit::anchor::{Anchor, AnchorError};
use imr_host::runlog::Log;

use crate::runlog::{copy_log, imr, receipt_path, scenario};

#[test]
fn the_anchor_commits_to_the_head_and_count_and_decodes_as_the_pallet_does() {
    let log = Log::open(&scenario().log).unwrap();
    let a = anchor(&log, None).unwrap();
    assert_eq!(a.count, 200);
    assert_eq!(hex::encode(a.head), scenario().head);
    let netuid = log.receipt(199).unwrap().weights.unwrap().netuid;
    assert_eq!(a.netuid, netuid);
    assert_eq!(Anchor::decode_call(&a.call_scale()).unwrap(), a);
    // The CLI prints the same, as JSON.
    let o = imr().arg("anchor").arg(&scenario().log).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["head"], scenario().head);
    assert_eq!(json["count"], 200);
    assert_eq!(json["call_scale"], hex::encode(a.call_scale()));
}

#[test]
fn a_log_truncated_by_one_receipt_fails_verify_with_its_anchor() {
    let (_dir, log) = copy_log();
    let anchored = format!("{}:200", scenario().head);
    let verify = |extra: &[&str]| {
        imr()
            .args(["verify", "--no-replay", "--anchor", &anchored])
            .args(extra)
            .arg(&log)
            .output()
            .unwrap()
    };
    let o = verify(&[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("contains the anchored head"));
    std::fs::remove_file(receipt_path(&log, 199)).unwrap();
    let o = verify(&[]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("the first missing receipt is 199"),
        "{stderr}"
    );
    // The library says the same.
    let r = check_anchor(&Log::open(&log).unwrap(), &anchored.parse().unwrap());
    assert!(
        matches!(
            r,
            Err(AnchoringError::Anchor(AnchorError::Truncated {
                first_missing: 199,
                ..
            }))
        ),
        "{r:?}"
    );
}

#[test]
fn a_log_that_diverges_from_its_anchor_names_the_receipt() {
    let log = Log::open(&scenario().log).unwrap();
    let other = "ab".repeat(32);
    let r = check_anchor(&log, &format!("{other}:150").parse().unwrap());
    assert!(
        matches!(
            r,
            Err(AnchoringError::Anchor(AnchorError::HeadMismatch {
                seq: 149,
                ..
            }))
        ),
        "{r:?}"
    );
    let o = imr()
        .args(["verify", "--no-replay", "--anchor", "not-a-hash"])
        .arg(&scenario().log)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "a malformed anchor is a usage error"
    );
}
