//! Property tests of the manifest reader: whatever the input, it returns
//! findings instead of panicking, and every finding points inside its file.

use proptest::prelude::*;
use slretire::manifest::{self, Diagnostic, SourceMap};

const EXAMPLES: [&str; 7] = [
    include_str!("../manifests/examples/ci-runners.yaml"),
    include_str!("../manifests/examples/dal09-exit.yaml"),
    include_str!("../manifests/examples/legacy-edge.yaml"),
    include_str!("../manifests/examples/network-cleanup.yaml"),
    include_str!("../manifests/examples/protect.yaml"),
    include_str!("../manifests/examples/qa-parking.yaml"),
    include_str!("../manifests/examples/storage.yaml"),
];

/// Fragments that tend to reach the corners of YAML and of the validator.
const FRAGMENTS: [&str; 34] = [
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "\t",
    "日本",
    "\n  ",
    "\n",
    "'",
    "\"",
    "# ",
    "kind: ",
    "id: ",
    "0",
    "-1",
    "/33",
    "*",
    "<<: ",
    "ip: ::1",
    "\u{0}",
    ".nan",
    "-.inf",
    "0x1F",
    "0o17",
    "1_000",
    "1e3",
    "+12",
    "<<: *a\n",
    "{k: [v, w]}",
    "\r\n",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, fragment: usize },
    Replace { at: usize, with: char },
    DuplicateLine { line: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..20usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 0..FRAGMENTS.len())
            .prop_map(|(at, fragment)| Mutation::Insert { at, fragment }),
        (any::<usize>(), any::<char>()).prop_map(|(at, with)| Mutation::Replace { at, with }),
        any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
    ]
}

/// Applies mutations by character position, so the text stays a `String`.
fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for m in mutations {
        let n = chars.len().max(1);
        match m {
            Mutation::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(chars.len());
                if at < end {
                    chars.drain(at..end);
                }
            }
            Mutation::Insert { at, fragment } => {
                let at = at % (chars.len() + 1);
                chars.splice(at..at, FRAGMENTS[*fragment].chars());
            }
            Mutation::Replace { at, with } => {
                if !chars.is_empty() {
                    let at = at % chars.len();
                    chars[at] = *with;
                }
            }
            Mutation::DuplicateLine { line } => {
                let text: String = chars.iter().collect();
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                if !lines.is_empty() {
                    let i = line % lines.len();
                    let mut out: Vec<&str> = lines.clone();
                    out.insert(i, lines[i]);
                    chars = out.concat().chars().collect();
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// Checks the invariants every result must keep.
fn check(files: &[(String, String)]) -> Result<(), TestCaseError> {
    let (model, diags, sources, _) = manifest::check_texts(files);
    let errors = diags.iter().any(Diagnostic::is_error);
    prop_assert_eq!(
        model.is_some(),
        !errors,
        "a model exactly when there is no error"
    );
    for diag in &diags {
        prop_assert!(
            diag.help.as_deref().is_some_and(|h| !h.trim().is_empty()),
            "{:?} has no help: {}",
            diag.code,
            diag.message
        );
        let Some(location) = &diag.location else {
            continue;
        };
        let Some((_, text)) = files.iter().find(|(name, _)| *name == location.file) else {
            return Err(TestCaseError::fail(format!(
                "{:?} names an unknown file",
                diag.code
            )));
        };
        if let Some(span) = location.span {
            prop_assert!(span.start <= span.end, "{:?}: reversed span", diag.code);
            prop_assert!(span.end <= text.len(), "{:?}: span past the end", diag.code);
            prop_assert!(
                text.is_char_boundary(span.start),
                "{:?}: start inside a char",
                diag.code
            );
            prop_assert!(
                text.is_char_boundary(span.end),
                "{:?}: end inside a char",
                diag.code
            );
        }
    }
    render_all(&diags, &sources);
    Ok(())
}

/// Every renderer accepts every finding.
fn render_all(diags: &[Diagnostic], sources: &SourceMap) {
    let _ = manifest::render_human(diags, sources, true);
    let _ = manifest::render_human(diags, sources, false);
    let _ = manifest::render_json(diags, sources);
    let _ = manifest::render_github(diags, sources);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary bytes in a file on disk (not UTF-8, NUL, CR) never panic: every finding has a help line and points inside the text shown for it.
    #[test]
    fn arbitrary_bytes_on_disk_yield_diagnostics_not_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bytes.yaml");
        std::fs::write(&path, &bytes).unwrap();
        let (diags, sources) = match manifest::load(std::slice::from_ref(&path)) {
            Ok(loaded) => (loaded.warnings, loaded.sources),
            Err(failure) => (failure.diagnostics, failure.sources),
        };
        for diag in &diags {
            prop_assert!(diag.help.is_some(), "{:?} has no help: {}", diag.code, diag.message);
            if let Some(location) = &diag.location
                && let Some(span) = location.span
            {
                let file = sources.get(&location.file);
                prop_assert!(file.is_some(), "{:?} names an unknown file", diag.code);
                let text = &file.unwrap().text;
                prop_assert!(span.start <= span.end && span.end <= text.len(), "{:?}: span out of the text", diag.code);
                prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "{:?}: span inside a char", diag.code);
            }
        }
        render_all(&diags, &sources);
    }

    /// Arbitrary text never panics the reader and yields in-bounds spans.
    #[test]
    fn arbitrary_text_yields_diagnostics_not_panics(text in any::<String>()) {
        check(&[("any.yaml".to_owned(), text)])?;
    }

    /// Mutated example manifests never panic the reader and yield in-bounds spans.
    #[test]
    fn mutated_manifests_yield_diagnostics_not_panics(
        example in 0..EXAMPLES.len(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let text = mutate(EXAMPLES[example], &mutations);
        check(&[("mutated.yaml".to_owned(), text)])?;
    }

    /// Several mutated files in one run keep the same guarantees (merging, accounts, contradictions).
    #[test]
    fn mutated_runs_of_several_files_yield_in_bounds_spans(
        a in 0..EXAMPLES.len(),
        b in 0..EXAMPLES.len(),
        mutations in prop::collection::vec(mutation(), 0..3),
    ) {
        let files = vec![
            ("a.yaml".to_owned(), mutate(EXAMPLES[a], &mutations)),
            ("b.yaml".to_owned(), EXAMPLES[b].to_owned()),
        ];
        check(&files)?;
    }
}
