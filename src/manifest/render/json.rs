//! One JSON document with every finding, for scripts and editors.

use serde::Serialize;

use super::position;
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
/// columns count characters.
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
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
