//! Rust errors as the exception classes of `imr.errors`.

use imr_host::epoch::EpochError;
use imr_host::{LoadError, RunError};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::json::{value_to_python, NotJson};

/// An instance of `imr.errors.<class>` with `message` and keyword attributes.
pub fn instance<'py>(
    py: Python<'py>,
    class: &str,
    message: &str,
    attrs: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    py.import("imr.errors")?
        .getattr(class)?
        .call((message,), Some(attrs))
}

/// The exception `imr.errors.<class>(message, **attrs)`, ready to raise;
/// `fill` sets the attributes.
pub fn raise(
    py: Python<'_>,
    class: &str,
    message: &str,
    fill: impl FnOnce(&Bound<'_, PyDict>) -> PyResult<()>,
) -> PyErr {
    let built = (|| {
        let kwargs = PyDict::new(py);
        fill(&kwargs)?;
        instance(py, class, message, &kwargs)
    })();
    match built {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

/// `InvalidEpoch` for a field problem; `path` is the file, when there is one.
pub fn invalid_epoch(
    py: Python<'_>,
    message: &str,
    field: &str,
    reason: &str,
    path: Option<String>,
) -> PyErr {
    raise(py, "InvalidEpoch", message, |kw| {
        kw.set_item("field", field)?;
        kw.set_item("reason", reason)?;
        kw.set_item("path", path)
    })
}

/// An epoch error as `InvalidEpoch`. `from_file` tells whether the message should
/// name the file (it does for files, not for dicts or constructor arguments).
pub fn epoch_error(py: Python<'_>, e: &EpochError, from_file: bool) -> PyErr {
    match e {
        EpochError::Invalid {
            path,
            field,
            message,
        } => {
            // A JSON text position means nothing for a dict or arguments.
            let message = if from_file {
                message.as_str()
            } else {
                without_position(message)
            };
            let text = if from_file {
                e.to_string()
            } else {
                format!("invalid epoch: {field}: {message}")
            };
            invalid_epoch(
                py,
                &text,
                field,
                message,
                from_file.then(|| path.display().to_string()),
            )
        }
        EpochError::Read { path, .. } => invalid_epoch(
            py,
            &e.to_string(),
            "",
            &e.to_string(),
            Some(path.display().to_string()),
        ),
        EpochError::Canonical(m) => invalid_epoch(py, &e.to_string(), "", m, None),
    }
}

/// `message` without serde_json's trailing " at line L column C".
fn without_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i)
            if message[i + " at line ".len()..]
                .split(" column ")
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) =>
        {
            &message[..i]
        }
        _ => message,
    }
}

/// A Python value that is not JSON, as `InvalidEpoch` naming the field.
pub fn not_json_epoch(py: Python<'_>, e: &NotJson) -> PyErr {
    invalid_epoch(
        py,
        &format!("invalid epoch: {e}"),
        &e.field,
        &e.message,
        None,
    )
}

/// A load error as `LoadError` (or `ForbiddenImports`).
pub fn load_error(py: Python<'_>, e: &LoadError) -> PyErr {
    match e {
        LoadError::ForbiddenImports(names) => raise(py, "ForbiddenImports", &e.to_string(), |kw| {
            kw.set_item("imports", names)
        }),
        _ => raise(py, "LoadError", &e.to_string(), |_| Ok(())),
    }
}

/// The class of `imr.errors` a run error maps to.
fn run_error_class(e: &RunError) -> &'static str {
    match e {
        RunError::OutOfFuel { .. } => "OutOfFuel",
        RunError::MemoryLimit { .. } => "MemoryLimit",
        RunError::StackOverflow { .. } => "StackOverflow",
        RunError::StackLimit { .. } => "StackLimit",
        RunError::Trap { .. } => "Trap",
        RunError::AbiFault { .. } => "AbiFault",
        RunError::WeightsRefused { .. } => "PipelineRefused",
        RunError::MechanismInvalidInput { .. } => "MechanismInvalidInput",
        RunError::MechanismFailed { .. } => "MechanismFailed",
        RunError::OutputTooLarge { .. } | RunError::InvalidOutput { .. } => "InvalidOutput",
        RunError::Host { .. } => "HostError",
    }
}

/// A run error as an (unraised) instance of its `imr.errors` class: `kind`,
/// `deterministic`, `details` (the receipt's error object) and the variant's fields.
pub fn run_error<'py>(py: Python<'py>, e: &RunError) -> PyResult<Bound<'py, PyAny>> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("kind", e.kind())?;
    kwargs.set_item("deterministic", e.deterministic())?;
    let details = value_to_python(py, e)?;
    kwargs.set_item("details", &details)?;
    match e {
        RunError::OutOfFuel { limit } => kwargs.set_item("limit", limit)?,
        RunError::MemoryLimit { requested, limit } => {
            kwargs.set_item("requested", requested)?;
            kwargs.set_item("limit", limit)?;
        }
        RunError::StackOverflow { limit_bytes } => kwargs.set_item("limit_bytes", limit_bytes)?,
        RunError::StackLimit { limit } => kwargs.set_item("limit", limit)?,
        RunError::Trap { trap, message } => {
            kwargs.set_item("trap", trap.to_string())?;
            kwargs.set_item("panic_message", message)?;
        }
        RunError::AbiFault { fault } => {
            kwargs.set_item("fault", value_to_python(py, fault)?)?;
            kwargs.set_item("reason", fault.to_string())?;
        }
        RunError::WeightsRefused { reason } => kwargs.set_item("reason", reason)?,
        RunError::MechanismInvalidInput { message }
        | RunError::MechanismFailed { message }
        | RunError::Host { message } => kwargs.set_item("reason", message)?,
        RunError::OutputTooLarge { what, size, limit } => {
            kwargs.set_item("what", what)?;
            kwargs.set_item("size", size)?;
            kwargs.set_item("limit", limit)?;
        }
        RunError::InvalidOutput { uid, value, reason } => {
            kwargs.set_item("uid", uid)?;
            kwargs.set_item("value", value)?;
            kwargs.set_item("reason", reason)?;
        }
    }
    instance(py, run_error_class(e), &e.to_string(), &kwargs)
}

/// The weights pipeline's refusal as `WeightsRefused`.
pub fn weights_refused(py: Python<'_>, e: &imr_weights::WeightsError) -> PyErr {
    raise(py, "WeightsRefused", &e.to_string(), |kw| {
        kw.set_item("python_error", e.kind().python_name())
    })
}

/// A run log problem as `LogError`.
pub fn log_error(py: Python<'_>, e: &dyn std::fmt::Display) -> PyErr {
    raise(py, "LogError", &e.to_string(), |_| Ok(()))
}

/// A Yuma input problem as `YumaError`.
pub fn yuma_error(py: Python<'_>, e: &dyn std::fmt::Display) -> PyErr {
    raise(py, "YumaError", &e.to_string(), |_| Ok(()))
}

/// A bad argument value.
pub fn bad_argument(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
