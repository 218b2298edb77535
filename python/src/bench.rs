//! A measurement hook: the Rust calls alone, timed in Rust, so that a script can
//! put the Python `Mechanism.run` beside them in one process (see
//! `python/bench/overhead.py`). Not part of the API.

use std::time::Instant;

use imr_host::runner::execute;
use imr_weights::Sdk;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;

use crate::epoch::PyEpoch;
use crate::errors::bad_argument;
use crate::mechanism::PyMechanism;

/// Times `repeat` calls of `Mechanism::run` (`what="run"`: the guest alone) or of
/// `runner::execute` (`what="execute"`: run, validation, weights and receipt, what
/// `Mechanism.run` does), with the GIL released; returns each call's seconds.
#[pyfunction]
#[pyo3(name = "_bench_rust")]
pub fn bench_rust(
    py: Python<'_>,
    mechanism: &Bound<'_, PyMechanism>,
    epoch: &Bound<'_, PyEpoch>,
    state: PyBackedBytes,
    repeat: usize,
    what: &str,
) -> PyResult<Vec<f64>> {
    let m = &mechanism.get().inner;
    let input = &epoch.get().input;
    let full = match what {
        "run" => false,
        "execute" => true,
        other => return Err(bad_argument(format!("what: {other:?} (run or execute)"))),
    };
    let state: &[u8] = &state;
    Ok(py.detach(|| {
        (0..repeat)
            .map(|_| {
                let started = Instant::now();
                if full {
                    std::hint::black_box(execute(m, input, state, None, Sdk::V11));
                } else {
                    std::hint::black_box(m.run(&input.epoch, state));
                }
                started.elapsed().as_secs_f64()
            })
            .collect()
    }))
}
