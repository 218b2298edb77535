//! `imr._imr`: the extension module of the `imr` Python package.
//!
//! A thin binding: every operation is a call of `imr-host`, `imr-weights` or
//! `imr-yuma`, the same functions the `imr` CLI calls. The Python package
//! (`python/imr/`) re-exports these classes and functions and defines the
//! exception classes (`imr.errors`) that this module raises. The GIL is released
//! while a mechanism compiles or runs, while a log verifies or a receipt
//! replays, and while Yuma runs.

use pyo3::prelude::*;

mod bench;
mod epoch;
mod errors;
mod json;
mod mechanism;
mod run;
mod runlog;
mod weights;
mod yuma;

/// The extension module.
#[pymodule]
fn _imr(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_FUEL", mechanism::DEFAULT_FUEL)?;
    m.add("DEFAULT_MEMORY_MIB", mechanism::DEFAULT_MEMORY_MIB)?;
    m.add_class::<mechanism::PyMechanism>()?;
    m.add_class::<epoch::PyEpoch>()?;
    m.add_class::<run::PyRun>()?;
    m.add_class::<runlog::PyRunLog>()?;
    m.add_class::<runlog::PyVerifyReport>()?;
    m.add_class::<runlog::PyReplayReport>()?;
    m.add_function(wrap_pyfunction!(runlog::verify, m)?)?;
    m.add_function(wrap_pyfunction!(runlog::replay, m)?)?;
    m.add_function(wrap_pyfunction!(bench::bench_rust, m)?)?;

    let w = PyModule::new(py, "weights")?;
    w.add_class::<weights::PyEmission>()?;
    w.add_function(wrap_pyfunction!(weights::process, &w)?)?;
    m.add_submodule(&w)?;

    let y = PyModule::new(py, "yuma")?;
    y.add_function(wrap_pyfunction!(yuma::epoch, &y)?)?;
    y.add_function(wrap_pyfunction!(yuma::run, &y)?)?;
    m.add_submodule(&y)?;
    Ok(())
}
