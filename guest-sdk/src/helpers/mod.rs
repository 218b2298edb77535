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

mod common;
// text and pairwise helpers (texthelp)
mod pairwise;
mod text;

pub use common::*;
// text and pairwise helpers (texthelp)
pub use pairwise::*;
pub use text::*;
