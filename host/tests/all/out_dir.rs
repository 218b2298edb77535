//! `--out` (issue 15 item 7): one process at a time per directory, and the
//! output set written as one (manifest last), so that neither a concurrent run
//! nor a crash mid-write leaves files of two runs side by side.

use std::process::{Command, Output};

use imr_host::out_lock::OutLock;
use imr_host::outputs::{read_manifest, MANIFEST};

use crate::support::{time_series, time_series_epochs};

fn run_to(out: &std::path::Path, epoch: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_imr"));
    c.env("IMR_CACHE_DIR", std::env::temp_dir().join("imr-test-cache"))
        .arg("run")
        .arg("--mechanism")
        .arg(time_series())
        .arg("--epoch")
        .arg(epoch)
        .arg("--out")
        .arg(out)
        .arg("--quiet");
    c
}

fn assert_one_runs_set(out: &std::path::Path) {
    let manifest = read_manifest(out).expect("a complete, consistent set");
    let receipt: imr_host::receipt::Receipt =
        serde_json::from_slice(&std::fs::read(out.join("receipt.json")).unwrap()).unwrap();
    assert_eq!(manifest.receipt_hash, receipt.hash);
    let weights: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("weights.json")).unwrap()).unwrap();
    let values: Vec<u64> = weights["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let receipt_values: Vec<u64> = receipt
        .weights
        .as_ref()
        .unwrap()
        .values
        .iter()
        .map(|&v| u64::from(v))
        .collect();
    assert_eq!(values, receipt_values, "weights.json is the receipt's run");
}

#[test]
fn a_second_process_on_a_locked_out_dir_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let epochs = time_series_epochs();
    let held = OutLock::acquire(&out).unwrap();
    let o = run_to(&out, &epochs[3]).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("is in use by another imr process"),
        "{stderr}"
    );
    assert!(!out.join("receipt.json").exists());
    drop(held);
    let o = run_to(&out, &epochs[3]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_one_runs_set(&out);
}

#[test]
fn concurrent_runs_on_one_out_dir_never_mix_their_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let epochs = time_series_epochs();
    for round in 0..4 {
        let children: Vec<_> = (0..3)
            .map(|i| {
                run_to(&out, &epochs[round * 3 + i])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outputs: Vec<Output> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let mut succeeded = 0;
        for o in &outputs {
            if o.status.success() {
                succeeded += 1;
            } else {
                let stderr = String::from_utf8_lossy(&o.stderr);
                assert!(
                    stderr.contains("is in use by another imr process"),
                    "a loser is told why: {stderr}"
                );
            }
        }
        assert!(succeeded >= 1, "round {round}: some run wins");
        assert_one_runs_set(&out);
    }
}

/// A crash while writing the new set (here: the process is killed by SIGXFSZ
/// when a file would pass RLIMIT_FSIZE, as on a full disk) leaves the previous
/// set complete, and the next run replaces it.
#[cfg(target_os = "linux")]
#[test]
fn a_crash_while_writing_leaves_the_previous_set_whole() {
    use std::os::unix::process::CommandExt;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let epochs = time_series_epochs();
    let o = run_to(&out, &epochs[1]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let before = read_manifest(&out).unwrap();
    let before_receipt = std::fs::read(out.join("receipt.json")).unwrap();

    let mut c = run_to(&out, &epochs[2]);
    c.arg("--no-cache");
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        c.pre_exec(|| {
            let limit = rustix::process::Rlimit {
                current: Some(512),
                maximum: Some(512),
            };
            rustix::process::setrlimit(rustix::process::Resource::Fsize, limit)
                .map_err(std::io::Error::from)
        });
    }
    let o = c.output().unwrap();
    assert!(!o.status.success(), "the write must have been cut");
    assert_eq!(read_manifest(&out).unwrap(), before, "the old set is whole");
    assert_eq!(
        std::fs::read(out.join("receipt.json")).unwrap(),
        before_receipt
    );
    assert!(out.join(MANIFEST).exists());

    let o = run_to(&out, &epochs[2]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_one_runs_set(&out);
    assert_ne!(read_manifest(&out).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".imr-staging-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "stale staging directories are cleaned: {leftovers:?}"
    );
}

#[test]
fn a_set_with_a_file_from_another_run_is_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let epochs = time_series_epochs();
    assert!(run_to(&a, &epochs[4]).status().unwrap().success());
    assert!(run_to(&b, &epochs[5]).status().unwrap().success());
    assert_ne!(
        std::fs::read(a.join("receipt.json")).unwrap(),
        std::fs::read(b.join("receipt.json")).unwrap()
    );
    std::fs::copy(b.join("receipt.json"), a.join("receipt.json")).unwrap();
    let e = read_manifest(&a).unwrap_err().to_string();
    assert!(
        e.contains("receipt.json") && e.contains("not one run's"),
        "{e}"
    );
}
