//! The example mechanisms on generated epochs, natively and in Wasm.
//!
//! An input picks one of the two bundled examples and one of its first
//! epochs (with the state the native mechanism carries into it), then mutates
//! the epoch file's JSON where the bytes say: numbers become other numbers
//! (huge, tiny, negative, zero, integers), strings other strings, array
//! elements disappear or repeat, and the state's bytes may be flipped. The
//! epoch goes through the host's parser; when it parses, the mechanism runs
//! natively (the crate compiled for this machine) and as its component under
//! imr's engine. Both must give the same outcome: the same scores (bits), state
//! and diagnostics, or both a refusal with the same message. A component that
//! traps, runs out of fuel or returns an output the host rejects while the
//! native code returns a valid one is a finding, and so is a native panic.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use imr_guest::{Epoch, Mechanism as _, MechanismError, Outcome};
use imr_host::build::{build_guest, BuildOptions};
use imr_host::epoch::EpochInput;
use imr_host::validate::validate_outcome;
use imr_host::{DeterministicEngine, Limits, Mechanism, RunError};
use serde_json::Value;

use crate::Finding;

/// Epochs of each example that inputs start from (the first ones of its scenario).
pub const BASE_EPOCHS: usize = 24;

/// One bundled example: its component and its first epochs with their states.
struct Example {
    name: &'static str,
    score: fn(&Epoch, &[u8]) -> Result<Outcome, MechanismError>,
    mechanism: Mechanism,
    /// Epoch-file JSON and the state the native mechanism carries into it.
    bases: Vec<(Value, Vec<u8>)>,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn time_series(epoch: &Epoch, state: &[u8]) -> Result<Outcome, MechanismError> {
    imr_example_time_series::TimeSeries::score(epoch, state)
}

fn prompt_ranking(epoch: &Epoch, state: &[u8]) -> Result<Outcome, MechanismError> {
    imr_example_prompt_ranking::PromptRanking::score(epoch, state)
}

fn load(
    engine: &DeterministicEngine,
    name: &'static str,
    score: fn(&Epoch, &[u8]) -> Result<Outcome, MechanismError>,
) -> Result<Example, String> {
    let dir = workspace().join("examples").join(name);
    let built = build_guest(&dir, &BuildOptions::default()).map_err(|e| format!("{name}: {e}"))?;
    let bytes = std::fs::read(&built.path).map_err(|e| format!("{name}: {e}"))?;
    let mechanism =
        Mechanism::from_bytes(engine, &bytes, None).map_err(|e| format!("{name}: {e}"))?;
    let epochs = dir.join("data").join("epochs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&epochs)
        .map_err(|e| format!("{}: {e}", epochs.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut bases = Vec::new();
    let mut state = Vec::new();
    for path in files.iter().take(BASE_EPOCHS) {
        let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let json: Value =
            serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let epoch =
            imr_guest::epoch_file::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        bases.push((json, state.clone()));
        state = score(&epoch, &state)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .state;
    }
    if bases.is_empty() {
        return Err(format!("{}: no epoch files", epochs.display()));
    }
    Ok(Example {
        name,
        score,
        mechanism,
        bases,
    })
}

fn examples() -> &'static Result<[Example; 2], String> {
    static EXAMPLES: OnceLock<Result<[Example; 2], String>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        let engine = DeterministicEngine::new().map_err(|e| e.to_string())?;
        Ok([
            load(&engine, "time-series", time_series)?,
            load(&engine, "prompt-ranking", prompt_ranking)?,
        ])
    })
}

/// Builds and loads the two examples (once per process).
pub fn prepare() -> Result<(), Finding> {
    examples()
        .as_ref()
        .map(|_| ())
        .map_err(|e| Finding(format!("setup: {e}")))
}

/// Reads the fuzz input byte by byte (zeros once it is used up).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |acc, _| (acc << 8) | u64::from(self.byte()))
    }

    fn exhausted(&self) -> bool {
        self.0.is_empty()
    }
}

/// A replacement for the number `old` (if any): the edge cases a scorer meets,
/// a nearby or scaled value, or arbitrary bits.
fn number(b: &mut Bytes<'_>, old: Option<f64>) -> Value {
    let x = match b.byte() % 13 {
        10 | 11 => old.unwrap_or(1.0) * (1.0 + f64::from(b.byte() as i8) / 64.0),
        12 => old.unwrap_or(1.0) * 10f64.powi(i32::from(b.byte() as i8) / 8),
        0 => 0.0,
        1 => -0.0,
        2 => -1.0,
        3 => f64::MAX,
        4 => f64::MIN_POSITIVE / 4.0, // subnormal
        5 => 1e-300,
        6 => return Value::from(b.u64() as i64),
        7 => return Value::from(b.byte()),
        _ => f64::from_bits(b.u64()),
    };
    // JSON holds no NaN or infinity: those become a large finite value.
    Value::from(if x.is_finite() { x } else { 1e308 })
}

fn string(b: &mut Bytes<'_>) -> Value {
    let len = usize::from(b.byte() % 12);
    let s: String = (0..len)
        .map(|_| match b.byte() % 6 {
            0 => ' ',
            1 => '\u{e9}',
            2 => '\u{1F600}',
            3 => '0',
            _ => char::from(b'a' + b.byte() % 26),
        })
        .collect();
    Value::from(s)
}

/// The epoch file's own fields (not the mechanism's payloads), mutated rarely
/// so that most epochs still parse and reach the mechanism.
const FRAME: [&str; 11] = [
    "netuid",
    "block",
    "seed",
    "neurons",
    "chain",
    "uid",
    "hotkey",
    "stake",
    "registered_at_block",
    "validator_permit",
    "latency_ms",
];

/// Walks `v` and mutates where the bytes say (about one leaf in `1/rate`).
fn mutate(v: &mut Value, b: &mut Bytes<'_>, rate: u8) {
    if b.exhausted() {
        return;
    }
    match v {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let frame = FRAME.contains(&key.as_str());
                mutate(child, b, if frame { rate.saturating_mul(16) } else { rate });
            }
        }
        Value::Array(items) => {
            if b.byte().is_multiple_of(rate) && !items.is_empty() {
                let i = usize::from(b.byte()) % items.len();
                if b.byte().is_multiple_of(2) {
                    items.remove(i);
                } else {
                    let copy = items[i].clone();
                    items.insert(i, copy);
                }
            }
            for child in items.iter_mut() {
                mutate(child, b, rate);
            }
        }
        Value::Number(_) | Value::Bool(_) | Value::Null => {
            if b.byte().is_multiple_of(rate) {
                *v = number(b, v.as_f64());
            }
        }
        Value::String(_) => {
            if b.byte().is_multiple_of(rate) {
                *v = if b.byte().is_multiple_of(4) {
                    number(b, None)
                } else {
                    string(b)
                };
            }
        }
    }
}

/// A mechanism's refusal as (kind, message).
fn refusal(e: &MechanismError) -> Option<(&'static str, &str)> {
    Some(match e {
        MechanismError::InvalidInput(m) => ("invalid input", m.as_str()),
        MechanismError::Failed(m) => ("failed", m.as_str()),
    })
}

/// The host's record of a mechanism's refusal, if `e` is one.
fn refusal_of(e: &RunError) -> Option<(&'static str, &str)> {
    match e {
        RunError::MechanismInvalidInput { message } => Some(("invalid input", message.as_str())),
        RunError::MechanismFailed { message } => Some(("failed", message.as_str())),
        _ => None,
    }
}

fn bits(o: &Outcome) -> Vec<(u16, u64)> {
    o.scores
        .iter()
        .map(|s| (s.uid, s.score.to_bits()))
        .collect()
}

/// Names the first score that differs between the native and the Wasm outcome.
fn first_difference(native: &Outcome, wasm: &Outcome) -> String {
    let pairs = native.scores.iter().zip(&wasm.scores);
    match pairs
        .into_iter()
        .find(|(n, w)| n.uid != w.uid || n.score.to_bits() != w.score.to_bits())
    {
        Some((n, w)) => format!(
            "scores differ between native and Wasm: native uid {} = {:e} ({:#018x}), Wasm uid {} = {:e} ({:#018x})",
            n.uid,
            n.score,
            n.score.to_bits(),
            w.uid,
            w.score,
            w.score.to_bits()
        ),
        None => format!(
            "scores differ between native and Wasm: native has {} scores, Wasm {}",
            native.scores.len(),
            wasm.scores.len()
        ),
    }
}

/// How an input ended when nothing was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The mutated epoch is not a valid epoch file (the host refuses it).
    Unparsed,
    /// Native and Wasm gave the same outcome.
    SameOutcome,
    /// Native and Wasm refused the epoch with the same error.
    SameRefusal,
}

/// The mechanisms target (see the module documentation).
pub fn run(data: &[u8]) -> Result<(), Finding> {
    check(data).map(|_| ())
}

/// Runs one input and says how it ended.
pub fn check(data: &[u8]) -> Result<Verdict, Finding> {
    let examples = examples()
        .as_ref()
        .map_err(|e| Finding(format!("setup: {e}")))?;
    let mut b = Bytes(data);
    let example = &examples[usize::from(b.byte() % 2)];
    let (base, state) = &example.bases[usize::from(b.byte()) % example.bases.len()];
    let mut epoch = base.clone();
    let mut state = state.clone();
    if b.byte().is_multiple_of(8) && !state.is_empty() {
        let i = (b.u64() % state.len() as u64) as usize;
        state[i] ^= b.byte() | 1;
    }
    let rate = 2 + b.byte() % 30;
    mutate(&mut epoch, &mut b, rate);
    let text = serde_json::to_vec(&epoch).map_err(|e| Finding(format!("encode: {e}")))?;
    let Ok(input) = EpochInput::parse(&text, Path::new("fuzz-epoch.json")) else {
        return Ok(Verdict::Unparsed);
    };
    let native = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        (example.score)(&input.epoch, &state)
    }))
    .map_err(|_| Finding(format!("{}: the native mechanism panicked", example.name)))?;
    let wasm = example.mechanism.run(&input.epoch, &state).result;
    compare(&input.epoch, native, &wasm).map_err(|what| {
        Finding(format!(
            "{}: {what}; epoch {}",
            example.name,
            String::from_utf8_lossy(&text)
        ))
    })
}

/// Compares the native outcome with the component's, as the host records
/// them; `Err` says how they differ.
///
/// The host checks and canonicalizes every outcome before it records it
/// (scores sorted by uid, -0.0 stored as +0.0), so the native outcome goes
/// through the same check first. An outcome the check refuses is kept as it
/// is: when the component's run was refused for it, that is the mechanism's
/// bug and reported as such.
pub fn compare(
    epoch: &Epoch,
    native: Result<Outcome, MechanismError>,
    wasm: &Result<Outcome, RunError>,
) -> Result<Verdict, String> {
    let native =
        native.map(|o| validate_outcome(o.clone(), epoch, &Limits::default()).unwrap_or(o));
    match (&native, wasm) {
        (Ok(n), Ok(w)) => {
            if bits(n) != bits(w) {
                return Err(first_difference(n, w));
            }
            if n.state != w.state || n.diagnostics != w.diagnostics {
                return Err("state or diagnostics differ between native and Wasm".into());
            }
            Ok(Verdict::SameOutcome)
        }
        (Err(n), Err(w)) if refusal(n) == refusal_of(w) => Ok(Verdict::SameRefusal),
        (Err(n), Err(w)) if refusal_of(w).is_some() => {
            Err(format!("refusals differ: native {n:?}, Wasm {w}"))
        }
        (Ok(n), Err(e)) => {
            // The host rejects output a mechanism must never produce; the
            // native code produced it too, so this is the mechanism's bug.
            let scores: Vec<f64> = n.scores.iter().map(|s| s.score).collect();
            Err(format!(
                "native gave an outcome (scores {scores:?}), Wasm {e}"
            ))
        }
        (Err(n), Err(e)) => Err(format!("native refused ({n}), Wasm failed: {e}")),
        (Err(n), Ok(_)) => Err(format!("native refused ({n}), Wasm gave an outcome")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imr_guest::Scored;

    fn epoch() -> Epoch {
        let text = br#"{"netuid": 1, "block": 1,
            "seed": "0101010101010101010101010101010101010101010101010101010101010101",
            "neurons": [{"uid": 0, "hotkey": "h0", "registered_at_block": 0},
                        {"uid": 1, "hotkey": "h1", "registered_at_block": 0}]}"#;
        EpochInput::parse(text, Path::new("t.json")).unwrap().epoch
    }

    fn outcome(scores: &[(u16, f64)]) -> Outcome {
        Outcome {
            scores: scores
                .iter()
                .map(|&(uid, score)| Scored { uid, score })
                .collect(),
            ..Outcome::default()
        }
    }

    #[test]
    fn the_native_outcome_is_compared_as_the_host_records_it() {
        // seed 20261205, input 8781: a burn share of -0.0 gave the burn uid
        // -0.0 natively, which the host records as +0.0; unsorted uids too.
        let wasm = Ok(outcome(&[(0, 0.0), (1, 1.0)]));
        let native = Ok(outcome(&[(1, 1.0), (0, -0.0)]));
        assert_eq!(compare(&epoch(), native, &wasm), Ok(Verdict::SameOutcome));
    }

    #[test]
    fn a_last_bit_difference_is_a_finding_naming_the_uid() {
        let wasm = Ok(outcome(&[(0, 0.5), (1, 1.0)]));
        let native = Ok(outcome(&[
            (0, 0.5),
            (1, f64::from_bits(1.0f64.to_bits() + 1)),
        ]));
        let e = compare(&epoch(), native, &wasm).unwrap_err();
        assert!(e.contains("native uid 1"), "{e}");
    }

    #[test]
    fn an_outcome_the_host_refuses_is_the_mechanisms_bug() {
        let wasm = Err(RunError::InvalidOutput {
            uid: 1,
            value: "-1.0".into(),
            reason: "scores must be non-negative".into(),
        });
        let native = Ok(outcome(&[(1, -1.0)]));
        let e = compare(&epoch(), native, &wasm).unwrap_err();
        assert!(e.contains("native gave an outcome"), "{e}");
    }
}
