//! Scenario tests for mechanisms, run natively with `cargo test` (feature `testing`).
//!
//! A mechanism's best test is a scenario: a directory of epoch files run in order with the state carried from each
//! epoch to the next, exactly as a validator's `imr run --epochs DIR` runs them, and the weights of every epoch
//! compared with committed golden weights. This module does that natively (no Wasm, no host), so it is fast and
//! debuggable, and the goldens are the ones the host's chain pipeline produces:
//!
//! * [`load_epochs`]: the `*.json` epoch files of a directory, in the order the host runs them, parsed by
//!   [`crate::epoch_file`] (the host's parser);
//! * [`run`]: the mechanism over them, state chained from an empty first state; a failing epoch is an error naming
//!   its file;
//! * [`golden_text`] / [`check_golden`]: one line per epoch, `{"epoch":K,"uids":[..],"values":[..]}`, the u16
//!   weights after the bittensor SDK's quantization (`imr_weights::sdk11::normalize`, what `imr run` sets on chain
//!   with the default SDK generation), compared byte for byte with a committed file; with `IMR_BLESS=1` in the
//!   environment the file is (re)written instead, to be reviewed and committed;
//! * [`check_generated`]: the same compare-or-bless for a data generator's output (every file it writes, and no
//!   stray file of the same kind next to them).
//!
//! The feature pulls in `imr-weights` (std-only, not a guest dependency), so enable it for tests only:
//!
//! ```toml
//! [dev-dependencies]
//! imr-guest = { path = "../guest-sdk", features = ["testing"] }
//! ```
//!
//! ```no_run
//! # use imr_guest::{Epoch, Mechanism, MechanismError, Outcome};
//! # struct MyMechanism;
//! # impl Mechanism for MyMechanism {
//! #     fn score(_: &Epoch, _: &[u8]) -> Result<Outcome, MechanismError> { Ok(Outcome::new([(0, 1.0)])) }
//! # }
//! use imr_guest::testing;
//!
//! #[test]
//! fn golden_weights() -> Result<(), testing::TestingError> {
//!     let epochs = testing::load_epochs("epochs")?;
//!     let steps = testing::run::<MyMechanism>(&epochs)?;
//!     testing::check_golden("tests/expected_weights.jsonl", &testing::golden_text(&steps)?)?;
//!     Ok(())
//! }
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{Epoch, Mechanism, MechanismError, Outcome};

/// The environment variable that turns a comparison into a (re)write of the expected file.
pub const BLESS_VAR: &str = "IMR_BLESS";

/// Why a scenario test could not run or did not match.
pub enum TestingError {
    /// Reading or writing a file or directory failed.
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// An epoch file is not a valid epoch.
    Epoch {
        /// The file.
        path: PathBuf,
        /// The parser's message (it names the field).
        message: String,
    },
    /// The mechanism returned an error for an epoch.
    Mechanism {
        /// The epoch file.
        path: PathBuf,
        /// The error.
        error: MechanismError,
    },
    /// An epoch's scores cannot become chain weights (negative, non-finite).
    Weights {
        /// The epoch file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Something the test was given or built is unusable (e.g. params that are not a JSON object).
    Invalid(String),
    /// The expected file does not exist (run with `IMR_BLESS=1` to create it).
    MissingExpected {
        /// The file.
        path: PathBuf,
    },
    /// A line of the golden file differs.
    GoldenLine {
        /// The golden file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What the run gave.
        got: String,
        /// What the file holds.
        want: String,
    },
    /// The golden file has another number of lines (or differs only in line endings).
    GoldenLength {
        /// The golden file.
        path: PathBuf,
        /// Lines the run gave.
        got: usize,
        /// Lines in the file.
        want: usize,
    },
    /// A generated file differs from the committed one.
    Differs {
        /// The committed file.
        path: PathBuf,
    },
    /// Files the generator does not write sit next to the ones it does (same folder, same extension).
    Stray {
        /// The stray files.
        paths: Vec<PathBuf>,
    },
}

impl fmt::Display for TestingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Epoch { path, message } => write!(f, "{}: {message}", path.display()),
            Self::Mechanism { path, error } => write!(f, "{}: {error}", path.display()),
            Self::Weights { path, message } => {
                write!(f, "{}: the scores cannot become weights: {message}", path.display())
            }
            Self::Invalid(m) => write!(f, "{m}"),
            Self::MissingExpected { path } => write!(
                f,
                "{} does not exist (run the test with {BLESS_VAR}=1 to create it, then review and commit it)",
                path.display()
            ),
            Self::GoldenLine {
                path,
                line,
                got,
                want,
            } => write!(
                f,
                "{} line {line} (epoch {}) differs\n  got:  {got}\n  want: {want}\n(after a deliberate change: \
                 {BLESS_VAR}=1, review the diff, commit)",
                path.display(),
                line - 1
            ),
            Self::GoldenLength { path, got, want } => write!(
                f,
                "{}: the run gave {got} lines, the file holds {want} (or the line endings differ)",
                path.display()
            ),
            Self::Differs { path } => write!(
                f,
                "{}: the regenerated bytes differ from the committed file (after a deliberate change: \
                 {BLESS_VAR}=1, review the diff, commit)",
                path.display()
            ),
            Self::Stray { paths } => {
                let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                write!(
                    f,
                    "not written by the generator (remove them if they are obsolete): {}",
                    list.join(", ")
                )
            }
        }
    }
}

/// The same text as `Display`, so that `unwrap()` and a test returning `Result` print a readable message.
impl fmt::Debug for TestingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for TestingError {}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TestingError + '_ {
    move |source| TestingError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether `IMR_BLESS` is set (to anything but empty or `0`): expected files are written, not compared.
pub fn blessing() -> bool {
    std::env::var_os(BLESS_VAR).is_some_and(|v| !v.is_empty() && v != "0")
}

/// One epoch file, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The epoch.
    pub epoch: Epoch,
}

/// The epoch files of `dir` as the host runs them (`imr run --epochs DIR`): regular files (or links to them)
/// named `*.json` (exactly), not starting with a dot, in byte order of their names; everything else is left out.
/// Each is parsed with [`crate::epoch_file::parse`]; a file that does not parse is an error naming it.
pub fn load_epochs(dir: impl AsRef<Path>) -> Result<Vec<EpochFile>, TestingError> {
    let dir = dir.as_ref();
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with('.') || !name.ends_with(".json") || !path.is_file() {
            continue;
        }
        paths.push(path);
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            let epoch = crate::epoch_file::parse(&bytes).map_err(|e| TestingError::Epoch {
                path: path.clone(),
                message: e.to_string(),
            })?;
            Ok(EpochFile { path, epoch })
        })
        .collect()
}

/// `epochs` with the keys of `extra` (a JSON object) set in every epoch's `params` (absent params count as `{}`),
/// re-encoded as canonical JSON: a scenario under another configuration.
pub fn with_params(epochs: &[EpochFile], extra: &Value) -> Result<Vec<EpochFile>, TestingError> {
    let Some(extra) = extra.as_object() else {
        return Err(TestingError::Invalid(format!(
            "with_params: {extra} is not a JSON object"
        )));
    };
    epochs
        .iter()
        .map(|f| {
            let mut params: Value = if f.epoch.params.is_empty() || f.epoch.params == b"null" {
                Value::Object(Default::default())
            } else {
                serde_json::from_slice(&f.epoch.params).map_err(|e| TestingError::Epoch {
                    path: f.path.clone(),
                    message: format!("params: {e}"),
                })?
            };
            let Some(object) = params.as_object_mut() else {
                return Err(TestingError::Epoch {
                    path: f.path.clone(),
                    message: "params: not a JSON object".into(),
                });
            };
            for (k, v) in extra {
                object.insert(k.clone(), v.clone());
            }
            let mut out = f.clone();
            out.epoch.params = crate::canonical_json(&params).map_err(|e| TestingError::Epoch {
                path: f.path.clone(),
                message: e.to_string(),
            })?;
            Ok(out)
        })
        .collect()
}

/// One epoch's result in a scenario run.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The epoch file.
    pub path: PathBuf,
    /// What the mechanism returned (its `state` is the next epoch's input).
    pub outcome: Outcome,
}

impl Step {
    /// The scores by uid.
    pub fn weights(&self) -> BTreeMap<u16, f64> {
        self.outcome.score_map()
    }

    /// The diagnostics as JSON (`null` when empty).
    pub fn diagnostics(&self) -> Result<Value, TestingError> {
        if self.outcome.diagnostics.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.outcome.diagnostics).map_err(|e| TestingError::Epoch {
            path: self.path.clone(),
            message: format!("diagnostics are not JSON: {e}"),
        })
    }

    /// The state decoded as `S` ([`crate::state::load`]).
    pub fn state<S: crate::MechanismState>(&self) -> Result<S, TestingError> {
        crate::state::load(&self.outcome.state).map_err(|error| TestingError::Mechanism {
            path: self.path.clone(),
            error,
        })
    }

    /// The chain weights of this step: uids and u16 values after the bittensor SDK's quantization
    /// (`imr_weights::sdk11::normalize`: `round(w / max · 65535)`, zeros dropped), uids ascending.
    pub fn quantized(&self) -> Result<(Vec<u16>, Vec<u16>), TestingError> {
        let uids: Vec<i64> = self
            .outcome
            .scores
            .iter()
            .map(|s| i64::from(s.uid))
            .collect();
        let values: Vec<f64> = self.outcome.scores.iter().map(|s| s.score).collect();
        imr_weights::sdk11::normalize(&uids, &values).map_err(|e| TestingError::Weights {
            path: self.path.clone(),
            message: e.to_string(),
        })
    }
}

/// Runs `M` over `epochs` in order, starting from the empty state and handing each epoch the state of the one
/// before. The first epoch the mechanism refuses is an error naming its file.
pub fn run<M: Mechanism>(epochs: &[EpochFile]) -> Result<Vec<Step>, TestingError> {
    run_from::<M>(epochs, Vec::new())
}

/// [`run`] starting from `state` instead of the empty state.
pub fn run_from<M: Mechanism>(
    epochs: &[EpochFile],
    mut state: Vec<u8>,
) -> Result<Vec<Step>, TestingError> {
    let mut steps = Vec::with_capacity(epochs.len());
    for f in epochs {
        let outcome = M::score(&f.epoch, &state).map_err(|error| TestingError::Mechanism {
            path: f.path.clone(),
            error,
        })?;
        state.clone_from(&outcome.state);
        steps.push(Step {
            path: f.path.clone(),
            outcome,
        });
    }
    Ok(steps)
}

/// The golden text of a run: for each step `K` (from 0), the line `{"epoch":K,"uids":[..],"values":[..]}` with
/// [`Step::quantized`]'s weights.
pub fn golden_text(steps: &[Step]) -> Result<String, TestingError> {
    let mut out = String::new();
    for (k, step) in steps.iter().enumerate() {
        let (uids, values) = step.quantized()?;
        let list = |v: &[u16]| {
            v.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        out.push_str(&format!(
            "{{\"epoch\":{k},\"uids\":[{}],\"values\":[{}]}}\n",
            list(&uids),
            list(&values)
        ));
    }
    Ok(out)
}

/// What [`check_golden`] or [`check_generated`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// Everything matched.
    Matched,
    /// `IMR_BLESS` was set: the expected files were written.
    Blessed,
}

/// Compares `text` with the golden file at `path`, line by line (the first differing line is the error), then
/// byte for byte. With `IMR_BLESS=1` the file is written instead (folders created).
pub fn check_golden(path: impl AsRef<Path>, text: &str) -> Result<Checked, TestingError> {
    let path = path.as_ref();
    if blessing() {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(path, text).map_err(io(path))?;
        return Ok(Checked::Blessed);
    }
    let golden = match std::fs::read_to_string(path) {
        Ok(g) => g,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(TestingError::MissingExpected {
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(io(path)(e)),
    };
    for (k, (got, want)) in text.lines().zip(golden.lines()).enumerate() {
        if got != want {
            return Err(TestingError::GoldenLine {
                path: path.to_path_buf(),
                line: k + 1,
                got: got.to_string(),
                want: want.to_string(),
            });
        }
    }
    if text != golden {
        return Err(TestingError::GoldenLength {
            path: path.to_path_buf(),
            got: text.lines().count(),
            want: golden.lines().count(),
        });
    }
    Ok(Checked::Matched)
}

/// Checks a data generator's output against the committed files under `dir`: every `(relative path, bytes)` in
/// `files` must equal the file at `dir/path`, and the folders written to must hold no other file with an
/// extension the generator writes there (a stray epoch file would change every scenario run). With `IMR_BLESS=1`
/// the files are written instead; stray files are still reported (they are never deleted).
pub fn check_generated(
    dir: impl AsRef<Path>,
    files: &[(String, Vec<u8>)],
) -> Result<Checked, TestingError> {
    let dir = dir.as_ref();
    let bless = blessing();
    // Folder (relative) → the extensions the generator writes there, and the names it writes.
    let mut written: BTreeMap<PathBuf, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for (rel, bytes) in files {
        let rel_path = Path::new(rel);
        let path = dir.join(rel_path);
        let folder = rel_path.parent().unwrap_or(Path::new("")).to_path_buf();
        let entry = written.entry(folder).or_default();
        if let Some(ext) = rel_path.extension().and_then(|e| e.to_str()) {
            entry.0.insert(ext.to_string());
        }
        if let Some(name) = rel_path.file_name().and_then(|n| n.to_str()) {
            entry.1.insert(name.to_string());
        }
        if bless {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::write(&path, bytes).map_err(io(&path))?;
            continue;
        }
        let committed = match std::fs::read(&path) {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(TestingError::MissingExpected { path })
            }
            Err(e) => return Err(io(&path)(e)),
        };
        if &committed != bytes {
            return Err(TestingError::Differs { path });
        }
    }
    let mut stray = Vec::new();
    for (folder, (exts, names)) in &written {
        let full = dir.join(folder);
        for entry in std::fs::read_dir(&full).map_err(io(&full))? {
            let path = entry.map_err(io(&full))?.path();
            let (Some(name), Some(ext)) = (
                path.file_name().and_then(|n| n.to_str()),
                path.extension().and_then(|e| e.to_str()),
            ) else {
                continue;
            };
            if exts.contains(ext) && !names.contains(name) && path.is_file() {
                stray.push(path);
            }
        }
    }
    if !stray.is_empty() {
        stray.sort();
        return Err(TestingError::Stray { paths: stray });
    }
    Ok(if bless {
        Checked::Blessed
    } else {
        Checked::Matched
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::MechanismState;

    /// Counts epochs in its state and gives uid 1 the count, uid 2 one; `params.fail_at` makes it refuse.
    struct Counter;

    #[derive(serde::Serialize, serde::Deserialize, Default, Debug, PartialEq)]
    struct Count {
        n: u32,
    }

    impl MechanismState for Count {
        const VERSION: u32 = 1;
    }

    #[derive(serde::Deserialize, Default)]
    struct Params {
        #[serde(default)]
        fail_at: Option<u32>,
        #[serde(default)]
        scale: Option<f64>,
    }

    impl Mechanism for Counter {
        fn score(epoch: &Epoch, state: &[u8]) -> Result<Outcome, MechanismError> {
            let params: Params = epoch.params()?;
            let mut s: Count = crate::state::load(state)?;
            s.n += 1;
            if params.fail_at == Some(s.n) {
                return Err(MechanismError::Failed("asked to fail".into()));
            }
            let scale = params.scale.unwrap_or(1.0);
            Outcome::new([(1, f64::from(s.n) * scale), (2, 1.0)])
                .with_typed_state(&s)?
                .with_diagnostics(&serde_json::json!({"n": s.n}))
        }
    }

    fn epoch_json(block: u64, params: &str) -> String {
        format!(
            r#"{{"netuid": 1, "block": {block}, "seed": "{}",
                "neurons": [{{"uid": 1, "hotkey": "a", "registered_at_block": 0}},
                            {{"uid": 2, "hotkey": "b", "registered_at_block": 0}}],
                "responses": [], "params": {params}}}"#,
            "00".repeat(32)
        )
    }

    fn scenario(params: &str) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for k in 0..3u64 {
            std::fs::write(
                tmp.path().join(format!("{k:04}.json")),
                epoch_json(100 + k, params),
            )
            .unwrap();
        }
        // Left out, as the host leaves them out.
        std::fs::write(tmp.path().join(".0005.json"), "junk").unwrap();
        std::fs::write(tmp.path().join("notes.txt"), "junk").unwrap();
        std::fs::write(tmp.path().join("expected.jsonl"), "junk").unwrap();
        std::fs::create_dir(tmp.path().join("sub.json")).unwrap();
        tmp
    }

    #[test]
    fn runs_in_name_order_with_the_state_chained() {
        let dir = scenario("{}");
        let epochs = load_epochs(dir.path()).unwrap();
        let names: Vec<_> = epochs
            .iter()
            .map(|e| e.path.file_name().unwrap().to_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["0000.json", "0001.json", "0002.json"]);
        let steps = run::<Counter>(&epochs).unwrap();
        let counts: Vec<u32> = steps
            .iter()
            .map(|s| s.state::<Count>().unwrap().n)
            .collect();
        assert_eq!(counts, [1, 2, 3]);
        assert_eq!(steps[2].weights(), BTreeMap::from([(1, 3.0), (2, 1.0)]));
        assert_eq!(steps[1].diagnostics().unwrap(), serde_json::json!({"n": 2}));
        // 3:1 → 65535 and round(65535 / 3) = 21845.
        assert_eq!(
            golden_text(&steps).unwrap(),
            "{\"epoch\":0,\"uids\":[1,2],\"values\":[65535,65535]}\n\
             {\"epoch\":1,\"uids\":[1,2],\"values\":[65535,32768]}\n\
             {\"epoch\":2,\"uids\":[1,2],\"values\":[65535,21845]}\n"
        );
        // From a given state.
        let s = crate::state::save(&Count { n: 10 }).unwrap();
        let later = run_from::<Counter>(&epochs[..1], s).unwrap();
        assert_eq!(later[0].state::<Count>().unwrap().n, 11);
    }

    #[test]
    fn errors_name_the_epoch_file() {
        let dir = scenario(r#"{"fail_at": 2}"#);
        let e = run::<Counter>(&load_epochs(dir.path()).unwrap()).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("0001.json") && text.contains("asked to fail"),
            "{text}"
        );
        std::fs::write(dir.path().join("0001.json"), "{\"netuid\": 1}").unwrap();
        let e = load_epochs(dir.path()).unwrap_err();
        assert!(
            matches!(&e, TestingError::Epoch { path, .. } if path.ends_with("0001.json")),
            "{e}"
        );
        let e = load_epochs(dir.path().join("missing")).unwrap_err();
        assert!(matches!(e, TestingError::Io { .. }), "{e}");
        // Negative scores cannot be quantized: named.
        let neg = scenario(r#"{"scale": -1}"#);
        let steps = run::<Counter>(&load_epochs(neg.path()).unwrap()).unwrap();
        let e = golden_text(&steps).unwrap_err();
        assert!(
            matches!(&e, TestingError::Weights { path, .. } if path.ends_with("0000.json")),
            "{e}"
        );
    }

    #[test]
    fn with_params_merges_into_every_epoch() {
        let dir = scenario("null");
        let epochs = load_epochs(dir.path()).unwrap();
        let scaled = with_params(&epochs, &serde_json::json!({"scale": 0.5})).unwrap();
        assert_eq!(scaled[0].epoch.params, br#"{"scale":0.5}"#);
        let steps = run::<Counter>(&scaled).unwrap();
        assert_eq!(steps[1].weights()[&1], 1.0);
        let e = with_params(&epochs, &serde_json::json!([1])).unwrap_err();
        assert!(matches!(e, TestingError::Invalid(_)), "{e}");
    }

    // The bless paths read the process environment, which tests share: they run in one test, in sequence.
    #[test]
    fn golden_and_generated_files_compare_and_bless() {
        std::env::remove_var(BLESS_VAR);
        let tmp = tempfile::tempdir().unwrap();
        let golden = tmp.path().join("g/expected.jsonl");
        let e = check_golden(&golden, "a\nb\n").unwrap_err();
        assert!(e.to_string().contains("IMR_BLESS=1"), "{e}");
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, "a\nc\n").unwrap();
        let e = check_golden(&golden, "a\nb\n").unwrap_err();
        assert!(
            matches!(&e, TestingError::GoldenLine { line: 2, got, want, .. } if got == "b" && want == "c"),
            "{e}"
        );
        std::fs::write(&golden, "a\nb\nc\n").unwrap();
        let e = check_golden(&golden, "a\nb\n").unwrap_err();
        assert!(
            matches!(
                e,
                TestingError::GoldenLength {
                    got: 2,
                    want: 3,
                    ..
                }
            ),
            "{e}"
        );
        std::fs::write(&golden, "a\r\nb\r\n").unwrap();
        assert!(check_golden(&golden, "a\nb\n").is_err());
        std::fs::write(&golden, "a\nb\n").unwrap();
        assert_eq!(check_golden(&golden, "a\nb\n").unwrap(), Checked::Matched);

        let data = tmp.path().join("data");
        let files = vec![
            ("series.csv".to_string(), b"1,2\n".to_vec()),
            ("epochs/0000.json".to_string(), b"{}".to_vec()),
            ("epochs/0001.json".to_string(), b"[]".to_vec()),
        ];
        let e = check_generated(&data, &files).unwrap_err();
        assert!(matches!(e, TestingError::MissingExpected { .. }), "{e}");

        std::env::set_var(BLESS_VAR, "1");
        let blessed = (check_golden(&golden, "x\n"), check_generated(&data, &files));
        std::env::remove_var(BLESS_VAR);
        assert_eq!(blessed.0.unwrap(), Checked::Blessed);
        assert_eq!(blessed.1.unwrap(), Checked::Blessed);
        assert_eq!(std::fs::read_to_string(&golden).unwrap(), "x\n");
        assert_eq!(check_generated(&data, &files).unwrap(), Checked::Matched);

        // Other extensions and other folders are not the generator's business; a stray epoch is.
        std::fs::write(data.join("README.md"), "notes").unwrap();
        std::fs::write(data.join("epochs/notes.txt"), "notes").unwrap();
        assert_eq!(check_generated(&data, &files).unwrap(), Checked::Matched);
        std::fs::write(data.join("epochs/0002.json"), "{}").unwrap();
        let e = check_generated(&data, &files).unwrap_err();
        assert!(e.to_string().contains("0002.json"), "{e}");
        std::fs::remove_file(data.join("epochs/0002.json")).unwrap();
        std::fs::write(data.join("epochs/0001.json"), "[1]").unwrap();
        let e = check_generated(&data, &files).unwrap_err();
        assert!(
            matches!(&e, TestingError::Differs { path } if path.ends_with("epochs/0001.json")),
            "{e}"
        );
    }
}
