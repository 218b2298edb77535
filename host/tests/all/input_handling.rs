//! Input handling (issue 15 item 9): duplicate keys anywhere in an epoch file,
//! a FIFO as `--epoch`, what `--epochs` skips, control characters on the
//! terminal, the epoch size bound, OS errors said once, a BOM and a lone
//! surrogate.

use std::path::Path;
use std::process::{Command, Output};

use imr_host::epoch::{EpochInput, MAX_EPOCH_FILE_BYTES};

use crate::support::hostile;

const SEED: &str = "0101010101010101010101010101010101010101010101010101010101010101";

fn epoch_text(extra: &str) -> String {
    format!(
        r#"{{"netuid": 1, "block": 1, "seed": "{SEED}",
            "neurons": [{{"uid": 0, "hotkey": "a", "registered_at_block": 0}}, {{"uid": 1, "hotkey": "b", "registered_at_block": 0}}]{extra}}}"#
    )
}

fn parse(text: &str) -> Result<EpochInput, String> {
    EpochInput::parse(text.as_bytes(), Path::new("e.json")).map_err(|e| e.to_string())
}

fn run(epoch: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imr"))
        .arg("run")
        .arg("--mechanism")
        .arg(hostile())
        .arg("--epoch")
        .arg(epoch)
        .arg("--out")
        .arg(out)
        .arg("--no-cache")
        .output()
        .unwrap()
}

#[test]
fn duplicate_keys_are_refused_everywhere_with_their_path() {
    let cases = [
        (r#", "task": {"a": 1, "a": 2}"#, "task"),
        (
            r#", "params": {"mode": "ok", "x": {"k": 1, "k": 1}}"#,
            "params.x",
        ),
        (
            r#", "responses": [{"uid": 1, "payload": [{"v": 1, "v": 2}]}]"#,
            "responses[0].payload[0]",
        ),
        (r#", "chain": {"tempo": 360, "tempo": 99}"#, "chain"),
    ];
    for (extra, field) in cases {
        let e = parse(&epoch_text(extra)).unwrap_err();
        assert!(
            e.contains(&format!("{field}: duplicate key")),
            "{extra}: {e}"
        );
    }
    // Equal keys in different objects are fine, and values are kept as given.
    let ok = parse(&epoch_text(
        r#", "task": {"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}]}"#,
    ))
    .unwrap();
    assert_eq!(ok.epoch.task, br#"{"a":{"a":1},"b":[{"a":2},{"a":3}]}"#);
}

#[test]
fn a_bom_and_a_lone_surrogate_get_clear_messages() {
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(epoch_text("").as_bytes());
    let e = EpochInput::parse(&with_bom, Path::new("e.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("byte-order mark (BOM"), "{e}");
    for s in [r#""\ud800""#, r#""\udc00""#, r#""\ud800x""#] {
        let e = parse(&epoch_text(&format!(r#", "task": {s}"#))).unwrap_err();
        assert!(e.contains("lone UTF-16 surrogate"), "{s}: {e}");
        assert!(e.contains("line 2"), "{s}: {e}");
    }
    // A surrogate pair is a character.
    assert!(parse(&epoch_text(r#", "task": "\ud83d\ude00""#)).is_ok());
}

#[cfg(unix)]
#[test]
fn a_fifo_as_epoch_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("e.json");
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
    )
    .unwrap();
    let o = run(&fifo, &tmp.path().join("out"));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("a FIFO (named pipe), not a regular file"),
        "{stderr}"
    );
}

#[test]
fn an_epoch_over_the_size_bound_is_refused_before_parsing() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.json");
    let f = std::fs::File::create(&big).unwrap();
    // Sparse: no disk space used.
    f.set_len(MAX_EPOCH_FILE_BYTES + 1).unwrap();
    let e = imr_host::epoch::load(&big).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "{} bytes, over the limit of {MAX_EPOCH_FILE_BYTES} bytes",
            MAX_EPOCH_FILE_BYTES + 1
        )),
        "{e}"
    );
}

#[test]
fn an_os_error_is_said_once() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(&tmp.path().join("missing.json"), &tmp.path().join("out"));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn hotkeys_and_guest_log_lines_reach_the_terminal_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let epoch = tmp.path().join("e.json");
    std::fs::write(
        &epoch,
        format!(
            r#"{{"netuid": 1, "block": 1, "seed": "{SEED}",
                "neurons": [{{"uid": 0, "hotkey": "\u001b[2Jevil", "registered_at_block": 0}}],
                "params": {{"mode": "log_text", "text": "\u001b]0;title\u0007 done"}}}}"#
        ),
    )
    .unwrap();
    let o = run(&epoch, &tmp.path().join("out"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "{stderr}");
    assert!(
        !stdout.contains('\x1b') && !stderr.contains('\x1b'),
        "{stdout}{stderr}"
    );
    assert!(!stderr.contains('\x07'), "{stderr}");
    assert!(stdout.contains("\\u{1b}[2Jevil"), "{stdout}");
    assert!(stderr.contains("\\u{1b}]0;title\\u{7} done"), "{stderr}");
}

#[test]
fn epochs_dir_says_what_it_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("epochs");
    std::fs::create_dir(&dir).unwrap();
    let body = epoch_text(r#", "params": {"mode": "ok"}"#);
    std::fs::write(dir.join("0001.json"), &body).unwrap();
    std::fs::write(dir.join(".0000.json"), &body).unwrap();
    std::fs::write(dir.join("0002.JSON"), &body).unwrap();
    std::fs::create_dir(dir.join("old")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_imr"))
        .arg("run")
        .arg("--mechanism")
        .arg(hostile())
        .arg("--epochs")
        .arg(&dir)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .arg("--no-cache")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("skipped 3 entries of"), "{stderr}");
    assert!(stderr.contains(".0000.json (dotfile)"), "{stderr}");
    assert!(stderr.contains("0002.JSON (not *.json)"), "{stderr}");
    assert!(
        stderr.contains("old/ (directory, not descended into)"),
        "{stderr}"
    );
}
