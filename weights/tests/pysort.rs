//! `pysort::py_sort` against CPython 3.11's `sorted()` on lists holding NaN, inf, duplicates and
//! runs (`tests/data/cpython_sort_nan.json`, from `tests/data/gen_cpython_sort.py`): bit for bit,
//! which pins where CPython's timsort leaves every NaN, merges and galloping included.

use imr_weights::pysort::py_sort;
use serde_json::Value;

fn bits(v: &Value) -> Vec<u64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|b| {
            u64::from_str_radix(b.as_str().expect("hex").trim_start_matches("0x"), 16).expect("hex")
        })
        .collect()
}

#[test]
fn same_order_as_cpython_sorted() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cpython_sort_nan.json"
    );
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for (i, case) in cases.iter().enumerate() {
        let mut v: Vec<f64> = bits(&case["input"])
            .into_iter()
            .map(f64::from_bits)
            .collect();
        py_sort(&mut v);
        let got: Vec<u64> = v.iter().map(|x| x.to_bits()).collect();
        assert_eq!(got, bits(&case["sorted"]), "case {i} (length {})", v.len());
    }
}
