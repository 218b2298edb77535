//! ROUGE-N and ROUGE-L over token slices.

use std::collections::BTreeMap;

use crate::{HelperError, Result};

/// Precision, recall and F-measure of a candidate against a reference.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Prf {
    /// Precision: overlap / candidate size.
    pub p: f64,
    /// Recall: overlap / reference size.
    pub r: f64,
    /// `2·((p·r)/(p + r + 1e-8))`, pltrdy's F with its epsilon.
    pub f: f64,
}

impl Prf {
    /// Builds `{p, r, f}` from an overlap and the two sizes; a zero size gives 0 for its
    /// ratio, exactly as pltrdy does. `f = 2·((p·r)/(p + r + 1e-8))`, in that order.
    fn from_counts(overlap: usize, cand: usize, reference: usize) -> Self {
        let p = if cand == 0 {
            0.0
        } else {
            overlap as f64 / cand as f64
        };
        let r = if reference == 0 {
            0.0
        } else {
            overlap as f64 / reference as f64
        };
        Self {
            p,
            r,
            f: 2.0 * ((p * r) / (p + r + 1e-8)),
        }
    }
}

/// How [`rouge_n`] counts n-grams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RougeMode {
    /// Unique n-grams (sets), like pltrdy's `rouge` package (`exclusive=True`):
    /// overlap = |C ∩ R|, sizes = |C| and |R| as sets.
    #[default]
    Set,
    /// Multisets: overlap = Σ min(count_C, count_R), sizes = the numbers of n-grams.
    Clipped,
}

/// Counts the n-grams of `tokens` (`n ≥ 1`); empty when there are fewer than `n` tokens.
pub(crate) fn ngram_counts<T: Ord>(tokens: &[T], n: usize) -> BTreeMap<&[T], usize> {
    let mut counts = BTreeMap::new();
    if n == 0 || tokens.len() < n {
        return counts;
    }
    for w in tokens.windows(n) {
        *counts.entry(w).or_insert(0) += 1;
    }
    counts
}

/// ROUGE-N of `cand` against `reference`.
///
/// Formula: with the n-grams counted per [`RougeMode`], `p = overlap/|cand n-grams|`,
/// `r = overlap/|ref n-grams|`, `f = 2·((p·r)/(p + r + 1e-8))` (pltrdy's epsilon, so two
/// identical texts give `f = 0.999999995`, not 1). A side with no n-gram (empty, or
/// shorter than `n`) gives 0 for its ratio, so `f = 0`. All three values lie in [0, 1].
///
/// Parity: with [`RougeMode::Set`] and [`Tok::pltrdy`](crate::Tok::pltrdy) tokens
/// this reproduces `rouge` 1.0.1 `get_scores(hyp=cand, ref=reference)` bit for bit,
/// except that where the package raises `ValueError` on an empty side this returns 0.
///
/// Cost: O((c + r)·n·log(c + r)) time, O((c + r)·n) memory; no cap is needed.
///
/// Errors: [`HelperError::InvalidParameter`] if `n == 0`.
///
/// ```
/// use imr_helpers::{rouge_n, tokenize, RougeMode, Tok};
/// let c = tokenize("the the cat", &Tok::default());
/// let r = tokenize("the cat sat", &Tok::default());
/// let set = rouge_n(&c, &r, 1, RougeMode::Set).unwrap();
/// assert_eq!((set.p, set.r), (1.0, 2.0 / 3.0)); // {the, cat} vs {the, cat, sat}
/// let clipped = rouge_n(&c, &r, 1, RougeMode::Clipped).unwrap();
/// assert_eq!((clipped.p, clipped.r), (2.0 / 3.0, 2.0 / 3.0));
/// ```
pub fn rouge_n<T: Ord>(cand: &[T], reference: &[T], n: usize, mode: RougeMode) -> Result<Prf> {
    if n == 0 {
        return Err(HelperError::InvalidParameter(
            "rouge_n: n must be at least 1",
        ));
    }
    Ok(rouge_n_unchecked(cand, reference, n, mode))
}

/// [`rouge_n`] for a known-valid `n ≥ 1`.
pub(crate) fn rouge_n_unchecked<T: Ord>(
    cand: &[T],
    reference: &[T],
    n: usize,
    mode: RougeMode,
) -> Prf {
    let c = ngram_counts(cand, n);
    let r = ngram_counts(reference, n);
    match mode {
        RougeMode::Set => {
            let overlap = c.keys().filter(|g| r.contains_key(*g)).count();
            Prf::from_counts(overlap, c.len(), r.len())
        }
        RougeMode::Clipped => {
            let overlap = c
                .iter()
                .map(|(g, &k)| r.get(g).map_or(0, |&m| k.min(m)))
                .sum();
            Prf::from_counts(
                overlap,
                cand.len().saturating_sub(n - 1),
                reference.len().saturating_sub(n - 1),
            )
        }
    }
}

/// What a capped helper does with an input longer than its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Refuse with [`HelperError::TooLong`].
    #[default]
    Error,
    /// Keep only the first `max` items.
    Truncate,
}

/// The length cap of the O(n·m) helpers ([`rouge_l`], [`lcs_char_ratio`](crate::lcs_char_ratio)).
///
/// The default is 2,000 items per side with [`Overflow::Error`]: 4·10⁶ DP cells at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthCap {
    /// The most items (tokens or characters) accepted per side.
    pub max: usize,
    /// What happens beyond `max`.
    pub overflow: Overflow,
}

impl Default for LengthCap {
    fn default() -> Self {
        Self {
            max: 2_000,
            overflow: Overflow::Error,
        }
    }
}

impl LengthCap {
    /// Applies the cap to one side.
    pub(crate) fn apply<'a, T>(&self, xs: &'a [T]) -> Result<&'a [T]> {
        if xs.len() <= self.max {
            Ok(xs)
        } else {
            match self.overflow {
                Overflow::Error => Err(HelperError::TooLong {
                    len: xs.len(),
                    max: self.max,
                }),
                Overflow::Truncate => Ok(&xs[..self.max]),
            }
        }
    }
}

/// Length of the longest common subsequence, by the two-row DP: O(a·b) time, O(b) memory.
pub(crate) fn lcs_len<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let mut prev = vec![0usize; b.len() + 1];
    let mut cur = vec![0usize; b.len() + 1];
    for x in a {
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                cur[j].max(prev[j + 1])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// ROUGE-L of `cand` against `reference`: a plain token LCS.
///
/// Formula: `L` = the length of the longest common subsequence of the two token
/// sequences; `p = L/|cand|`, `r = L/|ref|`, `f = 2·((p·r)/(p + r + 1e-8))`. An empty side
/// gives all zeros. All three values lie in [0, 1].
///
/// **Not pltrdy's ROUGE-L.** The `rouge` package computes a summary-level union LCS: it
/// cuts both texts into sentences at `.`, unions the LCS words per reference sentence as
/// sets, and divides by the numbers of *unique* words. That agrees with this helper only
/// on single-sentence texts without repeated words; it also depends on the package's
/// backtracking path. This helper follows the spec's plain LCS on purpose (it is a
/// well-defined function of the two sequences). The parity tests hold it to the package
/// only on the agreeing cases and assert the documented difference on the others.
///
/// Cost: O(c·r) time, O(r) memory. Cap: `cap.max` tokens per side (default 2,000, so at
/// most 4·10⁶ DP cells); beyond it, [`HelperError::TooLong`] or truncation to the first
/// `cap.max` tokens, per `cap.overflow`. With truncation, `p` and `r` use the truncated
/// lengths.
///
/// ```
/// use imr_helpers::{rouge_l, tokenize, LengthCap, Tok};
/// let c = tokenize("the cat sat on the mat", &Tok::default());
/// let r = tokenize("the cat lay on a mat", &Tok::default());
/// let s = rouge_l(&c, &r, LengthCap::default()).unwrap();
/// // LCS = the cat on mat = 4 tokens of 6 on both sides.
/// assert_eq!((s.p, s.r), (4.0 / 6.0, 4.0 / 6.0));
/// assert!((s.f - 2.0 / 3.0).abs() < 1e-8);
/// ```
pub fn rouge_l<T: Ord>(cand: &[T], reference: &[T], cap: LengthCap) -> Result<Prf> {
    let c = cap.apply(cand)?;
    let r = cap.apply(reference)?;
    let l = lcs_len(c, r);
    Ok(Prf::from_counts(l, c.len(), r.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    #[test]
    fn rouge_1_set_by_hand() {
        // cand {a, b, c}, ref {a, c, d, e}: overlap 2, p = 2/3, r = 2/4.
        let s = rouge_n(&w("a b c"), &w("a c d e"), 1, RougeMode::Set).unwrap();
        assert_eq!(s.p, 2.0 / 3.0);
        assert_eq!(s.r, 0.5);
        // 2pr/(p+r) = 2·(1/3)/(7/6) = 4/7, minus the epsilon's effect (< 1e-8).
        assert!((s.f - 4.0 / 7.0).abs() < 1e-8);
    }

    #[test]
    fn rouge_2_clipped_counts_repeats() {
        // cand bigrams: ab, ba, ab (3); ref: ab, bc (2); clipped overlap min(2,1) = 1.
        let s = rouge_n(&w("a b a b"), &w("a b c"), 2, RougeMode::Clipped).unwrap();
        assert_eq!((s.p, s.r), (1.0 / 3.0, 0.5));
        // Set: {ab, ba} vs {ab, bc}: 1 of 2 each.
        let s = rouge_n(&w("a b a b"), &w("a b c"), 2, RougeMode::Set).unwrap();
        assert_eq!((s.p, s.r), (0.5, 0.5));
    }

    #[test]
    fn identical_gives_pltrdy_f() {
        let s = rouge_n(&w("x y"), &w("x y"), 1, RougeMode::Set).unwrap();
        // 2·(1/(2 + 1e-8)), the value pltrdy prints as 0.999999995.
        assert_eq!(s.f, 0.999999995);
    }

    #[test]
    fn empty_and_short_sides_give_zero() {
        let e: [&str; 0] = [];
        assert_eq!(
            rouge_n(&e, &w("a"), 1, RougeMode::Set).unwrap(),
            Prf::default()
        );
        assert_eq!(
            rouge_n(&w("a"), &w("a"), 2, RougeMode::Clipped).unwrap(),
            Prf::default()
        );
        assert_eq!(
            rouge_l(&w("a"), &e, LengthCap::default()).unwrap(),
            Prf::default()
        );
        assert!(rouge_n(&w("a"), &w("a"), 0, RougeMode::Set).is_err());
    }

    #[test]
    fn lcs_by_hand() {
        assert_eq!(lcs_len(&w("a b c b d a b"), &w("b d c a b a")), 4);
        assert_eq!(lcs_len(&w("x y x z x"), &w("x z y x")), 3);
        assert_eq!(lcs_len(&w("one two three"), &w("three two one")), 1);
    }

    #[test]
    fn rouge_l_cap_errors_or_truncates() {
        let long = vec!["a"; 5];
        let cap = LengthCap {
            max: 3,
            overflow: Overflow::Error,
        };
        assert_eq!(
            rouge_l(&long, &long, cap),
            Err(HelperError::TooLong { len: 5, max: 3 })
        );
        let cap = LengthCap {
            max: 3,
            overflow: Overflow::Truncate,
        };
        let s = rouge_l(&long, &["a"], cap).unwrap();
        assert_eq!((s.p, s.r), (1.0 / 3.0, 1.0));
    }
}
