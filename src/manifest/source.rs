//! The texts of the manifest files read in one run, so diagnostics can be
//! shown against the lines they point at.

use super::node::ByteSpan;

/// One file's display path and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as given on the command line, joined with `/`.
    pub name: String,
    /// The text (lossily decoded when the file was not UTF-8).
    pub text: String,
    /// Byte offset of the start of every line, so positions are found by
    /// binary search even in a large file with many findings.
    line_starts: Vec<usize>,
}

/// Every file read in one run, in reading order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

/// A 1-based line and column; columns count characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file (a later file with the same name replaces nothing: the
    /// first one wins, as discovery never yields a path twice).
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) {
        let name = name.into();
        if self.get(&name).is_none() {
            self.files.push(SourceFile::new(name, text));
        }
    }

    /// The file called `name`.
    pub fn get(&self, name: &str) -> Option<&SourceFile> {
        self.files.iter().find(|f| f.name == name)
    }

    /// The position of `name` in reading order (for sorting diagnostics).
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.files.iter().position(|f| f.name == name)
    }

    /// Every file, in reading order.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }
}

impl SourceFile {
    /// A file and its line index.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// Line and column of byte `offset` (clamped into the text and back to
    /// a character boundary, so a bad offset never panics).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = floor_char_boundary(&self.text, offset);
        let index = self.line_starts.partition_point(|start| *start <= offset);
        let line_start = self.line_starts[index.saturating_sub(1)];
        let column = self.text[line_start..offset].chars().count() + 1;
        LineCol {
            line: index.max(1),
            column,
        }
    }

    /// The byte range of 1-based `line`, without its line break.
    pub fn line_span(&self, line: usize) -> ByteSpan {
        let start = self
            .line_starts
            .get(line.max(1) - 1)
            .copied()
            .unwrap_or(self.text.len());
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let end = if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        ByteSpan { start, end }
    }

    /// The byte offset of a 1-based line and character column (as YAML
    /// parser errors report them), clamped to the line.
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        let span = self.line_span(line.max(1));
        let text = &self.text[span.start..span.end];
        let within = text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(text.len(), |(i, _)| i);
        span.start + within
    }
}

/// The largest char boundary of `text` at or below `offset`.
pub(crate) fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
