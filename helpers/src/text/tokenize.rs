//! The tokenizer shared by every text helper.

/// How [`tokenize`] cuts a text into words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Split {
    /// Words are the maximal runs of characters for which Rust's
    /// [`char::is_alphanumeric`] holds; everything else separates words and is dropped
    /// (so punctuation never sticks to a word).
    #[default]
    NonAlnum,
    /// Words are the maximal runs of non-whitespace characters ([`char::is_whitespace`]);
    /// punctuation stays attached.
    Whitespace,
    /// The word splitting of the PyPI `rouge` package 1.0.1 (pltrdy), for parity with
    /// it: cut the text at every `.`, drop the pieces that are exactly empty, split each
    /// piece on Unicode whitespace (Python `str.split()`, which also counts U+001C–U+001F),
    /// and concatenate the words of all pieces in order. A piece made only of whitespace
    /// yields **one empty word** (the package's quirk, kept on purpose: `"Hello. "` gives
    /// `["Hello", ""]`). This is the only mode that can produce an empty token.
    Pltrdy,
}

/// Options of [`tokenize`].
///
/// The default is `lowercase: true, split: NonAlnum, strip_articles: false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok {
    /// Lower-case each word with Rust's [`str::to_lowercase`] (full Unicode mapping; the
    /// tables are compiled into the module, so the result never depends on the host).
    pub lowercase: bool,
    /// How words are cut.
    pub split: Split,
    /// Drop the words `a`, `an`, `the` (ASCII case-insensitive), as SQuAD's answer
    /// normalization does.
    pub strip_articles: bool,
}

impl Default for Tok {
    fn default() -> Self {
        Self {
            lowercase: true,
            split: Split::NonAlnum,
            strip_articles: false,
        }
    }
}

impl Tok {
    /// The word splitting of pltrdy's `rouge` package: no lower-casing, [`Split::Pltrdy`].
    pub const fn pltrdy() -> Self {
        Self {
            lowercase: false,
            split: Split::Pltrdy,
            strip_articles: false,
        }
    }

    /// SQuAD-style normalization: lower-case, split on non-alphanumerics, drop articles.
    pub const fn squad() -> Self {
        Self {
            lowercase: true,
            split: Split::NonAlnum,
            strip_articles: true,
        }
    }
}

/// Python's `str.isspace`: Rust's `White_Space` plus the four ASCII separators
/// U+001C–U+001F (bidi class B/S), which Python counts and Rust does not.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Cuts `s` into words.
///
/// Formula: see [`Split`] for the cutting rule; then each word is lower-cased if
/// `tok.lowercase`, and dropped if `tok.strip_articles` and it is `a`, `an` or `the`.
/// Empty words are dropped, except the one quirk of [`Split::Pltrdy`].
///
/// Cost: O(len(s)) time and memory. No cap. Never panics; any Unicode input is accepted.
///
/// Edge cases: an empty or separator-only text gives no words (in `Pltrdy` mode a
/// whitespace-only text gives `[""]`, and a text of only dots gives nothing).
///
/// ```
/// use imr_helpers::{tokenize, Split, Tok};
/// assert_eq!(tokenize("The cat's mat!", &Tok::default()), ["the", "cat", "s", "mat"]);
/// assert_eq!(tokenize("The cat", &Tok::squad()), ["cat"]);
/// let ws = Tok { split: Split::Whitespace, ..Tok::default() };
/// assert_eq!(tokenize("Hi, you.", &ws), ["hi,", "you."]);
/// assert_eq!(tokenize("Pi is 3.14. ", &Tok::pltrdy()), ["Pi", "is", "3", "14", ""]);
/// ```
pub fn tokenize(s: &str, tok: &Tok) -> Vec<String> {
    let raw: Vec<&str> = match tok.split {
        Split::NonAlnum => s
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect(),
        Split::Whitespace => s.split_whitespace().collect(),
        Split::Pltrdy => {
            let mut words = Vec::new();
            for piece in s.split('.').filter(|p| !p.is_empty()) {
                let before = words.len();
                words.extend(piece.split(is_python_space).filter(|w| !w.is_empty()));
                if words.len() == before {
                    // `" ".join(piece.split()).split(" ")` on a blank piece is `[""]`.
                    words.push("");
                }
            }
            words
        }
    };
    raw.into_iter()
        .filter(|w| {
            !(tok.strip_articles
                && (w.eq_ignore_ascii_case("a")
                    || w.eq_ignore_ascii_case("an")
                    || w.eq_ignore_ascii_case("the")))
        })
        .map(|w| {
            if tok.lowercase {
                w.to_lowercase()
            } else {
                w.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_alnum_drops_punctuation_and_lowercases() {
        assert_eq!(
            tokenize("Hello, World! 3.14", &Tok::default()),
            ["hello", "world", "3", "14"]
        );
        assert!(tokenize("", &Tok::default()).is_empty());
        assert!(tokenize(" ,;!? ", &Tok::default()).is_empty());
    }

    #[test]
    fn unicode_letters_are_alphanumeric() {
        assert_eq!(
            tokenize("Café RÉSUMÉ 我喜欢", &Tok::default()),
            ["café", "résumé", "我喜欢"]
        );
    }

    #[test]
    fn pltrdy_mode_follows_the_package() {
        // Values from the rouge_n.json debug.package_words fields.
        assert_eq!(tokenize("Hello. ", &Tok::pltrdy()), ["Hello", ""]);
        assert_eq!(tokenize("   ", &Tok::pltrdy()), [""]);
        assert!(tokenize("...", &Tok::pltrdy()).is_empty());
        assert_eq!(
            tokenize("wait... what happened", &Tok::pltrdy()),
            ["wait", "what", "happened"]
        );
        assert_eq!(tokenize("a\u{a0}b c", &Tok::pltrdy()), ["a", "b", "c"]);
        assert_eq!(tokenize("a\u{1f}b", &Tok::pltrdy()), ["a", "b"]);
    }

    #[test]
    fn articles_are_stripped_case_insensitively() {
        let t = Tok {
            lowercase: false,
            ..Tok::squad()
        };
        assert_eq!(tokenize("The An a Then", &t), ["Then"]);
    }
}
