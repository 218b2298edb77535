//! The simulation's output folder: per-epoch CSV and JSON lines, the summary, and the simulation
//! receipt that hashes every input and output.
//!
//! | file | content |
//! |---|---|
//! | `uids.csv` | per epoch and uid: role, name, stake, consensus, incentive, dividends, trust (u16), emission (rao), active, permit |
//! | `weights.csv` | per epoch, validator and uid: the u16 weight the validator set (only epochs it set weights) |
//! | `epochs.jsonl` | one line per epoch: every validator's action and row, and the Yuma vectors |
//! | `summary.json` | the totals ([`Summary`]) |
//! | `runs/NAME/` | the run log of each validator that runs the mechanism (written by the runner) |
//! | `simulation.json` | the receipt: inputs, output hashes, and its own hash |
//!
//! Everything is a function of the inputs: no time, no paths, no OS randomness.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::simulate::Simulation;
use crate::summary::Summary;

/// The receipt's format tag.
pub const RECEIPT_FORMAT: &str = "imr-simulation/1";

/// An output that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// An I/O failure on a named path.
    #[error("{path}: cannot {action}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// What was attempted.
        action: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The output folder exists and is not a simulation's.
    #[error(
        "{0}: exists and is not the output of a simulation (no simulation.json); give a new --out"
    )]
    NotSimulationOutput(PathBuf),
    /// JSON encoding failed.
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
}

fn io(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> OutputError {
    let path = path.to_path_buf();
    move |source| OutputError::Io {
        path,
        action,
        source,
    }
}

/// A staging folder next to the output folder: everything is written there and moved into place
/// only when complete, so a failed simulation leaves no half-written output.
#[derive(Debug)]
pub struct Staging {
    dir: tempfile::TempDir,
    out: PathBuf,
}

impl Staging {
    /// Checks that `out` is missing, empty, or a previous simulation's output (which it will
    /// replace), and creates the staging folder beside it.
    pub fn new(out: &Path) -> Result<Self, OutputError> {
        if out.exists() {
            let empty = std::fs::read_dir(out)
                .map_err(io(out, "list"))?
                .next()
                .is_none();
            if !empty && !out.join("simulation.json").is_file() {
                return Err(OutputError::NotSimulationOutput(out.to_path_buf()));
            }
        }
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io(&parent, "create"))?;
        let dir = tempfile::Builder::new()
            .prefix(".imr-simulate-")
            .tempdir_in(&parent)
            .map_err(io(&parent, "create a staging folder in"))?;
        Ok(Self {
            dir,
            out: out.to_path_buf(),
        })
    }

    /// Where to write.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Moves the finished folder to the output path (replacing a previous simulation's output).
    pub fn commit(self) -> Result<(), OutputError> {
        let staged = self.dir.keep();
        let mut old = None;
        if self.out.exists() {
            let aside = staged.with_extension("old");
            std::fs::rename(&self.out, &aside).map_err(io(&self.out, "move aside"))?;
            old = Some(aside);
        }
        std::fs::rename(&staged, &self.out).map_err(io(&self.out, "create"))?;
        if let Some(aside) = old {
            std::fs::remove_dir_all(&aside).map_err(io(&aside, "remove"))?;
        }
        Ok(())
    }
}

fn csv_bool(b: bool) -> u8 {
    u8::from(b)
}

/// `uids.csv`.
pub fn uids_csv(sim: &Simulation) -> String {
    let mut s = String::from(
        "epoch,block,uid,role,name,stake_rao,consensus_u16,incentive_u16,dividends_u16,\
         validator_trust_u16,emission_rao,server_emission_rao,validator_emission_rao,active,validator_permit\n",
    );
    let vs = &sim.validators.validators;
    for r in &sim.records {
        let o = &r.output;
        for uid in 0..o.consensus_u16.len() {
            let (role, name, stake) = match uid.checked_sub(sim.miners as usize) {
                Some(i) => ("validator", vs[i].name.as_str(), vs[i].stake_rao()),
                None => ("miner", "", 0),
            };
            let _ = writeln!(
                s,
                "{},{},{uid},{role},{name},{stake},{},{},{},{},{},{},{},{},{}",
                r.index,
                r.block,
                o.consensus_u16[uid],
                o.incentive_u16[uid],
                o.dividends_u16[uid],
                o.validator_trust_u16[uid],
                o.emission[uid],
                o.server_emission[uid],
                o.validator_emission[uid],
                csv_bool(o.active[uid]),
                csv_bool(o.new_validator_permit[uid]),
            );
        }
    }
    s
}

/// `weights.csv`.
pub fn weights_csv(sim: &Simulation) -> String {
    let mut s = String::from("epoch,block,validator,uid,weight_u16\n");
    let vs = &sim.validators.validators;
    for r in &sim.records {
        for (i, a) in r.actions.iter().enumerate() {
            for &(uid, w) in a.row().map(|r| r.as_slice()).unwrap_or_default() {
                let _ = writeln!(s, "{},{},{},{uid},{w}", r.index, r.block, vs[i].name);
            }
        }
    }
    s
}

/// `epochs.jsonl`.
pub fn epochs_jsonl(sim: &Simulation) -> Result<String, OutputError> {
    let mut s = String::new();
    let vs = &sim.validators.validators;
    for (r, hash) in sim.records.iter().zip(&sim.epoch_hashes) {
        let validators: Vec<Value> = r
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let mut v =
                    json!({"name": vs[i].name, "uid": sim.validator_uid(i), "action": a.name()});
                if let Some(row) = a.row() {
                    v["row"] = json!(row);
                }
                if let crate::simulate::Action::Failed { error } = a {
                    v["error"] = json!(error);
                }
                v
            })
            .collect();
        let o = &r.output;
        let line = json!({
            "epoch": r.index,
            "block": r.block,
            "epoch_hash": hash,
            "validators": validators,
            "consensus_u16": o.consensus_u16,
            "incentive_u16": o.incentive_u16,
            "dividends_u16": o.dividends_u16,
            "validator_trust_u16": o.validator_trust_u16,
            "emission_rao": o.emission,
            "server_emission_rao": o.server_emission,
            "validator_emission_rao": o.validator_emission,
            "active": o.active,
            "validator_permit": o.new_validator_permit,
        });
        s.push_str(&serde_json::to_string(&line)?);
        s.push('\n');
    }
    Ok(s)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<String, OutputError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(io(&path, "write"))?;
    Ok(blake3::hash(bytes).to_hex().to_string())
}

/// Writes the outputs of `sim` into `dir` and returns the receipt (also written, as
/// `simulation.json`). `inputs` is what the caller knows of the inputs (the mechanism, the
/// files' hashes, the engine) and `runs` the run logs' head hashes by validator name; both go
/// into the receipt verbatim.
pub fn write_outputs(
    sim: &Simulation,
    summary: &Summary,
    dir: &Path,
    inputs: Value,
    runs: Value,
) -> Result<Value, OutputError> {
    let mut outputs = serde_json::Map::new();
    outputs.insert(
        "uids.csv".into(),
        write(dir, "uids.csv", uids_csv(sim).as_bytes())?.into(),
    );
    outputs.insert(
        "weights.csv".into(),
        write(dir, "weights.csv", weights_csv(sim).as_bytes())?.into(),
    );
    outputs.insert(
        "epochs.jsonl".into(),
        write(dir, "epochs.jsonl", epochs_jsonl(sim)?.as_bytes())?.into(),
    );
    let mut summary_text = serde_json::to_string_pretty(summary)?;
    summary_text.push('\n');
    outputs.insert(
        "summary.json".into(),
        write(dir, "summary.json", summary_text.as_bytes())?.into(),
    );
    let mut receipt = json!({
        "format": RECEIPT_FORMAT,
        "inputs": inputs,
        "epochs": sim.epoch_hashes,
        "validators": sim.validators.validators,
        "hyperparams": sim.hyperparams,
        "sdk": sim.sdk,
        "miners": sim.miners,
        "runs": runs,
        "outputs": outputs,
    });
    let hash = blake3::hash(&imr_types::canonical_json(&receipt)?)
        .to_hex()
        .to_string();
    receipt["hash"] = json!(hash);
    let mut text = serde_json::to_string_pretty(&receipt)?;
    text.push('\n');
    write(dir, "simulation.json", text.as_bytes())?;
    Ok(receipt)
}

/// Whether a receipt's `hash` matches its content.
pub fn receipt_hash_is_valid(receipt: &Value) -> bool {
    let mut body = receipt.clone();
    let Some(given) = body.as_object_mut().and_then(|m| m.remove("hash")) else {
        return false;
    };
    imr_types::canonical_json(&body)
        .map(|b| json!(blake3::hash(&b).to_hex().to_string()) == given)
        .unwrap_or(false)
}
