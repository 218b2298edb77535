//! Parity of the text helpers with the golden vectors in `<IMR_VECTORS>/scoring/`
//! (see that folder's README.md): pltrdy's `rouge` 1.0.1 and SN1's task scorers.
//!
//! Files are discovered by name pattern and routed to helpers. Cases where the spec's
//! helper deliberately differs from the original are listed below with the reason, and
//! the difference itself is asserted.

use imr_helpers::{
    date_distance_days, date_score, last_number, multiple_choice, number_score, parse_date_iso,
    rouge_l, rouge_n, sn1_extract_number, sn1_math_score, tokenize, LengthCap, Prf, RougeMode, Tok,
};
use serde_json::Value;

/// The fixture files of `scoring/` whose name starts with `prefix` and ends in `.json`,
/// sorted, parsed. Panics (test failure) if the folder is unreadable or nothing matches.
fn fixtures(prefix: &str) -> Vec<(String, Value)> {
    let dir = imr_test_support::vectors_dir("scoring");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read vectors folder {}: {e}", dir.display()));
    let mut names: Vec<String> = entries
        .map(|e| {
            e.expect("readable dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.starts_with(prefix) && n.ends_with(".json"))
        .filter(|n| {
            // "rouge_n" must not swallow a longer name such as "rouge_n_extra" unless it
            // is the same fixture family (a `_` or `.` right after the prefix).
            matches!(n.as_bytes().get(prefix.len()), Some(b'.') | Some(b'_'))
        })
        .collect();
    names.sort();
    assert!(
        !names.is_empty(),
        "no {prefix}*.json fixture in {}",
        dir.display()
    );
    names
        .into_iter()
        .map(|n| {
            let path = dir.join(&n);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let v: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{n}: invalid JSON: {e}"));
            (n, v)
        })
        .collect()
}

fn cases(v: &Value) -> &Vec<Value> {
    v["cases"].as_array().expect("a cases array")
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string {key}"))
}

fn bits(v: &Value) -> f64 {
    let h = v.as_str().expect("a hex bits string");
    f64::from_bits(u64::from_str_radix(h, 16).expect("16 hex digits"))
}

/// Accumulates failures so one run reports all of them, each with file, case and field.
#[derive(Default)]
struct Report(Vec<String>);

impl Report {
    fn check(&mut self, ok: bool, file: &str, case: &str, field: &str, detail: String) {
        if !ok {
            self.0
                .push(format!("{file}: case {case}: field {field}: {detail}"));
        }
    }

    fn bits_eq(&mut self, file: &str, case: &str, field: &str, got: f64, want: f64) {
        self.check(
            got.to_bits() == want.to_bits(),
            file,
            case,
            field,
            format!("got {got:?} expected {want:?}"),
        );
    }

    fn finish(self, count: usize) {
        assert!(
            self.0.is_empty(),
            "{} failure(s):\n{}",
            self.0.len(),
            self.0.join("\n")
        );
        assert!(count > 0, "no case was checked");
    }
}

fn words(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("a word list")
        .iter()
        .map(|w| w.as_str().expect("a word").to_string())
        .collect()
}

/// Checks our pltrdy-mode tokenizer against `debug.package_words`, and returns the tokens.
fn pltrdy_tokens(rep: &mut Report, file: &str, id: &str, c: &Value, side: &str) -> Vec<String> {
    let text = s(&c["input"], side);
    let ours = tokenize(text, &Tok::pltrdy());
    if let Some(pw) = c["debug"]["package_words"].get(side) {
        let want = words(pw);
        rep.check(
            ours == want,
            file,
            id,
            &format!("debug.package_words.{side}"),
            format!("tokenize gave {ours:?}, package {want:?}"),
        );
    }
    ours
}

fn check_prf(rep: &mut Report, file: &str, id: &str, got: Prf, want: &Value) {
    for k in ["p", "r", "f"] {
        let g = match k {
            "p" => got.p,
            "r" => got.r,
            _ => got.f,
        };
        rep.bits_eq(
            file,
            id,
            &format!("expected.{k}"),
            g,
            bits(&want["bits"][k]),
        );
    }
}

/// `rouge_n.json`: `rouge_n(Set)` on pltrdy tokens must match the package bit for bit.
/// Documented difference: where the package raises `ValueError` on an empty side (`""`,
/// `"..."`), the spec's helper returns 0 for p, r and f.
#[test]
fn rouge_n_matches_pltrdy() {
    let mut rep = Report::default();
    let mut count = 0;
    for (file, v) in fixtures("rouge_n") {
        for c in cases(&v) {
            let id = s(c, "id");
            let hyp = pltrdy_tokens(&mut rep, &file, id, c, "hyp");
            let rf = pltrdy_tokens(&mut rep, &file, id, c, "ref");
            let n = c["input"]["n"].as_u64().expect("n") as usize;
            let got = rouge_n(&hyp, &rf, n, RougeMode::Set).expect("n >= 1");
            if c.get("error").is_some() {
                rep.check(
                    got == Prf::default(),
                    &file,
                    id,
                    "error",
                    format!(
                        "documented difference: package raises, helper must give 0, got {got:?}"
                    ),
                );
            } else {
                check_prf(&mut rep, &file, id, got, &c["expected"]);
            }
            count += 1;
        }
    }
    rep.finish(count);
}

/// `rouge_l.json`: the package's ROUGE-L is a summary-level union LCS over unique words;
/// the spec's `rouge_l` is a plain token LCS (documented difference). Where
/// `debug.plain_lcs.package_agrees` is true the bits must match the package. Elsewhere
/// the helper must give the plain LCS numbers of `debug.plain_lcs` and must differ from
/// the package. Error cases: the helper gives 0.
#[test]
fn rouge_l_matches_pltrdy_where_defined_alike() {
    let mut rep = Report::default();
    let (mut agree, mut differ) = (0, 0);
    for (file, v) in fixtures("rouge_l") {
        for c in cases(&v) {
            let id = s(c, "id");
            let hyp = pltrdy_tokens(&mut rep, &file, id, c, "hyp");
            let rf = pltrdy_tokens(&mut rep, &file, id, c, "ref");
            let got = rouge_l(&hyp, &rf, LengthCap::default()).expect("short fixture texts");
            if c.get("error").is_some() {
                rep.check(
                    got == Prf::default(),
                    &file,
                    id,
                    "error",
                    format!(
                        "documented difference: package raises, helper must give 0, got {got:?}"
                    ),
                );
                continue;
            }
            let plain = &c["debug"]["plain_lcs"];
            if plain["package_agrees"].as_bool().expect("package_agrees") {
                check_prf(&mut rep, &file, id, got, &c["expected"]);
                agree += 1;
            } else {
                let l = plain["lcs"].as_f64().expect("lcs");
                let p = l / plain["hyp_tokens"].as_f64().expect("hyp_tokens");
                let r = l / plain["ref_tokens"].as_f64().expect("ref_tokens");
                let f = 2.0 * ((p * r) / (p + r + 1e-8));
                rep.bits_eq(&file, id, "debug.plain_lcs (p)", got.p, p);
                rep.bits_eq(&file, id, "debug.plain_lcs (r)", got.r, r);
                rep.bits_eq(&file, id, "debug.plain_lcs (f)", got.f, f);
                let pkg = &c["expected"]["bits"];
                let same = got.p == bits(&pkg["p"])
                    && got.r == bits(&pkg["r"])
                    && got.f == bits(&pkg["f"]);
                rep.check(
                    !same,
                    &file,
                    id,
                    "expected",
                    "documented as differing from the package, but equal".into(),
                );
                differ += 1;
            }
        }
    }
    eprintln!("rouge_l: {agree} cases equal to the package, {differ} documented differences");
    rep.finish(agree + differ);
}

/// `sn1_rouge_reward.json`: SN1 passes the reference as the hypothesis, so the helper is
/// called as `rouge_l(reference, completion)` / `rouge_n(reference, completion, 1, Set)`
/// on pltrdy tokens; empty texts give 0 on both sides. Documented difference: a completion
/// of only dots makes the package raise; the helper gives 0.
#[test]
fn sn1_rouge_reward_matches() {
    let mut rep = Report::default();
    let mut count = 0;
    for (file, v) in fixtures("sn1_rouge_reward") {
        for c in cases(&v) {
            let id = s(c, "id");
            let input = &c["input"];
            let rf = tokenize(s(input, "reference"), &Tok::pltrdy());
            let comp = tokenize(s(input, "completion"), &Tok::pltrdy());
            let got = match s(input, "ngram") {
                "rouge-l" => rouge_l(&rf, &comp, LengthCap::default()).expect("short").f,
                "rouge-1" => rouge_n(&rf, &comp, 1, RougeMode::Set).expect("n = 1").f,
                "rouge-2" => rouge_n(&rf, &comp, 2, RougeMode::Set).expect("n = 2").f,
                other => panic!("{file}: case {id}: unknown ngram {other}"),
            };
            if c.get("error").is_some() {
                rep.check(
                    got == 0.0,
                    &file,
                    id,
                    "error",
                    format!("documented difference: package raises, helper must give 0, got {got}"),
                );
            } else {
                rep.bits_eq(
                    &file,
                    id,
                    "expected.score",
                    got,
                    bits(&c["expected"]["score"]["bits"]),
                );
            }
            count += 1;
        }
    }
    rep.finish(count);
}

/// `sn1_multiple_choice.json`: every case must match bit for bit.
#[test]
fn sn1_multiple_choice_matches() {
    let mut rep = Report::default();
    let mut count = 0;
    for (file, v) in fixtures("sn1_multiple_choice") {
        for c in cases(&v) {
            let id = s(c, "id");
            let r: Vec<char> = s(&c["input"], "reference").chars().collect();
            assert_eq!(
                r.len(),
                1,
                "{file}: case {id}: reference must be one letter"
            );
            let got = multiple_choice(r[0], s(&c["input"], "completion"));
            match got {
                Ok(g) => rep.bits_eq(
                    &file,
                    id,
                    "expected.reward",
                    g,
                    bits(&c["expected"]["reward"]["bits"]),
                ),
                Err(e) => rep.check(false, &file, id, "expected.reward", format!("error {e}")),
            }
            count += 1;
        }
    }
    rep.finish(count);
}

/// `sn1_date_score.json`. SN1 parses free-form dates (regex + pandas); the SDK pins only
/// ISO dates, so the scoring is checked on the upstream `diff_days`, and the parsing on
/// the cases whose date texts are ISO (bare years, for the year-only rule). `date_score`
/// uses libm's `exp` and SN1 numpy's; equality is to 1 ulp. Documented differences: a
/// reference without a date crashes SN1 (`AttributeError`; the module must check), and an
/// empty completion has no `diff_days` (score 0 both ways).
#[test]
fn sn1_date_score_matches() {
    let mut rep = Report::default();
    let mut count = 0;
    let mut max_ulps = 0i64;
    for (file, v) in fixtures("sn1_date_score") {
        for c in cases(&v) {
            let id = s(c, "id");
            if c.get("error").is_some() {
                // Nothing to compare: upstream crashed on a reference without a date.
                rep.check(
                    parse_date_iso(s(&c["input"], "reference")).is_none(),
                    &file,
                    id,
                    "error",
                    "reference unexpectedly parses".into(),
                );
                continue;
            }
            let e = &c["expected"];
            let want = bits(&e["score"]["bits"]);
            let Some(d) = e["diff_days"].as_i64() else {
                rep.check(
                    want == 0.0,
                    &file,
                    id,
                    "expected.score",
                    "no diff_days but a non-zero score".into(),
                );
                count += 1;
                continue;
            };
            let got = date_score(0.0, d as f64).expect("finite");
            let ulps = (got.to_bits() as i64 - want.to_bits() as i64).abs();
            max_ulps = max_ulps.max(ulps);
            rep.check(
                ulps <= 1,
                &file,
                id,
                "expected.score",
                format!("got {got:?} expected {want:?} ({ulps} ulp)"),
            );
            if let (Some(rt), Some(ct)) =
                (e["ref_date_text"].as_str(), e["comp_date_text"].as_str())
            {
                if let (Some(r), Some(cd)) = (parse_date_iso(rt), parse_date_iso(ct)) {
                    let dd = date_distance_days(r, cd);
                    rep.check(
                        dd == d,
                        &file,
                        id,
                        "expected.diff_days",
                        format!("got {dd} expected {d}"),
                    );
                }
            }
            count += 1;
        }
    }
    eprintln!("date_score: largest distance from numpy's exp: {max_ulps} ulp");
    rep.finish(count);
}

/// The fixture's reference as SN1 reads it (`float()`), or `None` (then the case must
/// carry an upstream `error`).
fn sn1_reference(c: &Value) -> Option<f64> {
    c["input"]["reference"].as_str()?.trim().parse::<f64>().ok()
}

/// The fixture's `expected.extracted` (null → `None`).
fn sn1_extracted(c: &Value) -> Option<f64> {
    c["expected"]["extracted"].get("bits").map(bits)
}

/// Equal as SN1 values: same bits, both NaN, or within 1e-9 relative (sympy rounds an
/// expression once, f64 per operation).
fn close(got: f64, want: f64) -> bool {
    got.to_bits() == want.to_bits()
        || (got.is_nan() && want.is_nan())
        || (got - want).abs() <= 1e-9 * want.abs().max(1.0)
}

/// `sn1_math_score.json`, every case, against the exact `sn1_math_score` and
/// `sn1_extract_number` (sympy-subset evaluator, then `float()`).
#[test]
fn sn1_math_score_exact_matches() {
    let mut rep = Report::default();
    let mut count = 0;
    let mut bit_exact = 0;
    for (file, v) in fixtures("sn1_math_score") {
        for c in cases(&v) {
            let id = c["id"].as_str().unwrap_or("<no id>");
            let Some(reference) = sn1_reference(c) else {
                rep.check(
                    c.get("error").is_some(),
                    &file,
                    id,
                    "input.reference",
                    "unparseable reference without an upstream error".into(),
                );
                continue;
            };
            let Some(comp) = c["input"]["completion"].as_str() else {
                rep.check(false, &file, id, "input.completion", "not a string".into());
                continue;
            };
            let Some(want) = c["expected"]["score"].get("bits").map(bits) else {
                rep.check(false, &file, id, "expected.score.bits", "missing".into());
                continue;
            };
            let got = sn1_math_score(reference, comp);
            if got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()) {
                bit_exact += 1;
            }
            rep.check(
                close(got, want),
                &file,
                id,
                "expected.score",
                format!("got {got:?} expected {want:?}"),
            );
            let ex = sn1_extracted(c);
            let gx = sn1_extract_number(comp);
            rep.check(
                match (gx, ex) {
                    (Some(a), Some(b)) => close(a, b),
                    (None, None) => true,
                    _ => false,
                },
                &file,
                id,
                "expected.extracted",
                format!("got {gx:?} expected {ex:?}"),
            );
            count += 1;
        }
    }
    eprintln!("sn1_math_score exact: {count} cases checked, {bit_exact} bit-exact");
    rep.finish(count);
}

/// `sn1_math_score.json` against the spec's `number_score` / `last_number`. Where the
/// ASCII scanner reads the same number as SN1, the score matches to 1e-9 (SN1 divides
/// by `reference + 1e-10`, the spec by `|reference|`). Documented differences, found
/// by value, not by id: SN1's number comes from sympy or `float()` (`1/2`, `2**3`,
/// `sqrt(2)`, `pi`, `nan`, `inf`) and `last_number` reads another or none; those are
/// covered exactly by `sn1_math_score_exact_matches`. A non-finite reference cannot be
/// passed to `number_score`.
#[test]
fn sn1_math_score_matches() {
    let mut rep = Report::default();
    let mut count = 0;
    let mut differences = 0;
    for (file, v) in fixtures("sn1_math_score") {
        for c in cases(&v) {
            let id = c["id"].as_str().unwrap_or("<no id>");
            let (Some(reference), Some(comp)) =
                (sn1_reference(c), c["input"]["completion"].as_str())
            else {
                continue; // reported by sn1_math_score_exact_matches
            };
            let Ok(got) = number_score(reference, comp) else {
                rep.check(
                    !reference.is_finite(),
                    &file,
                    id,
                    "input.reference",
                    "Err for a finite reference".into(),
                );
                differences += 1;
                continue;
            };
            let ex = sn1_extracted(c);
            let ln = last_number(comp);
            if ln.map(f64::to_bits) != ex.map(f64::to_bits) {
                // SN1 reads a sympy/float() number the ASCII scanner does not.
                rep.check(
                    ex != ln && sn1_extract_number(comp).is_some(),
                    &file,
                    id,
                    "expected.extracted",
                    format!("documented difference: last_number {ln:?}, SN1 {ex:?}"),
                );
                differences += 1;
                continue;
            }
            let Some(want) = c["expected"]["score"].get("bits").map(bits) else {
                continue;
            };
            rep.check(
                (got - want).abs() <= 1e-9,
                &file,
                id,
                "expected.score",
                format!("got {got:?} expected {want:?}"),
            );
            count += 1;
        }
    }
    eprintln!(
        "sn1_math_score vs number_score: {count} match, {differences} documented differences"
    );
    rep.finish(count);
}
