//! Scoring one resolved request (spec §3.1 "Per-resolution scoring", steps 2–6).

use std::collections::BTreeMap;

use serde::Serialize;

use imr_guest::helpers::{self, Direction, HelperError, NanPolicy, TieMode};
use imr_guest::MechanismError;

use crate::input::{Params, PointMetric, Shaping};
use crate::state::{Pending, RowCursor};

/// Base of Precog's position decay.
pub const DECAY_BASE: f64 = 0.8;
/// Relative tolerance under which two errors tie (C4).
pub const TIE_EPS: f64 = 1e-12;
/// Miscoverage of the scored intervals: they are read as central 90% intervals.
pub const INTERVAL_ALPHA: f64 = 0.1;
/// Relative L∞ distance under which two point forecasts are copies.
pub const COPY_REL_LINF: f64 = 1e-9;
/// `exp_rank_decay` shaping: the top 10% of positions …
pub const EXP_RANK_TOP_FRAC: f64 = 0.1;
/// … get 90% of the weight.
pub const EXP_RANK_TOP_SHARE: f64 = 0.9;
/// `winner_log_tail` shaping: the winner's share.
pub const WINNER_SHARE: f64 = 0.95;

/// A miner that may be scored on a request: registered (with its current hotkey) at or before the request opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eligible {
    /// The uid.
    pub uid: u16,
    /// The block at which its current hotkey registered.
    pub registered_at_block: u64,
}

/// One miner's result on one request. `err` and `is` are `+inf` (written as `null`) for a missing or invalid part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MinerScore {
    /// Set when the anti-copy rule zeroed this miner: the uid it copied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_of: Option<u16>,
    /// Fraction of steps whose realized value lies in the interval.
    pub coverage: Option<f64>,
    /// Fraction of steps whose direction against the base price was right.
    pub dir_acc: Option<f64>,
    /// Point error (MAPE, or RMSE of log returns), lower is better.
    pub err: f64,
    /// Scale-free interval score: `mean_h interval_score(lo_h, hi_h, y_h, 0.1) / y_h`, lower is better.
    pub is: f64,
    /// The request's reward in [0, 1] (the best miner gets 1).
    pub reward: f64,
}

/// How many miners a summary lists with their detail ([`RequestScore::summarize`], the diagnostics' `summary`).
pub const SUMMARY_TOP: usize = 16;

/// The outcome of scoring one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestScore {
    /// Near-identical point forecasts found, `(lower uid, higher uid)`.
    pub copies: Vec<(u16, u16)>,
    /// The smallest finite point error, if any.
    pub min_err: Option<f64>,
    /// Per eligible uid, ascending (written as a uid-keyed map); `None` once [`RequestScore::summarize`]d.
    #[serde(
        serialize_with = "crate::canon::uid_pairs_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub miners: Option<Vec<(u16, MinerScore)>>,
    /// The 90th percentile (linear interpolation) of the finite point errors, if any.
    pub p90_err: Option<f64>,
    /// Counts and the best miners, in place of `miners` once summarized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<RequestSummary>,
}

/// A resolved request's per-miner detail in short (large metagraphs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestSummary {
    /// Eligible miners with a reward above 0.
    pub rewarded: usize,
    /// Eligible miners (each is scored; a missing part counts as `+inf`).
    pub scored: usize,
    /// The [`SUMMARY_TOP`] eligible miners with the highest reward (on equal rewards the lower uid), with their
    /// detail, as a uid-keyed map.
    #[serde(serialize_with = "crate::canon::uid_pairs")]
    pub top: Vec<(u16, MinerScore)>,
    /// Eligible miners scored on their intervals (stored, with the resolution's horizon).
    pub with_intervals: usize,
    /// Eligible miners scored on their points (stored, with the resolution's horizon).
    pub with_points: usize,
}

/// The `n` entries of `rows` with the highest key (on equal keys the lower uid), ascending by uid.
pub fn top_by<T: Clone>(rows: &[(u16, T)], n: usize, key: impl Fn(&T) -> f64) -> Vec<(u16, T)> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    // Best first: key descending (total order, so NaN cannot make it depend on the algorithm), then uid.
    let best_first = |&a: &usize, &b: &usize| {
        key(&rows[b].1)
            .total_cmp(&key(&rows[a].1))
            .then(rows[a].0.cmp(&rows[b].0))
    };
    if order.len() > n {
        if n == 0 {
            return Vec::new();
        }
        order.select_nth_unstable_by(n - 1, best_first);
        order.truncate(n);
    }
    order.sort_unstable_by_key(|&i| rows[i].0);
    order.into_iter().map(|i| rows[i].clone()).collect()
}

impl RequestScore {
    /// `(uid, reward)` per eligible miner, ascending by uid (empty once summarized).
    pub fn rewards(&self) -> Vec<(u16, f64)> {
        self.miners
            .iter()
            .flatten()
            .map(|(uid, m)| (*uid, m.reward))
            .collect()
    }

    /// Replaces the per-miner detail by a [`RequestSummary`] (what the diagnostics keep for large metagraphs).
    pub fn summarize(&mut self) {
        let Some(miners) = self.miners.take() else {
            return;
        };
        self.summary = Some(RequestSummary {
            rewarded: miners.iter().filter(|(_, m)| m.reward > 0.0).count(),
            scored: miners.len(),
            top: top_by(&miners, SUMMARY_TOP, |m| m.reward),
            with_intervals: miners.iter().filter(|(_, m)| m.coverage.is_some()).count(),
            with_points: miners.iter().filter(|(_, m)| m.dir_acc.is_some()).count(),
        });
    }
}

fn failed(what: &str, e: HelperError) -> MechanismError {
    MechanismError::Failed(format!("{what}: {e}"))
}

fn point_error(
    points: &[f64],
    realized: &[f64],
    base: f64,
    metric: PointMetric,
) -> Result<f64, HelperError> {
    match metric {
        PointMetric::Mape => helpers::mape(points, realized),
        PointMetric::RmseLog => helpers::log_return_rmse(points, realized, base),
    }
}

/// The interval score and coverage of `intervals` (`lo, hi` per step, flat) against `realized`. `scaled` and
/// `covered` are scratch space, reused from miner to miner.
fn interval_error(
    intervals: &[f64],
    realized: &[f64],
    scaled: &mut Vec<f64>,
    covered: &mut Vec<f64>,
) -> Result<(f64, f64), HelperError> {
    match interval_error_fused(intervals, realized) {
        Some(fast) => Ok(fast),
        None => interval_error_by_helpers(intervals, realized, scaled, covered),
    }
}

/// [`interval_error`] with a helper call per step (inputs the fused pass does not take).
fn interval_error_by_helpers(
    intervals: &[f64],
    realized: &[f64],
    scaled: &mut Vec<f64>,
    covered: &mut Vec<f64>,
) -> Result<(f64, f64), HelperError> {
    scaled.clear();
    covered.clear();
    for (iv, &y) in intervals.chunks_exact(2).zip(realized) {
        let (lo, hi) = (iv[0], iv[1]);
        scaled.push(helpers::interval_score(lo, hi, y, INTERVAL_ALPHA)? / y);
        covered.push(helpers::coverage(lo, hi, &[y])?);
    }
    Ok((helpers::mean(scaled), helpers::mean(covered)))
}

/// [`interval_error`]'s result in one pass over the steps, without a helper call per step, for inputs the
/// helpers accept (every bound and realized value finite, `lo ≤ hi`, at least one step); `None` otherwise, and
/// the helpers decide (with their errors).
///
/// The same operations in the same order, so the same bits: per step `interval_score`'s `hi − lo`, plus
/// `(2/α)·(lo − y)` below or `(2/α)·(y − hi)` above, divided by `y`, into a Neumaier sum (as
/// [`helpers::mean`]); coverage per step is `1` or `0` (`coverage` of one value), and a compensated sum of ones
/// and zeros is their count exactly.
pub fn interval_error_fused(intervals: &[f64], realized: &[f64]) -> Option<(f64, f64)> {
    let k = 2.0 / INTERVAL_ALPHA;
    let mut acc = helpers::NeumaierSum::default();
    let (mut steps, mut inside) = (0usize, 0usize);
    for (iv, &y) in intervals.chunks_exact(2).zip(realized) {
        let (lo, hi) = (iv[0], iv[1]);
        if !(lo.is_finite() && hi.is_finite() && y.is_finite() && lo <= hi) {
            return None;
        }
        let mut s = hi - lo;
        if y < lo {
            s += k * (lo - y);
        } else if y > hi {
            s += k * (y - hi);
        }
        acc.add(s / y);
        inside += usize::from(lo <= y && y <= hi);
        steps += 1;
    }
    (steps > 0).then(|| (acc.total() / steps as f64, inside as f64 / steps as f64))
}

/// `mape(points, realized)` and `directional_accuracy_vs_base(points, realized, base)` in one pass, for inputs
/// both helpers accept (same non-zero length, every value finite, no realized value 0, `base` finite); `None`
/// otherwise, and the helpers decide (with their errors). The helpers' operations in their order: a Neumaier
/// sum of `|p − y| / |y|` divided by the length, and the count of steps on the right side of `base` divided by
/// the length.
pub fn point_error_fused(points: &[f64], realized: &[f64], base: f64) -> Option<(f64, f64)> {
    if points.len() != realized.len() || points.is_empty() || !base.is_finite() {
        return None;
    }
    let mut acc = helpers::NeumaierSum::default();
    let mut hits = 0usize;
    for (&x, &y) in points.iter().zip(realized) {
        if !(x.is_finite() && y.is_finite() && y != 0.0) {
            return None;
        }
        acc.add((x - y).abs() / y.abs());
        hits += usize::from((y - base >= 0.0) == (x - base >= 0.0));
    }
    let n = points.len() as f64;
    Some((acc.total() / n, hits as f64 / n))
}

/// The finite entries of `values` with their uids and ordinal C4 ranks among themselves.
struct Valid {
    index: Vec<usize>,
    values: Vec<f64>,
    uids: Vec<u16>,
    ranks: Vec<usize>,
}

fn valid_ranked(values: &[f64], uids: &[u16]) -> Result<Valid, HelperError> {
    let index: Vec<usize> = (0..values.len())
        .filter(|&i| values[i].is_finite())
        .collect();
    let vals: Vec<f64> = index.iter().map(|&i| values[i]).collect();
    let vuids: Vec<u16> = index.iter().map(|&i| uids[i]).collect();
    let ranks = helpers::rank(
        &vals,
        &vuids,
        Direction::Asc,
        TieMode::Ordinal,
        NanPolicy::Worst,
        Some(TIE_EPS),
    )?;
    Ok(Valid {
        index,
        values: vals,
        uids: vuids,
        ranks: ranks.into_iter().map(|r| r as usize).collect(),
    })
}

/// Turns errors (lower is better, `+inf` invalid) into rewards (invalid → 0) with the chosen shaping.
///
/// `decay_tie_avg` averages over tie groups (C4 with `tie_eps = 1e-12`); the other shapings order ties by uid.
pub fn shape(values: &[f64], uids: &[u16], params: &Params) -> Result<Vec<f64>, HelperError> {
    if values.len() != uids.len() {
        return Err(HelperError::LengthMismatch {
            left: values.len(),
            right: uids.len(),
        });
    }
    let mut out = vec![0.0; values.len()];
    match params.shaping {
        Shaping::DecayTieAvg => {
            out = helpers::position_decay_tie_avg(
                values,
                uids,
                Direction::Asc,
                DECAY_BASE,
                Some(TIE_EPS),
            )?;
        }
        Shaping::ExpRankDecay => {
            let v = valid_ranked(values, uids)?;
            let w = helpers::exp_rank_decay(v.values.len(), EXP_RANK_TOP_FRAC, EXP_RANK_TOP_SHARE)?;
            for (j, &i) in v.index.iter().enumerate() {
                out[i] = w[v.ranks[j]];
            }
        }
        Shaping::SoftmaxBeta => {
            let v = valid_ranked(values, uids)?;
            if !v.values.is_empty() {
                let w = helpers::softmax_beta(&v.values, -params.softmax_beta)?;
                for (j, &i) in v.index.iter().enumerate() {
                    out[i] = w[j];
                }
            }
        }
        Shaping::WinnerLogTail => {
            let v = valid_ranked(values, uids)?;
            let mut order = vec![0u16; v.uids.len()];
            for (j, &r) in v.ranks.iter().enumerate() {
                order[r] = v.uids[j];
            }
            let w: BTreeMap<u16, f64> = helpers::winner_plus_log_tail(&order, WINNER_SHARE)?
                .into_iter()
                .collect();
            for (j, &i) in v.index.iter().enumerate() {
                out[i] = w.get(&v.uids[j]).copied().unwrap_or(0.0);
            }
        }
    }
    Ok(out)
}

/// An integer whose order is [`f64::total_cmp`]'s order of the values (flip every bit of a negative value, the
/// sign bit of a positive one); [`from_total_order_key`] gives the value back.
pub fn total_order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

/// The value of a [`total_order_key`].
pub fn from_total_order_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// `near_duplicate_vectors(vectors, 1e-9)`, in O(n log n) for the usual case instead of O(n²).
///
/// Two vectors can only be near-duplicates when their first entries differ by less than `1e-9 · scale`, and
/// `scale` (the larger absolute entry of the pair) is at most the largest absolute entry `M` of all vectors. So the
/// vectors are sorted by first entry and cut wherever two neighbours differ by more than `1e-9 · M`; the helper then
/// decides inside each run. The pairs are exactly the helper's on the whole input (sorted ascending).
pub fn copy_pairs(vectors: &[(u16, &[f64])]) -> Result<Vec<(u16, u16)>, HelperError> {
    let usable: Vec<(u16, &[f64])> = vectors
        .iter()
        .copied()
        .filter(|(_, v)| !v.is_empty() && v.iter().all(|x| x.is_finite()))
        .collect();
    let max_abs = usable
        .iter()
        .flat_map(|(_, v)| v.iter())
        // `f64::max` is a libm call in Wasm; on these finite, non-negative values a comparison gives its bits.
        .fold(0.0f64, |m, x| if x.abs() > m { x.abs() } else { m });
    let gap = COPY_REL_LINF * max_abs;
    // By first entry (total order), then position: one `u128` key each (the total-order key of the value above
    // the position), all distinct, so the unstable sort gives the comparator's order.
    let mut keys: Vec<u128> = usable
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (u128::from(total_order_key(v[0])) << 64) | i as u128)
        .collect();
    keys.sort_unstable();
    let order: Vec<usize> = keys.into_iter().map(|k| k as u64 as usize).collect();
    let mut pairs = Vec::new();
    let mut start = 0;
    for end in 1..=order.len() {
        let cut = end == order.len() || usable[order[end]].1[0] - usable[order[end - 1]].1[0] > gap;
        if cut {
            if end - start > 1 {
                let run: Vec<(u16, &[f64])> =
                    order[start..end].iter().map(|&i| usable[i]).collect();
                pairs.extend(helpers::near_duplicate_vectors(&run, COPY_REL_LINF)?);
            }
            start = end;
        }
    }
    pairs.sort_unstable();
    Ok(pairs)
}

/// Scores one resolved request over the eligible miners (ascending uid).
pub fn score_request(
    pending: &Pending,
    realized: &[f64],
    eligible: &[Eligible],
    params: &Params,
) -> Result<RequestScore, MechanismError> {
    let uids: Vec<u16> = eligible.iter().map(|e| e.uid).collect();
    let mut errs = Vec::with_capacity(eligible.len());
    let mut iss = Vec::with_capacity(eligible.len());
    let mut rows = Vec::with_capacity(eligible.len());
    let subs = &pending.subs;
    // A stored part whose length is not the resolution's (the horizon changed meanwhile) counts as missing.
    let same_horizon = subs.horizon == realized.len() as u64;
    let (mut scaled, mut covered) = (Vec::new(), Vec::new());
    let mut rows_of = RowCursor::new(&subs.uids);
    for e in eligible {
        let stored = rows_of.row(e.uid).filter(|_| same_horizon);
        let points = stored.and_then(|i| subs.points(i));
        let intervals = stored.and_then(|i| subs.intervals(i));
        // MAPE and the direction in one pass when the helpers would accept the inputs, else the helpers.
        let fused = points
            .filter(|_| params.point_metric == PointMetric::Mape)
            .and_then(|p| point_error_fused(p, realized, pending.base_price));
        let (err, dir_acc) = match (points, fused) {
            (_, Some((err, dir))) => (err, Some(dir)),
            (Some(p), None) => (
                point_error(p, realized, pending.base_price, params.point_metric)
                    .map_err(|x| failed(&format!("point error of uid {}", e.uid), x))?,
                Some(
                    helpers::directional_accuracy_vs_base(p, realized, pending.base_price)
                        .map_err(|x| {
                            failed(&format!("directional accuracy of uid {}", e.uid), x)
                        })?,
                ),
            ),
            (None, None) => (f64::INFINITY, None),
        };
        let (is, coverage) = match intervals {
            Some(iv) => {
                let (is, cov) = interval_error(iv, realized, &mut scaled, &mut covered)
                    .map_err(|x| failed(&format!("interval score of uid {}", e.uid), x))?;
                (is, Some(cov))
            }
            None => (f64::INFINITY, None),
        };
        errs.push(err);
        iss.push(is);
        rows.push(MinerScore {
            err,
            is,
            coverage,
            dir_acc,
            reward: 0.0,
            copy_of: None,
        });
    }

    let w_point = shape(&errs, &uids, params).map_err(|x| failed("point shaping", x))?;
    let w_int = shape(&iss, &uids, params).map_err(|x| failed("interval shaping", x))?;
    let raw: Vec<f64> = w_point
        .iter()
        .zip(&w_int)
        .map(|(p, i)| 0.5 * p + 0.5 * i)
        .collect();
    let rewards = helpers::normalize_max(&raw).map_err(|x| failed("reward normalization", x))?;
    for (row, r) in rows.iter_mut().zip(rewards) {
        row.reward = r;
    }

    let mut copies = Vec::new();
    if params.anti_copy {
        // Every stored point forecast of an eligible miner, whatever its length (as before columns).
        let mut rows_of = RowCursor::new(&subs.uids);
        let vectors: Vec<(u16, &[f64])> = eligible
            .iter()
            .filter_map(|e| {
                rows_of
                    .row(e.uid)
                    .and_then(|i| subs.points(i))
                    .map(|p| (e.uid, p))
            })
            .collect();
        copies = copy_pairs(&vectors).map_err(|x| failed("anti-copy", x))?;
        let reg = |uid: u16| {
            uids.binary_search(&uid)
                .map(|i| eligible[i].registered_at_block)
                .map_err(|_| MechanismError::Failed("anti-copy: unknown uid".into()))
        };
        for &(a, b) in &copies {
            // The newer registration loses; on equal blocks the higher uid (b).
            let (loser, original) = if reg(a)? > reg(b)? { (a, b) } else { (b, a) };
            let i = uids
                .binary_search(&loser)
                .map_err(|_| MechanismError::Failed("anti-copy: unknown uid".into()))?;
            rows[i].reward = 0.0;
            rows[i].copy_of.get_or_insert(original);
        }
    }

    // Sorted by `total_cmp` through its integer key: values with equal keys have equal bits, so the unstable
    // sort gives the same sequence.
    let mut finite: Vec<u64> = errs
        .iter()
        .filter(|e| e.is_finite())
        .map(|&e| total_order_key(e))
        .collect();
    finite.sort_unstable();
    let finite: Vec<f64> = finite.into_iter().map(from_total_order_key).collect();
    let min_err = finite.first().copied();
    let p90_err = if finite.is_empty() {
        None
    } else {
        Some(helpers::quantile_linear(&finite, 0.9).map_err(|x| failed("p90 of the errors", x))?)
    };
    Ok(RequestScore {
        miners: Some(uids.into_iter().zip(rows).collect()),
        min_err,
        p90_err,
        copies,
        summary: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Subs;

    fn params(json: &str) -> Params {
        serde_json::from_str(json).expect("params")
    }

    fn detail(s: &RequestScore) -> BTreeMap<u16, MinerScore> {
        s.miners.clone().expect("detail").into_iter().collect()
    }

    /// A value for the fused-scoring comparison: mostly prices near 100 (often equal to the realized value or a
    /// bound, so ties and boundaries are hit), sometimes a value the helpers refuse or treat specially.
    fn value(rng: &mut imr_guest::Rng, near: f64) -> f64 {
        match rng.next_u64() % 40 {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => 0.0,
            4 => -0.0,
            5 => -near,
            6 => f64::from_bits(rng.next_u64()),
            7 => 5e-324,
            8..=17 => near,
            _ => near + ((rng.next_u64() % 2001) as f64 - 1000.0) / 100.0,
        }
    }

    #[test]
    fn fused_scoring_equals_the_helpers_bit_for_bit() {
        let mut rng = imr_guest::Rng::from_seed(&[7; 32]);
        let bits = |r: Option<(f64, f64)>| r.map(|(a, b)| (a.to_bits(), b.to_bits()));
        let (mut point_some, mut interval_some) = (0, 0);
        for case in 0..40_000 {
            let h = 1 + (rng.next_u64() % 8) as usize;
            // Realized values are usually valid (> 0), as the task's check makes them.
            let realized: Vec<f64> = (0..h)
                .map(|_| match rng.next_u64() % 50 {
                    0 => value(&mut rng, 100.0),
                    _ => 90.0 + (rng.next_u64() % 2001) as f64 / 100.0,
                })
                .collect();
            let base = if rng.next_u64().is_multiple_of(100) {
                value(&mut rng, 100.0)
            } else {
                100.0
            };
            let points: Vec<f64> = (0..h + usize::from(case % 97 == 0))
                .map(|i| value(&mut rng, realized[i.min(h - 1)]))
                .collect();
            let helpers_points = helpers::mape(&points, &realized)
                .ok()
                .zip(helpers::directional_accuracy_vs_base(&points, &realized, base).ok());
            let fused = point_error_fused(&points, &realized, base);
            assert_eq!(
                bits(fused),
                bits(helpers_points),
                "{points:?} {realized:?} {base}"
            );
            point_some += usize::from(fused.is_some());

            let steps = h - usize::from(case % 89 == 0);
            let intervals: Vec<f64> = (0..steps)
                .flat_map(|i| {
                    let y = realized[i];
                    let below = y - (rng.next_u64() % 3) as f64;
                    let lo = value(&mut rng, below);
                    let above = y + (rng.next_u64() % 3) as f64;
                    let hi = if rng.next_u64().is_multiple_of(10) {
                        lo
                    } else {
                        value(&mut rng, above)
                    };
                    [lo, hi]
                })
                .collect();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let by_helpers = interval_error_by_helpers(&intervals, &realized, &mut a, &mut b).ok();
            let fused = interval_error_fused(&intervals, &realized);
            match fused {
                Some(_) => assert_eq!(bits(fused), bits(by_helpers), "{intervals:?} {realized:?}"),
                // The fused pass declines only what the helpers refuse (or no step at all).
                None => assert!(
                    by_helpers.is_none() || steps == 0,
                    "{intervals:?} {realized:?}"
                ),
            }
            interval_some += usize::from(fused.is_some());
        }
        // Both paths must have been exercised many times.
        assert!(
            point_some > 5_000 && interval_some > 5_000,
            "{point_some} {interval_some}"
        );
    }

    #[test]
    fn total_order_keys_sort_like_total_cmp_and_give_the_value_back() {
        let mut rng = imr_guest::Rng::from_seed(&[9; 32]);
        let mut values: Vec<f64> = vec![
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            1.0,
            -1.0,
        ];
        values.extend((0..5_000).map(|_| f64::from_bits(rng.next_u64())));
        values.extend((0..5_000).map(|_| (rng.next_u64() % 1000) as f64 / 7.0 - 70.0));
        for &x in &values {
            assert_eq!(
                from_total_order_key(total_order_key(x)).to_bits(),
                x.to_bits()
            );
        }
        for w in values.windows(2) {
            assert_eq!(
                total_order_key(w[0]).cmp(&total_order_key(w[1])),
                w[0].total_cmp(&w[1]),
                "{} {}",
                w[0],
                w[1]
            );
        }
        let mut by_cmp = values.clone();
        by_cmp.sort_by(f64::total_cmp);
        let mut keys: Vec<u64> = values.iter().map(|&x| total_order_key(x)).collect();
        keys.sort_unstable();
        let by_key: Vec<u64> = keys
            .into_iter()
            .map(|k| from_total_order_key(k).to_bits())
            .collect();
        assert_eq!(
            by_key,
            by_cmp.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_row_cursor_finds_what_the_binary_search_finds() {
        let mut rng = imr_guest::Rng::from_seed(&[8; 32]);
        for _ in 0..300 {
            let mut uids: Vec<u16> = (0..(rng.next_u64() % 200))
                .map(|_| (rng.next_u64() % 400) as u16)
                .collect();
            uids.sort_unstable();
            uids.dedup();
            // Ascending queries (the usual case), with gaps of every size, then some in any order.
            let mut queries: Vec<u16> = (0..400u16)
                .filter(|_| !rng.next_u64().is_multiple_of(3))
                .collect();
            queries.extend((0..50).map(|_| (rng.next_u64() % 420) as u16));
            let mut cursor = RowCursor::new(&uids);
            for q in queries {
                assert_eq!(
                    cursor.row(q),
                    uids.binary_search(&q).ok(),
                    "{q} in {uids:?}"
                );
            }
        }
    }

    #[test]
    fn top_by_keeps_the_highest_keys_and_breaks_ties_by_uid() {
        let rows: Vec<(u16, f64)> = vec![(9, 0.5), (2, 1.0), (4, 0.5), (7, 0.25), (1, 0.5)];
        assert_eq!(top_by(&rows, 2, |&x| x), vec![(1, 0.5), (2, 1.0)]);
        assert_eq!(top_by(&rows, 3, |&x| x), vec![(1, 0.5), (2, 1.0), (4, 0.5)]);
        assert_eq!(top_by(&rows, 9, |&x| x).len(), 5);
        assert!(top_by(&rows, 0, |&x| x).is_empty());
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-15 * a.abs().max(b.abs()).max(1.0)
    }

    /// Base 100, realized [110, 90]. uid 1 is perfect with ±5 intervals; uid 2 says "no change" with ±10
    /// intervals; uid 3 sent nothing; uid 4 copies uid 1's points (registered later) and sends no intervals.
    fn example() -> (Pending, Vec<Eligible>) {
        let mut subs = Subs::new(2);
        subs.insert(
            1,
            Some(&[110.0, 90.0]),
            Some(&[[105.0, 115.0], [85.0, 95.0]]),
        )
        .expect("uid 1");
        subs.insert(
            2,
            Some(&[100.0, 100.0]),
            Some(&[[100.0, 120.0], [80.0, 100.0]]),
        )
        .expect("uid 2");
        subs.insert(4, Some(&[110.0, 90.0]), None).expect("uid 4");
        let pending = Pending {
            base_price: 100.0,
            opened_block: 10,
            opened_epoch: 0,
            subs,
        };
        let eligible = [(1, 0), (2, 0), (3, 0), (4, 5)]
            .map(|(uid, registered_at_block)| Eligible {
                uid,
                registered_at_block,
            })
            .to_vec();
        (pending, eligible)
    }

    #[test]
    fn worked_example_by_hand() {
        let (pending, eligible) = example();
        let s = score_request(&pending, &[110.0, 90.0], &eligible, &params("{}")).expect("score");
        let m = &detail(&s);
        // Errors: uids 1 and 4 tie at 0, uid 2 = (10/110 + 10/90)/2, uid 3 missing.
        let e2 = (10.0 / 110.0 + 10.0 / 90.0) / 2.0;
        assert_eq!(m[&1].err, 0.0);
        assert!(close(m[&2].err, e2));
        assert_eq!(m[&3].err, f64::INFINITY);
        // Interval scores: width / y, everything covered.
        assert!(close(m[&1].is, e2));
        assert!(close(m[&2].is, 2.0 * e2));
        assert_eq!(m[&4].is, f64::INFINITY);
        assert_eq!(
            (m[&1].coverage, m[&2].coverage, m[&3].coverage),
            (Some(1.0), Some(1.0), None)
        );
        // Direction against base 100: uid 1 right twice, uid 2 ("up or flat" twice) right once.
        assert_eq!((m[&1].dir_acc, m[&2].dir_acc), (Some(1.0), Some(0.5)));
        // Point weights: uids 1 and 4 share positions 0 and 1 → 0.9 each; uid 2 at position 2 → 0.64.
        // Interval weights: uid 1 → 1, uid 2 → 0.8. Raw rewards 0.95, 0.72, 0, 0.45; divided by 0.95.
        assert_eq!(m[&1].reward, 1.0);
        assert!(close(m[&2].reward, 0.72 / 0.95));
        assert_eq!(m[&3].reward, 0.0);
        // uid 4 copied uid 1 and registered later: zeroed.
        assert_eq!((m[&4].reward, m[&4].copy_of), (0.0, Some(1)));
        assert_eq!(s.copies, vec![(1, 4)]);
        // Finite errors sorted [0, 0, e2]: min 0, p90 at h = 1.8 → 0.8·e2.
        assert_eq!(s.min_err, Some(0.0));
        assert!(close(s.p90_err.expect("p90"), 0.8 * e2));
    }

    #[test]
    fn without_anti_copy_the_copy_keeps_its_reward() {
        let (pending, eligible) = example();
        let s = score_request(
            &pending,
            &[110.0, 90.0],
            &eligible,
            &params(r#"{"anti_copy":false}"#),
        )
        .expect("score");
        assert!(close(detail(&s)[&4].reward, 0.45 / 0.95));
        assert!(s.copies.is_empty());
    }

    #[test]
    fn equal_registration_zeroes_the_higher_uid() {
        let (pending, mut eligible) = example();
        eligible[3].registered_at_block = 0;
        let s = score_request(&pending, &[110.0, 90.0], &eligible, &params("{}")).expect("score");
        assert_eq!(detail(&s)[&4].reward, 0.0);
        assert_eq!(detail(&s)[&1].reward, 1.0);
    }

    #[test]
    fn parts_of_another_length_count_as_missing() {
        let (pending, eligible) = example();
        let s = score_request(&pending, &[110.0, 90.0, 100.0], &eligible, &params("{}"))
            .expect("score");
        assert!(s
            .miners
            .iter()
            .flatten()
            .map(|(_, m)| m)
            .all(|m| m.err.is_infinite() && m.is.is_infinite() && m.reward == 0.0));
    }

    #[test]
    fn rmse_log_metric() {
        let (pending, eligible) = example();
        let s = score_request(
            &pending,
            &[110.0, 90.0],
            &eligible,
            &params(r#"{"point_metric":"rmse_log"}"#),
        )
        .expect("score");
        // uid 2 predicts no change: rmse of (ln 1.1, ln 0.9).
        let a = libm::log(1.1);
        let b = libm::log(0.9);
        let want = libm::sqrt((a * a + b * b) / 2.0);
        assert!(
            (detail(&s)[&2].err - want).abs() < 1e-15,
            "{}",
            detail(&s)[&2].err
        );
        assert_eq!(detail(&s)[&1].err, 0.0);
    }

    #[test]
    fn copy_pairs_equal_the_quadratic_helper() {
        // 300 vectors in clusters: exact copies, near copies just inside and just outside 1e-9, unrelated ones.
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut owned: Vec<(u16, Vec<f64>)> = Vec::new();
        for uid in 0..300u16 {
            let v: Vec<f64> = match uid % 5 {
                0 | 1 if uid >= 5 => owned[usize::from(uid) - 5].1.clone(),
                2 if uid >= 5 => owned[usize::from(uid) - 5]
                    .1
                    .iter()
                    .map(|p| p * (1.0 + 0.5e-9))
                    .collect(),
                3 if uid >= 5 => owned[usize::from(uid) - 5]
                    .1
                    .iter()
                    .map(|p| p * (1.0 + 2e-9))
                    .collect(),
                _ => (0..5).map(|_| 30_000.0 + 1_000.0 * next()).collect(),
            };
            owned.push((uid, v));
        }
        let vectors: Vec<(u16, &[f64])> = owned.iter().map(|(u, v)| (*u, v.as_slice())).collect();
        let want = helpers::near_duplicate_vectors(&vectors, COPY_REL_LINF).expect("helper");
        let got = copy_pairs(&vectors).expect("copy_pairs");
        assert!(
            want.len() > 100,
            "the test must exercise copies: {}",
            want.len()
        );
        assert_eq!(got, want);
    }

    #[test]
    fn shaping_variants_by_hand() {
        let values = [0.1, f64::INFINITY, 0.3, 0.2];
        let uids = [1, 2, 3, 4];
        // Zeus: order 1, 4, 3 → 0.95, then 0.05 split as ln 3 : ln 2.
        let w = shape(&values, &uids, &params(r#"{"shaping":"winner_log_tail"}"#)).expect("winner");
        let t = libm::log(3.0) + libm::log(2.0);
        assert!(close(w[0], 0.95));
        assert_eq!(w[1], 0.0);
        assert!(close(w[3], 0.05 * libm::log(3.0) / t));
        assert!(close(w[2], 0.05 * libm::log(2.0) / t));
        // Synth: softmax(−10·err) over the three valid entries ∝ e^-1, e^-3, e^-2.
        let w = shape(
            &values,
            &uids,
            &params(r#"{"shaping":"softmax_beta","softmax_beta":10}"#),
        )
        .expect("softmax");
        let z = 1.0 + libm::exp(-2.0) + libm::exp(-1.0);
        assert!(
            close(w[0], 1.0 / z)
                && close(w[2], libm::exp(-2.0) / z)
                && close(w[3], libm::exp(-1.0) / z)
        );
        assert_eq!(w[1], 0.0);
        // PTN: n = 3, k = −ln(0.1)/0.3; weights ∝ e^{−k·r} for ranks 0 (uid 1), 1 (uid 4), 2 (uid 3).
        let w =
            shape(&values, &uids, &params(r#"{"shaping":"exp_rank_decay"}"#)).expect("exp rank");
        let k = -libm::log(0.1) / 0.3;
        let z = 1.0 + libm::exp(-k) + libm::exp(-2.0 * k);
        assert!((w[0] - 1.0 / z).abs() < 1e-12 && (w[3] - libm::exp(-k) / z).abs() < 1e-12);
        assert!((w[2] - libm::exp(-2.0 * k) / z).abs() < 1e-12 && w[1] == 0.0);
        // Precog: positions 0, 2, 1 → 1, 0.64, 0.8; invalid 0.
        let w = shape(&values, &uids, &params("{}")).expect("decay");
        assert_eq!(w[0], 1.0);
        assert_eq!(w[1], 0.0);
        assert!(close(w[2], 0.64) && close(w[3], 0.8));
        // Nothing valid: all zero, for every shaping.
        for s in [
            "decay_tie_avg",
            "exp_rank_decay",
            "softmax_beta",
            "winner_log_tail",
        ] {
            let w = shape(
                &[f64::INFINITY; 2],
                &[1, 2],
                &params(&format!(r#"{{"shaping":"{s}"}}"#)),
            )
            .expect(s);
            assert_eq!(w, vec![0.0, 0.0], "{s}");
        }
    }
}
