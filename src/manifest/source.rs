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
        // YAML ends a line at `\r\n`, `\n` or a lone `\r`, and so do
        // the positions shown: the line after a break starts past it.
        let bytes = text.as_bytes();
        let line_starts = std::iter::once(0)
            .chain(bytes.iter().enumerate().filter_map(|(i, b)| match b {
                b'\n' => Some(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => Some(i + 1),
                _ => None,
            }))
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
            .find(['\n', '\r'])
            .map_or(self.text.len(), |i| start + i);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `\n`, `\r\n` and a lone `\r` each end a line, as in YAML.
    #[test]
    fn every_yaml_line_break_ends_a_line() {
        let file = SourceFile::new("f.yaml", "a: 1\rb: 2\r\nc: 3\nd: 4");
        let at = |needle: &str| file.line_col(file.text.find(needle).unwrap());
        assert_eq!(at("a"), LineCol { line: 1, column: 1 });
        assert_eq!(at("b"), LineCol { line: 2, column: 1 });
        assert_eq!(at("2"), LineCol { line: 2, column: 4 });
        assert_eq!(at("c"), LineCol { line: 3, column: 1 });
        assert_eq!(at("d"), LineCol { line: 4, column: 1 });
        let line = |n: usize| {
            let span = file.line_span(n);
            &file.text[span.start..span.end]
        };
        assert_eq!(
            [line(1), line(2), line(3), line(4)],
            ["a: 1", "b: 2", "c: 3", "d: 4"]
        );
        assert_eq!(file.offset_of(2, 4), file.text.find('2').unwrap());
    }
}
