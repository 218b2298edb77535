//! The 10-epoch scenario: eight queried uids per epoch, eight tasks per epoch, a synthetic judge.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use imr_ts_scenario::rng::SplitMix64;
use imr_ts_scenario::scenario::hotkey;
use imr_types::epoch_file::{layout_list, EpochDocument, FieldLayout, JsonText, ResponseDocument};
use imr_types::Neuron;

use crate::archetypes::{self, quality, shuffle_words};

/// Number of epochs.
pub const EPOCHS: usize = 10;
/// The subnet.
pub const NETUID: u16 = 11;
/// Epoch `k` happens at block `BLOCK0 + BLOCKS_PER_EPOCH·k`.
pub const BLOCK0: u64 = 2000;
/// Blocks between epochs.
pub const BLOCKS_PER_EPOCH: u64 = 360;
/// Miner uids are 1…MINERS (uid 0 is the owner).
pub const MINERS: u16 = 9;
/// Queried uids per epoch.
pub const QUERIED: usize = 8;
/// Epoch `k` poses the tasks whose index `i` has `i mod TASK_GROUPS == k mod TASK_GROUPS`.
pub const TASK_GROUPS: usize = 5;
/// The duplicate archetype's registration block (everyone else registered at block 0).
pub const DUPLICATE_REGISTERED: u64 = 500;
/// The judge's logistic scale: `P(a beats b) = σ((q_a − q_b)/JUDGE_SCALE)`.
pub const JUDGE_SCALE: f64 = 0.15;
/// Qualities closer than this give a tie.
pub const TIE_BELOW: f64 = 0.02;
/// The judge's name in every judgment.
pub const JUDGE: &str = "synthetic-judge";

/// One task of `tasks.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDef {
    /// Unique id.
    pub task_id: String,
    /// qa, summarize, math, date_qa or multiple_choice.
    pub kind: String,
    /// The prompt.
    pub prompt: String,
    /// 1–2 references; the archetypes transform the first.
    pub references: Vec<String>,
    /// The exact answer (math, date_qa, multiple_choice), copied to the epoch as is.
    #[serde(default)]
    pub answer: Option<Value>,
}

impl TaskDef {
    /// `answer.number`.
    pub fn answer_number(&self) -> Option<f64> {
        self.answer.as_ref()?.get("number")?.as_f64()
    }

    /// `answer.date`.
    pub fn answer_date(&self) -> Option<String> {
        Some(self.answer.as_ref()?.get("date")?.as_str()?.to_string())
    }
}

/// Parses `tasks.json`.
pub fn load_tasks(json: &str) -> Vec<TaskDef> {
    serde_json::from_str(json).expect("tasks.json is a list of tasks")
}

/// The block of epoch `k`.
pub fn block_of(k: usize) -> u64 {
    BLOCK0 + BLOCKS_PER_EPOCH * k as u64
}

/// The epoch seed: SHA-256 of the ASCII text `imr-prompt-scenario/epoch/<k>` (k in decimal).
pub fn epoch_seed(k: usize) -> [u8; 32] {
    Sha256::digest(format!("imr-prompt-scenario/epoch/{k}").as_bytes()).into()
}

/// One epoch file: the epoch-file document of `imr-types` with this scenario's task, payload and params (no
/// `chain` object).
pub struct EpochFile {
    document: EpochDocument<EpochTask, Payload, Params, JsonText>,
}

/// The epoch's `task`: its number and the tasks posed.
#[derive(Serialize)]
struct EpochTask {
    epoch: usize,
    tasks: Vec<TaskOut>,
}

impl FieldLayout for EpochTask {
    /// Spread over lines: `epoch`, then `tasks` with each task compact on its own line.
    fn layout(&self) -> Result<String, serde_json::Error> {
        Ok(format!(
            "{{\n    \"epoch\": {},\n    \"tasks\": {}\n  }}",
            self.epoch,
            layout_list(&self.tasks, "    ")?
        ))
    }
}

/// One task as the epoch's `task.tasks[]` carries it.
#[derive(Serialize)]
struct TaskOut {
    task_id: String,
    kind: String,
    prompt: String,
    references: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<Value>,
    queried: Vec<u16>,
    judgments: Vec<JudgmentOut>,
}

#[derive(Serialize)]
struct JudgmentOut {
    a: u16,
    b: u16,
    outcome: &'static str,
    judge: &'static str,
}

#[derive(Serialize)]
struct Payload {
    task_id: String,
    text: String,
}

#[derive(Serialize)]
struct Params {
    alpha: f64,
    burn_frac: f64,
    burn_uid: u16,
    lambda: f64,
    length_penalty: bool,
    shaping: &'static str,
}

impl FieldLayout for Params {}

impl EpochFile {
    /// The file's text: one top-level field per line; each neuron, task and response compact on its own line
    /// ([`EpochDocument::to_text`]).
    pub fn to_text(&self) -> String {
        self.document
            .to_text()
            .expect("scenario types always serialize")
    }
}

fn neurons() -> Vec<Neuron> {
    (0..=MINERS)
        .map(|uid| Neuron {
            uid,
            hotkey: hotkey(uid, 0),
            stake: if uid == 0 { 1000.0 } else { 0.0 },
            registered_at_block: if uid == 8 { DUPLICATE_REGISTERED } else { 0 },
            validator_permit: uid == 0,
        })
        .collect()
}

/// The 8 queried uids: a partial Fisher–Yates over `[1, …, 9]` (for i = 0…7 swap i with
/// `i + next_u64 mod (9 − i)`), the first 8 taken and sorted.
pub fn sample_queried(rng: &mut SplitMix64) -> Vec<u16> {
    let mut pool: Vec<u16> = (1..=MINERS).collect();
    for i in 0..QUERIED {
        let j = i + (rng.next_u64() % (pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    let mut q = pool[..QUERIED].to_vec();
    q.sort_unstable();
    q
}

/// `1/(1 + e^{−x})`, with `exp` from the pinned `libm` (the same bits on every machine).
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

/// Builds every epoch file of the scenario, in order.
pub fn generate(tasks: &[TaskDef]) -> Vec<EpochFile> {
    (0..EPOCHS).map(|k| epoch(k, tasks)).collect()
}

fn epoch(k: usize, tasks: &[TaskDef]) -> EpochFile {
    let seed = epoch_seed(k);
    let mut rng = SplitMix64::new(u64::from_le_bytes(seed[..8].try_into().expect("8 bytes")));
    let queried = sample_queried(&mut rng);
    let indices: Vec<usize> = (0..tasks.len())
        .filter(|i| i % TASK_GROUPS == k % TASK_GROUPS)
        .collect();
    let mut task_out = Vec::new();
    // answers[pos] = (uid, text) for the queried uids that respond, ascending.
    let mut answers: Vec<Vec<(u16, String)>> = Vec::new();
    for &i in &indices {
        let t = &tasks[i];
        let shuffled = shuffle_words(&t.references[0], &mut rng);
        let responding: Vec<(u16, String)> = queried
            .iter()
            .filter_map(|&uid| archetypes::answer(uid, i, k, tasks, &shuffled).map(|a| (uid, a)))
            .collect();
        let judged: Vec<u16> = responding
            .iter()
            .filter(|(_, text)| !archetypes::words(text).is_empty())
            .map(|(uid, _)| *uid)
            .collect();
        let mut judgments = Vec::new();
        for (x, &a) in judged.iter().enumerate() {
            for &b in &judged[x + 1..] {
                let u = rng.next_f64();
                let dq = quality(a) - quality(b);
                let outcome = if dq.abs() < TIE_BELOW {
                    "tie"
                } else if u < sigmoid(dq / JUDGE_SCALE) {
                    "a"
                } else {
                    "b"
                };
                judgments.push(JudgmentOut {
                    a,
                    b,
                    outcome,
                    judge: JUDGE,
                });
            }
        }
        task_out.push(TaskOut {
            task_id: t.task_id.clone(),
            kind: t.kind.clone(),
            prompt: t.prompt.clone(),
            references: t.references.clone(),
            answer: t.answer.clone(),
            queried: queried.clone(),
            judgments,
        });
        answers.push(responding);
    }
    let mut responses = Vec::new();
    for uid in 1..=MINERS {
        for (pos, per_task) in answers.iter().enumerate() {
            if let Some((_, text)) = per_task.iter().find(|(u, _)| *u == uid) {
                responses.push(ResponseDocument {
                    uid,
                    payload: Payload {
                        task_id: task_out[pos].task_id.clone(),
                        text: text.clone(),
                    },
                    latency_ms: Some(150 + 11 * u32::from(uid) + 7 * pos as u32),
                });
            }
        }
    }
    EpochFile {
        document: EpochDocument {
            netuid: NETUID,
            block: block_of(k),
            seed: hex::encode(seed),
            neurons: neurons(),
            task: EpochTask {
                epoch: k,
                tasks: task_out,
            },
            responses,
            params: Params {
                alpha: 0.1,
                burn_frac: 0.1,
                burn_uid: 0,
                lambda: 0.3,
                length_penalty: true,
                shaping: "power_sharpen",
            },
            chain: None,
        },
    }
}
