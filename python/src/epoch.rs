//! `imr.Epoch`: an epoch parsed by the host's own epoch-file parser, whether it
//! comes from a file, JSON text, a dict or keyword arguments.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use imr_host::epoch::EpochInput;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use serde_json::{Map, Value};

use crate::errors::{epoch_error, invalid_epoch, not_json_epoch};
use crate::json::to_json;

/// One epoch: what a mechanism reads, plus the chain parameters for the weights.
#[pyclass(name = "Epoch", module = "imr", frozen)]
pub struct PyEpoch {
    /// The parsed epoch.
    pub input: Arc<EpochInput>,
}

/// The label errors use for an epoch that is not a file.
const NOT_A_FILE: &str = "<epoch>";

impl PyEpoch {
    fn parse(py: Python<'_>, bytes: &[u8], path: Option<&Path>) -> PyResult<Self> {
        let label = path.unwrap_or(Path::new(NOT_A_FILE));
        EpochInput::parse(bytes, label)
            .map(|input| Self {
                input: Arc::new(input),
            })
            .map_err(|e| epoch_error(py, &e, path.is_some()))
    }

    fn from_value(py: Python<'_>, value: &Value) -> PyResult<Self> {
        let bytes = serde_json::to_vec(value).map_err(|e| {
            invalid_epoch(py, &format!("invalid epoch: {e}"), "", &e.to_string(), None)
        })?;
        Self::parse(py, &bytes, None)
    }
}

#[pymethods]
impl PyEpoch {
    /// Builds an epoch from its fields; `task`, `params` and each response's
    /// `payload` may be any JSON-serializable value, `seed` is 32 bytes (or 64 hex digits).
    #[new]
    #[pyo3(signature = (*, netuid, block, seed, neurons, task=None, responses=None, params=None, chain=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        netuid: &Bound<'_, PyAny>,
        block: &Bound<'_, PyAny>,
        seed: &Bound<'_, PyAny>,
        neurons: &Bound<'_, PyAny>,
        task: Option<&Bound<'_, PyAny>>,
        responses: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        chain: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let seed = if let Ok(b) = seed.cast::<PyBytes>() {
            let b = b.as_bytes();
            if b.len() != 32 {
                return Err(invalid_epoch(
                    py,
                    &format!("invalid epoch: seed: must be 32 bytes, got {}", b.len()),
                    "seed",
                    &format!("must be 32 bytes, got {}", b.len()),
                    None,
                ));
            }
            Value::String(hex::encode(b))
        } else if seed.is_instance_of::<PyString>() {
            to_json(seed, "seed").map_err(|e| not_json_epoch(py, &e))?
        } else {
            return Err(invalid_epoch(
                py,
                "invalid epoch: seed: must be 32 bytes (or 64 hex digits)",
                "seed",
                "must be 32 bytes (or 64 hex digits)",
                None,
            ));
        };
        let mut map = Map::new();
        let mut put = |name: &str, v: Option<&Bound<'_, PyAny>>| -> PyResult<()> {
            if let Some(v) = v {
                map.insert(
                    name.to_string(),
                    to_json(v, name).map_err(|e| not_json_epoch(py, &e))?,
                );
            }
            Ok(())
        };
        put("netuid", Some(netuid))?;
        put("block", Some(block))?;
        put("neurons", Some(neurons))?;
        put("task", task)?;
        put("responses", responses)?;
        put("params", params)?;
        put("chain", chain)?;
        map.insert("seed".into(), seed);
        Self::from_value(py, &Value::Object(map))
    }

    /// Parses an epoch file's content (`str` of JSON text or `bytes`), or reads
    /// the file at a path (`pathlib.Path`, or a `str` that is not JSON text).
    #[staticmethod]
    fn from_json(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(b) = source.cast::<PyBytes>() {
            return Self::parse(py, b.as_bytes(), None);
        }
        if let Ok(s) = source.cast::<PyString>() {
            let text = s.to_cow()?;
            if text.trim_start().starts_with('{') {
                return Self::parse(py, text.as_bytes(), None);
            }
        }
        let path: PathBuf = source.extract().map_err(|_| {
            PyTypeError::new_err(
                "Epoch.from_json takes JSON text (str), bytes, or the path of an epoch file",
            )
        })?;
        let input = py
            .detach(|| imr_host::epoch::load(&path))
            .map_err(|e| epoch_error(py, &e, true))?;
        Ok(Self {
            input: Arc::new(input),
        })
    }

    /// Builds an epoch from a dict with the epoch file's schema (same checks, same errors).
    #[staticmethod]
    fn from_dict(py: Python<'_>, d: &Bound<'_, PyAny>) -> PyResult<Self> {
        let value = to_json(d, "").map_err(|e| not_json_epoch(py, &e))?;
        if !value.is_object() {
            return Err(invalid_epoch(
                py,
                "invalid epoch: the epoch must be a dict",
                "",
                "must be a dict",
                None,
            ));
        }
        Self::from_value(py, &value)
    }

    /// blake3 (hex) of the epoch's canonical encoding: the receipt's `epoch`.
    #[getter]
    fn hash(&self) -> String {
        self.input.hash()
    }

    /// The subnet.
    #[getter]
    fn netuid(&self) -> u16 {
        self.input.epoch.netuid
    }

    /// The block.
    #[getter]
    fn block(&self) -> u64 {
        self.input.epoch.block
    }

    /// The 32-byte seed.
    #[getter]
    fn seed<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.input.epoch.seed)
    }

    /// The neurons' uids, in order.
    #[getter]
    fn uids(&self) -> Vec<u16> {
        self.input.epoch.neurons.iter().map(|n| n.uid).collect()
    }

    /// The number of responses.
    #[getter]
    fn response_count(&self) -> usize {
        self.input.epoch.responses.len()
    }

    fn __repr__(&self) -> String {
        let e = &self.input.epoch;
        format!(
            "Epoch(netuid={}, block={}, neurons={}, responses={}, hash='{}')",
            e.netuid,
            e.block,
            e.neurons.len(),
            e.responses.len(),
            self.input.hash()
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyEpoch>()
            .is_ok_and(|o| o.get().input == self.input)
    }

    fn __hash__(&self) -> u64 {
        let h = self.input.hash();
        u64::from_str_radix(&h[..16], 16).unwrap_or(0)
    }
}
