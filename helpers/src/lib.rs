//! Deterministic scoring helpers (spec/scoring-helpers.md §2).
//!
//! Every helper follows the global conventions:
//!
//! * **C1 Summation.** Left to right in the order given, Neumaier-compensated
//!   ([`sum`], [`mean`], [`dot`]). Callers order entities by ascending uid.
//! * **C2 Transcendentals.** `exp`, `ln`, `pow`, `sqrt`, `erf`, `cos` come from the
//!   pinned pure-Rust [`libm`] crate, never from host intrinsics.
//! * **C3 NaN and infinity.** Helpers that take user data return
//!   [`HelperError::NonFinite`] on NaN unless documented otherwise; ranking helpers
//!   take a [`NanPolicy`].
//! * **C4 Order and ties.** By value in the stated direction, then by uid ascending.
//! * **C5 Normalization.** Empty in, empty out; a zero or non-finite total follows
//!   a [`ZeroPolicy`].
//! * **C6 Weights.** Weight helpers return `Vec<(u16, f64)>` sorted by uid, with
//!   `w >= 0` and `Σw = 1` (or all 0).
//!
//! ## Numeric helpers at a glance
//!
//! All return [`Result`] unless noted; `uids` slices are parallel to `values`.
//!
//! ```text
//! // point errors (metrics.rs)            lengths must match, non-finite → Err
//! mae / mse / rmse / mape / smape(p: &[f64], a: &[f64]) -> Result<f64>
//! weighted_rmse(p, a, w: &[f64]) -> Result<f64>;  log_return_rmse(p, a, base: f64)
//! rel_abs_err(p: f64, a: f64) -> Result<f64>
//! directional_accuracy(p, a) / directional_accuracy_vs_base(p, a, base: f64) -> Result<f64>
//! exp_decay_weights(n, k) / recency_weights(n, min, max, rate) / power_decay_weights(n, e)
//! near_duplicate_vectors(vectors: &[(u16, &[f64])], rel_linf: f64) -> Result<Vec<(u16, u16)>>
//!
//! // probabilistic (probabilistic.rs)
//! interval_score(lo, hi, y, alpha) -> Result<f64>;  coverage(lo, hi, ys: &[f64]) -> Result<f64>
//! precog_interval_score(lo, hi, path: &[f64]);  pinball(q, tau, y);  mean_pinball(qs, taus, y)
//! crps_ensemble(xs: &[f64], y) -> Result<f64>;  crps_gaussian(mu, sigma, y) -> Result<f64>
//! path_changes_bps(path, step: usize) -> Result<Vec<f64>>
//! brier(p, outcome: bool);  log_score(p, outcome: bool, eps);  peer_scores(log_scores, eps)
//! normal_cdf(z) -> f64;  normal_pdf(z) -> f64;  normal_quantile(p) -> Result<f64>
//! gaussian_interval(mu, sigma, level) -> Result<(f64, f64)>
//!
//! // ranking (rank.rs)                    C4: value in `dir`, then uid ascending
//! rank(values, uids, dir: Direction, ties: TieMode, nan: NanPolicy, tie_eps: Option<f64>) -> Result<Vec<f64>>
//! position_decay_tie_avg(values, uids, dir, base, tie_eps: Option<f64>) -> Result<Vec<f64>>
//!     // Precog's tie-averaged base^k; NaN and the infinity in the bad direction get 0
//! rank_decay(ranks, base);  exp_decay_by_rank(ranks, rate, max_rank) -> Result<Vec<f64>>
//! exp_rank_decay(n, top_frac, top_share) -> Result<Vec<f64>>      // by position, 0 = best
//! top_k(x, uids, k, dir);  winner_take_all(x, uids, dir, tie_eps);  percentile_strict(x)
//! winner_plus_log_tail(ranked_uids: &[u16], share) -> Result<Weights>
//!
//! // shaping (shaping.rs)                 plain vectors in, same length out
//! softmax(x, t);  softmax_beta(x, beta);  softmax_nonzero(x, t);  threshold(x, min_share)
//! power_sharpen(x, p);  cap_shift(errors, q);  pareto_shift(x, mu, alpha)
//! floor_ceiling_scale(x, floor, ceil);  combine_weighted(vecs: &[&[f64]], ws: &[f64])
//! sigmoid(x, k, x0) -> Result<f64>;  apply_penalties(r, &[(w, pen)]);  clip_penalty(p, max)
//!
//! // weights (normalize.rs)               Weights = Vec<(u16, f64)>, C6
//! normalize_sum(w: &[(u16, f64)], zero: ZeroPolicy) -> Result<Weights>
//! cap_max_weight(w: &[(u16, f64)], limit) -> Result<Weights>
//! with_burn(w: &[(u16, f64)], burn_uid: u16, frac) -> Result<Weights>   // all-zero → burn gets 1
//! fill_remainder_to_burn(w, burn_uid);  owner_matches_miners(w, owner)
//! finalize(w, uids_alive: &[u16], zero) -> Result<Finalized { weights, pre_sum }>
//! normalize_max(x);  min_max(x, on_constant);  invert_min_max(errors, on_constant)
//! clamp(x, lo, hi);  zscore_floor(x, k)
//!
//! // EMA and state (ema.rs, stats.rs)
//! ema(prev, x, alpha);  alpha_from_half_life(h);  alpha_from_span(n)
//! ema_update(state: &mut BTreeMap<u16, f64>, observed: &[(u16, f64)], alpha,
//!            absent: Absent /* Decay | Hold */, const_decay: f64) -> Result<()>
//! reconcile_hotkeys<R: MinerRecord>(state: &mut BTreeMap<u16, R>, metagraph: &[(u16, &str)],
//!            policy: HotkeyPolicy /* Reset0 | MeanOfOthers | WorstOfWindow */) -> Result<Reconciled>
//!     // MinerRecord is implemented for (String /*hotkey*/, f64 /*value*/); implement it
//!     // (hotkey(), value(), fresh(hotkey, value)) for a richer per-miner struct.
//! window_mean(history: &[Option<f64>], w, missing: Missing, denominator: Denominator)
//! rank_window_avg(histories: &[(u16, &[f64])], w) -> Result<RankWindow { avg, order }>
//! RunningStats::new(cap).update(batch) / zscore(x) / to_unit_cdf(x);  quantile_linear(sorted, q)
//! ```

mod common;
mod decay_powers;
// text and pairwise helpers (texthelp)
mod pairwise;
mod text;
// numeric helpers (numhelp)
mod ema;
mod metrics;
mod normalize;
mod probabilistic;
mod rank;
mod shaping;
mod stats;

pub use common::*;
// text and pairwise helpers (texthelp)
pub use pairwise::*;
pub use text::*;
// numeric helpers (numhelp)
pub use ema::*;
pub use metrics::*;
pub use normalize::*;
pub use probabilistic::*;
pub use rank::*;
pub use shaping::*;
pub use stats::*;
