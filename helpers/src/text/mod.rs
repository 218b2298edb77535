//! Text similarity without ML models (spec/scoring-helpers.md §2, "Text similarity").
//!
//! The metric cores work on token slices (`&[T]` with `T: Ord`, usually the `String`s
//! returned by [`tokenize`]), so a module tokenizes each text once and reuses the tokens
//! for every metric. All maps are `BTreeMap`s, so every result is independent of hashing
//! and of the platform.
//!
//! | helper | cost | cap |
//! |---|---|---|
//! | [`tokenize`] | O(len) | none |
//! | [`rouge_n`], [`token_f1`], [`copy_penalty`] | O((c+r)·n·log) | none needed |
//! | [`rouge_l`] | O(c·r) time, O(r) memory | 2,000 tokens per side ([`LengthCap`]) |
//! | [`bleu`] | O(max_n·(c+Σrefs)·log) | none needed |
//! | [`char_ngram_jaccard`] | O((a+b)·n·log) | none needed |
//! | [`lcs_char_ratio`] | O(a·b) time, O(b) memory | 2,000 chars per side ([`LengthCap`]) |
//! | [`near_duplicates`] | O(k²·L·log) for k texts of L tokens | the caller caps k |

mod expr;
mod penalties;
mod rouge;
mod scorers;
mod similarity;
mod tokenize;

pub use expr::*;
pub use penalties::*;
pub use rouge::*;
pub use scorers::*;
pub use similarity::*;
pub use tokenize::*;
