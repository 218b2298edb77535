//! Python values to JSON and back. Python → JSON walks the value itself so that
//! an error names the offending place (`neurons[2].stake: NaN is not JSON`);
//! JSON → Python goes through the standard `json` module.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Why a Python value is not JSON: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotJson {
    /// The place, as a path (`task.prices[3]`); empty for the value itself.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for NotJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

fn child(field: &str, key: &str) -> String {
    if field.is_empty() {
        key.to_string()
    } else {
        format!("{field}.{key}")
    }
}

/// Converts a JSON-serializable Python value (dicts with string keys, lists,
/// tuples, str, int, float, bool, None, and numpy arrays and scalars) to JSON.
/// `field` is the path of `value`, used in errors.
pub fn to_json(value: &Bound<'_, PyAny>, field: &str) -> Result<Value, NotJson> {
    let fail = |message: String| NotJson {
        field: field.to_string(),
        message,
    };
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        return int_to_json(value).map_err(fail);
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return float_to_json(f.value()).map_err(fail);
    }
    if let Ok(s) = value.cast::<PyString>() {
        return s
            .to_cow()
            .map(|s| Value::String(s.to_string()))
            .map_err(|e| fail(format!("not valid UTF-8 text: {e}")));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| {
                    fail(format!(
                        "object keys must be strings, found {}",
                        type_name(&k)
                    ))
                })?
                .to_cow()
                .map_err(|e| fail(format!("key is not valid UTF-8 text: {e}")))?
                .to_string();
            let v = to_json(&v, &child(field, &key))?;
            map.insert(key, v);
        }
        return Ok(Value::Object(map));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in value
            .try_iter()
            .map_err(|e| fail(e.to_string()))?
            .enumerate()
        {
            let item = item.map_err(|e| fail(e.to_string()))?;
            items.push(to_json(&item, &format!("{field}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    // numpy arrays and scalars (and anything else offering it): their Python equivalent.
    if value.hasattr("tolist").unwrap_or(false) && !value.is_instance_of::<PyString>() {
        let plain = value
            .call_method0("tolist")
            .map_err(|e| fail(format!("cannot convert to a list: {e}")))?;
        if !plain.is(value) {
            return to_json(&plain, field);
        }
    }
    Err(fail(format!(
        "a {} is not a JSON value (use dict, list, str, int, float, bool or None)",
        type_name(value)
    )))
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "value".into())
}

fn int_to_json(value: &Bound<'_, PyAny>) -> Result<Value, String> {
    if let Ok(v) = value.extract::<i64>() {
        return Ok(Value::Number(v.into()));
    }
    if let Ok(v) = value.extract::<u64>() {
        return Ok(Value::Number(v.into()));
    }
    Err(format!(
        "integer {} is out of range (JSON numbers here are 64-bit)",
        value.str().map(|s| s.to_string()).unwrap_or_default()
    ))
}

fn float_to_json(v: f64) -> Result<Value, String> {
    Number::from_f64(v)
        .map(Value::Number)
        .ok_or_else(|| format!("{v} is not a JSON number (NaN and infinities have none)"))
}

/// Parses JSON bytes into Python objects with the standard `json` module.
pub fn to_python<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?
        .call_method1("loads", (pyo3::types::PyBytes::new(py, bytes),))
}

/// A serializable Rust value as Python objects.
pub fn value_to_python<'py, T: serde::Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let bytes = serde_json::to_vec(value)
        .map_err(|e| PyTypeError::new_err(format!("cannot serialize: {e}")))?;
    to_python(py, &bytes)
}
