//! The `imr` binary as a user meets it.

use std::process::Command;

use crate::support::{hostile, time_series, time_series_epochs};

fn imr() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_imr"));
    c.env("IMR_CACHE_DIR", std::env::temp_dir().join("imr-test-cache"));
    c
}

#[test]
fn every_command_has_help() {
    for cmd in [
        "run",
        "build",
        "inspect",
        "inspect-state",
        "weights",
        "yuma",
        "replay",
        "verify",
        "simulate",
        "new",
    ] {
        let o = imr().args([cmd, "--help"]).output().unwrap();
        assert!(o.status.success(), "{cmd} --help");
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Usage: imr"),
            "{cmd}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let o = imr().args(["run", "--epoch"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = imr().arg("frobnicate").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn run_writes_weights_receipt_and_state_and_prints_a_table() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let epochs = time_series_epochs();
    let o = imr()
        .arg("run")
        .arg("--mechanism")
        .arg(time_series())
        .arg("--epoch")
        .arg(&epochs[10])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains("uid") && stdout.contains("weight"),
        "{stdout}"
    );
    assert!(stdout.contains("receipt"), "{stdout}");
    let weights: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("weights.json")).unwrap()).unwrap();
    let values = weights["values"].as_array().unwrap();
    assert!(values.iter().any(|v| v.as_u64() == Some(65535)));
    let receipt: imr_host::receipt::Receipt =
        serde_json::from_slice(&std::fs::read(out.join("receipt.json")).unwrap()).unwrap();
    assert!(receipt.hash_is_valid());
    assert_eq!(receipt.weights.as_ref().unwrap().values.len(), values.len());
    assert!(out.join("state.json").exists());

    // The example's state is in the binary format; `inspect-state` names it and its hash is the receipt's.
    let o = imr()
        .arg("inspect-state")
        .arg(out.join("state.json"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        text.contains("binary state: format 0x01 (postcard 1.x), version 3, ")
            && text.contains("00000000  00 69 6d 72 01 03 00 00 00"),
        "{text}"
    );
    let o = imr()
        .args(["inspect-state", "--json"])
        .arg(out.join("state.json"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["kind"], "binary");
    assert_eq!(
        (v["tag"].as_u64(), v["version"].as_u64()),
        (Some(1), Some(3))
    );
    assert_eq!(v["blake3"].as_str(), receipt.state_out.as_deref());
    let o = imr()
        .arg("inspect-state")
        .arg(tmp.path().join("missing.json"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read state file"));
}

#[test]
fn failed_run_keeps_a_receipt_of_the_deterministic_error_and_no_weights() {
    let tmp = tempfile::tempdir().unwrap();
    let epoch = tmp.path().join("e.json");
    std::fs::write(
        &epoch,
        r#"{"netuid": 1, "block": 1, "seed": "0101010101010101010101010101010101010101010101010101010101010101",
            "neurons": [{"uid": 0, "hotkey": "a", "registered_at_block": 0}, {"uid": 1, "hotkey": "b", "registered_at_block": 0}],
            "params": {"mode": "nan"}}"#,
    )
    .unwrap();
    let out = tmp.path().join("out");
    // A stale weights.json from an earlier run must not survive beside the new receipt.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("weights.json"), "stale").unwrap();
    let o = imr()
        .arg("run")
        .arg("--mechanism")
        .arg(hostile())
        .arg("--epoch")
        .arg(&epoch)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr.contains("invalid output: uid 1 has score NaN"),
        "{stderr}"
    );
    assert!(!out.join("weights.json").exists());
    let receipt: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("receipt.json")).unwrap()).unwrap();
    assert_eq!(receipt["error"]["kind"], "invalid_output");
}

#[test]
fn inspect_shows_hash_imports_and_world() {
    let o = imr()
        .arg("inspect")
        .arg("--json")
        .arg(time_series())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let bytes = std::fs::read(time_series()).unwrap();
    assert_eq!(v["blake3"], blake3::hash(&bytes).to_hex().to_string());
    assert_eq!(v["size"], bytes.len());
    assert_eq!(v["admissible"], true);
    assert_eq!(v["world"], "imr:mechanism/mechanism@0.1.0");
}

/// On a commit-reveal subnet whose chain parameters give the commit schedule and the hotkey,
/// `imr run` writes the timelocked v4 commit (as the SDKs send it) into weights.json and records
/// its plan, but not its randomised ciphertext, in the receipt; replay reproduces the receipt.
#[test]
fn run_on_a_commit_reveal_subnet_writes_the_timelocked_commit_and_records_its_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let epochs = time_series_epochs();
    let mut epoch: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&epochs[10]).unwrap()).unwrap();
    epoch["chain"] = serde_json::json!({
        "commit_reveal_enabled": true,
        "hotkey": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
        "schedule": {"current_block": 5000000, "block_timestamp_ms": 1764936000000u64, "tempo": 360},
    });
    let epoch_file = tmp.path().join("epoch.json");
    std::fs::write(&epoch_file, serde_json::to_vec(&epoch).unwrap()).unwrap();
    let run = |out: &std::path::Path| {
        let o = imr()
            .arg("run")
            .arg("--mechanism")
            .arg(time_series())
            .arg("--epoch")
            .arg(&epoch_file)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
        let weights: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("weights.json")).unwrap()).unwrap();
        let receipt: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("receipt.json")).unwrap()).unwrap();
        (stdout, weights, receipt)
    };
    let (stdout, weights, receipt) = run(&tmp.path().join("a"));
    assert!(
        stdout.contains("commit  commit_timelocked_mechanism_weights (call 118)"),
        "{stdout}"
    );
    let commit = &weights["timelocked_commit"];
    let args = commit["args_scale_hex"].as_str().expect("call arguments");
    let netuid = epoch["netuid"].as_u64().unwrap();
    let head = format!("0x{:02x}{:02x}00", netuid & 0xff, netuid >> 8);
    assert!(
        args.starts_with(&head),
        "netuid (u16) and mecid 0 first: {args}"
    );
    assert_eq!(commit["plan"]["commit_reveal_version"], 4);
    assert_eq!(weights["call"], "set_mechanism_weights");
    let planned = &receipt["weights"]["pipeline"]["timelocked"]["plan"];
    assert_eq!(planned, &commit["plan"]);
    assert!(
        !receipt.to_string().contains(&args[2..]),
        "the receipt must not hold the ciphertext"
    );
    // A second run encrypts with fresh randomness, and its receipt is the same.
    let (_, weights_b, receipt_b) = run(&tmp.path().join("b"));
    assert_ne!(
        weights_b["timelocked_commit"]["args_scale_hex"],
        commit["args_scale_hex"]
    );
    assert_eq!(receipt_b["hash"], receipt["hash"]);
}

/// `imr yuma` on a state with two mechanisms: each mechanism's terms and the aggregation
/// (returned emissions summed, their shares adding up to the emission); chaining is refused
/// with a clear error.
#[test]
fn yuma_runs_a_subnet_with_two_mechanisms() {
    let state = crate::support::workspace().join("examples/yuma-mechanisms/state.json");
    let o = imr()
        .arg("yuma")
        .arg("--state")
        .arg(&state)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let subs: Vec<u64> = serde_json::from_value(v["sub_emission"].clone()).unwrap();
    assert_eq!(subs.len(), 2);
    assert_eq!(subs.iter().sum::<u64>(), 1_000_000_000);
    assert_eq!(v["mechanisms"][1]["netuid_index"], 4096 + 7);
    for uid in 0..6 {
        let sum: u64 = (0..2)
            .map(|m| v["mechanisms"][m]["server_emission"][uid].as_u64().unwrap())
            .sum();
        assert_eq!(v["aggregated"]["server_emission"][uid].as_u64(), Some(sum));
    }
    let o = imr()
        .args(["yuma", "--epochs", "2", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("several mechanisms runs one epoch"));
}
