//! Renderers: pure functions from findings (and the texts they point
//! into) to text. `validate`, `plan` and `apply` all print load failures
//! through these.

mod github;
mod human;
mod json;

pub use github::render_github;
pub use human::render_human;
pub use json::render_json;

use std::borrow::Cow;

use super::diagnostic::Diagnostic;
use super::source::{LineCol, SourceMap};
use crate::terminal_text::escape_controls;

/// Whether `c` is a character [`escape_controls`] writes escaped (a
/// control character, a bidi override or isolate): manifest text carries
/// whatever a pull request put there, and none of these may reach a
/// terminal or a CI log raw, in any format.
pub(crate) fn is_unsafe(c: char) -> bool {
    let mut buf = [0; 4];
    matches!(escape_controls(c.encode_utf8(&mut buf)), Cow::Owned(_))
}

/// Start and end (exclusive) of a finding's span as lines and columns,
/// when it has a span in a known file.
pub(crate) fn position(diag: &Diagnostic, sources: &SourceMap) -> Option<(LineCol, LineCol)> {
    let loc = diag.location.as_ref()?;
    let span = loc.span?;
    let file = sources.get(&loc.file)?;
    Some((
        file.line_col(span.start),
        file.line_col(span.end.max(span.start)),
    ))
}
