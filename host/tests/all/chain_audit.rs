//! `imr audit --chain-weights` (issue 17 item 4): a real run log of the time-series example
//! against chain-weights exports; a validator that set another validator's rows is caught.

use std::path::Path;

use imr_host::audit::chain_weights::{ChainEntry, ChainWeights, Finding, CHAIN_WEIGHTS_FORMAT};
use imr_host::chain_audit::{audit_log, computed_weights};
use imr_host::runlog::Log;

use crate::runlog::{imr, log_runs, scratch};
use crate::support::time_series_epochs;

/// The rows of `log` as a chain would hold them if its validator set each one `delay` blocks
/// after its epoch.
fn honest_rows(log: &Path, delay: u64) -> Vec<ChainEntry> {
    computed_weights(&Log::open(log).unwrap())
        .unwrap()
        .into_iter()
        .map(|c| {
            let (uids, values) = c.row.expect("the example always emits weights");
            ChainEntry {
                block: c.block + delay,
                netuid: c.netuid,
                mecid: c.mecid,
                uids,
                values,
            }
        })
        .collect()
}

fn write_export(path: &Path, entries: Vec<ChainEntry>) {
    let export = ChainWeights {
        format: CHAIN_WEIGHTS_FORMAT.into(),
        hotkey: Some("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".into()),
        entries,
    };
    std::fs::write(path, serde_json::to_vec_pretty(&export).unwrap()).unwrap();
}

#[test]
fn a_validator_that_set_another_validators_weights_is_caught() {
    let dir = scratch();
    let epochs = time_series_epochs();
    // The audited validator ran epochs 0..9. Another validator ran epochs 0..8; a weight copier
    // under commit-reveal can only copy rows already revealed, so it sets, at epoch i, the other
    // validator's row of epoch i - 1. (The example's first 5 epochs are a warm-up with one
    // constant row, so the copier is honest until epoch 6, which copying would not change.)
    let ours = dir.path().join("ours");
    let theirs = dir.path().join("theirs");
    log_runs(&ours, &epochs[0..9]);
    log_runs(&theirs, &epochs[0..8]);
    let mine = honest_rows(&ours, 2);
    let other = honest_rows(&theirs, 2);
    // The fixture is only meaningful where the copied row differs from the computed one.
    let differing: Vec<usize> = (6..9)
        .filter(|&i| (&mine[i].uids, &mine[i].values) != (&other[i - 1].uids, &other[i - 1].values))
        .collect();
    assert_eq!(
        differing,
        [6, 7, 8],
        "the copied rows equal the computed ones"
    );

    // Honest: the chain holds what each receipt computed (`--print-computed` writes that
    // export, rows at the epochs' own blocks; `mine` has them 2 blocks later).
    let o = imr()
        .args(["audit", "--print-computed"])
        .arg(&ours)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let printed = ChainWeights::from_json(&o.stdout, "stdout").unwrap();
    assert_eq!(printed.entries.len(), 9);
    for (p, m) in printed.entries.iter().zip(&mine) {
        assert_eq!(
            (p.block + 2, &p.uids, &p.values),
            (m.block, &m.uids, &m.values)
        );
    }
    let honest = dir.path().join("honest.json");
    std::fs::write(&honest, &o.stdout).unwrap();
    let o = imr()
        .arg("audit")
        .arg(&ours)
        .arg("--chain-weights")
        .arg(&honest)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("every epoch matches the chain"), "{stdout}");
    assert!(
        stdout.contains("9 receipt(s), 9 chain row(s) checked"),
        "{stdout}"
    );

    // Copier: from epoch 6 on, the chain holds the other validator's previous row.
    let mut copied = mine[..6].to_vec();
    for i in 6..9 {
        copied.push(ChainEntry {
            block: mine[i].block,
            ..other[i - 1].clone()
        });
    }
    let copier = dir.path().join("copier.json");
    write_export(&copier, copied);
    let report = audit_log(
        &Log::open(&ours).unwrap(),
        &ChainWeights::from_json(&std::fs::read(&copier).unwrap(), "copier.json").unwrap(),
    )
    .unwrap();
    let flagged: Vec<usize> = report.findings.iter().map(|f| f.seq as usize).collect();
    assert_eq!(flagged, differing, "{:?}", report.findings);
    assert!(report
        .findings
        .iter()
        .all(|f| matches!(f.finding, Finding::Differs { .. })));
    let o = imr()
        .arg("audit")
        .arg(&ours)
        .arg("--chain-weights")
        .arg(&copier)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&o.stdout);
    for seq in &differing {
        assert!(
            stdout.contains(&format!(
                "receipt {seq} (epoch block {}",
                mine[*seq].block - 2
            )),
            "{stdout}"
        );
    }
    assert!(stdout.contains("differs: the row set at block"), "{stdout}");

    // Lazy: the last epoch's row was never set.
    let missing = dir.path().join("missing.json");
    write_export(&missing, mine[..8].to_vec());
    let o = imr()
        .args(["audit", "--json"])
        .arg(&ours)
        .arg("--chain-weights")
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["findings"][0]["seq"], 8);
    assert_eq!(json["findings"][0]["kind"], "missing");
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn a_bad_chain_weights_file_is_named_with_its_field() {
    let dir = scratch();
    let log = dir.path().join("log");
    log_runs(&log, &time_series_epochs()[0..1]);
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"format": "imr-chain-weights/1", "entries": [
            {"block": 5, "netuid": 7, "mecid": 0, "uids": [1, 2], "values": [1, "x"]}]}"#,
    )
    .unwrap();
    let o = imr()
        .arg("audit")
        .arg(&log)
        .arg("--chain-weights")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("bad.json: entries[0].values[1]: "),
        "{stderr}"
    );
    let o = imr()
        .arg("audit")
        .arg(&log)
        .arg("--chain-weights")
        .arg(dir.path().join("absent.json"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("absent.json"));
}
