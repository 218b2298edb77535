//! Canonical JSON: compact, object keys sorted, floats in shortest round-trip form.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::MechanismError;

/// Encodes `value` as canonical JSON: compact, object keys sorted (at every
/// depth), floats in their shortest round-trip form. Non-finite floats, which
/// JSON cannot represent, are an error.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct S { z: u8, a: f64 }
/// assert_eq!(imr_types::canonical_json(&S { z: 1, a: 0.1 }).unwrap(), br#"{"a":0.1,"z":1}"#);
/// ```
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    // `serde_json::Value` keeps objects in a BTreeMap, so the round trip sorts keys.
    let value = serde_json::to_value(value)?;
    serde_json::to_vec(&value)
}

pub(crate) fn encode_canonical<T: Serialize + ?Sized>(
    value: &T,
    what: &str,
) -> Result<Vec<u8>, MechanismError> {
    canonical_json(value).map_err(|e| MechanismError::Failed(format!("cannot encode {what}: {e}")))
}

pub(crate) fn decode_json<T: DeserializeOwned>(
    bytes: &[u8],
    what: &str,
) -> Result<T, MechanismError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            what.to_string()
        } else {
            format!("{what}.{path}")
        };
        MechanismError::InvalidInput(format!("{field}: {}", e.inner()))
    })?;
    de.end()
        .map_err(|e| MechanismError::InvalidInput(format!("{what}: {e}")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Task {
        requests: Vec<Req>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Req {
        price: f64,
    }

    #[test]
    fn decode_errors_name_the_field() {
        let err = decode_json::<Task>(br#"{"requests":[{"price":1},{"price":"x"}]}"#, "task")
            .unwrap_err();
        let MechanismError::InvalidInput(msg) = err else {
            panic!("wrong kind")
        };
        assert!(
            msg.starts_with("task.requests[1].price: invalid type"),
            "{msg}"
        );
    }

    #[test]
    fn canonical_json_sorts_nested_keys() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"b":{"y":1,"x":2},"a":[3,{"d":1,"c":2}]}"#).unwrap();
        assert_eq!(
            canonical_json(&v).unwrap(),
            br#"{"a":[3,{"c":2,"d":1}],"b":{"x":2,"y":1}}"#
        );
    }

    #[test]
    fn canonical_json_writes_non_finite_as_null() {
        assert_eq!(
            canonical_json(&[f64::NAN, f64::INFINITY, 1.5]).unwrap(),
            b"[null,null,1.5]"
        );
    }
}
