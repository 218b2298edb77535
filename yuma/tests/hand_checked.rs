//! Masks and stake rules checked by hand on tiny subnets: commit-reveal, owner self-weight,
//! diagonal, stake threshold, TAO weight.

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
        previous_consensus_u16: None,
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

fn stake_input(stake: Vec<u64>, tao_stake: Option<Vec<u64>>) -> EpochInput {
    EpochInput {
        current_block: 1,
        stake,
        tao_stake,
        validator_permit: None,
        weights: None,
        bonds: None,
        last_update: None,
        block_at_registration: None,
        last_mechanism_step_block: 0,
        commit_block: None,
        previous_consensus_u16: None,
    }
}

#[test]
fn stake_threshold_zeroes_small_stake_except_the_owner() {
    let hp = Hyperparams {
        stake_threshold: 6,
        ..Hyperparams::default()
    };
    let out = run_epoch(&hp, &stake_input(vec![5, 10], None)).unwrap();
    assert_eq!(out.stake_weight_u16, vec![0, 65535]);
    // Owner exempt: 5/15 and 10/15 in I64F64 are floor(2^64/3) and floor(2^65/3); narrowed to
    // I32F32 they are 1431655765 and 2863311530 (/ 2^32), and floor(x * 65535) gives 21844, 43689.
    let hp = Hyperparams {
        owner_uid: Some(0),
        ..hp
    };
    let out = run_epoch(&hp, &stake_input(vec![5, 10], None)).unwrap();
    assert_eq!(out.stake_weight_u16, vec![21844, 43689]);
}

#[test]
fn tao_stake_counts_at_tao_weight() {
    // TaoWeight = u64::MAX is a weight of exactly 1: one rao of alpha equals one rao of TAO.
    let hp = Hyperparams {
        tao_weight: u64::MAX,
        ..Hyperparams::default()
    };
    let out = run_epoch(&hp, &stake_input(vec![1, 0], Some(vec![0, 1]))).unwrap();
    assert_eq!(out.stake_weight_u16, vec![32767, 32767]);
    // TaoWeight = 0: TAO stake does not count.
    let hp = Hyperparams {
        tao_weight: 0,
        ..Hyperparams::default()
    };
    let out = run_epoch(&hp, &stake_input(vec![1, 0], Some(vec![0, 1]))).unwrap();
    assert_eq!(out.stake_weight_u16, vec![65535, 0]);
}
