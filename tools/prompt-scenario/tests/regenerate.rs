//! The committed epochs of examples/prompt-ranking are exactly what the generator writes (`imr_guest::testing`).

use std::fs;
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/prompt-ranking/data")
}

/// Every epoch the generator writes equals the committed one, and `epochs/` holds no other epoch file.
/// `IMR_BLESS=1` rewrites the committed files.
#[test]
fn regenerated_files_equal_the_committed_ones() -> Result<(), imr_guest::testing::TestingError> {
    let files = imr_prompt_scenario::files();
    assert_eq!(files.len(), 10);
    imr_guest::testing::check_generated(data_dir(), &files)?;
    Ok(())
}

#[test]
fn the_task_set_has_the_planned_shape() {
    let tasks = imr_prompt_scenario::scenario::load_tasks(imr_prompt_scenario::TASKS_JSON);
    let count = |kind: &str| tasks.iter().filter(|t| t.kind == kind).count();
    assert_eq!(tasks.len(), 40);
    assert_eq!(
        [
            count("qa"),
            count("summarize"),
            count("math"),
            count("date_qa"),
            count("multiple_choice")
        ],
        [12, 8, 8, 6, 6]
    );
    assert!(tasks.iter().all(|t| (1..=2).contains(&t.references.len())));
}

#[test]
fn every_epoch_queries_eight_of_nine_miners_and_poses_eight_tasks() {
    for k in 0..10 {
        let text =
            fs::read_to_string(data_dir().join(format!("epochs/{k:04}.json"))).expect("epoch");
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        let tasks = v["task"]["tasks"].as_array().expect("tasks");
        assert_eq!(tasks.len(), 8, "epoch {k}");
        let queried = tasks[0]["queried"].as_array().expect("queried");
        assert_eq!(queried.len(), 8, "epoch {k}");
        assert!(queried
            .iter()
            .all(|u| (1..=9).contains(&u.as_u64().expect("uid"))));
        // uid 4 echoes the prompt, word for word.
        if queried.contains(&serde_json::json!(4)) {
            let echo = v["responses"]
                .as_array()
                .expect("responses")
                .iter()
                .find(|r| r["uid"] == 4)
                .expect("uid 4 answered");
            let task = tasks
                .iter()
                .find(|t| t["task_id"] == echo["payload"]["task_id"])
                .expect("its task");
            assert_eq!(echo["payload"]["text"], task["prompt"], "epoch {k}");
        }
    }
}
