//! One JSON document with every finding, for scripts and editors.

use std::fmt::Write as _;

use serde::Serialize;

use super::{is_unsafe, position};
use crate::manifest::diagnostic::{self, Diagnostic};
use crate::manifest::source::SourceMap;

#[derive(Serialize)]
struct Document<'a> {
    /// Whether validation passed (no errors; warnings allowed).
    valid: bool,
    errors: usize,
    warnings: usize,
    /// The files read, in reading order.
    files: Vec<&'a str>,
    diagnostics: Vec<Finding<'a>>,
}

#[derive(Serialize)]
struct Finding<'a> {
    severity: &'static str,
    code: &'static str,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    /// Position just past the span.
    end_line: Option<usize>,
    end_column: Option<usize>,
    label: &'a str,
    help: Option<&'a str>,
    notes: &'a [String],
}

/// Renders `{"valid", "errors", "warnings", "files", "diagnostics"}`,
/// pretty-printed, ending in a newline. Lines and columns are 1-based,
/// columns count characters. No control character or bidi override is
/// written raw: JSON escapes them (`\u202e`), so the document reads the
/// same to a parser and cannot rewrite a terminal it is printed to.
pub fn render_json(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let (errors, warnings) = diagnostic::count(diags);
    let document = Document {
        valid: errors == 0,
        errors,
        warnings,
        files: sources.files().iter().map(|f| f.name.as_str()).collect(),
        diagnostics: diags
            .iter()
            .map(|d| {
                let at = position(d, sources);
                Finding {
                    severity: d.severity.as_str(),
                    code: d.code.as_str(),
                    message: &d.message,
                    file: d.location.as_ref().map(|l| l.file.as_str()),
                    line: at.map(|(s, _)| s.line),
                    column: at.map(|(s, _)| s.column),
                    end_line: at.map(|(_, e)| e.line),
                    end_column: at.map(|(_, e)| e.column),
                    label: &d.label,
                    help: d.help.as_deref(),
                    notes: &d.notes,
                }
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&document).unwrap_or_default();
    let mut safe = escape_unsafe(&text);
    safe.push('\n');
    safe
}

/// serde_json escapes C0 controls inside strings but writes DEL, C1 and
/// bidi controls as they are. Outside strings a JSON document holds only
/// ASCII punctuation, spaces and line breaks, so every such character left
/// is inside a string, where `\uXXXX` stands for it (all of them are in
/// the Basic Multilingual Plane).
fn escape_unsafe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c != '\n' && is_unsafe(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DEL, C1 and bidi controls come out as JSON escapes that decode to
    /// the same text.
    #[test]
    fn unsafe_characters_are_escaped_and_round_trip() {
        let text = "a\u{7f}\u{9b}\u{202e}\u{2069}\u{1b}\tz";
        let json = escape_unsafe(&serde_json::to_string(text).unwrap());
        assert_eq!(json, r#""a\u007f\u009b\u202e\u2069\u001b\tz""#);
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), text);
    }
}
