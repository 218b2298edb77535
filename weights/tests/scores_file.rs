//! Bad scores files: each is refused with an error naming the problem and its position.

use imr_weights::scores::{parse, Scores};
use imr_weights::ErrorKind;

fn refused(text: &str, must_contain: &[&str]) {
    let e = parse(text).expect_err(text);
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let msg = e.to_string();
    for m in must_contain {
        assert!(
            msg.contains(m),
            "message {msg:?} lacks {m:?} (input {text})"
        );
    }
}

#[test]
fn nan_weight_named_with_position() {
    // Python's json.dump writes a bare NaN token.
    refused(
        r#"{"uids": [0, 1, 2], "weights": [0.5, NaN, 1.0]}"#,
        &["NaN", "position 1"],
    );
    refused(
        r#"{"uids": [0, 1], "weights": [0.5, "NaN"]}"#,
        &["NaN", "position 1"],
    );
    refused(
        r#"{"uids": [0, 1], "weights": [Infinity, 1]}"#,
        &["infinite", "position 0"],
    );
    refused(
        r#"{"uids": [0, 1], "weights": [1, -Infinity]}"#,
        &["infinite", "position 1"],
    );
}

#[test]
fn negative_weight_named_with_position() {
    refused(
        r#"{"uids": [4, 5, 6], "weights": [0.1, 0.2, -0.5]}"#,
        &["negative", "position 2", "-0.5"],
    );
}

#[test]
fn duplicate_uids_named_with_both_positions() {
    refused(
        r#"{"uids": [3, 7, 3], "weights": [1, 2, 3]}"#,
        &["duplicate uid 3", "positions 0 and 2"],
    );
}

#[test]
fn mismatched_lengths_named() {
    refused(
        r#"{"uids": [0, 1, 2], "weights": [1, 2]}"#,
        &["3 entries", "has 2", "position 2"],
    );
    refused(
        r#"{"uids": [0], "weights": [1, 2]}"#,
        &["1 entries", "has 2", "position 1"],
    );
}

#[test]
fn uid_over_65535_named_with_position() {
    refused(
        r#"{"uids": [0, 65536], "weights": [1, 2]}"#,
        &["65536", "position 1", "65535"],
    );
    refused(
        r#"{"uids": [-1, 2], "weights": [1, 2]}"#,
        &["negative", "position 0"],
    );
    refused(
        r#"{"uids": [0, 1.5], "weights": [1, 2]}"#,
        &["not an integer", "position 1"],
    );
}

#[test]
fn shape_problems_named() {
    refused(
        r#"{"uids": [0], "weights": [1], "extra": 1}"#,
        &["unknown field `extra`"],
    );
    refused(r#"{"uids": [0]}"#, &["missing field `weights`"]);
    refused(
        r#"{"uids": 0, "weights": [1]}"#,
        &["`uids` must be an array"],
    );
    refused(r#"[1, 2]"#, &["expected an object"]);
    refused(
        r#"{"uids": [0], "weights": ["x"]}"#,
        &["not a number", "position 0"],
    );
    refused(
        r#"{"uids": [0], "weights": [1]"#,
        &["invalid json", "line 1"],
    );
}

#[test]
fn good_file_parses() {
    let s = parse(r#"{"weights": [0.5, 0, 2], "uids": [9, 3, 65535]}"#).expect("valid");
    assert_eq!(
        s,
        Scores {
            uids: vec![9, 3, 65535],
            weights: vec![0.5, 0.0, 2.0]
        }
    );
    // NaN inside a string key or value elsewhere is not touched by the token rewrite.
    assert!(parse(r#"{"uids": [], "weights": []}"#).is_ok());
}

#[test]
fn the_first_duplicate_is_named_with_its_first_position() {
    use imr_weights::scores::validate;
    // Every uid once, in a scrambled order: no duplicate, all 65,536 of them.
    let all: Vec<u16> = (0..=u16::MAX).map(|i| i.wrapping_mul(40_503)).collect();
    assert!(validate(&all, &vec![1.0; all.len()]).is_ok());
    for (uids, named) in [
        (
            vec![65535, 0, 65535],
            "duplicate uid 65535 at positions 0 and 2",
        ),
        (vec![0, 1, 2, 1, 0], "duplicate uid 1 at positions 1 and 3"),
        (
            vec![5, 64, 63, 65, 64],
            "duplicate uid 64 at positions 1 and 4",
        ),
        (vec![9, 9], "duplicate uid 9 at positions 0 and 1"),
    ] {
        let err = validate(&uids, &vec![1.0; uids.len()])
            .unwrap_err()
            .to_string();
        assert!(err.contains(named), "{err}");
    }
    let mut with_dup = all.clone();
    with_dup.push(all[1234]);
    let err = validate(&with_dup, &vec![1.0; with_dup.len()])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!(
            "duplicate uid {} at positions 1234 and 65536",
            all[1234]
        )),
        "{err}"
    );
}
