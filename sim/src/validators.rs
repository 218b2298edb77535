//! The validators file (`V.json`) of `imr simulate`: each validator's name, stake and behaviour.
//!
//! ```json
//! {"validators": [
//!   {"name": "a", "stake": 4000, "behaviour": {"kind": "honest"}},
//!   {"name": "s", "stake": 1000, "behaviour": {"kind": "sampled", "fraction": 0.5}},
//!   {"name": "c", "stake": 1000, "behaviour": {"kind": "copier", "source": "a", "k": 1}},
//!   {"name": "t", "stake": 1000, "behaviour": {"kind": "stale", "k": 3}},
//!   {"name": "r", "stake": 500,  "behaviour": {"kind": "random"}},
//!   {"name": "o", "stake": 500,  "behaviour": {"kind": "offline"}},
//!   {"name": "p", "stake": 500,  "behaviour": {"kind": "offline", "from": 20}}
//! ]}
//! ```
//! Errors name the file and the field (`validators[2].behaviour.source`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// How a simulated validator sets weights.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Behaviour {
    /// Runs the mechanism on its own full view of each epoch.
    Honest,
    /// Honest, but sees only a seeded random `fraction` of the miners' responses each epoch.
    Sampled {
        /// Share of miners seen, in (0, 1].
        fraction: f64,
    },
    /// Sets the weights the validator named `source` set `k` epochs earlier.
    Copier {
        /// Name of the validator copied.
        source: String,
        /// Lag in epochs (0 = the same epoch).
        k: u32,
    },
    /// Runs honestly but sets weights only every `k` epochs.
    Stale {
        /// Period in epochs (at least 1).
        k: u32,
    },
    /// Seeded noise.
    Random,
    /// Sets no weights: never, or from epoch `from` on (honest before it, so it has bonds to lose).
    Offline {
        /// The first epoch (0-based, in the order of the epoch files) without weights; absent: every epoch.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<u32>,
    },
}

/// One validator of the simulation.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Validator {
    /// Unique name, used by copiers and in outputs.
    pub name: String,
    /// Stake (TAO), finite, non-negative and at most 10^10 (it becomes rao, a u64).
    pub stake: f64,
    /// Its behaviour.
    pub behaviour: Behaviour,
}

/// The largest stake accepted, in TAO (10^10 TAO = 10^19 rao still fits a u64).
pub const MAX_STAKE_TAO: f64 = 1e10;

impl Validator {
    /// The stake in rao (10^-9 TAO), rounded to the nearest rao.
    pub fn stake_rao(&self) -> u64 {
        (self.stake * 1e9).round() as u64
    }
}

impl Behaviour {
    /// The behaviour's name as in the file (`honest`, `sampled`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Behaviour::Honest => "honest",
            Behaviour::Sampled { .. } => "sampled",
            Behaviour::Copier { .. } => "copier",
            Behaviour::Stale { .. } => "stale",
            Behaviour::Random => "random",
            Behaviour::Offline { .. } => "offline",
        }
    }

    /// Whether the validator runs the mechanism itself (and so has its own state and run log).
    pub fn runs_mechanism(&self) -> bool {
        matches!(
            self,
            Behaviour::Honest
                | Behaviour::Sampled { .. }
                | Behaviour::Stale { .. }
                | Behaviour::Offline { from: Some(_) }
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    validators: Vec<Validator>,
}

/// A validated validators file.
#[derive(Debug, Clone, PartialEq)]
pub struct Validators {
    /// In file order; the index is the validator's index for seeding.
    pub validators: Vec<Validator>,
}

/// A validators file that cannot be used; always names the file and the field.
#[derive(Debug, thiserror::Error)]
pub enum ValidatorsError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The JSON is malformed or a field has the wrong type.
    #[error("{file}: field `{field}`: {message}")]
    Parse {
        /// The file.
        file: PathBuf,
        /// Path of the offending field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A field has a value the simulation cannot use.
    #[error("{file}: field `{field}`: {message}")]
    Invalid {
        /// The file.
        file: PathBuf,
        /// Path of the offending field.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl Validators {
    /// Reads and validates a validators file.
    pub fn read(path: &Path) -> Result<Self, ValidatorsError> {
        let text = std::fs::read_to_string(path).map_err(|source| ValidatorsError::Read {
            file: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates the text of a validators file; `file` is only used in errors.
    pub fn parse(text: &str, file: &Path) -> Result<Self, ValidatorsError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let raw: RawFile =
            serde_path_to_error::deserialize(de).map_err(|e| ValidatorsError::Parse {
                file: file.to_path_buf(),
                field: e.path().to_string(),
                message: e.inner().to_string(),
            })?;
        let invalid = |field: String, message: String| ValidatorsError::Invalid {
            file: file.to_path_buf(),
            field,
            message,
        };
        if raw.validators.is_empty() {
            return Err(invalid(
                "validators".into(),
                "at least one validator is needed".into(),
            ));
        }
        for (i, v) in raw.validators.iter().enumerate() {
            if v.name.is_empty() {
                return Err(invalid(
                    format!("validators[{i}].name"),
                    "empty name".into(),
                ));
            }
            if !v
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            {
                return Err(invalid(
                    format!("validators[{i}].name"),
                    format!(
                        "{:?}: a name may contain only ASCII letters, digits, '.', '_' and '-' \
                         (it names a run-log folder and a CSV field)",
                        v.name
                    ),
                ));
            }
            if let Some(j) = raw.validators[..i].iter().position(|w| w.name == v.name) {
                return Err(invalid(
                    format!("validators[{i}].name"),
                    format!("duplicate name {:?} (also validators[{j}])", v.name),
                ));
            }
            if !v.stake.is_finite() || !(0.0..=MAX_STAKE_TAO).contains(&v.stake) {
                return Err(invalid(
                    format!("validators[{i}].stake"),
                    format!(
                        "must be finite, non-negative and at most {MAX_STAKE_TAO:e} TAO, got {}",
                        v.stake
                    ),
                ));
            }
            match &v.behaviour {
                Behaviour::Sampled { fraction } if !(*fraction > 0.0 && *fraction <= 1.0) => {
                    return Err(invalid(
                        format!("validators[{i}].behaviour.fraction"),
                        format!("must be in (0, 1], got {fraction}"),
                    ));
                }
                Behaviour::Stale { k: 0 } => {
                    return Err(invalid(
                        format!("validators[{i}].behaviour.k"),
                        "must be at least 1".into(),
                    ));
                }
                Behaviour::Copier { source, .. } => {
                    let field = format!("validators[{i}].behaviour.source");
                    if source == &v.name {
                        return Err(invalid(field, "a validator cannot copy itself".into()));
                    }
                    match raw.validators.iter().find(|w| &w.name == source) {
                        None => {
                            return Err(invalid(field, format!("no validator named {source:?}")))
                        }
                        Some(w) if matches!(w.behaviour, Behaviour::Copier { .. }) => {
                            return Err(invalid(
                                field,
                                format!("{source:?} is itself a copier (chains are not supported)"),
                            ))
                        }
                        Some(_) => {}
                    }
                }
                _ => {}
            }
        }
        Ok(Self {
            validators: raw.validators,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Validators, ValidatorsError> {
        Validators::parse(text, Path::new("V.json"))
    }

    #[test]
    fn every_behaviour_parses() {
        let v = parse(
            r#"{"validators": [
              {"name": "a", "stake": 4000, "behaviour": {"kind": "honest"}},
              {"name": "s", "stake": 1000, "behaviour": {"kind": "sampled", "fraction": 0.5}},
              {"name": "c", "stake": 1000, "behaviour": {"kind": "copier", "source": "a", "k": 1}},
              {"name": "t", "stake": 1000, "behaviour": {"kind": "stale", "k": 3}},
              {"name": "r", "stake": 500, "behaviour": {"kind": "random"}},
              {"name": "o", "stake": 500, "behaviour": {"kind": "offline"}}]}"#,
        )
        .unwrap();
        assert_eq!(v.validators.len(), 6);
        assert_eq!(
            v.validators[2].behaviour,
            Behaviour::Copier {
                source: "a".into(),
                k: 1
            }
        );
        assert_eq!(
            v.validators[1].behaviour,
            Behaviour::Sampled { fraction: 0.5 }
        );
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_file_and_field() {
        let e = err(
            r#"{"validators": [{"name": "a", "stake": "x", "behaviour": {"kind": "honest"}}]}"#,
        );
        assert!(e.starts_with("V.json: field `validators[0].stake`"), "{e}");
        let e =
            err(r#"{"validators": [{"name": "a", "stake": 1, "behaviour": {"kind": "lazy"}}]}"#);
        assert!(
            e.contains("V.json") && e.contains("validators[0].behaviour"),
            "{e}"
        );
        let e = err(
            r#"{"validators": [{"name": "a", "stake": 1, "behaviour": {"kind": "honest"}},
                {"name": "c", "stake": 1, "behaviour": {"kind": "copier", "source": "b", "k": 0}}]}"#,
        );
        assert!(
            e.contains("`validators[1].behaviour.source`") && e.contains("\"b\""),
            "{e}"
        );
        let e =
            err(r#"{"validators": [{"name": "a", "stake": -1, "behaviour": {"kind": "honest"}}]}"#);
        assert!(e.contains("`validators[0].stake`"), "{e}");
        let e = err(
            r#"{"validators": [{"name": "a", "stake": 1, "behaviour": {"kind": "sampled", "fraction": 0}}]}"#,
        );
        assert!(e.contains("`validators[0].behaviour.fraction`"), "{e}");
        let e = err(
            r#"{"validators": [{"name": "a", "stake": 1, "behaviour": {"kind": "stale", "k": 0}}]}"#,
        );
        assert!(e.contains("`validators[0].behaviour.k`"), "{e}");
        let e = err(
            r#"{"validators": [{"name": "a", "stake": 1, "behaviour": {"kind": "honest"}},
                {"name": "a", "stake": 1, "behaviour": {"kind": "offline"}}]}"#,
        );
        assert!(
            e.contains("`validators[1].name`") && e.contains("duplicate"),
            "{e}"
        );
        let e = err(
            r#"{"validators": [{"name": "../x", "stake": 1, "behaviour": {"kind": "honest"}}]}"#,
        );
        assert!(e.contains("`validators[0].name`"), "{e}");
        let e = err(r#"{"validators": []}"#);
        assert!(e.contains("`validators`"), "{e}");
    }

    #[test]
    fn unreadable_file_is_named() {
        let e = Validators::read(Path::new("/nonexistent/V.json"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/nonexistent/V.json: cannot read"), "{e}");
    }
}
