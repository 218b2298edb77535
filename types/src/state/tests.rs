use std::collections::BTreeMap;

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::binary::{self, HEADER_LEN, MAGIC};
use super::*;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Kind {
    A,
    B(u32),
}

/// One field of every kind the format distinguishes.
#[derive(Serialize, Deserialize, Debug, Clone)]
struct Spec {
    small: u8,
    uid: u16,
    big: u64,
    delta: i64,
    x: f64,
    flag: bool,
    name: String,
    maybe: Option<f64>,
    list: Vec<u16>,
    map: BTreeMap<u16, [f64; 2]>,
    kind: Kind,
}

fn spec_value() -> Spec {
    Spec {
        small: 200,
        uid: 300,
        big: u64::MAX,
        delta: -2,
        x: -0.0,
        flag: true,
        name: "ab".into(),
        maybe: Some(1.5),
        list: vec![1, 128],
        map: BTreeMap::from([(2, [f64::from_bits(0x7ff8_0000_0000_0001), 0.1])]),
        kind: Kind::B(5),
    }
}

/// The bytes of `spec_value()` at version 7, written out by hand from the header layout (binary.rs) and postcard's
/// published wire format.
const SPEC_BYTES: &[u8] = &[
    0x00, 0x69, 0x6d, 0x72, // magic "\0imr"
    0x01, // format tag: postcard 1.x
    0x07, 0x00, 0x00, 0x00, // schema version 7, u32 LE
    0xc8, // small: u8 200, one byte
    0xac, 0x02, // uid: 300 as varint (0x2c | 0x80, 0x02)
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x01, // big: u64::MAX, 10-byte varint
    0x03, // delta: -2 zig-zag = 3
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, // x: -0.0, bits LE
    0x01, // flag
    0x02, 0x61, 0x62, // name: length 2, "ab"
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, // maybe: Some, 1.5
    0x02, 0x01, 0x80, 0x01, // list: length 2, 1, 128 (varint 0x80 0x01)
    0x01, 0x02, // map: length 1, key 2
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x7f, // a NaN with payload 1, bits LE
    0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f, // 0.1
    0x01, 0x05, // kind: variant 1 (B), 5
];

#[test]
fn a_fixed_value_has_the_bytes_of_the_spec() {
    let bytes = binary::encode(&spec_value(), 7).expect("encode");
    assert_eq!(bytes, SPEC_BYTES);
    let back: Spec = binary::decode(&bytes, 7).expect("decode");
    assert_eq!(binary::encode(&back, 7).expect("re-encode"), SPEC_BYTES);
    assert_eq!(back.x.to_bits(), (-0.0f64).to_bits());
    assert_eq!(back.map[&2][0].to_bits(), 0x7ff8_0000_0000_0001);
}

/// A larger value built from a SplitMix64 stream: every float is an arbitrary bit pattern (NaNs, infinities,
/// subnormals, negative zero).
#[derive(Serialize, Deserialize, Debug)]
struct Big {
    miners: BTreeMap<u16, (String, f64, u64)>,
    series: Vec<f64>,
    last: Option<u64>,
}

fn splitmix(s: &mut u64) -> u64 {
    *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *s;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn big_value() -> Big {
    let mut s = 0x5EED;
    let mut miners = BTreeMap::new();
    for uid in 0..1000u16 {
        let hotkey = format!("hk{}", splitmix(&mut s) % 100_000);
        let ema = f64::from_bits(splitmix(&mut s));
        let scored = splitmix(&mut s) >> (splitmix(&mut s) % 64);
        miners.insert(uid.wrapping_mul(37) % 4096, (hotkey, ema, scored));
    }
    let series = (0..500).map(|_| f64::from_bits(splitmix(&mut s))).collect();
    Big {
        miners,
        series,
        last: Some(41),
    }
}

/// An independent writer of the same layout, straight from the spec (not postcard).
fn spec_encode(v: &Big, version: u32) -> Vec<u8> {
    fn varint(out: &mut Vec<u8>, mut n: u64) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }
    let mut out = MAGIC.to_vec();
    out.push(1);
    out.extend_from_slice(&version.to_le_bytes());
    varint(&mut out, v.miners.len() as u64);
    for (&uid, (hotkey, ema, scored)) in &v.miners {
        varint(&mut out, u64::from(uid));
        varint(&mut out, hotkey.len() as u64);
        out.extend_from_slice(hotkey.as_bytes());
        out.extend_from_slice(&ema.to_bits().to_le_bytes());
        varint(&mut out, *scored);
    }
    varint(&mut out, v.series.len() as u64);
    for x in &v.series {
        out.extend_from_slice(&x.to_bits().to_le_bytes());
    }
    match v.last {
        None => out.push(0),
        Some(n) => {
            out.push(1);
            varint(&mut out, n);
        }
    }
    out
}

#[test]
fn a_large_value_matches_an_independent_writer_and_a_pinned_hash() {
    let v = big_value();
    let bytes = binary::encode(&v, 2).expect("encode");
    assert_eq!(bytes, spec_encode(&v, 2));
    // Pinned: any change of the encoder (a postcard upgrade, another platform) that changes these bytes fails here.
    assert_eq!(bytes.len(), 26_745);
    assert_eq!(
        hex(&Sha256::digest(&bytes)),
        "8a68fe43a96090c8ee3325918fc5b5857227fbd1ba05ddc9a0af59aeeaaeb7d3"
    );
    let back: Big = binary::decode(&bytes, 2).expect("decode");
    assert_eq!(binary::encode(&back, 2).expect("re-encode"), bytes);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Serialize, Deserialize, Debug, Default, PartialEq)]
struct Pending {
    base_price: f64,
    subs: BTreeMap<u16, Vec<f64>>,
}

#[derive(Serialize, Deserialize, Debug, Default, PartialEq)]
struct Tracked {
    last_epoch: Option<u64>,
    pending: BTreeMap<String, Pending>,
}

impl MechanismState for Tracked {
    const VERSION: u32 = 3;
}

#[derive(Serialize, Deserialize, Debug, Default, PartialEq)]
struct Small {
    epochs: u32,
}

impl MechanismState for Small {
    const VERSION: u32 = 1;
    const ENCODING: Encoding = Encoding::CanonicalJson;
}

fn tracked() -> Tracked {
    Tracked {
        last_epoch: Some(9),
        pending: BTreeMap::from([(
            "r0040".to_string(),
            Pending {
                base_price: 41234.56,
                subs: BTreeMap::from([(7, vec![1.0, 2.0, 3.0])]),
            },
        )]),
    }
}

fn message(e: MechanismError) -> String {
    match e {
        MechanismError::InvalidInput(m) => m,
        other => panic!("not InvalidInput: {other:?}"),
    }
}

#[test]
fn typed_state_round_trips_and_empty_is_default() {
    assert_eq!(load::<Tracked>(&[]).expect("empty"), Tracked::default());
    let bytes = save(&tracked()).expect("save");
    assert_eq!(bytes[..4], MAGIC);
    assert_eq!(binary::header(&bytes).expect("header").version, 3);
    assert_eq!(load::<Tracked>(&bytes).expect("load"), tracked());
    let json = save(&Small { epochs: 3 }).expect("save");
    assert_eq!(json, br#"{"epochs":3}"#);
    assert_eq!(load::<Small>(&json).expect("load"), Small { epochs: 3 });
}

#[test]
fn a_truncated_body_names_the_field() {
    let bytes = save(&tracked()).expect("save");
    // Cut inside the third float of uid 7's points.
    let cut = &bytes[..bytes.len() - 4];
    let msg = message(load::<Tracked>(cut).expect_err("truncated"));
    assert!(
        msg.starts_with("state.pending.r0040.subs.7[2]: the state ends too early"),
        "{msg}"
    );
}

#[test]
fn paths_name_struct_fields_map_keys_and_variants() {
    // The last byte is the 5 of `kind: B(5)`.
    let msg =
        message(binary::decode::<Spec>(&SPEC_BYTES[..SPEC_BYTES.len() - 1], 7).expect_err("cut"));
    assert_eq!(msg, "state.kind::B: the state ends too early");
    // Cut inside the second float of map entry 2.
    let msg =
        message(binary::decode::<Spec>(&SPEC_BYTES[..SPEC_BYTES.len() - 6], 7).expect_err("cut"));
    assert_eq!(msg, "state.map.2[1]: the state ends too early");
    let mut bad = SPEC_BYTES.to_vec();
    bad[9 + 1 + 2 + 10 + 1 + 8] = 2; // flag
    let msg = message(binary::decode::<Spec>(&bad, 7).expect_err("bool"));
    assert_eq!(msg, "state.flag: a bool that is neither 0 nor 1");
    let mut bad = SPEC_BYTES.to_vec();
    *bad.last_mut().expect("last") = 0x80; // an unterminated varint
    let msg = message(binary::decode::<Spec>(&bad, 7).expect_err("varint"));
    assert!(msg.starts_with("state.kind::B: "), "{msg}");
}

#[test]
fn a_bad_option_tag_names_the_field() {
    let mut bytes = save(&tracked()).expect("save");
    bytes[HEADER_LEN] = 7; // last_epoch's Option tag
    let msg = message(load::<Tracked>(&bytes).expect_err("bad tag"));
    assert!(msg.starts_with("state.last_epoch: an option tag"), "{msg}");
}

#[test]
fn wrong_tag_version_format_and_leftovers_are_clear_errors() {
    let good = save(&tracked()).expect("save");
    let mut tag = good.clone();
    tag[4] = 0x02;
    let msg = message(load::<Tracked>(&tag).expect_err("tag"));
    assert!(msg.contains("format tag 0x02 is not known"), "{msg}");

    let old = binary::encode(&tracked(), 2).expect("encode");
    let msg = message(load::<Tracked>(&old).expect_err("version"));
    assert!(
        msg.contains("schema version 2 is not supported (expected 3)"),
        "{msg}"
    );

    let msg = message(load::<Tracked>(br#"{"last_epoch":1}"#).expect_err("json"));
    assert!(
        msg.contains("this is JSON, not the binary state format"),
        "{msg}"
    );
    let msg = message(load::<Small>(&good).expect_err("binary for json"));
    assert!(
        msg.contains("this is the binary state format (tag 0x01, version 3)"),
        "{msg}"
    );
    let msg = message(load::<Tracked>(&MAGIC).expect_err("short"));
    assert!(msg.contains("too short for the binary header"), "{msg}");
    let msg = message(load::<Tracked>(&[0xff, 1, 2]).expect_err("garbage"));
    assert!(msg.contains("not the binary state format"), "{msg}");

    let mut long = good.clone();
    long.push(0);
    let msg = message(load::<Tracked>(&long).expect_err("leftover"));
    assert!(msg.contains("1 byte(s) left over"), "{msg}");
}

#[test]
fn summaries_name_the_format() {
    assert_eq!(summarize(&[]), StateSummary::Empty);
    let bytes = save(&tracked()).expect("save");
    let text = render(&bytes, 16);
    assert!(
        text.starts_with(&format!(
            "binary state: format 0x01 (postcard 1.x), version 3, {} bytes (9 header + {} body)\n00000000  00 69 6d 72 01 03 00 00 00 01 09 01 05 72 30 30  |.imr.........r00|\n",
            bytes.len(),
            bytes.len() - 9
        )),
        "{text}"
    );
    assert!(
        text.ends_with(&format!("... {} more bytes\n", bytes.len() - 16)),
        "{text}"
    );
    let text = render(br#"{"b":1,"a":[2]}"#, 16);
    assert_eq!(
        text,
        "JSON state: 15 bytes\n{\n  \"a\": [\n    2\n  ],\n  \"b\": 1\n}\n"
    );
    assert!(matches!(
        summarize(b"\x01\x02"),
        StateSummary::Unrecognized { size: 2 }
    ));
    let mut unknown = bytes.clone();
    unknown[4] = 9;
    assert!(summarize(&unknown)
        .to_string()
        .starts_with("binary state: format 0x09 (unknown format), version 3"));
}

proptest! {
    /// Any value round-trips bit for bit, and encoding is a function of the value.
    #[test]
    fn round_trip_is_bit_exact(
        last in proptest::option::of(any::<u64>()),
        entries in proptest::collection::btree_map(
            "[a-z0-9]{0,6}",
            (any::<u64>(), proptest::collection::btree_map(any::<u16>(), proptest::collection::vec(any::<u64>(), 0..6), 0..5)),
            0..8,
        ),
    ) {
        let value = Tracked {
            last_epoch: last,
            pending: entries
                .into_iter()
                .map(|(k, (p, subs))| {
                    let subs = subs
                        .into_iter()
                        .map(|(u, xs)| (u, xs.into_iter().map(f64::from_bits).collect()))
                        .collect();
                    (k, Pending { base_price: f64::from_bits(p), subs })
                })
                .collect(),
        };
        let bytes = save(&value).expect("save");
        let back: Tracked = load(&bytes).expect("load");
        prop_assert_eq!(save(&back).expect("re-save"), bytes);
        prop_assert_eq!(back.last_epoch, value.last_epoch);
        for (k, p) in &value.pending {
            let q = &back.pending[k];
            prop_assert_eq!(q.base_price.to_bits(), p.base_price.to_bits());
            for (u, xs) in &p.subs {
                let ys: Vec<u64> = q.subs[u].iter().map(|y| y.to_bits()).collect();
                let xs: Vec<u64> = xs.iter().map(|x| x.to_bits()).collect();
                prop_assert_eq!(ys, xs);
            }
        }
    }

    /// Arbitrary bytes after a valid header never panic: they decode or give an error.
    #[test]
    fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut bytes = MAGIC.to_vec();
        bytes.push(1);
        bytes.extend_from_slice(&3u32.to_le_bytes());
        bytes.extend_from_slice(&body);
        let _ = load::<Tracked>(&bytes);
        let _ = render(&bytes, 64);
    }
}

/// A state with columns, as the time-series example keeps its forecasts.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct Columns {
    uids: Vec<u16>,
    points: F64Column,
}

impl MechanismState for Columns {
    const VERSION: u32 = 1;
}

#[test]
fn an_f64_column_is_one_byte_string_of_le_bits() {
    let value = Columns {
        uids: vec![1, 300],
        points: F64Column::from(vec![-0.0, f64::from_bits(0x7ff8_0000_0000_0001), 0.1]),
    };
    let bytes = save(&value).expect("save");
    let mut expected = vec![0x00, 0x69, 0x6d, 0x72, 0x01, 0x01, 0x00, 0x00, 0x00];
    expected.extend_from_slice(&[0x02, 0x01, 0xac, 0x02]); // uids: length 2, 1, 300 (varint)
    expected.push(24); // points: byte length 24, then each value's bits little-endian
    for x in value.points.iter() {
        expected.extend_from_slice(&x.to_bits().to_le_bytes());
    }
    assert_eq!(bytes, expected);
    let back: Columns = load(&bytes).expect("load");
    let bits = |c: &F64Column| c.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&back.points), bits(&value.points));
    // JSON: a plain array (NaN has no JSON form: serde_json writes null).
    let json = serde_json::to_string(&F64Column::from(vec![0.5, -2.0])).expect("json");
    assert_eq!(json, "[0.5,-2.0]");
    let from_json: F64Column = serde_json::from_str(&json).expect("from json");
    assert_eq!(from_json.into_inner(), vec![0.5, -2.0]);
}

#[test]
fn a_column_whose_length_is_not_a_multiple_of_8_names_the_field() {
    let value = Columns {
        uids: vec![],
        points: F64Column::from(vec![1.0]),
    };
    let mut bytes = save(&value).expect("save");
    // Claim 7 bytes and drop the last one.
    let at = HEADER_LEN + 1;
    assert_eq!(bytes[at], 8);
    bytes[at] = 7;
    bytes.pop();
    let msg = message(load::<Columns>(&bytes).expect_err("odd length"));
    // Postcard keeps no text for a type's own error: the field is what the message can name.
    assert!(msg.starts_with("state.points: "), "{msg}");
}

proptest! {
    /// Any column round-trips bit for bit, in the binary format and (finite values) in JSON.
    #[test]
    fn columns_round_trip_bit_exact(bits in proptest::collection::vec(any::<u64>(), 0..300)) {
        let value = Columns {
            uids: (0..bits.len() as u16).collect(),
            points: F64Column::from(bits.iter().map(|&b| f64::from_bits(b)).collect::<Vec<_>>()),
        };
        let bytes = save(&value).expect("save");
        let back: Columns = load(&bytes).expect("load");
        let got: Vec<u64> = back.points.iter().map(|x| x.to_bits()).collect();
        prop_assert_eq!(&got, &bits);
        prop_assert_eq!(save(&back).expect("re-save"), bytes);
        let finite: Vec<f64> = value.points.iter().copied().filter(|x| x.is_finite()).collect();
        let json = serde_json::to_vec(&F64Column::from(finite.clone())).expect("json");
        let back: F64Column = serde_json::from_slice(&json).expect("from json");
        let (a, b): (Vec<u64>, Vec<u64>) = (
            back.iter().map(|x| x.to_bits()).collect(),
            finite.iter().map(|x| x.to_bits()).collect(),
        );
        prop_assert_eq!(a, b);
    }
}
