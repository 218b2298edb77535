//! The epoch file format (DESIGN.md §4), parsed exactly as the host parses it.
//!
//! ```json
//! {"netuid": 7, "block": 1200, "seed": "<64 hex chars>",
//!  "neurons": [{"uid": 0, "hotkey": "5F...", "stake": 0.0, "registered_at_block": 0, "validator_permit": false}],
//!  "task": {}, "responses": [{"uid": 1, "payload": {}, "latency_ms": 120}], "params": {}, "chain": {}}
//! ```
//!
//! `stake` (0), `validator_permit` (false), `latency_ms`, `task`, `responses`
//! and `params` (`null`) are optional; `chain` holds the subnet's chain
//! parameters for the weights pipeline and is not seen by the mechanism.
//! Unknown fields are refused. JSON values (`task`, `payload`, `params`) are
//! handed to the mechanism as canonical JSON bytes (compact, keys sorted), so
//! reformatting the file changes nothing. Neurons are sorted by uid; responses
//! are sorted by uid, stably.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use crate::{canonical_json, Epoch, Neuron, Response};

/// An epoch file that cannot be used. The message names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochFileError {
    /// The offending field, as a path (`neurons[2].uid`), or `.` for the whole document.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for EpochFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for EpochFileError {}

fn err(field: impl Into<String>, message: impl Into<String>) -> EpochFileError {
    EpochFileError {
        field: field.into(),
        message: message.into(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEpoch {
    netuid: u16,
    block: u64,
    seed: String,
    neurons: Vec<RawNeuron>,
    #[serde(default)]
    task: StrictValue,
    #[serde(default)]
    responses: Vec<RawResponse>,
    #[serde(default)]
    params: StrictValue,
    #[serde(default)]
    chain: Option<StrictValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNeuron {
    uid: u16,
    hotkey: String,
    #[serde(default)]
    stake: f64,
    registered_at_block: u64,
    #[serde(default)]
    validator_permit: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResponse {
    uid: u16,
    #[serde(default)]
    payload: StrictValue,
    #[serde(default)]
    latency_ms: Option<u32>,
}

/// A JSON value whose objects have no duplicate keys. serde_json's `Value`
/// keeps the last of two equal keys; in an epoch file that would let two
/// readers of the same file disagree, so a duplicate is refused wherever it is
/// (`task`, `params`, a payload, `chain`), with its path.
#[derive(Default)]
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("{v} is not a JSON number")))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        StrictValue::deserialize(d).map(|v| v.0)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "duplicate key {key:?} (a key may appear once in an object)"
                )));
            }
            let StrictValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A parsed epoch file: the epoch the mechanism sees, plus the chain parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochFile {
    /// The epoch handed to the mechanism.
    pub epoch: Epoch,
    /// The optional `chain` object (chain parameters for the weights pipeline), as JSON.
    pub chain: Option<Value>,
}

/// Parses an epoch file and returns the epoch the mechanism sees.
pub fn parse(bytes: &[u8]) -> Result<Epoch, EpochFileError> {
    parse_file(bytes).map(|f| f.epoch)
}

/// Parses an epoch file, keeping the `chain` object too.
pub fn parse_file(bytes: &[u8]) -> Result<EpochFile, EpochFileError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(err(
            ".",
            "the file starts with a UTF-8 byte-order mark (BOM, bytes EF BB BF): save it as UTF-8 without a BOM",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let raw: RawEpoch = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let message = explain_json_error(e.inner());
        err(e.path().to_string(), message)
    })?;
    de.end().map_err(|e| err(".", explain_json_error(&e)))?;

    let seed = decode_seed(&raw.seed)?;

    let mut neurons = Vec::with_capacity(raw.neurons.len());
    for (i, n) in raw.neurons.into_iter().enumerate() {
        if !n.stake.is_finite() || n.stake < 0.0 {
            return Err(err(
                format!("neurons[{i}].stake"),
                "must be finite and >= 0",
            ));
        }
        neurons.push((i, n));
    }
    neurons.sort_by_key(|(_, n)| n.uid);
    for pair in neurons.windows(2) {
        if pair[0].1.uid == pair[1].1.uid {
            let (i, n) = &pair[1];
            return Err(err(
                format!("neurons[{i}].uid"),
                format!("duplicate uid {} (also at neurons[{}])", n.uid, pair[0].0),
            ));
        }
    }
    let neurons: Vec<Neuron> = neurons
        .into_iter()
        .map(|(_, n)| Neuron {
            uid: n.uid,
            hotkey: n.hotkey,
            stake: n.stake,
            registered_at_block: n.registered_at_block,
            validator_permit: n.validator_permit,
        })
        .collect();

    let mut responses = Vec::with_capacity(raw.responses.len());
    for (i, r) in raw.responses.into_iter().enumerate() {
        if neurons.binary_search_by_key(&r.uid, |n| n.uid).is_err() {
            return Err(err(
                format!("responses[{i}].uid"),
                format!("uid {} is not among the epoch's neurons", r.uid),
            ));
        }
        responses.push(Response {
            uid: r.uid,
            payload: to_canonical(&r.payload.0, &format!("responses[{i}].payload"))?,
            latency_ms: r.latency_ms,
        });
    }
    responses.sort_by_key(|r| r.uid);

    Ok(EpochFile {
        epoch: Epoch {
            netuid: raw.netuid,
            block: raw.block,
            seed,
            neurons,
            task: to_canonical(&raw.task.0, "task")?,
            responses,
            params: to_canonical(&raw.params.0, "params")?,
        },
        chain: raw.chain.map(|c| c.0),
    })
}

/// serde_json's message, made clear where it is cryptic: a `\\u` escape of
/// half a surrogate pair (U+D800 to U+DFFF) is reported by serde_json as an
/// "unexpected end of hex escape" or a "lone leading surrogate".
fn explain_json_error(e: &serde_json::Error) -> String {
    let message = e.to_string();
    if message.contains("surrogate") || message.contains("end of hex escape") {
        return format!(
            "a \\u escape encodes a lone UTF-16 surrogate (U+D800 to U+DFFF without its pair): strings must be valid Unicode (line {} column {})",
            e.line(),
            e.column()
        );
    }
    message
}

fn decode_seed(seed: &str) -> Result<Vec<u8>, EpochFileError> {
    if seed.len() != 64 {
        return Err(err(
            "seed",
            format!(
                "expected 64 hex characters (32 bytes), found {}",
                seed.len()
            ),
        ));
    }
    let bytes = seed.as_bytes();
    let mut out = Vec::with_capacity(32);
    for (i, pair) in bytes.chunks(2).enumerate() {
        let hi = hex_digit(pair[0]);
        let lo = hex_digit(pair[1]);
        match (hi, lo) {
            (Some(h), Some(l)) => out.push(h << 4 | l),
            _ => {
                return Err(err(
                    "seed",
                    format!(
                        "not a hex digit at character {}",
                        if hi.is_none() { 2 * i } else { 2 * i + 1 }
                    ),
                ))
            }
        }
    }
    Ok(out)
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn to_canonical(value: &Value, field: &str) -> Result<Vec<u8>, EpochFileError> {
    canonical_json(value).map_err(|e| err(field, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    fn file(body: &str) -> String {
        format!(r#"{{"netuid":1,"block":5,"seed":"{SEED}",{body}}}"#)
    }

    #[test]
    fn parses_sorts_and_canonicalizes() {
        let text = file(
            r#""neurons":[{"uid":2,"hotkey":"b","registered_at_block":1},{"uid":0,"hotkey":"a","registered_at_block":0,"stake":3.5}],
               "task":{"z":1, "a":[1, 2]},"responses":[{"uid":2,"payload":{"y":1,"x":2}},{"uid":0,"payload":null,"latency_ms":7}]"#,
        );
        let e = parse(text.as_bytes()).unwrap();
        assert_eq!(e.seed[0], 0x00);
        assert_eq!(e.seed[15], 0xff);
        assert_eq!(e.neurons.iter().map(|n| n.uid).collect::<Vec<_>>(), [0, 2]);
        assert_eq!(e.neurons[0].stake, 3.5);
        assert_eq!(e.task, br#"{"a":[1,2],"z":1}"#);
        assert_eq!(e.responses[0].uid, 0);
        assert_eq!(e.responses[0].payload, b"null");
        assert_eq!(e.responses[1].payload, br#"{"x":2,"y":1}"#);
        assert_eq!(e.params, b"null");
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (
                file(
                    r#""neurons":[{"uid":0,"hotkey":"a","registered_at_block":0},{"uid":0,"hotkey":"b","registered_at_block":0}]"#,
                ),
                "neurons[1].uid",
            ),
            (
                file(r#""neurons":[{"uid":0,"hotkey":1,"registered_at_block":0}]"#),
                "neurons[0].hotkey",
            ),
            (
                file(r#""neurons":[{"uid":0,"registered_at_block":0}]"#),
                "neurons[0]",
            ),
            (
                file(r#""neurons":[],"responses":[{"uid":3}]"#),
                "responses[0].uid",
            ),
            (file(r#""neurons":[],"extra":1"#), "extra"),
            (
                r#"{"netuid":1,"block":5,"seed":"abc","neurons":[]}"#.to_string(),
                "seed",
            ),
            (
                file(r#""neurons":[{"uid":70000,"hotkey":"a","registered_at_block":0}]"#),
                "neurons[0].uid",
            ),
        ];
        for (text, field) in cases {
            let e = parse(text.as_bytes()).unwrap_err();
            assert_eq!(e.field, field, "{text}: {e}");
        }
        let e = parse(b"{not json").unwrap_err();
        assert!(e.message.contains("key must be a string"), "{e}");
        let bad_hex = format!(
            r#"{{"netuid":1,"block":5,"seed":"{}zz","neurons":[]}}"#,
            &SEED[..62]
        );
        assert_eq!(
            parse(bad_hex.as_bytes()).unwrap_err().message,
            "not a hex digit at character 62"
        );
    }
}
