//! Whole-log verification: the honest scenario, and every kind of tampering
//! caught and located (receipt and field or blob).

use std::path::Path;

use imr_host::runlog::Log;
use imr_host::verify::{verify, Problem, VerifyOptions, VerifyReport};

use crate::runlog::{copy_log, imr, receipt_json, receipt_path, scenario};

fn check(log: &Path) -> VerifyReport {
    verify(&Log::open(log).unwrap(), &VerifyOptions::default()).unwrap()
}

fn has(report: &VerifyReport, seq: u64, subject: &str, message: &str) -> bool {
    report.problems.iter().any(|p: &Problem| {
        p.receipt == Some(seq) && p.subject.contains(subject) && p.message.contains(message)
    })
}

fn blob(log: &Path, seq: u64, field: &str) -> std::path::PathBuf {
    log.join("blobs")
        .join(receipt_json(log, seq)[field].as_str().unwrap())
}

#[test]
fn the_scenario_verifies_all_identical() {
    let report = check(&scenario().log);
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.receipts, 200);
    assert_eq!(report.replayed, 200);
    assert_eq!(report.identical, 200);
    assert_eq!((report.mismatched, report.missing), (0, 0));
    assert_eq!(report.head.as_deref(), Some(scenario().head.as_str()));
}

#[test]
fn a_flipped_byte_in_a_blob_is_located() {
    let (_dir, log) = copy_log();
    let path = blob(&log, 7, "epoch");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[10] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let report = check(&log);
    assert!(!report.ok());
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let actual = blake3::hash(&bytes).to_hex().to_string();
    assert!(
        has(
            &report,
            7,
            &format!("blob {name} (epoch)"),
            &format!("hashes to {actual}")
        ),
        "{:?}",
        report.problems
    );
    assert_eq!(
        report.replayed, 199,
        "receipt 7 cannot be replayed from a corrupt epoch"
    );
}

#[test]
fn an_edited_receipt_field_is_located() {
    let (_dir, log) = copy_log();
    let mut r = receipt_json(&log, 9);
    let fuel = r["fuel_consumed"].as_u64().unwrap();
    r["fuel_consumed"] = (fuel - 1000).into();
    std::fs::write(receipt_path(&log, 9), serde_json::to_string(&r).unwrap()).unwrap();
    let report = check(&log);
    assert!(has(&report, 9, "hash", "edited?"), "{:?}", report.problems);
    assert!(
        has(
            &report,
            9,
            "fuel_consumed",
            &format!("logged {}, replayed {fuel}", fuel - 1000)
        ),
        "{:?}",
        report.problems
    );
    assert_eq!((report.identical, report.mismatched), (199, 1));
}

#[test]
fn a_deleted_receipt_is_located() {
    let (_dir, log) = copy_log();
    std::fs::remove_file(receipt_path(&log, 12)).unwrap();
    let report = check(&log);
    assert!(
        has(&report, 12, "receipt", "missing"),
        "{:?}",
        report.problems
    );
    assert_eq!(report.missing, 1);
    assert_eq!(report.receipts, 199);
}

#[test]
fn re_ordered_receipts_are_located() {
    let (_dir, log) = copy_log();
    let (a, b) = (receipt_path(&log, 20), receipt_path(&log, 21));
    let tmp = log.join("swap");
    std::fs::rename(&a, &tmp).unwrap();
    std::fs::rename(&b, &a).unwrap();
    std::fs::rename(&tmp, &b).unwrap();
    let report = check(&log);
    for seq in [20, 21, 22] {
        assert!(
            has(&report, seq, "previous", "re-ordered"),
            "{seq}: {:?}",
            report.problems
        );
    }
}

#[test]
fn a_blob_replaced_by_another_valid_blob_is_located() {
    let (_dir, log) = copy_log();
    // The bytes of receipt 31's epoch under the name of receipt 30's.
    let other = std::fs::read(blob(&log, 31, "epoch")).unwrap();
    std::fs::write(blob(&log, 30, "epoch"), &other).unwrap();
    let report = check(&log);
    let expected = receipt_json(&log, 31)["epoch"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        has(&report, 30, "(epoch)", &format!("hashes to {expected}")),
        "{:?}",
        report.problems
    );

    // A receipt re-pointed at another valid blob and re-sealed: its own hash
    // holds, but the next receipt's link breaks and the replay differs.
    let (_dir2, log) = copy_log();
    let path = receipt_path(&log, 40);
    let mut r: imr_host::receipt::Receipt =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    r.epoch = receipt_json(&log, 41)["epoch"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(&path, r.seal().to_json_pretty()).unwrap();
    let report = check(&log);
    assert!(has(&report, 41, "previous", ""), "{:?}", report.problems);
    assert!(
        has(&report, 40, "outcome", "logged"),
        "{:?}",
        report.problems
    );
    assert_eq!(report.mismatched, 1);
}

#[test]
fn imr_verify_reports_and_exits_by_result() {
    let o = imr().arg("verify").arg(&scenario().log).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    for line in [
        "receipts    200",
        "replayed    200",
        "identical   200",
        "mismatched  0",
        "missing     0",
    ] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
    let (_dir, log) = copy_log();
    let mut r = receipt_json(&log, 9);
    r["fuel_consumed"] = 1.into();
    std::fs::write(receipt_path(&log, 9), serde_json::to_string(&r).unwrap()).unwrap();
    let o = imr().arg("verify").arg(&log).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("problem: receipt 9: fuel_consumed: logged 1, replayed"),
        "{stderr}"
    );
    assert!(stderr.contains("error: run log"), "{stderr}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("mismatched  1"));
}

/// More replay workers than the engine's instance pool holds (16): every replay must still
/// instantiate, so an honest log verifies (before the fix, `--jobs 40` reported pool errors
/// as mismatches).
#[test]
fn more_workers_than_pool_instances_still_verify_an_honest_log() {
    let options = VerifyOptions {
        threads: 3 * imr_host::engine::POOL_INSTANCES as usize,
        ..VerifyOptions::default()
    };
    let report = verify(&Log::open(&scenario().log).unwrap(), &options).unwrap();
    assert!(
        report.ok(),
        "{:?}",
        &report.problems[..report.problems.len().min(5)]
    );
    assert_eq!(report.identical, 200);
    assert_eq!((report.mismatched, report.no_result), (0, 0));
}

/// A replay that gives no result (a non-deterministic error such as the native stack limit) is
/// reported as unverified, never as field differences.
#[test]
fn a_replay_without_result_is_not_reported_as_tampering() {
    use imr_host::receipt::Receipt;
    use imr_host::RunError;
    let seq = 3;
    let logged: Receipt = serde_json::from_value(receipt_json(&scenario().log, seq)).unwrap();
    let mut replayed = logged.clone();
    replayed.error = Some(RunError::StackOverflow {
        limit_bytes: 1 << 20,
    });
    let rep = imr_host::replay::compare(&logged, replayed.clone());
    assert!(rep.no_result().is_some());
    replayed.error = Some(RunError::MechanismFailed {
        message: "a deterministic failure".into(),
    });
    let rep = imr_host::replay::compare(&logged, replayed);
    assert!(
        rep.no_result().is_none(),
        "a deterministic error is a result"
    );
}

/// A receipt claiming more fuel than any engine accepts is reported, not replayed: a resealed
/// `fuel_limit = u64::MAX` on an infinite loop would otherwise make verify run without end.
#[test]
fn a_receipt_over_the_fuel_maximum_is_reported_not_replayed() {
    let (_dir, log) = copy_log();
    let mut r = receipt_json(&log, 5);
    r["fuel_limit"] = u64::MAX.into();
    std::fs::write(receipt_path(&log, 5), serde_json::to_string(&r).unwrap()).unwrap();
    let report = check(&log);
    assert!(
        has(&report, 5, "replay", "over the maximum"),
        "{:?}",
        report.problems
    );
    assert_eq!(report.replayed, 199, "receipt 5 must not be executed");
}

/// A FIFO named like a blob or a receipt, and a sparse file over the blob size bound, are
/// reported, never read: before, the FIFO hung `verify` and the sparse file was read whole.
#[cfg(unix)]
#[test]
fn fifos_and_oversized_files_in_a_log_are_refused_not_read() {
    let (_dir, log) = copy_log();
    let fifo = |path: &Path| {
        std::fs::remove_file(path).unwrap();
        let ok = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap()
            .success();
        assert!(ok, "mkfifo {}", path.display());
    };
    let epoch_blob = blob(&log, 11, "epoch");
    fifo(&epoch_blob);
    fifo(&receipt_path(&log, 12));
    let sparse = log.join("blobs").join("ab".repeat(32));
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(imr_host::runlog::regular::MAX_BLOB_BYTES + 1)
        .unwrap();
    let report = check(&log);
    let all = format!("{:?}", report.problems);
    assert!(all.contains("not a regular file"), "{all}");
    assert!(has(&report, 12, "", "not a regular file"), "{all}");
    assert!(all.contains("over the maximum"), "{all}");
    assert!(!report.ok());
}
