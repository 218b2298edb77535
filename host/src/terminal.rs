//! Text from untrusted sources (hotkeys, guest log lines, error messages that
//! quote input) made safe to print: control characters, including the escape
//! character that starts terminal escape sequences, are shown as `\u{1b}`
//! instead of acting on the terminal.

use std::borrow::Cow;

/// Escapes every control character (newlines included): for one-line fields
/// such as a hotkey or a guest log line.
pub fn escape_line(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Escapes every control character except newline: for multi-line messages.
pub fn escape_text(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn escape(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && !(keep_newlines && c == '\n');
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_acted_on() {
        assert_eq!(escape_line("\x1b[31mred\x07"), "\\u{1b}[31mred\\u{7}");
        assert_eq!(escape_line("a\nb"), "a\\u{a}b");
        assert_eq!(escape_text("a\nb\r"), "a\nb\\u{d}");
        assert_eq!(escape_line("\u{9b}2J"), "\\u{9b}2J");
        assert!(matches!(escape_line("plain 5F…"), Cow::Borrowed(_)));
    }
}
