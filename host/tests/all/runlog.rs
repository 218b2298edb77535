//! The run log: layout, content addressing, the chain, the lock, crash safety
//! with a real SIGKILL, `--resume`, and crafted paths.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use imr_host::replay::{ReplayError, ReplayOptions};
use imr_host::runlog::{Log, LogError};
use imr_host::session::{Session, Start};
use imr_host::verify::{verify, VerifyOptions};
use imr_host::{epoch, Mechanism};
use imr_weights::Sdk;

use crate::support::{engine, time_series, time_series_epochs, workspace};

/// The logged 200-epoch scenario, built once per process through the library.
pub struct Scenario {
    /// The log directory.
    pub log: PathBuf,
    /// The final receipt hash of the uninterrupted run.
    pub head: String,
}

/// A fresh scratch directory under the test target dir.
pub fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("imr-auditlog-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap()
}

/// Runs `files` in order through the library, appending each run to `log`.
pub fn log_runs(log: &Path, files: &[PathBuf]) -> String {
    let engine = engine();
    let bytes = std::fs::read(time_series()).unwrap();
    let m = Mechanism::from_bytes(&engine, &bytes, None).unwrap();
    let mut session = Session::open_log(log, Sdk::V11, Start::default()).unwrap();
    for file in files {
        let input = epoch::load(file).unwrap();
        let stepped = session.step(&m, &input).unwrap();
        stepped.executed.run.result.as_ref().unwrap();
    }
    session.head().unwrap().to_string()
}

/// The scenario fixture (read-only: copy it with [`copy_log`] before tampering).
pub fn scenario() -> &'static Scenario {
    static S: OnceLock<Scenario> = OnceLock::new();
    S.get_or_init(|| {
        let dir = scratch().keep();
        let log = dir.join("log");
        let head = log_runs(&log, &time_series_epochs());
        Scenario { log, head }
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A private copy of the scenario log: (scratch dir, log path inside it).
pub fn copy_log() -> (tempfile::TempDir, PathBuf) {
    let dir = scratch();
    let log = dir.path().join("log");
    copy_dir(&scenario().log, &log);
    (dir, log)
}

/// Path of receipt `seq` of `log`.
pub fn receipt_path(log: &Path, seq: u64) -> PathBuf {
    log.join("receipts").join(format!("{seq:08}.json"))
}

/// Receipt `seq` of `log` as JSON.
pub fn receipt_json(log: &Path, seq: u64) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(receipt_path(log, seq)).unwrap()).unwrap()
}

/// The `imr` binary with a private artifact cache.
pub fn imr() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_imr"));
    c.env("IMR_CACHE_DIR", std::env::temp_dir().join("imr-test-cache"));
    c
}

fn count_receipts(log: &Path) -> usize {
    std::fs::read_dir(log.join("receipts"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn the_scenario_log_is_content_addressed_chained_and_matches_the_goldens() {
    let s = scenario();
    // Every blob is named by the blake3 of its bytes.
    let mut blobs = 0;
    for entry in std::fs::read_dir(s.log.join("blobs")).unwrap() {
        let entry = entry.unwrap();
        let bytes = std::fs::read(entry.path()).unwrap();
        assert_eq!(
            blake3::hash(&bytes).to_hex().as_str(),
            entry.file_name().to_string_lossy(),
            "blob {:?}",
            entry.file_name()
        );
        blobs += 1;
    }
    assert!(
        blobs > 600,
        "component, 200 epochs, states, outcomes, logs: {blobs}"
    );
    let golden = std::fs::read_to_string(
        workspace().join("examples/time-series/data/expected_weights.jsonl"),
    )
    .unwrap();
    let golden: Vec<serde_json::Value> = golden
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(count_receipts(&s.log), 200);
    let files = time_series_epochs();
    for seq in 0..200u64 {
        let r = receipt_json(&s.log, seq);
        // The chain: each receipt names the previous one's hash; state carries over.
        if seq == 0 {
            assert!(r["previous"].is_null());
            // blake3 of the empty state.
            assert_eq!(
                r["state_in"],
                "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
            );
        } else {
            let p = receipt_json(&s.log, seq - 1);
            assert_eq!(r["previous"], p["hash"], "receipt {seq}");
            assert_eq!(r["state_in"], p["state_out"], "receipt {seq}");
        }
        // The weights are the golden ones.
        let g = &golden[seq as usize];
        assert_eq!(r["weights"]["uids"], g["uids"], "receipt {seq} uids");
        assert_eq!(r["weights"]["values"], g["values"], "receipt {seq} values");
        // The epoch blob decodes to the epoch file's content.
        let blob = std::fs::read(s.log.join("blobs").join(r["epoch"].as_str().unwrap())).unwrap();
        let decoded = epoch::EpochInput::from_canonical_bytes(&blob).unwrap();
        assert_eq!(
            decoded,
            epoch::load(&files[seq as usize]).unwrap(),
            "receipt {seq}"
        );
    }
    assert_eq!(receipt_json(&s.log, 199)["hash"], s.head.as_str());
}

#[test]
fn a_second_appender_gets_a_clear_error_and_the_log_still_verifies() {
    let (_dir, log) = copy_log();
    let holder = Log::open_append(&log).unwrap();
    let err = Log::open_append(&log).unwrap_err();
    assert!(matches!(err, LogError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("locked"), "{err}");
    // Another process meets the same lock.
    let o = imr()
        .arg("run")
        .arg("--mechanism")
        .arg(time_series())
        .arg("--epoch")
        .arg(&time_series_epochs()[0])
        .arg("--log")
        .arg(&log)
        .arg("--out")
        .arg(log.parent().unwrap().join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("is locked: another process is appending"),
        "{stderr}"
    );
    drop(holder);
    assert_eq!(count_receipts(&log), 200);
    let report = verify(&Log::open(&log).unwrap(), &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.identical, 200);
}

#[test]
fn two_processes_racing_to_create_a_log_leave_one_intact_log() {
    let dir = scratch();
    let log = dir.path().join("log");
    let spawn = |out: &str| {
        imr()
            .arg("run")
            .arg("--mechanism")
            .arg(time_series())
            .arg("--epochs")
            .arg(workspace().join("examples/time-series/data/epochs"))
            .arg("--log")
            .arg(&log)
            .arg("--out")
            .arg(dir.path().join(out))
            .arg("--quiet")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn("a");
    let b = spawn("b");
    let outputs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let winners = outputs.iter().filter(|o| o.status.success()).count();
    assert_eq!(winners, 1, "exactly one appender wins");
    let loser = outputs.iter().find(|o| !o.status.success()).unwrap();
    let stderr = String::from_utf8_lossy(&loser.stderr);
    // Either it met the lock, or it started after the winner finished and met a full log.
    assert!(
        stderr.contains("is locked") || stderr.contains("already holds 200 receipts"),
        "{stderr}"
    );
    let report = verify(&Log::open(&log).unwrap(), &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.head.as_deref(), Some(scenario().head.as_str()));
}

#[test]
fn a_sigkilled_run_leaves_a_verifying_log_that_resume_completes_to_the_same_head() {
    let dir = scratch();
    let log = dir.path().join("log");
    let run = |resume: bool| {
        let mut c = imr();
        c.arg("run")
            .arg("--mechanism")
            .arg(time_series())
            .arg("--epochs")
            .arg(workspace().join("examples/time-series/data/epochs"))
            .arg("--log")
            .arg(&log)
            .arg("--out")
            .arg(dir.path().join("out"))
            .arg("--quiet");
        if resume {
            c.arg("--resume");
        }
        c
    };
    let mut child = run(false)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while count_receipts(&log) < 40 {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let kept = count_receipts(&log);
    assert!(
        (40..200).contains(&kept),
        "the run was killed mid-scenario ({kept} receipts)"
    );
    // Debris a crash can leave: a temporary file and an unreferenced blob.
    std::fs::write(log.join("receipts/.tmp-1-0"), b"{\"format\": \"imr-rec").unwrap();
    std::fs::write(log.join("blobs/.tmp-1-1"), b"partial").unwrap();
    let orphan = b"an orphan blob whose receipt never landed";
    std::fs::write(
        log.join("blobs")
            .join(blake3::hash(orphan).to_hex().as_str()),
        orphan,
    )
    .unwrap();

    let report = verify(&Log::open(&log).unwrap(), &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.receipts as usize, kept);
    assert_eq!(report.identical as usize, kept);

    // Without --resume the log is not extended.
    let o = run(false).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"));

    let o = run(true).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = verify(&Log::open(&log).unwrap(), &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.receipts, 200);
    assert_eq!(report.head.as_deref(), Some(scenario().head.as_str()));
    assert!(
        !log.join("receipts/.tmp-1-0").exists(),
        "the appender removed the debris"
    );
}

#[test]
fn single_epoch_runs_append_to_a_log_and_take_state_and_chain_from_it() {
    let dir = scratch();
    let log = dir.path().join("log");
    let files = time_series_epochs();
    for file in &files[..3] {
        let o = imr()
            .arg("run")
            .arg("--mechanism")
            .arg(time_series())
            .arg("--epoch")
            .arg(file)
            .arg("--log")
            .arg(&log)
            .arg("--out")
            .arg(dir.path().join("out"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // Same receipts as the first three of the validator-mode scenario.
    for seq in 0..3 {
        assert_eq!(
            receipt_json(&log, seq),
            receipt_json(&scenario().log, seq),
            "{seq}"
        );
    }
    // And the out/receipt.json is the log's last receipt.
    let out: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/receipt.json")).unwrap())
            .unwrap();
    assert_eq!(out, receipt_json(&log, 2));
}

#[test]
fn a_directory_that_is_not_a_log_is_refused() {
    let dir = scratch();
    std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
    assert!(matches!(
        Log::open(dir.path()),
        Err(LogError::NotALog { .. })
    ));
    // Appending never takes over a non-empty directory.
    assert!(matches!(
        Log::open_append(dir.path()),
        Err(LogError::NotALog { .. })
    ));
    assert_eq!(
        std::fs::read(dir.path().join("notes.txt")).unwrap(),
        b"mine"
    );
}

fn reseal(log: &Path, seq: u64, edit: impl FnOnce(&mut imr_host::receipt::Receipt)) {
    let path = receipt_path(log, seq);
    let mut r: imr_host::receipt::Receipt =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut r);
    std::fs::write(&path, r.seal().to_json_pretty()).unwrap();
}

#[test]
fn crafted_paths_in_receipts_are_refused() {
    let (_dir, log) = copy_log();
    reseal(&log, 199, |r| r.component = "/etc/passwd".into());
    reseal(&log, 198, |r| r.epoch = "../../../../etc/passwd".into());
    let opened = Log::open(&log).unwrap();
    for (seq, field) in [(199u64, "component"), (198, "epoch")] {
        let r = opened.receipt(seq).unwrap();
        let err = imr_host::replay(&opened, &r, &ReplayOptions::default()).unwrap_err();
        match err {
            ReplayError::Log(LogError::BadName { field: f, .. }) => assert_eq!(f, field),
            other => panic!("receipt {seq}: {other:?}"),
        }
    }
    let report = verify(&opened, &VerifyOptions::default()).unwrap();
    for (seq, field) in [(199u64, "component"), (198, "epoch")] {
        assert!(
            report.problems.iter().any(|p| p.receipt == Some(seq)
                && p.subject == field
                && p.message.contains("not a blob name")),
            "{seq}: {:?}",
            report.problems
        );
    }
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_log_are_refused() {
    let (dir, log) = copy_log();
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let r3 = receipt_json(&log, 3);
    let r4 = receipt_json(&log, 4);
    // An absolute symlink and a relative one climbing out, both to copies of the right bytes.
    for (r, absolute) in [(&r3, true), (&r4, false)] {
        let name = r["epoch"].as_str().unwrap();
        let blob = log.join("blobs").join(name);
        std::fs::copy(&blob, outside.join(name)).unwrap();
        std::fs::remove_file(&blob).unwrap();
        let target = if absolute {
            outside.join(name)
        } else {
            Path::new("../../outside").join(name)
        };
        std::os::unix::fs::symlink(&target, &blob).unwrap();
        assert!(std::fs::read(&blob).is_ok(), "the symlink itself resolves");
    }
    let opened = Log::open(&log).unwrap();
    for r in [&r3, &r4] {
        let err = opened
            .blob("epoch", r["epoch"].as_str().unwrap())
            .unwrap_err();
        assert!(matches!(err, LogError::Io { .. }), "{err:?}");
    }
    let report = verify(&opened, &VerifyOptions::default()).unwrap();
    for seq in [3u64, 4] {
        assert!(
            report.problems.iter().any(|p| p.receipt == Some(seq)
                && p.subject.contains("(epoch)")
                && p.message.contains("cannot be read")),
            "{seq}: {:?}",
            report.problems
        );
    }
    assert_eq!(report.replayed, 198);
    // A receipts directory that is a symlink out of the log: the log does not open.
    let moved = dir.path().join("elsewhere");
    std::fs::rename(log.join("receipts"), &moved).unwrap();
    std::os::unix::fs::symlink(&moved, log.join("receipts")).unwrap();
    assert!(matches!(Log::open(&log), Err(LogError::Io { .. })));
}
