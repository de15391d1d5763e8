//! rustc-style text for people:
//!
//! ```text
//! error[manifest::unknown-key]: unknown key `nmae` in a virtual_guest entry
//!   --> manifests/examples/ci.yaml:12:5
//!    |
//! 12 |     nmae: "ci-runner-*"
//!    |     ^^^^ unknown key
//!    |
//!    = help: did you mean `name`?
//! ```
//!
//! Written by hand (no miette): the layout is a contract tested to the
//! byte, and it needs only one primary span per finding.

use std::fmt::Write;

use unicode_width::UnicodeWidthChar;

use super::is_unsafe;
use crate::manifest::diagnostic::{Diagnostic, Severity};
use crate::manifest::source::{SourceFile, SourceMap, floor_char_boundary};
use crate::terminal_text::escape_controls;

/// Source lines wider than this many columns are shown as a window
/// around the underlined value.
const MAX_LINE_COLUMNS: usize = 100;
/// Columns of context kept left of the value when a line is cut.
const LEFT_CONTEXT: usize = 30;
/// How a tab is shown: YAML forbids tabs for indentation, but they occur in
/// quoted values and comments.
const TAB: &str = "    ";

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn severity(&self, severity: Severity, text: &str) -> String {
        match severity {
            Severity::Error => self.paint("1;31", text),
            Severity::Warning => self.paint("1;33", text),
        }
    }
    fn gutter(&self, text: &str) -> String {
        self.paint("1;34", text)
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// Renders every finding, each followed by a blank line.
pub fn render_human(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    for diag in diags {
        render_one(&mut out, diag, sources, &style);
        out.push('\n');
    }
    out
}

/// One source line prepared for display.
struct Shown {
    line: usize,
    column: usize,
    text: String,
    /// Display columns before the underline, and its width.
    underline: (usize, usize),
}

fn render_one(out: &mut String, diag: &Diagnostic, sources: &SourceMap, style: &Style) {
    let header = format!("{}[{}]", diag.severity.as_str(), diag.code.as_str());
    let _ = writeln!(
        out,
        "{}{}",
        style.severity(diag.severity, &header),
        style.bold(&format!(": {}", one_line(&diag.message)))
    );
    // The first line of the span and, for a value over several lines
    // (a flow collection, a block mapping), its last line too.
    let shown: Vec<Shown> = diag
        .location
        .as_ref()
        .and_then(|loc| {
            let file = sources.get(&loc.file)?;
            let span = loc.span?;
            let first = show(file, span.start, span.end);
            let last_line = file
                .line_col(span.end.saturating_sub(1).max(span.start))
                .line;
            if last_line <= first.line {
                return Some(vec![first]);
            }
            let line = file.line_span(last_line);
            let text = &file.text[line.start..line.end];
            let indent = text.len() - text.trim_start().len();
            let last = show(file, line.start + indent, span.end);
            Some(vec![first, last])
        })
        .unwrap_or_default();
    let width = shown.last().map_or(1, |s| s.line.to_string().len());
    let pad = " ".repeat(width);
    if let Some(loc) = &diag.location {
        let place = match shown.first() {
            Some(s) => format!("{}:{}:{}", loc.file, s.line, s.column),
            None => loc.file.clone(),
        };
        let _ = writeln!(out, "{pad}{} {}", style.gutter("-->"), one_line(&place));
    }
    let bar = style.gutter("|");
    if !shown.is_empty() {
        let _ = writeln!(out, "{pad} {bar}");
    }
    for (i, s) in shown.iter().enumerate() {
        let is_last = i + 1 == shown.len();
        if i > 0 && s.line > shown[i - 1].line + 1 {
            // Lines left out; indented like the gutter (a bare `...`
            // line would read as a snapshot wildcard in CLI tests).
            let _ = writeln!(out, "{pad}{}", style.gutter("..."));
        }
        let number = style.gutter(&format!("{:>width$}", s.line));
        let _ = writeln!(out, "{number} {bar} {}", s.text);
        let carets = "^".repeat(s.underline.1.max(1));
        let label = if diag.label.is_empty() || !is_last {
            carets
        } else {
            format!("{carets} {}", one_line(&diag.label))
        };
        let _ = writeln!(
            out,
            "{pad} {bar} {}{}",
            " ".repeat(s.underline.0),
            style.severity(diag.severity, &label)
        );
    }
    if diag.help.is_some() || !diag.notes.is_empty() {
        let _ = writeln!(out, "{pad} {bar}");
    }
    let eq = style.gutter("=");
    if let Some(help) = &diag.help {
        let _ = writeln!(out, "{pad} {eq} {}: {}", style.bold("help"), one_line(help));
    }
    for note in &diag.notes {
        let _ = writeln!(out, "{pad} {eq} {}: {}", style.bold("note"), one_line(note));
    }
}

/// Messages, labels, help, notes and paths hold values the user wrote:
/// control characters and bidi overrides are shown escaped (`\u{202e}`,
/// `\n`), as in every other message of the program, so the text stays on
/// one line and reads as written.
fn one_line(text: &str) -> String {
    escape_controls(text).into_owned()
}

/// How one character of a source line is shown, and how many columns that
/// takes: a tab as spaces, a control character or bidi override escaped
/// like in messages (so the underline stays under what is shown).
fn shown_char(c: char) -> (String, usize) {
    match c {
        '\t' => (TAB.to_owned(), TAB.len()),
        c if is_unsafe(c) => {
            let escaped = one_line(c.encode_utf8(&mut [0; 4]));
            let columns = escaped.len();
            (escaped, columns)
        }
        c => (c.to_string(), c.width().unwrap_or(0)),
    }
}

/// The first line of the span, expanded for display, with the underline
/// position in display columns (a wide character takes two carets, a tab
/// four), cut to a window when the line is long.
fn show(file: &SourceFile, start: usize, end: usize) -> Shown {
    let start = floor_char_boundary(&file.text, start);
    let end = floor_char_boundary(&file.text, end.max(start));
    let at = file.line_col(start);
    let line_span = file.line_span(at.line);
    let line_text = &file.text[line_span.start..line_span.end];
    let start_in_line = start.saturating_sub(line_span.start).min(line_text.len());
    let end_in_line = end
        .saturating_sub(line_span.start)
        .clamp(start_in_line, line_text.len());

    // (shown text, columns, byte offset in the line) per character.
    let cells: Vec<(String, usize, usize)> = line_text
        .char_indices()
        .map(|(i, c)| {
            let (text, columns) = shown_char(c);
            (text, columns, i)
        })
        .collect();
    let columns_before = |byte: usize| -> usize {
        cells
            .iter()
            .take_while(|(_, _, i)| *i < byte)
            .map(|(_, w, _)| w)
            .sum()
    };
    let underline_start = columns_before(start_in_line);
    let underline_width = columns_before(end_in_line) - underline_start;
    let total: usize = cells.iter().map(|(_, w, _)| w).sum();

    if total <= MAX_LINE_COLUMNS {
        let text: String = cells.iter().map(|(t, _, _)| t.as_str()).collect();
        return Shown {
            line: at.line,
            column: at.column,
            text: text.trim_end().to_owned(),
            underline: (underline_start, underline_width),
        };
    }

    // A window of MAX_LINE_COLUMNS columns starting a little left of the
    // value; `...` marks each cut.
    let window_start = underline_start.saturating_sub(LEFT_CONTEXT);
    let window_end = window_start + MAX_LINE_COLUMNS;
    let mut text = String::new();
    let mut column = 0;
    let mut first_shown = None;
    for (cell, width, _) in &cells {
        if column >= window_start && column + width <= window_end {
            first_shown.get_or_insert(column);
            text.push_str(cell);
        }
        column += width;
    }
    let first_shown = first_shown.unwrap_or(window_start);
    let prefix = if first_shown > 0 { "..." } else { "" };
    let suffix = if total > window_end { "..." } else { "" };
    let shift = prefix.len();
    let visible_start = underline_start.saturating_sub(first_shown) + shift;
    let visible_width = underline_width.min(window_end.saturating_sub(underline_start));
    Shown {
        line: at.line,
        column: at.column,
        text: format!("{prefix}{}{suffix}", text.trim_end()),
        underline: (visible_start, visible_width),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::diagnostic::Code;
    use crate::manifest::node::ByteSpan;

    fn render(text: &str, start: usize, end: usize) -> String {
        let mut sources = SourceMap::new();
        sources.add("f.yaml", text);
        let diag = Diagnostic::error(Code::UnknownKey, "f.yaml", ByteSpan { start, end }, "msg")
            .label("here");
        render_human(&[diag], &sources, false)
    }

    /// A wide character before the value shifts the carets by two columns.
    #[test]
    fn wide_characters_keep_the_underline_aligned() {
        let text = "name: \"日本\" x\n";
        let start = text.find('x').unwrap();
        let out = render(text, start, start + 1);
        let lines: Vec<&str> = out.lines().collect();
        let source = lines[3];
        let carets = lines[4];
        let x_col = source
            .chars()
            .take_while(|c| *c != 'x')
            .map(|c| c.width().unwrap_or(0))
            .sum::<usize>();
        assert_eq!(carets.find('^'), Some(x_col), "{out}");
    }

    /// A tab before the value is shown as four spaces and the carets follow.
    #[test]
    fn tabs_expand_and_the_underline_follows() {
        let text = "note: \"a\tb\"\n";
        let start = text.find('b').unwrap();
        let out = render(text, start, start + 1);
        assert!(out.contains("1 | note: \"a    b\""), "{out}");
        assert!(
            out.contains(&format!("  | {}^ here", " ".repeat(12))),
            "{out}"
        );
    }

    /// Bidi overrides and control characters are shown escaped in the
    /// source line and in the message; the carets cover the escape inside
    /// the value and stay aligned after it.
    #[test]
    fn controls_and_bidi_overrides_are_escaped_and_the_underline_follows() {
        let text = "ke\u{202e}y: \"a\u{1b}[2Jb\" x\n";
        let mut sources = SourceMap::new();
        sources.add("f.yaml", text);
        let key = ByteSpan {
            start: 0,
            end: text.find(':').unwrap(),
        };
        let x = text.find('x').unwrap();
        let diags = [
            Diagnostic::error(Code::UnknownKey, "f.yaml", key, "unknown key `ke\u{202e}y`")
                .label("unknown \u{202e}key")
                .help("did you mean \u{2066}`name`?")
                .note("a\u{7}b"),
            Diagnostic::error(
                Code::UnknownKey,
                "f.yaml",
                ByteSpan {
                    start: x,
                    end: x + 1,
                },
                "x",
            ),
        ];
        let out = render_human(&diags, &sources, false);
        assert!(!out.chars().any(|c| c != '\n' && is_unsafe(c)), "{out:?}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[..9],
            [
                "error[manifest::unknown-key]: unknown key `ke\\u{202e}y`",
                " --> f.yaml:1:1",
                "  |",
                "1 | ke\\u{202e}y: \"a\\u{1b}[2Jb\" x",
                "  | ^^^^^^^^^^^ unknown \\u{202e}key",
                "  |",
                "  = help: did you mean \\u{2066}`name`?",
                "  = note: a\\u{7}b",
                "",
            ],
            "{out}"
        );
        let source = lines[12];
        let carets = lines[13];
        assert_eq!(carets.find('^'), source.find('x'), "{out}");
    }

    /// A long line is cut to a window that still shows the value underlined.
    #[test]
    fn long_lines_are_cut_around_the_value() {
        let text = format!("note: \"{}\" bad: 1\n", "y".repeat(300));
        let start = text.find("bad").unwrap();
        let out = render(&text, start, start + 3);
        let lines: Vec<&str> = out.lines().collect();
        let source = lines[3];
        let carets = lines[4];
        assert!(source.contains("...") && source.contains("bad"), "{out}");
        let bad = source.find("bad").unwrap();
        assert_eq!(carets.find("^^^"), Some(bad), "{out}");
        assert!(source.chars().count() < 120, "{out}");
    }
}
