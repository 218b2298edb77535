//! Per-task rewards (spec/scoring-helpers.md §3.2 "Per-task reward").
//!
//! For one task, every queried uid gets a reward in [0, 1]:
//!
//! 1. the kind's base score against the references or the exact answer (ROUGE-L, token F1, BLEU, `number_score`,
//!    `date_score`, `multiple_choice`);
//! 2. × `(1 − 0.5·copy_penalty(text, prompt))` (SN1's prompt-echo penalty, actually applied);
//! 3. for qa and summarize, optionally × `(1 − length_penalty(tokens, closest reference length, 0.1))`;
//! 4. if the task has judgments, blended with the pairwise score: `(1−λ)·r + λ·pair`, `pair` = (wins + ½·ties) /
//!    judgments involving the uid, or ½ without any;
//! 5. no response, an empty (token-less) or over-long answer, and the later registration of a near-duplicate pair
//!    (`near_duplicates`, token F1 ≥ 0.98) get exactly 0.

use std::collections::BTreeMap;

use serde::Serialize;

use imr_guest::helpers::{
    self, bleu, copy_penalty, date_score_iso, duplicates_dropped, find_date_iso, length_penalty,
    max_over_refs, multiple_choice_with, near_duplicates, number_score, parse_date_iso, rouge_l,
    token_f1, tokenize, DupCandidate, LengthCap, McOptions, Overflow, Tok,
};
use imr_guest::MechanismError;

use crate::input::{JudgeOutcome, Kind, TaskItem, MAX_TEXT_CHARS, MAX_TOKENS};

/// Weight of the copy penalty (SN1: 0.5).
pub const COPY_WEIGHT: f64 = 0.5;
/// Largest length penalty (text-prompting's `MatchLengthCriteria`: 0.1).
pub const LENGTH_PENALTY_MAX: f64 = 0.1;
/// BLEU's largest n-gram order.
pub const BLEU_MAX_N: usize = 4;

/// The ROUGE-L cap: tokens are already cut to [`MAX_TOKENS`], so truncation never triggers.
const CAP: LengthCap = LengthCap {
    max: MAX_TOKENS,
    overflow: Overflow::Truncate,
};

/// What became of one queried uid's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Scored.
    Ok,
    /// No response to this task (timeout).
    NoResponse,
    /// A response without a single word.
    Empty,
    /// A response longer than [`MAX_TEXT_CHARS`] characters.
    TooLong,
    /// A near duplicate of an earlier registration's answer.
    Duplicate,
}

/// One queried uid's score on one task (the diagnostics' `tasks[id].miners[uid]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MinerTask {
    /// The kind's base score before penalties.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<f64>,
    /// Sentence BLEU against all references.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bleu: Option<f64>,
    /// `copy_penalty(text, prompt)` (before the 0.5 weight).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_pen: Option<f64>,
    /// For a duplicate: the uid whose answer it repeats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dup_of: Option<u16>,
    /// The task's reward for this uid.
    #[serde(rename = "final")]
    pub final_: f64,
    /// The kind-specific exact score (number, date or choice).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact: Option<f64>,
    /// `length_penalty` (when enabled, qa and summarize).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub len_pen: Option<f64>,
    /// The pairwise score (when the task has judgments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pair: Option<f64>,
    /// Best ROUGE-L F over the references.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rouge_l: Option<f64>,
    /// What became of the answer.
    pub status: Status,
    /// Best token F1 over the references.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_f1: Option<f64>,
}

impl MinerTask {
    fn zero(status: Status) -> Self {
        MinerTask {
            base: None,
            bleu: None,
            copy_pen: None,
            dup_of: None,
            final_: 0.0,
            exact: None,
            len_pen: None,
            pair: None,
            rouge_l: None,
            status,
            token_f1: None,
        }
    }
}

/// One task's scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskScore {
    /// Near-duplicate pairs found, `[kept, dropped]`.
    pub duplicates: Vec<[u16; 2]>,
    /// The task's kind.
    pub kind: Kind,
    /// Per queried uid.
    #[serde(serialize_with = "uid_map")]
    pub miners: BTreeMap<u16, MinerTask>,
}

/// Serializes a uid-keyed map (keys become decimal strings; canonical JSON re-sorts them).
pub fn uid_map<S: serde::Serializer, T: Serialize>(
    map: &BTreeMap<u16, T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(map.len()))?;
    for (k, v) in map {
        m.serialize_entry(&k.to_string(), v)?;
    }
    m.end()
}

/// The scoring settings that come from `params`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Pairwise weight λ.
    pub lambda: f64,
    /// Apply the length penalty to qa and summarize.
    pub length_penalty: bool,
    /// `near_duplicates` threshold.
    pub dup_threshold: f64,
}

/// The tokens every metric sees: lower-cased words (split on non-alphanumerics), cut to [`MAX_TOKENS`].
pub fn tokens(s: &str) -> Vec<String> {
    let mut t = tokenize(s, &Tok::default());
    t.truncate(MAX_TOKENS);
    t
}

/// Maps each distinct word of one task to a small integer, in order of first appearance.
///
/// Every metric only compares words for equality (and counts them), so running them on ids gives exactly the
/// same numbers as on the strings, while a ROUGE-L table cell compares two `u32`s instead of two strings: about
/// 10x less fuel per cell.
#[derive(Default)]
struct Interner {
    ids: BTreeMap<String, u32>,
}

impl Interner {
    fn ids(&mut self, words: Vec<String>) -> Vec<u32> {
        words
            .into_iter()
            .map(|w| {
                let next = self.ids.len() as u32;
                *self.ids.entry(w).or_insert(next)
            })
            .collect()
    }
}

fn fail(what: &str, e: helpers::HelperError) -> MechanismError {
    MechanismError::Failed(format!("{what}: {e}"))
}

/// The pairwise score of every uid named in `task.judgments`: (wins + ½·ties) / its judgments.
pub fn pair_scores(task: &TaskItem) -> BTreeMap<u16, f64> {
    let mut tally: BTreeMap<u16, (f64, f64)> = BTreeMap::new();
    for j in &task.judgments {
        let (sa, sb) = match j.outcome {
            JudgeOutcome::A => (1.0, 0.0),
            JudgeOutcome::B => (0.0, 1.0),
            JudgeOutcome::Tie => (0.5, 0.5),
        };
        for (uid, s) in [(j.a, sa), (j.b, sb)] {
            let e = tally.entry(uid).or_insert((0.0, 0.0));
            e.0 += s;
            e.1 += 1.0;
        }
    }
    tally.into_iter().map(|(u, (p, n))| (u, p / n)).collect()
}

/// Scores one task. `answers` maps each queried uid that responded to its text; `registered` gives each queried
/// uid's registration block (the earlier registration keeps a duplicate pair).
pub fn score_task(
    task: &TaskItem,
    answers: &BTreeMap<u16, &str>,
    registered: &BTreeMap<u16, u64>,
    settings: Settings,
) -> Result<TaskScore, MechanismError> {
    let mut interner = Interner::default();
    let prompt = interner.ids(tokens(&task.prompt));
    let refs: Vec<Vec<u32>> = task
        .references
        .iter()
        .map(|r| interner.ids(tokens(r)))
        .collect();
    let pairs_by_uid = pair_scores(task);
    let has_judgments = !task.judgments.is_empty();

    let mut queried = task.queried.clone();
    queried.sort_unstable();
    let mut miners = BTreeMap::new();
    let mut texts: BTreeMap<u16, (Vec<u32>, &str)> = BTreeMap::new();
    for &uid in &queried {
        match answers.get(&uid) {
            None => {
                miners.insert(uid, MinerTask::zero(Status::NoResponse));
            }
            Some(text) if text.chars().count() > MAX_TEXT_CHARS => {
                miners.insert(uid, MinerTask::zero(Status::TooLong));
            }
            Some(text) => {
                let t = interner.ids(tokens(text));
                if t.is_empty() {
                    miners.insert(uid, MinerTask::zero(Status::Empty));
                } else {
                    texts.insert(uid, (t, text));
                }
            }
        }
    }

    for (&uid, (cand, text)) in &texts {
        let rl = max_over_refs(
            |c: &[u32], r: &Vec<u32>| rouge_l(c, r, CAP).map_or(0.0, |s| s.f),
            cand.as_slice(),
            &refs,
        );
        let f1 = max_over_refs(
            |c: &[u32], r: &Vec<u32>| token_f1(c, r),
            cand.as_slice(),
            &refs,
        );
        let bl = bleu(cand, &refs, BLEU_MAX_N).map_err(|e| fail("bleu", e))?;
        let exact = match task.kind {
            Kind::Math => Some(
                number_score(task.number().unwrap_or(0.0), text)
                    .map_err(|e| fail("number_score", e))?,
            ),
            Kind::DateQa => {
                let reference = task
                    .answer
                    .as_ref()
                    .and_then(|a| a.date.as_deref())
                    .and_then(parse_date_iso)
                    .ok_or_else(|| MechanismError::Failed("date_qa without a date".into()))?;
                Some(date_score_iso(reference, find_date_iso(text)))
            }
            Kind::MultipleChoice => {
                let choice = task.choice().unwrap_or('A');
                let opts = McOptions {
                    choices: ('A'..=choice.max('D')).collect(),
                    ..McOptions::default()
                };
                Some(
                    multiple_choice_with(choice, text, &opts)
                        .map_err(|e| fail("multiple_choice", e))?,
                )
            }
            Kind::Qa | Kind::Summarize => None,
        };
        let base = match task.kind {
            Kind::Qa => 0.5 * rl + 0.5 * f1,
            Kind::Summarize => 0.5 * rl + 0.5 * bl,
            Kind::Math | Kind::MultipleChoice => exact.unwrap_or(0.0),
            Kind::DateQa => 0.7 * exact.unwrap_or(0.0) + 0.3 * rl,
        };
        let cp = copy_penalty(cand, &prompt);
        let mut r = base * (1.0 - COPY_WEIGHT * cp);
        let mut len_pen = None;
        if settings.length_penalty && matches!(task.kind, Kind::Qa | Kind::Summarize) {
            let target = closest_len(cand.len(), &refs);
            if target > 0 {
                let lp = length_penalty(cand.len(), target, LENGTH_PENALTY_MAX)
                    .map_err(|e| fail("length_penalty", e))?;
                r *= 1.0 - lp;
                len_pen = Some(lp);
            }
        }
        let mut pair = None;
        if has_judgments {
            let p = pairs_by_uid.get(&uid).copied().unwrap_or(0.5);
            r = (1.0 - settings.lambda) * r + settings.lambda * p;
            pair = Some(p);
        }
        miners.insert(
            uid,
            MinerTask {
                base: Some(base),
                bleu: Some(bl),
                copy_pen: Some(cp),
                dup_of: None,
                final_: r.clamp(0.0, 1.0),
                exact,
                len_pen,
                pair,
                rouge_l: Some(rl),
                status: Status::Ok,
                token_f1: Some(f1),
            },
        );
    }

    // Duplicates among the answers that have words, in uid order.
    let items: Vec<DupCandidate<'_, u32>> = texts
        .iter()
        .map(|(&uid, (t, _))| DupCandidate {
            uid,
            registered_block: registered.get(&uid).copied().unwrap_or(0),
            tokens: t.as_slice(),
        })
        .collect();
    let pairs =
        near_duplicates(&items, settings.dup_threshold).map_err(|e| fail("near_duplicates", e))?;
    for dropped in duplicates_dropped(&pairs) {
        let dup_of = pairs.iter().find(|p| p.dropped == dropped).map(|p| p.kept);
        if let Some(m) = miners.get_mut(&dropped) {
            m.status = Status::Duplicate;
            m.dup_of = dup_of;
            m.final_ = 0.0;
        }
    }
    Ok(TaskScore {
        duplicates: pairs.iter().map(|p| [p.kept, p.dropped]).collect(),
        kind: task.kind,
        miners,
    })
}

/// The reference length closest to `c` (a tie takes the shorter), as BLEU picks it; 0 without references.
fn closest_len(c: usize, refs: &[Vec<u32>]) -> usize {
    refs.iter()
        .map(Vec::len)
        .min_by_key(|&r| (r.abs_diff(c), r))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(json: &str) -> TaskItem {
        serde_json::from_str(json).expect("task json")
    }

    const SETTINGS: Settings = Settings {
        lambda: 0.3,
        length_penalty: false,
        dup_threshold: 0.98,
    };

    fn score(t: &TaskItem, answers: &[(u16, &str)]) -> TaskScore {
        let answers: BTreeMap<u16, &str> = answers.iter().copied().collect();
        let registered: BTreeMap<u16, u64> = t.queried.iter().map(|&u| (u, u64::from(u))).collect();
        score_task(t, &answers, &registered, SETTINGS).expect("score")
    }

    #[test]
    fn qa_by_hand() {
        // Prompt "who?" shares no word with the answers, so the copy penalty is 0.
        let t = task(
            r#"{"task_id":"q","kind":"qa","prompt":"who?","references":["the cat sat"],"queried":[1,2,3,4]}"#,
        );
        let s = score(&t, &[(1, "The cat sat."), (2, "the cat"), (3, "   ")]);
        let m1 = &s.miners[&1];
        // Identical tokens: ROUGE-L f = 2·(1/(2+1e-8)), token F1 = 1.
        let rl = 2.0 * (1.0 / (2.0 + 1e-8));
        assert_eq!(m1.rouge_l, Some(rl));
        assert_eq!(m1.token_f1, Some(1.0));
        assert_eq!(m1.copy_pen, Some(0.0));
        assert_eq!(m1.final_, 0.5 * rl + 0.5);
        // "the cat" vs "the cat sat": LCS 2, p = 1, r = 2/3; F1 = 2·(2/3)/(5/3) = 0.8.
        let m2 = &s.miners[&2];
        assert!((m2.token_f1.unwrap() - 0.8).abs() < 1e-15);
        assert!((m2.rouge_l.unwrap() - 0.8).abs() < 1e-8);
        assert_eq!(s.miners[&3].status, Status::Empty);
        assert_eq!(s.miners[&4].status, Status::NoResponse);
        assert_eq!((s.miners[&3].final_, s.miners[&4].final_), (0.0, 0.0));
    }

    #[test]
    fn copy_penalty_halves_an_echo() {
        // The echo equals the prompt: copy_penalty = 2·(1/(2+1e-8)) ≈ 1, so the reward is multiplied by ≈ 0.5.
        let t = task(
            r#"{"task_id":"m","kind":"math","prompt":"what is 6 times 7","references":["42"],"answer":{"number":42},"queried":[1,2]}"#,
        );
        let s = score(&t, &[(1, "what is 6 times 7"), (2, "it is 42")]);
        // The echo's last number is 7: number_score = 1 − 35/42.
        let m1 = &s.miners[&1];
        assert!((m1.exact.unwrap() - (1.0 - 35.0 / 42.0)).abs() < 1e-15);
        let cp = 2.0 * (1.0 / (2.0 + 1e-8));
        assert_eq!(m1.copy_pen, Some(cp));
        assert!((m1.final_ - m1.exact.unwrap() * (1.0 - 0.5 * cp)).abs() < 1e-15);
        // "it is 42" vs prompt {what, is, 6, times, 7}: overlap {is}: p = 1/3, r = 1/5.
        let (p, r) = (1.0 / 3.0, 1.0 / 5.0);
        let cp2 = 2.0 * ((p * r) / (p + r + 1e-8));
        assert_eq!(s.miners[&2].copy_pen, Some(cp2));
        assert_eq!(s.miners[&2].final_, 1.0 - 0.5 * cp2);
    }

    #[test]
    fn duplicates_keep_the_earlier_registration_and_judgments_blend() {
        let t = task(
            r#"{"task_id":"c","kind":"multiple_choice","prompt":"pick","answer":{"choice":"B"},"queried":[1,2,3],
                "judgments":[{"a":1,"b":2,"outcome":"a"},{"a":3,"b":1,"outcome":"tie"}]}"#,
        );
        let s = score(&t, &[(1, "B"), (2, "It is C"), (3, "b")]);
        // uid 3 repeats uid 1 (same tokens) and registered later (block 3 > 1).
        assert_eq!(s.duplicates, vec![[1, 3]]);
        assert_eq!(s.miners[&3].status, Status::Duplicate);
        assert_eq!(s.miners[&3].dup_of, Some(1));
        assert_eq!(s.miners[&3].final_, 0.0);
        // uid 1: letter fallback 0.9; copy penalty 0 ("b" not in "pick"); pair (1 + 0.5)/2 = 0.75.
        let m1 = &s.miners[&1];
        assert_eq!(m1.pair, Some(0.75));
        assert!((m1.final_ - (0.7 * 0.9 + 0.3 * 0.75)).abs() < 1e-15);
        // uid 2: wrong letter → 0; lost its only judgment → pair 0.
        assert_eq!(s.miners[&2].final_, 0.0);
    }

    #[test]
    fn date_and_length_penalty() {
        let t = task(
            r#"{"task_id":"d","kind":"date_qa","prompt":"when","references":["on 1815-06-18"],"answer":{"date":"1815-06-18"},"queried":[1]}"#,
        );
        // 10 days off: date_score = exp(−100/1000). Tokens [on, 1815, 06, 28] vs [on, 1815, 06, 18]: LCS 3 of 4.
        let s = score(&t, &[(1, "on 1815-06-28")]);
        let m = &s.miners[&1];
        assert!((m.exact.unwrap() - (-0.1f64).exp()).abs() < 1e-15);
        let rl = 2.0 * ((0.75 * 0.75) / (1.5 + 1e-8));
        assert!((m.final_ - (0.7 * (-0.1f64).exp() + 0.3 * rl)).abs() < 1e-15);

        let q = task(
            r#"{"task_id":"q","kind":"qa","prompt":"x","references":["a b c d e f g h i j","a b"],"queried":[1]}"#,
        );
        let answers = BTreeMap::from([(1u16, "a b c d e")]);
        let settings = Settings {
            length_penalty: true,
            ..SETTINGS
        };
        let s = score_task(&q, &answers, &BTreeMap::new(), settings).expect("score");
        // 5 tokens: the closest reference has 2 (|5 − 2| = 3 < |5 − 10| = 5), so rel = (5 − 2)/2 = 1.5.
        let lp = 0.1 * (1.0 - (-10.0f64 * 2.25).exp());
        assert_eq!(s.miners[&1].len_pen, Some(lp));
    }

    #[test]
    fn too_long_answers_score_zero() {
        let t =
            task(r#"{"task_id":"q","kind":"qa","prompt":"x","references":["y"],"queried":[1]}"#);
        let long = "y ".repeat(MAX_TEXT_CHARS / 2 + 1);
        let s = score(&t, &[(1, long.as_str())]);
        assert_eq!(s.miners[&1].status, Status::TooLong);
        assert_eq!(s.miners[&1].final_, 0.0);
    }
}
