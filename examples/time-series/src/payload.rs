//! A fast reader for submission payloads in their usual form, beside serde_json.
//!
//! At 4096 miners an epoch holds 4096 payloads of about twenty numbers each, and reading them through serde's
//! generic machinery was the largest part of the epoch in Wasm. [`parse`] reads a payload that is a plain JSON
//! object with the [`Submission`] fields (`error`, `intervals`, `points`, `request_id`, each at most once, in any
//! order, no whitespace, strings without escapes) in one pass. Anything else (whitespace, escapes, unknown or
//! repeated fields, wrong types, numbers out of range, trailing bytes) gives `None`, and the caller decodes the
//! payload with serde_json as before, which accepts or refuses it with its own message.
//!
//! Numbers follow JSON's grammar and are rounded correctly to the nearest `f64`, as serde_json does with its
//! `float_roundtrip` feature (the workspace's setting): a decimal with at most 19 significant digits and a power
//! of ten within ±22 is exact arithmetic (the significand and the power are exact doubles, and one IEEE division or
//! multiplication rounds once: Clinger's fast path); any other number goes through `core`'s `f64::from_str`,
//! which is correctly rounded too. Correct rounding has one answer, so both readers give the same bits; tests
//! compare them on generated payloads.

use crate::input::{Intervals, Submission};

/// Exact powers of ten as doubles (10^22 is the largest that is exact).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    fn literal(&mut self, lit: &[u8]) -> Option<()> {
        self.b[self.i..]
            .starts_with(lit)
            .then(|| self.i += lit.len())
    }

    /// A string without escapes or control characters.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => self.i += 1,
            }
        }
        let s = std::str::from_utf8(&self.b[start..self.i]).ok()?;
        self.i += 1;
        Some(s)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    /// A JSON number, correctly rounded; `None` for a malformed or non-finite one.
    fn number(&mut self) -> Option<f64> {
        let start = self.i;
        let negative = self.eat(b'-').is_some();
        let int_start = self.i;
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        let int_end = self.i;
        let (mut frac_start, mut frac_end) = (self.i, self.i);
        if self.eat(b'.').is_some() {
            frac_start = self.i;
            if self.digits() == 0 {
                return None;
            }
            frac_end = self.i;
        }
        let mut exp: i64 = 0;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            let exp_negative = match self.peek()? {
                b'-' => {
                    self.i += 1;
                    true
                }
                b'+' => {
                    self.i += 1;
                    false
                }
                _ => false,
            };
            let es = self.i;
            let n = self.digits();
            if n == 0 {
                return None;
            }
            if n > 6 {
                // Far outside what the fast path takes: let `from_str` decide.
                exp = i64::MAX;
            } else {
                let v: i64 = self.b[es..self.i]
                    .iter()
                    .fold(0, |a, &d| a * 10 + i64::from(d - b'0'));
                exp = if exp_negative { -v } else { v };
            }
        }
        let digits = (int_end - int_start) + (frac_end - frac_start);
        let value = if digits <= 19 && exp != i64::MAX {
            let mut m: u64 = 0;
            for &d in self.b[int_start..int_end]
                .iter()
                .chain(&self.b[frac_start..frac_end])
            {
                m = m * 10 + u64::from(d - b'0');
            }
            let e10 = exp - (frac_end - frac_start) as i64;
            if m <= 1 << 53 && (-22..=22).contains(&e10) {
                let x = m as f64;
                let x = if e10 < 0 {
                    x / POW10[(-e10) as usize]
                } else {
                    x * POW10[e10 as usize]
                };
                Some(if negative { -x } else { x })
            } else {
                None
            }
        } else {
            None
        };
        let value = match value {
            Some(v) => v,
            None => std::str::from_utf8(&self.b[start..self.i])
                .ok()?
                .parse::<f64>()
                .ok()?,
        };
        value.is_finite().then_some(value)
    }

    /// `[n, n, ...]` into `out`.
    fn numbers(&mut self, out: &mut Vec<f64>) -> Option<()> {
        self.eat(b'[')?;
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            out.push(self.number()?);
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn intervals(&mut self) -> Option<Intervals> {
        self.eat(b'[')?;
        let mut out = Intervals::default();
        if self.eat(b']').is_some() {
            return Some(out);
        }
        let mut one = Vec::with_capacity(2);
        loop {
            one.clear();
            self.numbers(&mut one)?;
            if out.first_malformed.is_none() {
                match one[..] {
                    [lo, hi] => out.pairs.push([lo, hi]),
                    _ => out.first_malformed = Some((out.count, one.len())),
                }
            }
            out.count += 1;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }
}

/// Reads a payload in the usual form (see the module documentation); `None` when it is not, and serde_json must
/// decide.
pub fn parse(payload: &[u8]) -> Option<Submission> {
    let mut r = Reader { b: payload, i: 0 };
    r.eat(b'{')?;
    let (mut request_id, mut points, mut intervals, mut error) = (None, None, None, None);
    if r.eat(b'}').is_none() {
        loop {
            let key = r.string()?;
            r.eat(b':')?;
            let null = r.literal(b"null").is_some();
            match key {
                "request_id" if request_id.is_none() && !null => {
                    request_id = Some(r.string()?.to_string());
                }
                "points" if points.is_none() => {
                    points = Some(if null {
                        None
                    } else {
                        let mut v = Vec::with_capacity(crate::input::MAX_HORIZON.min(8));
                        r.numbers(&mut v)?;
                        Some(v)
                    });
                }
                "intervals" if intervals.is_none() => {
                    intervals = Some(if null { None } else { Some(r.intervals()?) });
                }
                "error" if error.is_none() => {
                    error = Some(if null {
                        None
                    } else {
                        Some(r.string()?.to_string())
                    });
                }
                _ => return None,
            }
            match r.peek()? {
                b',' => r.i += 1,
                b'}' => {
                    r.i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    if r.i != payload.len() {
        return None;
    }
    Some(Submission {
        request_id: request_id?,
        points: points.flatten(),
        intervals: intervals.flatten(),
        error: error.flatten(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde(payload: &str) -> Option<Submission> {
        serde_json::from_str(payload).ok()
    }

    /// Where the fast reader answers, it answers what serde_json answers, bit for bit.
    fn agree(payload: &str) {
        if let Some(fast) = parse(payload.as_bytes()) {
            let slow = serde(payload).unwrap_or_else(|| panic!("serde refused {payload}"));
            let bits = |v: &Option<Vec<f64>>| {
                v.as_ref()
                    .map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
            };
            assert_eq!(bits(&fast.points), bits(&slow.points), "{payload}");
            let pairs = |v: &Option<Intervals>| {
                v.as_ref().map(|iv| {
                    (
                        iv.pairs
                            .iter()
                            .map(|[a, b]| (a.to_bits(), b.to_bits()))
                            .collect::<Vec<_>>(),
                        iv.count,
                        iv.first_malformed,
                    )
                })
            };
            assert_eq!(pairs(&fast.intervals), pairs(&slow.intervals), "{payload}");
            assert_eq!(fast.request_id, slow.request_id, "{payload}");
            assert_eq!(fast.error, slow.error, "{payload}");
        }
    }

    #[test]
    fn the_usual_form_is_read_and_equals_serde() {
        let p = r#"{"intervals":[[99.5,101.25],[1e2,2E+2]],"points":[100,-0,0.1,123456789012345678901234,1e-400],"request_id":"r0007"}"#;
        let fast = parse(p.as_bytes()).expect("usual form");
        assert_eq!(fast.request_id, "r0007");
        assert_eq!(fast.points.as_ref().map(Vec::len), Some(5));
        assert_eq!(
            fast.points.as_ref().map(|v| v[1].to_bits()),
            Some((-0.0f64).to_bits())
        );
        agree(p);
        agree(r#"{"error":"schema","points":null,"request_id":"r"}"#);
        agree(r#"{"intervals":[[1],[1,2,3],[]],"request_id":"r"}"#);
        agree(r#"{"request_id":"r"}"#);
    }

    #[test]
    fn anything_unusual_is_left_to_serde() {
        for p in [
            r#"{"request_id":"r","bogus":1}"#,
            r#"{"request_id":"r","points":[1],"points":[2]}"#,
            r#"{ "request_id":"r"}"#,
            r#"{"request_id":"r\u0041"}"#,
            r#"{"request_id":null}"#,
            r#"{"points":[1]}"#,
            r#"{"request_id":"r","points":[1e400]}"#,
            r#"{"request_id":"r","points":[01]}"#,
            r#"{"request_id":"r","points":[1.]}"#,
            r#"{"request_id":"r","points":[+1]}"#,
            r#"{"request_id":"r","points":["1"]}"#,
            r#"{"request_id":"r","intervals":[1,2]}"#,
            r#"{"request_id":"r"} "#,
            r#"{"request_id":"r"}x"#,
            r#"[]"#,
            "",
        ] {
            assert!(parse(p.as_bytes()).is_none(), "{p}");
        }
    }

    /// Numbers of every shape: integers, decimals, exponents, long significands, subnormals, halfway cases.
    #[test]
    fn numbers_round_like_serde() {
        let mut rng = imr_guest::Rng::from_seed(&[3; 32]);
        let mut texts: Vec<String> = vec![
            "9007199254740993".into(),
            "9007199254740992.5".into(),
            "0.1".into(),
            "2.2250738585072011e-308".into(),
            "4.9e-324".into(),
            "1.7976931348623157e308".into(),
            "123456789.123456789e-5".into(),
            "1e22".into(),
            "1e23".into(),
            "8.98846567431158e307".into(),
            "0.000000000000000000000000000001".into(),
        ];
        for _ in 0..20_000 {
            let bits = rng.next_u64();
            let x = f64::from_bits(bits);
            if x.is_finite() {
                texts.push(format!("{x}"));
                texts.push(format!("{x:e}"));
            }
            let cents = (rng.next_u64() % 10_000_000) as f64 / 100.0;
            texts.push(format!("{cents}"));
            let m = rng.next_u64() % 100_000_000_000;
            let e = (rng.next_u64() % 60) as i64 - 30;
            texts.push(format!("{m}e{e}"));
            texts.push(format!("-{m}.{:03}E{e}", rng.next_u64() % 1000));
        }
        for t in &texts {
            let p = format!(r#"{{"points":[{t}],"request_id":"r"}}"#);
            assert!(parse(p.as_bytes()).is_some() || serde(&p).is_none(), "{p}");
            agree(&p);
        }
    }
}
