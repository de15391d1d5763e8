//! YAML text -> [`Node`] tree through serde-saphyr, with explicit limits so
//! hostile input (alias bombs, deep nesting) is refused quickly in bounded
//! memory. Every YAML access of the program goes through here.

use serde_saphyr::{
    DuplicateKeyPolicy, Error, MergeKeyPolicy, MessageFormatter, NonFiniteFloatPolicy,
};

use super::diagnostic::{Code, Diagnostic};
use super::node::{ByteSpan, Node};
use super::source::SourceFile;

/// The largest manifest file read, in bytes. Real manifests are a few KiB;
/// the cap keeps a stray log file or a generated monster from being parsed.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Nesting deeper than this is refused. A manifest nests four levels
/// (file, `retire`, entry, `id` list); the slack is for flow style and
/// anchors, the cap keeps recursion over the tree shallow.
const MAX_DEPTH: usize = 24;

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: Some(usize::try_from(MAX_FILE_BYTES).unwrap_or(usize::MAX)),
            flow_nesting_limit: MAX_DEPTH,
            max_depth: MAX_DEPTH,
            max_documents: 1,
            max_events: 1_000_000,
            max_nodes: 400_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_recorded_anchor_events: 100_000,
            max_recorded_anchor_bytes: 4 * 1024 * 1024,
            max_total_scalar_bytes: 2 * 1024 * 1024,
            max_merge_keys: 1_000,
            max_inclusion_depth: 0,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 20_000,
            max_replay_stack_depth: 16,
            max_alias_expansions_per_anchor: 1_000,
        },
        // Duplicates reach the tree so they are reported with both places.
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        merge_keys: MergeKeyPolicy::Merge,
        // YAML 1.2 booleans only: `yes`/`no`/`on`/`off` stay strings, as
        // editors using the JSON Schema see them.
        strict_booleans: true,
        // `.nan` and `.inf` reach the tree as numbers, so a key that wants
        // one reports a wrong type instead of the file failing to parse.
        non_finite_float_policy: NonFiniteFloatPolicy::PassThrough,
        // YAML 1.2: `1_000` is a string (see `number`).
        underscored_numbers_as_strings: true,
        reject_unsupported_tags: true,
        with_snippet: false,
    }
}

/// Parses one file. `Ok(None)` means the file holds no document at all;
/// `Err` holds every reason the file cannot be read (at least one).
pub(crate) fn parse(file: &SourceFile) -> Result<Option<Node>, Vec<Diagnostic>> {
    if file.text.trim().is_empty() {
        return Ok(None);
    }
    // Tags and `%YAML` directives first: the tree would hide them, and
    // the values they change must not be read as if written plainly.
    let refused = super::yaml_tags::scan(file);
    let parsed = serde_saphyr::from_str_with_options::<Node>(&file.text, options());
    if !refused.diagnostics.is_empty() {
        let mut diags = refused.diagnostics;
        // Malformed YAML further on is worth saying in the same run; a
        // parser error about the tags or the version would say it twice.
        if refused.malformed
            && let Err(err) = &parsed
        {
            diags.push(diagnostic(file, err));
        }
        return Err(diags);
    }
    match parsed {
        Ok(node) if node.value == super::node::Value::Null && is_only_comments(&file.text) => {
            Ok(None)
        }
        Ok(mut node) => {
            super::number::to_core_schema(&mut node, &file.text);
            Ok(Some(node))
        }
        Err(err) => Err(vec![diagnostic(file, &err)]),
    }
}

/// Whether the text has nothing but comments, blank lines and document
/// markers, i.e. no document content. A lone `\r` ends a line too.
fn is_only_comments(text: &str) -> bool {
    text.split(['\n', '\r']).all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#') || line == "---" || line == "..."
    })
}

fn original(err: &Error) -> &Error {
    match err.without_snippet() {
        Error::AliasError { error, .. } => original(error),
        other => other,
    }
}

fn diagnostic(file: &SourceFile, err: &Error) -> Diagnostic {
    let inner = original(err);
    let code = match inner {
        Error::MultipleDocuments { .. }
        | Error::Budget {
            breach: serde_saphyr::budget::BudgetBreach::Documents { .. },
            ..
        } => Code::MultipleDocuments,
        Error::Budget { .. }
        | Error::AliasReplayCounterOverflow { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. } => Code::TooComplex,
        _ if is_nesting_error(inner) => Code::TooComplex,
        _ => Code::YamlSyntax,
    };
    let span = err
        .location()
        .or_else(|| inner.location())
        .filter(|l| l.line() > 0)
        .map_or(ByteSpan::default(), |l| {
            let start = l
                .span()
                .byte_offset()
                .and_then(|o| usize::try_from(o).ok())
                .filter(|o| *o <= file.text.len())
                .unwrap_or_else(|| {
                    file.offset_of(
                        usize::try_from(l.line()).unwrap_or(1),
                        usize::try_from(l.column()).unwrap_or(1),
                    )
                });
            let start = super::source::floor_char_boundary(&file.text, start);
            let end = start
                + file.text[start..]
                    .chars()
                    .next()
                    .filter(|c| *c != '\n' && *c != '\r')
                    .map_or(0, char::len_utf8);
            ByteSpan { start, end }
        });
    match code {
        Code::MultipleDocuments => Diagnostic::error(
            code,
            &file.name,
            span,
            "more than one YAML document in one file",
        )
        .label("a second document starts here")
        .help("put each manifest in its own file"),
        Code::TooComplex => {
            let (message, help) = if is_nesting(inner) {
                (
                    format!("the YAML nests deeper than {MAX_DEPTH} levels"),
                    "a manifest needs four levels (file, retire, entry, list); \
                     flatten this structure",
                )
            } else if is_alias_blowup(inner) {
                (
                    "the YAML aliases expand to too much data (an alias bomb)".to_owned(),
                    "write the values out instead of nesting aliases of aliases",
                )
            } else {
                (
                    "the YAML document is too large to read safely".to_owned(),
                    "split the manifest into several files",
                )
            };
            Diagnostic::error(code, &file.name, span, message)
                .label("refused here")
                .help(help)
        }
        _ => {
            let text = sanitize(&serde_saphyr::UserMessageFormatter.format_message(inner));
            Diagnostic::error(code, &file.name, span, format!("invalid YAML: {text}"))
                .label("here")
                .help("check the indentation, quotes and brackets around this point")
        }
    }
}

fn is_nesting(err: &Error) -> bool {
    use serde_saphyr::budget::BudgetBreach;
    matches!(
        err,
        Error::Budget {
            breach: BudgetBreach::Depth { .. },
            ..
        }
    ) || is_nesting_error(err)
}

fn is_alias_blowup(err: &Error) -> bool {
    use serde_saphyr::budget::BudgetBreach;
    match err {
        Error::Budget { breach, .. } => matches!(
            breach,
            BudgetBreach::Aliases { .. }
                | BudgetBreach::Anchors { .. }
                | BudgetBreach::AliasAnchorRatio { .. }
                | BudgetBreach::RecordedAnchorEvents { .. }
                | BudgetBreach::RecordedAnchorBytes { .. }
                | BudgetBreach::MergeKeys { .. }
        ),
        _ => true,
    }
}

fn is_nesting_error(err: &Error) -> bool {
    let text = serde_saphyr::UserMessageFormatter
        .format_message(err)
        .to_lowercase();
    text.contains("nesting") || text.contains("recursion") || text.contains("too deep")
}

/// Keeps parser messages on one line and free of control characters.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
