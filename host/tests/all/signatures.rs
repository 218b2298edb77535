//! Signed receipts (issue 17 item 1): a session signs what it appends, `verify` checks every
//! signature against an expected key (an address, or a uid's hotkey in the epoch's metagraph)
//! and reports a wrong key, a missing signature or a swapped one by receipt number.

use std::path::{Path, PathBuf};

use imr_host::epoch::EpochInput;
use imr_host::session::{Session, Start};
use imr_host::signatures::{ExpectedSigner, SignaturePolicy};
use imr_host::verify::{verify, VerifyOptions};
use imr_host::Log;
use imr_signing::HotkeySigner;
use imr_weights::Sdk;

use crate::runlog::{imr, scratch};
use crate::support::{engine, hostile, load_hostile};

const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

/// An epoch file whose uid 1 is Alice's hotkey and uid 2 Bob's.
fn epoch_text(block: u64) -> String {
    format!(
        r#"{{"netuid": 3, "block": {block},
            "seed": "0101010101010101010101010101010101010101010101010101010101010101",
            "neurons": [{{"uid": 0, "hotkey": "h0", "registered_at_block": 1}},
                        {{"uid": 1, "hotkey": "{ALICE}", "registered_at_block": 1}},
                        {{"uid": 2, "hotkey": "{BOB}", "registered_at_block": 1}}],
            "params": {{"mode": "ok"}}}}"#
    )
}

fn epoch(block: u64) -> EpochInput {
    EpochInput::parse(epoch_text(block).as_bytes(), Path::new("signed-epoch.json"))
        .expect("test epoch")
}

/// A log of three receipts, signed by `signer` when given.
fn log_of_three(dir: &Path, signer: Option<&str>) -> PathBuf {
    let engine = engine();
    let mechanism = load_hostile(&engine);
    let path = dir.join("log");
    let mut session = Session::open_log(&path, Sdk::V11, Start::default()).unwrap();
    if let Some(uri) = signer {
        session.sign_with(HotkeySigner::from_secret_uri(uri).unwrap());
    }
    for block in [100, 101, 102] {
        assert!(session.step(&mechanism, &epoch(block)).unwrap().is_result());
    }
    path
}

fn check(path: &Path, signer: Option<ExpectedSigner>, required: bool) -> Vec<String> {
    let options = VerifyOptions {
        skip_replay: true,
        signatures: SignaturePolicy { signer, required },
        ..VerifyOptions::default()
    };
    let report = verify(&Log::open(path).unwrap(), &options).unwrap();
    report.problems.iter().map(|p| p.to_string()).collect()
}

#[test]
fn a_signed_log_verifies_for_its_key_and_names_every_other_case() {
    let dir = scratch();
    let log = log_of_three(dir.path(), Some("//Alice"));
    for seq in 0..3 {
        assert!(log.join(format!("receipts/{seq:08}.sig.json")).is_file());
    }
    // Alice's log, checked by address and by uid 1 (her hotkey in each epoch).
    assert!(check(&log, Some(ExpectedSigner::Address(ALICE.into())), true).is_empty());
    assert!(check(&log, Some(ExpectedSigner::Uid(1)), true).is_empty());
    // Expecting Bob (by address or by uid 2): each receipt is reported, naming both keys.
    for expected in [ExpectedSigner::Address(BOB.into()), ExpectedSigner::Uid(2)] {
        let problems = check(&log, Some(expected), false);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems[1].starts_with("receipt 1: signature: signed by ")
                && problems[1].contains(ALICE)
                && problems[1].contains(BOB),
            "{problems:?}"
        );
    }
    // A uid missing from the metagraph is named.
    let problems = check(&log, Some(ExpectedSigner::Uid(9)), false);
    assert!(
        problems[0].contains("uid 9 is not in this epoch's metagraph"),
        "{problems:?}"
    );
    // Swapping the signatures of receipts 0 and 1 is caught for both, as a swap.
    let sig = |seq: u64| log.join(format!("receipts/{seq:08}.sig.json"));
    let (a, b) = (
        std::fs::read(sig(0)).unwrap(),
        std::fs::read(sig(1)).unwrap(),
    );
    std::fs::write(sig(0), &b).unwrap();
    std::fs::write(sig(1), &a).unwrap();
    let problems = check(&log, None, false);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("receipt 0: signature:") && problems[0].contains("swapped"));
    assert!(problems[1].starts_with("receipt 1: signature:") && problems[1].contains("swapped"));
    // A deleted signature is only a problem when signatures are required.
    std::fs::remove_file(sig(2)).unwrap();
    std::fs::write(sig(0), &a).unwrap();
    std::fs::write(sig(1), &b).unwrap();
    assert!(check(&log, None, false).is_empty());
    let problems = check(&log, None, true);
    assert_eq!(
        problems,
        ["receipt 2: signature: is missing, and signatures are required (--require-signatures)"]
    );
}

#[test]
fn an_unsigned_log_stays_valid_unless_signatures_are_required() {
    let dir = scratch();
    let log = log_of_three(dir.path(), None);
    assert!(check(&log, Some(ExpectedSigner::Address(ALICE.into())), false).is_empty());
    assert_eq!(check(&log, None, true).len(), 3);
}

#[test]
fn imr_run_signs_with_a_key_from_the_environment_and_verify_checks_it() {
    let dir = scratch();
    let epoch_file = dir.path().join("e.json");
    std::fs::write(&epoch_file, epoch_text(100)).unwrap();
    let log = dir.path().join("log");
    let run = imr()
        .args([
            "run",
            "--quiet",
            "--sign-with",
            "env:IMR_TEST_HOTKEY",
            "--mechanism",
        ])
        .arg(hostile())
        .arg("--epoch")
        .arg(&epoch_file)
        .arg("--log")
        .arg(&log)
        .arg("--out")
        .arg(dir.path().join("out"))
        .env("IMR_TEST_HOTKEY", "//Alice")
        .output()
        .unwrap();
    let all = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert!(run.status.success(), "{}", all(&run));
    assert!(!all(&run).contains("//Alice"), "the secret was printed");
    let verify = |args: &[&str]| imr().arg("verify").args(args).arg(&log).output().unwrap();
    let ok = verify(&["--signer", ALICE, "--require-signatures"]);
    assert!(ok.status.success(), "{}", all(&ok));
    assert!(all(&ok).contains("signed      1"), "{}", all(&ok));
    let wrong = verify(&["--signer", BOB]);
    assert_eq!(wrong.status.code(), Some(1), "{}", all(&wrong));
    assert!(
        all(&wrong).contains("receipt 0: signature: signed by"),
        "{}",
        all(&wrong)
    );
    let bad = verify(&["--signer", "not-an-address"]);
    assert_eq!(bad.status.code(), Some(2), "{}", all(&bad));
    // A missing key variable is an error naming it, before anything runs.
    let unset = imr()
        .args([
            "run",
            "--quiet",
            "--sign-with",
            "env:IMR_UNSET_HOTKEY_VAR",
            "--mechanism",
        ])
        .arg(hostile())
        .arg("--epoch")
        .arg(&epoch_file)
        .arg("--log")
        .arg(dir.path().join("log2"))
        .arg("--out")
        .arg(dir.path().join("out2"))
        .output()
        .unwrap();
    assert!(!unset.status.success());
    assert!(
        all(&unset).contains("IMR_UNSET_HOTKEY_VAR"),
        "{}",
        all(&unset)
    );
}
