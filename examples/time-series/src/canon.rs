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

/// A key that orders uids as their decimal strings do: the digits, left-aligned in a `u64` (a shorter string is a
/// prefix padded with zero bytes, which sort before any digit).
fn decimal_order(uid: u16) -> u64 {
    let mut digits = [0u8; 8];
    let mut n = uid;
    let len = if n == 0 { 1 } else { (n.ilog10() + 1) as usize };
    for i in (0..len).rev() {
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    u64::from_be_bytes(digits)
}

/// Serializes a uid-keyed map with its keys ordered as decimal strings.
pub fn uid_map<S: Serializer, T: Serialize>(
    map: &BTreeMap<u16, T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    uid_entries(map.iter().map(|(&k, v)| (k, v)), s)
}

/// Serializes `(uid, value)` pairs with unique uids as a uid-keyed map, keys ordered as decimal strings (as
/// [`uid_map`] writes the same entries in a map).
pub fn uid_pairs<S: Serializer, T: Serialize>(pairs: &[(u16, T)], s: S) -> Result<S::Ok, S::Error> {
    uid_entries(pairs.iter().map(|(k, v)| (*k, v)), s)
}

/// [`uid_pairs`] of an optional field (written only when present: use with `skip_serializing_if`).
pub fn uid_pairs_opt<S: Serializer, T: Serialize>(
    pairs: &Option<Vec<(u16, T)>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match pairs {
        Some(p) => uid_pairs(p, s),
        None => s.serialize_none(),
    }
}

fn uid_entries<'a, S: Serializer, T: Serialize + 'a>(
    entries: impl Iterator<Item = (u16, &'a T)>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut entries: Vec<(u64, u16, &T)> = entries.map(|(k, v)| (decimal_order(k), k, v)).collect();
    entries.sort_unstable_by_key(|e| e.0);
    let mut m = s.serialize_map(Some(entries.len()))?;
    for (_, k, v) in entries {
        // An integer map key is written as a JSON string ("12").
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
        #[serde(serialize_with = "uid_pairs")]
        p: Vec<(u16, f64)>,
        #[serde(
            serialize_with = "uid_pairs_opt",
            skip_serializing_if = "Option::is_none"
        )]
        q: Option<Vec<(u16, bool)>>,
        z: Option<f64>,
    }

    #[test]
    fn uids_sort_as_their_decimal_strings() {
        let mut uids: Vec<u16> = (0..=u16::MAX)
            .step_by(7)
            .chain([0, 1, 10, 100, 65535])
            .collect();
        uids.sort_unstable();
        uids.dedup();
        let mut by_key = uids.clone();
        by_key.sort_by_key(|&u| decimal_order(u));
        let mut by_string = uids;
        by_string.sort_by_key(|u| u.to_string());
        assert_eq!(by_key, by_string);
    }

    #[test]
    fn direct_encoding_equals_canonical_json() {
        let s = S {
            a: 30000.0,
            m: BTreeMap::from([(2, 0.1), (10, f64::INFINITY), (1, 1e-300)]),
            p: vec![(1, 0.5), (2, 0.25), (10, 1.0)],
            q: Some(vec![(9, true), (10, false)]),
            z: None,
        };
        let direct = encode(&s, "s").expect("encode");
        assert_eq!(direct, imr_guest::canonical_json(&s).expect("canonical"));
        assert_eq!(
            direct,
            br#"{"a":30000.0,"m":{"1":1e-300,"10":null,"2":0.1},"p":{"1":0.5,"10":1.0,"2":0.25},"q":{"10":false,"9":true},"z":null}"#
        );
        let without_q = S { q: None, ..s };
        assert_eq!(
            encode(&without_q, "s").expect("encode"),
            imr_guest::canonical_json(&without_q).expect("canonical")
        );
    }
}
