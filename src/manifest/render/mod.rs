//! Renderers: pure functions from findings (and the texts they point
//! into) to text. `validate`, `plan` and `apply` all print load failures
//! through these.

mod github;
mod human;
mod json;

pub use github::render_github;
pub use human::render_human;
pub use json::render_json;

use super::diagnostic::Diagnostic;
use super::source::{LineCol, SourceMap};

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
