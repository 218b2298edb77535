//! A small deterministic evaluator for the arithmetic one word of an SN1 answer can
//! hold (the subset of sympy's `parse_expr(word).evalf()` that SN1's math scorer meets).
//!
//! Covered: decimal numbers (`42`, `1.5`, `.5`, `1.5e3`), `+ - * / **`, parentheses,
//! unary `+`/`-`, the constants `pi` and `E`, and the functions `sqrt`, `exp`, `log`
//! (natural). Precedence follows Python/sympy: `**` is right-associative and binds
//! tighter than unary minus (`-2**2 = -4`, `2**-1 = 0.5`), then `* /` and `+ -`, both
//! left-associative. Transcendentals come from the pinned [`libm`] crate (C2).
//!
//! Refused (returns `None`, so the caller falls back to `float()` parsing as SN1 does):
//! variables and any other name (including `inf`/`nan`, which only `float()` reads here,
//! and sympy's `oo`), functions outside the list, implicit multiplication (`2pi`,
//! `2(3)`), `^`, empty input, unbalanced parentheses, and results sympy cannot turn into
//! a real float: division by zero, `0**negative`, `sqrt` of a negative, `log` of a
//! non-positive, a negative base with a non-integer exponent. Nesting deeper than 64
//! levels is refused too (no unbounded recursion).
//!
//! Difference from sympy: sympy evaluates with exact rationals and rounds once to 15
//! significant digits; here every operation rounds to `f64`, so a multi-operation
//! expression can differ in the last bits.

/// Maximum nesting of parentheses / unary operators / exponents.
const MAX_DEPTH: usize = 64;

/// Evaluates one word as described in the module docs; `None` when refused.
///
/// ```
/// use imr_helpers::eval_expr;
/// assert_eq!(eval_expr("1/2"), Some(0.5));
/// assert_eq!(eval_expr("-2**2"), Some(-4.0));
/// assert_eq!(eval_expr("x+1"), None);
/// ```
pub fn eval_expr(word: &str) -> Option<f64> {
    let mut p = Parser {
        s: word.as_bytes(),
        i: 0,
        depth: 0,
    };
    let v = p.expr()?;
    p.skip_ws();
    (p.i == p.s.len()).then_some(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn expr(&mut self) -> Option<f64> {
        let mut v = self.term()?;
        loop {
            match self.peek() {
                Some(b'+') => {
                    self.i += 1;
                    v += self.term()?;
                }
                Some(b'-') => {
                    self.i += 1;
                    v -= self.term()?;
                }
                _ => return Some(v),
            }
        }
    }

    fn term(&mut self) -> Option<f64> {
        let mut v = self.unary()?;
        loop {
            match self.peek() {
                Some(b'*') if self.s.get(self.i + 1) != Some(&b'*') => {
                    self.i += 1;
                    v *= self.unary()?;
                }
                Some(b'/') => {
                    self.i += 1;
                    let d = self.unary()?;
                    if d == 0.0 {
                        return None;
                    }
                    v /= d;
                }
                _ => return Some(v),
            }
        }
    }

    fn unary(&mut self) -> Option<f64> {
        self.enter()?;
        let r = match self.peek() {
            Some(b'-') => {
                self.i += 1;
                self.unary().map(|x| -x)
            }
            Some(b'+') => {
                self.i += 1;
                self.unary()
            }
            _ => self.power(),
        };
        self.depth -= 1;
        r
    }

    fn power(&mut self) -> Option<f64> {
        let base = self.atom()?;
        if self.peek() == Some(b'*') && self.s.get(self.i + 1) == Some(&b'*') {
            self.i += 2;
            let e = self.unary()?; // right-associative; the exponent may be signed
            return pow(base, e);
        }
        Some(base)
    }

    fn atom(&mut self) -> Option<f64> {
        match self.peek()? {
            b'(' => {
                self.i += 1;
                self.enter()?;
                let v = self.expr();
                self.depth -= 1;
                let v = v?;
                (self.peek() == Some(b')')).then(|| self.i += 1)?;
                Some(v)
            }
            c if c.is_ascii_digit() || c == b'.' => self.number(),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let st = self.i;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
                {
                    self.i += 1;
                }
                let name = core::str::from_utf8(&self.s[st..self.i]).ok()?;
                match name {
                    "pi" => Some(core::f64::consts::PI),
                    "E" => Some(core::f64::consts::E),
                    "sqrt" | "exp" | "log" => {
                        if self.peek() != Some(b'(') {
                            return None;
                        }
                        let x = self.atom()?;
                        match name {
                            "sqrt" => (x >= 0.0).then(|| libm::sqrt(x)),
                            "exp" => Some(libm::exp(x)),
                            _ => (x > 0.0).then(|| libm::log(x)),
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn number(&mut self) -> Option<f64> {
        let st = self.i;
        let s = self.s;
        let digits = |i: &mut usize| {
            let b = *i;
            while *i < s.len() && s[*i].is_ascii_digit() {
                *i += 1;
            }
            *i - b
        };
        let mut n = digits(&mut self.i);
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            n += digits(&mut self.i);
        }
        if n == 0 {
            return None;
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            let save = self.i;
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(&mut self.i) == 0 {
                self.i = save; // `2E` is implicit multiplication: refused by the caller
            }
        }
        core::str::from_utf8(&self.s[st..self.i]).ok()?.parse().ok()
    }
}

/// `base ** e` with sympy's refusals for non-real results.
fn pow(base: f64, e: f64) -> Option<f64> {
    if base == 0.0 && e < 0.0 {
        return None; // zoo
    }
    if base < 0.0 && e.fract() != 0.0 && e.is_finite() {
        return None; // complex
    }
    Some(libm::pow(base, e))
}
