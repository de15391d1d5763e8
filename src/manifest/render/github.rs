//! GitHub Actions workflow commands, so a pull request shows each finding
//! on the line it is about:
//! `::error file=m.yaml,line=12,col=5,title=manifest::unknown-key::message`.

use std::fmt::Write;

use super::position;
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

/// Escapes a message the way the Actions runner expects.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (which also must not hold `:` or `,`).
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
}
