//! Reading a simulation's output folder (what `imr simulate` writes): the receipt
//! (`simulation.json`), `uids.csv`, `weights.csv` and `summary.json`.
//!
//! Every file the report uses is checked against the receipt's output hashes, so a report always
//! shows the data its receipt hash stands for. Errors name the file and the field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::csv_table::CsvTable;

/// A file of the folder that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file cannot be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file's content is unusable.
    #[error("{file}: {message}")]
    Invalid {
        /// The file.
        file: PathBuf,
        /// What is wrong, with the line and field.
        message: String,
    },
}

/// A validator as the receipt lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatorInfo {
    /// Its name.
    pub name: String,
    /// Its stake in TAO.
    pub stake: f64,
    /// Its behaviour's kind (`honest`, `copier`, ...).
    pub behaviour: String,
}

/// One epoch of the simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochData {
    /// The epoch's index (0-based, in run order).
    pub index: u64,
    /// The block the Yuma epoch ran at.
    pub block: u64,
    /// Each miner's consensus (u16 fixed point of a share), by uid.
    pub consensus_u16: Vec<u16>,
    /// Each miner's emission in rao, by uid.
    pub server_emission_rao: Vec<u64>,
    /// Each validator's dividends (validator emission) in rao, in receipt order.
    pub validator_emission_rao: Vec<u64>,
    /// Each validator's weights `(uid, u16)` as set this epoch (`None`: set none), in receipt
    /// order.
    pub weights: Vec<Option<Vec<(u16, u16)>>>,
}

/// `summary.json` is read back into the types imr-sim wrote it from.
pub use imr_sim::summary::{MinerTotal, Summary as SummaryFile, ValidatorTotal};

/// Everything the plots and the report show.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationData {
    /// The receipt's hash (`simulation.json` `hash`).
    pub receipt_hash: String,
    /// The number of miner uids (`0..miners`).
    pub miners: u16,
    /// The validators, in receipt order (validator `i` has uid `miners + i`).
    pub validators: Vec<ValidatorInfo>,
    /// The epochs, in run order.
    pub epochs: Vec<EpochData>,
    /// The totals.
    pub summary: SummaryFile,
}

#[derive(Deserialize)]
struct ReceiptBehaviour {
    kind: String,
}

#[derive(Deserialize)]
struct ReceiptValidator {
    name: String,
    stake: f64,
    behaviour: ReceiptBehaviour,
}

#[derive(Deserialize)]
struct Receipt {
    format: String,
    hash: String,
    miners: u16,
    validators: Vec<ReceiptValidator>,
    outputs: BTreeMap<String, String>,
}

/// The files read, with the receipt's names.
const RECEIPT: &str = "simulation.json";
const UIDS: &str = "uids.csv";
const WEIGHTS: &str = "weights.csv";
const SUMMARY: &str = "summary.json";

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn invalid(file: &Path, message: impl Into<String>) -> LoadError {
    LoadError::Invalid {
        file: file.to_path_buf(),
        message: message.into(),
    }
}

fn json<T: serde::de::DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T, LoadError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        invalid(path, format!("field `{field}`: {}", e.into_inner()))
    })
}

/// Reads an output file and checks it against the receipt's hash of it.
fn output(dir: &Path, receipt: &Receipt, name: &str) -> Result<(PathBuf, String), LoadError> {
    let path = dir.join(name);
    let bytes = read(&path)?;
    let receipt_path = dir.join(RECEIPT);
    let Some(expected) = receipt.outputs.get(name) else {
        return Err(invalid(
            &receipt_path,
            format!("field `outputs.{name}`: missing"),
        ));
    };
    if blake3::hash(&bytes).to_hex().as_str() != expected {
        return Err(invalid(
            &path,
            format!("does not match its hash in {RECEIPT} (`outputs.{name}`): changed after the simulation?"),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| invalid(&path, "not UTF-8 text"))?;
    Ok((path, text))
}

/// Reads the output folder `dir` of a simulation.
pub fn load(dir: &Path) -> Result<SimulationData, LoadError> {
    let receipt_path = dir.join(RECEIPT);
    let receipt_bytes = read(&receipt_path)?;
    let receipt: Receipt = json(&receipt_path, &receipt_bytes)?;
    if receipt.format != imr_sim::outputs::RECEIPT_FORMAT {
        return Err(invalid(
            &receipt_path,
            format!(
                "field `format`: `{}`, expected `{}`",
                receipt.format,
                imr_sim::outputs::RECEIPT_FORMAT
            ),
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(&receipt_bytes)
        .map_err(|e| invalid(&receipt_path, e.to_string()))?;
    if !imr_sim::outputs::receipt_hash_is_valid(&value) {
        return Err(invalid(
            &receipt_path,
            "field `hash`: does not match the receipt's content",
        ));
    }
    let validators: Vec<ValidatorInfo> = receipt
        .validators
        .iter()
        .map(|v| ValidatorInfo {
            name: v.name.clone(),
            stake: v.stake,
            behaviour: v.behaviour.kind.clone(),
        })
        .collect();

    let (summary_path, summary_text) = output(dir, &receipt, SUMMARY)?;
    let summary: SummaryFile = json(&summary_path, summary_text.as_bytes())?;
    let (uids_path, uids_text) = output(dir, &receipt, UIDS)?;
    let mut epochs = read_uids(&uids_path, &uids_text, receipt.miners, &validators)?;
    let (weights_path, weights_text) = output(dir, &receipt, WEIGHTS)?;
    read_weights(&weights_path, &weights_text, &validators, &mut epochs)?;
    Ok(SimulationData {
        receipt_hash: receipt.hash,
        miners: receipt.miners,
        validators,
        epochs,
        summary,
    })
}

/// `uids.csv`: one row per epoch and uid.
fn read_uids(
    path: &Path,
    text: &str,
    miners: u16,
    validators: &[ValidatorInfo],
) -> Result<Vec<EpochData>, LoadError> {
    let t = CsvTable::parse(path, text)?;
    let [epoch, block, uid, role, consensus, server, validator] = [
        "epoch",
        "block",
        "uid",
        "role",
        "consensus_u16",
        "server_emission_rao",
        "validator_emission_rao",
    ]
    .map(|c| t.column(c));
    let (epoch, block, uid, role) = (epoch?, block?, uid?, role?);
    let (consensus, server, validator) = (consensus?, server?, validator?);
    let mut epochs: Vec<EpochData> = Vec::new();
    for row in t.rows() {
        let index: u64 = row.parse(epoch, "an epoch index")?;
        if epochs.last().is_none_or(|e| e.index != index) {
            let expected = epochs.last().map_or(0, |e| e.index + 1);
            if index != expected {
                return Err(row.error(epoch, format!("{index}, expected {expected}")));
            }
            epochs.push(EpochData {
                index,
                block: row.parse(block, "a block number")?,
                consensus_u16: vec![0; usize::from(miners)],
                server_emission_rao: vec![0; usize::from(miners)],
                validator_emission_rao: vec![0; validators.len()],
                weights: vec![None; validators.len()],
            });
        }
        let e = epochs.last_mut().expect("pushed above");
        let u: u16 = row.parse(uid, "a uid")?;
        match (u.checked_sub(miners), row.text(role)) {
            (None, "miner") => {
                e.consensus_u16[usize::from(u)] = row.parse(consensus, "a u16")?;
                e.server_emission_rao[usize::from(u)] = row.parse(server, "an amount in rao")?;
            }
            (Some(i), "validator") if usize::from(i) < validators.len() => {
                e.validator_emission_rao[usize::from(i)] =
                    row.parse(validator, "an amount in rao")?;
            }
            (_, r) => {
                return Err(row.error(
                    role,
                    format!(
                        "uid {u} as `{r}`: {RECEIPT} has {miners} miners (uids 0..{miners}) and {} validators after them",
                        validators.len()
                    ),
                ))
            }
        }
    }
    Ok(epochs)
}

/// `weights.csv`: one row per epoch, validator and uid it set a weight on.
fn read_weights(
    path: &Path,
    text: &str,
    validators: &[ValidatorInfo],
    epochs: &mut [EpochData],
) -> Result<(), LoadError> {
    let t = CsvTable::parse(path, text)?;
    let [epoch, validator, uid, weight] =
        ["epoch", "validator", "uid", "weight_u16"].map(|c| t.column(c));
    let (epoch, validator, uid, weight) = (epoch?, validator?, uid?, weight?);
    let by_name: BTreeMap<&str, usize> = validators
        .iter()
        .enumerate()
        .map(|(i, v)| (v.name.as_str(), i))
        .collect();
    for row in t.rows() {
        let index: u64 = row.parse(epoch, "an epoch index")?;
        let e = usize::try_from(index)
            .ok()
            .and_then(|i| epochs.get_mut(i))
            .ok_or_else(|| row.error(epoch, format!("{index}: not an epoch of {UIDS}")))?;
        let name = row.text(validator);
        let &i = by_name
            .get(name)
            .ok_or_else(|| row.error(validator, format!("`{name}` is not in {RECEIPT}")))?;
        let w = (row.parse(uid, "a uid")?, row.parse(weight, "a u16")?);
        e.weights[i].get_or_insert_with(Vec::new).push(w);
    }
    Ok(())
}
