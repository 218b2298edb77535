//! `imr.Mechanism`: a component loaded (admitted and compiled) once, run on
//! any number of epochs, from any number of threads. The GIL is released while
//! it compiles and while it runs.

use std::path::PathBuf;
use std::sync::Arc;

use imr_host::runner::execute;
use imr_host::{ArtifactCache, Backend, DeterministicEngine, Limits, Mechanism};
use imr_weights::Sdk;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyDict, PyString};

use crate::epoch::PyEpoch;
use crate::errors::{bad_argument, load_error};
use crate::run::PyRun;

/// Fuel budget of one run, by default.
pub const DEFAULT_FUEL: u64 = imr_host::limits::DEFAULT_FUEL;
/// Linear-memory cap of one run in MiB, by default.
pub const DEFAULT_MEMORY_MIB: u64 = imr_host::limits::DEFAULT_MEMORY_BYTES >> 20;

/// A mechanism component, admitted and compiled, ready to run.
#[pyclass(name = "Mechanism", module = "imr", frozen)]
pub struct PyMechanism {
    /// The loaded mechanism.
    pub inner: Arc<Mechanism>,
    /// The component's bytes (a run log stores them).
    pub component: Arc<Vec<u8>>,
}

/// `engine=` values.
pub fn backend(engine: &str) -> PyResult<Backend> {
    match engine {
        "cranelift" => Ok(Backend::Cranelift),
        "pulley" => Ok(Backend::Pulley),
        other => Err(bad_argument(format!(
            "engine must be \"cranelift\" or \"pulley\", not {other:?}"
        ))),
    }
}

/// `sdk=` values.
pub fn sdk(sdk: u32) -> PyResult<Sdk> {
    match sdk {
        10 => Ok(Sdk::V10),
        11 => Ok(Sdk::V11),
        other => Err(bad_argument(format!(
            "sdk must be 10 (bittensor 10.x) or 11 (bittensor 11.x), not {other}"
        ))),
    }
}

/// The artifact cache: `cache_dir`, else the CLI's default directory; none when `cache` is
/// false, when there is no default directory, or when the directory is not private to this
/// user (the load then reports `CacheOutcome::Untrusted` or compiles without a cache).
pub fn artifact_cache(cache: bool, cache_dir: Option<PathBuf>) -> Option<ArtifactCache> {
    if !cache {
        return None;
    }
    cache_dir
        .or_else(ArtifactCache::default_dir)
        .map(ArtifactCache::new)
}

/// A receipt hash given as `previous=`: a hash string, a `Run`, or a receipt dict.
fn previous_hash(previous: &Bound<'_, PyAny>) -> PyResult<String> {
    let hash: String = if let Ok(run) = previous.cast::<PyRun>() {
        run.get().executed.receipt.hash.clone()
    } else if let Ok(d) = previous.cast::<PyDict>() {
        d.get_item("hash")?
            .ok_or_else(|| bad_argument("previous: the receipt dict has no \"hash\""))?
            .extract()?
    } else if previous.is_instance_of::<PyString>() {
        previous.extract()?
    } else {
        return Err(PyTypeError::new_err(
            "previous must be a receipt hash (str), a Run or a receipt dict",
        ));
    };
    if hash.len() != 64
        || !hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(bad_argument(format!(
            "previous: {hash:?} is not a receipt hash (64 lower-case hex digits)"
        )));
    }
    Ok(hash)
}

impl PyMechanism {
    fn build(
        py: Python<'_>,
        bytes: &[u8],
        fuel: u64,
        memory_mib: u64,
        engine: &str,
        cache: Option<ArtifactCache>,
    ) -> PyResult<Self> {
        if memory_mib == 0 || memory_mib > (u64::MAX >> 20) {
            return Err(bad_argument(format!(
                "memory_mib must be at least 1, not {memory_mib}"
            )));
        }
        if fuel == 0 {
            return Err(bad_argument("fuel must be at least 1"));
        }
        let backend = backend(engine)?;
        let limits = Limits {
            fuel,
            memory_bytes: memory_mib << 20,
            ..Limits::default()
        };
        let loaded = py.detach(|| {
            let engine = DeterministicEngine::with(backend, limits)?;
            Mechanism::from_bytes(&engine, bytes, cache.as_ref())
        });
        let mechanism = loaded.map_err(|e| load_error(py, &e))?;
        Ok(Self {
            inner: Arc::new(mechanism),
            component: Arc::new(bytes.to_vec()),
        })
    }

    /// Runs `epoch` (GIL released) and wraps the result.
    pub fn execute(
        &self,
        py: Python<'_>,
        epoch: &PyEpoch,
        state: &[u8],
        previous: Option<String>,
        sdk: Sdk,
    ) -> PyRun {
        let executed = py.detach(|| execute(&self.inner, &epoch.input, state, previous, sdk));
        PyRun::new(executed, None)
    }
}

#[pymethods]
impl PyMechanism {
    /// Reads, admits and compiles a component file (`imr build` output).
    #[staticmethod]
    #[pyo3(signature = (path, *, fuel=DEFAULT_FUEL, memory_mib=DEFAULT_MEMORY_MIB, engine="cranelift", cache_dir=None, cache=true))]
    fn load(
        py: Python<'_>,
        path: PathBuf,
        fuel: u64,
        memory_mib: u64,
        engine: &str,
        cache_dir: Option<PathBuf>,
        cache: bool,
    ) -> PyResult<Self> {
        let bytes = std::fs::read(&path).map_err(|source| {
            load_error(
                py,
                &imr_host::LoadError::Read {
                    path: path.clone(),
                    source,
                },
            )
        })?;
        Self::build(
            py,
            &bytes,
            fuel,
            memory_mib,
            engine,
            artifact_cache(cache, cache_dir),
        )
    }

    /// Admits and compiles component bytes.
    #[staticmethod]
    #[pyo3(signature = (data, *, fuel=DEFAULT_FUEL, memory_mib=DEFAULT_MEMORY_MIB, engine="cranelift", cache_dir=None, cache=true))]
    fn from_bytes(
        py: Python<'_>,
        data: PyBackedBytes,
        fuel: u64,
        memory_mib: u64,
        engine: &str,
        cache_dir: Option<PathBuf>,
        cache: bool,
    ) -> PyResult<Self> {
        Self::build(
            py,
            &data,
            fuel,
            memory_mib,
            engine,
            artifact_cache(cache, cache_dir),
        )
    }

    /// Runs the mechanism on `epoch` with `state` (the previous epoch's), turns
    /// the scores into weights with the bittensor SDK `sdk`'s processing, and
    /// seals a receipt chained to `previous`. Raises only for bad arguments: a
    /// failed run returns a `Run` with `ok == False` and `error` set.
    #[pyo3(signature = (epoch, state=None, *, sdk=11, previous=None))]
    fn run(
        &self,
        py: Python<'_>,
        epoch: &Bound<'_, PyEpoch>,
        state: Option<PyBackedBytes>,
        sdk: u32,
        previous: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyRun> {
        let sdk = self::sdk(sdk)?;
        let previous = previous.map(previous_hash).transpose()?;
        let state: &[u8] = state.as_deref().unwrap_or(&[]);
        Ok(self.execute(py, epoch.get(), state, previous, sdk))
    }

    /// The component's blake3 (hex): its identity in receipts.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }

    /// The component's size in bytes.
    #[getter]
    fn size(&self) -> usize {
        self.inner.size()
    }

    /// The component's imports.
    #[getter]
    fn imports(&self) -> Vec<String> {
        self.inner.imports().to_vec()
    }

    /// The fuel budget of one run.
    #[getter]
    fn fuel(&self) -> u64 {
        self.inner.engine().limits().fuel
    }

    /// The linear-memory cap of one run, in MiB.
    #[getter]
    fn memory_mib(&self) -> u64 {
        self.inner.engine().limits().memory_bytes >> 20
    }

    /// The code generator: "cranelift" or "pulley".
    #[getter]
    fn engine(&self) -> String {
        self.inner.engine().backend().to_string()
    }

    fn __repr__(&self) -> String {
        format!(
            "Mechanism(id='{}', size={}, engine='{}')",
            self.inner.id(),
            self.inner.size(),
            self.inner.engine().backend()
        )
    }
}
