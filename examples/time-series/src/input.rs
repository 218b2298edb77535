//! The mechanism's input: the `task`, each response `payload`, and the `params`.

use std::fmt;

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use imr_guest::MechanismError;

/// The longest horizon accepted (spec §3.1 input schema).
pub const MAX_HORIZON: usize = 64;

/// The epoch's `task`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// The epoch number; must grow from one epoch to the next.
    pub epoch: u64,
    /// The forecast asset (informational).
    pub asset: String,
    /// Number of steps every forecast covers (1…64). A `u64`, not a `usize`: a `usize` is 32 bits in Wasm and 64
    /// natively, so a huge value would be refused with different messages (found by the `mechanisms` fuzz target).
    pub horizon: u64,
    /// Requests opened in this epoch; this epoch's responses answer them.
    pub open_requests: Vec<OpenRequest>,
    /// Ground truth of requests opened in earlier epochs.
    pub resolutions: Vec<Resolution>,
}

/// A request opened in this epoch.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    /// Unique id; resolutions refer to it.
    pub request_id: String,
    /// The last known price when the request opened (> 0).
    pub base_price: f64,
    /// The block at which it opened; miners registered later are not scored on it.
    pub opened_block: u64,
}

/// The realized values of an earlier request.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// The request it resolves.
    pub request_id: String,
    /// `horizon` realized values, each > 0.
    pub realized: Vec<f64>,
}

/// A miner's submission (the response payload).
///
/// Decoding is strict (unknown fields refused); a payload that does not decode is an invalid submission, never
/// an error of the epoch.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// The request it answers.
    pub request_id: String,
    /// Point forecasts, one per step.
    #[serde(default)]
    pub points: Option<Vec<f64>>,
    /// `[lo, hi]` interval forecasts, one per step.
    #[serde(default)]
    pub intervals: Option<Intervals>,
    /// Set by the host when the miner's answer failed its schema check.
    #[serde(default)]
    pub error: Option<String>,
}

/// A submission's `intervals` as sent: an array of arrays of numbers, read without one allocation per interval.
///
/// It accepts exactly what `Vec<Vec<f64>>` accepts (with the same errors) and keeps what the validity check
/// needs: the intervals up to the first one that does not have two values, how many there were, and that first
/// malformed one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Intervals {
    /// The intervals before the first one without exactly two values.
    pub pairs: Vec<[f64; 2]>,
    /// How many intervals were sent.
    pub count: usize,
    /// The first interval without exactly two values: its index and how many values it had.
    pub first_malformed: Option<(usize, usize)>,
}

impl Intervals {
    /// From intervals given as vectors (tests and tools).
    pub fn from_vecs(intervals: &[Vec<f64>]) -> Self {
        let mut out = Intervals {
            count: intervals.len(),
            ..Intervals::default()
        };
        for (h, iv) in intervals.iter().enumerate() {
            match iv[..] {
                [lo, hi] => out.pairs.push([lo, hi]),
                _ => {
                    out.first_malformed = Some((h, iv.len()));
                    break;
                }
            }
        }
        out
    }
}

impl<'de> Deserialize<'de> for Intervals {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(IntervalsVisitor)
    }
}

struct IntervalsVisitor;

impl<'de> Visitor<'de> for IntervalsVisitor {
    type Value = Intervals;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Intervals, A::Error> {
        let mut out = Intervals {
            pairs: Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_HORIZON)),
            ..Intervals::default()
        };
        while let Some(one) = seq.next_element_seed(OneInterval)? {
            match one {
                (2, pair) if out.first_malformed.is_none() => out.pairs.push(pair),
                (n, _) if out.first_malformed.is_none() => {
                    out.first_malformed = Some((out.count, n))
                }
                _ => {}
            }
            out.count += 1;
        }
        Ok(out)
    }
}

/// One interval: how many numbers it had, and the first two.
struct OneInterval;

impl<'de> DeserializeSeed<'de> for OneInterval {
    type Value = (usize, [f64; 2]);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for OneInterval {
    type Value = (usize, [f64; 2]);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut pair = [0.0; 2];
        let mut n = 0;
        while let Some(x) = seq.next_element::<f64>()? {
            if let Some(slot) = pair.get_mut(n) {
                *slot = x;
            }
            n += 1;
        }
        Ok((n, pair))
    }
}

/// The point error metric (`params.point_metric`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointMetric {
    /// Mean absolute percentage error.
    #[default]
    Mape,
    /// RMSE of log returns against the base price.
    RmseLog,
}

/// How per-request errors become rewards (`params.shaping`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shaping {
    /// Precog: `0.8^position`, averaged over tie groups.
    #[default]
    DecayTieAvg,
    /// PTN 2024: the top 10% of positions get 90%.
    ExpRankDecay,
    /// Synth: `softmax(−β·error)` over the valid entries.
    SoftmaxBeta,
    /// Zeus: 0.95 to the best, the rest split in proportion to `ln(n+1−j)`.
    WinnerLogTail,
}

/// The mechanism's parameters; every field is optional, unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// EMA smoothing factor, in (0, 1]. Default 0.05.
    pub alpha: f64,
    /// Largest share of one miner before the burn, in (0, 1]. Default 1 (no cap).
    pub max_weight: f64,
    /// The uid that receives the burn (and everything when no miner has earned). Default 0.
    pub burn_uid: u16,
    /// Share of the weights sent to `burn_uid`, in [0, 1]. Default 0.
    pub burn_frac: f64,
    /// Pending requests older than this many epochs are dropped unscored. Default `2·horizon`.
    pub max_pending: Option<u64>,
    /// Zero the newer registration of two near-identical point forecasts. Default true.
    pub anti_copy: bool,
    /// The point error metric. Default `mape`.
    pub point_metric: PointMetric,
    /// The reward shaping. Default `decay_tie_avg`.
    pub shaping: Shaping,
    /// β of `softmax_beta` shaping, applied to the errors (which are relative). Default 100.
    pub softmax_beta: f64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            alpha: 0.05,
            max_weight: 1.0,
            burn_uid: 0,
            burn_frac: 0.0,
            max_pending: None,
            anti_copy: true,
            point_metric: PointMetric::Mape,
            shaping: Shaping::DecayTieAvg,
            softmax_beta: 100.0,
        }
    }
}

fn invalid(msg: String) -> MechanismError {
    MechanismError::InvalidInput(msg)
}

impl Params {
    /// Checks the ranges of every parameter.
    pub fn validate(&self) -> Result<(), MechanismError> {
        if !(self.alpha > 0.0 && self.alpha <= 1.0) {
            return Err(invalid(format!(
                "params.alpha: {} is not in (0, 1]",
                self.alpha
            )));
        }
        if !(self.max_weight > 0.0 && self.max_weight <= 1.0) {
            return Err(invalid(format!(
                "params.max_weight: {} is not in (0, 1]",
                self.max_weight
            )));
        }
        if !(0.0..=1.0).contains(&self.burn_frac) {
            return Err(invalid(format!(
                "params.burn_frac: {} is not in [0, 1]",
                self.burn_frac
            )));
        }
        if !(self.softmax_beta.is_finite() && self.softmax_beta > 0.0) {
            return Err(invalid(format!(
                "params.softmax_beta: {} is not finite and > 0",
                self.softmax_beta
            )));
        }
        if self.max_pending == Some(0) {
            return Err(invalid("params.max_pending: must be at least 1".into()));
        }
        Ok(())
    }

    /// `max_pending`, or its default `2·horizon`.
    pub fn max_pending(&self, horizon: u64) -> u64 {
        self.max_pending.unwrap_or(2 * horizon)
    }
}

impl Task {
    /// Checks the horizon, prices and lengths; the error names the field.
    pub fn validate(&self) -> Result<(), MechanismError> {
        if !(1..=MAX_HORIZON as u64).contains(&self.horizon) {
            return Err(invalid(format!(
                "task.horizon: {} is not in 1..={MAX_HORIZON}",
                self.horizon
            )));
        }
        for (i, r) in self.open_requests.iter().enumerate() {
            if !(r.base_price.is_finite() && r.base_price > 0.0) {
                return Err(invalid(format!(
                    "task.open_requests[{i}].base_price: {} is not > 0",
                    r.base_price
                )));
            }
            if let Some(j) = self.open_requests[..i]
                .iter()
                .position(|o| o.request_id == r.request_id)
            {
                return Err(invalid(format!(
                    "task.open_requests[{i}].request_id: {:?} also at open_requests[{j}]",
                    r.request_id
                )));
            }
        }
        for (i, r) in self.resolutions.iter().enumerate() {
            if r.realized.len() as u64 != self.horizon {
                return Err(invalid(format!(
                    "task.resolutions[{i}].realized: {} values, expected horizon {}",
                    r.realized.len(),
                    self.horizon
                )));
            }
            if let Some(h) = r.realized.iter().position(|y| !(y.is_finite() && *y > 0.0)) {
                return Err(invalid(format!(
                    "task.resolutions[{i}].realized[{h}]: {} is not > 0",
                    r.realized[h]
                )));
            }
            if let Some(j) = self.resolutions[..i]
                .iter()
                .position(|o| o.request_id == r.request_id)
            {
                return Err(invalid(format!(
                    "task.resolutions[{i}].request_id: {:?} also at resolutions[{j}]",
                    r.request_id
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(json: &str) -> Task {
        serde_json::from_str(json).expect("task json")
    }

    #[test]
    fn params_default_and_unknown_fields() {
        let p: Params = serde_json::from_str("{}").expect("empty params");
        assert_eq!(p, Params::default());
        assert_eq!(p.max_pending(5), 10);
        let p: Params =
            serde_json::from_str(r#"{"shaping":"winner_log_tail","point_metric":"rmse_log"}"#)
                .expect("variants");
        assert_eq!(p.shaping, Shaping::WinnerLogTail);
        assert_eq!(p.point_metric, PointMetric::RmseLog);
        assert!(serde_json::from_str::<Params>(r#"{"alpah":0.1}"#).is_err());
    }

    #[test]
    fn params_ranges_are_checked() {
        let bad = |json: &str, field: &str| {
            let p: Params = serde_json::from_str(json).expect("json");
            let e = p.validate().expect_err(json).to_string();
            assert!(e.contains(field), "{e}");
        };
        bad(r#"{"alpha":0}"#, "params.alpha");
        bad(r#"{"alpha":1.5}"#, "params.alpha");
        bad(r#"{"max_weight":0}"#, "params.max_weight");
        bad(r#"{"burn_frac":-0.1}"#, "params.burn_frac");
        bad(r#"{"max_pending":0}"#, "params.max_pending");
        bad(r#"{"softmax_beta":0}"#, "params.softmax_beta");
    }

    #[test]
    fn task_validation_names_the_field() {
        let ok = r#"{"epoch":0,"asset":"X","horizon":2,"open_requests":[{"request_id":"a","base_price":1,"opened_block":0}],"resolutions":[{"request_id":"z","realized":[1,2]}]}"#;
        task(ok).validate().expect("valid task");
        let cases = [
            (ok.replace("\"horizon\":2", "\"horizon\":0"), "task.horizon"),
            (
                ok.replace("\"horizon\":2", "\"horizon\":65"),
                "task.horizon",
            ),
            (
                ok.replace("\"base_price\":1", "\"base_price\":0"),
                "task.open_requests[0].base_price",
            ),
            (
                ok.replace("[1,2]", "[1,2,3]"),
                "task.resolutions[0].realized",
            ),
            (
                ok.replace("[1,2]", "[1,-2]"),
                "task.resolutions[0].realized[1]",
            ),
            (
                ok.replace(
                    r#""resolutions":["#,
                    r#""resolutions":[{"request_id":"z","realized":[1,1]},"#,
                ),
                "task.resolutions[1].request_id",
            ),
        ];
        for (json, field) in cases {
            let e = task(&json).validate().expect_err(&json).to_string();
            assert!(e.contains(field), "{json}: {e}");
        }
    }
}
