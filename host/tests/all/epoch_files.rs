//! Malformed epoch files get an error naming the file and the field, and no
//! output file is left behind.

use std::process::Command;

use imr_host::epoch::EpochInput;

use crate::support::hostile;

const SEED: &str = "0101010101010101010101010101010101010101010101010101010101010101";

fn neurons() -> &'static str {
    r#"[{"uid": 0, "hotkey": "a", "registered_at_block": 0}, {"uid": 1, "hotkey": "b", "registered_at_block": 0}]"#
}

#[test]
fn malformed_epoch_files_name_file_and_field_and_leave_no_output() {
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "bad-json",
            "{\"netuid\": 1,".to_string(),
            "EOF while parsing",
        ),
        (
            "missing-field",
            format!(
                r#"{{"netuid": 1, "seed": "{SEED}", "neurons": {}}}"#,
                neurons()
            ),
            "missing field `block`",
        ),
        (
            "wrong-type",
            format!(r#"{{"netuid": "one", "block": 1, "seed": "{SEED}", "neurons": []}}"#),
            "netuid: invalid type: string \"one\"",
        ),
        (
            "short-seed",
            r#"{"netuid": 1, "block": 1, "seed": "abcd", "neurons": []}"#.to_string(),
            "seed: expected 64 hex characters (32 bytes), found 4",
        ),
        (
            "duplicate-uids",
            format!(
                r#"{{"netuid": 1, "block": 1, "seed": "{SEED}", "neurons": [{{"uid": 4, "hotkey": "a", "registered_at_block": 0}}, {{"uid": 4, "hotkey": "b", "registered_at_block": 0}}]}}"#
            ),
            "neurons[1].uid: duplicate uid 4 (also at neurons[0])",
        ),
        (
            "unknown-response-uid",
            format!(
                r#"{{"netuid": 1, "block": 1, "seed": "{SEED}", "neurons": {}, "responses": [{{"uid": 9, "payload": 1}}]}}"#,
                neurons()
            ),
            "responses[0].uid: uid 9 is not among the epoch's neurons",
        ),
        (
            "negative-stake",
            format!(
                r#"{{"netuid": 1, "block": 1, "seed": "{SEED}", "neurons": [{{"uid": 0, "hotkey": "a", "registered_at_block": 0, "stake": -1}}]}}"#
            ),
            "neurons[0].stake: must be finite and >= 0",
        ),
        (
            // A bad chain object is the input's fault, refused before any run (it used to be
            // reported after the run as the mechanism's failure).
            "bad-chain-object",
            format!(
                r#"{{"netuid": 1, "block": 1, "seed": "{SEED}", "neurons": {}, "chain": {{"max_weight_limt": 1}}}}"#,
                neurons()
            ),
            "chain: unknown field `max_weight_limt`",
        ),
        (
            "chain-not-an-object",
            format!(
                r#"{{"netuid": 1, "block": 1, "seed": "{SEED}", "neurons": {}, "chain": [1]}}"#,
                neurons()
            ),
            "chain",
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let component = hostile();
    for (name, body, expected) in cases {
        let file = tmp.path().join(format!("{name}.json"));
        std::fs::write(&file, body).unwrap();
        let out_dir = tmp.path().join(format!("out-{name}"));
        let o = Command::new(env!("CARGO_BIN_EXE_imr"))
            .arg("run")
            .arg("--mechanism")
            .arg(&component)
            .arg("--epoch")
            .arg(&file)
            .arg("--out")
            .arg(&out_dir)
            .arg("--no-cache")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.starts_with("error: "), "{name}: {stderr}");
        assert!(
            stderr.contains(&file.display().to_string()),
            "{name} names the file: {stderr}"
        );
        assert!(
            stderr.contains(expected),
            "{name}: expected {expected:?} in {stderr}"
        );
        assert!(
            !out_dir.exists(),
            "{name}: no output directory may be created"
        );
    }
}

#[test]
fn reformatting_an_epoch_file_does_not_change_its_hash() {
    let compact = format!(
        r#"{{"netuid":1,"block":7,"seed":"{SEED}","neurons":{},"task":{{"b":[1,2.5],"a":"x"}},"params":{{"k":1}}}}"#,
        neurons()
    );
    let pretty = format!(
        "{{\n  \"params\": {{ \"k\": 1 }},\n  \"task\": {{ \"a\": \"x\", \"b\": [1, 2.50] }},\n  \"neurons\": {},\n  \"seed\": \"{}\",\n  \"block\": 7, \"netuid\": 1\n}}",
        neurons(),
        SEED.to_uppercase()
    );
    let a = EpochInput::parse(compact.as_bytes(), "a.json".as_ref()).unwrap();
    let b = EpochInput::parse(pretty.as_bytes(), "b.json".as_ref()).unwrap();
    assert_eq!(a.hash(), b.hash());
    let changed = compact.replace("\"block\":7", "\"block\":8");
    let c = EpochInput::parse(changed.as_bytes(), "c.json".as_ref()).unwrap();
    assert_ne!(a.hash(), c.hash());
    // The canonical encoding round-trips (the run log stores it).
    let back = EpochInput::from_canonical_bytes(&a.canonical_bytes()).unwrap();
    assert_eq!(back, a);
}
