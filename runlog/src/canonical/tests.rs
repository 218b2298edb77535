//! The canonical writer against the `Value` round trip it replaces, over every shape serde
//! has: the same bytes, or the same error.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

fn by_value<T: Serialize + ?Sized>(v: &T) -> Result<Vec<u8>, String> {
    let value = serde_json::to_value(v).map_err(|e| e.to_string())?;
    serde_json::to_vec(&value).map_err(|e| e.to_string())
}

#[track_caller]
fn same<T: Serialize + ?Sized>(v: &T) {
    let direct = super::to_vec(v).map_err(|e| e.to_string());
    let want = by_value(v);
    assert_eq!(
        direct
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned()),
        want.as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    );
}

#[derive(Serialize)]
struct Unsorted {
    zeta: u8,
    alpha: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<u8>,
    mid: Vec<Inner>,
    #[serde(rename = "Upper")]
    upper: bool,
    nested: Inner,
}

#[derive(Serialize, Clone)]
struct Inner {
    y: f64,
    x: f32,
    b: Vec<u8>,
    #[serde(with = "bytes_as_bytes")]
    raw: Vec<u8>,
    c: char,
}

mod bytes_as_bytes {
    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }
}

#[derive(Serialize)]
enum External {
    Unit,
    Newtype(Inner),
    Tuple(u8, String),
    Struct { z: u8, a: Vec<u16> },
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Internal {
    Plain,
    WithFields { message: String, limit: u64 },
    Wrapped(Inner),
}

#[derive(Serialize)]
#[serde(tag = "t", content = "c")]
enum Adjacent {
    A(u8),
    B { q: i8 },
}

#[derive(Serialize)]
#[serde(untagged)]
enum Untagged {
    N(u64),
    S { s: String, a: i64 },
}

#[derive(Serialize)]
struct Flattened {
    z: u8,
    #[serde(flatten)]
    extra: BTreeMap<String, u8>,
    a: u8,
}

#[derive(Serialize)]
struct Newtype(Inner);

#[derive(Serialize)]
struct UnitStruct;

#[derive(Serialize)]
struct TupleStruct(u8, &'static str);

fn inner(k: u8) -> Inner {
    Inner {
        y: f64::from(k) / 3.0,
        x: 0.1 + f32::from(k),
        b: vec![k, 0, 255],
        raw: vec![1, k],
        c: char::from(b'a' + k % 26),
    }
}

#[test]
fn structs_enums_and_leaves_are_written_as_the_value_round_trip_writes_them() {
    same(&Unsorted {
        zeta: 9,
        alpha: Some("quote \" backslash \\ newline \n tab \t nul \u{0} é 漢 \u{1f600}".into()),
        skipped: None,
        mid: vec![inner(1), inner(2)],
        upper: true,
        nested: inner(3),
    });
    same(&Unsorted {
        zeta: 0,
        alpha: None,
        skipped: Some(4),
        mid: vec![],
        upper: false,
        nested: inner(0),
    });
    for e in [
        External::Unit,
        External::Newtype(inner(5)),
        External::Tuple(7, "t".into()),
        External::Struct {
            z: 1,
            a: vec![3, 2, 1],
        },
    ] {
        same(&e);
    }
    for e in [
        Internal::Plain,
        Internal::WithFields {
            message: "m".into(),
            limit: u64::MAX,
        },
        Internal::Wrapped(inner(6)),
    ] {
        same(&e);
    }
    same(&[Adjacent::A(1), Adjacent::B { q: -3 }]);
    same(&(
        Untagged::N(5),
        Untagged::S {
            s: "x".into(),
            a: i64::MIN,
        },
    ));
    same(&Flattened {
        z: 1,
        extra: [
            ("b".to_string(), 2),
            ("zz".to_string(), 3),
            ("a".to_string(), 9),
        ]
        .into(),
        a: 0,
    });
    same(&Newtype(inner(7)));
    same(&UnitStruct);
    same(&TupleStruct(1, "two"));
    same(&());
    same(&Some(Some(3u8)));
    same(&None::<u8>);
}

#[test]
fn numbers_are_written_as_the_value_round_trip_writes_them() {
    let floats = [
        0.0,
        -0.0,
        1.0,
        0.1,
        1e21,
        1e-7,
        -1.5e300,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::from_bits(1),
    ];
    same(&floats);
    let floats32: Vec<f32> = floats
        .iter()
        .map(|&f| f as f32)
        .chain([0.1f32, 16_777_217.0])
        .collect();
    same(&floats32);
    same(&[i64::MIN, -1, 0, 1, i64::MAX]);
    same(&[u64::MAX, 0]);
    same(&(i8::MIN, i16::MIN, i32::MIN, u8::MAX, u16::MAX, u32::MAX));
    same(&[0u128, u128::from(u64::MAX)]);
    same(&[i128::from(i64::MIN), 0i128]);
    same(&u128::MAX); // an error both ways
    let uids: Vec<u16> = (0..4096).collect();
    same(&uids);
}

#[test]
fn maps_are_written_as_the_value_round_trip_writes_them() {
    let mut m = BTreeMap::new();
    m.insert("b".to_string(), vec![1u8]);
    m.insert("a".to_string(), vec![]);
    m.insert("\u{e9}".to_string(), vec![2]);
    m.insert("A".to_string(), vec![3]);
    same(&m);
    let h: HashMap<u16, &str> = [(10, "ten"), (2, "two"), (300, "x")].into();
    same(&h);
    let b: BTreeMap<bool, u8> = [(true, 1), (false, 0)].into();
    same(&b);
    let nested: BTreeMap<&str, Inner> = [("k", inner(1)), ("a", inner(2))].into();
    same(&nested);
    let bad: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
    same(&bad); // a key that is no string: an error both ways
}

#[test]
fn the_omitted_key_is_left_out_of_the_top_level_object_only() {
    #[derive(Serialize)]
    struct WithHash {
        hash: String,
        body: BTreeMap<String, String>,
        inner: Hashy,
    }
    #[derive(Serialize)]
    struct Hashy {
        hash: u8,
    }
    let v = WithHash {
        hash: "h".into(),
        body: [("hash".to_string(), "kept".to_string())].into(),
        inner: Hashy { hash: 1 },
    };
    let mut out = Vec::new();
    super::write_without(&v, Some("hash"), &mut out).unwrap();
    let mut value = serde_json::to_value(&v).unwrap();
    value.as_object_mut().unwrap().remove("hash");
    assert_eq!(out, serde_json::to_vec(&value).unwrap());
    // A map at the top level too.
    let m: BTreeMap<&str, u8> = [("hash", 1), ("a", 2)].into();
    let mut out = Vec::new();
    super::write_without(&m, Some("hash"), &mut out).unwrap();
    assert_eq!(out, br#"{"a":2}"#);
}
