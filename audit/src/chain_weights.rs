//! The audit of a run log against the chain: did the validator set, on chain, the weights its
//! receipts say it computed?
//!
//! # The chain-weights export (`imr-chain-weights/1`)
//!
//! What a hotkey's weights row held on chain, one entry per time it changed, as JSON:
//!
//! ```json
//! {
//!   "format": "imr-chain-weights/1",
//!   "hotkey": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
//!   "entries": [
//!     {"block": 1004, "netuid": 7, "mecid": 0, "uids": [0, 3, 9], "values": [65535, 1200, 0]}
//!   ]
//! }
//! ```
//!
//! - `format` (required): the string above.
//! - `hotkey` (optional): the validator's ss58 address; informational, the audit does not read it.
//! - `entries[]`: `block` is the block of the extrinsic that put the row on chain: the
//!   `set_weights`/`set_mechanism_weights` call, or, under commit-reveal, the commit whose reveal
//!   produced the row (the row itself is read after the reveal); `netuid`, `mecid` (0 when the
//!   subnet has one mechanism) name the row (`Weights[mecid * 4096 + netuid][uid]`); `uids` and
//!   `values` are the row as the chain stores it (the `(uid, u16)` pairs, after the chain's
//!   max-upscale; a row as submitted is accepted too, see below). Entries may come in any order.
//!
//! # The check
//!
//! A receipt's epoch is the `block` of its epoch input; a validator sets the weights of an epoch
//! after computing them and before the next epoch. So each chain entry belongs to the receipt of
//! the same `(netuid, mecid)` with the greatest epoch block not after the entry's block (the
//! latest receipt on ties). Then, per receipt:
//!
//! - it computed weights and has no entry: **missing** (it did not set what it computed);
//! - an entry differs from what it computed: **differs** (it set weights it did not compute, e.g.
//!   copied another validator's row); every entry in the epoch must match, re-setting the same row
//!   is fine;
//! - its run produced no weights and it has an entry: **unexpected** (weights it did not compute).
//!
//! Rows are compared as the chain stores them: both sides max-upscaled as subtensor does
//! ([`imr_weights::chain::max_upscale`], the identity on the SDK's quantized rows, whose maximum is
//! already 65535), zero values dropped, ordered by uid. Entries older than the log's first epoch,
//! or for a `(netuid, mecid)` the log has no receipt for, are not checked and are counted in the
//! report.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The format tag of a chain-weights export.
pub const CHAIN_WEIGHTS_FORMAT: &str = "imr-chain-weights/1";

/// A chain-weights export (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainWeights {
    /// [`CHAIN_WEIGHTS_FORMAT`].
    pub format: String,
    /// The validator's hotkey (ss58), informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotkey: Option<String>,
    /// The rows the hotkey had on chain.
    pub entries: Vec<ChainEntry>,
}

/// One weights row of the hotkey on chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainEntry {
    /// Block of the extrinsic that set (or committed) the row.
    pub block: u64,
    /// The subnet.
    pub netuid: u16,
    /// The mechanism.
    pub mecid: u8,
    /// The row's uids.
    pub uids: Vec<u16>,
    /// The row's values, one per uid.
    pub values: Vec<u16>,
}

/// A chain-weights file that cannot be used: the message names the file and the field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file}: {field}: {problem}")]
pub struct ChainWeightsError {
    /// The file (as the caller names it).
    pub file: String,
    /// The field, as a path (`entries[3].values`), or `.` for the whole document.
    pub field: String,
    /// What is wrong.
    pub problem: String,
}

impl ChainWeights {
    /// Parses and checks an export; `file` names it in errors. Refuses unknown fields, another
    /// format tag, `uids` and `values` of different lengths, and a uid listed twice in a row.
    pub fn from_json(bytes: &[u8], file: &str) -> Result<Self, ChainWeightsError> {
        let err = |field: String, problem: String| ChainWeightsError {
            file: file.to_string(),
            field,
            problem,
        };
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        let parsed: ChainWeights = serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            let inner = e.into_inner();
            err(field, inner.to_string())
        })?;
        if parsed.format != CHAIN_WEIGHTS_FORMAT {
            return Err(err(
                "format".into(),
                format!("{:?} is not {CHAIN_WEIGHTS_FORMAT:?}", clip(&parsed.format)),
            ));
        }
        for (i, e) in parsed.entries.iter().enumerate() {
            if e.uids.len() != e.values.len() {
                return Err(err(
                    format!("entries[{i}].values"),
                    format!(
                        "{} values for {} uids (one value per uid)",
                        e.values.len(),
                        e.uids.len()
                    ),
                ));
            }
            let mut seen = BTreeSet::new();
            for (j, uid) in e.uids.iter().enumerate() {
                if !seen.insert(uid) {
                    return Err(err(
                        format!("entries[{i}].uids[{j}]"),
                        format!("uid {uid} is listed twice in the row"),
                    ));
                }
            }
        }
        Ok(parsed)
    }
}

fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

/// What a receipt says the validator computed for one epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComputedWeights {
    /// The receipt's number in the log.
    pub seq: u64,
    /// The epoch input's block.
    pub block: u64,
    /// The subnet.
    pub netuid: u16,
    /// The mechanism.
    pub mecid: u8,
    /// The weights row it emitted, `(uids, values)`; `None` when its run produced none.
    pub row: Option<(Vec<u16>, Vec<u16>)>,
}

/// How an epoch's chain weights differ from its receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// The validator computed weights but the chain holds no row for the epoch.
    Missing,
    /// The chain holds a row other than the one computed.
    Differs {
        /// The chain entry's block.
        chain_block: u64,
        /// Uids whose value differs (present on one side only counts as differing).
        differing_uids: usize,
        /// Up to 5 of them: `(uid, computed, on chain)`, 0 for absent.
        examples: Vec<(u16, u16, u16)>,
    },
    /// The chain holds a row for an epoch whose run produced no weights.
    Unexpected {
        /// The chain entry's block.
        chain_block: u64,
    },
}

/// One epoch where the chain and the log disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EpochFinding {
    /// The receipt.
    pub seq: u64,
    /// Its epoch block.
    pub block: u64,
    /// The subnet.
    pub netuid: u16,
    /// The mechanism.
    pub mecid: u8,
    /// What differs.
    #[serde(flatten)]
    pub finding: Finding,
}

impl std::fmt::Display for EpochFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "receipt {} (epoch block {}, netuid {}, mecid {}): ",
            self.seq, self.block, self.netuid, self.mecid
        )?;
        match &self.finding {
            Finding::Missing => write!(
                f,
                "missing: the validator computed weights but did not set them (no chain row for this epoch)"
            ),
            Finding::Differs {
                chain_block,
                differing_uids,
                examples,
            } => {
                write!(
                    f,
                    "differs: the row set at block {chain_block} is not the one computed \
                     ({differing_uids} uid(s) differ"
                )?;
                for (i, (uid, computed, chain)) in examples.iter().enumerate() {
                    let sep = if i == 0 { ": " } else { ", " };
                    write!(f, "{sep}uid {uid} computed {computed} on chain {chain}")?;
                }
                if *differing_uids > examples.len() {
                    write!(f, ", ...")?;
                }
                write!(f, ")")
            }
            Finding::Unexpected { chain_block } => write!(
                f,
                "unexpected: a row was set at block {chain_block} but the run produced no weights"
            ),
        }
    }
}

/// The outcome of an audit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Receipts checked.
    pub receipts: usize,
    /// Chain entries matched to a receipt.
    pub entries_checked: usize,
    /// Chain entries older than the log's first epoch of their `(netuid, mecid)`.
    pub entries_before_log: usize,
    /// Chain entries for a `(netuid, mecid)` no receipt has.
    pub entries_other_mechanism: usize,
    /// Epochs where the chain and the log disagree, in receipt order.
    pub findings: Vec<EpochFinding>,
}

impl AuditReport {
    /// Whether every epoch matches.
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// A row as the chain stores it: max-upscaled, zeros dropped, by uid.
fn stored(uids: &[u16], values: &[u16]) -> BTreeMap<u16, u16> {
    let upscaled = imr_weights::chain::max_upscale(values);
    uids.iter()
        .zip(upscaled)
        .filter(|(_, v)| *v != 0)
        .map(|(u, v)| (*u, v))
        .collect()
}

fn compare(computed: &BTreeMap<u16, u16>, chain: &BTreeMap<u16, u16>) -> Vec<(u16, u16, u16)> {
    let uids: BTreeSet<u16> = computed.keys().chain(chain.keys()).copied().collect();
    uids.into_iter()
        .filter_map(|u| {
            let c = computed.get(&u).copied().unwrap_or(0);
            let h = chain.get(&u).copied().unwrap_or(0);
            (c != h).then_some((u, c, h))
        })
        .collect()
}

/// Checks each receipt's weights against the chain's rows (see the module docs).
pub fn audit(computed: &[ComputedWeights], chain: &ChainWeights) -> AuditReport {
    let mut report = AuditReport {
        receipts: computed.len(),
        ..AuditReport::default()
    };
    // Receipts per (netuid, mecid), ordered by (block, seq).
    let mut streams: BTreeMap<(u16, u8), Vec<&ComputedWeights>> = BTreeMap::new();
    for c in computed {
        streams.entry((c.netuid, c.mecid)).or_default().push(c);
    }
    for list in streams.values_mut() {
        list.sort_by_key(|c| (c.block, c.seq));
    }
    // Chain entries assigned to receipts (by seq).
    let mut assigned: BTreeMap<u64, Vec<&ChainEntry>> = BTreeMap::new();
    for entry in &chain.entries {
        let Some(list) = streams.get(&(entry.netuid, entry.mecid)) else {
            report.entries_other_mechanism += 1;
            continue;
        };
        let owners = list.partition_point(|c| c.block <= entry.block);
        match owners.checked_sub(1) {
            None => report.entries_before_log += 1,
            Some(i) => {
                report.entries_checked += 1;
                assigned.entry(list[i].seq).or_default().push(entry);
            }
        }
    }
    let mut ordered: Vec<&ComputedWeights> = computed.iter().collect();
    ordered.sort_by_key(|c| c.seq);
    for c in ordered {
        let mut entries = assigned.remove(&c.seq).unwrap_or_default();
        entries.sort_by_key(|e| e.block);
        let finding = |finding| EpochFinding {
            seq: c.seq,
            block: c.block,
            netuid: c.netuid,
            mecid: c.mecid,
            finding,
        };
        match &c.row {
            None => {
                if let Some(e) = entries.first() {
                    report.findings.push(finding(Finding::Unexpected {
                        chain_block: e.block,
                    }));
                }
            }
            Some((uids, values)) => {
                if entries.is_empty() {
                    report.findings.push(finding(Finding::Missing));
                    continue;
                }
                let want = stored(uids, values);
                for e in entries {
                    let diff = compare(&want, &stored(&e.uids, &e.values));
                    if !diff.is_empty() {
                        report.findings.push(finding(Finding::Differs {
                            chain_block: e.block,
                            differing_uids: diff.len(),
                            examples: diff.into_iter().take(5).collect(),
                        }));
                    }
                }
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(seq: u64, block: u64, row: Option<(&[u16], &[u16])>) -> ComputedWeights {
        ComputedWeights {
            seq,
            block,
            netuid: 7,
            mecid: 0,
            row: row.map(|(u, v)| (u.to_vec(), v.to_vec())),
        }
    }

    fn entry(block: u64, uids: &[u16], values: &[u16]) -> ChainEntry {
        ChainEntry {
            block,
            netuid: 7,
            mecid: 0,
            uids: uids.to_vec(),
            values: values.to_vec(),
        }
    }

    fn chain(entries: Vec<ChainEntry>) -> ChainWeights {
        ChainWeights {
            format: CHAIN_WEIGHTS_FORMAT.into(),
            hotkey: None,
            entries,
        }
    }

    #[test]
    fn an_honest_validator_passes_even_with_rows_as_stored_and_resets() {
        let log = [
            receipt(0, 100, Some((&[1, 2], &[65535, 30000]))),
            receipt(1, 200, Some((&[1, 3], &[1000, 65535]))),
        ];
        // Chain order, zeros, re-set rows and a row as submitted before the max-upscale.
        let c = chain(vec![
            entry(205, &[3, 1, 4], &[65535, 1000, 0]),
            entry(101, &[1, 2], &[65535, 30000]),
            entry(230, &[1, 3], &[1000, 65535]),
            entry(50, &[9], &[1]),
        ]);
        let r = audit(&log, &c);
        assert!(r.ok(), "{:?}", r.findings);
        assert_eq!((r.entries_checked, r.entries_before_log), (3, 1));
        // Max-upscaled on both sides: a row submitted at half scale is the same row.
        let half = chain(vec![
            entry(100, &[1, 2], &[32768, 15000]),
            entry(200, &[1, 3], &[1000, 65535]),
        ]);
        let r = audit(&log, &half);
        assert!(r.ok(), "{:?}", r.findings);
    }

    #[test]
    fn copied_missing_and_unexpected_rows_are_each_reported_by_epoch() {
        let log = [
            receipt(0, 100, Some((&[1, 2], &[65535, 30000]))),
            receipt(1, 200, Some((&[1, 2], &[65535, 10]))),
            receipt(2, 300, None),
            receipt(3, 400, Some((&[1, 2], &[5, 65535]))),
        ];
        let c = chain(vec![
            entry(100, &[1, 2], &[65535, 30000]),
            // Epoch 200: copied someone else's row.
            entry(201, &[1, 2, 5], &[65535, 20, 7]),
            // Epoch 300: the run failed, yet a row was set.
            entry(301, &[1], &[65535]),
            // Epoch 400: nothing set.
        ]);
        let r = audit(&log, &c);
        let kinds: Vec<(u64, &Finding)> = r.findings.iter().map(|f| (f.seq, &f.finding)).collect();
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        assert_eq!(
            kinds[0],
            (
                1,
                &Finding::Differs {
                    chain_block: 201,
                    differing_uids: 2,
                    examples: vec![(2, 10, 20), (5, 0, 7)]
                }
            )
        );
        assert_eq!(kinds[1], (2, &Finding::Unexpected { chain_block: 301 }));
        assert_eq!(kinds[2], (3, &Finding::Missing));
        let text = r.findings[0].to_string();
        assert!(text.starts_with("receipt 1 (epoch block 200"), "{text}");
        assert!(text.contains("uid 2 computed 10 on chain 20"), "{text}");
    }

    #[test]
    fn other_mechanisms_are_not_checked() {
        let log = [receipt(0, 100, Some((&[1], &[65535])))];
        let mut other = entry(100, &[1], &[65535]);
        other.mecid = 1;
        let r = audit(&log, &chain(vec![entry(100, &[1], &[65535]), other]));
        assert!(r.ok());
        assert_eq!((r.entries_checked, r.entries_other_mechanism), (1, 1));
    }

    #[test]
    fn bad_files_name_the_file_and_the_field() {
        let parse = |s: &str| ChainWeights::from_json(s.as_bytes(), "cw.json").unwrap_err();
        let e = parse(
            r#"{"format": "imr-chain-weights/1", "entries": [{"block": 1, "netuid": 7, "mecid": 0, "uids": [1], "values": [70000]}]}"#,
        );
        assert_eq!(e.file, "cw.json");
        assert_eq!(e.field, "entries[0].values[0]");
        assert!(
            e.to_string().starts_with("cw.json: entries[0].values[0]: "),
            "{e}"
        );
        let e = parse(
            r#"{"format": "imr-chain-weights/1", "entries": [{"block": 1, "netuid": 7, "mecid": 0, "uids": [1, 2], "values": [3]}]}"#,
        );
        assert_eq!(e.field, "entries[0].values");
        let e = parse(
            r#"{"format": "imr-chain-weights/1", "entries": [{"block": 1, "netuid": 7, "mecid": 0, "uids": [1, 1], "values": [3, 4]}]}"#,
        );
        assert_eq!(e.field, "entries[0].uids[1]");
        let e = parse(
            r#"{"format": "imr-chain-weights/1", "entries": [{"block": 1, "netuid": 7, "uids": [], "values": []}]}"#,
        );
        assert_eq!(e.field, "entries[0]");
        assert!(e.problem.contains("mecid"), "{e}");
        let e = parse(r#"{"format": "other", "entries": []}"#);
        assert_eq!(e.field, "format");
        let e = parse(r#"{"format": "imr-chain-weights/1", "entries": [], "extra": 1}"#);
        assert!(e.problem.contains("extra"), "{e}");
        let e = parse("not json");
        assert_eq!(e.field, ".");
        let ok = ChainWeights::from_json(
            br#"{"format": "imr-chain-weights/1", "hotkey": "5G", "entries": []}"#,
            "cw.json",
        )
        .unwrap();
        assert_eq!(ok.hotkey.as_deref(), Some("5G"));
    }
}
