//! `imr.RunLog`, `imr.verify` and `imr.replay`: the run log from Python, with
//! the GIL released while runs execute, logs are written and receipts replayed.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use imr_host::receipt::Receipt;
use imr_host::replay::{replay as replay_receipt, ReplayOptions, ReplayReport};
use imr_host::runlog::layout::enclosing_log;
use imr_host::runlog::{Log, LogError};
use imr_host::session::{Session, SessionError, Start};
use imr_host::signatures::{ExpectedSigner, SignaturePolicy};
use imr_host::signing::{KeySource, KeySourceError};
use imr_host::verify::{verify as verify_log, VerifyOptions, VerifyReport};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};

use crate::epoch::PyEpoch;
use crate::errors::{bad_argument, log_error};
use crate::mechanism::{artifact_cache, backend, sdk, PyMechanism};
use crate::run::PyRun;

/// A run log opened for appending (created when missing), as `imr run --log` does.
/// Holds the log's lock until `close()` (or the end of a `with` block).
#[pyclass(name = "RunLog", module = "imr", frozen)]
pub struct PyRunLog {
    path: PathBuf,
    session: Mutex<Option<Session>>,
}

/// Why an append did not happen.
enum AppendError {
    Closed,
    Session(SessionError),
}

impl PyRunLog {
    fn closed(&self, py: Python<'_>) -> PyErr {
        log_error(py, &format!("run log {} is closed", self.path.display()))
    }

    /// Runs `f` on the open session, with the GIL released.
    fn with_session<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Session) -> Result<T, SessionError> + Send,
    ) -> PyResult<T> {
        let result = py.detach(|| {
            let mut guard = self.session.lock().unwrap_or_else(|e| e.into_inner());
            match guard.as_mut() {
                Some(session) => f(session).map_err(AppendError::Session),
                None => Err(AppendError::Closed),
            }
        });
        result.map_err(|e| match e {
            AppendError::Closed => self.closed(py),
            AppendError::Session(e) => log_error(py, &e),
        })
    }

    /// Runs `f` on the open session's log, with the GIL released.
    fn with_log<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Log) -> Result<T, LogError> + Send,
    ) -> PyResult<T> {
        self.with_session(py, |s| match s.log() {
            Some(log) => f(log).map_err(SessionError::from),
            None => unreachable_log(),
        })
    }
}

#[pymethods]
impl PyRunLog {
    /// Opens the run log at `path` for appending, creating it when missing. With `sign_with`
    /// (`wallet:NAME/HOTKEY`, `file:PATH`, `env:VAR` or `uri:SECRET_URI`, as `imr run
    /// --sign-with`), every receipt appended is signed with that hotkey.
    #[staticmethod]
    #[pyo3(signature = (path, *, sign_with=None))]
    fn open(py: Python<'_>, path: PathBuf, sign_with: Option<&str>) -> PyResult<Self> {
        let signer = sign_with
            .map(|source| {
                let source: KeySource = source
                    .parse()
                    .map_err(|e: KeySourceError| bad_argument(e.to_string()))?;
                source
                    .load()
                    .map_err(|e| bad_argument(format!("signing key {source:?}: {e}")))
            })
            .transpose()?;
        let mut session = py
            .detach(|| Session::open_log(&path, imr_host::weights::Sdk::V11, Start::default()))
            .map_err(|e| log_error(py, &e))?;
        if let Some(signer) = signer {
            session.sign_with(signer);
        }
        Ok(Self {
            path,
            session: Mutex::new(Some(session)),
        })
    }

    /// Runs `mechanism` on `epoch` with the state and previous receipt taken
    /// from the log's last receipt, and appends the run (exactly `imr run --log`).
    /// A failure that is not a result (a stack overflow, a host error) is
    /// returned but not logged (`run.seq is None`).
    #[pyo3(signature = (mechanism, epoch, *, sdk=11))]
    fn append(
        &self,
        py: Python<'_>,
        mechanism: &Bound<'_, PyMechanism>,
        epoch: &Bound<'_, PyEpoch>,
        sdk: u32,
    ) -> PyResult<PyRun> {
        let sdk = self::sdk(sdk)?;
        let mechanism = mechanism.get();
        let input = &epoch.get().input;
        let (executed, seq) = self.with_session(py, |session| {
            session.set_sdk(sdk);
            let stepped = session.step(&mechanism.inner, input)?;
            Ok((stepped.executed, stepped.seq))
        })?;
        Ok(PyRun::new(executed, seq))
    }

    /// The last receipt's hash (None for an empty log).
    #[getter]
    fn head(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with_session(py, |s| Ok(s.head().map(str::to_string)))
    }

    /// The log's directory.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// The receipts, in order, as dicts.
    fn receipts<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let receipts = self.with_log(py, |log| log.receipts())?;
        receipts
            .iter()
            .map(|r| crate::json::value_to_python(py, r))
            .collect()
    }

    /// Releases the log's lock; the object cannot append afterwards.
    fn close(&self, py: Python<'_>) {
        py.detach(|| {
            self.session
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
        });
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        self.with_session(py, |s| s.len()).map(|n| n as usize)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        format!("RunLog('{}')", self.path.display())
    }
}

/// A session opened by `RunLog.open` always has a log.
fn unreachable_log<T>() -> Result<T, SessionError> {
    Err(SessionError::Log(LogError::NotALog {
        path: std::path::PathBuf::new(),
    }))
}

/// What verifying a run log found.
#[pyclass(name = "VerifyReport", module = "imr", frozen, get_all)]
pub struct PyVerifyReport {
    /// Whether every blob, hash and link checks and every replay is identical.
    ok: bool,
    /// Receipts whose replay reproduced them exactly.
    identical: u64,
    /// Receipts replayed.
    replayed: u64,
    /// Replays that differ.
    mismatched: u64,
    /// Replays that gave no result here (for example the native stack limit): unverified
    /// receipts, not evidence of tampering.
    no_result: u64,
    /// Receipts whose signature verified (for the expected signer, when one was given).
    signed: u64,
    /// Missing receipts and blobs.
    missing: u64,
    /// Receipt files.
    receipts: u64,
    /// Blob files checked.
    blobs: u64,
    /// Every problem, naming the receipt and the field or blob ("receipt 3: fuel_consumed: ...").
    problems: Vec<String>,
    /// The last receipt's hash.
    head: Option<String>,
}

impl From<VerifyReport> for PyVerifyReport {
    fn from(r: VerifyReport) -> Self {
        Self {
            ok: r.ok(),
            identical: r.identical,
            replayed: r.replayed,
            mismatched: r.mismatched,
            no_result: r.no_result,
            signed: r.signed,
            missing: r.missing,
            receipts: r.receipts,
            blobs: r.blobs,
            problems: r.problems.iter().map(|p| p.to_string()).collect(),
            head: r.head,
        }
    }
}

#[pymethods]
impl PyVerifyReport {
    fn __repr__(&self) -> String {
        format!(
            "VerifyReport(ok={}, receipts={}, identical={}, problems={})",
            if self.ok { "True" } else { "False" },
            self.receipts,
            self.identical,
            self.problems.len()
        )
    }
}

/// Verifies a whole run log (`imr verify`): every blob, receipt hash and link,
/// and (with `replay`) a replay of every receipt on `jobs` threads (0: one per core).
#[pyfunction]
#[pyo3(signature = (path, *, replay=true, engine="cranelift", jobs=0, cache_dir=None, cache=true, signer=None, signer_uid=None, require_signatures=false))]
#[allow(clippy::too_many_arguments)]
pub fn verify(
    py: Python<'_>,
    path: PathBuf,
    replay: bool,
    engine: &str,
    jobs: usize,
    cache_dir: Option<PathBuf>,
    cache: bool,
    signer: Option<String>,
    signer_uid: Option<u16>,
    require_signatures: bool,
) -> PyResult<PyVerifyReport> {
    let signer = match (signer, signer_uid) {
        (Some(_), Some(_)) => return Err(bad_argument("give signer or signer_uid, not both")),
        (Some(address), None) => {
            imr_host::signing::ss58_decode(&address)
                .map_err(|e| bad_argument(format!("signer: not an ss58 address: {e}")))?;
            Some(ExpectedSigner::Address(address))
        }
        (None, Some(uid)) => Some(ExpectedSigner::Uid(uid)),
        (None, None) => None,
    };
    let options = VerifyOptions {
        replay: ReplayOptions {
            backend: backend(engine)?,
            cache: artifact_cache(cache, cache_dir),
        },
        threads: jobs,
        skip_replay: !replay,
        signatures: SignaturePolicy {
            signer,
            required: require_signatures,
        },
    };
    let report = py.detach(|| {
        let log = Log::open(&path).map_err(|e| e.to_string())?;
        verify_log(&log, &options).map_err(|e| e.to_string())
    });
    report
        .map(PyVerifyReport::from)
        .map_err(|e| log_error(py, &e))
}

/// What replaying one receipt found.
#[pyclass(name = "ReplayReport", module = "imr", frozen, get_all)]
pub struct PyReplayReport {
    /// Whether the replay produced the logged receipt exactly.
    identical: bool,
    /// Whether the logged receipt's hash matches its content.
    hash_valid: bool,
    /// Whether the replay ran under another engine fingerprint.
    fingerprint_differs: bool,
    /// Fields that differ, as (field, logged, replayed).
    differences: Vec<(String, String, String)>,
    /// The logged receipt's hash.
    hash: String,
}

impl From<ReplayReport> for PyReplayReport {
    fn from(r: ReplayReport) -> Self {
        Self {
            identical: r.identical(),
            hash_valid: r.hash_valid,
            fingerprint_differs: r.fingerprint_differs(),
            differences: r
                .differences
                .iter()
                .map(|d| (d.field.clone(), d.logged.clone(), d.replayed.clone()))
                .collect(),
            hash: r.logged.hash.clone(),
        }
    }
}

#[pymethods]
impl PyReplayReport {
    fn __repr__(&self) -> String {
        format!(
            "ReplayReport(identical={}, differences={})",
            if self.identical { "True" } else { "False" },
            self.differences.len()
        )
    }
}

/// A receipt file's receipt.
fn read_receipt(file: &Path) -> Result<Receipt, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read receipt {}: {e}", file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not a receipt: {e}", file.display()))
}

/// Re-executes one receipt's run from a run log and compares (`imr replay`).
/// `receipt` is a receipt file (its log is the one it sits in, unless `log` is
/// given), or with `log` a sequence number (int) or a receipt hash (prefix).
#[pyfunction]
#[pyo3(signature = (receipt, *, log=None, engine="cranelift", cache_dir=None, cache=true))]
pub fn replay(
    py: Python<'_>,
    receipt: &Bound<'_, PyAny>,
    log: Option<PathBuf>,
    engine: &str,
    cache_dir: Option<PathBuf>,
    cache: bool,
) -> PyResult<PyReplayReport> {
    let options = ReplayOptions {
        backend: backend(engine)?,
        cache: artifact_cache(cache, cache_dir),
    };
    enum Reference {
        File(PathBuf),
        InLog(String),
    }
    let reference = if receipt.is_instance_of::<PyInt>() {
        let seq: u64 = receipt
            .extract()
            .map_err(|_| bad_argument("a receipt number must be a non-negative int"))?;
        Reference::InLog(seq.to_string())
    } else {
        let path: PathBuf = receipt.extract().map_err(|_| {
            PyTypeError::new_err("receipt must be a receipt file path, a sequence number or a hash")
        })?;
        if path.is_file() {
            Reference::File(path)
        } else if receipt.is_instance_of::<PyString>() {
            Reference::InLog(receipt.extract()?)
        } else {
            return Err(log_error(
                py,
                &format!("receipt file {} does not exist", path.display()),
            ));
        }
    };
    let report = py.detach(|| -> Result<ReplayReport, String> {
        let (log, receipt) = match reference {
            Reference::File(file) => {
                let receipt = read_receipt(&file)?;
                let log_path = log.or_else(|| enclosing_log(&file)).ok_or_else(|| {
                    format!(
                        "{} is not inside a run log: give the log holding its blobs with log=",
                        file.display()
                    )
                })?;
                (Log::open(&log_path).map_err(|e| e.to_string())?, receipt)
            }
            Reference::InLog(r) => {
                let log_path = log.ok_or_else(|| {
                    format!(
                        "{r} is not a receipt file; to name a receipt by number or hash, give log="
                    )
                })?;
                let log = Log::open(&log_path).map_err(|e| e.to_string())?;
                let (_, receipt) = log.find(&r).map_err(|e| e.to_string())?;
                (log, receipt)
            }
        };
        replay_receipt(&log, &receipt, &options).map_err(|e| e.to_string())
    });
    report
        .map(PyReplayReport::from)
        .map_err(|e| log_error(py, &e))
}
