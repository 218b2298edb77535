//! The scores file `imr weights` reads: `{"uids": [..], "weights": [..]}`, one weight per uid.
//!
//! Validation refuses, naming the problem and its position: uids that are not integers in
//! 0..=65535, duplicate uids, weights that are NaN, infinite, negative or not numbers, lengths
//! that differ, and any other top-level field. Bare `NaN`/`Infinity`/`-Infinity` tokens (what
//! Python's `json.dump` writes) and the strings `"NaN"`, `"Infinity"`, `"-Infinity"` are read
//! so that they can be reported as such rather than as a syntax error.

use crate::error::WeightsError;
use serde_json::Value;

/// Validated scores: unique uids in 0..=65535, finite non-negative weights, equal lengths.
#[derive(Clone, Debug, PartialEq)]
pub struct Scores {
    /// The uids, in file order.
    pub uids: Vec<u16>,
    /// The weight of each uid.
    pub weights: Vec<f64>,
}

fn problem(p: String) -> WeightsError {
    WeightsError::Scores { problem: p }
}

/// Quote the bare non-standard tokens `NaN`, `Infinity` and `-Infinity` outside strings.
fn quote_non_finite(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_str = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '"' {
            in_str = true;
            out.push(c);
            rest = &rest[1..];
            continue;
        }
        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t));
        if let Some(t) = token {
            out.push('"');
            out.push_str(t);
            out.push('"');
            rest = &rest[t.len()..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn uid_at(v: &Value, i: usize) -> Result<u16, WeightsError> {
    if let Some(u) = v.as_u64() {
        return u16::try_from(u).map_err(|_| {
            problem(format!(
                "uid at position {i} is {u}, above the largest uid 65535"
            ))
        });
    }
    if let Some(u) = v.as_i64() {
        return Err(problem(format!("uid at position {i} is negative ({u})")));
    }
    if let Some(f) = v.as_f64() {
        if f.fract() == 0.0 && f > 65535.0 {
            return Err(problem(format!(
                "uid at position {i} is {f}, above the largest uid 65535"
            )));
        }
        if f < 0.0 {
            return Err(problem(format!("uid at position {i} is negative ({f})")));
        }
    }
    Err(problem(format!(
        "uid at position {i} is not an integer: {v}"
    )))
}

fn weight_at(v: &Value, i: usize) -> Result<f64, WeightsError> {
    let w = match v {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        Value::String(s) if s == "-Infinity" => f64::NEG_INFINITY,
        other => {
            return Err(problem(format!(
                "weight at position {i} is not a number: {other}"
            )))
        }
    };
    check_weight(w, i)?;
    Ok(w)
}

fn check_weight(w: f64, i: usize) -> Result<(), WeightsError> {
    if w.is_nan() {
        Err(problem(format!("weight at position {i} is NaN")))
    } else if w.is_infinite() {
        Err(problem(format!("weight at position {i} is infinite ({w})")))
    } else if w < 0.0 {
        Err(problem(format!("weight at position {i} is negative ({w})")))
    } else {
        Ok(())
    }
}

/// Check in-memory scores: equal lengths, finite non-negative weights, no duplicate uid.
pub fn validate(uids: &[u16], weights: &[f64]) -> Result<(), WeightsError> {
    for (i, &w) in weights.iter().enumerate() {
        check_weight(w, i)?;
    }
    check_shape(uids, weights.len())
}

fn check_shape(uids: &[u16], n_weights: usize) -> Result<(), WeightsError> {
    if uids.len() != n_weights {
        let first_unpaired = uids.len().min(n_weights);
        return Err(problem(format!(
            "uids has {} entries but weights has {n_weights}; position {first_unpaired} has no partner",
            uids.len()
        )));
    }
    // One bit per possible uid (8 KiB): a duplicate is found in one pass without a map; its first
    // position is looked up only then.
    let mut seen = vec![0u64; (usize::from(u16::MAX) + 1) / 64];
    for (i, &u) in uids.iter().enumerate() {
        let (word, bit) = (usize::from(u) / 64, 1u64 << (u % 64));
        if seen[word] & bit != 0 {
            let j = uids[..i]
                .iter()
                .position(|&x| x == u)
                .expect("a set bit was set by an earlier position");
            return Err(problem(format!(
                "duplicate uid {u} at positions {j} and {i}"
            )));
        }
        seen[word] |= bit;
    }
    Ok(())
}

/// Parse and validate a scores file.
pub fn parse(text: &str) -> Result<Scores, WeightsError> {
    let value: Value = serde_json::from_str(&quote_non_finite(text))
        .map_err(|e| problem(format!("invalid json: {e}")))?;
    let Value::Object(map) = value else {
        return Err(problem(
            "expected an object {\"uids\": [...], \"weights\": [...]}".into(),
        ));
    };
    if let Some(k) = map.keys().find(|k| *k != "uids" && *k != "weights") {
        return Err(problem(format!(
            "unknown field `{k}`, expected `uids` and `weights`"
        )));
    }
    let list = |name: &str| -> Result<&Vec<Value>, WeightsError> {
        match map.get(name) {
            Some(Value::Array(a)) => Ok(a),
            Some(other) => Err(problem(format!("`{name}` must be an array, got {other}"))),
            None => Err(problem(format!("missing field `{name}`"))),
        }
    };
    let uids = list("uids")?
        .iter()
        .enumerate()
        .map(|(i, v)| uid_at(v, i))
        .collect::<Result<Vec<u16>, _>>()?;
    let weights = list("weights")?
        .iter()
        .enumerate()
        .map(|(i, v)| weight_at(v, i))
        .collect::<Result<Vec<f64>, _>>()?;
    check_shape(&uids, weights.len())?;
    Ok(Scores { uids, weights })
}
