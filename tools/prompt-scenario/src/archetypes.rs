//! The nine miner archetypes: deterministic text transformers of a task's first reference (spec §3.2 "Sample data
//! plan"), and the quality table the synthetic judge uses.

use imr_helpers::{tokenize, Tok};
use imr_ts_scenario::rng::SplitMix64;

use crate::scenario::TaskDef;

/// The fixed sentence the verbose archetype appends (no number, no date, no single-letter word).
pub const FILLER: &str = "I hope this helps with your question.";

/// The judge's quality `q` of each archetype uid 1…9 (index `uid − 1`).
pub const QUALITY: [f64; 9] = [0.90, 0.85, 0.50, 0.20, 0.10, 0.40, 0.00, 0.85, 0.70];

/// The quality of a miner uid (1…9).
pub fn quality(uid: u16) -> f64 {
    QUALITY[usize::from(uid - 1)]
}

/// The words of `s` as the mechanism tokenizes them (lower-cased, split on non-alphanumerics).
pub fn words(s: &str) -> Vec<String> {
    tokenize(s, &Tok::default())
}

/// The first `ceil(frac·n)` words of `s`, joined by spaces.
pub fn prefix_words(s: &str, num: usize, den: usize) -> String {
    let w = words(s);
    let n = (w.len() * num).div_ceil(den);
    w[..n.min(w.len())].join(" ")
}

/// The sentences of `s` in reverse order; a sentence ends at `.`, `!` or `?` followed by a space. A single
/// sentence is returned unchanged.
pub fn reverse_sentences(s: &str) -> String {
    let mut sentences = Vec::new();
    let mut start = 0;
    let bytes = s.as_bytes();
    for i in 0..bytes.len() {
        if matches!(bytes[i], b'.' | b'!' | b'?') && bytes.get(i + 1) == Some(&b' ') {
            sentences.push(s[start..=i].trim());
            start = i + 1;
        }
    }
    let rest = s[start..].trim();
    if !rest.is_empty() {
        sentences.push(rest);
    }
    sentences.reverse();
    sentences.join(" ")
}

/// The words of `s` in a SplitMix64 Fisher–Yates order: for i = n−1 down to 1, swap i with `next_u64 mod (i+1)`.
pub fn shuffle_words(s: &str, rng: &mut SplitMix64) -> String {
    let mut w = words(s);
    for i in (1..w.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        w.swap(i, j);
    }
    w.join(" ")
}

/// Replaces the last occurrence of `from` in `s` by `to`.
fn replace_last(s: &str, from: &str, to: &str) -> String {
    let at = s
        .rfind(from)
        .unwrap_or_else(|| panic!("{from:?} does not occur in {s:?}"));
    format!("{}{to}{}", &s[..at], &s[at + from.len()..])
}

/// The off-by-a-bit answer: for math, the reference with its last occurrence of the answer replaced by
/// `round(answer·11)/10` (10% too high); for date_qa, the reference with the answer date's day moved by 10 (+10
/// for days 1–18, −10 otherwise); for the other kinds, the first ⌈70%⌉ of the reference words.
pub fn off_by_a_bit(task: &TaskDef) -> String {
    let reference = &task.references[0];
    match task.kind.as_str() {
        "math" => {
            let x = task.answer_number().expect("math task with a number");
            let off = (x * 11.0).round() / 10.0;
            replace_last(reference, &format!("{x}"), &format!("{off}"))
        }
        "date_qa" => {
            let date = task.answer_date().expect("date_qa task with a date");
            let day: u32 = date[8..10].parse().expect("YYYY-MM-DD");
            let shifted = if day <= 18 { day + 10 } else { day - 10 };
            replace_last(reference, &date, &format!("{}{shifted:02}", &date[..8]))
        }
        _ => prefix_words(reference, 7, 10),
    }
}

/// What a miner of archetype `uid` answers to task number `i` (of `tasks`) in epoch `k`; `None` is no response.
/// `shuffled` is the keyword-shuffle text drawn for this task.
pub fn answer(uid: u16, i: usize, k: usize, tasks: &[TaskDef], shuffled: &str) -> Option<String> {
    let task = &tasks[i];
    let reference = &task.references[0];
    Some(match uid {
        1 => reverse_sentences(reference),
        2 | 8 => format!("{reference} {FILLER}"),
        3 => prefix_words(reference, 4, 10),
        4 => task.prompt.clone(),
        5 => tasks[(i + 7) % tasks.len()].references[0].clone(),
        6 => shuffled.to_string(),
        7 if (k + i).is_multiple_of(2) => return None,
        7 => String::new(),
        _ => off_by_a_bit(task),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transformers_by_hand() {
        assert_eq!(
            reverse_sentences("One two. Three! Four"),
            "Four Three! One two."
        );
        assert_eq!(
            reverse_sentences("Pi is 3.14 exactly."),
            "Pi is 3.14 exactly."
        );
        // 5 words: ceil(2) = 2 and ceil(3.5) = 4.
        assert_eq!(prefix_words("The cat sat on mats.", 4, 10), "the cat");
        assert_eq!(
            prefix_words("The cat sat on mats.", 7, 10),
            "the cat sat on"
        );
        assert_eq!(replace_last("17 and 17.", "17", "18.7"), "17 and 18.7.");
    }

    #[test]
    fn shuffle_keeps_the_words() {
        let mut rng = SplitMix64::new(7);
        let s = shuffle_words("a b c d e f", &mut rng);
        let mut w = words(&s);
        w.sort();
        assert_eq!(w, ["a", "b", "c", "d", "e", "f"]);
    }
}
