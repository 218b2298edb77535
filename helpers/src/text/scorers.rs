//! Task scorers from SN1 (prompting): exact match, numbers, dates, ordinals, multiple
//! choice. Each one is pinned to a narrow, deterministic parser; where SN1's original
//! behaves differently the doc comment says how.

use super::expr::eval_expr;
use super::tokenize::{tokenize, Tok};
use crate::{HelperError, NeumaierSum, Result};

/// 1.0 if `a` and `b` give the same token sequence under `tok`, else 0.0.
///
/// Cost: O(|a| + |b|). Two texts without tokens match each other.
///
/// ```
/// use imr_helpers::{exact_match, Tok};
/// assert_eq!(exact_match("The  Answer!", "the answer", &Tok::default()), 1.0);
/// assert_eq!(exact_match("the answer", "an answer", &Tok::default()), 0.0);
/// assert_eq!(exact_match("the answer", "an answer", &Tok::squad()), 1.0);
/// ```
pub fn exact_match(a: &str, b: &str, tok: &Tok) -> f64 {
    if tokenize(a, tok) == tokenize(b, tok) {
        1.0
    } else {
        0.0
    }
}

/// Is `s` an ASCII decimal float: `[+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)?`?
fn is_ascii_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - f;
    }
    if int_digits + frac_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return false;
        }
    }
    i == b.len()
}

/// The last number in `s`, scanning whitespace-separated words from right to left.
///
/// Each word has every `,` removed and its trailing `.`s stripped; the first word (from
/// the right) that is then an ASCII decimal float `[+-]?(d+(.d*)?|.d+)([eE][+-]?d+)?` and
/// parses to a finite `f64` is the answer. `"1,234."` → 1234; `"1.5e3"` → 1500.
///
/// Differences from SN1's `extract_number` (documented, deliberate): SN1 runs
/// `sympy.parse_expr` on each word, so `pi`, `sqrt(2)`, `2**3`, `1/2` parse there and not
/// here; SN1 also accepts `nan` and `inf` through `float()`, which this scanner rejects
/// (as it rejects an overflow like `1e999`), and SN1 strips leading dots too.
///
/// Cost: O(|s|). Returns `None` when no word qualifies.
///
/// ```
/// use imr_helpers::last_number;
/// assert_eq!(last_number("First 3, then 5, finally 7 apples"), Some(7.0));
/// assert_eq!(last_number("Total: 1,234,567."), Some(1234567.0));
/// assert_eq!(last_number("x = -3.4"), Some(-3.4));
/// assert_eq!(last_number("costs $5"), None);
/// assert_eq!(last_number("result nan"), None);
/// ```
pub fn last_number(s: &str) -> Option<f64> {
    for word in s.split_whitespace().rev() {
        let cleaned: String = word.chars().filter(|&c| c != ',').collect();
        let cleaned = cleaned.trim_end_matches('.');
        if is_ascii_float(cleaned) {
            if let Ok(x) = cleaned.parse::<f64>() {
                if x.is_finite() {
                    return Some(x);
                }
            }
        }
    }
    None
}

/// Scores the last number of `text` against `reference`.
///
/// Formula: `x = last_number(text)`; 0 if there is none; 1 if `x == reference`; else
/// `1 − min(|reference − x|/|reference|, 1)`, in [0, 1]. A zero reference therefore
/// gives 1 for an exact 0 and 0 for anything else.
///
/// Differences from SN1's `math_score` (documented): SN1 divides the signed difference by
/// `reference + 1e-10` (so its values differ in the last digits, e.g. 0.99000000000001
/// instead of 0.99 for 99 vs 100) and additionally zeroes scores below 0.001; this helper
/// follows the spec's formula. Number parsing differs as described at [`last_number`].
///
/// Cost: O(|text|).
///
/// Errors: [`HelperError::NonFinite`] if `reference` is NaN or infinite.
///
/// ```
/// use imr_helpers::number_score;
/// assert_eq!(number_score(42.0, "The answer is 42.").unwrap(), 1.0);
/// assert_eq!(number_score(100.0, "I get 99").unwrap(), 0.99);
/// assert_eq!(number_score(100.0, "I get 1000").unwrap(), 0.0);
/// assert_eq!(number_score(5.0, "no idea").unwrap(), 0.0);
/// ```
pub fn number_score(reference: f64, text: &str) -> Result<f64> {
    if !reference.is_finite() {
        return Err(HelperError::NonFinite { index: 0 });
    }
    Ok(match last_number(text) {
        None => 0.0,
        Some(x) if x == reference => 1.0,
        Some(x) => 1.0 - ((reference - x).abs() / reference.abs()).min(1.0),
    })
}

/// SN1's `extract_number`: the last word of `text` that is a number to SN1.
///
/// Words are split on whitespace and scanned from the right; each has `.` stripped at
/// both ends and every `,` removed, then is evaluated with [`eval_expr`] (sympy's
/// `parse_expr(...).evalf()` subset) and, when refused, parsed as Python's `float()`
/// would (Rust's `f64` parser: decimal, exponent, `inf`/`infinity`/`nan` in any case,
/// with sign). Difference: `float()`'s `_` digit separators (`1_000`) are not read.
///
/// ```
/// use imr_helpers::sn1_extract_number;
/// assert_eq!(sn1_extract_number("It is 1/2."), Some(0.5));
/// assert_eq!(sn1_extract_number("no"), None);
/// ```
pub fn sn1_extract_number(text: &str) -> Option<f64> {
    text.split_whitespace().rev().find_map(|w| {
        let w: String = w.trim_matches('.').chars().filter(|&c| c != ',').collect();
        eval_expr(&w).or_else(|| w.parse::<f64>().ok())
    })
}

/// SN1's `math_score`, exactly: `x = sn1_extract_number(text)`; 0 if there is none; 1
/// if `x == reference`; else `d = min(|(reference − x)/(reference + 1e-10)|, 1)`, set
/// to 1 when above 0.999, and the score is `1 − d`. A NaN `x` gives NaN (Python's
/// `min` keeps NaN), as SN1 does. Beside the spec's [`number_score`].
///
/// ```
/// use imr_helpers::sn1_math_score;
/// assert_eq!(sn1_math_score(8.0, "2**3"), 1.0);
/// assert_eq!(sn1_math_score(100.0, "I get 1000"), 0.0);
/// assert!(sn1_math_score(3.0, "result nan").is_nan());
/// ```
pub fn sn1_math_score(reference: f64, text: &str) -> f64 {
    let Some(x) = sn1_extract_number(text) else {
        return 0.0;
    };
    if x == reference {
        return 1.0;
    }
    let d = ((reference - x) / (reference + 1e-10)).abs();
    let mut d = if d.is_nan() { d } else { d.min(1.0) };
    if d > 0.999 {
        d = 1.0;
    }
    1.0 - d
}

/// A date parsed by [`parse_date_iso`] or found by [`find_date_iso`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IsoDate {
    /// A full date, as days since 1970-01-01 (proleptic Gregorian; negative before 1970).
    Day(i64),
    /// A bare year (`YYYY`).
    Year(i32),
}

impl IsoDate {
    /// The calendar year of the date.
    pub fn year(self) -> i32 {
        match self {
            Self::Day(d) => civil_from_days(d).0,
            Self::Year(y) => y,
        }
    }

    /// Days since 1970-01-01; a bare year counts as its 1 January (as `pandas.to_datetime`
    /// reads `"2021"`).
    pub fn days(self) -> i64 {
        match self {
            Self::Day(d) => d,
            Self::Year(y) => days_from_civil(y, 1, 1),
        }
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a valid civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((y + i64::from(m <= 2)) as i32, m, d)
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        b.iter()
            .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0')),
    )
}

/// Parses exactly `YYYY-MM-DD` (a valid proleptic-Gregorian date, years 0000–9999) or a
/// bare `YYYY`, after trimming surrounding whitespace.
///
/// No other format is accepted (no `March 5, 1946`, no `05/03/1946`): the host or the
/// module parses free-form dates, the SDK only pins the ISO form. Cost: O(1).
///
/// ```
/// use imr_helpers::{parse_date_iso, IsoDate};
/// assert_eq!(parse_date_iso("1970-01-02"), Some(IsoDate::Day(1)));
/// assert_eq!(parse_date_iso("2000-02-29"), Some(IsoDate::Day(11016)));
/// assert_eq!(parse_date_iso("1900-02-29"), None);
/// assert_eq!(parse_date_iso(" 1815 "), Some(IsoDate::Year(1815)));
/// assert_eq!(parse_date_iso("800"), None);
/// ```
pub fn parse_date_iso(s: &str) -> Option<IsoDate> {
    let b = s.trim().as_bytes();
    match b.len() {
        4 => digits(b).map(|y| IsoDate::Year(y as i32)),
        10 if b[4] == b'-' && b[7] == b'-' => {
            let y = digits(&b[0..4])? as i32;
            let m = digits(&b[5..7])?;
            let d = digits(&b[8..10])?;
            if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
                return None;
            }
            Some(IsoDate::Day(days_from_civil(y, m, d)))
        }
        _ => None,
    }
}

/// The first ISO date in free text: the first run of ASCII digits (not preceded by an
/// alphanumeric) that either starts a valid `YYYY-MM-DD` (not followed by an
/// alphanumeric) or is a standalone 4-digit year. A full date wins over its own year.
///
/// Cost: O(|text|). Returns `None` when there is no such run.
///
/// ```
/// use imr_helpers::{find_date_iso, parse_date_iso, IsoDate};
/// assert_eq!(find_date_iso("It landed on 1969-07-20."), parse_date_iso("1969-07-20"));
/// assert_eq!(find_date_iso("Around 1815, or 1816"), Some(IsoDate::Year(1815)));
/// assert_eq!(find_date_iso("in 800 AD, or A1999"), None);
/// ```
pub fn find_date_iso(text: &str) -> Option<IsoDate> {
    let b = text.as_bytes();
    // Alphanumeric check on the char around a byte boundary (UTF-8 aware).
    let alnum_before = |i: usize| {
        text[..i]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
    };
    let alnum_at = |i: usize| text[i..].chars().next().is_some_and(char::is_alphanumeric);
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && alnum_before(i)) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i - start == 4 {
            // `get` refuses a range that ends inside a multi-byte char.
            if let Some(candidate) = text.get(start..i + 6) {
                let glued = i + 6 < b.len() && alnum_at(i + 6);
                if let (false, Some(d @ IsoDate::Day(_))) = (glued, parse_date_iso(candidate)) {
                    return Some(d);
                }
            }
            if !(i < b.len() && alnum_at(i)) {
                return parse_date_iso(&text[start..i]);
            }
        }
    }
    None
}

/// The distance in days used by [`date_score`], with SN1's year-only rule.
///
/// * A bare-year reference: `|year(ref) − year(cand)|·365` (SN1's rule, whatever the
///   candidate's precision).
/// * A full-date reference: `|days(ref) − days(cand)|`, where a bare-year candidate
///   counts as its 1 January (as `pandas.to_datetime` reads it in SN1).
///
/// ```
/// use imr_helpers::{date_distance_days, parse_date_iso};
/// let d = |a, b| date_distance_days(parse_date_iso(a).unwrap(), parse_date_iso(b).unwrap());
/// assert_eq!(d("1815", "1816"), 365);
/// assert_eq!(d("1815", "1815-06-18"), 0);
/// assert_eq!(d("2021-09-09", "2021"), 251);
/// ```
pub fn date_distance_days(reference: IsoDate, candidate: IsoDate) -> i64 {
    match reference {
        IsoDate::Year(y) => (i64::from(y) - i64::from(candidate.year())).abs() * 365,
        IsoDate::Day(d) => (d - candidate.days()).abs(),
    }
}

/// SN1's date reward: `s = exp(−(d²/1000))` with `d = |ref_days − cand_days|`, and 0 when
/// `s < 0.001` (from about 83 days on). Result in [0, 1]; equal days give 1.
///
/// Cost: O(1). Errors: [`HelperError::NonFinite`] (index 0 or 1) on a NaN or infinite
/// argument.
///
/// ```
/// use imr_helpers::date_score;
/// assert_eq!(date_score(10.0, 10.0).unwrap(), 1.0);
/// assert!((date_score(0.0, 10.0).unwrap() - (-0.1f64).exp()).abs() < 1e-15);
/// assert_eq!(date_score(0.0, 365.0).unwrap(), 0.0);
/// ```
pub fn date_score(ref_days: f64, cand_days: f64) -> Result<f64> {
    if !ref_days.is_finite() {
        return Err(HelperError::NonFinite { index: 0 });
    }
    if !cand_days.is_finite() {
        return Err(HelperError::NonFinite { index: 1 });
    }
    let d = (ref_days - cand_days).abs();
    let s = libm::exp(-(d * d / 1000.0));
    Ok(if s < 0.001 { 0.0 } else { s })
}

/// [`date_score`] on parsed dates, with the year-only rule of [`date_distance_days`]; a
/// missing candidate date scores 0 (SN1 uses a 9,999-day distance, which also scores 0).
///
/// ```
/// use imr_helpers::{date_score_iso, find_date_iso, parse_date_iso};
/// let r = parse_date_iso("1946-03-05").unwrap();
/// assert_eq!(date_score_iso(r, find_date_iso("On 1946-03-05.")), 1.0);
/// assert_eq!(date_score_iso(r, None), 0.0);
/// ```
pub fn date_score_iso(reference: IsoDate, candidate: Option<IsoDate>) -> f64 {
    match candidate {
        // Day counts of years 0000–9999 are far below 2^53, so the conversion is exact
        // and date_score cannot fail.
        Some(c) => date_score(0.0, date_distance_days(reference, c) as f64).unwrap_or(0.0),
        None => 0.0,
    }
}

/// Ordinal (e.g. sentiment) score: `1 − |i_ref − i_cand|/(k − 1)` for `k` ordered classes.
///
/// `i_cand` is the class found in `candidate`; exactly one class must appear, else the
/// score is 0. A class "appears" when its token sequence (default [`Tok`]: lower-case,
/// split on non-alphanumerics) occurs contiguously in the candidate's tokens. SN1 instead
/// tests raw substrings, so there `"nonnegative"` contains `negative`; here it does not.
///
/// Cost: O(k·|candidate|). Result in [0, 1].
///
/// Errors: [`HelperError::InvalidParameter`] if fewer than 2 classes are given, a class
/// has no token, or `reference` is not one of the classes.
///
/// ```
/// use imr_helpers::ordinal_score;
/// let cls = ["negative", "neutral", "positive"];
/// assert_eq!(ordinal_score(&cls, "positive", "Clearly POSITIVE.").unwrap(), 1.0);
/// assert_eq!(ordinal_score(&cls, "positive", "neutral, I think").unwrap(), 0.5);
/// assert_eq!(ordinal_score(&cls, "positive", "negative or neutral").unwrap(), 0.0);
/// ```
pub fn ordinal_score(classes: &[&str], reference: &str, candidate: &str) -> Result<f64> {
    if classes.len() < 2 {
        return Err(HelperError::InvalidParameter(
            "ordinal_score: at least 2 classes are needed",
        ));
    }
    let tok = Tok::default();
    let class_tokens: Vec<Vec<String>> = classes.iter().map(|c| tokenize(c, &tok)).collect();
    if class_tokens.iter().any(Vec::is_empty) {
        return Err(HelperError::InvalidParameter(
            "ordinal_score: a class has no token",
        ));
    }
    let ref_tokens = tokenize(reference, &tok);
    let i_ref =
        class_tokens
            .iter()
            .position(|c| *c == ref_tokens)
            .ok_or(HelperError::InvalidParameter(
                "ordinal_score: reference is not one of the classes",
            ))?;
    let cand = tokenize(candidate, &tok);
    let found: Vec<usize> = class_tokens
        .iter()
        .enumerate()
        .filter(|(_, c)| cand.windows(c.len()).any(|w| w == c.as_slice()))
        .map(|(i, _)| i)
        .collect();
    Ok(match found.as_slice() {
        [i] => 1.0 - i_ref.abs_diff(*i) as f64 / (classes.len() - 1) as f64,
        _ => 0.0,
    })
}

/// Options of [`multiple_choice_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct McOptions {
    /// The choice letters (upper-case). Default `A B C D`.
    pub choices: Vec<char>,
    /// Multiplier of the letter fallback. Default 0.9.
    pub json_penalty: f64,
}

impl Default for McOptions {
    fn default() -> Self {
        Self {
            choices: vec!['A', 'B', 'C', 'D'],
            json_penalty: 0.9,
        }
    }
}

/// Removes `,` before `}` or `]` (with only whitespace between), like SN1's cleaning regex.
fn strip_trailing_commas(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// The JSON path of [`multiple_choice_with`]: `Some(p(reference))`, or `None` when rejected.
fn mc_json(reference: char, text: &str, opts: &McOptions) -> Option<f64> {
    let cleaned = strip_trailing_commas(text.trim());
    let value: serde_json::Value = serde_json::from_str(&cleaned).ok()?;
    let obj = value.as_object()?;
    // Collect (upper-cased key, value); independent of the map's iteration order: a key
    // that collides after upper-casing makes the JSON ambiguous, so it is rejected.
    let mut probs: Vec<(char, f64)> = Vec::new();
    let mut seen_keys: Vec<String> = Vec::new();
    for (k, v) in obj {
        let x = match v {
            serde_json::Value::Number(n) => n.as_f64()?,
            serde_json::Value::Bool(b) => f64::from(u8::from(*b)),
            _ => return None,
        };
        let key = k.to_uppercase();
        if seen_keys.contains(&key) {
            return None;
        }
        seen_keys.push(key.clone());
        let mut cs = key.chars();
        if let (Some(c), None) = (cs.next(), cs.next()) {
            if opts.choices.contains(&c) {
                probs.push((c, x));
            }
        }
    }
    if probs.iter().any(|&(_, x)| !x.is_finite() || x < 0.0) {
        return None;
    }
    // Sum in choice order (C1), independent of the JSON key order.
    probs.sort_by_key(|&(c, _)| opts.choices.iter().position(|&d| d == c));
    let mut total = NeumaierSum::default();
    for &(_, x) in &probs {
        total.add(x);
    }
    let total = total.total();
    if total.abs() <= 1e-8 {
        return None;
    }
    let p = probs
        .iter()
        .find(|&&(c, _)| c == reference)
        .map_or(0.0, |&(_, x)| x);
    // numpy.isclose(total, 1.0): |total − 1| ≤ 1e-8 + 1e-5·1. A total just above 1 can
    // leave p slightly above 1; it is clamped so the reward stays in [0, 1].
    Some(if (total - 1.0).abs() <= 1e-8 + 1e-5 {
        p.min(1.0)
    } else {
        p / total
    })
}

/// [`multiple_choice`] with explicit choices and letter-fallback penalty.
///
/// Same rules and cost as [`multiple_choice`], with `opts.choices` as the letters and
/// `opts.json_penalty` as the fallback multiplier.
///
/// ```
/// use imr_helpers::{multiple_choice_with, McOptions};
/// let opts = McOptions { choices: vec!['A', 'B', 'C', 'D', 'E'], json_penalty: 0.5 };
/// assert_eq!(multiple_choice_with('E', "I pick e", &opts).unwrap(), 0.5);
/// assert_eq!(multiple_choice_with('E', r#"{"E": 0.25, "A": 0.75}"#, &opts).unwrap(), 0.25);
/// ```
///
/// Errors: [`HelperError::InvalidParameter`] if `reference` (upper-cased) is not a choice
/// or `json_penalty` is not finite.
pub fn multiple_choice_with(reference: char, text: &str, opts: &McOptions) -> Result<f64> {
    let mut up = reference.to_uppercase();
    let reference = match (up.next(), up.next()) {
        (Some(c), None) if opts.choices.contains(&c) => c,
        _ => {
            return Err(HelperError::InvalidParameter(
                "multiple_choice: reference is not one of the choices",
            ))
        }
    };
    if !opts.json_penalty.is_finite() {
        return Err(HelperError::InvalidParameter(
            "multiple_choice: json_penalty must be finite",
        ));
    }
    if let Some(p) = mc_json(reference, text, opts) {
        return Ok(p);
    }
    // Letter fallback: the last `\w+` word that is a choice letter, case-insensitively.
    let last = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter_map(|w| {
            let mut cs = w.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) => {
                    let mut u = c.to_uppercase();
                    match (u.next(), u.next()) {
                        (Some(u), None) if opts.choices.contains(&u) => Some(u),
                        _ => None,
                    }
                }
                _ => None,
            }
        })
        .next_back();
    Ok(match last {
        Some(c) if c == reference => opts.json_penalty,
        _ => 0.0,
    })
}

/// SN1 (Apex) multiple-choice reward with choices `A`–`D` and penalty 0.9.
///
/// Formula:
/// 1. **JSON path.** The trimmed text, with commas before `}`/`]` removed, must parse as a
///    JSON object whose values are all numbers or booleans (`true` = 1). Keys are
///    upper-cased; keys that are not choice letters are dropped. Any negative value, a
///    total ≤ 1e-8, or two keys equal after upper-casing reject the JSON. If the total is
///    not within `1e-8 + 1e-5` of 1 (numpy's `isclose`), the values are divided by it. The
///    result is the reference letter's value (0 if absent).
/// 2. **Letter fallback** (JSON rejected): the last word (`\w+`: alphanumerics and `_`)
///    that equals a choice letter case-insensitively decides: `0.9` if it is the
///    reference, else 0. So the article "a" counts as `A`, as in SN1.
///
/// The result lies in [0, 1].
///
/// Differences from SN1: a JSON value above 1 that survives the `isclose` test (e.g.
/// `{"A": 1.000005}`) is clamped to 1 (SN1 returns it as is); the total is a compensated sum in choice order (SN1 sums in key
/// order), colliding keys are rejected (SN1 keeps the last), an all-unknown object is
/// rejected (SN1 divides by zero), and SN1's newline-joining regex is not applied.
///
/// Cost: O(|text|).
///
/// ```
/// use imr_helpers::multiple_choice;
/// assert_eq!(multiple_choice('B', r#"{"A": 0.1, "B": 0.7, "C": 0.1, "D": 0.1}"#).unwrap(), 0.7);
/// assert_eq!(multiple_choice('A', r#"{"A": 2, "B": 1, "C": 1}"#).unwrap(), 0.5);
/// assert_eq!(multiple_choice('A', "Not B, the answer is A").unwrap(), 0.9);
/// assert_eq!(multiple_choice('C', "C is a good answer").unwrap(), 0.0);
/// ```
pub fn multiple_choice(reference: char, text: &str) -> Result<f64> {
    multiple_choice_with(reference, text, &McOptions::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        // 2000-03-01: 30 years of 365 days + 7 leap days (72..96) + 31 + 29 = 11017.
        assert_eq!(days_from_civil(2000, 3, 1), 30 * 365 + 7 + 31 + 29);
        for d in [-800_000i64, -1, 0, 59, 60, 11_016, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }

    #[test]
    fn iso_parsing_edges() {
        assert_eq!(parse_date_iso("0000-01-01").map(IsoDate::year), Some(0));
        assert_eq!(parse_date_iso("2024-02-29").map(IsoDate::year), Some(2024));
        assert_eq!(parse_date_iso("2023-02-29"), None);
        assert_eq!(parse_date_iso("2023-13-01"), None);
        assert_eq!(parse_date_iso("2023-1-01"), None);
        assert_eq!(parse_date_iso("+202"), None);
        assert_eq!(parse_date_iso("２０２３"), None);
        assert_eq!(parse_date_iso(""), None);
    }

    #[test]
    fn find_date_prefers_full_dates_and_needs_boundaries() {
        // A full date glued to a letter is not a date, but its year still stands alone.
        assert_eq!(
            find_date_iso("x 2021-09-09y 2020"),
            Some(IsoDate::Year(2021))
        );
        assert_eq!(find_date_iso("2021-0é"), Some(IsoDate::Year(2021)));
        assert_eq!(find_date_iso("12345 6789"), Some(IsoDate::Year(6789)));
        assert_eq!(find_date_iso("é1999"), None);
        assert_eq!(find_date_iso("1999-02-30"), Some(IsoDate::Year(1999)));
    }

    #[test]
    fn number_scanner_grammar() {
        for ok in ["1", "-1", "+1.", ".5", "1.5e3", "1E-2", "0.001"] {
            assert!(is_ascii_float(ok), "{ok}");
        }
        for bad in [
            "", ".", "-", "e3", "1e", "1e+", "inf", "nan", "1/2", "0x10", "1_000",
        ] {
            assert!(!is_ascii_float(bad), "{bad}");
        }
        assert_eq!(last_number("overflow 1e999"), None);
        assert_eq!(last_number("3 then 1e999"), Some(3.0));
        assert_eq!(last_number("ends with 42..."), Some(42.0));
    }

    #[test]
    fn number_score_by_hand() {
        assert_eq!(number_score(0.0, "0").unwrap(), 1.0);
        assert_eq!(number_score(0.0, "0.001").unwrap(), 0.0);
        // |−3.5 − (−3.4)| / 3.5 = 0.1/3.5 = 1/35.
        let s = number_score(-3.5, "x = -3.4").unwrap();
        assert!((s - (1.0 - 1.0 / 35.0)).abs() < 1e-15);
        assert!(number_score(f64::NAN, "1").is_err());
    }

    #[test]
    fn multiple_choice_paths() {
        assert_eq!(
            multiple_choice('A', r#"{"A": true, "B": false}"#).unwrap(),
            1.0
        );
        assert_eq!(
            multiple_choice('d', r#"{"A": 0.2, "D": 0.8,}"#).unwrap(),
            0.8
        );
        // Negative: JSON rejected; letters A, B → last is B.
        assert_eq!(
            multiple_choice('B', r#"{"A": -0.5, "B": 1.5}"#).unwrap(),
            0.9
        );
        // Colliding keys are rejected; the letter fallback sees a, A → A.
        assert_eq!(
            multiple_choice('A', r#"{"a": 0.5, "A": 0.5}"#).unwrap(),
            0.9
        );
        assert_eq!(multiple_choice('A', "").unwrap(), 0.0);
        assert!(multiple_choice('E', "E").is_err());
    }

    #[test]
    fn ordinal_multiword_classes() {
        let cls = ["very bad", "bad", "good"];
        assert_eq!(ordinal_score(&cls, "good", "very bad").unwrap(), 0.0); // both appear
        assert_eq!(ordinal_score(&cls, "good", "quite bad").unwrap(), 0.5);
        assert!(ordinal_score(&cls, "meh", "bad").is_err());
        assert!(ordinal_score(&["x"], "x", "x").is_err());
    }
}
