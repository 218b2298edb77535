//! The output files of one run (`imr run --out DIR`): `receipt.json`,
//! `weights.json`, `state.json` and `diagnostics.json`, the same bytes for the
//! CLI, the library and the Python package.

use std::path::{Path, PathBuf};

use crate::fsutil::write_atomic;
use crate::runner::Executed;
use crate::session::is_result;

/// The files [`write_outputs`] writes (and removes first, so that no output of
/// an earlier run sits beside this run's receipt).
pub const OUTPUT_FILES: [&str; 4] = [
    "weights.json",
    "receipt.json",
    "state.json",
    "diagnostics.json",
];

/// An output file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {path}: {source}")]
pub struct OutputError {
    /// What was being done.
    pub action: &'static str,
    /// The file or directory.
    pub path: PathBuf,
    /// The OS error.
    #[source]
    pub source: std::io::Error,
}

/// What [`write_outputs`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// `receipt.json` (absent when the run gave no result).
    pub receipt: bool,
    /// `weights.json`, `state.json` and `diagnostics.json` (the run succeeded).
    pub weights: bool,
}

/// The bytes of `receipt.json`: the sealed receipt, pretty-printed.
pub fn receipt_json(ex: &Executed) -> Vec<u8> {
    ex.receipt.to_json_pretty().into_bytes()
}

/// The bytes of `weights.json`, when the run succeeded and produced weights.
pub fn weights_json(ex: &Executed) -> Option<Vec<u8>> {
    let weights = ex.receipt.weights.as_ref()?;
    ex.run.result.as_ref().ok()?;
    let value = serde_json::json!({
        "netuid": weights.netuid,
        "uids": weights.uids,
        "values": weights.values,
        "version_key": weights.version_key,
        "set_weights_call": weights.set_weights_call,
        "call": ex.emission.as_ref().map(|e| &e.choices.call),
        "preflight": ex.emission.as_ref().map(|e| &e.preflight),
        "timelocked_commit": ex.timelocked.as_ref().map(|t| match t {
            Ok(c) => serde_json::to_value(c).unwrap_or_default(),
            Err(reason) => serde_json::json!({ "error": reason }),
        }),
    });
    // Serializing a `Value` of plain numbers and strings cannot fail.
    serde_json::to_vec_pretty(&value).ok()
}

/// Writes the run's output files into `out` (created when missing), each
/// atomically, after removing the outputs of an earlier run.
pub fn write_outputs(out: &Path, ex: &Executed) -> Result<Written, OutputError> {
    let err = |action, path: PathBuf| {
        move |source| OutputError {
            action,
            path,
            source,
        }
    };
    std::fs::create_dir_all(out).map_err(err("create", out.to_path_buf()))?;
    for name in OUTPUT_FILES {
        let p = out.join(name);
        if p.exists() {
            std::fs::remove_file(&p).map_err(err("replace", p.clone()))?;
        }
    }
    let write = |name: &str, bytes: &[u8]| {
        let p = out.join(name);
        write_atomic(&p, bytes).map_err(err("write", p.clone()))
    };
    let mut written = Written {
        receipt: false,
        weights: false,
    };
    if is_result(ex) {
        write("receipt.json", &receipt_json(ex))?;
        written.receipt = true;
    }
    if let (Ok(outcome), Some(weights)) = (&ex.run.result, weights_json(ex)) {
        write("weights.json", &weights)?;
        write("state.json", &outcome.state)?;
        write("diagnostics.json", &outcome.diagnostics)?;
        written.weights = true;
    }
    Ok(written)
}
