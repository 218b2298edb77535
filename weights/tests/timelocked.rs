//! Commit-reveal v4: the reveal round against a table of schedules worked out by hand from the
//! SDKs' code, the `WeightsTlockPayload` bytes, the call's argument layout and the pre-flight
//! rules of the timelocked path.
//!
//! Sources: 11.x — `bittensor_core::timelock::generate_commit_v2` and `epoch_schedule.rs`
//! (RaoFoundation/subtensor `sdk/bittensor-core/src/timelock/`, `843795a7`), called by
//! `bittensor.intents.weights._build_timelocked`; 10.x — bittensor-drand 1.2.0
//! `src/drand.rs::generate_commit` (`3ff0eac5`), called by
//! `commit_timelocked_weights_extrinsic` with `netuid=storage_index`.
//! round = max(1, floor((now + (first_reveal + 3 - block) * block_time - 1692803367) / 3)).

use imr_weights::chain::{MAX_COMMIT_SIZE_BYTES, MAX_UNREVEALED_COMMITS};
use imr_weights::reveal_round::{reveal_round, CommitSchedule, RevealFormula};
use imr_weights::timelocked::{
    commit_timelocked_mechanism_weights_args, payload, plan, with_ciphertext,
};
use imr_weights::{emit, ChainParams, Sdk};

const T: u64 = 1_764_936_000_000; // 2025-12-05T12:00:00Z, ms

#[allow(clippy::too_many_arguments)]
fn sched(
    current: u64,
    ts_ms: u64,
    tempo: u16,
    period: u64,
    block_time: f64,
    last: u64,
    pending: u64,
    index: u64,
    since: u64,
) -> CommitSchedule {
    CommitSchedule {
        current_block: current,
        block_timestamp_ms: ts_ms,
        tempo,
        reveal_period_epochs: period,
        block_time,
        last_epoch_block: last,
        pending_epoch_at: pending,
        subnet_epoch_index: index,
        blocks_since_last_step: since,
    }
}

#[test]
fn reveal_round_table_sdk11() {
    // (schedule, first reveal block, reveal round); each worked out in the comment.
    let table = [
        // The SDK's own "cycle_reset" vector: tempo 50 from block 10, the commit lands in 11
        // (epoch 0), epoch 1 fires at 10+50 = 60. Ingest 63: 53 blocks = 636 s after T.
        // (1764936636 - 1692803367)/3 = 24044423.
        (sched(10, T, 50, 1, 12.0, 10, 0, 0, 0), 60, 24_044_423),
        // "pending_fires_before_auto": PendingEpochAt 95 fires before 80+20; ingest 98 = 7
        // blocks = 84 s; now T+0.5 s: floor(72132717.5/3) = 24044239.
        (
            sched(91, T + 500, 20, 1, 12.0, 80, 95, 0, 0),
            95,
            24_044_239,
        ),
        // Reveal period 2, tempo 360 from 1000, index 5: the commit (1101) is in epoch 5,
        // epoch 6 fires at 1360, epoch 7 at 1720. Ingest 1723 = 623 blocks = 7476 s:
        // (1764943476 - 1692803367)/3 = 24046703.
        (
            sched(1100, T, 360, 2, 12.0, 1000, 0, 5, 0),
            1720,
            24_046_703,
        ),
        // The commit lands on an epoch block (110 = 100+10): its epoch is index+1 = 1, the
        // target 2 fires at 120. Fast blocks (0.25 s): 14 blocks = 3.5 s:
        // floor(72132636.5/3) = 24044212.
        (sched(109, T, 10, 1, 0.25, 100, 0, 0, 0), 120, 24_044_212),
        // BlocksSinceLastStep beyond MAX_TEMPO forces an epoch at the commit's block 100001
        // (index 3 → commit epoch 4); the next fires 360 later at 100361. 364 blocks = 4368 s:
        // (1764940368 - 1692803367)/3 = 24045667.
        (
            sched(100_000, T, 360, 1, 12.0, 0, 0, 3, 50_401),
            100_361,
            24_045_667,
        ),
        // A clock before drand's genesis: the round is floored at 1.
        (sched(10, 0, 50, 1, 12.0, 10, 0, 0, 0), 60, 1),
    ];
    for (i, (s, first, round)) in table.iter().enumerate() {
        let r = reveal_round(s, RevealFormula::Sdk11, 1).expect("round");
        assert_eq!(r.first_reveal_block, *first, "row {i}");
        assert_eq!(r.target_ingest_block, first + 3, "row {i}");
        assert_eq!(r.reveal_round, *round, "row {i}");
    }
    // Tempo 0: the SDK raises (TempoIsZero); so does this, with a clear error.
    let e = reveal_round(
        &sched(10, T, 0, 1, 12.0, 10, 0, 0, 0),
        RevealFormula::Sdk11,
        1,
    )
    .expect_err("tempo 0");
    assert!(e.to_string().contains("tempo"), "{e}");
}

#[test]
fn reveal_round_table_sdk10() {
    // Tempo 360, block 5_000_000. netuid 1, mecid 0 (index 1): epoch (5000000+2)/361 = 13850,
    // reveal epoch 13851 starts at 13851*361 - 2 = 5000209; ingest +3 = 212 blocks = 2544 s:
    // (1764938544 - 1692803367)/3 = 24045059.
    let s = sched(5_000_000, T, 360, 1, 12.0, 0, 0, 0, 0);
    let r = reveal_round(&s, RevealFormula::Sdk10, 1).expect("round");
    assert_eq!(
        (r.first_reveal_block, r.reveal_round),
        (5_000_209, 24_045_059)
    );
    // mecid 1 (index 4097, what 10.x passes as netuid): (5000000+4098)/361 = 13861,
    // 13862*361 - 4098 = 5000084; 87 blocks = 1044 s: (1764937044 - 1692803367)/3 = 24044559.
    let r = reveal_round(&s, RevealFormula::Sdk10, 4097).expect("round");
    assert_eq!(
        (r.first_reveal_block, r.reveal_round),
        (5_000_084, 24_044_559)
    );
}

fn alice() -> [u8; 32] {
    let mut k = [0u8; 32];
    k.copy_from_slice(
        &hex::decode("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
            .expect("hex"),
    );
    k
}

#[test]
fn payload_bytes_by_hand() {
    // WeightsTlockPayload { hotkey: alice (Vec<u8>, compact 32 = 0x80), uids [0, 2],
    // values [65535, 1], version_key 10005000 = 0x98aa08 }.
    let got = payload(&alice(), &[0, 2], &[65535, 1], 10_005_000);
    let want = "80".to_string()
        + "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
        + "08"
        + "0000"
        + "0200"
        + "08"
        + "ffff"
        + "0100"
        + "08aa980000000000";
    assert_eq!(hex::encode(got), want);
}

#[test]
fn call_arguments_by_hand() {
    // netuid 3 (u16) | mecid 1 | commit (compact 3 + bytes) | reveal_round u64 | version u16
    let got = commit_timelocked_mechanism_weights_args(3, 1, &[0xaa, 0xbb, 0xcc], 24_044_423, 4);
    let want = "0300".to_string() + "01" + "0c" + "aabbcc" + "87e36e0100000000" + "0400";
    assert_eq!(hex::encode(got), want);
}

fn cr_subnet() -> ChainParams {
    ChainParams {
        n: Some(8),
        caller_uid: Some(0),
        caller_permit: Some(true),
        unrevealed_commits: Some(0),
        last_stored_round: Some(24_000_000),
        schedule: Some(sched(10, T, 50, 1, 12.0, 10, 0, 0, 0)),
        ..ChainParams::default()
    }
}

fn errors(p: &imr_weights::Verdict) -> Vec<&str> {
    p.rejections.iter().map(|r| r.error.as_str()).collect()
}

#[test]
fn plan_records_the_inputs_and_the_payload_hash() {
    let params = cr_subnet();
    let e = emit(&[0, 1, 2], &[0.2, 0.3, 0.5], &params, Sdk::V11).expect("emit");
    let (p, plaintext) = plan(&e, &params, &alice(), Sdk::V11).expect("plan");
    assert_eq!(plaintext, payload(&alice(), &e.uids, &e.values, 0));
    assert_eq!(p.payload_len, plaintext.len());
    assert_eq!(
        p.payload_blake2b_256,
        format!(
            "0x{}",
            hex::encode(imr_weights::call_data::blake2b_256(&plaintext))
        )
    );
    assert_eq!(p.reveal.reveal_round, 24_044_423);
    assert_eq!(p.schedule, params.schedule.clone().expect("schedule"));
    assert_eq!((p.call_index, p.commit_reveal_version), (118, 4));
    assert!(p.preflight.ok, "{:?}", p.preflight);
    // The plan is a pure function of its inputs (replay recomputes it).
    assert_eq!(plan(&e, &params, &alice(), Sdk::V11).expect("again").0, p);
    // Without a schedule there is no reveal round: a clear error, not a guess.
    let no_schedule = ChainParams {
        schedule: None,
        ..params
    };
    let err = plan(&e, &no_schedule, &alice(), Sdk::V11).expect_err("no schedule");
    assert!(err.to_string().contains("schedule"), "{err}");
}

#[test]
fn preflight_rules_of_the_timelocked_path() {
    let base = cr_subnet();
    let e = emit(&[0, 1, 2], &[0.2, 0.3, 0.5], &base, Sdk::V11).expect("emit");
    let check = |params: &ChainParams, len: usize| {
        let (p, _) = plan(&e, params, &alice(), Sdk::V11).expect("plan");
        with_ciphertext(p, &vec![0u8; len], params).plan.preflight
    };
    assert!(check(&base, 400).ok);
    // CommitRevealEnabled inverted: with commit-reveal off the commit is refused.
    let off = ChainParams {
        commit_reveal_enabled: false,
        ..base.clone()
    };
    assert_eq!(errors(&check(&off, 400)), ["CommitRevealDisabled"]);
    let v3 = ChainParams {
        commit_reveal_version: 3,
        ..base.clone()
    };
    assert_eq!(errors(&check(&v3, 400)), ["IncorrectCommitRevealVersion"]);
    let full = ChainParams {
        unrevealed_commits: Some(MAX_UNREVEALED_COMMITS),
        ..base.clone()
    };
    assert_eq!(errors(&check(&full, 400)), ["TooManyUnrevealedCommits"]);
    let many = ChainParams {
        mechanism_count: 2,
        max_allowed_uids: Some(129),
        ..base.clone()
    };
    assert_eq!(errors(&check(&many, 400)), ["TooManyUIDsPerMechanism"]);
    let fits = ChainParams {
        max_allowed_uids: Some(128),
        ..many.clone()
    };
    assert!(check(&fits, 400).ok);
    let no_mech = ChainParams { mecid: 2, ..fits };
    assert_eq!(errors(&check(&no_mech, 400)), ["MechanismDoesNotExist"]);
    let ahead = ChainParams {
        last_stored_round: Some(24_044_424),
        ..base.clone()
    };
    assert_eq!(errors(&check(&ahead, 400)), ["InvalidRevealRound"]);
    assert_eq!(
        errors(&check(&base, MAX_COMMIT_SIZE_BYTES + 1)),
        ["CommitTooLarge"]
    );
    assert!(check(&base, MAX_COMMIT_SIZE_BYTES).ok);
    let fast = ChainParams {
        blocks_since_last_update: Some(5),
        ..base
    };
    assert_eq!(errors(&check(&fast, 400)), ["CommittingWeightsTooFast"]);
}
