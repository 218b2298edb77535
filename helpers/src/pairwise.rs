//! Pairwise ranking (spec/scoring-helpers.md §2, "Pairwise ranking"): win rates with an
//! earlier-submission advantage (SN9/SN37 via taoverse), Elo, Bradley–Terry, Copeland and
//! Borda. Results are `Vec<(uid, value)>` sorted by uid (or a `BTreeMap` for Elo ratings).

use std::collections::{BTreeMap, BTreeSet};

use crate::{Direction, HelperError, NeumaierSum, Result};

/// One game between miners `a` and `b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairMatch {
    /// The first miner.
    pub a: u16,
    /// The second miner (must differ from `a`).
    pub b: u16,
    /// `a`'s result: 1 = `a` won, ½ = tie, 0 = `b` won (any value in [0, 1] is accepted).
    pub score_a: f64,
}

impl PairMatch {
    /// A win for `winner` over `loser`.
    pub fn win(winner: u16, loser: u16) -> Self {
        Self {
            a: winner,
            b: loser,
            score_a: 1.0,
        }
    }

    /// A tie between `a` and `b`.
    pub fn tie(a: u16, b: u16) -> Self {
        Self { a, b, score_a: 0.5 }
    }
}

/// Checks every match: distinct players, a finite score in [0, 1].
fn check_matches(matches: &[PairMatch]) -> Result<()> {
    for (index, m) in matches.iter().enumerate() {
        if m.a == m.b {
            return Err(HelperError::InvalidValue {
                index,
                reason: "a match needs two different uids",
            });
        }
        if m.score_a.is_nan() {
            return Err(HelperError::NonFinite { index });
        }
        if !(0.0..=1.0).contains(&m.score_a) {
            return Err(HelperError::InvalidValue {
                index,
                reason: "score_a must lie in [0, 1]",
            });
        }
    }
    Ok(())
}

/// Sorts matches into the canonical order `(min(a,b), max(a,b), a, score_a)` (scores by
/// [`f64::total_cmp`]). [`elo`] depends on the order of its matches; sorting first makes
/// the result independent of the order the matches arrived in.
///
/// Cost: O(m log m).
///
/// ```
/// use imr_helpers::{sort_matches_canonical, PairMatch};
/// let mut m = [PairMatch::win(3, 1), PairMatch::win(1, 2)];
/// sort_matches_canonical(&mut m);
/// assert_eq!(m, [PairMatch::win(1, 2), PairMatch::win(3, 1)]);
/// ```
pub fn sort_matches_canonical(matches: &mut [PairMatch]) {
    matches.sort_by(|x, y| {
        (x.a.min(x.b), x.a.max(x.b), x.a)
            .cmp(&(y.a.min(y.b), y.a.max(y.b), y.a))
            .then(x.score_a.total_cmp(&y.score_a))
    });
}

/// A function giving the earlier submission's advantage ε (taoverse's `EpsilonFunc`).
pub trait EpsilonFunc {
    /// ε for a model submitted at `model_block`, seen at `current_block`; must lie in
    /// [0, 1].
    fn epsilon(&self, current_block: u64, model_block: u64) -> f64;
}

/// A constant ε (taoverse `FixedEpsilon`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedEpsilon(pub f64);

impl EpsilonFunc for FixedEpsilon {
    fn epsilon(&self, _current_block: u64, _model_block: u64) -> f64 {
        self.0
    }
}

/// ε decaying linearly from `start` to `end` over `blocks` blocks of age (taoverse
/// `LinearDecay`).
///
/// `ε = start − min(age/blocks, 1)·(start − end)` with `age = max(current − model, 0)`, in
/// taoverse's operation order. `blocks = 0` means fully decayed at once (`ε = end`), where
/// taoverse would divide by zero.
///
/// ```
/// use imr_helpers::{EpsilonFunc, LinearDecay};
/// let e = LinearDecay { start: 0.005, end: 0.001, blocks: 100 };
/// assert_eq!(e.epsilon(1000, 1000), 0.005);
/// assert!((e.epsilon(1050, 1000) - 0.003).abs() < 1e-15);
/// assert_eq!(e.epsilon(5000, 1000), 0.001);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearDecay {
    /// ε of a brand-new submission.
    pub start: f64,
    /// ε after `blocks` blocks and forever after.
    pub end: f64,
    /// The decay length in blocks.
    pub blocks: u64,
}

impl EpsilonFunc for LinearDecay {
    fn epsilon(&self, current_block: u64, model_block: u64) -> f64 {
        let age = current_block.saturating_sub(model_block) as f64;
        let adjustment = if self.blocks == 0 {
            1.0
        } else {
            (age / self.blocks as f64).min(1.0)
        };
        self.start - adjustment * (self.start - self.end)
    }
}

/// One competitor of [`pairwise_win_rate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WinRateEntry {
    /// The miner.
    pub uid: u16,
    /// Its score (a loss with [`Direction::Asc`], a reward with [`Direction::Desc`]).
    pub value: f64,
    /// The block its submission was made at.
    pub block: u64,
}

/// Moves `x` by the fraction `eps` of its magnitude in the good direction.
fn advantage(x: f64, eps: f64, dir: Direction) -> f64 {
    match (dir, x >= 0.0) {
        (Direction::Asc, true) | (Direction::Desc, false) => (1.0 - eps) * x,
        (Direction::Asc, false) | (Direction::Desc, true) => (1.0 + eps) * x,
    }
}

/// Win rates of every entry against every other (SN9/SN37 `compute_wins`).
///
/// Formula: for each ordered pair (i, j), i ≠ j, the entry with the strictly earlier
/// `block` gets the advantage `ε = eps_fn.epsilon(current_block, its block)`: its value
/// becomes `(1 − ε)·x` for a non-negative loss (`Asc`; taoverse's rule, bit for bit) or
/// `(1 + ε)·x` for a non-negative reward (`Desc`); a negative value moves by `ε·|x|` in the
/// good direction likewise. Equal blocks give no advantage. i wins if its adjusted value is
/// strictly better. `rate_i = wins_i/(n − 1)`, in [0, 1]; a single entry gets 0.
///
/// NaN (C3, `NanPolicy::Worst`): a NaN value never wins and loses to every non-NaN value.
/// ±∞ compare as IEEE numbers.
///
/// Cost: O(n²) comparisons. Output: `(uid, rate)` sorted by uid.
///
/// Errors: [`HelperError::InvalidParameter`] if a uid repeats or ε is outside [0, 1].
///
/// ```
/// use imr_helpers::{pairwise_win_rate, Direction, FixedEpsilon, WinRateEntry};
/// let e = |uid, value, block| WinRateEntry { uid, value, block };
/// // uid 1 (earlier, loss 1.0 → 0.9) beats uid 2 (0.95); uid 3 beats both.
/// let r = pairwise_win_rate(
///     &[e(1, 1.0, 10), e(2, 0.95, 20), e(3, 0.5, 30)],
///     Direction::Asc, &FixedEpsilon(0.1), 100,
/// ).unwrap();
/// assert_eq!(r, vec![(1, 0.5), (2, 0.0), (3, 1.0)]);
/// ```
pub fn pairwise_win_rate(
    entries: &[WinRateEntry],
    dir: Direction,
    eps_fn: &dyn EpsilonFunc,
    current_block: u64,
) -> Result<Vec<(u16, f64)>> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| entries[i].uid);
    if order
        .windows(2)
        .any(|w| entries[w[0]].uid == entries[w[1]].uid)
    {
        return Err(HelperError::InvalidParameter(
            "pairwise_win_rate: a uid appears twice",
        ));
    }
    let mut eps = Vec::with_capacity(entries.len());
    for e in entries {
        let x = eps_fn.epsilon(current_block, e.block);
        if !(0.0..=1.0).contains(&x) {
            return Err(HelperError::InvalidParameter(
                "pairwise_win_rate: epsilon must lie in [0, 1]",
            ));
        }
        eps.push(x);
    }
    let better = |x: f64, y: f64| match dir {
        Direction::Asc => x < y,
        Direction::Desc => x > y,
    };
    let n = entries.len();
    let mut out = Vec::with_capacity(n);
    for &i in &order {
        let ei = entries[i];
        let mut wins = 0usize;
        for (j, ej) in entries.iter().enumerate() {
            if i == j {
                continue;
            }
            let win = match (ei.value.is_nan(), ej.value.is_nan()) {
                (true, _) => false,
                (false, true) => true,
                (false, false) => {
                    let xi = if ei.block < ej.block {
                        advantage(ei.value, eps[i], dir)
                    } else {
                        ei.value
                    };
                    let xj = if ej.block < ei.block {
                        advantage(ej.value, eps[j], dir)
                    } else {
                        ej.value
                    };
                    better(xi, xj)
                }
            };
            wins += usize::from(win);
        }
        let rate = if n > 1 {
            wins as f64 / (n - 1) as f64
        } else {
            0.0
        };
        out.push((ei.uid, rate));
    }
    Ok(out)
}

/// The Elo expectation of `a` against `b`: `1/(1 + 10^{(R_b − R_a)/400})`.
///
/// ```
/// use imr_helpers::elo_expected;
/// assert_eq!(elo_expected(1000.0, 1000.0), 0.5);
/// assert!((elo_expected(1400.0, 1000.0) - 10.0 / 11.0).abs() < 1e-15);
/// ```
pub fn elo_expected(r_a: f64, r_b: f64) -> f64 {
    1.0 / (1.0 + libm::pow(10.0, (r_b - r_a) / 400.0))
}

/// Elo ratings after playing `matches` **in the given order**.
///
/// Formula, per match: `E = 1/(1 + 10^{(R_b − R_a)/400})`, `Δ = k·(s − E)`,
/// `R_a += Δ`, `R_b −= Δ` (the total rating is conserved). A uid missing from `ratings`
/// starts at `init`. The result holds every uid of `ratings` and of the matches.
///
/// Order matters: sort the matches first (e.g. [`sort_matches_canonical`], or by
/// `(task_id, min(a,b), max(a,b), judge)` as the prompt-ranking example does) so the result
/// does not depend on arrival order.
///
/// Cost: O(m·log n). Errors (nothing is updated): [`HelperError::NonFinite`] for a NaN
/// score, [`HelperError::InvalidValue`] for `a == b` or a score outside [0, 1],
/// [`HelperError::InvalidParameter`] for a non-finite `k`, `init` or input rating.
///
/// ```
/// use std::collections::BTreeMap;
/// use imr_helpers::{elo, PairMatch};
/// let r = elo(&BTreeMap::new(), &[PairMatch::win(1, 2)], 16.0, 1000.0).unwrap();
/// assert_eq!(r[&1], 1008.0);
/// assert_eq!(r[&2], 992.0);
/// ```
pub fn elo(
    ratings: &BTreeMap<u16, f64>,
    matches: &[PairMatch],
    k: f64,
    init: f64,
) -> Result<BTreeMap<u16, f64>> {
    if !k.is_finite() || !init.is_finite() {
        return Err(HelperError::InvalidParameter(
            "elo: k and init must be finite",
        ));
    }
    if ratings.values().any(|r| !r.is_finite()) {
        return Err(HelperError::InvalidParameter(
            "elo: every input rating must be finite",
        ));
    }
    check_matches(matches)?;
    let mut out = ratings.clone();
    for m in matches {
        let ra = *out.entry(m.a).or_insert(init);
        let rb = *out.entry(m.b).or_insert(init);
        let delta = k * (m.score_a - elo_expected(ra, rb));
        out.insert(m.a, ra + delta);
        out.insert(m.b, rb - delta);
    }
    Ok(out)
}

/// Games as `(index of a, index of b, score of a)`.
type IndexedGames = Vec<(usize, usize, f64)>;

/// Maps uids to dense indices in ascending uid order, checking the matches.
fn index_players(players: &[u16], matches: &[PairMatch]) -> Result<(Vec<u16>, IndexedGames)> {
    check_matches(matches)?;
    let uids: Vec<u16> = players
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let idx = |u: u16, index: usize| {
        uids.binary_search(&u)
            .map_err(|_| HelperError::InvalidValue {
                index,
                reason: "a match names a uid that is not a player",
            })
    };
    let mut games = Vec::with_capacity(matches.len());
    for (index, m) in matches.iter().enumerate() {
        games.push((idx(m.a, index)?, idx(m.b, index)?, m.score_a));
    }
    Ok((uids, games))
}

/// Bradley–Terry strengths by the MM algorithm (Hunter 2004) with a prior, returned as
/// `ln pᵢ`.
///
/// Formula: `Wᵢ = Σ sᵢ + prior/2` (points scored, a tie counting ½, plus half a virtual
/// win), `n_ij` = games between i and j. Each sweep updates, Gauss–Seidel in ascending uid
/// order, `pᵢ ← Wᵢ / (prior/(pᵢ + 1) + Σⱼ n_ij/(pᵢ + pⱼ))` (the prior acts as `prior`
/// virtual games against a player of strength 1); after each sweep all `p` are divided by
/// their geometric mean. The result `ln pᵢ` sums to 0 (up to rounding); feed it to a
/// softmax or a rank. Every player starts at `p = 1`; `iters` sweeps are always run (no
/// early stop, so the cost is fixed). A player without games converges to `ln p ≈ 0`
/// before normalization. Sums are Neumaier-compensated in uid order (C1).
///
/// `players` is deduplicated and sorted; the result lists `(uid, ln p)` by uid.
///
/// Cost: O(iters·(n + distinct pairs)) after an O(m log m) setup.
///
/// Errors: [`HelperError::InvalidParameter`] if `prior` is not finite and > 0 (with no
/// prior an all-losing player would go to `ln 0`); match errors as in [`elo`], plus
/// [`HelperError::InvalidValue`] for a uid not in `players`.
///
/// ```
/// use imr_helpers::{bradley_terry, PairMatch};
/// let m = [PairMatch::win(1, 2), PairMatch::win(1, 2), PairMatch::win(2, 1)];
/// let bt = bradley_terry(&[1, 2], &m, 1.0, 100).unwrap();
/// assert!(bt[0].1 > 0.0 && (bt[0].1 + bt[1].1).abs() < 1e-12);
/// ```
pub fn bradley_terry(
    players: &[u16],
    matches: &[PairMatch],
    prior: f64,
    iters: usize,
) -> Result<Vec<(u16, f64)>> {
    if !(prior.is_finite() && prior > 0.0) {
        return Err(HelperError::InvalidParameter(
            "bradley_terry: prior must be finite and positive",
        ));
    }
    let (uids, games) = index_players(players, matches)?;
    let n = uids.len();
    if n == 0 {
        return Ok(Vec::new());
    }
    // Points (W) and, per player, the games against each opponent (ascending index).
    let mut wins: Vec<NeumaierSum> = vec![NeumaierSum::default(); n];
    let mut pair_games: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); n];
    for &(a, b, s) in &games {
        wins[a].add(s);
        wins[b].add(1.0 - s);
        *pair_games[a].entry(b).or_insert(0.0) += 1.0;
        *pair_games[b].entry(a).or_insert(0.0) += 1.0;
    }
    let w: Vec<f64> = wins
        .iter()
        .map(|acc| {
            let mut acc = *acc;
            acc.add(prior / 2.0);
            acc.total()
        })
        .collect();
    let mut p = vec![1.0f64; n];
    for _ in 0..iters {
        for i in 0..n {
            let mut denom = NeumaierSum::default();
            denom.add(prior / (p[i] + 1.0));
            for (&j, &nij) in &pair_games[i] {
                denom.add(nij / (p[i] + p[j]));
            }
            p[i] = w[i] / denom.total();
        }
        let mut log_sum = NeumaierSum::default();
        for &x in &p {
            log_sum.add(libm::log(x));
        }
        let g = libm::exp(log_sum.total() / n as f64);
        for x in &mut p {
            *x /= g;
        }
    }
    Ok(uids
        .into_iter()
        .zip(p)
        .map(|(u, x)| (u, libm::log(x)))
        .collect())
}

/// Copeland scores from head-to-head records.
///
/// Formula: for every pair (i, j) that met at least once, compare their head-to-head
/// points (a win 1, a tie ½ each): the better gets 1, the worse 0, equal points give ½
/// each. `copeland_i` = the sum over i's opponents, in [0, n − 1]. A player without games
/// gets 0.
///
/// Cost: O(m log m). Output: `(uid, score)` for every player, sorted by uid.
///
/// Errors: as [`bradley_terry`]'s match checks.
///
/// ```
/// use imr_helpers::{copeland, PairMatch};
/// // 1 beats 2 twice, 2 beats 1 once → 1 takes the pair; 3 and 1 tie.
/// let m = [PairMatch::win(1, 2), PairMatch::win(2, 1), PairMatch::win(1, 2), PairMatch::tie(1, 3)];
/// assert_eq!(copeland(&[1, 2, 3, 4], &m).unwrap(), vec![(1, 1.5), (2, 0.0), (3, 0.5), (4, 0.0)]);
/// ```
pub fn copeland(players: &[u16], matches: &[PairMatch]) -> Result<Vec<(u16, f64)>> {
    let (uids, games) = index_players(players, matches)?;
    // Head-to-head points of the lower index in each pair, and of the higher.
    let mut h2h: BTreeMap<(usize, usize), (NeumaierSum, NeumaierSum)> = BTreeMap::new();
    for &(a, b, s) in &games {
        let (lo, hi, s_lo) = if a < b { (a, b, s) } else { (b, a, 1.0 - s) };
        let e = h2h.entry((lo, hi)).or_default();
        e.0.add(s_lo);
        e.1.add(1.0 - s_lo);
    }
    let mut score = vec![0.0f64; uids.len()];
    for (&(lo, hi), (x, y)) in &h2h {
        let (x, y) = (x.total(), y.total());
        if x > y {
            score[lo] += 1.0;
        } else if y > x {
            score[hi] += 1.0;
        } else {
            score[lo] += 0.5;
            score[hi] += 0.5;
        }
    }
    Ok(uids.into_iter().zip(score).collect())
}

/// Borda counts from ranked ballots.
///
/// Formula: each ballot lists uids best first; in a ballot of length m, position k
/// (0-based) earns `m − 1 − k` points. A uid absent from a ballot earns nothing from it.
/// The result covers every uid of every ballot, sorted by uid.
///
/// Cost: O(Σ ballot lengths · log). Errors: [`HelperError::InvalidValue`] (index = the
/// ballot) if a ballot repeats a uid.
///
/// ```
/// use imr_helpers::borda;
/// let b = borda(&[vec![3, 1, 2], vec![1, 3]]).unwrap();
/// assert_eq!(b, vec![(1, 2.0), (2, 0.0), (3, 2.0)]);
/// ```
pub fn borda(rankings: &[Vec<u16>]) -> Result<Vec<(u16, f64)>> {
    let mut points: BTreeMap<u16, u64> = BTreeMap::new();
    for (index, ballot) in rankings.iter().enumerate() {
        let distinct: BTreeSet<u16> = ballot.iter().copied().collect();
        if distinct.len() != ballot.len() {
            return Err(HelperError::InvalidValue {
                index,
                reason: "a ballot lists a uid twice",
            });
        }
        let m = ballot.len() as u64;
        for (k, &u) in ballot.iter().enumerate() {
            *points.entry(u).or_insert(0) += m - 1 - k as u64;
        }
    }
    Ok(points.into_iter().map(|(u, p)| (u, p as f64)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elo_two_games_by_hand() {
        // After 1008/992, 10^{(992−1008)/400} = 10^{−0.04} = 0.9120108393559098;
        // E = 1/1.9120108393559098 = 0.5230096 (to 7 digits); Δ = 16·(1 − E) = 7.631846.
        let m = [PairMatch::win(1, 2), PairMatch::win(1, 2)];
        let r = elo(&BTreeMap::new(), &m, 16.0, 1000.0).unwrap();
        assert!((r[&1] - 1015.631846).abs() < 1e-5, "{}", r[&1]);
        assert!((r[&1] + r[&2] - 2000.0).abs() < 1e-12);
    }

    #[test]
    fn elo_rejects_bad_matches_atomically() {
        let m = [
            PairMatch::win(1, 2),
            PairMatch {
                a: 3,
                b: 3,
                score_a: 1.0,
            },
        ];
        assert!(matches!(
            elo(&BTreeMap::new(), &m, 16.0, 1000.0),
            Err(HelperError::InvalidValue { index: 1, .. })
        ));
        let m = [PairMatch {
            a: 1,
            b: 2,
            score_a: 1.5,
        }];
        assert!(elo(&BTreeMap::new(), &m, 16.0, 1000.0).is_err());
        let m = [PairMatch {
            a: 1,
            b: 2,
            score_a: f64::NAN,
        }];
        assert_eq!(
            elo(&BTreeMap::new(), &m, 16.0, 1000.0),
            Err(HelperError::NonFinite { index: 0 })
        );
    }

    #[test]
    fn win_rate_taoverse_rules() {
        let e = |uid, value, block| WinRateEntry { uid, value, block };
        // Equal blocks: no advantage, equal losses: nobody wins.
        let r = pairwise_win_rate(
            &[e(1, 1.0, 5), e(2, 1.0, 5)],
            Direction::Asc,
            &FixedEpsilon(0.5),
            9,
        )
        .unwrap();
        assert_eq!(r, vec![(1, 0.0), (2, 0.0)]);
        // Desc: earlier reward 1.0 → 1.1 beats 1.05.
        let r = pairwise_win_rate(
            &[e(2, 1.05, 6), e(1, 1.0, 5)],
            Direction::Desc,
            &FixedEpsilon(0.1),
            9,
        )
        .unwrap();
        assert_eq!(r, vec![(1, 1.0), (2, 0.0)]);
        // NaN never wins and always loses.
        let r = pairwise_win_rate(
            &[e(1, f64::NAN, 0), e(2, f64::INFINITY, 5)],
            Direction::Asc,
            &FixedEpsilon(0.0),
            9,
        )
        .unwrap();
        assert_eq!(r, vec![(1, 0.0), (2, 1.0)]);
        assert_eq!(
            pairwise_win_rate(&[e(1, 1.0, 0)], Direction::Asc, &FixedEpsilon(0.0), 0).unwrap(),
            vec![(1, 0.0)]
        );
        assert!(pairwise_win_rate(
            &[e(1, 1.0, 0), e(1, 2.0, 0)],
            Direction::Asc,
            &FixedEpsilon(0.0),
            0
        )
        .is_err());
        assert!(pairwise_win_rate(&[e(1, 1.0, 0)], Direction::Asc, &FixedEpsilon(1.5), 0).is_err());
    }

    #[test]
    fn linear_decay_edges() {
        let d = LinearDecay {
            start: 0.01,
            end: 0.002,
            blocks: 0,
        };
        assert_eq!(d.epsilon(10, 10), 0.002);
        let d = LinearDecay {
            start: 0.01,
            end: 0.002,
            blocks: 10,
        };
        assert_eq!(d.epsilon(5, 10), 0.01, "a model from the future has age 0");
    }

    #[test]
    fn bt_symmetric_record_gives_equal_strengths() {
        let m = [
            PairMatch::win(1, 2),
            PairMatch::win(2, 1),
            PairMatch::tie(1, 2),
        ];
        let bt = bradley_terry(&[2, 1, 3], &m, 1.0, 50).unwrap();
        assert_eq!(bt.iter().map(|x| x.0).collect::<Vec<_>>(), vec![1, 2, 3]);
        for (_, l) in &bt {
            assert!(l.abs() < 1e-9, "{bt:?}");
        }
    }

    #[test]
    fn bt_fixed_point_satisfies_the_mm_equation() {
        // 3–1 record between two players: at convergence p must be a fixed point of the MM
        // map up to the normalization, i.e. p_A/p_B = T(p)_A/T(p)_B.
        let m = [
            PairMatch::win(1, 2),
            PairMatch::win(1, 2),
            PairMatch::win(1, 2),
            PairMatch::win(2, 1),
        ];
        let bt = bradley_terry(&[1, 2], &m, 1.0, 500).unwrap();
        let (pa, pb) = (bt[0].1.exp(), bt[1].1.exp());
        let ta = 3.5 / (1.0 / (pa + 1.0) + 4.0 / (pa + pb));
        let tb = 1.5 / (1.0 / (pb + 1.0) + 4.0 / (ta + pb));
        assert!(
            (pa / pb - ta / tb).abs() < 1e-9,
            "{} vs {}",
            pa / pb,
            ta / tb
        );
        assert!((pa * pb - 1.0).abs() < 1e-12);
    }

    #[test]
    fn bt_and_copeland_reject_unknown_players() {
        let m = [PairMatch::win(1, 9)];
        assert!(bradley_terry(&[1, 2], &m, 1.0, 10).is_err());
        assert!(copeland(&[1, 2], &m).is_err());
        assert!(bradley_terry(&[1, 9], &m, 0.0, 10).is_err());
        assert_eq!(bradley_terry(&[], &[], 1.0, 10).unwrap(), vec![]);
    }

    #[test]
    fn borda_rejects_repeats() {
        assert!(borda(&[vec![1, 2, 1]]).is_err());
        assert_eq!(borda(&[]).unwrap(), vec![]);
    }
}
