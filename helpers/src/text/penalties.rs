//! Copy and length penalties, and near-duplicate detection.

use std::collections::BTreeSet;

use super::rouge::{rouge_n_unchecked, RougeMode};
use super::similarity::token_f1;
use crate::{HelperError, Result};

/// SN1's copy penalty: how much of the candidate echoes the prompt.
///
/// Formula: `rouge_n(cand, prompt, 1, Set).f` (unique unigrams; pltrdy's F with its
/// 1e-8 epsilon), in [0, 1). SN1 multiplies the reward by `1 − w·penalty` (w = 0.5).
/// An empty side gives 0.
///
/// Cost: O((c + p)·log(c + p)).
///
/// ```
/// use imr_helpers::{copy_penalty, tokenize, Tok};
/// let t = |s| tokenize(s, &Tok::default());
/// assert!(copy_penalty(&t("what is the capital"), &t("What is the capital?")) > 0.99);
/// assert_eq!(copy_penalty(&t("Paris"), &t("What is the capital?")), 0.0);
/// ```
pub fn copy_penalty<T: Ord>(cand: &[T], prompt: &[T]) -> f64 {
    rouge_n_unchecked(cand, prompt, 1, RougeMode::Set).f
}

/// Text-prompting's length penalty (`MatchLengthCriteria`).
///
/// Formula: `p·(1 − exp(−10·((count − target)/target)²))`, in [0, p] for `p ≥ 0`: 0 at
/// the target length, about `0.63·p` at ±32 %, and → p far away.
///
/// Cost: O(1). Errors: [`HelperError::InvalidParameter`] if `target == 0` or `p` is not
/// finite.
///
/// ```
/// use imr_helpers::length_penalty;
/// assert_eq!(length_penalty(10, 10, 0.1).unwrap(), 0.0);
/// // (20 − 10)/10 = 1: 0.1·(1 − e^{−10}).
/// assert!((length_penalty(20, 10, 0.1).unwrap() - 0.1 * (1.0 - (-10.0f64).exp())).abs() < 1e-17);
/// ```
pub fn length_penalty(count: usize, target: usize, p: f64) -> Result<f64> {
    if target == 0 {
        return Err(HelperError::InvalidParameter(
            "length_penalty: target must be positive",
        ));
    }
    if !p.is_finite() {
        return Err(HelperError::InvalidParameter(
            "length_penalty: p must be finite",
        ));
    }
    let rel = (count as f64 - target as f64) / target as f64;
    Ok(p * (1.0 - libm::exp(-10.0 * (rel * rel))))
}

/// One response for [`near_duplicates`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DupCandidate<'a, T> {
    /// The miner.
    pub uid: u16,
    /// The block the miner's hotkey registered at (earlier wins a duplicate pair).
    pub registered_block: u64,
    /// The response's tokens.
    pub tokens: &'a [T],
}

/// A pair of near-duplicate responses found by [`near_duplicates`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DuplicatePair {
    /// The earlier registration (lower `registered_block`, then lower uid): keeps its reward.
    pub kept: u16,
    /// The later registration: loses its reward under the Zeus policy.
    pub dropped: u16,
    /// The pair's [`token_f1`] (1 for identical token sequences).
    pub f1: f64,
}

/// Finds the pairs of responses that are near duplicates.
///
/// Formula: responses `i < j` (in input order) form a pair when their token sequences are
/// identical (the "identical hashes" rule) or `token_f1(i, j) ≥ thr`. Each pair names the
/// response to keep: the earlier registration (lower `registered_block`, ties by lower
/// uid), Zeus's policy; [`duplicates_dropped`] lists the losers. Pairs are returned in
/// input order of `(i, j)`.
///
/// Edge cases: two empty responses are identical, hence a pair; `thr > 1` leaves only
/// identical sequences.
///
/// Cost: O(k²·L·log L) for k responses of L tokens; the caller caps k (one task's
/// responses, spec §3.3).
///
/// Errors: [`HelperError::InvalidParameter`] if `thr` is NaN, or if a uid repeats.
///
/// ```
/// use imr_helpers::{duplicates_dropped, near_duplicates, tokenize, DupCandidate, Tok};
/// let t: Vec<Vec<String>> = ["the cat sat", "The cat sat!", "a dog ran"]
///     .iter().map(|s| tokenize(s, &Tok::default())).collect();
/// let items = [
///     DupCandidate { uid: 7, registered_block: 50, tokens: &t[0] },
///     DupCandidate { uid: 3, registered_block: 90, tokens: &t[1] },
///     DupCandidate { uid: 5, registered_block: 10, tokens: &t[2] },
/// ];
/// let pairs = near_duplicates(&items, 0.98).unwrap();
/// assert_eq!((pairs.len(), pairs[0].kept, pairs[0].dropped), (1, 7, 3));
/// assert_eq!(duplicates_dropped(&pairs), vec![3]);
/// ```
pub fn near_duplicates<T: Ord>(
    items: &[DupCandidate<'_, T>],
    thr: f64,
) -> Result<Vec<DuplicatePair>> {
    if thr.is_nan() {
        return Err(HelperError::InvalidParameter("near_duplicates: thr is NaN"));
    }
    let mut uids = BTreeSet::new();
    for it in items {
        if !uids.insert(it.uid) {
            return Err(HelperError::InvalidParameter(
                "near_duplicates: a uid appears twice",
            ));
        }
    }
    let mut out = Vec::new();
    for (i, a) in items.iter().enumerate() {
        for b in &items[i + 1..] {
            let f1 = if a.tokens == b.tokens {
                1.0
            } else {
                token_f1(a.tokens, b.tokens)
            };
            if a.tokens == b.tokens || f1 >= thr {
                let (kept, dropped) = if (a.registered_block, a.uid) <= (b.registered_block, b.uid)
                {
                    (a.uid, b.uid)
                } else {
                    (b.uid, a.uid)
                };
                out.push(DuplicatePair { kept, dropped, f1 });
            }
        }
    }
    Ok(out)
}

/// The uids that lose a duplicate pair, sorted ascending and deduplicated.
///
/// Each pair is judged on its own (Zeus): with A ~ B and B ~ C, registered in that order,
/// both B and C are dropped even if A and C are not similar.
///
/// ```
/// use imr_helpers::{duplicates_dropped, DuplicatePair};
/// let p = |kept, dropped| DuplicatePair { kept, dropped, f1: 1.0 };
/// assert_eq!(duplicates_dropped(&[p(1, 9), p(9, 4), p(1, 4)]), vec![4, 9]);
/// ```
pub fn duplicates_dropped(pairs: &[DuplicatePair]) -> Vec<u16> {
    pairs
        .iter()
        .map(|p| p.dropped)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_penalty_by_hand() {
        // rel = −0.5: 0.2·(1 − e^{−2.5}).
        let got = length_penalty(5, 10, 0.2).unwrap();
        assert!((got - 0.2 * (1.0 - (-2.5f64).exp())).abs() < 1e-16);
        assert!(length_penalty(1, 0, 0.1).is_err());
        assert!(length_penalty(1, 1, f64::NAN).is_err());
    }

    #[test]
    fn duplicates_keep_earliest_then_lowest_uid() {
        let a = ["x", "y"];
        let items = [
            DupCandidate {
                uid: 4,
                registered_block: 10,
                tokens: &a[..],
            },
            DupCandidate {
                uid: 2,
                registered_block: 10,
                tokens: &a[..],
            },
        ];
        let pairs = near_duplicates(&items, 2.0).unwrap();
        assert_eq!(
            pairs,
            vec![DuplicatePair {
                kept: 2,
                dropped: 4,
                f1: 1.0
            }]
        );
        let mut twice = items;
        twice[1].uid = 4;
        assert!(near_duplicates(&twice, 0.5).is_err());
        assert!(near_duplicates(&items, f64::NAN).is_err());
    }

    #[test]
    fn threshold_is_inclusive() {
        // token_f1("a b c", "a b d") = 2/3 exactly as computed: p = r = 2/3.
        let (x, y) = (["a", "b", "c"], ["a", "b", "d"]);
        let items = [
            DupCandidate {
                uid: 1,
                registered_block: 0,
                tokens: &x[..],
            },
            DupCandidate {
                uid: 2,
                registered_block: 0,
                tokens: &y[..],
            },
        ];
        let f = token_f1(&x, &y);
        assert!((f - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(near_duplicates(&items, f).unwrap().len(), 1);
        assert!(near_duplicates(&items, f + 1e-9).unwrap().is_empty());
    }
}
