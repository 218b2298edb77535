//! Ranking and rank-based weight shapes (spec §2 "Ranking and weight shaping").
//!
//! Everything here orders entities by the C4 total order: by value in the
//! stated [`Direction`], then by uid ascending. NaN follows the [`NanPolicy`]
//! (C3): under `Worst` it sorts after every other value, including ±inf in the
//! bad direction, and all NaNs form one tie group.

use std::cmp::Ordering;

use super::common::{Direction, HelperError, NanPolicy, NeumaierSum, Result, TieMode};

/// The C4 order of a value slice: indices best first, split into tie groups.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ordered {
    /// Indices into the input, best first. Inside a tie group, by uid ascending
    /// (then by input index for duplicate uids).
    pub order: Vec<usize>,
    /// Tie groups as half-open ranges of positions into `order`.
    pub groups: Vec<(usize, usize)>,
}

/// Compares two values best-first under `dir` with NaN last: the order's definition, which
/// [`best_first_key`] implements (a test compares the two).
#[cfg(test)]
fn cmp_best_first(a: f64, b: f64, dir: Direction) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        // Neither is NaN, so `partial_cmp` is total here (and 0.0 == -0.0).
        (false, false) => {
            let o = a.partial_cmp(&b).unwrap_or(Ordering::Equal);
            match dir {
                Direction::Asc => o,
                Direction::Desc => o.reverse(),
            }
        }
    }
}

/// A key whose unsigned order is [`cmp_best_first`]'s: `-0.0` as `0.0`, the IEEE bits mapped so that unsigned
/// order is numeric order (negated for `Desc`), and every NaN `u64::MAX`, after any number in either direction.
fn best_first_key(v: f64, dir: Direction) -> u64 {
    if v.is_nan() {
        return u64::MAX;
    }
    let bits = (v + 0.0).to_bits(); // -0.0 + 0.0 = +0.0; any other value is unchanged
    let asc = if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    };
    match dir {
        // The largest number, +inf, maps to 0xfff0…0 < u64::MAX.
        Direction::Asc => asc,
        // The smallest, -inf, maps to 0x000f…f, whose complement is 0xfff0…0 < u64::MAX.
        Direction::Desc => !asc,
    }
}

/// Indices of `values` in the C4 order (value best first, then uid, then index): the order of
/// `sort_by(cmp_best_first(..).then(uid).then(index))`, computed as one unstable sort of `u128` keys (value key,
/// uid, index), which are all distinct, so the order is the same whatever the sort's algorithm.
fn sorted_best_first(values: &[f64], uids: &[u16], dir: Direction) -> Vec<usize> {
    debug_assert_eq!(values.len(), uids.len());
    let mut keys: Vec<u128> = values
        .iter()
        .zip(uids)
        .enumerate()
        .map(|(i, (&v, &uid))| {
            (u128::from(best_first_key(v, dir)) << 64) | (u128::from(uid) << 48) | i as u128
        })
        .collect();
    keys.sort_unstable();
    keys.into_iter()
        .map(|k| (k & ((1 << 48) - 1)) as usize)
        .collect()
}

/// Whether two values are tied under C4 (exact `==`, or within `tie_eps`).
fn tied(a: f64, b: f64, tie_eps: Option<f64>) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a == b {
        return true;
    }
    match tie_eps {
        Some(eps) if a.is_finite() && b.is_finite() => {
            let scale = a.abs().max(b.abs()).max(1.0);
            (a - b).abs() <= eps * scale
        }
        _ => false,
    }
}

/// Checks a `tie_eps` parameter: finite and `>= 0`.
pub(crate) fn check_tie_eps(tie_eps: Option<f64>) -> Result<()> {
    match tie_eps {
        Some(e) if !(e.is_finite() && e >= 0.0) => Err(HelperError::InvalidParameter(
            "tie_eps must be finite and >= 0",
        )),
        _ => Ok(()),
    }
}

/// Sorts `values` into the C4 order and splits the result into tie groups.
///
/// Tie groups are formed greedily on the sorted sequence: a group starts at its
/// first (best) element, its *anchor*, and every following element joins while it
/// is tied with the anchor. With exact ties this is plain equality; with `tie_eps`
/// it keeps groups from chaining indefinitely.
pub(crate) fn c4_order(
    values: &[f64],
    uids: &[u16],
    dir: Direction,
    nan: NanPolicy,
    tie_eps: Option<f64>,
) -> Result<Ordered> {
    if values.len() != uids.len() {
        return Err(HelperError::LengthMismatch {
            left: values.len(),
            right: uids.len(),
        });
    }
    check_tie_eps(tie_eps)?;
    if nan == NanPolicy::Error {
        super::common::check_no_nan(values)?;
    }
    let mut order = sorted_best_first(values, uids, dir);
    let mut groups = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let anchor = values[order[start]];
        let mut end = start + 1;
        while end < order.len() && tied(anchor, values[order[end]], tie_eps) {
            end += 1;
        }
        groups.push((start, end));
        start = end;
    }
    if tie_eps.is_some() {
        // Near-ties are ties: order inside a group by uid, not by value.
        for &(s, e) in &groups {
            order[s..e].sort_by(|&i, &j| uids[i].cmp(&uids[j]).then(i.cmp(&j)));
        }
    }
    Ok(Ordered { order, groups })
}

/// Ranks `values` (0-based) under the C4 order.
///
/// Formula: positions `0..n` are assigned in the order "value in direction `dir`,
/// then uid ascending"; a tie group covering positions `s..e` gets
/// `Average → (s+e−1)/2`, `Min → s`, `Dense →` the group's index, and
/// `Ordinal →` each member its own position (uid ascending inside the group).
/// Values tie when `a == b` (so `0.0` ties `-0.0`, and equal infinities tie), or,
/// with `tie_eps = Some(e)`, when `|a−b| ≤ e·max(|a|,|b|,1)` measured against the
/// first (best) member of the group.
///
/// NaN: with [`NanPolicy::Worst`] every NaN ranks after every other value (after
/// `+inf` for `Asc`, after `-inf` for `Desc`) and all NaNs form one tie group;
/// with [`NanPolicy::Error`] a NaN is refused with [`HelperError::NonFinite`].
///
/// Cost: O(n log n). Edge cases: empty input → empty output; `uids` must have
/// the same length as `values` ([`HelperError::LengthMismatch`]); a negative or
/// non-finite `tie_eps` is [`HelperError::InvalidParameter`]. Duplicate uids are
/// allowed and broken by input position. The result does not depend on the
/// order of the (value, uid) pairs in the input, only on the pairs.
///
/// ```
/// use imr_helpers::{rank, Direction, NanPolicy, TieMode};
/// let v = [0.3, 0.1, 0.3, f64::NAN];
/// let u = [7, 8, 2, 1];
/// assert_eq!(rank(&v, &u, Direction::Asc, TieMode::Average, NanPolicy::Worst, None).unwrap(),
///            vec![1.5, 0.0, 1.5, 3.0]);
/// assert_eq!(rank(&v, &u, Direction::Asc, TieMode::Ordinal, NanPolicy::Worst, None).unwrap(),
///            vec![2.0, 0.0, 1.0, 3.0]);
/// assert_eq!(rank(&v, &u, Direction::Desc, TieMode::Dense, NanPolicy::Worst, None).unwrap(),
///            vec![0.0, 1.0, 0.0, 2.0]);
/// ```
pub fn rank(
    values: &[f64],
    uids: &[u16],
    dir: Direction,
    ties: TieMode,
    nan: NanPolicy,
    tie_eps: Option<f64>,
) -> Result<Vec<f64>> {
    let ordered = c4_order(values, uids, dir, nan, tie_eps)?;
    let mut out = vec![0.0; values.len()];
    for (g, &(s, e)) in ordered.groups.iter().enumerate() {
        for pos in s..e {
            let r = match ties {
                TieMode::Average => (s + e - 1) as f64 / 2.0,
                TieMode::Min => s as f64,
                TieMode::Dense => g as f64,
                TieMode::Ordinal => pos as f64,
            };
            out[ordered.order[pos]] = r;
        }
    }
    Ok(out)
}

/// `base^rᵢ` for every rank (spec `rank_decay`).
///
/// Formula: `wᵢ = pow(base, rᵢ)` with [`libm::pow`]. Not normalized.
/// Cost: O(n). Edge cases: empty → empty; `base` must be finite and in `[0, 1]`,
/// ranks finite and `>= 0`, else `Err`.
///
/// ```
/// use imr_helpers::rank_decay;
/// assert_eq!(rank_decay(&[0.0, 1.0, 2.0], 0.5).unwrap(), vec![1.0, 0.5, 0.25]);
/// ```
pub fn rank_decay(ranks: &[f64], base: f64) -> Result<Vec<f64>> {
    if !(base.is_finite() && (0.0..=1.0).contains(&base)) {
        return Err(HelperError::InvalidParameter("base must be in [0, 1]"));
    }
    ranks
        .iter()
        .enumerate()
        .map(|(index, &r)| {
            if !r.is_finite() {
                Err(HelperError::NonFinite { index })
            } else if r < 0.0 {
                Err(HelperError::InvalidValue {
                    index,
                    reason: "rank must be >= 0",
                })
            } else {
                Ok(libm::pow(base, r))
            }
        })
        .collect()
}

/// Whether `v` is an invalid entry for [`position_decay_tie_avg`]: NaN, or the
/// infinity in the bad direction.
fn is_bad_non_finite(v: f64, dir: Direction) -> bool {
    v.is_nan()
        || match dir {
            Direction::Asc => v == f64::INFINITY,
            Direction::Desc => v == f64::NEG_INFINITY,
        }
}

/// Precog's tie-averaged position decay (`get_average_weights_for_ties(rank(x), base)`).
///
/// Formula: sort by the C4 order; position `k` (0-based) carries `base^k`; every
/// member of a tie group covering positions `s..e` gets
/// `(Σ_{k=s}^{e−1} base^k) / (e−s)` (compensated sum, one division). A lone
/// entry at position `k` gets exactly `base^k`. Not normalized: the best untied
/// entry gets `1.0`. Ties as in [`rank`] (`tie_eps` optional).
///
/// **Difference from Precog (deliberate, spec §3.1 step 4):** an *invalid* entry,
/// meaning NaN or the infinity in the bad direction (`+inf` for `Asc`, `-inf` for
/// `Desc`), gets weight `0`. Precog puts missing miners (+inf error) in the bottom
/// tie group with a positive weight, and a single NaN at its own last position.
/// Invalid entries always sort after every valid one, so every valid entry's
/// weight is exactly Precog's. Infinity in the good direction is a valid value
/// (it ranks first). Precog's `rank([])` quirk (an empty input yields `[1.0]`) is
/// not copied: empty → empty (C5).
///
/// Cost: O(n log n) plus one `pow` per entry (none for base 0.8: a table of exactly
/// `libm::pow`'s results). Edge cases: `base` must be in
/// `[0, 1]`; `uids.len() != values.len()` and bad `tie_eps` are `Err`.
///
/// ```
/// use imr_helpers::{position_decay_tie_avg, Direction};
/// // errors (lower is better): uid 1 best, uids 2 and 3 tie on positions 1 and 2,
/// // uid 4 missing (+inf) gets 0.
/// let w = position_decay_tie_avg(&[0.3, 0.1, 0.2, 0.2, f64::INFINITY], &[0, 1, 2, 3, 4],
///                                Direction::Asc, 0.5, None).unwrap();
/// assert_eq!(w, vec![0.125, 1.0, 0.375, 0.375, 0.0]);
/// ```
pub fn position_decay_tie_avg(
    values: &[f64],
    uids: &[u16],
    dir: Direction,
    base: f64,
    tie_eps: Option<f64>,
) -> Result<Vec<f64>> {
    if !(base.is_finite() && (0.0..=1.0).contains(&base)) {
        return Err(HelperError::InvalidParameter("base must be in [0, 1]"));
    }
    let ordered = c4_order(values, uids, dir, NanPolicy::Worst, tie_eps)?;
    let mut out = vec![0.0; values.len()];
    for &(s, e) in &ordered.groups {
        if is_bad_non_finite(values[ordered.order[s]], dir) {
            continue; // invalid group: weight 0
        }
        let mut acc = NeumaierSum::default();
        for k in s..e {
            acc.add(crate::decay_powers::pow_position(base, k));
        }
        let w = acc.total() / (e - s) as f64;
        for pos in s..e {
            out[ordered.order[pos]] = w;
        }
    }
    Ok(out)
}

/// PTN's "top `p` of miners get share `b`" exponential decay over `n` positions.
///
/// Formula: `k = −ln(1−b)/(p·n)`; `w_r = exp((−k)·r) / Σ_s exp((−k)·s)` for
/// `r = 0..n`, in PTN's operation order (`ln` of the rounded `1−b`, one division
/// by the rounded `p·n`, `(−k)·r` rounded before `exp`, compensated sum, then
/// elementwise division). The top `⌈p·n⌉` positions get ≈ `b` of the total.
///
/// Cost: O(n) (`n` calls of `exp`). Edge cases: `n = 0` → empty (C5); `n = 1` →
/// `[1.0]`. **Difference from PTN:** PTN clips `b` to `[0, 0.99999999]` and `p` to
/// `[1e-8, 1]`; here `b ∉ [0, 1)` or `p ∉ (0, 1]` is
/// [`HelperError::InvalidParameter`] (C3: no silent repair). PTN clips `n ≤ 0` to 1
/// and returns `[1]`; here `n` is a count (`usize`): `n = 0` → empty (C5), and a
/// negative `n` cannot be passed (a caller holding a signed value must refuse it or
/// clip it itself). Both are documented differences, tagged `clip` in the vectors.
///
/// ```
/// use imr_helpers::exp_rank_decay;
/// let w = exp_rank_decay(10, 0.1, 0.9).unwrap();
/// assert_eq!(w.len(), 10);
/// assert!(w[0] > 0.6 && (w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
/// ```
pub fn exp_rank_decay(n: usize, top_frac: f64, top_share: f64) -> Result<Vec<f64>> {
    if !(top_share.is_finite() && (0.0..1.0).contains(&top_share)) {
        return Err(HelperError::InvalidParameter("top_share must be in [0, 1)"));
    }
    if !(top_frac.is_finite() && top_frac > 0.0 && top_frac <= 1.0) {
        return Err(HelperError::InvalidParameter("top_frac must be in (0, 1]"));
    }
    match n {
        0 => return Ok(Vec::new()),
        1 => return Ok(vec![1.0]),
        _ => {}
    }
    let k = -libm::log(1.0 - top_share) / (top_frac * n as f64);
    let raw: Vec<f64> = (0..n).map(|r| libm::exp((-k) * r as f64)).collect();
    let total = super::common::sum(&raw);
    Ok(raw.into_iter().map(|w| w / total).collect())
}

/// snpOracle's rank decay with a cut-off: `e^{−rate·r}`, 0 when `r > max_rank`.
///
/// Formula: `wᵢ = exp(−rate·rᵢ)` if `rᵢ ≤ max_rank`, else `0`. Not normalized
/// (snpOracle divides by the max afterwards; see [`crate::normalize_max`]).
/// Pass `f64::INFINITY` as `max_rank` for no cut-off.
///
/// Cost: O(n). Edge cases: empty → empty; a NaN rank, a negative rank, or a
/// non-finite / negative `rate` is `Err`; `max_rank` must not be NaN.
///
/// ```
/// use imr_helpers::exp_decay_by_rank;
/// let w = exp_decay_by_rank(&[0.0, 2.0, 101.0], 0.05, 100.0).unwrap();
/// assert_eq!(w[0], 1.0);
/// assert!((w[1] - (-0.1f64).exp()).abs() < 1e-15);
/// assert_eq!(w[2], 0.0);
/// ```
pub fn exp_decay_by_rank(ranks: &[f64], rate: f64, max_rank: f64) -> Result<Vec<f64>> {
    if !(rate.is_finite() && rate >= 0.0) {
        return Err(HelperError::InvalidParameter(
            "rate must be finite and >= 0",
        ));
    }
    if max_rank.is_nan() {
        return Err(HelperError::InvalidParameter("max_rank must not be NaN"));
    }
    ranks
        .iter()
        .enumerate()
        .map(|(index, &r)| {
            if r.is_nan() {
                Err(HelperError::NonFinite { index })
            } else if r < 0.0 {
                Err(HelperError::InvalidValue {
                    index,
                    reason: "rank must be >= 0",
                })
            } else if r > max_rank {
                Ok(0.0)
            } else {
                Ok(libm::exp(-rate * r))
            }
        })
        .collect()
}

/// Keeps the best `k` entries in the C4 order and zeroes the rest.
///
/// Formula: `outᵢ = xᵢ` if `i` is among the first `k` positions of the C4 order
/// (value in `dir`, then uid), else `0`. Ties at the cut are decided by uid.
///
/// Cost: O(n log n). Edge cases: `k ≥ n` keeps everything; NaN is `Err` (C3);
/// `uids.len() != x.len()` is `Err`.
///
/// ```
/// use imr_helpers::{top_k, Direction};
/// assert_eq!(top_k(&[0.2, 0.5, 0.5, 0.1], &[0, 1, 2, 3], 2, Direction::Desc).unwrap(),
///            vec![0.0, 0.5, 0.5, 0.0]);
/// assert_eq!(top_k(&[0.2, 0.5, 0.5, 0.1], &[0, 2, 1, 3], 1, Direction::Desc).unwrap(),
///            vec![0.0, 0.0, 0.5, 0.0]);
/// ```
pub fn top_k(x: &[f64], uids: &[u16], k: usize, dir: Direction) -> Result<Vec<f64>> {
    let ordered = c4_order(x, uids, dir, NanPolicy::Error, None)?;
    let mut out = vec![0.0; x.len()];
    for &i in ordered.order.iter().take(k) {
        out[i] = x[i];
    }
    Ok(out)
}

/// Winner-take-all: `1/m` to each of the `m` tied best entries, `0` elsewhere.
///
/// Formula: the first tie group of the C4 order (exact ties, or within `tie_eps`)
/// shares `1` equally. Output is in input order and sums to 1.
///
/// Cost: O(n log n). Edge cases: empty → empty; NaN is `Err` (C3); entries equal
/// to the infinity in the good direction win.
///
/// ```
/// use imr_helpers::{winner_take_all, Direction};
/// assert_eq!(winner_take_all(&[0.7, 0.9, 0.9], &[0, 1, 2], Direction::Desc, None).unwrap(),
///            vec![0.0, 0.5, 0.5]);
/// ```
pub fn winner_take_all(
    x: &[f64],
    uids: &[u16],
    dir: Direction,
    tie_eps: Option<f64>,
) -> Result<Vec<f64>> {
    let ordered = c4_order(x, uids, dir, NanPolicy::Error, tie_eps)?;
    let mut out = vec![0.0; x.len()];
    if let Some(&(s, e)) = ordered.groups.first() {
        let w = 1.0 / (e - s) as f64;
        for pos in s..e {
            out[ordered.order[pos]] = w;
        }
    }
    Ok(out)
}

/// Zeus's challenge weights: the winner gets `share`, the others a log tail.
///
/// `ranked_uids` lists uids best first (e.g. `order` from [`rank`] with
/// `TieMode::Ordinal`). Formula: the first gets `share`; the `n` others, at
/// `j = 0…n−1` in the given order, get `(1−share)·ln(n+1−j) / Σ_{j'} ln(n+1−j')`.
/// Returns C6 weights: `(uid, w)` sorted by uid, summing to 1.
///
/// Cost: O(n log n). Edge cases: empty → empty; one uid → it gets `1.0` (there
/// is no tail to take `1−share`); `share ∉ [0, 1]` or a repeated uid is `Err`.
///
/// ```
/// use imr_helpers::winner_plus_log_tail;
/// let w = winner_plus_log_tail(&[5, 2, 9], 0.95).unwrap();
/// // n = 2 others: ln 3 and ln 2, sharing 0.05.
/// let t = 3f64.ln() + 2f64.ln();
/// assert_eq!(w[1].0, 5);
/// assert!((w[1].1 - 0.95).abs() < 1e-15);
/// assert!((w[0].1 - 0.05 * 3f64.ln() / t).abs() < 1e-15);
/// assert!((w[2].1 - 0.05 * 2f64.ln() / t).abs() < 1e-15);
/// ```
pub fn winner_plus_log_tail(ranked_uids: &[u16], share: f64) -> Result<Vec<(u16, f64)>> {
    if !(share.is_finite() && (0.0..=1.0).contains(&share)) {
        return Err(HelperError::InvalidParameter("share must be in [0, 1]"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (index, u) in ranked_uids.iter().enumerate() {
        if !seen.insert(*u) {
            return Err(HelperError::InvalidValue {
                index,
                reason: "duplicate uid",
            });
        }
    }
    let mut out: Vec<(u16, f64)> = match ranked_uids.len() {
        0 => return Ok(Vec::new()),
        1 => vec![(ranked_uids[0], 1.0)],
        len => {
            let n = len - 1;
            let logs: Vec<f64> = (0..n).map(|j| libm::log((n + 1 - j) as f64)).collect();
            let total = super::common::sum(&logs);
            let mut v = vec![(ranked_uids[0], share)];
            for (j, l) in logs.iter().enumerate() {
                v.push((ranked_uids[j + 1], (1.0 - share) * l / total));
            }
            v
        }
    };
    out.sort_by_key(|&(u, _)| u);
    Ok(out)
}

/// scipy's `percentileofscore(kind='strict')/100` for every entry.
///
/// Formula: `outᵢ = #{j : xⱼ < xᵢ} / n`, so the minimum gets 0 and ties share.
///
/// Cost: O(n log n). Edge cases: empty → empty; NaN is `Err` (C3); infinities
/// compare normally.
///
/// ```
/// use imr_helpers::percentile_strict;
/// assert_eq!(percentile_strict(&[3.0, 1.0, 3.0, 2.0]).unwrap(), vec![0.5, 0.0, 0.5, 0.25]);
/// ```
pub fn percentile_strict(x: &[f64]) -> Result<Vec<f64>> {
    super::common::check_no_nan(x)?;
    let mut sorted = x.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
    let n = x.len() as f64;
    Ok(x.iter()
        .map(|&v| sorted.partition_point(|&s| s < v) as f64 / n)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: [u16; 5] = [0, 1, 2, 3, 4];

    #[test]
    fn rank_modes_by_hand() {
        // values 5,3,3,1,3 ascending: 1 (uid3) pos0; 3s (uids 1,2,4) pos 1..3; 5 pos 4.
        let v = [5.0, 3.0, 3.0, 1.0, 3.0];
        let r = |t| rank(&v, &U, Direction::Asc, t, NanPolicy::Worst, None).unwrap();
        assert_eq!(r(TieMode::Average), vec![4.0, 2.0, 2.0, 0.0, 2.0]);
        assert_eq!(r(TieMode::Min), vec![4.0, 1.0, 1.0, 0.0, 1.0]);
        assert_eq!(r(TieMode::Dense), vec![2.0, 1.0, 1.0, 0.0, 1.0]);
        assert_eq!(r(TieMode::Ordinal), vec![4.0, 1.0, 2.0, 0.0, 3.0]);
    }

    #[test]
    fn nan_and_infinities_follow_c3() {
        let v = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0];
        let u = [0, 1, 2, 3];
        let asc = rank(
            &v,
            &u,
            Direction::Asc,
            TieMode::Ordinal,
            NanPolicy::Worst,
            None,
        )
        .unwrap();
        assert_eq!(asc, vec![3.0, 2.0, 0.0, 1.0]);
        let desc = rank(
            &v,
            &u,
            Direction::Desc,
            TieMode::Ordinal,
            NanPolicy::Worst,
            None,
        )
        .unwrap();
        assert_eq!(desc, vec![3.0, 0.0, 2.0, 1.0]);
        assert_eq!(
            rank(
                &v,
                &u,
                Direction::Asc,
                TieMode::Average,
                NanPolicy::Error,
                None
            ),
            Err(HelperError::NonFinite { index: 0 })
        );
        // two NaNs tie with each other
        let r = rank(
            &[f64::NAN, 1.0, f64::NAN],
            &[0, 1, 2],
            Direction::Asc,
            TieMode::Average,
            NanPolicy::Worst,
            None,
        )
        .unwrap();
        assert_eq!(r, vec![1.5, 0.0, 1.5]);
    }

    #[test]
    fn tie_eps_is_relative_with_floor_one() {
        let v = [1.0, 1.0 + 5e-13, 1.0 + 3e-12];
        let u = [0, 1, 2];
        let r = rank(
            &v,
            &u,
            Direction::Asc,
            TieMode::Min,
            NanPolicy::Worst,
            Some(1e-12),
        )
        .unwrap();
        assert_eq!(r, vec![0.0, 0.0, 2.0]);
        // near zero the floor of 1 applies: |1e-13 - 0| <= 1e-12 * 1
        let r = rank(
            &[1e-13, 0.0],
            &[0, 1],
            Direction::Asc,
            TieMode::Ordinal,
            NanPolicy::Worst,
            Some(1e-12),
        )
        .unwrap();
        // tied, so the uid decides: uid 0 first even though its value is larger
        assert_eq!(r, vec![0.0, 1.0]);
        assert!(rank(
            &v,
            &u,
            Direction::Asc,
            TieMode::Min,
            NanPolicy::Worst,
            Some(-1.0)
        )
        .is_err());
    }

    /// The order `c4_order` had before its key sort: a stable sort with the comparator.
    fn comparator_order(values: &[f64], uids: &[u16], dir: Direction) -> Vec<usize> {
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&i, &j| {
            cmp_best_first(values[i], values[j], dir)
                .then(uids[i].cmp(&uids[j]))
                .then(i.cmp(&j))
        });
        order
    }

    /// Values drawn from a small pool (many exact ties, both zeros, infinities, NaNs with other bits) or
    /// arbitrary bits.
    fn value() -> impl proptest::strategy::Strategy<Value = f64> {
        use proptest::prelude::*;
        prop_oneof![
            prop::sample::select(vec![
                0.0,
                -0.0,
                1.0,
                -1.0,
                0.5,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NAN,
                -f64::NAN,
                f64::from_bits(0x7ff0_0000_0000_0001),
                f64::MIN_POSITIVE,
                -f64::MIN_POSITIVE,
                f64::from_bits(1),
                f64::MAX,
                f64::MIN,
            ]),
            any::<u64>().prop_map(f64::from_bits),
            -10.0..10.0f64,
        ]
    }

    proptest::proptest! {
        #[test]
        fn key_sort_is_the_comparator_order(
            pairs in proptest::collection::vec((value(), 0u16..40), 0..200),
            desc in proptest::bool::ANY,
        ) {
            let dir = if desc { Direction::Desc } else { Direction::Asc };
            let values: Vec<f64> = pairs.iter().map(|p| p.0).collect();
            let uids: Vec<u16> = pairs.iter().map(|p| p.1).collect();
            proptest::prop_assert_eq!(
                sorted_best_first(&values, &uids, dir),
                comparator_order(&values, &uids, dir)
            );
        }
    }

    #[test]
    fn key_sort_orders_the_special_values() {
        let values = [
            f64::NAN,
            f64::INFINITY,
            -0.0,
            0.0,
            f64::NEG_INFINITY,
            1.0,
            -f64::NAN,
        ];
        let uids = [0, 1, 3, 2, 4, 5, 6];
        for dir in [Direction::Asc, Direction::Desc] {
            assert_eq!(
                sorted_best_first(&values, &uids, dir),
                comparator_order(&values, &uids, dir)
            );
        }
        // -0.0 and 0.0 tie, so uid 2 (0.0) comes before uid 3 (-0.0).
        assert_eq!(
            sorted_best_first(&values, &uids, Direction::Asc),
            vec![4, 3, 2, 5, 1, 0, 6]
        );
    }

    #[test]
    fn position_decay_by_hand() {
        // base 0.8, ascending: [0.3, 0.1, 0.2, 0.2, 0.5] -> positions: 0.1→0, 0.2s→1,2, 0.3→3, 0.5→4
        let w = position_decay_tie_avg(&[0.3, 0.1, 0.2, 0.2, 0.5], &U, Direction::Asc, 0.8, None)
            .unwrap();
        let exp = [0.512, 1.0, 0.72, 0.72, 0.4096];
        for (a, b) in w.iter().zip(exp) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
        // desc with -inf invalid
        let w = position_decay_tie_avg(
            &[1.0, f64::NEG_INFINITY, 2.0],
            &[0, 1, 2],
            Direction::Desc,
            0.5,
            None,
        )
        .unwrap();
        assert_eq!(w, vec![0.5, 0.0, 1.0]);
        assert!(position_decay_tie_avg(&[], &[], Direction::Asc, 0.8, None)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn exp_rank_decay_top_share() {
        // n = 10, p = 0.1: the top 1 gets b/(1-(1-b)^(1/p)...) — check the defining property
        // sum over the first ceil(p*n) of w = (1 - e^{-k·pn}) / (1 - e^{-k n}) = b / (1 - (1-b)^{1/p}).
        let w = exp_rank_decay(20, 0.1, 0.9).unwrap();
        let top: f64 = w[..2].iter().sum();
        let expected = 0.9 / (1.0 - 0.1f64.powi(10));
        assert!((top - expected).abs() < 1e-12);
        assert_eq!(exp_rank_decay(1, 0.1, 0.9).unwrap(), vec![1.0]);
        assert!(exp_rank_decay(0, 0.1, 0.9).unwrap().is_empty());
        assert!(exp_rank_decay(5, 0.1, 1.0).is_err());
        assert!(exp_rank_decay(5, 0.0, 0.9).is_err());
        // b = 0: k = 0, uniform
        assert_eq!(exp_rank_decay(4, 0.5, 0.0).unwrap(), vec![0.25; 4]);
    }

    #[test]
    fn percentile_and_top_k() {
        assert_eq!(percentile_strict(&[]).unwrap(), Vec::<f64>::new());
        assert_eq!(percentile_strict(&[1.0, 1.0]).unwrap(), vec![0.0, 0.0]);
        assert!(top_k(&[f64::NAN], &[0], 1, Direction::Asc).is_err());
        assert_eq!(
            top_k(&[3.0, 1.0, 2.0], &[0, 1, 2], 2, Direction::Asc).unwrap(),
            vec![0.0, 1.0, 2.0]
        );
    }

    #[test]
    fn log_tail_single_and_dupes() {
        assert_eq!(winner_plus_log_tail(&[3], 0.95).unwrap(), vec![(3, 1.0)]);
        assert!(winner_plus_log_tail(&[3, 3], 0.95).is_err());
        // n = 1 other: ln 2 / ln 2 = 1, so it gets 1 - share
        let w = winner_plus_log_tail(&[4, 1], 0.9).unwrap();
        assert_eq!(w, vec![(1, 1.0 - 0.9), (4, 0.9)]);
    }
}
