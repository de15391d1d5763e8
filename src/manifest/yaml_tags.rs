//! Explicit YAML tags (`!!binary`, `!!int`, `!custom`, `!`) and `%YAML`
//! directives other than 1.2: both make a value mean something else than
//! what a reviewer reads (`name: !!binary aGVsbG8=` selects `hello`,
//! `id: !!int "12345678"` is a number although quoted, `%YAML 1.1` turns
//! `yes` into a boolean), so a manifest may use neither.
//!
//! The parsed tree no longer shows tags, so the file's tokens are scanned
//! for them first, with the YAML scanner serde-saphyr itself uses.

use granit_parser::{Options, Scanner, StrInput, TokenType};

use super::diagnostic::{Code, Diagnostic};
use super::node::ByteSpan;
use super::source::SourceFile;

/// A tag longer than this is shown cut (a verbatim `!<...>` tag can be
/// as long as the line).
const MAX_SHOWN_TAG_CHARS: usize = 40;

/// What a scan of the file's tokens found.
pub(crate) struct Findings {
    /// One finding per tag and per refused `%YAML` directive, in file order.
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Whether the scanner stopped at malformed YAML (the parser then says
    /// what is wrong there).
    pub(crate) malformed: bool,
}

/// Every explicit tag and every `%YAML` directive other than 1.2 in `file`.
pub(crate) fn scan(file: &SourceFile) -> Findings {
    let mut findings = Findings {
        diagnostics: Vec::new(),
        malformed: false,
    };
    // A tag starts with `!` and a directive with `%`: a file without
    // either has neither, and is not scanned twice.
    if !file.text.contains(['!', '%']) {
        return findings;
    }
    let scanner = Scanner::with_options(StrInput::new(&file.text), Options::default());
    for token in scanner {
        let Ok(token) = token else {
            findings.malformed = true;
            break;
        };
        let span = token
            .span()
            .byte_range()
            .map_or(ByteSpan::default(), |r| ByteSpan {
                start: r.start,
                end: r.end,
            });
        match token.token_type() {
            TokenType::Tag(handle, suffix) => {
                let written = file.text.get(span.start..span.end).unwrap_or_default();
                let written = if written.is_empty() {
                    format!("{handle}{suffix}")
                } else {
                    written.to_owned()
                };
                findings
                    .diagnostics
                    .push(tag(file, span, &written, handle, suffix));
            }
            TokenType::VersionDirective(major, minor) if (*major, *minor) != (1, 2) => {
                findings
                    .diagnostics
                    .push(version(file, span, *major, *minor));
            }
            _ => {}
        }
    }
    findings
}

fn tag(file: &SourceFile, span: ByteSpan, written: &str, handle: &str, suffix: &str) -> Diagnostic {
    let shown: String = if written.chars().count() > MAX_SHOWN_TAG_CHARS {
        let cut: String = written.chars().take(MAX_SHOWN_TAG_CHARS).collect();
        format!("{cut}...")
    } else {
        written.to_owned()
    };
    // `!!x` and `!<tag:yaml.org,2002:x>` are YAML's own types.
    let core = match handle {
        "!!" | "tag:yaml.org,2002:" => suffix,
        _ => suffix.strip_prefix("tag:yaml.org,2002:").unwrap_or(""),
    };
    let help = match core {
        "binary" => "remove the tag and write the text itself, not its base64",
        "int" | "float" | "bool" | "null" => {
            "remove the tag: numbers are written without quotes (`id: 12345678`), \
             and a quoted value is text"
        }
        "str" => "remove the tag; to make a number text, quote it (`name: \"14793\"`)",
        _ => {
            "remove the tag; a manifest holds only plain strings, numbers, \
             booleans, lists and mappings"
        }
    };
    Diagnostic::error(
        Code::YamlTag,
        &file.name,
        span,
        format!("the YAML tag `{shown}` is not allowed in a manifest"),
    )
    .label("a tag changes what the value means")
    .help(help)
}

fn version(file: &SourceFile, span: ByteSpan, major: u32, minor: u32) -> Diagnostic {
    let label = if major == 1 && minor < 2 {
        format!("YAML {major}.{minor} reads `yes`, `no`, `on`, `off` and `012` differently")
    } else {
        "not YAML 1.2".to_owned()
    };
    Diagnostic::error(
        Code::YamlVersion,
        &file.name,
        span,
        format!("`%YAML {major}.{minor}` is not supported: manifests are YAML 1.2"),
    )
    .label(label)
    .help("remove the directive (or write `%YAML 1.2`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes_and_spans(text: &str) -> Vec<(Code, &str)> {
        let file = SourceFile::new("f.yaml", text);
        scan(&file)
            .diagnostics
            .iter()
            .map(|d| {
                let span = d.location.as_ref().and_then(|l| l.span).unwrap();
                (d.code, &text[span.start..span.end])
            })
            .collect()
    }

    /// Every spelling of a tag is found, and underlined as written.
    #[test]
    fn finds_every_tag_as_written() {
        let text = "a: !!binary aGVsbG8=\nb: !!int \"1\"\nc: !x y\nd: ! 12\n\
                    e: !<tag:yaml.org,2002:str> 5\nf: !!map {x: 1}\n? !!str k\n: v\n";
        assert_eq!(
            codes_and_spans(text),
            vec![
                (Code::YamlTag, "!!binary"),
                (Code::YamlTag, "!!int"),
                (Code::YamlTag, "!x"),
                (Code::YamlTag, "!"),
                (Code::YamlTag, "!<tag:yaml.org,2002:str>"),
                (Code::YamlTag, "!!map"),
                (Code::YamlTag, "!!str"),
            ]
        );
    }

    /// `!` and `%` inside values and comments are not tags or directives.
    #[test]
    fn bangs_and_percents_in_text_are_plain() {
        let text = "note: \"100% !important\" # 50%! done\nname: a!b\nreason: x %YAML 1.1\n";
        assert!(codes_and_spans(text).is_empty());
        assert!(!scan(&SourceFile::new("f.yaml", text)).malformed);
    }

    /// `%YAML 1.2` is accepted; any other version is refused at the directive.
    #[test]
    fn only_yaml_1_2_is_accepted() {
        assert!(codes_and_spans("%YAML 1.2\n---\na: 1\n").is_empty());
        for version in ["1.1", "1.0", "1.3", "2.0"] {
            let text = format!("%YAML {version}\n---\na: 1\n");
            assert_eq!(
                codes_and_spans(&text),
                vec![(Code::YamlVersion, &text[..9])],
                "{version}"
            );
        }
    }
}
