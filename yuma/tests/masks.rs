//! Weight masks checked by hand on tiny subnets: commit-reveal, owner self-weight, diagonal.

use imr_yuma::{run_epoch, EpochInput, Hyperparams};

/// uid 0 is the only validator; it weights uids 2 and 3 equally (and itself).
fn input(commit_block: Option<Vec<Option<u64>>>) -> EpochInput {
    EpochInput {
        current_block: 20,
        stake: vec![10, 0, 0, 0],
        tao_stake: None,
        validator_permit: Some(vec![true, false, false, false]),
        weights: Some(vec![
            vec![(0, 65535), (2, 65535), (3, 65535)],
            vec![],
            vec![],
            vec![],
        ]),
        bonds: None,
        last_update: Some(vec![20, 0, 0, 0]),
        // uid 2 registered at block 6, uid 3 at block 5.
        block_at_registration: Some(vec![0, 0, 6, 5]),
        last_mechanism_step_block: 0,
        commit_block,
    }
}

#[test]
fn without_masks_the_two_servers_split_evenly() {
    let hp = Hyperparams {
        yuma3: false,
        ..Hyperparams::default()
    };
    let out = run_epoch(&hp, &input(None)).unwrap();
    // The self-weight is dropped (no owner), so the row is [0.5, 0.5] on uids 2 and 3.
    assert_eq!(out.incentive_u16, vec![0, 0, 32767, 32767]);
}

#[test]
fn commit_reveal_masks_uids_registered_after_the_commit() {
    // uid 0's earliest live commit is at block 5: uid 2 (registered at 6 > 5) is masked, uid 3
    // (registered at 5, not after) is kept, so uid 3 gets all the incentive.
    let hp = Hyperparams {
        yuma3: false,
        commit_reveal_enabled: true,
        ..Hyperparams::default()
    };
    let out = run_epoch(&hp, &input(Some(vec![Some(5), None, None, None]))).unwrap();
    assert_eq!(out.incentive_u16, vec![0, 0, 0, 65535]);
    // No live commit (null): nothing is masked.
    let out = run_epoch(&hp, &input(Some(vec![None, None, None, None]))).unwrap();
    assert_eq!(out.incentive_u16, vec![0, 0, 32767, 32767]);
}

#[test]
fn owner_keeps_its_self_weight() {
    // With uid 0 as owner its self-weight survives: the row is [1/3, 1/3, 1/3] on uids 0, 2, 3,
    // each column's consensus is 1/3 and incentive is split three ways. In I32F32, 1/3 truncates
    // to 1431655765 / 2^32 (just below 1/3), and floor(that * 65535) = 21844.
    let hp = Hyperparams {
        yuma3: false,
        owner_uid: Some(0),
        ..Hyperparams::default()
    };
    let out = run_epoch(&hp, &input(None)).unwrap();
    assert_eq!(out.incentive_u16, vec![21844, 0, 21844, 21844]);
}
