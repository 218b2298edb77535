//! EMA, windows and per-miner state (spec §2 "EMA, windows and state").
//!
//! Convention: `EMA(α)` is `s ← α·x + (1−α)·s` (α weights the *new* value, as in
//! the subnet template; taoverse's `α_old` is `1 − α` here). State maps are
//! [`BTreeMap`]s keyed by uid so iteration (and any sum over them) runs in
//! ascending uid order (C1).

use std::collections::BTreeMap;

use super::common::{HelperError, NeumaierSum, Result};

/// Checks that `alpha` is in `[0, 1]`.
fn check_alpha(alpha: f64) -> Result<()> {
    if (0.0..=1.0).contains(&alpha) {
        Ok(())
    } else {
        Err(HelperError::InvalidParameter("alpha must be in [0, 1]"))
    }
}

/// One EMA step: `α·x + (1−α)·prev`.
///
/// Cost: O(1). Edge cases: `α ∉ [0, 1]` → `Err`; non-finite `prev` or `x` →
/// `Err` (index 0 = `prev`, 1 = `x`).
///
/// ```
/// use imr_helpers::ema;
/// assert_eq!(ema(1.0, 0.0, 0.25).unwrap(), 0.75);
/// ```
pub fn ema(prev: f64, x: f64, alpha: f64) -> Result<f64> {
    check_alpha(alpha)?;
    super::common::check_finite(&[prev, x])?;
    Ok(alpha * x + (1.0 - alpha) * prev)
}

/// The α whose weight on an observation halves every `h` steps: `1 − 2^{−1/h}`.
///
/// Precog's "2h half-life" at 5-minute steps is `h = 24` (α ≈ 0.0285).
/// Cost: O(1). Edge cases: `h` must be finite and `> 0`.
///
/// ```
/// use imr_helpers::alpha_from_half_life;
/// assert_eq!(alpha_from_half_life(1.0).unwrap(), 0.5);
/// ```
pub fn alpha_from_half_life(h: f64) -> Result<f64> {
    if !(h.is_finite() && h > 0.0) {
        return Err(HelperError::InvalidParameter(
            "half-life must be finite and > 0",
        ));
    }
    Ok(1.0 - libm::pow(2.0, -1.0 / h))
}

/// The pandas/TSPS span convention: `α = 2/(N+1)` (TSPS `N = 48`).
///
/// Cost: O(1). Edge cases: `N` must be finite and `≥ 1`.
///
/// ```
/// use imr_helpers::alpha_from_span;
/// assert_eq!(alpha_from_span(3.0).unwrap(), 0.5);
/// ```
pub fn alpha_from_span(n: f64) -> Result<f64> {
    if !(n.is_finite() && n >= 1.0) {
        return Err(HelperError::InvalidParameter(
            "span must be finite and >= 1",
        ));
    }
    Ok(2.0 / (n + 1.0))
}

/// What [`ema_update`] does to a uid in the state that was not observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Absent {
    /// Its reward counts as 0, so it decays by `(1−α)` (subnet template).
    #[default]
    Decay,
    /// It keeps its value (SN1 scatter update).
    Hold,
}

/// Updates a per-uid EMA state with this step's observed rewards.
///
/// Formula: for every observed `(uid, x)`: `s ← α·x + (1−α)·s` (a uid not yet in
/// `state` starts from `s = 0`, so it enters at `α·x`); every other uid in
/// `state`: `Decay` → `s ← (1−α)·s`, `Hold` → unchanged. Then **every** entry
/// becomes `max(s − const_decay, 0)` (SN1's constant decay; note that this also
/// floors negative values at 0, even with `const_decay = 0`).
///
/// The input is validated before anything is written, so on `Err` the state is
/// untouched. Cost: O((n + m) log n). Edge cases: `α ∉ [0, 1]`, a negative or
/// non-finite `const_decay` → `Err`; a non-finite reward → `Err` at its index; a
/// uid observed twice → [`HelperError::InvalidValue`] at the second occurrence.
///
/// ```
/// use std::collections::BTreeMap;
/// use imr_helpers::{ema_update, Absent};
/// let mut s = BTreeMap::from([(1u16, 0.5), (2, 1.0)]);
/// ema_update(&mut s, &[(1, 1.0), (3, 1.0)], 0.5, Absent::Decay, 0.0).unwrap();
/// assert_eq!(s, BTreeMap::from([(1, 0.75), (2, 0.5), (3, 0.5)]));
/// ```
pub fn ema_update(
    state: &mut BTreeMap<u16, f64>,
    observed: &[(u16, f64)],
    alpha: f64,
    absent: Absent,
    const_decay: f64,
) -> Result<()> {
    check_alpha(alpha)?;
    if !(const_decay.is_finite() && const_decay >= 0.0) {
        return Err(HelperError::InvalidParameter(
            "const_decay must be finite and >= 0",
        ));
    }
    let mut obs = BTreeMap::new();
    for (index, &(uid, x)) in observed.iter().enumerate() {
        if !x.is_finite() {
            return Err(HelperError::NonFinite { index });
        }
        if obs.insert(uid, x).is_some() {
            return Err(HelperError::InvalidValue {
                index,
                reason: "uid observed twice",
            });
        }
    }
    for (&uid, &x) in &obs {
        let prev = state.get(&uid).copied().unwrap_or(0.0);
        state.insert(uid, alpha * x + (1.0 - alpha) * prev);
    }
    for (uid, s) in state.iter_mut() {
        if !obs.contains_key(uid) && absent == Absent::Decay {
            *s *= 1.0 - alpha;
        }
        *s = (*s - const_decay).max(0.0);
    }
    Ok(())
}

/// How [`window_mean`] treats a missing entry (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Missing {
    /// Left out of the numerator (and of an `Actual` denominator).
    #[default]
    Skip,
    /// Counted as 0.
    Zero,
    /// Counted as this value (e.g. the worst score, as Synth backfills).
    Value(f64),
}

/// The denominator [`window_mean`] divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Denominator {
    /// The number of entries counted (after `Missing::Skip`).
    #[default]
    Actual,
    /// Always the window size `W`, so short or gappy histories are pulled
    /// towards 0 (Infinite Games' fixed denominator).
    Fixed,
}

/// Mean of the last `W` entries of a history (oldest first).
///
/// Formula: over the last `min(W, len)` entries, each `Some(x)` counts `x`; each
/// `None` follows `missing`; the compensated sum is divided by the
/// `denominator` (`Fixed` → `W`; `Actual` → entries counted).
///
/// Cost: O(W). Edge cases: `W = 0` → `Err`; nothing counted under `Actual` →
/// [`HelperError::Empty`]; a non-finite entry or `Value(v)` → `Err`.
///
/// ```
/// use imr_helpers::{window_mean, Denominator, Missing};
/// let h = [Some(9.0), Some(1.0), None, Some(3.0)];
/// assert_eq!(window_mean(&h, 3, Missing::Skip, Denominator::Actual).unwrap(), 2.0);
/// assert_eq!(window_mean(&h, 3, Missing::Zero, Denominator::Actual).unwrap(), 4.0 / 3.0);
/// assert_eq!(window_mean(&h, 8, Missing::Skip, Denominator::Fixed).unwrap(), 13.0 / 8.0);
/// ```
pub fn window_mean(
    history: &[Option<f64>],
    w: usize,
    missing: Missing,
    denominator: Denominator,
) -> Result<f64> {
    if w == 0 {
        return Err(HelperError::InvalidParameter("window must be >= 1"));
    }
    if let Missing::Value(v) = missing {
        if !v.is_finite() {
            return Err(HelperError::InvalidParameter(
                "missing value must be finite",
            ));
        }
    }
    let start = history.len().saturating_sub(w);
    let mut acc = NeumaierSum::default();
    let mut counted = 0usize;
    for (index, entry) in history.iter().enumerate().skip(start) {
        let x = match (entry, missing) {
            (Some(x), _) => {
                if !x.is_finite() {
                    return Err(HelperError::NonFinite { index });
                }
                *x
            }
            (None, Missing::Skip) => continue,
            (None, Missing::Zero) => 0.0,
            (None, Missing::Value(v)) => v,
        };
        acc.add(x);
        counted += 1;
    }
    match denominator {
        Denominator::Fixed => Ok(acc.total() / w as f64),
        Denominator::Actual if counted == 0 => Err(HelperError::Empty),
        Denominator::Actual => Ok(acc.total() / counted as f64),
    }
}

/// The result of [`rank_window_avg`].
#[derive(Debug, Clone, PartialEq)]
pub struct RankWindow {
    /// `(uid, mean rank over the last W)` sorted by uid; `+inf` when a uid has
    /// fewer than `W` ranks.
    pub avg: Vec<(u16, f64)>,
    /// Uids best first: by mean rank ascending, then by the most recent ranks
    /// (latest first, lexicographically ascending), then by uid.
    pub order: Vec<u16>,
}

/// Zeus's `compute_avg_ranks`: mean rank over the last `W` challenges.
///
/// `histories` holds each uid's ranks, oldest first. Formula: `avg = mean of the
/// last W ranks` (compensated), or `+inf` when fewer than `W` are available.
/// Ties on `avg` are broken by comparing the reversed recent ranks (the latest
/// rank first, then the one before, …; lower is better), then by uid.
///
/// Cost: O(n·W + n log n·W). Edge cases: `W = 0` → `Err`; a NaN rank → `Err`;
/// a repeated uid → `Err`; empty → empty.
///
/// ```
/// use imr_helpers::rank_window_avg;
/// let a = [2.0, 0.0, 1.0];
/// let b = [0.0, 2.0, 1.0];
/// let c = [0.0];
/// let r = rank_window_avg(&[(7, &a[..]), (3, &b[..]), (1, &c[..])], 2).unwrap();
/// assert_eq!(r.avg, vec![(1, f64::INFINITY), (3, 1.5), (7, 0.5)]);
/// assert_eq!(r.order, vec![7, 3, 1]);
/// ```
pub fn rank_window_avg(histories: &[(u16, &[f64])], w: usize) -> Result<RankWindow> {
    if w == 0 {
        return Err(HelperError::InvalidParameter("window must be >= 1"));
    }
    let mut rows: Vec<(u16, f64, Vec<f64>)> = Vec::with_capacity(histories.len());
    let mut seen = std::collections::BTreeSet::new();
    for (index, &(uid, ranks)) in histories.iter().enumerate() {
        if !seen.insert(uid) {
            return Err(HelperError::InvalidValue {
                index,
                reason: "duplicate uid",
            });
        }
        super::common::check_no_nan(ranks).map_err(|_| HelperError::NonFinite { index })?;
        let recent: Vec<f64> = ranks.iter().rev().take(w).copied().collect();
        let avg = if ranks.len() < w {
            f64::INFINITY
        } else {
            super::common::sum(&ranks[ranks.len() - w..]) / w as f64
        };
        rows.push((uid, avg, recent));
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&i, &j| {
        let (ui, ai, ri) = &rows[i];
        let (uj, aj, rj) = &rows[j];
        ai.total_cmp(aj)
            .then_with(|| {
                for (x, y) in ri.iter().zip(rj) {
                    let o = x.total_cmp(y);
                    if o.is_ne() {
                        return o;
                    }
                }
                std::cmp::Ordering::Equal
            })
            .then(ui.cmp(uj))
    });
    let order: Vec<u16> = order.into_iter().map(|i| rows[i].0).collect();
    let mut avg: Vec<(u16, f64)> = rows.into_iter().map(|(u, a, _)| (u, a)).collect();
    avg.sort_by_key(|e| e.0);
    Ok(RankWindow { avg, order })
}

/// A per-uid state record that [`reconcile_hotkeys`] can check and reset.
///
/// Implemented for `(String, f64)` (hotkey, value). Implement it for a richer
/// per-miner struct to let `fresh` reset the other fields too.
pub trait MinerRecord {
    /// The hotkey this record belongs to.
    fn hotkey(&self) -> &str;
    /// The value the reconcile policies look at (e.g. the EMA score).
    fn value(&self) -> f64;
    /// A fresh record for a new or replaced hotkey, starting at `value`.
    fn fresh(hotkey: &str, value: f64) -> Self;
}

impl MinerRecord for (String, f64) {
    fn hotkey(&self) -> &str {
        &self.0
    }
    fn value(&self) -> f64 {
        self.1
    }
    fn fresh(hotkey: &str, value: f64) -> Self {
        (hotkey.to_string(), value)
    }
}

/// What a new or replaced hotkey starts from in [`reconcile_hotkeys`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HotkeyPolicy {
    /// Start at 0 (template, Precog, snpOracle).
    #[default]
    Reset0,
    /// Start at the mean value of the uids kept unchanged (TSPS).
    MeanOfOthers,
    /// Start at the minimum value of the uids kept unchanged: the worst score
    /// currently held (Synth's "backfill with the worst score").
    WorstOfWindow,
}

/// What [`reconcile_hotkeys`] changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reconciled {
    /// Uids that were in the state but are not in the metagraph (removed).
    pub dropped: Vec<u16>,
    /// Uids whose hotkey changed (their record was replaced).
    pub replaced: Vec<u16>,
    /// Uids in the metagraph that had no record (added).
    pub added: Vec<u16>,
}

/// Brings a per-uid state in line with the metagraph.
///
/// `metagraph` lists `(uid, hotkey)`. A uid that is gone is dropped; a uid whose
/// hotkey changed, and a new uid, get `R::fresh(hotkey, v)` with `v` from
/// `policy`: `Reset0` → 0; `MeanOfOthers` → compensated mean (uid order) of the
/// values of the uids kept unchanged; `WorstOfWindow` → their minimum. With no
/// kept uids both fall back to 0. Kept uids are untouched. All lists in the
/// returned [`Reconciled`] are ascending.
///
/// Cost: O((n + m) log n). Edge cases: a uid repeated in `metagraph` →
/// [`HelperError::InvalidValue`] (state untouched); a NaN kept value makes
/// `MeanOfOthers` / `WorstOfWindow` return [`HelperError::NonFinite`].
///
/// ```
/// use std::collections::BTreeMap;
/// use imr_helpers::{reconcile_hotkeys, HotkeyPolicy};
/// let mut s: BTreeMap<u16, (String, f64)> = BTreeMap::from([
///     (1, ("a".to_string(), 0.2)), (2, ("b".to_string(), 0.4)), (3, ("c".to_string(), 0.9))]);
/// let r = reconcile_hotkeys(&mut s, &[(1, "a"), (2, "b"), (3, "x"), (4, "d")],
///                           HotkeyPolicy::MeanOfOthers).unwrap();
/// assert_eq!((r.replaced, r.added), (vec![3], vec![4]));
/// assert!((s[&3].1 - 0.3).abs() < 1e-15 && s[&3].0 == "x" && (s[&4].1 - 0.3).abs() < 1e-15);
/// ```
pub fn reconcile_hotkeys<R: MinerRecord>(
    state: &mut BTreeMap<u16, R>,
    metagraph: &[(u16, &str)],
    policy: HotkeyPolicy,
) -> Result<Reconciled> {
    let mut current: BTreeMap<u16, &str> = BTreeMap::new();
    for (index, &(uid, hk)) in metagraph.iter().enumerate() {
        if current.insert(uid, hk).is_some() {
            return Err(HelperError::InvalidValue {
                index,
                reason: "uid listed twice in the metagraph",
            });
        }
    }
    let kept: Vec<f64> = state
        .iter()
        .filter(|(uid, rec)| current.get(uid) == Some(&rec.hotkey()))
        .map(|(_, rec)| rec.value())
        .collect();
    let start = match policy {
        HotkeyPolicy::Reset0 => 0.0,
        _ if kept.is_empty() => 0.0,
        HotkeyPolicy::MeanOfOthers => {
            super::common::check_no_nan(&kept)?;
            super::common::mean(&kept)
        }
        HotkeyPolicy::WorstOfWindow => {
            super::common::check_no_nan(&kept)?;
            kept.iter().copied().fold(f64::INFINITY, f64::min)
        }
    };
    let mut report = Reconciled {
        dropped: state
            .keys()
            .filter(|uid| !current.contains_key(uid))
            .copied()
            .collect(),
        ..Reconciled::default()
    };
    for uid in &report.dropped {
        state.remove(uid);
    }
    for (&uid, &hk) in &current {
        match state.get(&uid) {
            Some(rec) if rec.hotkey() == hk => {}
            Some(_) => {
                state.insert(uid, R::fresh(hk, start));
                report.replaced.push(uid);
            }
            None => {
                state.insert(uid, R::fresh(hk, start));
                report.added.push(uid);
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ema_update_modes() {
        let mut s = BTreeMap::from([(1u16, 0.8), (2, 0.4)]);
        ema_update(&mut s, &[(1, 0.0)], 0.1, Absent::Hold, 0.0).unwrap();
        // uid 1: 0.1·0 + 0.9·0.8 = 0.72; uid 2 held
        assert!((s[&1] - 0.72).abs() < 1e-15);
        assert_eq!(s[&2], 0.4);
        // const decay floors at 0
        ema_update(&mut s, &[], 0.1, Absent::Hold, 0.5).unwrap();
        assert!((s[&1] - 0.22).abs() < 1e-15);
        assert_eq!(s[&2], 0.0);
        // bad input leaves the state untouched
        let before = s.clone();
        assert!(ema_update(&mut s, &[(1, 1.0), (1, 1.0)], 0.1, Absent::Decay, 0.0).is_err());
        assert!(ema_update(&mut s, &[(1, f64::NAN)], 0.1, Absent::Decay, 0.0).is_err());
        assert!(ema_update(&mut s, &[], 1.1, Absent::Decay, 0.0).is_err());
        assert_eq!(s, before);
    }

    #[test]
    fn alphas() {
        // 24 steps of half-life: (1−α)^24 = 1/2
        let a = alpha_from_half_life(24.0).unwrap();
        assert!((libm::pow(1.0 - a, 24.0) - 0.5).abs() < 1e-14);
        assert_eq!(alpha_from_span(48.0).unwrap(), 2.0 / 49.0);
        assert!(alpha_from_span(0.5).is_err());
        assert!(alpha_from_half_life(0.0).is_err());
    }

    #[test]
    fn reconcile_policies() {
        let mk = || -> BTreeMap<u16, (String, f64)> {
            BTreeMap::from([
                (1, ("a".into(), 0.2)),
                (2, ("b".into(), 0.6)),
                (5, ("e".into(), 0.9)),
            ])
        };
        let meta = [(1, "a"), (2, "b"), (5, "E2"), (7, "g")];
        let mut s = mk();
        let r = reconcile_hotkeys(&mut s, &meta, HotkeyPolicy::Reset0).unwrap();
        assert_eq!(
            r,
            Reconciled {
                dropped: vec![],
                replaced: vec![5],
                added: vec![7]
            }
        );
        assert_eq!(s[&5], ("E2".to_string(), 0.0));
        let mut s = mk();
        reconcile_hotkeys(&mut s, &meta, HotkeyPolicy::WorstOfWindow).unwrap();
        assert_eq!(s[&7].1, 0.2);
        // dropping
        let mut s = mk();
        let r = reconcile_hotkeys(&mut s, &[(2, "b")], HotkeyPolicy::MeanOfOthers).unwrap();
        assert_eq!(r.dropped, vec![1, 5]);
        assert_eq!(s.len(), 1);
        // duplicate uid in metagraph
        let mut s = mk();
        assert!(reconcile_hotkeys(&mut s, &[(1, "a"), (1, "a")], HotkeyPolicy::Reset0).is_err());
        assert_eq!(s, mk());
    }

    #[test]
    fn windows() {
        assert!(window_mean(&[], 1, Missing::Skip, Denominator::Actual).is_err());
        assert_eq!(
            window_mean(&[], 2, Missing::Skip, Denominator::Fixed).unwrap(),
            0.0
        );
        assert_eq!(
            window_mean(
                &[None, Some(1.0)],
                2,
                Missing::Value(3.0),
                Denominator::Actual
            )
            .unwrap(),
            2.0
        );
        // tie on avg broken by the latest rank
        let a = [1.0, 0.0];
        let b = [0.0, 1.0];
        let r = rank_window_avg(&[(1, &a[..]), (2, &b[..])], 2).unwrap();
        assert_eq!(r.order, vec![1, 2]);
    }
}
