//! Hand-built cases of SN1's math scorer with answers written as expressions.

use imr_helpers::{eval_expr, sn1_extract_number, sn1_math_score};
use proptest::prelude::*;

#[test]
fn expressions() {
    assert_eq!(eval_expr("1/2"), Some(0.5));
    assert_eq!(eval_expr("3/4"), Some(0.75));
    assert_eq!(eval_expr("2**3"), Some(8.0));
    assert_eq!(eval_expr("2**3**2"), Some(512.0)); // right-associative
    assert_eq!(eval_expr("-2**2"), Some(-4.0));
    assert_eq!(eval_expr("(-2)**2"), Some(4.0));
    assert_eq!(eval_expr("2**-1"), Some(0.5));
    assert_eq!(eval_expr("2*3+4"), Some(10.0));
    assert_eq!(eval_expr("2*(3+4)"), Some(14.0));
    assert_eq!(eval_expr("10-2-3"), Some(5.0));
    assert_eq!(eval_expr("8/2/2"), Some(2.0));
    assert_eq!(eval_expr("1.5e3"), Some(1500.0));
    assert_eq!(eval_expr("sqrt(2)"), Some(libm::sqrt(2.0)));
    assert_eq!(eval_expr("exp(1)"), Some(libm::exp(1.0)));
    assert_eq!(eval_expr("log(E)"), Some(libm::log(core::f64::consts::E)));
    assert_eq!(eval_expr("pi"), Some(core::f64::consts::PI));
    assert_eq!(eval_expr("2*pi"), Some(2.0 * core::f64::consts::PI));
}

#[test]
fn refusals() {
    for w in [
        "",
        "x",
        "x+1",
        "2pi",
        "2(3)",
        "2^3",
        "1/0",
        "0**-1",
        "sqrt(-1)",
        "log(0)",
        "log(-1)",
        "(-8)**(1/3)",
        "sin(1)",
        "(1+2",
        "1+",
        "sqrt",
        "inf",
        "nan",
        "1..2",
    ] {
        assert_eq!(eval_expr(w), None, "{w:?}");
    }
    let deep = "(".repeat(10_000) + "1" + &")".repeat(10_000);
    assert_eq!(eval_expr(&deep), None);
    assert_eq!(eval_expr(&"-".repeat(10_000)), None);
}

#[test]
fn extraction_like_sn1() {
    assert_eq!(sn1_extract_number("It is 1/2."), Some(0.5));
    assert_eq!(sn1_extract_number("Total: 1,234,567,"), Some(1_234_567.0));
    assert_eq!(sn1_extract_number("answer 2**3 then words"), Some(8.0));
    assert_eq!(sn1_extract_number("result inf"), Some(f64::INFINITY));
    assert_eq!(
        sn1_extract_number("result -Infinity."),
        Some(f64::NEG_INFINITY)
    );
    assert_eq!(sn1_extract_number("result +INF"), Some(f64::INFINITY));
    assert!(sn1_extract_number("result NaN").unwrap().is_nan());
    // a refused word falls back to the next one to the left
    assert_eq!(sn1_extract_number("7 x+1"), Some(7.0));
    assert_eq!(sn1_extract_number("7 1/0"), Some(7.0));
    assert_eq!(sn1_extract_number("..."), None);
    assert_eq!(sn1_extract_number(""), None);
}

#[test]
fn scores() {
    assert_eq!(sn1_math_score(0.5, "It is 1/2"), 1.0);
    assert_eq!(sn1_math_score(8.0, "2**3."), 1.0);
    assert_eq!(sn1_math_score(-4.0, "-2**2"), 1.0);
    assert_eq!(sn1_math_score(3.0, "result inf"), 0.0);
    assert!(sn1_math_score(3.0, "result nan").is_nan());
    assert_eq!(sn1_math_score(5.0, "no idea"), 0.0);
    assert_eq!(sn1_math_score(0.0, "0.001"), 0.0);
    let s = sn1_math_score(100.0, "99");
    assert_eq!(s, 1.0 - (1.0 / (100.0 + 1e-10)));
    assert!(s != 0.99); // SN1's +1e-10, unlike number_score
    assert_eq!(sn1_math_score(100.0, "1000"), 0.0);
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(w in ".{0,64}") {
        let _ = eval_expr(&w);
        let _ = sn1_extract_number(&w);
        let _ = sn1_math_score(1.0, &w);
    }

    #[test]
    fn arithmetic_strings_never_panic(w in "[0-9a-zE.()+*/ -]{0,48}") {
        let _ = eval_expr(&w);
    }
}
