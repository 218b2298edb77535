//! Shared helpers for the vector-driven tests: locating the vectors root and reading the
//! vector files' value encodings.

#![allow(dead_code)]

use imr_weights::sdk10::NdArray;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The `*.json` files of a vectors sub-folder, sorted; those of its sub-folders too when
/// `deep`. A missing vectors root or folder fails the test (see `imr-test-support`).
pub fn vector_files(folder: &str, deep: bool) -> Vec<PathBuf> {
    imr_test_support::json_files(&imr_test_support::vectors_dir(folder), deep)
}

/// Read and parse a JSON file (panics with the path on failure: a test failure).
pub fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A float in the vectors' encoding: a JSON number, or `"NaN"`/`"Infinity"`/`"-Infinity"`.
pub fn f64_of(v: &Value) -> Result<f64, String> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("bad number {n}")),
        Value::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            other => Err(format!("bad float string {other:?}")),
        },
        other => Err(format!("expected a float, got {other}")),
    }
}

/// An integer that may exceed i64 (Python ints): exact for |v| < 2^63 or exactly-representable
/// floats like 2^64.
pub fn i128_of(v: &Value) -> Result<i128, String> {
    if let Some(i) = v.as_i64() {
        return Ok(i128::from(i));
    }
    if let Some(u) = v.as_u64() {
        return Ok(i128::from(u));
    }
    if let Some(f) = v.as_f64() {
        if f.fract() == 0.0 && f.abs() < 1e30 {
            return Ok(f as i128);
        }
    }
    Err(format!("expected an integer, got {v}"))
}

/// An i64.
pub fn i64_of(v: &Value) -> Result<i64, String> {
    i128_of(v).and_then(|x| i64::try_from(x).map_err(|e| format!("{x}: {e}")))
}

/// A JSON array.
pub fn arr<'a>(v: &'a Value, what: &str) -> Result<&'a Vec<Value>, String> {
    v.as_array()
        .ok_or_else(|| format!("{what}: expected an array, got {v}"))
}

/// A list of i64.
pub fn i64s(v: &Value, what: &str) -> Result<Vec<i64>, String> {
    arr(v, what)?.iter().map(i64_of).collect()
}

/// A list of i128.
pub fn i128s(v: &Value, what: &str) -> Result<Vec<i128>, String> {
    arr(v, what)?.iter().map(i128_of).collect()
}

/// A list of floats (numbers, bools, non-finite strings).
pub fn f64s(v: &Value, what: &str) -> Result<Vec<f64>, String> {
    arr(v, what)?.iter().map(f64_of).collect()
}

/// A list of u16.
pub fn u16s(v: &Value, what: &str) -> Result<Vec<u16>, String> {
    i64s(v, what)?
        .into_iter()
        .map(|x| u16::try_from(x).map_err(|e| format!("{what}: {x}: {e}")))
        .collect()
}

fn bits_of(v: &Value) -> Result<u64, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("bits: expected a hex string, got {v}"))?;
    u64::from_str_radix(s.trim_start_matches("0x"), 16).map_err(|e| format!("bits {s}: {e}"))
}

/// A typed numpy array `{dtype, values, bits?}`; floats are taken from `bits` when present.
pub fn typed(v: &Value) -> Result<NdArray, String> {
    let dtype = v.get("dtype").and_then(Value::as_str).unwrap_or("");
    let bits = v.get("bits").map(|b| arr(b, "bits")).transpose()?;
    let values = v.get("values").ok_or("typed array without values")?;
    match dtype {
        "float32" => Ok(NdArray::Float32(match bits {
            Some(b) => b
                .iter()
                .map(|x| bits_of(x).map(|u| f32::from_bits(u as u32)))
                .collect::<Result<_, _>>()?,
            None => f64s(values, "values")?
                .into_iter()
                .map(|x| x as f32)
                .collect(),
        })),
        "float64" => Ok(NdArray::Float64(match bits {
            Some(b) => b
                .iter()
                .map(|x| bits_of(x).map(f64::from_bits))
                .collect::<Result<_, _>>()?,
            None => f64s(values, "values")?,
        })),
        "int64" => Ok(NdArray::Int64(i64s(values, "values")?)),
        other => Err(format!("unknown dtype {other:?}")),
    }
}

/// The IEEE bit patterns of an array in its dtype's width.
pub fn array_bits(a: &NdArray) -> Vec<u64> {
    match a {
        NdArray::Float32(v) => v.iter().map(|x| u64::from(x.to_bits())).collect(),
        NdArray::Float64(v) | NdArray::PyList(v) => v.iter().map(|x| x.to_bits()).collect(),
        NdArray::Int64(v) => v.iter().map(|&x| x as u64).collect(),
    }
}

/// Compare an array against an expected typed array, bit for bit (dtype included).
pub fn same_array(got: &NdArray, want: &Value) -> Result<(), String> {
    let want = typed(want)?;
    if got.dtype() != want.dtype() {
        return Err(format!(
            "dtype {} != expected {}",
            got.dtype(),
            want.dtype()
        ));
    }
    let (g, w) = (array_bits(got), array_bits(&want));
    if g.len() != w.len() {
        return Err(format!("length {} != expected {}", g.len(), w.len()));
    }
    if let Some(i) = (0..g.len()).find(|&i| g[i] != w[i]) {
        return Err(format!(
            "first difference at {i}: got bits {:#x}, expected {:#x} ({} mismatches)",
            g[i],
            w[i],
            (0..g.len()).filter(|&i| g[i] != w[i]).count()
        ));
    }
    Ok(())
}

/// Collects per-case failures so one run reports all of them.
#[derive(Default)]
pub struct Report {
    /// `file: case: field: detail` lines.
    pub failures: Vec<String>,
    /// Cases checked.
    pub cases: usize,
}

impl Report {
    /// Record one case's outcome.
    pub fn check(&mut self, file: &Path, case: &str, outcome: Result<(), String>) {
        self.cases += 1;
        if let Err(e) = outcome {
            let name = file
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let dir = file
                .parent()
                .and_then(Path::file_name)
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            self.failures.push(format!("{dir}/{name}: {case}: {e}"));
        }
    }

    /// Fail the test if any case failed.
    pub fn finish(self, what: &str) {
        eprintln!(
            "{what}: {} cases checked, {} failed",
            self.cases,
            self.failures.len()
        );
        assert!(
            self.failures.is_empty(),
            "{} of {} {what} cases failed:\n{}",
            self.failures.len(),
            self.cases,
            self.failures.join("\n")
        );
    }
}
