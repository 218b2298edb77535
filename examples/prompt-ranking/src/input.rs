//! The mechanism's input: the `task`, each response `payload`, and the `params`, with the caps that bound the
//! work (and so the fuel) of one epoch.

use std::collections::BTreeSet;

use serde::Deserialize;

use imr_guest::helpers::parse_date_iso;
use imr_guest::{MechanismError, Neuron};

/// Most tasks in one epoch.
pub const MAX_TASKS: usize = 256;
/// Most characters of a prompt (spec §3.2 input schema).
pub const MAX_PROMPT_CHARS: usize = 8_000;
/// Most references of one task.
pub const MAX_REFERENCES: usize = 4;
/// Most characters of one reference (spec §3.2 input schema).
pub const MAX_REFERENCE_CHARS: usize = 8_000;
/// Most characters of a miner's answer (spec §3.2 input schema); a longer answer scores 0.
pub const MAX_TEXT_CHARS: usize = 16_000;
/// Most tokens of any text that the metrics see; longer token lists are truncated to their first
/// `MAX_TOKENS` tokens. This bounds ROUGE-L's O(c·r) table to 512² cells per pair (stricter than the helper's
/// 2,000-token cap, so that a realistic epoch fits the default fuel budget even when every miner sends the longest
/// answer; see [`Task::worst_case_fuel`]).
pub const MAX_TOKENS: usize = 512;
/// Most queried uids of one task.
pub const MAX_QUERIED: usize = 256;
/// Most judgments of one task.
pub const MAX_JUDGMENTS: usize = 1_024;

/// Fuel model of one epoch, calibrated by `imr run` on the release component (wasmtime 48, imr's default cost
/// table): fixed cost (decoding, state, shaping).
pub const FUEL_BASE: u64 = 3_000_000;
/// Fuel of one answer of [`MAX_TOKENS`] tokens: tokenizing, BLEU, token F1, the copy penalty.
pub const FUEL_PER_ANSWER: u64 = 6_000_000;
/// Fuel of one pair of answers of [`MAX_TOKENS`] tokens in the duplicate check (a token F1).
pub const FUEL_PER_DUP_PAIR: u64 = 3_000_000;
/// Fuel of one cell of a ROUGE-L table, including the per-reference share of BLEU and token F1.
pub const FUEL_PER_LCS_CELL: u64 = 120;
/// Fuel of one judgment (pair score, Elo, 100 Bradley–Terry sweeps).
pub const FUEL_PER_JUDGMENT: u64 = 30_000;
/// The most fuel an epoch may need in the worst case (every queried miner answering with [`MAX_TOKENS`] tokens):
/// 75% of imr's default budget of 2·10⁹, so that no miner can push a valid epoch out of fuel.
pub const MAX_WORST_FUEL: u64 = 1_500_000_000;

/// The epoch's `task`: `{"epoch": k, "tasks": [...]}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// The epoch number; must grow from one epoch to the next.
    pub epoch: u64,
    /// The prompts of this epoch.
    pub tasks: Vec<TaskItem>,
}

/// The kind of a task, which picks its scoring rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Open question: `0.5·ROUGE-L + 0.5·token F1`, best reference.
    Qa,
    /// Summary: `0.5·ROUGE-L + 0.5·BLEU`.
    Summarize,
    /// Word problem: `number_score` of the last number in the answer.
    Math,
    /// Date question: `0.7·date_score + 0.3·ROUGE-L`.
    DateQa,
    /// Multiple choice: SN1's `multiple_choice` (JSON probabilities or the last letter × 0.9).
    MultipleChoice,
}

/// One prompt posed to some miners.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskItem {
    /// Unique within the epoch; responses name it.
    pub task_id: String,
    /// How the task is scored.
    pub kind: Kind,
    /// The prompt (copy penalty source).
    pub prompt: String,
    /// Reference answers (1…`MAX_REFERENCES`; required for qa, summarize and date_qa).
    #[serde(default)]
    pub references: Vec<String>,
    /// The exact answer for math, date_qa and multiple_choice.
    #[serde(default)]
    pub answer: Option<Answer>,
    /// The uids asked; only they are scored on this task.
    pub queried: Vec<u16>,
    /// Pairwise judgments between queried uids' answers.
    #[serde(default)]
    pub judgments: Vec<Judgment>,
}

/// The exact answer of a task.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The number (math).
    #[serde(default)]
    pub number: Option<f64>,
    /// `YYYY-MM-DD` or `YYYY` (date_qa).
    #[serde(default)]
    pub date: Option<String>,
    /// One upper-case letter (multiple_choice).
    #[serde(default)]
    pub choice: Option<String>,
}

/// Who won a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JudgeOutcome {
    /// `a`'s answer is better.
    A,
    /// `b`'s answer is better.
    B,
    /// Neither.
    Tie,
}

/// One pairwise judgment of two answers to the same task.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Judgment {
    /// One uid.
    pub a: u16,
    /// The other uid.
    pub b: u16,
    /// The verdict.
    pub outcome: JudgeOutcome,
    /// Who judged (part of the canonical sort key).
    #[serde(default)]
    pub judge: String,
}

/// A miner's answer (the response payload). Unknown fields are refused; a payload that does not decode is
/// ignored (reported in the diagnostics), never an error of the epoch.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    /// The task it answers.
    pub task_id: String,
    /// The answer.
    pub text: String,
}

/// How the EMAs (or Elo ratings) become weights (`params.shaping`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shaping {
    /// Apex's `power_sharpen(ema, power_p)`.
    #[default]
    PowerSharpen,
    /// `softmax(ema, softmax_t)`.
    Softmax,
    /// `softmax(elo·ln10/400)`, the Bradley–Terry-consistent form.
    EloSoftmax,
}

/// The mechanism's parameters; every field is optional, unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// EMA smoothing factor, in (0, 1]. Default 0.1.
    pub alpha: f64,
    /// Weight λ of the pairwise score in a task's reward, in [0, 1]. Default 0.3.
    pub lambda: f64,
    /// The shaping. Default `power_sharpen`.
    pub shaping: Shaping,
    /// `p` of `power_sharpen`, > 0. Default 0.6 (exponent ≈ 3.36).
    pub power_p: f64,
    /// Temperature of `softmax`, > 0. Default 0.05.
    pub softmax_t: f64,
    /// Elo K factor, finite and ≥ 0. Default 16.
    pub elo_k: f64,
    /// The uid that receives the burn (and everything when no miner has earned). Default 0.
    pub burn_uid: u16,
    /// Share of the weights sent to `burn_uid`, in [0, 1]. Default 0.
    pub burn_frac: f64,
    /// Apply `length_penalty(tokens, closest reference length, 0.1)` to qa and summarize. Default false.
    pub length_penalty: bool,
    /// `near_duplicates` threshold on token F1, in [0, 1]. Default 0.98.
    pub dup_threshold: f64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            alpha: 0.1,
            lambda: 0.3,
            shaping: Shaping::PowerSharpen,
            power_p: 0.6,
            softmax_t: 0.05,
            elo_k: 16.0,
            burn_uid: 0,
            burn_frac: 0.0,
            length_penalty: false,
            dup_threshold: 0.98,
        }
    }
}

fn invalid(msg: String) -> MechanismError {
    MechanismError::InvalidInput(msg)
}

impl Params {
    /// Checks the range of every parameter; the error names it.
    pub fn validate(&self) -> Result<(), MechanismError> {
        let checks: [(&str, f64, bool, &str); 7] = [
            (
                "alpha",
                self.alpha,
                self.alpha > 0.0 && self.alpha <= 1.0,
                "in (0, 1]",
            ),
            (
                "lambda",
                self.lambda,
                (0.0..=1.0).contains(&self.lambda),
                "in [0, 1]",
            ),
            (
                "power_p",
                self.power_p,
                self.power_p.is_finite() && self.power_p > 0.0,
                "finite and > 0",
            ),
            (
                "softmax_t",
                self.softmax_t,
                self.softmax_t.is_finite() && self.softmax_t > 0.0,
                "finite and > 0",
            ),
            (
                "elo_k",
                self.elo_k,
                self.elo_k.is_finite() && self.elo_k >= 0.0,
                "finite and >= 0",
            ),
            (
                "burn_frac",
                self.burn_frac,
                (0.0..=1.0).contains(&self.burn_frac),
                "in [0, 1]",
            ),
            (
                "dup_threshold",
                self.dup_threshold,
                (0.0..=1.0).contains(&self.dup_threshold),
                "in [0, 1]",
            ),
        ];
        for (name, value, ok, range) in checks {
            if !ok {
                return Err(invalid(format!("params.{name}: {value} is not {range}")));
            }
        }
        Ok(())
    }
}

impl TaskItem {
    /// The exact number of a math task (validated).
    pub fn number(&self) -> Option<f64> {
        self.answer.as_ref().and_then(|a| a.number)
    }

    /// The choice letter of a multiple-choice task (validated).
    pub fn choice(&self) -> Option<char> {
        self.answer
            .as_ref()
            .and_then(|a| a.choice.as_deref())
            .and_then(|c| c.chars().next())
    }
}

impl Task {
    /// An upper bound of the fuel this epoch needs whatever the miners answer, from the validator's own inputs
    /// only (the number of tasks, queried uids, reference lengths and judgments), with every answer assumed
    /// [`MAX_TOKENS`] long:
    ///
    /// `FUEL_BASE + Σ_tasks [q·FUEL_PER_ANSWER + q(q−1)/2·FUEL_PER_DUP_PAIR
    ///   + q·MAX_TOKENS·Σ_refs min(|ref tokens|, MAX_TOKENS)·FUEL_PER_LCS_CELL + judgments·FUEL_PER_JUDGMENT]`.
    pub fn worst_case_fuel(&self) -> u64 {
        let mut total = FUEL_BASE;
        for t in &self.tasks {
            let q = t.queried.len() as u64;
            let ref_tokens: u64 = t
                .references
                .iter()
                .map(|r| crate::scoring::tokens(r).len() as u64)
                .sum();
            let per_task = q
                .saturating_mul(FUEL_PER_ANSWER)
                .saturating_add((q * q.saturating_sub(1) / 2).saturating_mul(FUEL_PER_DUP_PAIR))
                .saturating_add(
                    q.saturating_mul(MAX_TOKENS as u64)
                        .saturating_mul(ref_tokens)
                        .saturating_mul(FUEL_PER_LCS_CELL),
                )
                .saturating_add((t.judgments.len() as u64).saturating_mul(FUEL_PER_JUDGMENT));
            total = total.saturating_add(per_task);
        }
        total
    }

    /// Checks ids, caps, answers, queried uids and judgments; the error names the field.
    pub fn validate(&self, neurons: &[Neuron]) -> Result<(), MechanismError> {
        if self.tasks.len() > MAX_TASKS {
            return Err(invalid(format!(
                "task.tasks: {} tasks, at most {MAX_TASKS}",
                self.tasks.len()
            )));
        }
        let registered: BTreeSet<u16> = neurons.iter().map(|n| n.uid).collect();
        let mut ids = BTreeSet::new();
        for (i, t) in self.tasks.iter().enumerate() {
            let at = format!("task.tasks[{i}]");
            if t.task_id.is_empty() {
                return Err(invalid(format!("{at}.task_id: empty")));
            }
            if !ids.insert(t.task_id.as_str()) {
                return Err(invalid(format!(
                    "{at}.task_id: {:?} appears twice",
                    t.task_id
                )));
            }
            check_chars(&format!("{at}.prompt"), &t.prompt, MAX_PROMPT_CHARS)?;
            if t.references.len() > MAX_REFERENCES {
                return Err(invalid(format!(
                    "{at}.references: {} references, at most {MAX_REFERENCES}",
                    t.references.len()
                )));
            }
            for (j, r) in t.references.iter().enumerate() {
                let field = format!("{at}.references[{j}]");
                check_chars(&field, r, MAX_REFERENCE_CHARS)?;
                if !r.chars().any(char::is_alphanumeric) {
                    return Err(invalid(format!("{field}: has no word")));
                }
            }
            let needs_refs = matches!(t.kind, Kind::Qa | Kind::Summarize | Kind::DateQa);
            if needs_refs && t.references.is_empty() {
                return Err(invalid(format!(
                    "{at}.references: a {:?} task needs at least one",
                    t.kind
                )));
            }
            check_answer(&at, t)?;
            if t.queried.len() > MAX_QUERIED {
                return Err(invalid(format!(
                    "{at}.queried: {} uids, at most {MAX_QUERIED}",
                    t.queried.len()
                )));
            }
            let mut queried = BTreeSet::new();
            for (j, &uid) in t.queried.iter().enumerate() {
                if !registered.contains(&uid) {
                    return Err(invalid(format!(
                        "{at}.queried[{j}]: uid {uid} is not among the epoch's neurons"
                    )));
                }
                if !queried.insert(uid) {
                    return Err(invalid(format!(
                        "{at}.queried[{j}]: uid {uid} appears twice"
                    )));
                }
            }
            if t.judgments.len() > MAX_JUDGMENTS {
                return Err(invalid(format!(
                    "{at}.judgments: {} judgments, at most {MAX_JUDGMENTS}",
                    t.judgments.len()
                )));
            }
            for (j, m) in t.judgments.iter().enumerate() {
                if m.a == m.b {
                    return Err(invalid(format!(
                        "{at}.judgments[{j}]: a and b are both uid {}",
                        m.a
                    )));
                }
                for uid in [m.a, m.b] {
                    if !queried.contains(&uid) {
                        return Err(invalid(format!(
                            "{at}.judgments[{j}]: uid {uid} was not queried"
                        )));
                    }
                }
            }
        }
        let worst = self.worst_case_fuel();
        if worst > MAX_WORST_FUEL {
            return Err(invalid(format!(
                "task.tasks: the worst case needs about {worst} fuel, more than {MAX_WORST_FUEL} \
                 (pose fewer tasks, query fewer uids or shorten the references)"
            )));
        }
        Ok(())
    }
}

fn check_chars(field: &str, s: &str, max: usize) -> Result<(), MechanismError> {
    let n = s.chars().count();
    if n > max {
        return Err(invalid(format!("{field}: {n} characters, at most {max}")));
    }
    Ok(())
}

/// The answer a task's kind needs: a finite number, a parseable date, or one upper-case letter.
fn check_answer(at: &str, t: &TaskItem) -> Result<(), MechanismError> {
    let a = t.answer.clone().unwrap_or_default();
    match t.kind {
        Kind::Math => match a.number {
            Some(x) if x.is_finite() => Ok(()),
            _ => Err(invalid(format!(
                "{at}.answer.number: a math task needs a finite number"
            ))),
        },
        Kind::DateQa => match a.date.as_deref().map(parse_date_iso) {
            Some(Some(_)) => Ok(()),
            _ => Err(invalid(format!(
                "{at}.answer.date: a date_qa task needs YYYY-MM-DD or YYYY"
            ))),
        },
        Kind::MultipleChoice => {
            let ok = a.choice.as_deref().is_some_and(|c| {
                let mut cs = c.chars();
                matches!((cs.next(), cs.next()), (Some(l), None) if l.is_ascii_uppercase())
            });
            if ok {
                Ok(())
            } else {
                Err(invalid(format!(
                    "{at}.answer.choice: a multiple_choice task needs one letter A-Z"
                )))
            }
        }
        Kind::Qa | Kind::Summarize => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neurons(uids: &[u16]) -> Vec<Neuron> {
        uids.iter()
            .map(|&uid| Neuron {
                uid,
                hotkey: format!("h{uid}"),
                stake: 0.0,
                registered_at_block: 0,
                validator_permit: false,
            })
            .collect()
    }

    #[test]
    fn params_default_variants_and_unknown_fields() {
        let p: Params = serde_json::from_str("{}").expect("empty params");
        assert_eq!(p, Params::default());
        p.validate().expect("defaults are valid");
        let p: Params = serde_json::from_str(r#"{"shaping":"elo_softmax","length_penalty":true}"#)
            .expect("variants");
        assert_eq!(p.shaping, Shaping::EloSoftmax);
        assert!(p.length_penalty);
        assert!(serde_json::from_str::<Params>(r#"{"lamda":0.1}"#).is_err());
    }

    #[test]
    fn params_ranges_are_checked() {
        for (json, field) in [
            (r#"{"alpha":0}"#, "params.alpha"),
            (r#"{"lambda":1.5}"#, "params.lambda"),
            (r#"{"power_p":0}"#, "params.power_p"),
            (r#"{"softmax_t":-1}"#, "params.softmax_t"),
            (r#"{"elo_k":-1}"#, "params.elo_k"),
            (r#"{"burn_frac":2}"#, "params.burn_frac"),
            (r#"{"dup_threshold":1.5}"#, "params.dup_threshold"),
        ] {
            let p: Params = serde_json::from_str(json).expect("json");
            let e = p.validate().expect_err(json).to_string();
            assert!(e.contains(field), "{json}: {e}");
        }
    }

    #[test]
    fn task_validation_names_the_field() {
        let ok = r#"{"epoch":0,"tasks":[
            {"task_id":"m","kind":"math","prompt":"1+1?","references":["2"],"answer":{"number":2},"queried":[1,2],
             "judgments":[{"a":1,"b":2,"outcome":"tie"}]},
            {"task_id":"d","kind":"date_qa","prompt":"when?","references":["1815-06-18"],"answer":{"date":"1815-06-18"},"queried":[1]},
            {"task_id":"c","kind":"multiple_choice","prompt":"A or B?","answer":{"choice":"B"},"queried":[2]}]}"#;
        let n = neurons(&[0, 1, 2]);
        let parse = |s: &str| serde_json::from_str::<Task>(s).expect("task json");
        parse(ok).validate(&n).expect("valid task");
        let cases = [
            (
                ok.replace(r#""task_id":"d""#, r#""task_id":"m""#),
                "task.tasks[1].task_id",
            ),
            (
                ok.replace(r#""number":2"#, r#""number":null"#),
                "task.tasks[0].answer.number",
            ),
            (
                ok.replace(r#""date":"1815-06-18""#, r#""date":"1815-13-18""#),
                "task.tasks[1].answer.date",
            ),
            (
                ok.replace(r#""choice":"B""#, r#""choice":"b""#),
                "task.tasks[2].answer.choice",
            ),
            (
                ok.replace(r#""queried":[1,2]"#, r#""queried":[1,7]"#),
                "task.tasks[0].queried[1]",
            ),
            (
                ok.replace(r#""queried":[1,2]"#, r#""queried":[1,1]"#),
                "task.tasks[0].queried[1]",
            ),
            (
                ok.replace(r#""a":1,"b":2"#, r#""a":2,"b":2"#),
                "task.tasks[0].judgments[0]",
            ),
            (
                ok.replace(r#""queried":[1,2],"#, r#""queried":[1],"#),
                "task.tasks[0].judgments[0]",
            ),
            (
                ok.replace(r#""references":["1815-06-18"],"#, ""),
                "task.tasks[1].references",
            ),
            (
                ok.replace(
                    r#""references":["2"]"#,
                    r#""references":["1","2","3","4","5"]"#,
                ),
                "task.tasks[0].references",
            ),
            (
                ok.replace(r#""references":["2"]"#, r#""references":["?!"]"#),
                "task.tasks[0].references[0]",
            ),
            (
                ok.replace(
                    r#""prompt":"1+1?""#,
                    &format!(r#""prompt":"{}""#, "x".repeat(MAX_PROMPT_CHARS + 1)),
                ),
                "task.tasks[0].prompt",
            ),
        ];
        for (json, field) in cases {
            let e = parse(&json).validate(&n).expect_err(&json).to_string();
            assert!(e.contains(field), "{field}: {e}");
        }
    }

    #[test]
    fn the_worst_case_fuel_model_refuses_oversized_epochs() {
        let n = neurons(&(0..=64).collect::<Vec<u16>>());
        let task = |tasks: usize, queried: u16| -> Task {
            let items: Vec<String> = (0..tasks)
                .map(|i| {
                    format!(
                        r#"{{"task_id":"t{i}","kind":"qa","prompt":"p","references":["one two three four"],"queried":{:?}}}"#,
                        (1..=queried).collect::<Vec<u16>>()
                    )
                })
                .collect();
            serde_json::from_str(&format!(r#"{{"epoch":0,"tasks":[{}]}}"#, items.join(",")))
                .expect("task json")
        };
        // By hand: 8 tasks × (8·6e6 + 28·3e6 + 8·512·4·120) + 3e6 = 8·133_966_080 + 3e6.
        let small = task(8, 8);
        assert_eq!(small.worst_case_fuel(), 8 * 133_966_080 + 3_000_000);
        small.validate(&n).expect("a scenario-sized epoch fits");
        // 64 queried uids: 2016 duplicate pairs alone need 6.05e9.
        let e = task(1, 64).validate(&n).expect_err("too big").to_string();
        assert!(e.contains("worst case"), "{e}");
    }
}
