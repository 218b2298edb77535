//! `imr simulate` on the bundled time-series scenario: reproducible to the byte, behaviours
//! visible in the outputs, bad inputs refused with the file and the field named.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{time_series, time_series_epochs, workspace};

fn imr() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_imr"));
    c.env("IMR_CACHE_DIR", std::env::temp_dir().join("imr-test-cache"));
    c
}

/// The first `n` epochs of the bundled scenario, copied into `dir/epochs`.
fn epochs(dir: &Path, n: usize) -> PathBuf {
    let out = dir.join("epochs");
    std::fs::create_dir_all(&out).unwrap();
    for f in time_series_epochs().iter().take(n) {
        std::fs::copy(f, out.join(f.file_name().unwrap())).unwrap();
    }
    out
}

fn validators_file() -> PathBuf {
    workspace().join("examples/time-series/data/validators.json")
}

fn simulate(epochs: &Path, validators: &Path, out: &Path, extra: &[&str]) -> Output {
    imr()
        .arg("simulate")
        .arg("--mechanism")
        .arg(time_series())
        .arg("--epochs")
        .arg(epochs)
        .arg("--validators")
        .arg(validators)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// Every file under `dir` (relative path → bytes).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    files
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn two_simulations_give_identical_folders_and_the_copier_copies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = epochs(tmp.path(), 16);
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let o = simulate(&dir, &validators_file(), &a, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("copycat") && stdout.contains("vs honest") && stdout.contains("receipt"),
        "{stdout}"
    );
    let o = simulate(&dir, &validators_file(), &b, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (ta, tb) = (tree(&a), tree(&b));
    for name in [
        "uids.csv",
        "weights.csv",
        "epochs.jsonl",
        "summary.json",
        "simulation.json",
    ] {
        assert!(ta.contains_key(Path::new(name)), "{name} missing");
    }
    assert!(ta.keys().any(|p| p.starts_with("runs/alpha/receipts")));
    assert!(ta.keys().any(|p| p.starts_with("runs/sampler/receipts")));
    assert!(!ta.keys().any(|p| p.starts_with("runs/copycat")));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, v) in &ta {
        assert!(v == &tb[k], "{} differs between two runs", k.display());
    }
    // The copier (k = 1) sets what alpha set one epoch earlier; nothing in the first epoch.
    let epochs = lines(&a.join("epochs.jsonl"));
    assert_eq!(epochs.len(), 16);
    let by_name = |e: &serde_json::Value, name: &str| {
        e["validators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name(&epochs[0], "copycat")["action"], "nothing_to_copy");
    for t in 1..epochs.len() {
        assert_eq!(
            by_name(&epochs[t], "copycat")["row"],
            by_name(&epochs[t - 1], "alpha")["row"],
            "epoch {t}"
        );
        // Four honest validators with the same view set the same row.
        assert_eq!(
            by_name(&epochs[t], "beta")["row"],
            by_name(&epochs[t], "alpha")["row"]
        );
    }
    // Each validator's run log verifies (every receipt replays).
    let o = imr()
        .arg("verify")
        .arg(a.join("runs/sampler"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Running again into a simulation's folder replaces it with the same bytes.
    let o = simulate(&dir, &validators_file(), &a, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        tree(&a).keys().collect::<Vec<_>>(),
        ta.keys().collect::<Vec<_>>()
    );
}

#[test]
fn bad_inputs_name_the_file_and_the_field_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = epochs(tmp.path(), 2);
    let out = tmp.path().join("out");
    let bad = tmp.path().join("V.json");
    std::fs::write(
        &bad,
        r#"{"validators": [{"name": "a", "stake": 1, "behaviour": {"kind": "copier", "source": "zz", "k": 1}}]}"#,
    )
    .unwrap();
    let o = simulate(&dir, &bad, &out, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("V.json") && stderr.contains("validators[0].behaviour.source"),
        "{stderr}"
    );
    assert!(!out.exists());

    let subnet = tmp.path().join("S.json");
    std::fs::write(&subnet, r#"{"kappa_u16": -3}"#).unwrap();
    let o = simulate(
        &dir,
        &validators_file(),
        &out,
        &["--subnet", subnet.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("S.json") && stderr.contains("kappa_u16"),
        "{stderr}"
    );
    assert!(!out.exists());

    std::fs::write(dir.join("0001.json"), "{\"netuid\": 7}").unwrap();
    let o = simulate(&dir, &validators_file(), &out, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("0001.json"), "{stderr}");
    assert!(!out.exists());

    // A folder that is not a simulation's output is never replaced.
    let keep = tmp.path().join("keep");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::write(keep.join("notes.txt"), "mine").unwrap();
    std::fs::remove_file(dir.join("0001.json")).unwrap();
    let o = simulate(&dir, &validators_file(), &keep, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("not the output of a simulation"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(keep.join("notes.txt")).unwrap(), b"mine");
    // No staging folder is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".imr-simulate-")
        })
        .collect();
    assert!(leftovers.is_empty());
}
