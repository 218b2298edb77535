//! The output files of one run (`imr run --out DIR`): `receipt.json`,
//! `weights.json`, `state.json` and `diagnostics.json`, the same bytes for the
//! CLI, the library and the Python package, written as one set under the
//! directory's lock, with `manifest.json` last.

use std::path::{Path, PathBuf};

use crate::out_lock::OutLock;
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

/// The manifest of an output set, written last: an output directory holds a
/// complete set exactly when `manifest.json` is present and every file it
/// lists has the blake3 it records ([`read_manifest`] checks).
pub const MANIFEST: &str = "manifest.json";

/// What `manifest.json` records.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// The manifest format (1).
    pub format: u32,
    /// The hash of the run's receipt (also when no `receipt.json` was written).
    pub receipt_hash: String,
    /// Each file of the set with its blake3 (hex), by name.
    pub files: std::collections::BTreeMap<String, String>,
}

/// Writes the run's output files into `out` (created when missing) as one set,
/// holding the directory's lock ([`OutLock`]) while it does; see
/// [`write_outputs_locked`].
pub fn write_outputs(out: &Path, ex: &Executed) -> Result<Written, OutputError> {
    let lock = OutLock::acquire(out).map_err(|e| OutputError {
        action: "lock",
        path: out.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    write_outputs_locked(&lock, ex)
}

/// The files of the set and their bytes.
fn output_set(ex: &Executed) -> Vec<(&'static str, Vec<u8>)> {
    let mut files = Vec::new();
    if is_result(ex) {
        files.push(("receipt.json", receipt_json(ex)));
    }
    if let (Ok(outcome), Some(weights)) = (&ex.run.result, weights_json(ex)) {
        files.push(("weights.json", weights));
        files.push(("state.json", outcome.state.clone()));
        files.push(("diagnostics.json", outcome.diagnostics.clone()));
    }
    files
}

/// Writes the run's output set into the locked directory, atomically as a set:
///
/// 1. every file and the manifest are written and synced in a staging
///    directory inside `out` (a full disk fails here: the old set is untouched);
/// 2. the old `manifest.json` is removed (from here until step 4 the directory
///    holds no complete set, and says so by having no manifest);
/// 3. the new files are renamed into place, old files not in the new set removed;
/// 4. the new `manifest.json` is renamed into place, and the directory synced.
///
/// A crash leaves either the old complete set or files without a manifest, never
/// a set that claims to be complete and mixes two runs. Staging directories left
/// by a crash are removed by the next write.
pub fn write_outputs_locked(lock: &OutLock, ex: &Executed) -> Result<Written, OutputError> {
    let out = lock.dir();
    let err = |action, path: PathBuf| {
        move |source| OutputError {
            action,
            path,
            source,
        }
    };
    remove_stale_staging(out);
    let files = output_set(ex);
    let staging = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(out)
        .map_err(err("create a staging directory in", out.to_path_buf()))?;
    let manifest = Manifest {
        format: 1,
        receipt_hash: ex.receipt.hash.clone(),
        files: files
            .iter()
            .map(|(name, bytes)| (name.to_string(), blake3::hash(bytes).to_hex().to_string()))
            .collect(),
    };
    // Serializing strings cannot fail.
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    for (name, bytes) in files
        .iter()
        .map(|(n, b)| (*n, b.as_slice()))
        .chain([(MANIFEST, manifest_bytes.as_slice())])
    {
        let p = staging.path().join(name);
        write_synced(&p, bytes).map_err(err("write", out.join(name)))?;
    }
    let old_manifest = out.join(MANIFEST);
    match std::fs::remove_file(&old_manifest) {
        Ok(()) => sync_dir(out),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err("replace", old_manifest)(e)),
    }
    for name in OUTPUT_FILES {
        let target = out.join(name);
        if files.iter().any(|(n, _)| *n == name) {
            std::fs::rename(staging.path().join(name), &target)
                .map_err(err("replace", target.clone()))?;
        } else {
            match std::fs::remove_file(&target) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(err("remove", target)(e)),
            }
        }
    }
    sync_dir(out);
    std::fs::rename(staging.path().join(MANIFEST), &old_manifest)
        .map_err(err("write", old_manifest.clone()))?;
    sync_dir(out);
    Ok(Written {
        receipt: files.iter().any(|(n, _)| *n == "receipt.json"),
        weights: files.iter().any(|(n, _)| *n == "weights.json"),
    })
}

/// Reads an output directory's manifest and checks that every file it lists is
/// there with the recorded blake3: what a consumer of `--out` runs before
/// trusting the set. Errs when the set is incomplete or mixed.
pub fn read_manifest(out: &Path) -> Result<Manifest, OutputError> {
    let path = out.join(MANIFEST);
    let bytes = std::fs::read(&path).map_err(|source| OutputError {
        action: "read",
        path: path.clone(),
        source,
    })?;
    let bad = |path: PathBuf, what: String| OutputError {
        action: "trust",
        path,
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, what),
    };
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| bad(path.clone(), e.to_string()))?;
    for (name, hash) in &manifest.files {
        let p = out.join(name);
        let bytes = std::fs::read(&p).map_err(|source| OutputError {
            action: "read",
            path: p.clone(),
            source,
        })?;
        if blake3::hash(&bytes).to_hex().as_str() != hash {
            return Err(bad(
                p,
                "its blake3 is not the one manifest.json records: the set is not one run's".into(),
            ));
        }
    }
    Ok(manifest)
}

const STAGING_PREFIX: &str = ".imr-staging-";

/// Writes and syncs a new file.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create_new(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Syncs a directory's entries (best effort: not every platform can).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes staging directories a crashed writer left (the caller holds the lock).
fn remove_stale_staging(out: &Path) {
    let Ok(entries) = std::fs::read_dir(out) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(STAGING_PREFIX)
            && entry.file_type().is_ok_and(|t| t.is_dir())
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
