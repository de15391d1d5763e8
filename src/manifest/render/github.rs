//! GitHub Actions workflow commands, so a pull request shows each finding
//! on the line it is about:
//! `::error file=m.yaml,line=12,col=5,title=manifest::unknown-key::message`.

use std::fmt::Write;

use super::{is_unsafe, position};
use crate::manifest::diagnostic::{Diagnostic, Severity};
use crate::manifest::source::SourceMap;

/// One `::error`/`::warning` line per finding; help and notes follow the
/// message on their own lines (escaped as `%0A`, as GitHub requires).
pub fn render_github(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for diag in diags {
        let command = match diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut properties = Vec::new();
        if let Some(loc) = &diag.location {
            properties.push(format!("file={}", property(&loc.file)));
        }
        if let Some((start, _)) = position(diag, sources) {
            properties.push(format!("line={}", start.line));
            properties.push(format!("col={}", start.column));
        }
        properties.push(format!("title={}", property(diag.code.as_str())));
        let mut message = diag.message.clone();
        if let Some(help) = &diag.help {
            let _ = write!(message, "\nhelp: {help}");
        }
        for note in &diag.notes {
            let _ = write!(message, "\nnote: {note}");
        }
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            data(&message)
        );
    }
    out
}

/// Escapes a message the way the Actions runner expects: `%`, CR and LF
/// become `%25`, `%0D` and `%0A` (the runner turns them back), so a value
/// from a manifest can never end the line and start a command of its own.
/// Other control characters (escape sequences, NUL, NEL, line and paragraph
/// separators) and bidi overrides and isolates (U+202E, which makes a log
/// line read backwards) are percent-encoded the same way, byte by byte
/// (`%1B`, `%E2%80%AE`): the runner leaves those codes as they are, so they
/// show in the annotation instead of reaching the log raw. A real `%` is
/// always `%25`, so the codes cannot be confused with text.
fn data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if is_unsafe(c) || matches!(c, '\u{2028}' | '\u{2029}') => {
                let mut buf = [0; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "%{byte:02X}");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value (`file=`, `title=`), which also must not hold
/// `:` or `,`: they would end the property or the property list.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Colons, commas, percent signs and newlines cannot break the command syntax.
    #[test]
    fn escapes_command_syntax() {
        assert_eq!(property("a:b,c%d"), "a%3Ab%2Cc%25d");
        assert_eq!(data("one\ntwo: 50%"), "one%0Atwo: 50%25");
    }

    /// No character of a hostile value can end the line or smuggle a raw control sequence.
    #[test]
    fn escapes_every_line_break_and_control_character() {
        assert_eq!(data("a\r\n::error::x"), "a%0D%0A::error::x");
        assert_eq!(data("%0A"), "%250A");
        assert_eq!(data("\u{1b}[31m\t\u{0}"), "%1B[31m%09%00");
        assert_eq!(data("\u{85}\u{2028}\u{2029}"), "%C2%85%E2%80%A8%E2%80%A9");
        assert_eq!(data("a\u{202e}b\u{2066}"), "a%E2%80%AEb%E2%81%A6");
        assert_eq!(
            property("x\n::warning file=a,line=1::y"),
            "x%0A%3A%3Awarning file=a%2Cline=1%3A%3Ay"
        );
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let escaped = property(&c.to_string());
            assert!(
                !escaped.contains(['\r', '\n', ':', ',']) && !escaped.chars().any(is_unsafe),
                "{c:?} -> {escaped:?}"
            );
        }
    }
}
