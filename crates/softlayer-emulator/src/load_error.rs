//! Why a world file could not be loaded, and where.

use std::fmt;

/// A world file that could not be loaded. Its `Display` names the position:
/// `line L column C` for JSON syntax errors, or the JSON path of the
/// offending value (`virtualGuests[3].billingItem.recurringFee`) for
/// everything the emulator rejects after parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    path: String,
    line_column: Option<(usize, usize)>,
    message: String,
}

impl LoadError {
    /// A problem with the value at `path`.
    pub(crate) fn at(path: &str, message: impl Into<String>) -> LoadError {
        LoadError {
            path: path.to_owned(),
            line_column: None,
            message: message.into(),
        }
    }

    /// A JSON syntax error from serde_json.
    pub(crate) fn syntax(err: &serde_json::Error) -> LoadError {
        // serde_json appends " at line L column C"; keep only the cause.
        let text = err.to_string();
        let message = match text.rfind(" at line ") {
            Some(i) => text[..i].to_owned(),
            None => text,
        };
        LoadError {
            path: String::new(),
            line_column: Some((err.line(), err.column())),
            message: format!("invalid JSON: {message}"),
        }
    }

    /// The JSON path of the offending value (empty for syntax errors and
    /// for problems with the document as a whole).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Line and column (1-based) of a JSON syntax error.
    pub fn line_column(&self) -> Option<(usize, usize)> {
        self.line_column
    }

    /// The problem, without its position.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line_column, self.path.is_empty()) {
            (Some((line, column)), _) => {
                write!(f, "line {line} column {column}: {}", self.message)
            }
            (None, false) => write!(f, "{}: {}", self.path, self.message),
            (None, true) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for LoadError {}
