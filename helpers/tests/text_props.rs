//! Property tests of the text helpers: no panic on any input (empty, huge, odd Unicode),
//! outputs inside their documented ranges, and identities that must hold exactly.

use imr_helpers::{
    bleu, char_ngram_jaccard, copy_penalty, date_score, exact_match, find_date_iso, last_number,
    lcs_char_ratio, length_penalty, multiple_choice, near_duplicates, number_score, ordinal_score,
    parse_date_iso, rouge_l, rouge_n, token_f1, tokenize, DupCandidate, HelperError, IsoDate,
    LengthCap, Overflow, Prf, RougeMode, Split, Tok,
};
use proptest::prelude::*;

const TRUNCATE: LengthCap = LengthCap {
    max: 2_000,
    overflow: Overflow::Truncate,
};

/// Strings mixing ASCII words, punctuation, digits, dots, odd whitespace and non-ASCII
/// letters, combining marks and emoji, so tokens collide often.
fn texty() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("the".to_string()),
            Just("cat".to_string()),
            Just("Cat".to_string()),
            Just("a".to_string()),
            Just("3.14".to_string()),
            Just("...".to_string()),
            Just("\u{a0}".to_string()),
            Just("\u{1f}".to_string()),
            Just("İ".to_string()),
            Just("e\u{301}".to_string()),
            Just("我喜欢".to_string()),
            Just("🦀".to_string()),
            Just("{\"A\": 0.5, \"B\": 0.5}".to_string()),
            "[a-c]{1,3}",
            any::<String>(),
        ],
        0..24,
    )
    .prop_map(|parts| parts.join(" "))
}

fn tok_strategy() -> impl Strategy<Value = Tok> {
    (any::<bool>(), 0..3u8, any::<bool>()).prop_map(|(lowercase, split, strip_articles)| Tok {
        lowercase,
        split: match split {
            0 => Split::NonAlnum,
            1 => Split::Whitespace,
            _ => Split::Pltrdy,
        },
        strip_articles,
    })
}

fn in_unit(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

fn prf_in_unit(s: Prf) -> bool {
    in_unit(s.p) && in_unit(s.r) && in_unit(s.f)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn similarity_outputs_stay_in_range(a in texty(), b in texty(), tok in tok_strategy(), n in 1usize..5) {
        let ta = tokenize(&a, &tok);
        let tb = tokenize(&b, &tok);
        for mode in [RougeMode::Set, RougeMode::Clipped] {
            prop_assert!(prf_in_unit(rouge_n(&ta, &tb, n, mode).unwrap()));
        }
        let l = rouge_l(&ta, &tb, TRUNCATE).unwrap();
        prop_assert!(prf_in_unit(l));
        // Swapping the sides swaps p and r.
        let l2 = rouge_l(&tb, &ta, TRUNCATE).unwrap();
        prop_assert_eq!((l.p, l.r), (l2.r, l2.p));
        prop_assert!(in_unit(token_f1(&ta, &tb)));
        prop_assert!(in_unit(bleu(&ta, std::slice::from_ref(&tb), n).unwrap()));
        prop_assert!(in_unit(char_ngram_jaccard(&a, &b, n).unwrap()));
        prop_assert!(in_unit(lcs_char_ratio(&a, &b, TRUNCATE).unwrap()));
        prop_assert!(in_unit(copy_penalty(&ta, &tb)));
        let e = exact_match(&a, &b, &tok);
        prop_assert!(e == 0.0 || e == 1.0);
    }

    #[test]
    fn identical_inputs_score_at_the_top(a in texty(), tok in tok_strategy(), n in 1usize..5) {
        let t = tokenize(&a, &tok);
        prop_assert_eq!(exact_match(&a, &a, &tok), 1.0);
        prop_assert_eq!(lcs_char_ratio(&a, &a, TRUNCATE).unwrap(), 1.0);
        if !t.is_empty() {
            // pltrdy's F of identical texts: 2·(1/(2 + 1e-8)).
            let f_same = 2.0 * (1.0 / (2.0 + 1e-8));
            prop_assert_eq!(rouge_l(&t, &t, TRUNCATE).unwrap().f, f_same);
            prop_assert_eq!(rouge_n(&t, &t, 1, RougeMode::Clipped).unwrap().f, f_same);
            prop_assert_eq!(token_f1(&t, &t), 1.0);
            prop_assert_eq!(bleu(&t, std::slice::from_ref(&t), n).unwrap(), 1.0);
        }
    }

    #[test]
    fn scorers_never_panic_and_stay_in_range(text in texty(), r in -1e6f64..1e6, letter in prop::sample::select(vec!['A', 'b', 'C', 'd'])) {
        prop_assert!(in_unit(number_score(r, &text).unwrap()));
        if let Some(x) = last_number(&text) {
            prop_assert!(x.is_finite());
        }
        prop_assert!(in_unit(multiple_choice(letter, &text).unwrap()));
        let cls = ["negative", "neutral", "positive"];
        prop_assert!(in_unit(ordinal_score(&cls, "neutral", &text).unwrap()));
        if let Some(d) = find_date_iso(&text) {
            prop_assert!((0..=9999).contains(&d.year()));
        }
        let _ = parse_date_iso(&text);
        let toks = tokenize(&text, &Tok::default());
        prop_assert!(length_penalty(toks.len(), 7, 0.1).unwrap() <= 0.1);
    }

    #[test]
    fn last_number_reads_back_any_finite_float(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        prop_assert_eq!(last_number(&format!("so the answer is {x}.")), Some(x));
        prop_assert_eq!(last_number(&format!("{x:e} apples")), Some(x));
    }

    #[test]
    fn consecutive_iso_days_are_one_day_apart(y in 0i32..=9999, m in 1u32..=12, d in 1u32..=31) {
        // Month lengths, written out independently of the helper.
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let len = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m as usize - 1];
        let today = parse_date_iso(&format!("{y:04}-{m:02}-{d:02}"));
        if d > len {
            prop_assert_eq!(today, None);
        } else {
            let (ny, nm, nd) = if d < len { (y, m, d + 1) } else if m < 12 { (y, m + 1, 1) } else { (y + 1, 1, 1) };
            let Some(IsoDate::Day(t)) = today else { panic!("valid date refused") };
            if ny <= 9999 {
                prop_assert_eq!(parse_date_iso(&format!("{ny:04}-{nm:02}-{nd:02}")), Some(IsoDate::Day(t + 1)));
            }
            prop_assert_eq!(IsoDate::Day(t).year(), y);
        }
    }

    #[test]
    fn date_score_is_a_bounded_bump(a in -1e7f64..1e7, b in -1e7f64..1e7) {
        let s = date_score(a, b).unwrap();
        prop_assert!(in_unit(s));
        prop_assert_eq!(s, date_score(b, a).unwrap());
        prop_assert!(s == 0.0 || s >= 0.001);
    }

    #[test]
    fn near_duplicates_pairs_are_consistent(texts in prop::collection::vec(texty(), 0..6), thr in 0.0f64..1.2) {
        let toks: Vec<Vec<String>> = texts.iter().map(|t| tokenize(t, &Tok::default())).collect();
        let items: Vec<DupCandidate<'_, String>> = toks
            .iter()
            .enumerate()
            .map(|(i, t)| DupCandidate { uid: i as u16, registered_block: (7 * i as u64) % 5, tokens: t })
            .collect();
        for p in near_duplicates(&items, thr).unwrap() {
            prop_assert!(p.f1 >= thr || toks[p.kept as usize] == toks[p.dropped as usize]);
            let (k, d) = (&items[p.kept as usize], &items[p.dropped as usize]);
            prop_assert!((k.registered_block, k.uid) < (d.registered_block, d.uid));
        }
    }
}

#[test]
fn hand_computed_cases() {
    let t = |s: &str| tokenize(s, &Tok::default());
    // ROUGE-1 Set: {the, cat, sat, on, mat} vs {the, cat, lay, on, a, mat} → 4 shared; p = 4/5, r = 4/6.
    let s = rouge_n(
        &t("the cat sat on the mat"),
        &t("the cat lay on a mat"),
        1,
        RougeMode::Set,
    )
    .unwrap();
    assert_eq!((s.p, s.r), (0.8, 4.0 / 6.0));
    // Clipped: 'the' appears 2× vs 1×: overlap 4 of 6 tokens each side.
    let s = rouge_n(
        &t("the cat sat on the mat"),
        &t("the cat lay on a mat"),
        1,
        RougeMode::Clipped,
    )
    .unwrap();
    assert_eq!((s.p, s.r), (4.0 / 6.0, 4.0 / 6.0));
    // A keyword shuffle keeps ROUGE-1 at the top and drops ROUGE-L and BLEU (spec §3.2).
    let (r, sh) = (
        t("one two three four five six"),
        t("six four two one five three"),
    );
    assert_eq!(rouge_n(&sh, &r, 1, RougeMode::Set).unwrap().p, 1.0);
    // LCS = the longest increasing run of r-positions [6,4,2,1,5,3] = 2 (e.g. 2,5): p = 2/6.
    assert_eq!(rouge_l(&sh, &r, LengthCap::default()).unwrap().p, 1.0 / 3.0);
    // BLEU-2: p1 = 1, bigrams of sh: none in r → p2 = 1/6; BP = 1 → sqrt(1/6).
    let b = bleu(&sh, std::slice::from_ref(&r), 2).unwrap();
    assert!((b - (1.0f64 / 6.0).sqrt()).abs() < 1e-15);
    // SQuAD F1 with articles stripped: "the Eiffel Tower" vs "Eiffel tower, Paris" → 2 common of 2 and 3.
    let sq = |s: &str| tokenize(s, &Tok::squad());
    assert!((token_f1(&sq("the Eiffel Tower"), &sq("Eiffel tower, Paris")) - 0.8).abs() < 1e-15);
    // parse_date_iso anchors: 2000-01-01 is 30·365 + 7 leap days after 1970-01-01.
    assert_eq!(parse_date_iso("2000-01-01"), Some(IsoDate::Day(10_957)));
    assert_eq!(parse_date_iso("1969-12-31"), Some(IsoDate::Day(-1)));
    // Year-only reference with a full-date candidate: |1815 − 1816|·365.
    let d =
        imr_helpers::date_distance_days(IsoDate::Year(1815), parse_date_iso("1816-06-18").unwrap());
    assert_eq!(d, 365);
}

#[test]
fn huge_inputs_are_capped_not_fatal() {
    let big: Vec<String> = (0..5_000).map(|i| format!("w{}", i % 97)).collect();
    assert_eq!(
        rouge_l(&big, &big[..10], LengthCap::default()),
        Err(HelperError::TooLong {
            len: 5_000,
            max: 2_000
        })
    );
    let s = rouge_l(&big, &big, TRUNCATE).unwrap();
    assert_eq!((s.p, s.r), (1.0, 1.0));
    let long_text = "é".repeat(2_001);
    assert!(lcs_char_ratio(&long_text, "é", LengthCap::default()).is_err());
    assert_eq!(
        lcs_char_ratio(&long_text, &long_text, TRUNCATE).unwrap(),
        1.0
    );
    // A megabyte of text tokenizes and scores without trouble (all n-log-n helpers).
    let mb = "lorem ipsum dolor sit amet, 3.5 🦀 ".repeat(30_000);
    let toks = tokenize(&mb, &Tok::default());
    assert_eq!(toks.len(), 30_000 * 7);
    assert!(prf_in_unit(
        rouge_n(&toks, &toks[..100], 2, RougeMode::Clipped).unwrap()
    ));
    assert_eq!(last_number(&mb), Some(3.5));
    assert!(bleu(&toks[..1000], std::slice::from_ref(&toks), 4).unwrap() > 0.0);
}
