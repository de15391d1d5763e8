//! Text from outside (the API's error messages and names, response
//! headers) made safe for a terminal: control characters are shown
//! escaped instead of being obeyed.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character (C0, DEL, C1: ANSI escapes, `\r`,
/// `\n`, backspace ...) and every bidirectional override written as an
/// escape (`\u{1b}`, `\r`, `\n`, `\t`), so it cannot move the cursor,
/// recolour or rewrite what the terminal shows. Other text is unchanged.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Control characters, and the bidi embeddings, overrides and isolates
/// that reorder what follows them on the line.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain text, including non-ASCII, is borrowed unchanged.
    #[test]
    fn plain_text_is_unchanged() {
        assert!(matches!(
            escape_controls("Example Corp — Zürich"),
            Cow::Borrowed("Example Corp — Zürich")
        ));
    }

    /// ANSI escapes, carriage returns, newlines, C1 and bidi controls are escaped.
    #[test]
    fn controls_are_escaped() {
        assert_eq!(
            escape_controls("\u{1b}[31mred\u{1b}[0m"),
            "\\u{1b}[31mred\\u{1b}[0m"
        );
        assert_eq!(escape_controls("a\rb\nc\td"), "a\\rb\\nc\\td");
        assert_eq!(escape_controls("x\u{7f}\u{9b}y"), "x\\u{7f}\\u{9b}y");
        assert_eq!(escape_controls("\u{202e}cba"), "\\u{202e}cba");
        assert_eq!(escape_controls("\u{0}"), "\\u{0}");
    }
}
