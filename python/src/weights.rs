//! `imr.weights.process`: the weights pipeline alone (`imr weights`).

use imr_weights::{ChainParams, Emission};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{bad_argument, weights_refused};
use crate::json::{to_json, value_to_python};
use crate::mechanism::sdk;
use crate::run::u16_array;

/// The weights the bittensor SDK would submit for some scores, and the chain's verdict.
#[pyclass(name = "Emission", module = "imr.weights", frozen)]
pub struct PyEmission {
    emission: Emission,
    params: ChainParams,
}

/// A sequence (list, tuple, numpy array) as a plain list.
fn plain_list<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if value.hasattr("tolist")? {
        value.call_method0("tolist")
    } else {
        Ok(value.clone())
    }
}

fn uids_arg(value: &Bound<'_, PyAny>) -> PyResult<Vec<u16>> {
    let items: Vec<Bound<'_, PyAny>> = plain_list(value)?.extract().map_err(|_| {
        PyTypeError::new_err("uids must be a sequence of ints (list or numpy array)")
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let v: i64 = item
                .extract()
                .map_err(|_| PyTypeError::new_err(format!("uids[{i}] is not an int")))?;
            u16::try_from(v)
                .map_err(|_| bad_argument(format!("uids[{i}] = {v} is not a uid (0..=65535)")))
        })
        .collect()
}

fn scores_arg(value: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    plain_list(value)?.extract().map_err(|_| {
        PyTypeError::new_err("scores must be a sequence of numbers (list or numpy array)")
    })
}

/// Turns scores into chain-ready weights exactly as the bittensor SDK `sdk`
/// (10 or 11) would, and checks them against the chain's rules. Chain
/// parameters are keyword arguments named as the epoch file's `chain` fields
/// (`netuid`, `n`, `max_weight_limit`, `commit_reveal_enabled`, ...).
#[pyfunction]
#[pyo3(signature = (uids, scores, *, sdk=11, **chain_params))]
pub fn process(
    py: Python<'_>,
    uids: &Bound<'_, PyAny>,
    scores: &Bound<'_, PyAny>,
    sdk: u32,
    chain_params: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyEmission> {
    let sdk = self::sdk(sdk)?;
    let uids = uids_arg(uids)?;
    let scores = scores_arg(scores)?;
    let params = match chain_params {
        Some(kwargs) => {
            let value = to_json(kwargs.as_any(), "").map_err(|e| bad_argument(e.to_string()))?;
            ChainParams::from_json(&value.to_string())
                .map_err(|e| bad_argument(format!("chain parameters: {e}")))?
        }
        None => ChainParams::default(),
    };
    let emission =
        imr_weights::emit(&uids, &scores, &params, sdk).map_err(|e| weights_refused(py, &e))?;
    Ok(PyEmission { emission, params })
}

#[pymethods]
impl PyEmission {
    /// The uids to set weights for (numpy uint16, ascending, zeros dropped).
    #[getter]
    fn uids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        u16_array(py, &self.emission.uids)
    }

    /// The u16 weight values, one per uid (numpy uint16).
    #[getter]
    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        u16_array(py, &self.emission.values)
    }

    /// The row the chain would store after its max-upscale (numpy uint16).
    #[getter]
    fn stored<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        u16_array(py, &self.emission.stored)
    }

    /// The chain's pre-flight verdict (`ok`, `rejections`).
    #[getter]
    fn preflight<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_python(py, &self.emission.preflight)
    }

    /// SCALE hex (`0x…`) of the call's arguments.
    #[getter]
    fn set_weights_call(&self) -> &str {
        &self.emission.set_weights_scale_hex
    }

    /// The chain parameters used (defaults filled in).
    #[getter]
    fn chain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_python(py, &self.params)
    }

    /// The whole report, as `imr weights` prints it (JSON object as a dict).
    #[getter]
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let report = imr_weights::report(&self.emission, &self.params);
        value_to_python(py, &report)
    }

    fn __repr__(&self) -> String {
        format!(
            "Emission(uids={}, ok={})",
            self.emission.uids.len(),
            if self.emission.preflight.ok {
                "True"
            } else {
                "False"
            }
        )
    }
}
