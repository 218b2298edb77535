//! The epoch file format (DESIGN.md §4), parsed exactly as the host parses it, and written through the same
//! document type.
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
//!
//! [`EpochDocument`] is the file's one shape: [`parse_file`] reads it (with strict JSON values), and generators
//! write it with their own task, payload and params types ([`EpochDocument::to_text`]).

use std::fmt;

use serde::{Deserialize, Serialize};
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

/// An epoch file's document: the fields in the order files write them, with the task as `T`, a response's payload
/// as `P`, the params as `Q` and the chain object as `C`.
///
/// The parser reads `EpochDocument` with JSON values that refuse duplicate keys; a generator fills it with its
/// own serde types and writes it with [`EpochDocument::to_text`], so what it writes is, field for field, what the
/// host reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochDocument<T, P, Q, C> {
    /// The subnet.
    pub netuid: u16,
    /// The block the epoch is evaluated at.
    pub block: u64,
    /// The epoch seed: 64 hex characters (32 bytes).
    pub seed: String,
    /// The metagraph, in any order (the parser sorts it by uid).
    pub neurons: Vec<Neuron>,
    /// Subnet-defined task data (`null` when absent).
    #[serde(default)]
    pub task: T,
    /// Miner answers (the parser sorts them by uid, stably).
    #[serde(default)]
    pub responses: Vec<ResponseDocument<P>>,
    /// Subnet-defined parameters (`null` when absent).
    #[serde(default)]
    pub params: Q,
    /// The subnet's chain parameters for the weights pipeline (not seen by the mechanism); not written when
    /// `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<C>,
}

/// A miner's answer as an epoch file holds it, with the payload as `P`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseDocument<P> {
    /// The answering uid (one of the epoch's neurons).
    pub uid: u16,
    /// The answer, in the subnet's own format (`null` when absent).
    #[serde(default)]
    pub payload: P,
    /// How long the miner took, when known; not written when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u32>,
}

/// How a value is written into an epoch file's text by [`EpochDocument::to_text`]: compact JSON, unless the type
/// lays itself out (a generator's task spread over lines, or [`JsonText`] kept as it is).
pub trait FieldLayout: Serialize {
    /// The value's JSON text.
    fn layout(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

impl FieldLayout for Value {}

/// A JSON value kept as its text: [`EpochDocument::to_text`] writes it exactly as given (layout included), and
/// other serializers get the value it denotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonText(String);

impl JsonText {
    /// Keeps `text`, which must be one JSON value.
    pub fn new(text: impl Into<String>) -> Result<Self, serde_json::Error> {
        let text = text.into();
        serde_json::from_str::<serde::de::IgnoredAny>(&text)?;
        Ok(Self(text))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for JsonText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let value: Value = serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        value.serialize(s)
    }
}

impl FieldLayout for JsonText {
    fn layout(&self) -> Result<String, serde_json::Error> {
        Ok(self.0.clone())
    }
}

/// `items` as a JSON array with each item compact on its own line, indented two spaces more than `indent` (the
/// indentation of the line the array starts on), the closing bracket at `indent`; `[]` when empty.
pub fn layout_list<T: Serialize>(items: &[T], indent: &str) -> Result<String, serde_json::Error> {
    if items.is_empty() {
        return Ok("[]".into());
    }
    let lines = items
        .iter()
        .map(|item| Ok(format!("{indent}  {}", serde_json::to_string(item)?)))
        .collect::<Result<Vec<_>, serde_json::Error>>()?;
    Ok(format!("[\n{}\n{indent}]", lines.join(",\n")))
}

impl<T: FieldLayout, P: Serialize, Q: FieldLayout, C: FieldLayout> EpochDocument<T, P, Q, C> {
    /// The file's text: one top-level field per line, each neuron and each response compact on its own line, the
    /// task, params and chain as their [`FieldLayout`] gives them, a final newline.
    pub fn to_text(&self) -> Result<String, serde_json::Error> {
        let mut fields = vec![
            ("netuid", self.netuid.to_string()),
            ("block", self.block.to_string()),
            ("seed", serde_json::to_string(&self.seed)?),
            ("neurons", layout_list(&self.neurons, "  ")?),
            ("task", self.task.layout()?),
            ("responses", layout_list(&self.responses, "  ")?),
            ("params", self.params.layout()?),
        ];
        if let Some(chain) = &self.chain {
            fields.push(("chain", chain.layout()?));
        }
        let body: Vec<String> = fields
            .into_iter()
            .map(|(name, value)| format!("  \"{name}\": {value}"))
            .collect();
        Ok(format!("{{\n{}\n}}\n", body.join(",\n")))
    }
}

impl EpochDocument<JsonText, JsonText, JsonText, JsonText> {
    /// The document of an epoch (and its chain object, as JSON bytes): the inverse of [`parse_file`] up to
    /// layout and order (parsing the document's text gives `epoch` back). Fails if a JSON field of the epoch is
    /// not JSON.
    pub fn from_epoch(epoch: &Epoch, chain: Option<&[u8]>) -> Result<Self, serde_json::Error> {
        fn text(bytes: &[u8]) -> Result<JsonText, serde_json::Error> {
            serde_json::from_slice::<serde::de::IgnoredAny>(bytes)?;
            // Valid JSON is valid UTF-8.
            JsonText::new(String::from_utf8_lossy(bytes).into_owned())
        }
        Ok(Self {
            netuid: epoch.netuid,
            block: epoch.block,
            seed: epoch.seed.iter().map(|b| format!("{b:02x}")).collect(),
            neurons: epoch.neurons.clone(),
            task: text(&epoch.task)?,
            responses: epoch
                .responses
                .iter()
                .map(|r| {
                    Ok(ResponseDocument {
                        uid: r.uid,
                        payload: text(&r.payload)?,
                        latency_ms: r.latency_ms,
                    })
                })
                .collect::<Result<_, serde_json::Error>>()?,
            params: text(&epoch.params)?,
            chain: chain.map(text).transpose()?,
        })
    }
}

/// The document as the parser reads it: every JSON value strict (no duplicate keys).
type StrictDocument = EpochDocument<StrictValue, StrictValue, StrictValue, StrictValue>;

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
    let raw: StrictDocument = serde_path_to_error::deserialize(&mut de).map_err(|e| {
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
    let neurons: Vec<Neuron> = neurons.into_iter().map(|(_, n)| n).collect();

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

    #[derive(Serialize)]
    struct Task {
        z: u8,
        a: Vec<u8>,
    }
    impl FieldLayout for Task {}

    #[test]
    fn writes_the_layout_the_generators_use() {
        let doc = EpochDocument {
            netuid: 7,
            block: 1000,
            seed: SEED.to_string(),
            neurons: vec![Neuron {
                uid: 0,
                hotkey: "a".into(),
                stake: 1000.0,
                registered_at_block: 0,
                validator_permit: true,
            }],
            task: Task { z: 1, a: vec![2] },
            responses: vec![
                ResponseDocument {
                    uid: 0,
                    payload: serde_json::json!({"b": 1}),
                    latency_ms: Some(80),
                },
                ResponseDocument {
                    uid: 0,
                    payload: Value::Null,
                    latency_ms: None,
                },
            ],
            params: Value::Null,
            chain: Some(JsonText::new(r#"{"commit_reveal_enabled": false}"#).unwrap()),
        };
        let text = doc.to_text().unwrap();
        assert_eq!(
            text,
            format!(
                "{{\n  \"netuid\": 7,\n  \"block\": 1000,\n  \"seed\": \"{SEED}\",\n  \"neurons\": [\n    \
                 {{\"uid\":0,\"hotkey\":\"a\",\"stake\":1000.0,\"registered_at_block\":0,\"validator_permit\":true}}\n  ],\n  \
                 \"task\": {{\"z\":1,\"a\":[2]}},\n  \"responses\": [\n    {{\"uid\":0,\"payload\":{{\"b\":1}},\"latency_ms\":80}},\n    \
                 {{\"uid\":0,\"payload\":null}}\n  ],\n  \"params\": null,\n  \"chain\": {{\"commit_reveal_enabled\": false}}\n}}\n"
            )
        );
        let file = parse_file(text.as_bytes()).unwrap();
        assert_eq!(file.epoch.task, br#"{"a":[2],"z":1}"#);
        assert_eq!(file.epoch.responses[1].latency_ms, None);
        assert_eq!(
            file.chain,
            Some(serde_json::json!({"commit_reveal_enabled": false}))
        );
        // Without a chain, no `chain` line; empty lists are `[]`.
        let bare = EpochDocument::<Value, Value, Value, Value> {
            chain: None,
            neurons: Vec::new(),
            responses: Vec::new(),
            netuid: 1,
            block: 2,
            seed: SEED.into(),
            task: Value::Null,
            params: Value::Null,
        };
        let text = bare.to_text().unwrap();
        assert!(
            text.contains("\"neurons\": [],\n") && !text.contains("chain"),
            "{text}"
        );
    }

    #[test]
    fn an_epochs_document_parses_back_to_the_epoch() {
        let text = file(
            r#""neurons":[{"uid":2,"hotkey":"b","registered_at_block":1,"validator_permit":true},{"uid":0,"hotkey":"a","registered_at_block":0,"stake":3.5}],
               "task":{"z":1.5e300, "a":["\u00e9"]},"responses":[{"uid":2,"payload":{"y":1,"x":-0.0}},{"uid":0,"payload":null,"latency_ms":7}],
               "params":{"k":[1,2]},"chain":{"b":1,"a":2}"#,
        );
        let first = parse_file(text.as_bytes()).unwrap();
        let chain = first.chain.as_ref().map(|c| canonical_json(c).unwrap());
        let doc = EpochDocument::from_epoch(&first.epoch, chain.as_deref()).unwrap();
        let again = parse_file(doc.to_text().unwrap().as_bytes()).unwrap();
        assert_eq!(again, first);
        // Other serializers see the values the texts denote.
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(json["task"]["a"][0], "\u{e9}");
        assert_eq!(json["chain"], serde_json::json!({"a": 2, "b": 1}));
        assert!(EpochDocument::from_epoch(
            &Epoch {
                task: b"{not json".to_vec(),
                ..first.epoch
            },
            None
        )
        .is_err());
        assert!(JsonText::new("[1] 2").is_err());
    }
}
