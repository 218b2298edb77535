//! Writing canonical JSON (compact, keys sorted) directly, without the `serde_json::Value` round trip of
//! [`imr_guest::canonical_json`]: the diagnostics are written this way (the state uses the SDK's binary format).
//!
//! The types written this way declare their fields in alphabetical order, and every uid-keyed map is written with
//! [`uid_map`], which orders the keys as strings ("10" before "2"), as canonical JSON does. Tests check the result
//! against `imr_guest::canonical_json` byte for byte.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use imr_guest::MechanismError;

/// Serializes a uid-keyed map with its keys ordered as decimal strings.
pub fn uid_map<S: Serializer, T: Serialize>(
    map: &BTreeMap<u16, T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut entries: Vec<(String, &T)> = map.iter().map(|(k, v)| (k.to_string(), v)).collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut m = s.serialize_map(Some(entries.len()))?;
    for (k, v) in entries {
        m.serialize_entry(&k, v)?;
    }
    m.end()
}

/// Encodes a value whose serialization is already in canonical order (see the module docs).
pub fn encode<T: Serialize>(value: &T, what: &str) -> Result<Vec<u8>, MechanismError> {
    serde_json::to_vec(value)
        .map_err(|e| MechanismError::Failed(format!("cannot encode {what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct S {
        a: f64,
        #[serde(serialize_with = "uid_map")]
        m: BTreeMap<u16, f64>,
        z: Option<f64>,
    }

    #[test]
    fn direct_encoding_equals_canonical_json() {
        let s = S {
            a: 30000.0,
            m: BTreeMap::from([(2, 0.1), (10, f64::INFINITY), (1, 1e-300)]),
            z: None,
        };
        let direct = encode(&s, "s").expect("encode");
        assert_eq!(direct, imr_guest::canonical_json(&s).expect("canonical"));
        assert_eq!(
            direct,
            br#"{"a":30000.0,"m":{"1":1e-300,"10":null,"2":0.1},"z":null}"#
        );
    }
}
