//! Token F1, BLEU, character n-gram Jaccard and the LCS ratio.

use std::collections::{BTreeMap, BTreeSet};

use super::rouge::{lcs_len, ngram_counts, LengthCap};
use crate::{HelperError, NeumaierSum, Result};

/// SQuAD-style token F1 of `cand` against `reference`.
///
/// Formula: `common = Σ_t min(count_cand(t), count_ref(t))`; 0 if `common = 0`; otherwise
/// `p = common/|cand|`, `r = common/|ref|`, `F1 = (2·p·r)/(p + r)`. Result in [0, 1];
/// identical non-empty sequences give exactly 1.
///
/// Edge cases: two empty sequences give 0 (the spec's "0 if common = 0"; SQuAD's script
/// would give 1), and so does one empty side.
///
/// Cost: O((c + r)·log(c + r)). No cap is needed.
///
/// ```
/// use imr_helpers::{token_f1, tokenize, Tok};
/// let c = tokenize("the cat the", &Tok::default());
/// let r = tokenize("the cat sat", &Tok::default());
/// // common = min(2,1) + min(1,1) = 2; p = 2/3, r = 2/3.
/// assert!((token_f1(&c, &r) - 2.0 / 3.0).abs() < 1e-15);
/// ```
pub fn token_f1<T: Ord>(cand: &[T], reference: &[T]) -> f64 {
    let c = ngram_counts(cand, 1);
    let r = ngram_counts(reference, 1);
    let common: usize = c
        .iter()
        .map(|(g, &k)| r.get(g).map_or(0, |&m| k.min(m)))
        .sum();
    if common == 0 {
        return 0.0;
    }
    let p = common as f64 / cand.len() as f64;
    let r = common as f64 / reference.len() as f64;
    (2.0 * p * r) / (p + r)
}

/// The best score of `cand` against any of `refs`: `max_k f(cand, refs[k])`.
///
/// NaN scores are ignored (`f64::max`); no references, or only NaN scores, give 0.
///
/// Cost: `|refs|` calls of `f`; the caller caps the number of references (spec §3.3).
///
/// ```
/// use imr_helpers::{max_over_refs, token_f1};
/// let refs = [vec!["a", "b"], vec!["c"]];
/// assert_eq!(max_over_refs(|c, r| token_f1(c, r), &["c"][..], &refs), 1.0);
/// assert_eq!(max_over_refs(|c: &[&str], r: &Vec<&str>| token_f1(c, r), &["c"][..], &[]), 0.0);
/// ```
pub fn max_over_refs<C: ?Sized, R, F>(mut f: F, cand: &C, refs: &[R]) -> f64
where
    F: FnMut(&C, &R) -> f64,
{
    let mut best: Option<f64> = None;
    for r in refs {
        let s = f(cand, r);
        if !s.is_nan() {
            best = Some(best.map_or(s, |b| b.max(s)));
        }
    }
    best.unwrap_or(0.0)
}

/// Sentence BLEU of `cand` against `refs`, with add-one smoothing for n ≥ 2.
///
/// Formula, for n = 1…`max_n`:
/// * `mₙ = Σ_g min(count_cand(g), max_k count_refₖ(g))` (clipped matches), `cₙ` = the number
///   of candidate n-grams (`max(|cand| − n + 1, 0)`);
/// * `p₁ = m₁/c₁` (unsmoothed), `pₙ = (mₙ + 1)/(cₙ + 1)` for n ≥ 2;
/// * `BP = 1` if `c > r`, else `e^{1 − r/c}`, where `c = |cand|` and `r` is the reference
///   length closest to `c` (a tie takes the shorter);
/// * `BLEU = BP·exp((Σₙ ln pₙ)/max_n)` (the sum is Neumaier-compensated, C1).
///
/// The result lies in [0, 1]; a candidate equal to a reference gives exactly 1.
///
/// Edge cases: an empty candidate, no references, or `m₁ = 0` give 0.
///
/// Cost: O(max_n·(c + Σ|refₖ|)·log). No cap is needed.
///
/// Errors: [`HelperError::InvalidParameter`] if `max_n == 0`.
///
/// ```
/// use imr_helpers::{bleu, tokenize, Tok};
/// let t = |s| tokenize(s, &Tok::default());
/// assert_eq!(bleu(&t("the cat sat"), &[t("the cat sat")], 4).unwrap(), 1.0);
/// // One unigram of two matches, no bigram: p1 = 1/2, p2 = 1/2, BP = 1.
/// let b = bleu(&t("the dog"), &[t("the cat")], 2).unwrap();
/// assert!((b - 0.5).abs() < 1e-15);
/// ```
pub fn bleu<T: Ord, R: AsRef<[T]>>(cand: &[T], refs: &[R], max_n: usize) -> Result<f64> {
    if max_n == 0 {
        return Err(HelperError::InvalidParameter(
            "bleu: max_n must be at least 1",
        ));
    }
    if cand.is_empty() || refs.is_empty() {
        return Ok(0.0);
    }
    let mut log_sum = NeumaierSum::default();
    for n in 1..=max_n {
        let c = ngram_counts(cand, n);
        let mut max_ref: BTreeMap<&[T], usize> = BTreeMap::new();
        for r in refs {
            for (g, k) in ngram_counts(r.as_ref(), n) {
                let e = max_ref.entry(g).or_insert(0);
                *e = (*e).max(k);
            }
        }
        let m: usize = c
            .iter()
            .map(|(g, &k)| max_ref.get(g).map_or(0, |&mx| k.min(mx)))
            .sum();
        let total = cand.len().saturating_sub(n - 1);
        let p = if n == 1 {
            if m == 0 {
                return Ok(0.0);
            }
            m as f64 / total as f64
        } else {
            (m as f64 + 1.0) / (total as f64 + 1.0)
        };
        log_sum.add(libm::log(p));
    }
    let c = cand.len();
    // Closest reference length; a tie takes the shorter.
    let r = refs
        .iter()
        .map(|x| x.as_ref().len())
        .min_by_key(|&len| (len.abs_diff(c), len))
        .unwrap_or(0);
    let bp = if c > r {
        1.0
    } else {
        libm::exp(1.0 - r as f64 / c as f64)
    };
    Ok(bp * libm::exp(log_sum.total() / max_n as f64))
}

/// Jaccard similarity of the character n-gram sets of `a` and `b`.
///
/// Formula: `A`, `B` = the sets of n-grams of Unicode scalar values (`char`s, no
/// normalization); `J = |A ∩ B| / |A ∪ B|`, in [0, 1]. Case-sensitive: lower-case first if
/// wanted.
///
/// Edge cases: if both sets are empty (both texts shorter than `n`), `J = 1` when
/// `a == b` and 0 otherwise.
///
/// Cost: O((|a| + |b|)·n·log). No cap is needed.
///
/// Errors: [`HelperError::InvalidParameter`] if `n == 0`.
///
/// ```
/// use imr_helpers::char_ngram_jaccard;
/// // "abcd" → {abc, bcd}; "abce" → {abc, bce}: 1 shared of 3.
/// assert_eq!(char_ngram_jaccard("abcd", "abce", 3).unwrap(), 1.0 / 3.0);
/// ```
pub fn char_ngram_jaccard(a: &str, b: &str, n: usize) -> Result<f64> {
    if n == 0 {
        return Err(HelperError::InvalidParameter(
            "char_ngram_jaccard: n must be at least 1",
        ));
    }
    let ca: Vec<char> = a.chars().collect();
    let cb: Vec<char> = b.chars().collect();
    let sa: BTreeSet<&[char]> = ca.windows(n).collect();
    let sb: BTreeSet<&[char]> = cb.windows(n).collect();
    if sa.is_empty() && sb.is_empty() {
        return Ok(if a == b { 1.0 } else { 0.0 });
    }
    let inter = sa.intersection(&sb).count();
    let union = sa.len() + sb.len() - inter;
    Ok(inter as f64 / union as f64)
}

/// Character LCS ratio `2·LCS(a, b)/(|a| + |b|)`, a deterministic stand-in for
/// `difflib.SequenceMatcher.ratio` (which uses a heuristic matching, not the LCS).
///
/// Lengths count `char`s (Unicode scalar values). The result lies in [0, 1]; two empty
/// texts give 1 (as difflib does).
///
/// Cost: O(|a|·|b|) time, O(|b|) memory. Cap: `cap.max` chars per side (default 2,000),
/// with [`HelperError::TooLong`] or truncation per `cap.overflow`.
///
/// ```
/// use imr_helpers::{lcs_char_ratio, LengthCap};
/// // LCS("abcd", "acd") = 3: 2·3/7.
/// assert_eq!(lcs_char_ratio("abcd", "acd", LengthCap::default()).unwrap(), 6.0 / 7.0);
/// ```
pub fn lcs_char_ratio(a: &str, b: &str, cap: LengthCap) -> Result<f64> {
    let ca: Vec<char> = a.chars().collect();
    let cb: Vec<char> = b.chars().collect();
    let ca = cap.apply(&ca)?;
    let cb = cap.apply(&cb)?;
    if ca.is_empty() && cb.is_empty() {
        return Ok(1.0);
    }
    let l = lcs_len(ca, cb);
    Ok(2.0 * l as f64 / (ca.len() + cb.len()) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    #[test]
    fn token_f1_by_hand() {
        // common = 2 (a, b); p = 2/4, r = 2/3; F1 = 2·(1/2)(2/3)/(7/6) = 4/7.
        assert!((token_f1(&w("a b x y"), &w("a b z")) - 4.0 / 7.0).abs() < 1e-15);
        assert_eq!(token_f1(&w("a b"), &w("b a")), 1.0);
        assert_eq!(token_f1(&w("a"), &w("b")), 0.0);
        assert_eq!(token_f1::<&str>(&[], &[]), 0.0);
    }

    #[test]
    fn bleu_brevity_penalty_by_hand() {
        // cand "a b" vs ref "a b c d": p1 = 1, p2 = (1+1)/(1+1) = 1, BP = e^{1 − 4/2} = e^{-1}.
        let b = bleu(&w("a b"), &[w("a b c d")], 2).unwrap();
        assert!((b - (-1.0f64).exp()).abs() < 1e-15);
        // Closest ref length: refs of 1 and 3 tokens for a 2-token cand tie; the shorter (1)
        // wins, so c > r and BP = 1. p1 = 1/2 ("a" matches), p2 = (0+1)/(1+1).
        let b = bleu(&w("a q"), &[w("a"), w("x y z")], 2).unwrap();
        assert!((b - 0.5).abs() < 1e-15);
    }

    #[test]
    fn bleu_clips_against_the_max_ref_count() {
        // cand "the the the": counts the=3; refs have 'the' at most 2 → m1 = 2, p1 = 2/3.
        // bigram "the the": cand 2, max ref count 1 → m2 = 1, p2 = 2/3. BP = 1 (c = r = 3
        // gives e^0 = 1). BLEU = exp((ln 2/3 + ln 2/3)/2) = 2/3.
        let b = bleu(&w("the the the"), &[w("the the cat"), w("the cat")], 2).unwrap();
        assert!((b - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(bleu(&w("zzz"), &[w("a")], 4).unwrap(), 0.0);
        assert_eq!(bleu::<&str, Vec<&str>>(&w("a"), &[], 4).unwrap(), 0.0);
        assert!(bleu(&w("a"), &[w("a")], 0).is_err());
    }

    #[test]
    fn jaccard_and_lcs_ratio_by_hand() {
        assert_eq!(char_ngram_jaccard("ab", "ab", 3).unwrap(), 1.0);
        assert_eq!(char_ngram_jaccard("ab", "cd", 3).unwrap(), 0.0);
        assert_eq!(char_ngram_jaccard("aaaa", "aaa", 3).unwrap(), 1.0);
        assert_eq!(char_ngram_jaccard("ab", "ac", 1).unwrap(), 1.0 / 3.0);
        assert!(char_ngram_jaccard("a", "b", 0).is_err());
        assert_eq!(lcs_char_ratio("", "", LengthCap::default()).unwrap(), 1.0);
        assert_eq!(lcs_char_ratio("", "ab", LengthCap::default()).unwrap(), 0.0);
        // Multi-byte chars count once: LCS("héllo", "hello") = 4; 8/10.
        assert_eq!(
            lcs_char_ratio("héllo", "hello", LengthCap::default()).unwrap(),
            0.8
        );
    }

    #[test]
    fn max_over_refs_ignores_nan() {
        let refs = [1.0, f64::NAN, 3.0];
        assert_eq!(max_over_refs(|_: &(), r: &f64| *r, &(), &refs), 3.0);
        assert_eq!(max_over_refs(|_: &(), r: &f64| *r, &(), &[f64::NAN]), 0.0);
    }
}
