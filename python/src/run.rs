//! `imr.Run`: what one run produced (outcome or error, weights, receipt).
//! Conversions to Python happen when an attribute is read.

use imr_host::runner::Executed;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict};

use crate::errors::run_error;
use crate::json::{to_python, value_to_python};

/// The result of `Mechanism.run` or `RunLog.append`.
#[pyclass(name = "Run", module = "imr", frozen)]
pub struct PyRun {
    /// Everything the run produced, receipt included.
    pub executed: Executed,
    /// The receipt's sequence number in a run log, when it was logged.
    pub seq: Option<u64>,
}

impl PyRun {
    /// Wraps an executed run.
    pub fn new(executed: Executed, seq: Option<u64>) -> Self {
        Self { executed, seq }
    }
}

/// A numpy array of u16 (writable, native byte order) holding `values`.
pub fn u16_array<'py>(py: Python<'py>, values: &[u16]) -> PyResult<Bound<'py, PyAny>> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
    let numpy = py.import("numpy")?;
    numpy.call_method1(
        "frombuffer",
        (PyByteArray::new(py, &bytes), numpy.getattr("uint16")?),
    )
}

/// The bytes `imr run` writes to `receipt.json` for a receipt.
pub fn receipt_file_bytes(receipt: &imr_host::receipt::Receipt) -> Vec<u8> {
    receipt.to_json_pretty().into_bytes()
}

#[pymethods]
impl PyRun {
    /// Whether the run produced an outcome (and weights).
    #[getter]
    fn ok(&self) -> bool {
        self.executed.run.result.is_ok()
    }

    /// The uids to set weights for (numpy uint16, ascending); empty when the run failed.
    #[getter]
    fn uids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let uids = self
            .executed
            .emission
            .as_ref()
            .map_or(&[][..], |e| &e.uids[..]);
        u16_array(py, uids)
    }

    /// The u16 weights, one per uid (numpy uint16): `subtensor.set_weights(uids=run.uids, weights=run.weights)`.
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let values = self
            .executed
            .emission
            .as_ref()
            .map_or(&[][..], |e| &e.values[..]);
        u16_array(py, values)
    }

    /// The mechanism's scores, uid → float; empty when the run failed.
    #[getter]
    fn scores<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        if let Some(o) = self.executed.outcome() {
            for s in &o.scores {
                d.set_item(s.uid, s.score)?;
            }
        }
        Ok(d)
    }

    /// The state for the next epoch; when the run failed, None (the next epoch
    /// starts from the state this run was given).
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.executed.outcome().map(|o| PyBytes::new(py, &o.state))
    }

    /// The mechanism's diagnostics, parsed JSON (None when it gave none or the run failed).
    #[getter]
    fn diagnostics<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.executed.outcome() {
            Some(o) if !o.diagnostics.is_empty() => match to_python(py, &o.diagnostics) {
                Ok(v) => Ok(Some(v)),
                Err(_) => Ok(Some(PyBytes::new(py, &o.diagnostics).into_any())),
            },
            _ => Ok(None),
        }
    }

    /// Fuel consumed (the whole budget when it ran out).
    #[getter]
    fn fuel_consumed(&self) -> u64 {
        self.executed.run.fuel_consumed
    }

    /// The fuel budget.
    #[getter]
    fn fuel_limit(&self) -> u64 {
        self.executed.run.fuel_limit
    }

    /// The guest's log lines, as (level, message).
    #[getter]
    fn log(&self) -> Vec<(String, String)> {
        self.executed
            .run
            .log
            .iter()
            .map(|l| (l.level.clone(), l.message.clone()))
            .collect()
    }

    /// The receipt, as a dict.
    #[getter]
    fn receipt<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_python(py, &self.executed.receipt)
    }

    /// The receipt's bytes, identical to the `receipt.json` that `imr run` writes.
    #[getter]
    fn receipt_json<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &receipt_file_bytes(&self.executed.receipt))
    }

    /// The receipt's hash.
    #[getter]
    fn hash(&self) -> &str {
        &self.executed.receipt.hash
    }

    /// The receipt's sequence number in the run log it was appended to (None otherwise).
    #[getter]
    fn seq(&self) -> Option<u64> {
        self.seq
    }

    /// SCALE hex (`0x…`) of the `set_weights` call's arguments; None when the run failed.
    #[getter]
    fn set_weights_call(&self) -> Option<&str> {
        self.executed
            .emission
            .as_ref()
            .map(|e| e.set_weights_scale_hex.as_str())
    }

    /// The chain's pre-flight verdict (`ok`, `rejections`); None when the run failed.
    #[getter]
    fn preflight<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.executed
            .emission
            .as_ref()
            .map(|e| value_to_python(py, &e.preflight))
            .transpose()
    }

    /// None, or why the run produced no outcome (an `imr.errors.RunFailed` subclass, not raised).
    #[getter]
    fn error<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.executed
            .run
            .result
            .as_ref()
            .err()
            .map(|e| run_error(py, e))
            .transpose()
    }

    /// Raises `error` if the run failed; returns self otherwise.
    fn raise_for_error(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        let py = slf.py();
        if let Err(e) = &slf.get().executed.run.result {
            let instance = run_error(py, e)?;
            return Err(PyErr::from_value(instance));
        }
        Ok(slf)
    }

    fn __repr__(&self) -> String {
        match &self.executed.run.result {
            Ok(o) => format!(
                "Run(ok=True, scores={}, weights={}, fuel_consumed={}, hash='{}')",
                o.scores.len(),
                self.executed.emission.as_ref().map_or(0, |e| e.uids.len()),
                self.executed.run.fuel_consumed,
                self.executed.receipt.hash
            ),
            Err(e) => format!(
                "Run(ok=False, error={:?}, hash='{}')",
                e.kind(),
                self.executed.receipt.hash
            ),
        }
    }
}
