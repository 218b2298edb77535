//! Receipts: what a run proves, in a form anyone can recompute and compare.
//!
//! A receipt names, by blake3, the component, the canonical epoch, the state in
//! and out, the outcome and the log; records fuel, limits and the engine
//! fingerprint, the emitted weights, and the previous receipt's hash; and ends
//! with its own hash over the canonical JSON (sorted keys, compact) of all that.

use serde::{Deserialize, Serialize};

use crate::fingerprint::Fingerprint;
use crate::guest_log::LogLine;
use crate::run_error::RunError;
use imr_types::Outcome;

/// The format tag of receipts written by this version.
///
/// Format 2 (this version) differs from format 1 only in what a refusal of the scores by the
/// weights pipeline records: the error kind `weights_refused` with its `reason`, where format 1
/// recorded `mechanism_failed` with the message "the weights pipeline refused the scores: …".
/// Format 1 logs still verify: replay writes a format 1 receipt for a format 1 original (see
/// [`Receipt::in_format`]).
pub const RECEIPT_FORMAT: &str = "imr-receipt/2";

/// The format tag of receipts written by imr before format 2.
pub const RECEIPT_FORMAT_V1: &str = "imr-receipt/1";

/// Every receipt format this version reads and replays.
pub const READABLE_FORMATS: [&str; 2] = [RECEIPT_FORMAT_V1, RECEIPT_FORMAT];

/// A receipt in a format this version cannot reproduce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("receipt format {found:?} is not one this imr reads ({}); use the imr version that wrote it", READABLE_FORMATS.join(", "))]
pub struct UnknownFormat {
    /// The format found.
    pub found: String,
}

/// The weights a run emitted, as they would be submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightsRecord {
    /// The subnet.
    pub netuid: u16,
    /// Ascending uids.
    pub uids: Vec<u16>,
    /// u16 values (max 65535, zeros dropped).
    pub values: Vec<u16>,
    /// The weights version key.
    pub version_key: u64,
    /// SCALE-encoded `set_weights(netuid, dests, weights, version_key)` arguments, hex.
    pub set_weights_call: String,
    /// The pipeline's choices (SDK generation, chain parameters, preflight verdict).
    pub pipeline: PipelineRecord,
}

/// What the weights pipeline did, as a receipt records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineRecord {
    /// The pipeline's choices; `choices.sdk` is the SDK generation replay uses.
    pub choices: imr_weights::Choices,
    /// The chain parameters used.
    pub chain: imr_weights::ChainParams,
    /// The chain's pre-flight verdict for the plaintext call.
    pub preflight: imr_weights::Verdict,
    /// Only when a timelocked commit was asked for: its plan (the ciphertext is an output,
    /// not part of what replay reproduces), or why it could not be built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timelocked: Option<TimelockedRecord>,
}

/// The receipt's record of a timelocked commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TimelockedRecord {
    /// The commit was built to this plan.
    Plan(Box<imr_weights::timelocked::TimelockedPlan>),
    /// The commit could not be built.
    Error(String),
}

/// A receipt. See the module docs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// [`RECEIPT_FORMAT`].
    pub format: String,
    /// blake3 of the component.
    pub component: String,
    /// blake3 of the canonical epoch encoding.
    pub epoch: String,
    /// blake3 of the state handed in.
    pub state_in: String,
    /// blake3 of the state returned (absent when the run failed).
    pub state_out: Option<String>,
    /// blake3 of the canonical outcome encoding (absent when the run failed).
    pub outcome: Option<String>,
    /// Why the run produced no outcome, if it did not.
    pub error: Option<RunError>,
    /// blake3 of the canonical JSON of the guest's log lines.
    pub log: String,
    /// Fuel budget.
    pub fuel_limit: u64,
    /// Fuel consumed.
    pub fuel_consumed: u64,
    /// Linear-memory cap, bytes.
    pub memory_limit: u64,
    /// The engine fingerprint.
    pub engine: Fingerprint,
    /// The weights emitted (absent when the run failed).
    pub weights: Option<WeightsRecord>,
    /// The previous receipt's hash, when chained.
    pub previous: Option<String>,
    /// blake3 of the canonical JSON of every field above.
    pub hash: String,
}

/// blake3 hex of bytes.
pub fn blake3_hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// The canonical encoding of an outcome: scores (uid, f64 bits), state and
/// diagnostics, SCALE-encoded.
pub fn outcome_bytes(o: &Outcome) -> Vec<u8> {
    use parity_scale_codec::Encode;
    let scores: Vec<(u16, u64)> = o
        .scores
        .iter()
        .map(|s| (s.uid, s.score.to_bits()))
        .collect();
    (scores, &o.state, &o.diagnostics).encode()
}

/// [`outcome_bytes`] around the outcome's state: the encoding before the state and the
/// encoding after it, so that `before ++ state ++ after` is `outcome_bytes` of the outcome
/// with these `scores`, a state of `state_len` bytes and these `diagnostics`, without a copy
/// of the state (megabytes for a large mechanism; see [`crate::run_blobs::Pieces`]).
pub fn outcome_around_state(
    scores: &[imr_types::Scored],
    state_len: usize,
    diagnostics: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    use parity_scale_codec::{Compact, Encode};
    // SCALE's length prefix of a sequence, as `Vec::encode` writes it (a `u32` in compact form;
    // a run's memory, under 4 GiB, cannot hold a longer one).
    let len = |n: usize| Compact(u32::try_from(n).expect("a run's buffers are under 4 GiB"));
    let mut before = Vec::with_capacity(scores.len() * 10 + 10);
    len(scores.len()).encode_to(&mut before);
    for s in scores {
        (s.uid, s.score.to_bits()).encode_to(&mut before);
    }
    len(state_len).encode_to(&mut before);
    (before, diagnostics.encode())
}

/// The canonical encoding of a log.
pub fn log_bytes(log: &[LogLine], dropped: u64) -> Vec<u8> {
    imr_types::canonical_json(&(log, dropped)).expect("log lines are strings")
}

impl Receipt {
    /// The hash this receipt should carry: blake3 of the canonical JSON of every field but `hash`.
    pub fn compute_hash(&self) -> String {
        // The canonical JSON of every field but `hash`, written straight from the receipt: the
        // same bytes as printing `serde_json::to_value(self)` without `hash` (whose objects keep
        // their keys sorted: serde_json without `preserve_order`, which
        // `host/tests/all/receipt_hash.rs` checks), without building that `Value` (see
        // [`crate::canonical`]). Into a buffer, hashed once: a blake3 update per serde_json write
        // (a number, a comma) cost more than printing.
        let mut json = Vec::with_capacity(1 << 12);
        crate::canonical::write_without(self, Some("hash"), &mut json).expect("receipts print");
        blake3_hex(&json)
    }

    /// Sets `hash` to [`Receipt::compute_hash`].
    pub fn seal(mut self) -> Self {
        self.hash = self.compute_hash();
        self
    }

    /// Whether `hash` matches the content.
    pub fn hash_is_valid(&self) -> bool {
        self.hash == self.compute_hash()
    }

    /// Whether this version can reproduce a receipt of this format.
    pub fn check_format(&self) -> Result<(), UnknownFormat> {
        if READABLE_FORMATS.contains(&self.format.as_str()) {
            Ok(())
        } else {
            Err(UnknownFormat {
                found: self.format.clone(),
            })
        }
    }

    /// This receipt as a run under receipt format `format` would have recorded it, resealed.
    /// Replay uses it to reproduce receipts of older formats exactly.
    pub fn in_format(mut self, format: &str) -> Result<Self, UnknownFormat> {
        match format {
            RECEIPT_FORMAT => Ok(self),
            RECEIPT_FORMAT_V1 => {
                if let Some(RunError::WeightsRefused { reason }) = &self.error {
                    self.error = Some(RunError::MechanismFailed {
                        message: format!("the weights pipeline refused the scores: {reason}"),
                    });
                }
                self.format = RECEIPT_FORMAT_V1.to_string();
                Ok(self.seal())
            }
            other => Err(UnknownFormat {
                found: other.to_string(),
            }),
        }
    }

    /// The SDK generation the receipt's weights were made with, when the pipeline ran.
    pub fn sdk(&self) -> Option<imr_weights::Sdk> {
        self.weights.as_ref().map(|w| w.pipeline.choices.sdk)
    }

    /// Pretty JSON, as written to receipt.json.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("receipts serialize")
    }
}

#[cfg(test)]
mod tests {
    use imr_types::{Outcome, Scored};

    #[test]
    fn the_outcome_around_its_state_is_the_outcome_encoding() {
        // Every length-prefix width SCALE uses below 1 GiB: 1, 2 and 4 bytes.
        for (n, state_len, diag_len) in [
            (0, 0, 0),
            (1, 63, 64),
            (63, 64, 63),
            (64, 16_383, 0),
            (16_383, 16_384, 16_384),
            (16_384, 1 << 20, 3),
        ] {
            let o = Outcome {
                scores: (0..n)
                    .map(|i: u64| Scored {
                        uid: (i * 7919 % 65_536) as u16,
                        score: f64::from_bits(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                    })
                    .collect(),
                state: (0..state_len).map(|i| (i * 31 % 251) as u8).collect(),
                diagnostics: (0..diag_len).map(|i| (i % 13) as u8).collect(),
            };
            let (before, after) =
                super::outcome_around_state(&o.scores, o.state.len(), &o.diagnostics);
            assert_eq!(
                [&before[..], &o.state, &after].concat(),
                super::outcome_bytes(&o),
                "{n} scores, {state_len} state bytes, {diag_len} diagnostics bytes"
            );
        }
    }
}
