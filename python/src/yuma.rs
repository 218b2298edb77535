//! `imr.yuma`: subtensor's Yuma consensus epoch (`imr yuma`), GIL released
//! while it runs. The Python module `imr.yuma` turns per-uid vectors into numpy arrays.

use imr_yuma::driver::WeightsFile;
use imr_yuma::{run_epoch, run_epochs, StateFile, WeightsSchedule};
use pyo3::prelude::*;

use crate::errors::yuma_error;
use crate::json::{to_json, value_to_python};

const STATE: &str = "state";
const WEIGHTS: &str = "weights_per_epoch";

fn state_arg(py: Python<'_>, state: &Bound<'_, PyAny>) -> PyResult<StateFile> {
    let value = to_json(state, STATE).map_err(|e| yuma_error(py, &e))?;
    StateFile::from_json(STATE, &value.to_string()).map_err(|e| yuma_error(py, &e))
}

/// One Yuma epoch on a state dict (`{"params": ..., "input": ...}`, the `imr yuma --state` format).
#[pyfunction]
pub fn epoch<'py>(py: Python<'py>, state: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let state = state_arg(py, state)?;
    let out = py
        .detach(|| run_epoch(&state.params, &state.input))
        .map_err(|e| yuma_error(py, &e))?;
    value_to_python(py, &out)
}

/// `epochs` epochs chained from `state`, with weights held fixed or set per
/// epoch from `weights_per_epoch` (`{"epochs": [{"<uid>": [[dest, value], ...]}, ...]}`).
/// Returns a list of `{"epoch", "block", "output"}`.
#[pyfunction]
#[pyo3(signature = (state, epochs=None, weights_per_epoch=None))]
pub fn run<'py>(
    py: Python<'py>,
    state: &Bound<'py, PyAny>,
    epochs: Option<usize>,
    weights_per_epoch: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let state = state_arg(py, state)?;
    let weights = weights_per_epoch
        .map(|w| {
            let value = to_json(w, WEIGHTS).map_err(|e| yuma_error(py, &e))?;
            WeightsFile::from_json(WEIGHTS, &value.to_string()).map_err(|e| yuma_error(py, &e))
        })
        .transpose()?;
    let epochs = epochs.unwrap_or_else(|| weights.as_ref().map_or(1, |w| w.epochs.len()));
    let schedule = match weights {
        Some(w) => WeightsSchedule::PerEpoch(w),
        None => WeightsSchedule::Fixed,
    };
    let records = py
        .detach(|| run_epochs(&state.params, &state.input, epochs, &schedule))
        .map_err(|e| yuma_error(py, &e))?;
    value_to_python(py, &records)
}
