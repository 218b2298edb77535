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

/// `10^n` for the digit counts of one 8-byte chunk.
const POW10_U64: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// How many of the 8 bytes of `chunk` (little-endian: the first byte lowest) are ASCII digits before the first
/// that is not. A byte is a digit when neither `byte - 0x30` borrows nor `byte + 0x46` reaches 0x80; a borrow or
/// carry only moves to later bytes, so the first non-digit is found exactly.
fn leading_digits(chunk: u64) -> usize {
    let below = chunk.wrapping_sub(0x3030_3030_3030_3030);
    let above = chunk.wrapping_add(0x4646_4646_4646_4646);
    ((below | above) & 0x8080_8080_8080_8080).trailing_zeros() as usize / 8
}

/// The value of the 8 ASCII digits of `chunk`, first byte most significant (zero bytes count as leading zeros):
/// pairs, then quadruples, then the eight, each step one multiplication.
fn eight_digits(chunk: u64) -> u64 {
    let v = (chunk & 0x0f0f_0f0f_0f0f_0f0f).wrapping_mul(2561) >> 8;
    let v = (v & 0x00ff_00ff_00ff_00ff).wrapping_mul(6_553_601) >> 16;
    (v & 0x0000_ffff_0000_ffff).wrapping_mul(42_949_672_960_001) >> 32
}

/// Reads the ASCII digits at `b[i..]` eight bytes at a time: where they end, and `m·10^count + digits` (wrapping,
/// exact while the total stays below 2^64), as a digit-by-digit loop would compute.
fn take_digits(b: &[u8], mut i: usize, mut m: u64) -> (usize, u64) {
    loop {
        match b.get(i..i + 8).and_then(|c| <[u8; 8]>::try_from(c).ok()) {
            Some(chunk) => {
                let c = u64::from_le_bytes(chunk);
                let n = leading_digits(c);
                if n == 0 {
                    return (i, m);
                }
                // The `n` digits move to the top bytes; the bytes shifted in are zeros (leading zeros).
                m = m
                    .wrapping_mul(POW10_U64[n])
                    .wrapping_add(eight_digits(c << (8 * (8 - n))));
                i += n;
                if n < 8 {
                    return (i, m);
                }
            }
            None => {
                while let Some(&d @ b'0'..=b'9') = b.get(i) {
                    m = m.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                    i += 1;
                }
                return (i, m);
            }
        }
    }
}

/// The low `n` bytes of a word set (`n` ≤ 7).
fn c_mask(n: usize) -> u64 {
    (1u64 << (8 * n)) - 1
}

/// The fields of a [`Submission`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    RequestId,
    Points,
    Intervals,
    Error,
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline(always)]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    #[inline(always)]
    fn literal(&mut self, lit: &[u8]) -> Option<()> {
        // The first byte decides in the usual case (no `memcmp` call).
        (self.peek()? == lit[0] && self.b[self.i..].starts_with(lit)).then(|| self.i += lit.len())
    }

    /// One of the submission's keys, with its quotes and the colon after it; the cursor moves past the colon.
    /// `None` for any other bytes (another key, whitespace, an escape), as reading the key string and the colon
    /// and matching the four names would give. The bytes are compared as two overlapping 8-byte words each
    /// (every key is 8 to 13 bytes with its quotes and colon): no `memcmp` call.
    #[inline(always)]
    fn key(&mut self) -> Option<Key> {
        let rest = &self.b[self.i..];
        let (key, lit): (Key, &[u8]) = match rest.get(1)? {
            b'r' => (Key::RequestId, b"\"request_id\":"),
            b'p' => (Key::Points, b"\"points\":"),
            b'i' => (Key::Intervals, b"\"intervals\":"),
            b'e' => (Key::Error, b"\"error\":"),
            _ => return None,
        };
        let word = |s: &[u8], at: usize| {
            s.get(at..at + 8)
                .and_then(|w| <[u8; 8]>::try_from(w).ok())
                .map(u64::from_le_bytes)
        };
        let n = lit.len();
        let same = word(rest, 0)? == word(lit, 0)? && word(rest, n - 8)? == word(lit, n - 8)?;
        same.then(|| {
            self.i += n;
            key
        })
    }

    /// The bytes of a string without escapes or control characters (not checked to be UTF-8).
    #[inline(always)]
    fn string_bytes(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => self.i += 1,
            }
        }
        self.i += 1;
        Some(&self.b[start..self.i - 1])
    }

    /// A string without escapes or control characters.
    #[inline(always)]
    fn string(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.string_bytes()?).ok()
    }

    /// A JSON number, correctly rounded; `None` for a malformed or non-finite one: [`short_decimal`] for the
    /// usual short forms, else [`any_number`]. Inlined with the readers below, so that the cursor stays in a
    /// register (in Wasm a reader whose address is taken lives in linear memory).
    #[inline(always)]
    fn number(&mut self) -> Option<f64> {
        let (x, end) = match short_decimal(self.b, self.i) {
            Some(read) => read,
            None => any_number(self.b, self.i)?,
        };
        self.i = end;
        Some(x)
    }
}

/// A number of the form `digits` or `digits.digits` without sign or exponent whose text fits in the 8 bytes at
/// `b[i..]` (prices such as `29087.69`), read from that one word: the digits on either side of the `.` are joined
/// in the word and converted at once. The value and where the number ends; `None` for anything else, which
/// [`any_number`] reads or refuses. The value is [`any_number`]'s: an integer below 10^7 divided by the exact
/// `10^frac` (one correctly rounded division), or the integer itself.
#[inline(always)]
fn short_decimal(b: &[u8], i: usize) -> Option<(f64, usize)> {
    let word = b.get(i..i + 8)?;
    let c = u64::from_le_bytes(<[u8; 8]>::try_from(word).ok()?);
    let int = leading_digits(c);
    // No digit, or digits to the end of the word; a leading zero before another digit is not JSON.
    if int == 0 || int == 8 || (c & 0xff == u64::from(b'0') && int > 1) {
        return None;
    }
    let after = (c >> (8 * int)) as u8;
    let (digits, count, frac, end) = if after == b'.' {
        if int == 7 {
            return None;
        }
        // The bytes after the `.` (zeros shifted in at the top are not digits).
        let rest = c >> (8 * (int + 1));
        let frac = leading_digits(rest);
        if frac == 0 {
            return None;
        }
        (
            (c & c_mask(int)) | ((rest & c_mask(frac)) << (8 * int)),
            int + frac,
            frac,
            int + 1 + frac,
        )
    } else {
        (c & c_mask(int), int, 0, int)
    };
    // The byte after the number: in the word, or the next one. More digits or an exponent: not short.
    let next = if end < 8 {
        (c >> (8 * end)) as u8
    } else {
        b.get(i + 8).copied().unwrap_or(b' ')
    };
    if next.is_ascii_digit() || next == b'e' || next == b'E' {
        return None;
    }
    // `m` < 10^7 is exact as a double (converted as a signed integer: one instruction), and so is 10^frac
    // (frac ≤ 6): one rounding, as in `any_number`'s fast path.
    let m = eight_digits(digits << (8 * (8 - count))) as i64 as f64;
    let x = if frac == 0 { m } else { m / POW10[frac & 7] };
    Some((x, i + end))
}

/// Any JSON number at `b[start..]`, correctly rounded, and where it ends; `None` for a malformed or non-finite
/// one. One pass over the digits: the significand is accumulated as it is read (exact while there are at most
/// 19 digits, which is when it is used).
#[inline(never)]
fn any_number(b: &[u8], start: usize) -> Option<(f64, usize)> {
    let mut i = start;
    let negative = b.get(i) == Some(&b'-');
    if negative {
        i += 1;
    }
    let mut m: u64 = 0;
    let mut digits = match b.get(i) {
        Some(b'0') => {
            i += 1;
            1
        }
        Some(b'1'..=b'9') => {
            let int_start = i;
            (i, m) = take_digits(b, i, 0);
            i - int_start
        }
        _ => return None,
    };
    let mut frac = 0usize;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        (i, m) = take_digits(b, i, m);
        frac = i - frac_start;
        if frac == 0 {
            return None;
        }
    }
    digits += frac;
    let mut exp: i64 = 0;
    // More than 6 exponent digits: far outside what the fast path takes, `from_str` decides.
    let mut exp_far = false;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        let exp_negative = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let es = i;
        while let Some(&d @ b'0'..=b'9') = b.get(i) {
            if i - es < 6 {
                exp = exp * 10 + i64::from(d - b'0');
            }
            i += 1;
        }
        match i - es {
            0 => return None,
            1..=6 if exp_negative => exp = -exp,
            1..=6 => {}
            _ => exp_far = true,
        }
    }
    let e10 = exp - frac as i64;
    let value = if digits <= 19 && !exp_far && m <= 1 << 53 && (-22..=22).contains(&e10) {
        let x = m as f64;
        let x = if e10 < 0 {
            x / POW10[(-e10) as usize]
        } else {
            x * POW10[e10 as usize]
        };
        if negative {
            -x
        } else {
            x
        }
    } else {
        std::str::from_utf8(&b[start..i])
            .ok()?
            .parse::<f64>()
            .ok()?
    };
    value.is_finite().then_some((value, i))
}

impl Reader<'_> {
    /// `[n, n, ...]` into `out`.
    #[inline(always)]
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

    /// One interval `[n, n, ...]`: how many numbers it has, and the first two.
    #[inline(always)]
    fn interval(&mut self) -> Option<(usize, [f64; 2])> {
        // The usual `[lo,hi]` of two short decimals, read as the loop below would read it.
        let b = self.b;
        if let Some((lo, comma)) =
            short_decimal(b, self.i + 1).filter(|_| b.get(self.i) == Some(&b'['))
        {
            if let Some((hi, close)) =
                short_decimal(b, comma + 1).filter(|_| b.get(comma) == Some(&b','))
            {
                if b.get(close) == Some(&b']') {
                    self.i = close + 1;
                    return Some((2, [lo, hi]));
                }
            }
        }
        self.eat(b'[')?;
        let mut pair = [0.0; 2];
        if self.eat(b']').is_some() {
            return Some((0, pair));
        }
        let mut n = 0;
        loop {
            let x = self.number()?;
            if let Some(slot) = pair.get_mut(n) {
                *slot = x;
            }
            n += 1;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some((n, pair));
                }
                _ => return None,
            }
        }
    }

    /// `[[lo, hi], ...]` into `out` (cleared first).
    #[inline(always)]
    fn intervals(&mut self, out: &mut Intervals) -> Option<()> {
        out.pairs.clear();
        out.count = 0;
        out.first_malformed = None;
        self.eat(b'[')?;
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            let (n, pair) = self.interval()?;
            if out.first_malformed.is_none() {
                match n {
                    2 => out.pairs.push(pair),
                    _ => out.first_malformed = Some((out.count, n)),
                }
            }
            out.count += 1;
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
}

/// Reads a payload in the usual form (see the module documentation); `None` when it is not, and serde_json must
/// decide.
pub fn parse(payload: &[u8]) -> Option<Submission> {
    let mut sub = Submission {
        request_id: String::new(),
        points: None,
        intervals: None,
        error: None,
    };
    parse_into(payload, &mut sub).then_some(sub)
}

/// [`parse`] into `sub`, reusing its buffers (one payload after the other without allocating): `true` when the
/// payload is in the usual form and `sub` now holds it; on `false` `sub` holds a partial read and serde_json must
/// decide.
pub fn parse_into(payload: &[u8], sub: &mut Submission) -> bool {
    read_into(payload, sub).is_some()
}

fn read_into(payload: &[u8], sub: &mut Submission) -> Option<()> {
    let mut r = Reader { b: payload, i: 0 };
    // Take the buffers out of `sub` (kept when the field is present, so the next payload reuses them).
    let mut points_buf = sub.points.take().unwrap_or_default();
    let mut intervals_buf = sub.intervals.take().unwrap_or_default();
    // `request_id` is replaced when the key is read (and checked to be present at the end).
    sub.error = None;
    r.eat(b'{')?;
    let (mut seen_id, mut seen_points, mut seen_intervals, mut seen_error) =
        (false, false, false, false);
    if r.eat(b'}').is_none() {
        loop {
            let key = r.key()?;
            let null = r.literal(b"null").is_some();
            match key {
                Key::RequestId if !seen_id && !null => {
                    seen_id = true;
                    // Most payloads answer the request the previous one answered: keep the copy then.
                    let id = r.string()?;
                    if !crate::state::same_bytes(sub.request_id.as_bytes(), id.as_bytes()) {
                        sub.request_id.clear();
                        sub.request_id.push_str(id);
                    }
                }
                Key::Points if !seen_points => {
                    seen_points = true;
                    if !null {
                        points_buf.clear();
                        r.numbers(&mut points_buf)?;
                        sub.points = Some(std::mem::take(&mut points_buf));
                    }
                }
                Key::Intervals if !seen_intervals => {
                    seen_intervals = true;
                    if !null {
                        r.intervals(&mut intervals_buf)?;
                        sub.intervals = Some(std::mem::take(&mut intervals_buf));
                    }
                }
                Key::Error if !seen_error => {
                    seen_error = true;
                    if !null {
                        sub.error = Some(r.string()?.to_string());
                    }
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
    (r.i == payload.len() && seen_id).then_some(())
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

    /// The digit-by-digit loop [`take_digits`] replaces.
    fn digits_one_by_one(b: &[u8], mut i: usize, mut m: u64) -> (usize, u64) {
        while let Some(&d @ b'0'..=b'9') = b.get(i) {
            m = m.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            i += 1;
        }
        (i, m)
    }

    #[test]
    fn eight_digits_at_a_time_equals_one_by_one() {
        // Every byte value at every position of a chunk, from two starting points.
        for pos in 0..16 {
            for v in 0..=255u8 {
                let mut buf = *b"12345678901234567890";
                buf[pos] = v;
                for (start, m) in [(0, 7), (3, 0), (12, 5)] {
                    assert_eq!(
                        take_digits(&buf, start, m),
                        digits_one_by_one(&buf, start, m),
                        "{pos} {v}"
                    );
                }
            }
        }
        // Random short buffers of digits, separators and arbitrary bytes, at every start.
        let mut rng = imr_guest::Rng::from_seed(&[5; 32]);
        let alphabet = b"0123456789012345678901234567890123456789.,]e-/:";
        for _ in 0..20_000 {
            let len = (rng.next_u64() % 40) as usize;
            let buf: Vec<u8> = (0..len)
                .map(|_| {
                    let r = rng.next_u64();
                    if r.is_multiple_of(5) {
                        (r >> 8) as u8
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            for start in 0..=len {
                let m = rng.next_u64() % 3;
                assert_eq!(
                    take_digits(&buf, start, m),
                    digits_one_by_one(&buf, start, m),
                    "{buf:?} {start}"
                );
            }
        }
        // Wrapping past 2^64 (more than 19 digits) as the loop does.
        let long = b"99999999999999999999999999999999";
        assert_eq!(take_digits(long, 0, 0), digits_one_by_one(long, 0, 0));
    }

    #[test]
    fn reading_into_a_reused_submission_equals_a_fresh_read() {
        let payloads = [
            r#"{"intervals":[[1,2],[3,4]],"points":[1,2],"request_id":"r1"}"#,
            r#"{"request_id":"r2"}"#,
            r#"{"error":"x","points":[5],"request_id":"r3"}"#,
            r#"{"intervals":[[1],[1,2,3]],"request_id":"r4"}"#,
            r#"{"request_id":"r5","bogus":1}"#,
            r#"{"points":[7,8,9],"intervals":null,"request_id":"r6"}"#,
        ];
        let mut scratch = parse(payloads[0].as_bytes()).expect("usual form");
        for p in payloads {
            let fresh = parse(p.as_bytes());
            let ok = parse_into(p.as_bytes(), &mut scratch);
            assert_eq!(ok, fresh.is_some(), "{p}");
            if let Some(fresh) = fresh {
                assert_eq!(scratch, fresh, "{p}");
            }
        }
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

    /// The one-word reader of short decimals gives what the general number reader gives: the same value bits
    /// and the same cursor, or it declines and the general reader decides.
    #[test]
    fn short_decimals_equal_the_general_reader() {
        let mut rng = imr_guest::Rng::from_seed(&[4; 32]);
        let tails: [&[u8]; 9] = [
            b"",
            b",",
            b"]",
            b"]]",
            b"e5",
            b"E-2",
            b"7",
            b".5",
            b",1,2,3,4,5",
        ];
        let mut short = 0;
        for _ in 0..60_000 {
            let digits = 1 + (rng.next_u64() % 10) as usize;
            let mut text: Vec<u8> = (0..digits)
                .map(|_| b'0' + (rng.next_u64() % 10) as u8)
                .collect();
            match rng.next_u64() % 4 {
                0 => {}
                1 => text.insert(0, b'-'),
                _ => {
                    let at = (rng.next_u64() % (digits as u64 + 1)) as usize;
                    text.insert(at, b'.');
                }
            }
            text.extend_from_slice(tails[(rng.next_u64() % tails.len() as u64) as usize]);
            let general = any_number(&text, 0).map(|(x, end)| (x.to_bits(), end));
            let fast = short_decimal(&text, 0).map(|(x, end)| (x.to_bits(), end));
            if fast.is_some() {
                short += 1;
                assert_eq!(fast, general, "{}", String::from_utf8_lossy(&text));
            } else {
                let mut r = Reader { b: &text, i: 0 };
                let via_number = r.number().map(|x| (x.to_bits(), r.i));
                assert_eq!(via_number, general, "{}", String::from_utf8_lossy(&text));
            }
        }
        assert!(short > 4_000, "{short}");
    }

    /// Payloads with one byte changed, dropped or repeated: where the fast reader answers, serde_json agrees
    /// (keys that are not exactly one of the four, and broken numbers, go to serde).
    #[test]
    fn damaged_payloads_are_left_to_serde_or_read_alike() {
        let base = br#"{"error":null,"intervals":[[27412.97,30762.41],[1e2,2.5]],"points":[29087.69,0.5,12],"request_id":"r0007"}"#;
        let alphabet = b"0123456789.,:[]{}\"eE-+ nulrqstipod_";
        let mut rng = imr_guest::Rng::from_seed(&[6; 32]);
        let mut fast = 0;
        for _ in 0..30_000 {
            let mut p = base.to_vec();
            for _ in 0..1 + rng.next_u64() % 2 {
                let at = (rng.next_u64() % p.len() as u64) as usize;
                let c = alphabet[(rng.next_u64() % alphabet.len() as u64) as usize];
                match rng.next_u64() % 3 {
                    0 => p[at] = c,
                    1 => {
                        p.remove(at);
                    }
                    _ => p.insert(at, c),
                }
            }
            let Ok(text) = std::str::from_utf8(&p) else {
                continue;
            };
            fast += usize::from(parse(&p).is_some());
            agree(text);
        }
        assert!(fast > 1_000, "{fast}");
        for p in [
            r#"{"request_ie":"r"}"#,
            r#"{"request_id" :"r"}"#,
            r#"{"pointsx":[1],"request_id":"r"}"#,
            r#"{"point":[1],"request_id":"r"}"#,
            r#"{"errors":null,"request_id":"r"}"#,
            r#"{"intervals ":[],"request_id":"r"}"#,
            r#"{"request_id":"r","poi"#,
            r#"{"request_id":"r","r"#,
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
